"""The hook points of the files area: how other areas authorize downloads through their associations, and who
owns a storage location (the storage area answers; a multipart copy names its destination).

``POST /file/v1/fileHandle/batch``, ``GET /file/v1/file/{id}`` and file handle copies name a
FileHandleAssociation (``associateObjectType`` + ``associateObjectId``).  An area owning such objects plugs an
:class:`Association` into :data:`ASSOCIATIONS` (the evaluations area for ``SubmissionAttachment``, the wiki
for ``WikiMarkdown``/``WikiAttachment``); ``FileEntity`` and ``TableEntity`` are built in.  Without a check
for its type, an association authorizes the handle's creator only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.hooks import HookPoint
from ...core.txn import Txn


@dataclass(frozen=True)
class Association:
    """How to authorize a download of ``handle`` through an object of ``type``.

    ``check(txn, handle, object_id)`` returns ``None`` (authorized), ``"NOT_FOUND"`` or ``"UNAUTHORIZED"``.
    """

    type: str
    check: Callable[[Txn, dict[str, Any], str], str | None]


ASSOCIATIONS: HookPoint[Association] = HookPoint("file_associations")

#: ``owner(db, storage_location_id)``: who created a storage location (a principal id, ``None`` if unknown).
LOCATION_OWNERS: HookPoint[Callable[[sqlite3.Connection, int], int | None]] = HookPoint("location_owners")
