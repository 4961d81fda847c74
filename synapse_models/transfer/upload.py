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
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .._convert import from_wire, to_wire
from ..errors import BadRequestError, HTTPError, ServerError, TransferError, TransportError, ValidationError
from ._wire import (
    AddPartResponse,
    BatchPresignedUploadUrlRequest,
    BatchPresignedUploadUrlResponse,
    MultipartUploadRequest,
    MultipartUploadStatus,
    PartPresignedUrl,
    UploadedFileHandle,
)
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

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB
"""The smallest part the REST API accepts (except for the last part)."""
MAX_PARTS = 10_000
MAX_PART_SIZE = 5 * 1024 * MIB
LARGE_PART_SIZE = 16 * MIB
"""The part size :func:`upload_path` prefers for large files (fewer requests per byte)."""
_TARGET_PARTS = 64
S3_FILE_HANDLE = UploadedFileHandle.CONCRETE_TYPE
_URL_BATCH = 32  # part URLs asked for at once (they expire after 15 minutes)
_HASH_CHUNK = 8 * MIB
_NAME = re.compile(r"^[a-zA-Z0-9,_. \-+()']+$")
DEFAULT_WORKERS = 4
"""Parts sent at once by default: enough to overlap sending with the server's hashing and writing."""

log = logging.getLogger("synapse_models")
_destinations: weakref.WeakKeyDictionary[Connection, dict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()
_destinations_lock = threading.Lock()


def part_size_for(size: int, requested: int | None = None) -> int:
    """The part size for a file of ``size`` bytes: ``max(5 MiB, size / 10000)`` unless ``requested``.

    Raises:
        ValidationError: ``requested`` is outside 5 MiB ... 5 GiB or would need more than 10,000 parts.
    """
    if requested is None:
        return max(MIN_PART_SIZE, math.ceil(size / MAX_PARTS))
    if not MIN_PART_SIZE <= requested <= MAX_PART_SIZE:
        raise ValidationError("part_size", requested, "parts are 5 MiB to 5 GiB")
    if math.ceil(size / requested) > MAX_PARTS:
        raise ValidationError("part_size", requested, f"a {size}-byte file would need more than 10,000 parts")
    return requested


def default_part_size(size: int) -> int:
    """The part size :func:`upload_path` uses when none is given.

    ``size / 64`` between :func:`part_size_for`'s minimum (5 MiB, or ``size / 10000``) and
    :data:`LARGE_PART_SIZE`: a file of up to 320 MiB has 5 MiB parts, a 1 GiB file 64 parts of 16 MiB. Each
    part costs two requests (its PUT and its add), so fewer, larger parts are faster; at most ``max_workers``
    of them are in memory at once.
    """
    preferred = -(-size // _TARGET_PARTS // MIB) * MIB  # whole MiB
    return max(part_size_for(size), min(LARGE_PART_SIZE, preferred))


def _checking(path: str | os.PathLike[str], progress: bool | None) -> Progress:
    """The bar of a checksum pass over a local file (drawn as a transfer's would be)."""
    return Progress(os.path.getsize(path), f"md5 {os.path.basename(path)}", progress=progress)


def md5_of_path(path: str | os.PathLike[str], *, progress: bool | None = False) -> str:
    """The hex md5 of a file, read in 8 MiB chunks (never the whole file in memory).

    Args:
        path: The file.
        progress: Show a bar while hashing (``None``: as a transfer would, for a large file on a terminal).
    """
    digest = hashlib.md5()
    # no bigger than the file: bulk work hashes thousands of small files on many threads at once
    buffer = bytearray(max(1, min(_HASH_CHUNK, os.path.getsize(path))))
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle, _checking(path, progress) as bar:
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            bar.update(n)
    return digest.hexdigest()


def md5_of_path_and_parts(path: str | os.PathLike[str], part_size: int, *,
                          progress: bool | None = False) -> tuple[str, list[str]]:
    """The hex md5 of a file and of each of its ``part_size`` parts, in one read of the file.

    The file's digest is computed in the calling thread and the parts' in a second one, on the same chunks at
    the same time (hashlib releases the GIL), so this takes about as long as :func:`md5_of_path` when a
    second core is free. At most a few 8 MiB chunks are in memory. ``progress`` as for :func:`md5_of_path`.
    """
    if os.path.getsize(path) <= part_size:  # one part: its md5 is the file's, no second thread needed
        whole_only = md5_of_path(path, progress=progress)
        return whole_only, [whole_only]
    whole = hashlib.md5()
    parts: list[str] = []
    current: list[Any] = [hashlib.md5()]
    chunk_size = min(_HASH_CHUNK, part_size)

    def part_update(chunk: bytes, last_of_part: bool) -> None:
        current[0].update(chunk)
        if last_of_part:
            parts.append(current[0].hexdigest())
            current[0] = hashlib.md5()

    pending: list[Future[None]] = []
    with (
        open(path, "rb", buffering=0) as handle,
        _checking(path, progress) as bar,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="synapse-part-md5") as hasher,
    ):
        in_part = 0
        while True:
            chunk = handle.read(min(chunk_size, part_size - in_part))
            if not chunk:
                break
            in_part += len(chunk)
            last = in_part == part_size
            if last:
                in_part = 0
            pending.append(hasher.submit(part_update, chunk, last))  # one worker: applied in order
            whole.update(chunk)
            bar.update(len(chunk))
            if len(pending) >= 3:  # bounded memory: the part hasher is at most three chunks behind
                pending.pop(0).result()
        for future in pending:
            future.result()
        if in_part or not parts:  # the last, shorter part (or the single part of an empty file)
            parts.append(current[0].hexdigest())
    return whole.hexdigest(), parts


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

    return _multipart(
        conn,
        size=size,
        md5=digest,
        file_name=name,
        content_type=content_type or guess_content_type(name),
        parent_id=parent_id,
        part_size=chunk,
        read_part=read_part,
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

    return _multipart(
        conn,
        size=len(blob),
        md5=hashlib.md5(blob).hexdigest(),
        file_name=name,
        content_type=content_type or guess_content_type(name),
        parent_id=parent_id,
        part_size=part_size_for(len(blob)),
        read_part=read_part,
        max_workers=None,
        progress=None,
    )


def _multipart(
    conn: Connection,
    *,
    size: int,
    md5: str,
    file_name: str,
    content_type: str,
    parent_id: str | None,
    part_size: int,
    read_part: Callable[[int, int], bytes],
    max_workers: int | None,
    progress: bool | None,
    part_md5s: list[str] | None = None,
) -> dict[str, Any]:
    destination = upload_destination(conn, parent_id)
    storage_location_id = destination.get("storageLocationId")
    request = MultipartUploadRequest(
        file_name=file_name,
        content_type=content_type,
        content_md5_hex=md5,
        file_size_bytes=size,
        part_size_bytes=part_size,
        storage_location_id=storage_location_id,
    )
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
                bar.update(size - sum(_part_length(n, size, part_size) for n in missing))
                _send_parts(
                    conn, status.upload_id, missing, size, part_size, read_part, max_workers, bar, part_md5s
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
            content_md5=md5,
            content_size=size,
            file_name=file_name,
            content_type=content_type,
            storage_location_id=storage_location_id,
        )
    )


def _part_length(number: int, size: int, part_size: int) -> int:
    start = (number - 1) * part_size
    return max(0, min(part_size, size - start))


def _batches(numbers: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(numbers), size):
        yield numbers[start : start + size]


def _send_parts(
    conn: Connection,
    upload_id: str,
    missing: list[int],
    size: int,
    part_size: int,
    read_part: Callable[[int, int], bytes],
    max_workers: int | None,
    bar: Progress,
    part_md5s: list[str] | None = None,
) -> None:
    if not missing:
        return
    workers = max(1, min(max_workers or DEFAULT_WORKERS, conn.pool_size, len(missing)))

    def send(number: int, url: PartPresignedUrl) -> None:
        data = read_part((number - 1) * part_size, _part_length(number, size, part_size))
        _send_part(
            conn, upload_id, number, url, data, bar, part_md5s[number - 1] if part_md5s is not None else None
        )

    if len(missing) == 1:  # a small file: no pool to start and join for its one part (bulk work sends many)
        urls = _part_urls(conn, upload_id, missing)
        send(missing[0], urls[missing[0]])
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synapse-upload") as pool:
        pending: set[Future[None]] = set()
        for batch in _batches(missing, _URL_BATCH):
            urls = _part_urls(conn, upload_id, batch)
            for number in batch:
                # keep the queue short so that URLs are used soon after they are signed
                while len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    _raise_first(done, pending)
                pending.add(pool.submit(send, number, urls[number]))
        done, pending = wait(pending, return_when=FIRST_EXCEPTION)
        _raise_first(done, pending)


def _raise_first(done: set[Future[None]], pending: set[Future[None]]) -> None:
    for future in done:
        if future.exception() is not None:
            for other in pending:
                other.cancel()
            raise cast(BaseException, future.exception())


def _part_urls(conn: Connection, upload_id: str, numbers: list[int]) -> dict[int, PartPresignedUrl]:
    body = to_wire(BatchPresignedUploadUrlRequest(upload_id=upload_id, part_numbers=numbers))
    answer = from_wire(
        BatchPresignedUploadUrlResponse,
        conn.post(f"/file/multipart/{upload_id}/presigned/url/batch", body, service="file"),
    )
    urls = {item.part_number: item for item in answer.part_presigned_urls}
    if set(numbers) - set(urls):
        raise TransferError(f"the server gave no upload URL for parts {sorted(set(numbers) - set(urls))}")
    return urls


def _send_part(
    conn: Connection,
    upload_id: str,
    number: int,
    url: PartPresignedUrl,
    data: bytes,
    bar: Progress,
    part_md5: str | None = None,
) -> None:
    """PUT one part to its presigned URL and add it to the upload.

    The transport retries each request within the part's deadline (restarted once the bytes are delivered).
    Two answers are not transport failures and get one more try: 403, because presigned URLs expire after 15
    minutes (a fresh one is signed), and a part the server could not add (its bytes did not match their md5).
    """
    if part_md5 is None:
        part_md5 = hashlib.md5(data).hexdigest()
    deadline = conn.deadline()
    problem = ""
    try:
        for last_try in (False, True):
            # a presigned URL carries its own authorization: the token is never sent to it
            response = conn.raw(
                "PUT",
                url.upload_presigned_url,
                data=data,
                headers=url.signed_headers,
                authorize=False,
                deadline=deadline,
            )
            if response.status_code == 403 and not last_try:
                problem = f"part URL refused: {response.text[:200]}"
                url = _part_urls(conn, upload_id, [number])[number]
                continue
            conn.raise_for_status(response)
            deadline.restart()
            added = from_wire(
                AddPartResponse,
                conn.put(
                    f"/file/multipart/{upload_id}/add/{number}",
                    service="file",
                    params={"partMD5Hex": part_md5},
                ),
            )
            if added.add_part_state == "ADD_SUCCESS":
                bar.update(len(data))
                return
            problem = str(added.error_message or added.add_part_state)
    except (TransportError, ServerError) as exc:
        problem = str(exc)
    raise TransferError(f"part {number} of upload {upload_id} failed: {problem}")
