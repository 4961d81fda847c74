"""Byte storage of the embedded server: blobs, multipart parts, presigned-URL signatures, ranged reads.

Layout under the data dir (``Store.data_dir``)::

    blobs/<ab>/<blob id>            one file per stored content (``<ab>`` = first two hex digits)
    uploads/<upload id>/data        a multipart upload in progress: each part of the expected size
                                    written at its offset
    uploads/<upload id>/<n>.part    part n when its size differs from the expected one (S3 accepts any part
                                    size from 5 MiB, and any size for the last part)
    uploads/<upload id>/<n>.done    marker: part n is complete; holds the MD5 of its bytes

Everything streams in :data:`CHUNK_SIZE` pieces: no body is ever held whole in memory.  A part's marker is
removed before its bytes are (re)written and created only once all of them are, so a dropped connection never
leaves a half part that looks whole; the MD5 in the marker lets ``add part`` check the MD5 without reading the
part again.  Completing an upload whose parts all had the expected size is a rename (the whole file is never
hashed again, as with S3); otherwise the parts are concatenated in part-number order (kernel copies, no part
held in memory), as S3 does.

Presigned URLs carry ``X-Amz-Date`` (``%Y%m%dT%H%M%SZ``, wall clock), ``X-Amz-Expires`` (seconds) and
``X-Amz-Signature`` (HMAC-SHA256 of method, path, date and expiry with a per-data-dir secret), like S3's, so
clients that parse the expiry of an S3 URL work unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

from ...core.store import Store

#: Size of every read/write of byte streams (1 MiB).
CHUNK_SIZE = 1024 * 1024
#: Size of the pieces a download is served in (4 MiB: little per-piece overhead, bounded memory).
SERVE_CHUNK_SIZE = 4 * CHUNK_SIZE
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


# -- blobs --------------------------------------------------------------------------------------------------
def new_blob_id(seed: str | None = None) -> str:
    """Return a fresh blob id, derived from ``seed`` (unique per data dir) when given (deterministic mode)."""
    if seed is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"blob:{seed}".encode()).hexdigest()[:32]


def blob_path(store: Store, blob_id: str) -> Path:
    """Return where the bytes of ``blob_id`` live (the directory may not exist yet)."""
    return store.blob_dir / blob_id[:2] / blob_id


def _temp_path(directory: Path, prefix: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f".{prefix}.{secrets.token_hex(8)}.tmp"


def write_stream(source: IO[bytes], target: Path, limit: int | None = None) -> tuple[int, str]:
    """Copy ``source`` into ``target`` atomically; return ``(size, md5 hex)``.

    Reads at most ``limit`` bytes when given.  The bytes land in a temporary file renamed onto ``target`` only
    after the whole stream was read; on any error the temporary file is removed and the error re-raised.
    """
    temp = _temp_path(target.parent, target.name)
    digest = hashlib.md5()
    size = 0
    try:
        with open(temp, "wb") as out:
            while True:
                want = CHUNK_SIZE if limit is None else min(CHUNK_SIZE, limit - size)
                if want <= 0:
                    break
                chunk = source.read(want)
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def write_bytes(data: bytes, target: Path) -> tuple[int, str]:
    """Store ``data`` at ``target`` atomically; return ``(size, md5 hex)``."""
    temp = _temp_path(target.parent, target.name)
    try:
        temp.write_bytes(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return len(data), hashlib.md5(data).hexdigest()


def adopt_file(source: Path, target: Path) -> tuple[int, str]:
    """Move the file ``source`` to ``target`` (a rename on one file system); return ``(size, md5 hex)``."""
    digest = hashlib.md5()
    size = 0
    for chunk in iter_file(source):
        digest.update(chunk)
        size += len(chunk)
    try:
        os.replace(source, target)
    except OSError:  # another file system: copy, then remove the original
        size, md5_hex = import_file(source, target)
        source.unlink(missing_ok=True)
        return size, md5_hex
    return size, digest.hexdigest()


def import_file(source: Path, target: Path) -> tuple[int, str]:
    """Copy the file ``source`` into ``target`` (streamed); return ``(size, md5 hex)``."""
    with open(source, "rb") as handle:
        return write_stream(handle, target)


def iter_file(
    path: Path, start: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """Yield ``length`` bytes (default: to the end) of ``path`` from ``start``, in ``chunk_size`` pieces."""
    with open(path, "rb", buffering=0) as source:
        source.seek(start)
        remaining = length
        while remaining is None or remaining > 0:
            want = chunk_size if remaining is None else min(chunk_size, remaining)
            chunk = source.read(want)
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


# -- multipart parts -----------------------------------------------------------------------------------------
# An upload owns a directory holding ``data`` (the whole file, each part of the expected size written in place
# at its offset, so completing is a rename, never a copy), ``<n>.part`` for a part of another size, and one
# marker ``<n>.done`` (holding the MD5) per complete part.  Like S3, only parts are hashed (as they arrive).
def upload_dir(store: Store, upload_id: str) -> Path:
    return store.data_dir / "uploads" / str(upload_id)


def uploaded_part_md5(store: Store, upload_id: str, part_number: int) -> str | None:
    """Return the MD5 of the complete copy of one part (``None`` when it is not uploaded)."""
    return _marker(upload_dir(store, upload_id), part_number)


def _marker(directory: Path, part_number: int) -> str | None:
    try:
        return (directory / f"{part_number}.done").read_text() or None
    except FileNotFoundError:
        return None


class PartSizeError(ValueError):
    """The body of a part PUT breaks a part-size rule (or is shorter than its Content-Length)."""


def check_part_size(part_number: int, size: int, *, minimum: int, maximum: int) -> None:
    """Raise :class:`PartSizeError` when a part of ``size`` bytes breaks S3's part-size rules.

    ``minimum`` is 0 for the last part of an upload (S3 accepts a last part of any size).
    """
    if size > maximum:
        raise PartSizeError(
            f"Part {part_number} is {size} bytes; the maximum part size is 5 GiB ({maximum} bytes)"
        )
    if size < minimum:
        raise PartSizeError(
            f"Part {part_number} is {size} bytes; every part but the last must be at least 5 MiB"
            f" ({minimum} bytes)"
        )


def _read_into(source: IO[bytes], buffer: memoryview) -> int:
    return int(source.readinto(buffer) or 0)  # type: ignore[attr-defined]


def _write_all(fd: int, chunk: memoryview) -> None:
    while chunk:  # a raw write may be short
        chunk = chunk[os.write(fd, chunk) :]


def store_part(
    store: Store,
    upload_id: str,
    part_number: int,
    offset: int,
    length: int,
    source: IO[bytes],
    *,
    declared: int | None = None,
    minimum: int = 0,
    maximum: int = 5 * 1024 * CHUNK_SIZE,
) -> str:
    """Stream one part body into the upload's directory; return its MD5.

    A body of exactly ``length`` bytes (the size the upload request implies) is written in place into the
    upload's file at ``offset``.  A body of another size (``declared`` = its Content-Length when known) is
    kept as a file of its own, provided it obeys the part-size rules (``minimum`` .. ``maximum``); completing
    the upload then concatenates the parts.  Raises :class:`PartSizeError` (storing nothing) otherwise, or
    when the body is shorter than ``declared``.  A part of another size replaces an earlier copy only once it
    arrived whole.
    """
    directory = upload_dir(store, upload_id)
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / f"{part_number}.done"
    if declared is not None and declared != length:
        check_part_size(part_number, declared, minimum=minimum, maximum=maximum)
    digest = hashlib.md5()
    buffer = memoryview(bytearray(CHUNK_SIZE))  # one buffer reused for the whole part: no per-chunk garbage
    size = 0
    separate: Path | None = None  # the temporary file of a part of another size
    if declared is None or declared == length:
        marker.unlink(missing_ok=True)  # before the bytes in place change
        fd = os.open(directory / "data", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while size < length:
                count = _read_into(source, buffer[: min(CHUNK_SIZE, length - size)])
                if not count:
                    break
                digest.update(buffer[:count])
                os.lseek(fd, offset + size, os.SEEK_SET)
                _write_all(fd, buffer[:count])
                size += count
            extra = _read_into(source, buffer) if size == length else 0
            if size != length or extra:  # not the expected size after all: move what came so far aside
                if declared is not None:
                    raise PartSizeError(
                        f"Part {part_number}: received {size} of the {declared} bytes of its Content-Length"
                    )
                separate = _temp_path(directory, f"{part_number}.part")
                try:
                    with open(separate, "wb") as out:
                        _copy_range(fd, out.fileno(), offset, size)
                        _write_all(out.fileno(), buffer[:extra])
                except BaseException:
                    separate.unlink(missing_ok=True)
                    raise
                digest.update(buffer[:extra])
                size += extra
        finally:
            os.close(fd)
    else:
        separate = _temp_path(directory, f"{part_number}.part")
    if separate is not None:
        try:
            with open(separate, "ab", buffering=0) as out:
                while size <= maximum:
                    count = _read_into(source, buffer)
                    if not count:
                        break
                    digest.update(buffer[:count])
                    _write_all(out.fileno(), buffer[:count])
                    size += count
            if declared is not None and size != declared:
                raise PartSizeError(
                    f"Part {part_number}: received {size} of the {declared} bytes of its Content-Length"
                )
            check_part_size(part_number, size, minimum=minimum, maximum=maximum)
            marker.unlink(missing_ok=True)
            os.replace(separate, directory / f"{part_number}.part")
        except BaseException:
            separate.unlink(missing_ok=True)
            raise
    else:
        (directory / f"{part_number}.part").unlink(missing_ok=True)  # an earlier copy of another size
    md5_hex = digest.hexdigest()
    staging = directory / f"{part_number}.done.{secrets.token_hex(4)}"
    staging.write_text(md5_hex)
    os.replace(staging, marker)  # atomic: a marker is always whole
    return md5_hex


#: Bytes per kernel copy when parts are concatenated.
COPY_CHUNK_SIZE = 64 * CHUNK_SIZE


def _copy_range(source_fd: int, target_fd: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``source_fd`` from ``offset`` to ``target_fd`` (kernel copy if possible)."""
    done = 0
    while done < count:
        want = min(COPY_CHUNK_SIZE, count - done)
        try:
            copied = os.copy_file_range(source_fd, target_fd, want, offset + done)
        except (AttributeError, OSError):  # no copy_file_range here (OS, file system): stream it
            copied = 0
            for chunk in iter_file_fd(source_fd, offset + done, count - done):
                _write_all(target_fd, memoryview(chunk))
                copied += len(chunk)
            if copied != count - done:
                raise FileNotFoundError(f"part bytes missing: {copied} of {count - done}") from None
        if copied == 0:
            raise FileNotFoundError(f"part bytes missing at {offset + done}")
        done += copied


