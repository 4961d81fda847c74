"""Downloads that resume: the answer to a byte-range request reads on past a connection cut short.

:class:`~synapse_models.transport.RetryingTransport` hands back a :class:`Resuming` answer for a request
with a ``byte_range``; reading it asks for the rest of the range with ``Range`` whenever the body stops early,
within the call's one retry budget, so the caller sees one uninterrupted stream.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from ._http import Headers, Request, Response
from .errors import TransportError, error_for_response, public_url
from .retry import RetryState

if TYPE_CHECKING:
    from .transport import RetryingTransport

__all__ = ["Resuming", "from_byte"]

log = logging.getLogger("synapse_models")


def from_byte(request: Request, position: int) -> Request:
    """The request for the bytes from ``position`` to the end of its range."""
    assert request.byte_range is not None
    end = request.byte_range[1]
    headers = Headers(request.headers)
    if position or end is not None:
        headers["Range"] = f"bytes={position}-{'' if end is None else end}"
    return attrs.evolve(request, headers=headers)


class Resuming(Response):
    """The answer to a byte-range request: reading it resumes the download until the range is complete."""

    def __init__(
        self, transport: RetryingTransport, request: Request, first: Response, state: RetryState
    ) -> None:
        super().__init__(first.status_code, headers=first.headers, url=first.url)
        self.request = first.request
        self._content = None  # read from the network, resuming
        self._transport, self._request, self._state = transport, request, state
        self._active = first  # the answer being read: the first, then each resumed one

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        assert self._request.byte_range is not None
        position, end = self._request.byte_range
        response, state = self._active, self._state
        while True:
            try:
                first_byte, expected_end = _span(response)
                skip = position - first_byte  # a server that ignores Range answers 200 from byte 0
                if skip < 0:
                    raise TransportError(f"asked for bytes from {position}, got them from {first_byte}")
                for chunk in response.iter_content(chunk_size):
                    if skip:
                        cut = min(skip, len(chunk))
                        chunk, skip = chunk[cut:], skip - cut
                    if end is not None:
                        chunk = chunk[: end + 1 - position]
                    if chunk:
                        position += len(chunk)
                        state.progressed()
                        yield chunk
                    if end is not None and position > end:
                        return
                if expected_end is None or position >= expected_end:
                    return
                failure: TransportError = TransportError(
                    f"the connection closed after byte {position} of {expected_end}"
                )
            except TransportError as exc:
                failure = exc
            finally:
                response.close()
            wait = state.next_wait(sent=True)
            if wait is None:
                log.warning(
                    "download of %s cut at byte %d (%s); giving up (%s)",
                    public_url(self._request.url),
                    position,
                    failure,
                    state.summary(),
                )
                raise TransportError(
                    f"GET {public_url(self._request.url)}: {failure} ({state.summary()})",
                    method="GET",
                    url=self._request.url,
                )
            log.info(
                "download of %s cut at byte %d (%s); resuming",
                public_url(self._request.url),
                position,
                failure,
            )
            state.pause(wait)
            response = self._active = self._transport._send_retrying(
                from_byte(self._request, position), state
            )
            if response.status_code >= 300:
                body = response.content
                response.close()
                raise error_for_response(response.status_code, body, "GET", self._request.url)

    def close(self) -> None:
        self._active.close()


def _span(response: Response) -> tuple[int, int | None]:
    """Where an answer's bytes start in the file (``Content-Range`` of a 206, else 0), and where they end
    (``None`` when the length is not given)."""
    content_range = response.headers.get("Content-Range", "")
    length = response.headers.get("Content-Length")
    try:
        first = 0
        if response.status_code == 206 and content_range.startswith("bytes "):
            first = int(content_range[6:].split("-", 1)[0])
        return first, first + int(length) if length is not None else None
    except ValueError:
        raise TransportError(
            f"unreadable Content-Range {content_range!r} or Content-Length {length!r}"
        ) from None
