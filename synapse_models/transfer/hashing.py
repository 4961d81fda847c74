"""Checksums of local files: the md5 a multipart upload starts with, and the md5 of each of its parts.

Files are read in 8 MiB chunks, never whole: a checksum pass over a file of any size holds a few chunks.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .progress import Progress

__all__ = ["md5_of_path", "md5_of_path_and_parts"]

_HASH_CHUNK = 8 * 1024 * 1024


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


def md5_of_path_and_parts(
    path: str | os.PathLike[str], part_size: int, *, progress: bool | None = False
) -> tuple[str, list[str]]:
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
