"""The default transport: a ``urllib3`` pool manager, without the ``requests`` layer on top.

``requests`` costs what a library that sends its own headers, bodies and retries does not need: its import
(about a third of a command line's start-up) and, on every request, re-reading proxy settings and ``.netrc``
from the environment (``Session.merge_environment_settings``, about 1 ms of CPU per request: a bulk sync of
1,000 files sends 2,000 to 6,000). :class:`PooledTransport` keeps what matters of ``requests``' behaviour:

* proxies from ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` (read once, when the transport
  is made), and certificates from ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` or ``certifi``'s bundle;
* ``Accept-Encoding: gzip, deflate`` with transparent decoding, redirects followed only when asked.

``urllib3`` is imported when the first request is sent, not when the package is imported.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ._failure import describe
from ._http import Headers, Request, Response
from .errors import TransportError, public_url
from .retry import RetryPolicy, RetryState
from .transport import RetryingTransport, _redact_library_logs

if TYPE_CHECKING:
    import urllib3

__all__ = ["PooledTransport"]

_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate", "Accept": "*/*"}


class PooledTransport(RetryingTransport):
    """Requests sent through a ``urllib3`` pool (made on first use) with the library's retries.

    Args:
        pool_size: Connections kept open per host; at least the transfer concurrency.
        timeout: ``(connect, read)`` timeouts in seconds (a retry's read timeout is also kept within the
            deadline).
        retry: The retry policy.
    """

    def __init__(
        self,
        *,
        pool_size: int = 64,
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(retry or RetryPolicy())
        self.pool_size = pool_size
        self.timeout = timeout
        self._managers: dict[tuple[str | None, bool], urllib3.PoolManager] = {}
        self._proxies = _proxies()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PooledTransport(pool_size={self.pool_size}, retry={self.retry!r})"

    def _manager(self, url: str) -> urllib3.PoolManager:
        """The pool for ``url``: direct or through the proxy the environment names for it, with a CA bundle
        for HTTPS only (finding and loading one is a tenth of a command's start-up, wasted on plain HTTP)."""
        key = (self._proxy_for(url) if self._proxies else None, url[:6].lower() == "https:")
        manager = self._managers.get(key)
        if manager is not None:
            return manager
        with self._lock:
            import urllib3

            manager = self._managers.get(key)
            if manager is None:
                _redact_library_logs()
                options: dict[str, Any] = {"maxsize": self.pool_size, "num_pools": 8, "retries": False}
                ca_bundle = _ca_bundle() if key[1] else None
                if ca_bundle:
                    options["ca_certs"] = ca_bundle
                proxy = key[0]
                manager = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
                self._managers[key] = manager
            return manager

    def _proxy_for(self, url: str) -> str | None:
        import urllib.request

        parts = urlsplit(url)
        host = parts.hostname or ""
        if urllib.request.proxy_bypass(host):
            return None
        return self._proxies.get(parts.scheme) or self._proxies.get("all")

    def _send_once(self, request: Request, state: RetryState) -> Response:
        import urllib3

        headers = dict(_DEFAULT_HEADERS)
        headers.update(request.headers)
        try:
            answer = self._manager(request.url).request(
                request.method,
                request.url,
                body=request.content,
                headers=headers,
                timeout=urllib3.Timeout(connect=self.timeout[0], read=state.read_timeout(self.timeout[1])),
                preload_content=not request.stream,
                redirect=request.follow_redirects,
                retries=urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=30)
                if request.follow_redirects
                else False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
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
        return _PooledResponse(answer, request, None if request.stream else answer.data)

    def close(self) -> None:
        """Close the pooled sockets (new pools are made if the transport is used again)."""
        with self._lock:
            for manager in self._managers.values():
                manager.clear()
            self._managers = {}


def _proxies() -> dict[str, str]:
    """The proxies by scheme, as ``requests`` finds them. On Linux they come from the environment only, so
    ``urllib.request`` (a tenth of a command's start-up) is imported only when a ``*_proxy`` variable
    is set."""
    if sys.platform not in ("darwin", "win32") and not any(k.lower().endswith("_proxy") for k in os.environ):
        return {}
    import urllib.request

    return {k: v for k, v in urllib.request.getproxies().items() if k != "no"}


def _ca_bundle() -> str | None:
    """Where ``requests`` would take its certificates from: the environment's bundle, else certifi's."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import certifi
    except ImportError:  # urllib3 then uses the system's store
        return None
    return str(certifi.where())


def _final_url(answer: urllib3.BaseHTTPResponse, request: Request) -> str:
    """The URL the answer came from: the request's, or where its redirects led (``Location`` may be
    relative to the URL that answered it)."""
    url = request.url
    for step in answer.retries.history if answer.retries is not None else ():
        if step.redirect_location:
            url = urljoin(url, step.redirect_location)
    return url


class _PooledResponse(Response):
    def __init__(self, answer: urllib3.BaseHTTPResponse, request: Request, content: bytes | None) -> None:
        # a header sent twice reads as one, its values joined by ", " (as requests shows it)
        headers = Headers((name, answer.headers[name]) for name in answer.headers)
        super().__init__(answer.status, headers=headers, url=_final_url(answer, request))
        self._content = content  # None: streamed, read from the socket when asked for
        self._answer = answer
        self._read_whole = content is not None

    def _chunks(self, chunk_size: int) -> Iterator[bytes]:
        import urllib3

        try:
            yield from self._answer.stream(chunk_size, decode_content=True)
            self._read_whole = True
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransportError(describe(exc, self.url).text) from None

    def close(self) -> None:
        if not self._read_whole:
            self._answer.close()  # a body left unread: the socket cannot be reused
        self._answer.release_conn()
