"""The one seam between the library and the network: a :class:`Transport` sends a :class:`Request`.

* :class:`RequestsTransport` (the default) owns the ``requests.Session``, its connection pool, and every retry
  the library makes, by the rules of :class:`~synapse_models.RetryPolicy`.
* :class:`MockTransport` hands each request to a function of yours, for tests::

      def handler(request: Request) -> Response:
          assert request.headers["Authorization"] == "Bearer secret"
          return Response(200, json={"ownerId": "1", "userName": "alice"})

      conn = sm.Connection(endpoints, "secret", transport=MockTransport(handler))

Both retry through :class:`RetryingTransport`: one budget (:class:`~synapse_models.RetryPolicy` attempts and a
:class:`~synapse_models.transport.Deadline`) per call. A request with a ``byte_range`` is a resumable
download: when its body is cut short the transport asks for the rest with ``Range`` and the caller sees one
uninterrupted stream, or a :class:`~synapse_models.errors.TransportError` once the budget is spent.

``requests`` is imported when the first request is sent, not when the package is imported.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from ._failure import describe
from ._http import Headers, Request, Response
from ._resume import Resuming, from_byte
from .errors import TransportError, public_url, redact
from .retry import Deadline, RetryPolicy, RetryState

if TYPE_CHECKING:
    import requests

__all__ = [
    "Deadline",
    "Headers",
    "MockTransport",
    "Request",
    "RequestsTransport",
    "Response",
    "RetryPolicy",
    "RetryingTransport",
    "Transport",
]

log = logging.getLogger("synapse_models")
USER_AGENT = "synapse-models/0.1.0"


class Transport(Protocol):
    """What a :class:`~synapse_models.Connection` sends its requests through."""

    def send(self, request: Request) -> Response:
        """Send ``request`` (retrying as the transport sees fit) and return the answer, whatever its status.

        Raises:
            TransportError: No answer could be had.
        """
        ...

    def close(self) -> None:
        """Release pooled connections."""
        ...


class RetryingTransport:
    """A transport that retries by a :class:`RetryPolicy`; subclasses implement :meth:`_send_once`.

    Args:
        retry: The policy.
    """

    def __init__(self, retry: RetryPolicy) -> None:
        self.retry = retry

    def _send_once(self, request: Request, state: RetryState) -> Response:
        """One try. Reads the whole body unless ``request.stream``.

        Raises:
            TransportError: The try failed; ``sent=False`` when the request never left.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release."""

    def send(self, request: Request) -> Response:
        """Send ``request``, retrying within one budget; see the module docstring."""
        state = RetryState(
            self.retry,
            request.deadline,
            method=request.method,
            url=request.url,
            idempotent=request.idempotent,
        )
        if request.byte_range is not None:
            request = from_byte(request, request.byte_range[0])
        response = self._send_retrying(request, state)
        if request.byte_range is not None and response.status_code < 300:
            return Resuming(self, request, response, state)
        return response

    def _send_retrying(self, request: Request, state: RetryState) -> Response:
        where = f"{request.method} {public_url(request.url)}"
        while True:
            try:
                response = self._send_once(request, state)
            except TransportError as exc:
                wait = state.next_wait(sent=exc.sent, refused=exc.refused)
                if wait is None:
                    if exc.sent and not request.idempotent:
                        log.warning("%s; not resent: the server may have done the work", exc)
                        raise
                    log.warning("%s; giving up (%s)", exc, state.summary())
                    raise TransportError(
                        f"{exc} ({state.summary()})",
                        method=request.method,
                        url=request.url,
                        sent=exc.sent,
                        refused=exc.refused,
                    ) from None
                log.info("%s; retry %d in %.1f s", exc, state.retries, wait)
            else:
                status = response.status_code
                response.request = request
                response.url = response.url or request.url
                retry_after = response.headers.get("Retry-After")
                if not state.retries_status(status, retry_after):
                    return response
                wait = state.next_wait(status=status, retry_after=retry_after)
                if wait is None:
                    log.warning("%s answered %d; giving up (%s)", where, status, state.summary())
                    return response  # the caller turns the last answer into its error
                response.close()
                log.info("%s answered %d; retry %d in %.1f s", where, status, state.retries, wait)
            state.pause(wait)


class RequestsTransport(RetryingTransport):
    """A pooled ``requests.Session`` (created on first use) and the retries (the default transport is
    :class:`~synapse_models.pooled.PooledTransport`, straight over urllib3).

    Args:
        pool_size: Connections kept open per host; at least the transfer concurrency.
        timeout: ``(connect, read)`` timeouts in seconds (a retry's read timeout is also kept within the
            deadline).
        retry: The retry policy.
    """

    def __init__(
        self,
        *,
        pool_size: int = 32,
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(retry or RetryPolicy())
        self.pool_size = pool_size
        self.timeout = timeout
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RequestsTransport(pool_size={self.pool_size}, retry={self.retry!r})"

    @property
    def session(self) -> requests.Session:
        """The pooled session (made on first use; retries are the transport's, not the adapter's)."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    import requests
                    from requests.adapters import HTTPAdapter

                    _redact_library_logs()
                    session = requests.Session()
                    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool_size, max_retries=0)
                    session.mount("http://", adapter)
                    session.mount("https://", adapter)
                    self._session = session
        return self._session

    def _send_once(self, request: Request, state: RetryState) -> Response:
        import requests

        try:
            answer = self.session.request(
                request.method,
                request.url,
                data=request.content,
                headers=dict(request.headers),
                timeout=(self.timeout[0], state.read_timeout(self.timeout[1])),
                stream=request.stream,
                allow_redirects=request.follow_redirects,
            )
            content = None if request.stream else answer.content  # read here: a cut body fails this try
        except requests.exceptions.RequestException as exc:
            failure = describe(exc, request.url)
            raise TransportError(
                failure.text
                if failure.refused
                else f"{request.method} {public_url(request.url)}: {failure.text}",
                method=request.method,
                url=request.url,
                sent=failure.sent,
                refused=failure.refused,
            ) from None
        return _RequestsResponse(answer, content)

    def close(self) -> None:
        """Close the session and its pooled sockets (a new one is made if the transport is used again)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


_LIBRARY_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "requests",
)


class _RedactQueries(logging.Filter):
    """Removes query strings (where presigned URLs keep their signature) from urllib3's and requests' log
    records: urllib3 logs every request line at DEBUG, query included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_REDACT_FILTER = _RedactQueries()


