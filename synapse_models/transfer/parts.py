"""The parts of a multipart upload: how large they are, the URLs they go to, sending and adding them.

A file of ``size`` bytes is cut into parts of at least 5 MiB (at most 10,000 of them). Each part is PUT to a
presigned URL (asked for in batches: they expire after 15 minutes) and then added to the upload with its md5.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, cast

from .._convert import from_wire, to_wire
from ..errors import ServerError, TransferError, TransportError, ValidationError
from ._wire import (
    AddPartResponse,
    BatchPresignedUploadUrlRequest,
    BatchPresignedUploadUrlResponse,
    PartPresignedUrl,
)
from .progress import Progress

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = [
    "LARGE_PART_SIZE",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "default_part_size",
    "part_size_for",
]

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB
"""The smallest part the REST API accepts (except for the last part)."""
MAX_PARTS = 10_000
MAX_PART_SIZE = 5 * 1024 * MIB
LARGE_PART_SIZE = 16 * MIB
"""The part size :func:`~synapse_models.transfer.upload.upload_path` prefers for large files."""
_TARGET_PARTS = 64
_URL_BATCH = 32  # part URLs asked for at once (they expire after 15 minutes)


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
    """The part size :func:`~synapse_models.transfer.upload.upload_path` uses when none is given.

    ``size / 64`` between :func:`part_size_for`'s minimum (5 MiB, or ``size / 10000``) and
    :data:`LARGE_PART_SIZE`: a file of up to 320 MiB has 5 MiB parts, a 1 GiB file 64 parts of 16 MiB. Each
    part costs two requests (its PUT and its add), so fewer, larger parts are faster; at most ``max_workers``
    of them are in memory at once.
    """
    preferred = -(-size // _TARGET_PARTS // MIB) * MIB  # whole MiB
    return max(part_size_for(size), min(LARGE_PART_SIZE, preferred))


def part_length(number: int, size: int, part_size: int) -> int:
    """The length of part ``number`` (from 1) of a ``size``-byte file: the last part may be shorter."""
    start = (number - 1) * part_size
    return max(0, min(part_size, size - start))


def _batches(numbers: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(numbers), size):
        yield numbers[start : start + size]


def send_parts(
    conn: Connection,
    upload_id: str,
    missing: list[int],
    size: int,
    part_size: int,
    read_part: Callable[[int, int], bytes],
    max_workers: int,
    bar: Progress,
    part_md5s: list[str] | None = None,
) -> None:
    """Send the ``missing`` parts of an upload on at most ``max_workers`` threads (and the pool's size)."""
    if not missing:
        return
    workers = max(1, min(max_workers, conn.pool_size, len(missing)))

    def send(number: int, url: PartPresignedUrl) -> None:
        data = read_part((number - 1) * part_size, part_length(number, size, part_size))
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
