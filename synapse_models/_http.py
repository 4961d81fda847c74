"""The messages a transport carries: :class:`Request`, :class:`Response` and their :class:`Headers`.

Plain, typed and independent of any HTTP library, so that a test can build them by hand. The names follow
``requests`` (``status_code``, ``content``, ``iter_content``) so that code written against it reads the same.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlsplit

import attrs

from .errors import TransportError, public_url
from .retry import Deadline

__all__ = ["CHUNK_SIZE", "Headers", "Params", "Request", "Requester", "Response", "Service"]

CHUNK_SIZE = 1024 * 1024
"""Bytes read from a streamed body at once, by default."""
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})


class Headers(MutableMapping[str, str]):
    """HTTP headers: names are matched without regard to case and keep the spelling first given.

    The repr lists the names only, so that a token never shows in a log or a traceback.
    """

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        pairs = items.items() if isinstance(items, Mapping) else items
        for name, value in pairs:
            self[name] = value

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __setitem__(self, name: str, value: str) -> None:
        key = name.lower()
        self._items[key] = (self._items.get(key, (name, ""))[0], value)

    def __delitem__(self, name: str) -> None:
        del self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        shown = [
            name if name.lower() in _SECRET_HEADERS else f"{name}: {value}"
            for name, value in self._items.values()
        ]
        return f"Headers({shown})"


def _headers(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    return value if isinstance(value, Headers) else Headers(value)


def _idempotent(request: Request) -> bool:
    return request.method.upper() != "POST"


@attrs.frozen(repr=False)
class Request:
    """One HTTP request, as a transport sends it."""

    method: str
    """``GET``, ``POST``..."""
    url: str
    """The absolute URL, query string included."""
    headers: Headers = attrs.field(factory=Headers, converter=_headers)
    """The headers, ``Authorization`` included when the connection sends its token."""
    content: bytes | None = None
    """The body."""
    stream: bool = False
    """Leave the body of the answer to be read by the caller (:meth:`Response.iter_content`)."""
    follow_redirects: bool = False
    """Follow ``3xx`` answers (downloads: a presigned URL may redirect to the store)."""
    idempotent: bool = attrs.field(default=attrs.Factory(_idempotent, takes_self=True))
    """Whether sending it twice does no more than sending it once; only such requests are retried after the
    connection broke once they were sent. Every method but POST, by default."""
    byte_range: tuple[int, int | None] | None = None
    """``(first, last)`` bytes wanted (``last`` ``None``: to the end): a resumable download."""
    deadline: Deadline | None = None
    """The deadline of the call (a fresh one of the policy's ``total_seconds`` when ``None``)."""

    def __repr__(self) -> str:
        return f"<Request {self.method} {public_url(self.url)}>"

    @property
    def path(self) -> str:
        """The path of the URL (``/repo/v1/entity/syn1``), without the query string."""
        return urlsplit(self.url).path

    @property
    def params(self) -> dict[str, str]:
        """The query string's parameters (the last value of a repeated one)."""
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    def json(self) -> Any:
        """The body decoded as JSON (``None`` when there is none)."""
        return jsonlib.loads(self.content) if self.content else None


_NOT_GIVEN: Any = object()


class Response:
    """An answer: its status and headers, and a body read at once or streamed.

    Args:
        status_code: The status.
        headers: The headers.
        content: The whole body.
        json: A body to send as JSON (sets ``Content-Type``), instead of ``content``.
        stream: The body as an iterable of chunks, read when asked for (it may raise ``OSError`` part way,
            as a broken connection would).
        url: The URL that answered.
    """

    def __init__(
        self,
        status_code: int,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        json: Any = _NOT_GIVEN,
        stream: Iterable[bytes] | None = None,
        url: str = "",
    ) -> None:
        self.status_code = status_code
        self.headers = Headers(headers or {})
        self.url = url
        self.request: Request | None = None
        """The request answered (set by the transport)."""
        if json is not _NOT_GIVEN:
            content = jsonlib.dumps(json).encode()
            self.headers.setdefault("Content-Type", "application/json")
        self._content = content if content is not None or stream is not None else b""
        self._stream = stream

    def __repr__(self) -> str:
        return f"<Response {self.status_code} from {public_url(self.url)}>"

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self) -> bytes:
        """Read the whole body (once; later calls return it again)."""
        if self._content is None:
            self._content = b"".join(self._chunks(CHUNK_SIZE))
        return self._content

    @property
    def content(self) -> bytes:
        """The whole body."""
        return self.read()

    @property
    def text(self) -> str:
        """The body as text (UTF-8, as Synapse sends it)."""
        return self.read().decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON."""
        return jsonlib.loads(self.read())

    def iter_content(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The body, in chunks of up to ``chunk_size`` bytes, without holding it all in memory.

        Raises:
            TransportError: The connection broke (after the transport's retries, for a resumable download).
        """
        if self._content is not None:
            for start in range(0, len(self._content), chunk_size):
                yield self._content[start : start + chunk_size]
            return
        yield from self._chunks(chunk_size)

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        """The body straight from its source (overridden by each transport's answers)."""
        try:
            yield from self._stream or ()
        except OSError as exc:
            raise TransportError(f"the body was cut: {exc!r}") from None

    def close(self) -> None:
        """Release the connection (needed only when a streamed body was not read to its end)."""


Service = Literal["repo", "auth", "file"]
"""The three services of a Synapse deployment."""
Params = Mapping[str, Any] | None
"""Query parameters (``None`` values are left out)."""


class Requester(Protocol):
    """The verbs of a :class:`~synapse_models.Connection` that its paging and its job polling are built on."""

    def get(self, path: str, *, service: Service = ..., params: Params = ...) -> Any: ...
    def post(self, path: str, body: Any = ..., *, service: Service = ..., params: Params = ...) -> Any: ...
    def raw(self, method: str, path: str, *, service: Service = ...) -> Response: ...
    def raise_for_status(self, response: Response) -> None: ...
    def offset_pages(
        self,
        path: str,
        *,
        params: Params = ...,
        limit: int = ...,
        service: Service = ...,
        results_key: str = ...,
    ) -> Iterator[dict[str, Any]]: ...
    def token_pages(
        self,
        method: Literal["GET", "POST"],
        path: str,
        body: Mapping[str, Any] | None = ...,
        *,
        service: Service = ...,
        params: Params = ...,
        first: Mapping[str, Any] | None = ...,
    ) -> Iterator[dict[str, Any]]: ...
    def start_async_job(self, prefix: str, body: Mapping[str, Any], *, service: Service = ...) -> str: ...
    def wait_async_job(
        self, prefix: str, token: str, *, service: Service = ..., timeout: float = ...
    ) -> Any: ...
