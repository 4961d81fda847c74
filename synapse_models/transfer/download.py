"""Downloads: presigned URLs from ``POST /fileHandle/batch``, streamed to a temporary file, verified.

* The bytes go to ``<destination>.synapse-partial`` and are renamed into place only after the md5 matched;
  on a mismatch the partial file is deleted and :class:`~synapse_models.errors.TransferError` raised, so a
  corrupt file is never left under the destination's name.
* An interrupted stream is resumed with an HTTP ``Range`` request from the last byte received, by the
  connection's transport within one retry budget (see :class:`~synapse_models.RetryPolicy`); also across
  calls: a partial file left by an earlier failure is continued, after re-hashing what it holds.
* One stream is read from the socket in :data:`CHUNK_SIZE` pieces handed, through a bounded queue, to a
  second thread that writes and hashes them: hashing overlaps receiving (both release the GIL) and at most
  ``_QUEUE_CHUNKS`` chunks wait in memory.
* Files over :data:`RANGED_THRESHOLD` are fetched as concurrent byte ranges in a thread pool (this pays off
  against S3 and other stores that limit each connection); each range resumes on its own, and the md5 is
  computed once, in order, as contiguous bytes become available (no second pass over the file). Against a
  server on a loopback address (an embedded LocalSynapse) one stream is faster, so ranges are used there only
  when asked for (``max_workers`` > 1, or :data:`RANGED_ON_LOOPBACK`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from .._convert import from_wire, to_wire
from ..errors import TransferError, TransportError, error_for_status
from ._wire import BatchFileRequest, BatchFileResult, FileHandleAssociation, FileResult
from .progress import Progress

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = [
    "RANGED_ON_LOOPBACK",
    "RANGED_THRESHOLD",
    "download_file_handle",
    "download_url",
    "fetch_bytes",
    "file_handle_url",
]

MIB = 1024 * 1024
RANGED_THRESHOLD = 64 * MIB
"""Files larger than this are downloaded as concurrent byte ranges (see :data:`RANGED_ON_LOOPBACK`)."""
RANGED_ON_LOOPBACK = False
"""Use concurrent ranges for URLs on a loopback host too (one stream is faster there; the default)."""
RANGE_SIZE = 16 * MIB
DEFAULT_WORKERS = 8
"""Concurrent ranges of a large download, by default."""
CHUNK_SIZE = MIB
"""Bytes read from the socket at once (an interrupted read loses at most this much before the resume)."""
_CHUNK = CHUNK_SIZE
_QUEUE_CHUNKS = 8
PARTIAL_SUFFIX = ".synapse-partial"


def file_handle_url(
    conn: Connection, *, file_handle_id: str, associate_object_id: str, associate_object_type: str
) -> tuple[dict[str, Any], str]:
    """The file handle and a presigned download URL, authorized through the associated object.

    Raises:
        ForbiddenError: You may not download the file.
        NotFoundError: No such file handle or association.
    """
    request = BatchFileRequest(
        requested_files=[
            FileHandleAssociation(
                file_handle_id=str(file_handle_id),
                associate_object_id=str(associate_object_id),
                associate_object_type=associate_object_type,
            )
        ]
    )
    answer = from_wire(BatchFileResult, conn.post("/fileHandle/batch", to_wire(request), service="file"))
    item = answer.requested_files[0] if answer.requested_files else FileResult()
    if item.failure_code or not item.pre_signed_url:
        # the batch answers 200 and refuses per file: raise what Synapse answers for the same file alone
        where = f"file handle {file_handle_id} of {associate_object_type} {associate_object_id}"
        status, reason = (
            (403, f"you may not download {where}")
            if item.failure_code == "UNAUTHORIZED"
            else (404, f"no {where} ({item.failure_code or 'no URL'})")
        )
        raise error_for_status(status, reason, "POST", conn.url("/fileHandle/batch", "file"))
    return dict(item.file_handle or {}), item.pre_signed_url


def download_file_handle(
    conn: Connection,
    *,
    file_handle_id: str,
    associate_object_id: str,
    associate_object_type: str,
    destination: str | os.PathLike[str],
    expected_md5: str | None = None,
    progress: bool | None = None,
) -> Path:
    """Download a file handle to ``destination`` (a file path), verified against its md5.

    Args:
        conn: The connection.
        file_handle_id: The file handle.
        associate_object_id: The object the handle belongs to (``syn123``, a wiki id...).
        associate_object_type: ``FileEntity``, ``TableEntity``, ``WikiAttachment``...
        destination: Where to write the file; its directory is created; an existing file is replaced.
        expected_md5: The md5 to check (the handle's ``contentMd5`` by default).
        progress: Show a progress bar (default: over 4 MiB when stderr is a terminal).

    Returns:
        The path written.

    Raises:
        ForbiddenError: You may not download it.
        TransferError: The bytes did not match the md5, or the transfer kept failing.
    """
    handle, url = file_handle_url(
        conn,
        file_handle_id=file_handle_id,
        associate_object_id=associate_object_id,
        associate_object_type=associate_object_type,
    )
    size = handle.get("contentSize")
    return download_url(
        conn,
        url,
        destination,
        size=int(size) if size is not None else None,
        md5=expected_md5 or handle.get("contentMd5"),
        progress=progress,
    )


def fetch_bytes(
    conn: Connection, *, file_handle_id: str, associate_object_id: str, associate_object_type: str
) -> bytes:
    """Download a (small) file handle into memory, verified against its md5."""
    handle, url = file_handle_url(
        conn,
        file_handle_id=file_handle_id,
        associate_object_id=associate_object_id,
        associate_object_type=associate_object_type,
    )
    data = bytearray()
    for chunk in _stream(conn, url, 0, None):
        data += chunk
    expected = handle.get("contentMd5")
    if expected and hashlib.md5(data).hexdigest() != expected:
        raise TransferError(f"file handle {file_handle_id}: md5 mismatch (expected {expected})")
    return bytes(data)


def download_url(
    conn: Connection,
    url: str,
    destination: str | os.PathLike[str],
    *,
    size: int | None,
    md5: str | None,
    progress: bool | None = None,
    max_workers: int | None = None,
) -> Path:
    """Download a presigned (or external) URL to ``destination``; see the module docstring.

    ``max_workers`` is the number of concurrent ranges for a file over :data:`RANGED_THRESHOLD` (default
    :data:`DEFAULT_WORKERS`, but one stream for a loopback host unless :data:`RANGED_ON_LOOPBACK`); 1 means
    one stream always.
    """
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    if max_workers is None:
        max_workers = DEFAULT_WORKERS if RANGED_ON_LOOPBACK or not _is_loopback(url) else 1
    workers = max(1, min(max_workers, conn.pool_size))
    with Progress(size or 0, target.name, progress=progress) as bar:
        if size is not None and size > RANGED_THRESHOLD and workers > 1:
            digest = _ranged(conn, url, partial, size, workers, bar)
        else:
            digest = _sequential(conn, url, partial, size, bar)
    if md5 and digest != md5:
        partial.unlink(missing_ok=True)
        raise TransferError(
            f"download of {target.name} failed verification: md5 {digest}, expected {md5}; nothing was kept"
        )
    os.replace(partial, target)
    return target


def _is_loopback(url: str) -> bool:
    """Whether the URL's host is ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _stream(conn: Connection, url: str, start: int, end: int | None) -> Iterator[bytes]:
    """Yield the bytes ``start..end`` (inclusive; ``None``: to the end) of a presigned URL.

    The transport resumes the download with ``Range`` when the connection breaks, within its retry budget.

    Raises:
        TransferError: The download kept failing.
        HTTPError: The server refused it (an expired URL, say).
    """
    response = None
    try:
        # a presigned URL carries its own authorization: the token is never sent to it
        response = conn.raw(
            "GET", url, stream=True, allow_redirects=True, authorize=False, byte_range=(start, end)
        )
        conn.raise_for_status(response)
        yield from response.iter_content(_CHUNK)
    except TransportError as exc:
        raise TransferError(f"download from byte {start} kept failing: {exc}") from None
    finally:
        if response is not None:
            response.close()


def _sequential(conn: Connection, url: str, partial: Path, size: int | None, bar: Progress) -> str:
    digest = hashlib.md5()
    have = partial.stat().st_size if partial.exists() else 0
    if size is not None and have > size:
        partial.unlink()
        have = 0
    if have:
        with open(partial, "rb") as previous:
            for block in iter(lambda: previous.read(8 * MIB), b""):
                digest.update(block)
        bar.update(have)
    if size is not None and have == size:
        return digest.hexdigest()
    with open(partial, "ab", buffering=0) as out:
        # a second thread pays off only for big bodies: for a small file its start and join cost more CPU
        # than the md5 (a sync of 1,000 small files started 1,000 threads)
        sink = _Sink(digest, bar) if size is None or size - have > _INLINE_MD5 else _InlineSink(digest, bar)
        try:
            for chunk in _stream(conn, url, have, None):
                view = memoryview(chunk)
                while view:  # a raw write may be short
                    view = view[out.write(view) or 0 :]
                sink.put(chunk)
        finally:
            sink.close()
    return digest.hexdigest()


_INLINE_MD5 = MIB
"""Up to this many bytes to receive, the receiving thread hashes them itself."""


class _InlineSink:
    """Hashes chunks in the receiving thread (small downloads)."""

    def __init__(self, digest: Any, bar: Progress) -> None:
        self._digest, self._bar = digest, bar

    def put(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self._bar.update(len(chunk))

    def close(self) -> None:
        pass


class _Sink:
    """Hashes chunks in a second thread while the receiving thread reads and writes the next ones.

    hashlib releases the GIL, so the md5 (the costliest step) runs on another core than the socket reads and
    file writes. The queue holds at most ``_QUEUE_CHUNKS`` chunks (8 MiB), so memory stays bounded.
    """

    def __init__(self, digest: Any, bar: Progress) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self._error: BaseException | None = None
        self._digest, self._bar = digest, bar
        self._thread = threading.Thread(target=self._drain, name="synapse-download-sink", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self._error is not None:
                continue
            try:
                self._digest.update(chunk)
                self._bar.update(len(chunk))
            except BaseException as exc:  # re-raised in the receiving thread
                self._error = exc

    def put(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


class _InOrderMd5:
    """The md5 of a file written by concurrent ranges, computed once, in order, as contiguous bytes arrive.

    The thread whose range is at the hashing frontier hashes its chunks as it writes them; bytes that other
    ranges wrote ahead are read back (from the page cache) and hashed when the frontier reaches them. Never
    more than one thread hashes at a time; the others never wait for it.
    """

    def __init__(self, partial: Path, ranges: list[tuple[int, int]], range_size: int) -> None:
        self.digest = hashlib.md5()
        self._range_size = range_size
        self.hashed = 0  # bytes 0..hashed-1 are in the digest
        self._ranges = ranges
        self._written = [0] * len(ranges)  # bytes written contiguously from each range's start
        self._partial = partial
        self._hash_lock = threading.Lock()
        self._state_lock = threading.Lock()

    def wrote(self, index: int, offset: int, chunk: bytes) -> None:
        """Record ``chunk`` written at ``offset`` by range ``index``; hash what is contiguous if nobody is."""
        with self._state_lock:
            self._written[index] = offset + len(chunk) - self._ranges[index][0]
        if not self._hash_lock.acquire(blocking=False):
            return  # the hashing thread will read these bytes back when it gets there
        try:
            if self.hashed == offset:
                self.digest.update(chunk)
                self.hashed += len(chunk)
            self._catch_up()
        finally:
            self._hash_lock.release()

    def finish(self) -> str:
        """Hash whatever is left (all ranges are written) and return the hex digest."""
        with self._hash_lock:
            self._catch_up()
        return self.digest.hexdigest()

    def _catch_up(self) -> None:
        with open(self._partial, "rb") as reader:
            while True:
                index = self.hashed // self._range_size
                if index >= len(self._ranges):
                    return
                first, _last = self._ranges[index]
                with self._state_lock:
                    available = first + self._written[index] - self.hashed
                if available <= 0:
                    return
                reader.seek(self.hashed)
                while available:
                    block = reader.read(min(8 * MIB, available))
                    if not block:
                        raise TransferError("the partial file is shorter than the ranges written")
                    self.digest.update(block)
                    self.hashed += len(block)
                    available -= len(block)


def _ranged(conn: Connection, url: str, partial: Path, size: int, workers: int, bar: Progress) -> str:
    with open(partial, "wb") as out:
        out.truncate(size)
    range_size = RANGE_SIZE
    ranges = [(start, min(start + range_size, size) - 1) for start in range(0, size, range_size)]
    hasher = _InOrderMd5(partial, ranges, range_size)

    def fetch(index: int) -> None:
        first, last = ranges[index]
        with open(partial, "r+b", buffering=0) as out:
            position = first
            out.seek(first)
            for chunk in _stream(conn, url, first, last):
                view = memoryview(chunk)
                while view:  # a raw write may be short
                    view = view[out.write(view) or 0 :]
                hasher.wrote(index, position, chunk)
                position += len(chunk)
                bar.update(len(chunk))

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synapse-download") as pool:
            pending: set[Future[None]] = {pool.submit(fetch, i) for i in range(len(ranges))}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    if future.exception() is not None:
                        for other in pending:
                            other.cancel()
                        raise cast(BaseException, future.exception())
        digest = hasher.finish()
        if hasher.hashed != size:
            raise TransferError(f"only {hasher.hashed} of {size} bytes arrived")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return digest