def _redact_library_logs() -> None:
    """Put the redacting filter on the loggers of the HTTP libraries (once; a filter applies to the records
    of its own logger only, so each is named)."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _REDACT_FILTER not in logger.filters:
            logger.addFilter(_REDACT_FILTER)


class _RequestsResponse(Response):
    def __init__(self, answer: requests.Response, content: bytes | None) -> None:
        super().__init__(answer.status_code, headers=Headers(answer.headers), url=answer.url)
        self._content = content  # None: streamed, read from the socket when asked for
        self._answer = answer

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        import requests

        try:
            yield from self._answer.iter_content(chunk_size)
        except requests.exceptions.RequestException as exc:
            raise TransportError(describe(exc, self.url).text) from None

    def close(self) -> None:
        self._answer.close()


class MockTransport(RetryingTransport):
    """A transport that answers every request with ``handler(request)``: for tests.

    The handler may return a :class:`Response` or raise ``ConnectionRefusedError`` (the request was never
    sent) or another ``OSError`` (the connection broke after it was sent); a streamed body may raise an
    ``OSError`` part way through. By default nothing is retried, so the handler sees exactly the requests the
    library makes; pass a ``retry`` policy to exercise the retries.

    Args:
        handler: The fake server.
        retry: The retry policy (none by default).
    """

    def __init__(self, handler: Callable[[Request], Response], *, retry: RetryPolicy | None = None) -> None:
        super().__init__(retry or RetryPolicy(attempts=0))
        self.handler = handler

    def _send_once(self, request: Request, state: RetryState) -> Response:
        where = f"{request.method} {public_url(request.url)}"
        try:
            response = copy.copy(self.handler(request))  # a handler may answer with the same object twice
            if not request.stream:
                response.read()
        except OSError as exc:
            failure = describe(exc, request.url)
            text = failure.text if failure.refused else f"{where}: {failure.text}"
            raise TransportError(
                text, method=request.method, url=request.url, sent=failure.sent, refused=failure.refused
            ) from None
        except TransportError as exc:
            raise TransportError(f"{where}: {exc}", method=request.method, url=request.url) from None
        return response
