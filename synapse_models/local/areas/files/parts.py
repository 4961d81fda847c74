"""The bytes of multipart uploads in progress (REFERENCE 2.5): parts stored as they arrive, assembled on
completion.

Layout under the data dir (``Store.data_dir``)::

    uploads/<upload id>/data        a multipart upload in progress: each part of the expected size
                                    written at its offset
    uploads/<upload id>/<n>.part    part n when its size differs from the expected one (S3 accepts any part
                                    size from 5 MiB, and any size for the last part)
    uploads/<upload id>/<n>.done    marker: part n is complete; holds the MD5 of its bytes

A part's marker is removed before its bytes are (re)written and created only once all of them are, so a
dropped connection never leaves a half part that looks whole; a part sent again while a complete copy exists
is received apart and replaces that copy only once whole (a re-send cut short changes nothing); the MD5 in
the marker lets ``add part`` check the MD5 without reading the part again.  Completing an upload whose parts
all had the expected size is a rename (the whole file is never hashed again, as with S3); otherwise the parts
are concatenated in part-number order (kernel copies, no part held in memory), as S3 does.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from ...core.store import Store
from .blobs import CHUNK_SIZE, SERVE_CHUNK_SIZE, make_dir, open_private, temp_path, write_all


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
    make_dir(directory)
    marker = directory / f"{part_number}.done"
    if declared is not None and declared != length:
        check_part_size(part_number, declared, minimum=minimum, maximum=maximum)
    digest = hashlib.md5()
    buffer = memoryview(bytearray(CHUNK_SIZE))  # one buffer reused for the whole part: no per-chunk garbage
    size = 0
    separate: Path | None = None  # the temporary file of a part of another size, or of a re-send
    earlier = _marker(directory, part_number)
    # A re-sent part never touches the complete copy it may replace until it arrived whole: a re-send cut
    # mid-body leaves the earlier copy (and its marker) as they were.
    if earlier is None and (declared is None or declared == length):
        marker.unlink(missing_ok=True)  # before the bytes in place change
        fd = os.open(directory / "data", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while size < length:
                count = _read_into(source, buffer[: min(CHUNK_SIZE, length - size)])
                if not count:
                    break
                digest.update(buffer[:count])
                os.lseek(fd, offset + size, os.SEEK_SET)
                write_all(fd, buffer[:count])
                size += count
            extra = _read_into(source, buffer) if size == length else 0
            if size != length or extra:  # not the expected size after all: move what came so far aside
                if declared is not None:
                    raise PartSizeError(
                        f"Part {part_number}: received {size} of the {declared} bytes of its Content-Length"
                    )
                separate = temp_path(directory, f"{part_number}.part")
                try:
                    with open_private(separate) as out:
                        _copy_range(fd, out.fileno(), offset, size)
                        write_all(out.fileno(), buffer[:extra])
                except BaseException:
                    separate.unlink(missing_ok=True)
                    raise
                digest.update(buffer[:extra])
                size += extra
        finally:
            os.close(fd)
    else:
        separate = temp_path(directory, f"{part_number}.part")
    if separate is not None:
        try:
            with open_private(separate, append=True, buffering=0) as out:
                while size <= maximum:
                    count = _read_into(source, buffer)
                    if not count:
                        break
                    digest.update(buffer[:count])
                    write_all(out.fileno(), buffer[:count])
                    size += count
            if declared is not None and size != declared:
                raise PartSizeError(
                    f"Part {part_number}: received {size} of the {declared} bytes of its Content-Length"
                )
            check_part_size(part_number, size, minimum=minimum, maximum=maximum)
            if earlier is not None and earlier == digest.hexdigest():
                separate.unlink()  # the same bytes again: the earlier copy stands
                return earlier
            marker.unlink(missing_ok=True)
            os.replace(separate, directory / f"{part_number}.part")
        except BaseException:
            separate.unlink(missing_ok=True)
            raise
    else:
        (directory / f"{part_number}.part").unlink(missing_ok=True)  # an earlier copy of another size
    md5_hex = digest.hexdigest()
    staging = directory / f"{part_number}.done.{secrets.token_hex(4)}"
    with open_private(staging) as out:
        out.write(md5_hex.encode())
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
                write_all(target_fd, memoryview(chunk))
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
    make_dir(target.parent)
    if target.exists() and not data.exists() and not any(directory.glob("*.part")):
        # An earlier complete renamed the file into place and was cut before its commit: adopt it.
        return target.stat().st_size
    separate = {n for n in range(1, part_count + 1) if (directory / f"{n}.part").exists()}
    if separate:
        return _concatenate(directory, target, separate, part_size, file_size, part_count)
    if not data.exists():
        if _only_empty_part(directory):
            make_dir(data.parent)
            open_private(data).close()
        else:
            raise FileNotFoundError(str(data))
    size = data.stat().st_size
    os.replace(data, target)
    return size


def _concatenate(
    directory: Path, target: Path, separate: set[int], part_size: int, file_size: int, part_count: int
) -> int:
    temp = temp_path(target.parent, target.name)
    try:
        with open_private(temp, buffering=0) as out:
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
