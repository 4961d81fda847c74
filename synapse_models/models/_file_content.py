"""The content of a :class:`~synapse_models.File` on ``store()``: uploaded when it changed, or recorded.

A file stored from a path is uploaded only when its bytes differ from those of the version the entity
already has (compared by md5); a file with a ``url``, or with ``synapse_store=False``, is recorded as an
external file handle instead. These steps read and set the file's handle, so they take the file itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .._convert import from_wire, to_wire
from ..connection import Connection
from ..errors import HTTPError
from ..transfer.cache import Cache
from ..transfer.upload import guess_content_type, md5_of_path, upload_path
from .file_handle import ExternalFileHandle, FileHandle

if TYPE_CHECKING:
    from .file import File

__all__ = ["record_external", "upload_if_changed"]

_VALID_NAME = re.compile(r"^[a-zA-Z0-9,_. \-+()']{1,256}$")


def record_external(self: File, conn: Connection) -> None:
    """Record the file's URL (or its local path as a ``file://`` URL) as an external file handle, unless
    the handle it has already records it."""
    url = self.url or Path(str(self.path)).resolve().as_uri()
    current = self.file_handle
    if (
        isinstance(current, ExternalFileHandle)
        and current.external_url == url
        and current.id == self.data_file_handle_id
    ):
        return
    name = str(self.name or os.path.basename(urlparse(url).path) or "file")
    record = ExternalFileHandle(
        external_url=url, file_name=name, content_type=self.content_type or guess_content_type(name)
    )
    if self.path is not None and os.path.isfile(self.path):
        record.content_md5 = md5_of_path(self.path)
        record.content_size = os.path.getsize(self.path)
    answer = conn.post("/externalFileHandle", to_wire(record), service="file")
    self.file_handle = from_wire(FileHandle, answer)
    self.data_file_handle_id = self.file_handle.id
    self.url = url


def upload_if_changed(self: File, conn: Connection) -> None:
    """Upload the local file, unless its md5 is the one of the content the entity already has (the cache
    knows the md5 of a file it has seen, so an unchanged file is not read again)."""
    path = str(self.path)
    cache = self._cache or Cache()
    current = self.data_file_handle_id
    local_md5: str | None = None
    last = self._last_stored()
    if current is not None and last is not None and current == last.data_file_handle_id:
        stored_md5 = _stored_md5(self, conn)
        stored_size = self.file_handle.content_size if self.file_handle is not None else None
        if stored_size is not None and stored_size != os.path.getsize(path):
            stored_md5 = None  # a different size is a different content: no need to hash
        if stored_md5 is not None:
            local_md5 = cache.known_md5(current, path)
            if local_md5 is None:
                local_md5 = md5_of_path(path, progress=self._progress)
            if local_md5 == stored_md5:
                self._verified_md5 = local_md5
                return
    base = os.path.basename(path)
    # the handle's name follows the entity name rules; fall back to the entity name
    file_name = base if _VALID_NAME.match(base) else str(self.name)
    handle = from_wire(
        FileHandle,
        upload_path(
            conn,
            path,
            parent_id=self.parent_id,
            file_name=file_name,
            content_type=self.content_type,
            progress=self._progress,
            md5=local_md5,
        ),
    )
    self.file_handle = handle
    self.data_file_handle_id = handle.id
    self._verified_md5 = handle.content_md5


def _stored_md5(self: File, conn: Connection) -> str | None:
    if self.file_handle is not None and self.file_handle.id == self.data_file_handle_id:
        return self.file_handle.content_md5
    try:  # only the uploader may read a handle directly; others re-upload, which is still correct
        handle = conn.get(f"/fileHandle/{self.data_file_handle_id}", service="file")
    except HTTPError:
        return None
    self.file_handle = from_wire(FileHandle, handle)
    return self.file_handle.content_md5
