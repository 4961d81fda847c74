"""Where a file version's content ends up on this machine: the cache, a chosen directory, name collisions.

``File.get()`` and ``File.download()`` call :func:`download_content`; the bytes themselves move in
:mod:`synapse_models.transfer`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from ..connection import Connection
from ..errors import ValidationError
from ..transfer.cache import Cache
from ..transfer.download import download_file_handle, download_url
from ..transfer.names import free_name, path_inside
from ..transfer.upload import md5_of_path
from ._args import as_path
from .file_handle import ExternalFileHandle, FileHandle

__all__ = ["COLLISIONS", "Collision", "download_content"]

Collision = Literal["keep.both", "overwrite.local", "keep.local"]
COLLISIONS = ("keep.both", "overwrite.local", "keep.local")


def download_content(
    conn: Connection,
    entity_id: str,
    file_handle_id: str,
    handle: FileHandle | None,
    name: str,
    *,
    download_location: str | os.PathLike[str] | None,
    if_collision: Collision,
    progress: bool | None,
    cache_root: str | os.PathLike[str] | None,
) -> Path:
    """The local path of a file version's content, downloaded unless the cache (or the disk) has it.

    Args:
        conn: The connection.
        entity_id: The file entity (the download is authorised through it).
        file_handle_id: The version's file handle id.
        handle: The file handle, when known (its md5 spares a download; its name names the file).
        name: The entity name (the file name when the handle is not known).
        download_location: A directory; the cache directory by default.
        if_collision: What to do when another file of that name is in the way (see ``File.get``).
        progress: Show a progress bar.
        cache_root: The cache root.

    Raises:
        ValidationError: The content is an external ``file://`` URL that is not on this machine.
    """
    md5 = handle.content_md5 if handle else None
    if isinstance(handle, ExternalFileHandle) and str(handle.external_url or "").startswith("file://"):
        local = Path(unquote(urlparse(str(handle.external_url)).path))
        if not local.is_file():
            raise ValidationError("url", handle.external_url, "the external file is not on this machine")
        return local
    cache = Cache(cache_root)
    directory = None if download_location is None else Path(as_path(download_location, "download_location"))
    hit = cache.get(file_handle_id, directory=directory, md5=md5)
    if hit is not None:
        return hit
    elsewhere = cache.get(file_handle_id, md5=md5) if directory is not None else None
    directory = directory if directory is not None else cache.directory(file_handle_id)
    # a name from the server is a name, never a path (see transfer/names.py)
    target = path_inside(directory, (handle.file_name if handle else None) or name,
                         fallback=f"file-{file_handle_id}")
    if target.exists():
        if md5 and md5_of_path(target) == md5:
            cache.add(file_handle_id, target, md5)
            return target
        if if_collision == "keep.local":
            return target
        if if_collision == "keep.both":
            target = free_name(target)
    if elsewhere is not None:
        partial = target.with_name(target.name + ".synapse-partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(elsewhere, partial)
        os.replace(partial, target)
    elif isinstance(handle, ExternalFileHandle) and handle.external_url:
        download_url(conn, handle.external_url, target, size=handle.content_size, md5=md5, progress=progress)
    else:
        download_file_handle(
            conn,
            file_handle_id=file_handle_id,
            associate_object_id=entity_id,
            associate_object_type="FileEntity",
            destination=target,
            expected_md5=md5,
            progress=progress,
        )
    cache.add(file_handle_id, target, md5 or md5_of_path(target))
    return target