def iter_file_fd(fd: int, start: int, length: int) -> Iterator[bytes]:
    """Yield ``length`` bytes of the open file ``fd`` from ``start`` in :data:`SERVE_CHUNK_SIZE` pieces."""
    position, end = start, start + length
    while position < end:
        chunk = os.pread(fd, min(SERVE_CHUNK_SIZE, end - position), position)
        if not chunk:
            return
        position += len(chunk)
        yield chunk


_CLEANER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synapse-local-cleanup")


def finish_upload(
    store: Store, upload_id: str, target: Path, *, part_size: int, file_size: int, part_count: int
) -> int:
    """Move the assembled file of an upload to ``target``; return its size.

    When every part had the size the request implies, the file was assembled in place and this is a rename.
    Otherwise the parts are concatenated in part-number order into ``target`` (as S3 does), so the size is the
    sum of the part sizes, whatever the request declared.  The bytes are not hashed: each part's MD5 was
    checked when it was added, and, as with S3, the MD5 of the whole file is the one the upload was started
    with (REFERENCE 2.5).  Raises ``FileNotFoundError`` when bytes of the upload are gone.
    """
    directory = upload_dir(store, upload_id)
    data = directory / "data"
    target.parent.mkdir(parents=True, exist_ok=True)
    separate = {n for n in range(1, part_count + 1) if (directory / f"{n}.part").exists()}
    if separate:
        return _concatenate(directory, target, separate, part_size, file_size, part_count)
    if not data.exists():
        if _only_empty_part(directory):
            data.parent.mkdir(parents=True, exist_ok=True)
            data.touch()
        else:
            raise FileNotFoundError(str(data))
    size = data.stat().st_size
    os.replace(data, target)
    return size


