"""Uploads: the multipart protocol of the file service, streamed, bounded in memory, resumable.

The order of calls (REFERENCE 2.5): ``GET /entity/{parent}/uploadDestination`` (once per parent and
connection) -> ``POST /file/multipart`` (idempotent: the same request returns the same upload and its
``partsState``, so a re-run after a failure skips the parts already added) -> ``POST .../presigned/url/batch``
-> ``PUT`` each part to its URL -> ``PUT .../add/{n}?partMD5Hex=`` -> ``PUT .../complete``.

Speed: the file is read twice. The first pass computes the file's md5 (needed to start the upload) and, on a
second core at the same time, the md5 of every part (needed to add each part); only the hex digests are kept.
The second pass is then pure I/O: parts are read and PUT by :data:`DEFAULT_WORKERS` threads, so the sending
overlaps with the server's work on the previous parts. When the file's md5 is already known (the cache), the
first pass is skipped and each part is hashed by the thread that sends it.

Memory: at most ``max_workers`` parts (plus a few 8 MiB read buffers) are in memory at once, whatever the
file size.
"""

from __future__ import annotations

import hashlib
import logging
import math
import mimetypes
import os
import re
import threading
import weakref
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._convert import from_wire, to_wire
from ..errors import BadRequestError, HTTPError, TransferError, ValidationError
from ._wire import MultipartUploadRequest, MultipartUploadStatus, UploadedFileHandle
from .hashing import md5_of_path, md5_of_path_and_parts
from .parts import MAX_PARTS, MIN_PART_SIZE, default_part_size, part_length, part_size_for, send_parts
from .progress import Progress

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = [
    "MAX_PARTS",
    "MIN_PART_SIZE",
    "S3_FILE_HANDLE",
    "default_part_size",
    "guess_content_type",
    "md5_of_path",
    "md5_of_path_and_parts",
    "part_size_for",
    "upload_bytes",
    "upload_destination",
    "upload_path",
]

S3_FILE_HANDLE = UploadedFileHandle.CONCRETE_TYPE
_NAME = re.compile(r"^[a-zA-Z0-9,_. \-+()']+$")
DEFAULT_WORKERS = 4
"""Parts sent at once by default: enough to overlap sending with the server's hashing and writing."""

