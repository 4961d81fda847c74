"""A connection to one Synapse service as one user: HTTP, retries, errors, paging and async jobs.

``requests`` is imported when the first connection opens its session, not when the package is imported.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from .credentials import Endpoints
from .errors import AsyncJobError, TransportError, error_for_status

if TYPE_CHECKING:
    import requests
    from urllib3.util.retry import Retry

    from .registry import _Scope

__all__ = ["Connection", "RetryPolicy", "Service"]

log = logging.getLogger("synapse_models")

Service = Literal["repo", "auth", "file"]
_VERSION = "0.1.0"
_RETRY_STATUSES = (429, 500, 502, 503, 504)
_REFUSED_STATUSES = (429, 503)  # the server did nothing: safe to resend anything

# POSTs that only read, or that the REST API defines as idempotent: retried like GETs.
_SAFE_POST = re.compile(
    r"/(entity/child|entity/children|entity/header|entity/[^/]+(/version/\d+)?/bundle2"
    r"|fileHandle/batch|file/multipart(/[^/]+/presigned/url/batch)?|userProfile|principal/alias|teamList"
    r"|column|column/batch|entity/[^/]+/table/(query|query/nextPage|download/csv)/async/start"
    r"|userGroupHeaders/aliases)$"
)


class RetryPolicy:
    """How failed requests are retried.

    Args:
        attempts: Retries after the first try for 429/5xx answers and connection errors.
        backoff: First back-off in seconds; doubles each retry, plus up to ``jitter`` seconds.
        backoff_max: Longest single back-off, also the cap on a server's ``Retry-After``.
        total_seconds: No retry starts after this many seconds since the first try.
    """

    def __init__(
        self,
        attempts: int = 6,
        backoff: float = 0.5,
        jitter: float = 0.5,
        backoff_max: float = 30.0,
        total_seconds: float = 120.0,
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.jitter = jitter
        self.backoff_max = backoff_max
        self.total_seconds = total_seconds

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(attempts={self.attempts}, backoff={self.backoff}, "
            f"total_seconds={self.total_seconds})"
        )

    def build(self, *, safe_post: bool) -> Retry:
        from urllib3.util.retry import Retry

        policy = self

        class _Retry(Retry):
            """urllib3's Retry with a deadline, a capped Retry-After and careful POSTs."""

            deadline: float | None = None

            def new(self, **kw: Any) -> _Retry:
                fresh: _Retry = super().new(**kw)
                fresh.deadline = self.deadline or time.monotonic() + policy.total_seconds
                return fresh

            def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
                if method == "POST" and not safe_post and status_code not in _REFUSED_STATUSES:
                    return False
                return super().is_retry(method, status_code, has_retry_after)

            def is_exhausted(self) -> bool:
                late = self.deadline is not None and time.monotonic() > self.deadline
                return late or super().is_exhausted()

            def parse_retry_after(self, retry_after: str) -> float:
                return min(super().parse_retry_after(retry_after), policy.backoff_max)

        methods = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST"})
        return _Retry(
            total=self.attempts,
            connect=self.attempts,
            read=self.attempts if safe_post else 0,
            status=self.attempts,
            other=0,
            allowed_methods=methods,
            status_forcelist=_RETRY_STATUSES,
            backoff_factor=self.backoff,
            backoff_jitter=self.jitter,
            backoff_max=self.backoff_max,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
            redirect=0,
        )