def _concatenate(
    directory: Path, target: Path, separate: set[int], part_size: int, file_size: int, part_count: int
) -> int:
    temp = _temp_path(target.parent, target.name)
    try:
        with open(temp, "wb", buffering=0) as out:
            in_place = os.open(directory / "data", os.O_RDONLY) if len(separate) < part_count else None
            try:
                for number in range(1, part_count + 1):
                    if number in separate:
                        path = directory / f"{number}.part"
                        with open(path, "rb", buffering=0) as part:
                            _copy_range(part.fileno(), out.fileno(), 0, os.fstat(part.fileno()).st_size)
                    else:
                        assert in_place is not None
                        offset = (number - 1) * part_size
                        _copy_range(in_place, out.fileno(), offset, min(part_size, file_size - offset))
            finally:
                if in_place is not None:
                    os.close(in_place)
            size = os.fstat(out.fileno()).st_size
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return size


def _only_empty_part(directory: Path) -> bool:
    """Whether the only part of an upload is an empty one (a 0-byte file writes no ``data``)."""
    return _marker(directory, 1) == hashlib.md5(b"").hexdigest() and _marker(directory, 2) is None


def discard_upload(store: Store, upload_id: str, *, wait: bool = False) -> None:
    """Delete every part of an upload (in the background unless ``wait``: the upload may be reused)."""
    directory = upload_dir(store, upload_id)
    if wait:
        shutil.rmtree(directory, ignore_errors=True)
    else:
        _CLEANER.submit(shutil.rmtree, directory, ignore_errors=True)  # off the request path