log = logging.getLogger("synapse_models")
_destinations: weakref.WeakKeyDictionary[Connection, dict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()
_destinations_lock = threading.Lock()


def guess_content_type(file_name: str) -> str:
    """The MIME type suggested by a file name (``application/octet-stream`` when unknown)."""
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or "application/octet-stream"


def upload_destination(conn: Connection, parent_id: str | None) -> dict[str, Any]:
    """The upload destination of a container, asked once per connection and parent (threads share it)."""
    if parent_id is None:
        return {}
    with _destinations_lock:
        known = _destinations.setdefault(conn, {}).get(parent_id)
        if known is None:  # asked under the lock: concurrent uploads to one folder ask only once
            known = conn.get(f"/entity/{parent_id}/uploadDestination", service="file") or {}
            _destinations[conn][parent_id] = known
    return known


def _check_file_name(file_name: str) -> str:
    if not file_name or len(file_name) > 256 or not _NAME.match(file_name):
        raise ValidationError(
            "file_name", file_name, "file names may contain only letters, digits, spaces and , _ . - + ( ) '"
        )
    return file_name


def upload_path(
    conn: Connection,
    path: str | os.PathLike[str],
    *,
    parent_id: str | None = None,
    content_type: str | None = None,
    file_name: str | None = None,
    part_size: int | None = None,
    max_workers: int | None = None,
    progress: bool | None = None,
    md5: str | None = None,
) -> dict[str, Any]:
    """Upload a local file and return its file handle.

    Args:
        conn: The connection.
        path: The local file.
        parent_id: The container the file is for (picks the upload destination).
        content_type: The MIME type; guessed from the name when omitted.
        file_name: The name recorded on the file handle; the base name of ``path`` by default.
        part_size: Bytes per part; :func:`default_part_size` by default (5 MiB up to 16 MiB).
        max_workers: Parts uploaded at once (default 4, at most the connection's pool size).
        progress: Show progress bars, of the checksum pass and of the upload (default: for files over 4 MiB
            when stderr is a terminal).
        md5: The file's hex md5 if already known (saves reading the file once more).

    Returns:
        The file handle JSON: ``id``, ``concreteType``, ``contentMd5``, ``contentSize``, ``fileName``,
        ``contentType``, ``storageLocationId`` (built from the upload's answers, no extra request).

    Raises:
        ValidationError: The path is not a readable file, or an argument is invalid (before any request).
        TransferError: A part could not be uploaded or the upload could not be completed.
    """
    source = Path(path)
    if not source.is_file():
        raise ValidationError("path", str(path), "not an existing file")
    name = _check_file_name(file_name or source.name)
    size = source.stat().st_size
    chunk = part_size_for(size, part_size) if part_size is not None else default_part_size(size)
    part_md5s: list[str] | None = None
    if md5 is None:
        digest, part_md5s = md5_of_path_and_parts(source, chunk, progress=progress)
        if len(part_md5s) != max(1, math.ceil(size / chunk)) or source.stat().st_size != size:
            raise TransferError(f"{source} changed while it was read; nothing was uploaded")
    else:
        digest = md5

    def read_part(offset: int, length: int) -> bytes:
        with open(source, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    request = _request(name, content_type, digest, size, chunk)
    return _multipart(
        conn,
        request,
        read_part,
        parent_id=parent_id,
        max_workers=max_workers,
        progress=progress,
        part_md5s=part_md5s,
    )


def upload_bytes(
    conn: Connection,
    data: bytes,
    file_name: str,
    *,
    content_type: str | None = None,
    parent_id: str | None = None,
) -> dict[str, Any]:
    """Upload bytes held in memory (a wiki page, a CSV for a table...) and return the file handle JSON."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValidationError("data", type(data).__name__, "expected bytes")
    name = _check_file_name(file_name)
    blob = bytes(data)
    view = memoryview(blob)

    def read_part(offset: int, length: int) -> bytes:
        return bytes(view[offset : offset + length])

    request = _request(name, content_type, hashlib.md5(blob).hexdigest(), len(blob), part_size_for(len(blob)))
    return _multipart(conn, request, read_part, parent_id=parent_id)


def _request(
    name: str, content_type: str | None, md5: str, size: int, part_size: int
) -> MultipartUploadRequest:
    """The body that starts (or finds again) the upload of ``size`` bytes named ``name``."""
    return MultipartUploadRequest(
        file_name=name,
        content_type=content_type or guess_content_type(name),
        content_md5_hex=md5,
        file_size_bytes=size,
        part_size_bytes=part_size,
    )


def _multipart(
    conn: Connection,
    request: MultipartUploadRequest,
    read_part: Callable[[int, int], bytes],
    *,
    parent_id: str | None,
    max_workers: int | None = None,
    progress: bool | None = None,
    part_md5s: list[str] | None = None,
) -> dict[str, Any]:
    """Run the upload ``request`` describes, resuming it (or, once, starting it over) when a part fails."""
    storage_location_id = upload_destination(conn, parent_id).get("storageLocationId")
    request = attrs.evolve(request, storage_location_id=storage_location_id)
    size, part_size, file_name = request.file_size_bytes, request.part_size_bytes, request.file_name
    for restart in (False, True):
        start = partial(
            conn.post, "/file/multipart", to_wire(request), service="file", params={"forceRestart": restart}
        )
        status = from_wire(MultipartUploadStatus, start())
        if status.state == "COMPLETED":
            break
        parts = max(1, math.ceil(size / part_size))
        state = (status.parts_state or "").ljust(parts, "0")
        missing = [n for n in range(1, parts + 1) if state[n - 1] != "1"]
        try:
            with Progress(size, file_name, progress=progress) as bar:
                bar.update(size - sum(part_length(n, size, part_size) for n in missing))
                workers = max_workers or DEFAULT_WORKERS
                send_parts(
                    conn, status.upload_id, missing, size, part_size, read_part, workers, bar, part_md5s
                )
            status = from_wire(
                MultipartUploadStatus,
                conn.put(f"/file/multipart/{status.upload_id}/complete", service="file"),
            )
            break
        except (HTTPError, TransferError) as exc:
            # the same file uploaded at once elsewhere is the same upload: when that one completed it
            # first, its file handle is this one's too
            resumed = conn.post(
                "/file/multipart", to_wire(request), service="file", params={"forceRestart": False}
            )
            if (finished := from_wire(MultipartUploadStatus, resumed)).completed:
                status = finished
                break
            if not isinstance(exc, BadRequestError):
                raise
            # the server holds parts it cannot use (changed after they were added, bytes missing...):
            # resuming would fail the same way forever, so the upload starts over, once
            if restart:
                raise TransferError(
                    f"upload of {file_name!r} could not be completed even after starting it over: {exc}"
                ) from exc
            log.warning(
                "upload %s of %r cannot be completed (%s); starting it over",
                status.upload_id,
                file_name,
                exc.reason,
            )
    if not status.completed:
        raise TransferError(
            f"upload of {file_name!r} did not complete: state {status.state!r}, parts {status.parts_state!r}"
        )
    return to_wire(
        UploadedFileHandle(
            id=str(status.result_file_handle_id),
            content_md5=request.content_md5_hex,
            content_size=size,
            file_name=file_name,
            content_type=request.content_type,
            storage_location_id=storage_location_id,
        )
    )
