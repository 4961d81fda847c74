"""File handles: the server's record of stored bytes (or of an external URL) that entities point at."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import WIRE_NAME, UnionRoot
from ._html import Displayed

__all__ = ["ExternalFileHandle", "FileHandle", "S3FileHandle", "UnknownFileHandle", "VersionInfo"]


@attrs.define(kw_only=True)
class FileHandle(Displayed, UnionRoot):
    """Metadata of stored bytes: name, size, md5, type. Subclasses by ``concreteType``."""

    CONCRETE_TYPE: ClassVar[str] = ""
    _UNION_FALLBACK: ClassVar[str] = "UnknownFileHandle"
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "file_name", "content_size", "content_md5")
    id: str | None = None
    """The file handle id."""
    etag: str | None = None
    created_by: str | None = None
    """The uploader's principal id (only the uploader may attach a handle to an entity)."""
    created_on: datetime | None = None
    modified_on: datetime | None = None
    content_type: str | None = None
    """The MIME type."""
    content_md5: str | None = None
    """The hex md5 of the bytes."""
    file_name: str | None = None
    """The name the bytes were uploaded under (the download's file name)."""
    storage_location_id: int | None = None
    content_size: int | None = None
    """The size in bytes."""
    status: str | None = None
    """``AVAILABLE``, ``UNLINKED`` or ``ARCHIVED``."""
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)


@attrs.define(kw_only=True)
class S3FileHandle(FileHandle):
    """Bytes stored by Synapse (the default upload destination)."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.file.S3FileHandle"
    bucket_name: str | None = None
    key: str | None = None
    preview_id: str | None = None
    is_preview: bool | None = None


@attrs.define(kw_only=True)
class ExternalFileHandle(FileHandle):
    """A URL recorded as a file; Synapse does not hold the bytes."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.file.ExternalFileHandle"
    external_url: str | None = attrs.field(default=None, metadata={WIRE_NAME: "externalURL"})
    """The URL."""


@attrs.define(kw_only=True)
class UnknownFileHandle(FileHandle):
    """A file handle of a type this library does not model (Google Cloud, proxy...); fields kept."""


@attrs.define(kw_only=True)
class VersionInfo(Displayed):
    """One version of a file, as ``File.versions()`` lists it."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "version_number", "version_label", "content_md5")
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("version_number", "version_label", "version_comment",
                                              "content_size", "content_md5", "modified_by", "modified_on")

    id: str
    version_number: int
    version_label: str | None = None
    version_comment: str | None = None
    is_latest_version: bool | None = None
    modified_by: str | None = None
    modified_by_principal_id: str | None = None
    modified_on: datetime | None = None
    content_size: str | None = None
    content_md5: str | None = None