# -- presigned URLs ------------------------------------------------------------------------------------------
def _secret(store: Store) -> bytes:
    """Return the signing secret of this data dir (a file created on first use, kept across restarts)."""
    cached = getattr(store, "_files_presign_secret", None)
    if isinstance(cached, bytes):
        return cached
    path = store.data_dir / "presign.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    secret = b""
    while len(secret) < 64:  # another thread may be writing it right now
        secret = path.read_bytes().strip()
    store._files_presign_secret = secret  # type: ignore[attr-defined]
    return secret


def _signature(store: Store, method: str, path: str, amz_date: str, expires: int) -> str:
    message = f"{method.upper()}\n{path}\n{amz_date}\n{expires}".encode()
    return hmac.new(_secret(store), message, hashlib.sha256).hexdigest()


def sign_url(store: Store, base_url: str, method: str, path: str, expires_in: int, **extra: str) -> str:
    """Return ``base_url + path`` with an S3-like signature valid ``expires_in`` seconds for ``method``."""
    amz_date = datetime.now(timezone.utc).strftime(AMZ_DATE_FORMAT)
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires_in),
        "X-Amz-SignedHeaders": "host",
        **extra,
        "X-Amz-Signature": _signature(store, method, path, amz_date, expires_in),
    }
    return f"{base_url}{path}?{urlencode(query)}"


def check_signature(store: Store, method: str, path: str, args: dict[str, str]) -> str | None:
    """Return why a presigned request is refused, or ``None`` when its signature is valid and unexpired."""
    amz_date, expires, signature = (
        args.get("X-Amz-Date"),
        args.get("X-Amz-Expires"),
        args.get("X-Amz-Signature"),
    )
    if not amz_date or not expires or not signature:
        return "The request is not signed (X-Amz-Date, X-Amz-Expires and X-Amz-Signature are required)"
    try:
        made = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
        seconds = int(expires)
    except ValueError:
        return "Malformed X-Amz-Date or X-Amz-Expires"
    signed_method = "GET" if method.upper() == "HEAD" else method
    if not hmac.compare_digest(signature, _signature(store, signed_method, path, amz_date, seconds)):
        return "The request signature does not match"
    if datetime.now(timezone.utc) > made + timedelta(seconds=seconds):
        return "Request has expired"
    return None
