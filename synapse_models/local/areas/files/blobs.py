"""Blob storage of the embedded server: one file per stored content, written atomically, read in ranges.

Layout under the data dir (``Store.data_dir``)::

    blobs/<ab>/<blob id>            one file per stored content (``<ab>`` = first two hex digits)

Everything streams in :data:`CHUNK_SIZE` pieces: no body is ever held whole in memory.  Multipart uploads
keep their parts elsewhere until they complete (``parts.py``); presigned URLs are signed by ``signing.py``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from ...core.store import Store

#: Size of every read/write of byte streams (1 MiB).
CHUNK_SIZE = 1024 * 1024


#: Size of the pieces a download is served in (4 MiB: little per-piece overhead, bounded memory).
SERVE_CHUNK_SIZE = 4 * CHUNK_SIZE


# -- blobs --------------------------------------------------------------------------------------------------
def new_blob_id(seed: str | None = None) -> str:
    """Return a fresh blob id, derived from ``seed`` (unique per data dir) when given (deterministic mode)."""
    if seed is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"blob:{seed}".encode()).hexdigest()[:32]


def blob_path(store: Store, blob_id: str) -> Path:
    """Return where the bytes of ``blob_id`` live (the directory may not exist yet)."""
    return store.blob_dir / blob_id[:2] / blob_id


def make_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) readable by the owner only (0700)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def open_private(path: Path, *, append: bool = False, buffering: int = -1) -> BinaryIO:
    """Open ``path`` for writing (truncated, or appended to), created readable by the owner only (0600)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    return open(os.open(path, flags, 0o600), "ab" if append else "wb", buffering=buffering)


def temp_path(directory: Path, prefix: str) -> Path:
    make_dir(directory)
    return directory / f".{prefix}.{secrets.token_hex(8)}.tmp"


def write_stream(source: IO[bytes], target: Path, limit: int | None = None) -> tuple[int, str]:
    """Copy ``source`` into ``target`` atomically; return ``(size, md5 hex)``.

    Reads at most ``limit`` bytes when given.  The bytes land in a temporary file renamed onto ``target`` only
    after the whole stream was read; on any error the temporary file is removed and the error re-raised.
    """
    temp = temp_path(target.parent, target.name)
    digest = hashlib.md5()
    size = 0
    try:
        with open_private(temp) as out:
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
    temp = temp_path(target.parent, target.name)
    try:
        with open_private(temp) as out:
            out.write(data)
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


def write_all(fd: int, chunk: memoryview) -> None:
    while chunk:  # a raw write may be short
        chunk = chunk[os.write(fd, chunk) :]