class Connection:
    """A logged-in (or anonymous) session with one Synapse deployment.

    Make one with :func:`synapse_models.connect`; use it directly for REST calls the models do not cover::

        conn = sm.connect()
        conn.get("/entity/syn123")

    Args:
        endpoints: The service URLs.
        token: The bearer token, or ``None`` for anonymous access.
        token_source: Where the token came from, for error messages.
        name: The name it is registered under.
        pool_size: Connections kept open per host; at least the transfer concurrency.
        timeout: ``(connect, read)`` timeouts in seconds.
        retry: The retry policy.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        token: str | None = None,
        *,
        token_source: str = "no token",
        name: str = "default",
        pool_size: int = 32,
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.__token = token
        self.token_source = token_source
        self.name = name
        self.pool_size = pool_size
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.user_id: str | None = None
        self.user_name: str | None = None
        self._session: requests.Session | None = None
        self._lock = threading.Lock()
        self._scopes: list[_Scope] = []

    def __repr__(self) -> str:
        who = self.user_name or "anonymous"
        return f"<Connection {self.name!r} {who}@{self.endpoints.repo}>"

    # -- scoping: `with conn:` makes it the current connection of this thread / task -------------------

    def __enter__(self) -> Connection:
        from .registry import _Scope

        scope = _Scope(self)
        scope.enter()
        self._scopes.append(scope)
        return self

    def __exit__(self, *exc: object) -> None:
        self._scopes.pop().exit()

    # -- HTTP ----------------------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """The shared ``requests.Session`` (created on first use)."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._make_session()
        return self._session

    def _make_session(self) -> requests.Session:
        import requests
        from requests.adapters import HTTPAdapter

        safe = HTTPAdapter(
            pool_connections=4, pool_maxsize=self.pool_size, max_retries=self.retry.build(safe_post=True)
        )
        strict = HTTPAdapter(
            pool_connections=4, pool_maxsize=self.pool_size, max_retries=self.retry.build(safe_post=False)
        )

        class _Session(requests.Session):
            def get_adapter(self, url: str) -> Any:
                path = url.split("?", 1)[0]
                return safe if _SAFE_POST.search(path) else strict

        session = _Session()
        session.headers["User-Agent"] = f"synapse-models/{_VERSION}"
        session.headers["Accept"] = "application/json; charset=UTF-8"
        if self.__token:
            session.headers["Authorization"] = f"Bearer {self.__token}"
        return session

    def url(self, path: str, service: Service = "repo") -> str:
        """The absolute URL of a REST path (``/entity/syn1``) on one of the services."""
        if path.startswith(("http://", "https://")):
            return path
        base = getattr(self.endpoints, service)
        return f"{base}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        service: Service = "repo",
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        expect_json: bool = True,
    ) -> Any:
        """Send one request; return its decoded JSON (``None`` for an empty body).

        Raises:
            HTTPError: A subclass matching the status (``NotFoundError`` for 404...).
            TransportError: The server could not be reached, even after retries.
        """
        response = self.raw(method, path, service=service, params=params, body=body)
        if response.status_code >= 400:
            raise self._error(response, method, path)
        if not expect_json or not response.content:
            return None if expect_json else response.text
        return response.json()

    def raw(
        self,
        method: str,
        path: str,
        *,
        service: Service = "repo",
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        stream: bool = False,
        allow_redirects: bool = False,
    ) -> requests.Response:
        """Send one request and return the response whatever its status (retries still apply)."""
        import requests

        all_headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            all_headers["Content-Type"] = "application/json; charset=UTF-8"
        url = self.url(path, service)
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                url,
                params=_clean_params(params),
                data=data,
                headers=all_headers,
                timeout=self.timeout,
                stream=stream,
                allow_redirects=allow_redirects,
            )
        except requests.exceptions.RetryError as exc:
            raise TransportError(
                f"{method} {path}: gave up after retries ({exc.__class__.__name__})"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{method} {path}: {_describe(exc)}") from None
        log.debug("%s %s -> %s in %.3fs", method, path, response.status_code, time.perf_counter() - started)
        return response

    def _error(self, response: requests.Response, method: str, path: str) -> Exception:
        reason = ""
        try:
            payload = response.json()
            if isinstance(payload, dict):
                reason = str(payload.get("reason") or payload.get("error_description") or "")
        except ValueError:
            reason = response.text[:300].strip()
        if response.status_code == 401:
            reason = f"{reason or 'invalid token'} (token from {self.token_source})"
        return error_for_status(response.status_code, reason, method, path.split("?", 1)[0])

    def get(self, path: str, *, service: Service = "repo", params: Mapping[str, Any] | None = None) -> Any:
        """``GET`` a path and return its JSON."""
        return self.request("GET", path, service=service, params=params)

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        service: Service = "repo",
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """``POST`` a JSON body and return the JSON answer."""
        return self.request("POST", path, service=service, params=params, body=body)

    def put(
        self,
        path: str,
        body: Any = None,
        *,
        service: Service = "repo",
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """``PUT`` a JSON body and return the JSON answer."""
        return self.request("PUT", path, service=service, params=params, body=body)

    def delete(
        self, path: str, *, service: Service = "repo", params: Mapping[str, Any] | None = None
    ) -> None:
        """``DELETE`` a path."""
        self.request("DELETE", path, service=service, params=params)

    # -- paging --------------------------------------------------------------------------------------

    def iter_offset(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        limit: int = 50,
        service: Service = "repo",
        results_key: str = "results",
    ) -> Iterator[Any]:
        """Iterate an offset/limit ``PaginatedResults`` listing; stops on a short page."""
        offset = 0
        while True:
            page = self.get(
                path, service=service, params={**(params or {}), "offset": offset, "limit": limit}
            )
            items = page.get(results_key) or []
            yield from items
            if len(items) < limit:
                return
            offset += len(items)

    def iter_token(
        self,
        method: Literal["GET", "POST"],
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        items_key: str = "page",
        service: Service = "repo",
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Any]:
        """Iterate a ``nextPageToken`` listing (the token travels in the body for POST, the query for GET)."""
        token: str | None = None
        while True:
            if method == "POST":
                page = self.post(
                    path, {**(body or {}), "nextPageToken": token}, service=service, params=params
                )
            else:
                query = {**(params or {}), **({"nextPageToken": token} if token else {})}
                page = self.get(path, service=service, params=query)
            yield from page.get(items_key) or []
            token = page.get("nextPageToken")
            if not token:
                return

    # -- asynchronous jobs ---------------------------------------------------------------------------

    def run_async_job(
        self, prefix: str, body: Mapping[str, Any], *, service: Service = "repo", timeout: float = 600.0
    ) -> Any:
        """Start ``{prefix}/async/start``, poll ``{prefix}/async/get/{token}`` until it finishes.

        Returns:
            The job's response body.

        Raises:
            AsyncJobError: The job did not finish within ``timeout`` seconds.
            HTTPError: The job failed; the status is the one the server mapped the failure to.
        """
        token = self.post(f"{prefix}/async/start", body, service=service)["token"]
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            response = self.raw("GET", f"{prefix}/async/get/{token}", service=service)
            if response.status_code == 202:
                status = response.json() if response.content else {}
                if status.get("jobState") == "FAILED":
                    raise AsyncJobError(f"job {token} failed: {status.get('errorMessage')}")
                if time.monotonic() > deadline:
                    raise AsyncJobError(f"job {token} at {prefix} did not finish within {timeout:.0f} s")
                time.sleep(delay)
                delay = min(delay * 1.6, 1.0)
                continue
            if response.status_code >= 400:
                raise self._error(response, "GET", f"{prefix}/async/get/{token}")
            return response.json()

    def close(self) -> None:
        """Close the HTTP session (pooled sockets)."""
        if self._session is not None:
            self._session.close()
            self._session = None


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _describe(exc: Exception) -> str:
    text = str(exc)
    # urllib3 messages can be long; keep the gist (never includes headers, so never the token)
    return f"{exc.__class__.__name__}: {text[:240]}"
