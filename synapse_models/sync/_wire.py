"""Request and response bodies only bulk work sends or reads, as attrs classes for the converter.

The others are reused from where they live: bundles, children pages and lookups (``models/_wire.py``),
presigned URLs (``transfer/_wire.py``), table transactions and CSV downloads (``tables/_wire.py``), and the
models themselves (an entity ``Reference``, a ``Link``). Names follow the REST reference;
:mod:`synapse_models._convert` writes and reads them, so no bulk module builds or indexes a JSON dictionary
by hand.
"""

from __future__ import annotations

import attrs

from ..models.activity import Reference
from ..models.file_handle import FileHandle
from ..models.tree import EntityHeader
from ..transfer._wire import FileHandleAssociation

__all__ = [
    "BatchFileHandleCopyRequest",
    "BatchFileHandleCopyResult",
    "EntityPath",
    "FileHandleCopyRequest",
    "FileHandleCopyResult",
    "ReferenceList",
]


@attrs.define(kw_only=True)
class ReferenceList:
    """``POST /entity/header``: the headers of up to 100 entities at once."""

    references: list[Reference]


@attrs.define(kw_only=True)
class EntityPath:
    """``GET /entity/{id}/path``: the headers from the root down to the entity."""

    path: list[EntityHeader] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class FileHandleCopyRequest:
    """One file handle to copy (no bytes move), read through the object it belongs to."""

    original_file: FileHandleAssociation
    new_file_name: str | None = None
    new_content_type: str | None = None


@attrs.define(kw_only=True)
class BatchFileHandleCopyRequest:
    """``POST /filehandles/copy``: up to 100 copies, each a new handle owned by the caller."""

    copy_requests: list[FileHandleCopyRequest]


@attrs.define(kw_only=True)
class FileHandleCopyResult:
    """One copy: the new handle, or why not (``failureCode``: ``NOT_FOUND``, ``UNAUTHORIZED``)."""

    original_file_handle_id: str | None = None
    new_file_handle: FileHandle | None = None
    failure_code: str | None = None


@attrs.define(kw_only=True)
class BatchFileHandleCopyResult:
    """The copies, in the order asked."""

    copy_results: list[FileHandleCopyResult] = attrs.field(factory=list)
