"""A connection to one Synapse deployment as one user: requests, errors, paging and async jobs.

The HTTP itself, and every retry, belong to the connection's :class:`~synapse_models.transport.Transport`
(a :class:`~synapse_models.pooled.PooledTransport` unless another is given). The connection knows
Synapse: its three services, the bearer token (sent to them and nowhere else), which POSTs are safe to send
twice, its error bodies, its two paging styles and its asynchronous jobs.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from ._http import Params, Service
from ._jobs import AsyncJobs
from ._paging import Paging
from ._scope import Scope
from ._throttle import RequestGate, check_limit, default_limit
from .credentials import Endpoints
from .errors import (
    ValidationError,
    error_for_response,
    error_for_status,
    public_url,
)
from .pooled import PooledTransport
from .retry import Deadline, RetryPolicy
from .transport import USER_AGENT, Request, Response, Transport

__all__ = ["Connection", "Service", "current_connection"]

log = logging.getLogger("synapse_models")


# POSTs that only read, or that the REST API defines as idempotent: retried like GETs.
_SAFE_POST = re.compile(
    r"/(entity/child|entity/children|entity/header|entity/[^/]+(/version/\d+)?/bundle2"
    r"|fileHandle/batch|file/multipart(/[^/]+/presigned/url/batch)?|userProfile|principal/alias|teamList"
    r"|column|column/batch|entity/[^/]+/table/(query|query/nextPage|download/csv)/async/start"
    r"|userGroupHeaders/aliases)$"
)


# Creates whose repetition leaves only a record nothing refers to (a second external file handle, a second
# activity): resent like idempotent requests when the answer is lost, rather than failing the store().
_REPEATABLE_POST = re.compile(r"/(externalFileHandle|activity)$")


def current_connection() -> Connection | None:
    """The connection made current in this thread or asyncio task by ``with conn:`` / ``sm.using``."""
    return _SCOPE.current()


class Connection(Paging, AsyncJobs):
    """A logged-in (or anonymous) session with one Synapse deployment.

    Make one with :func:`synapse_models.connect`; use it directly for REST calls the models do not cover::

        conn = sm.connect()
        conn.get("/entity/syn123")

    Args:
        endpoints: The service URLs.
        token: The bearer token, or ``None`` for anonymous access.
        transport: What sends the requests; a :class:`~synapse_models.pooled.PooledTransport` built
            from ``pool_size``, ``timeout`` and ``retry`` by default (tests pass a
            :class:`~synapse_models.transport.MockTransport`).
        token_source: Where the token came from, for error messages.
        name: The name it is registered under.
        pool_size: Connections kept open per host; also the most transfers run at once.
        timeout: ``(connect, read)`` timeouts in seconds.
        retry: The retry policy (the transport's, when one is given).
        max_concurrent_requests: The most requests to the Synapse services in progress at once (others wait
            their turn; presigned storage transfers are not counted). By default
            ``SYNAPSE_MODELS_MAX_CONCURRENT_REQUESTS`` if set, else 3 (Synapse's own limit per user and
            machine) unless the endpoint is on the loopback address, where there is none. ``0``: no limit.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        token: str | None = None,
        *,
        transport: Transport | None = None,
        token_source: str = "no token",
        name: str = "default",
        pool_size: int = 64,
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        max_concurrent_requests: int | None = None,
    ) -> None:
        self._gate = RequestGate(default_limit(endpoints.repo, max_concurrent_requests))
        self.endpoints = endpoints
        self.__token = token
        self.token_source = token_source
        self.name = name
        self.pool_size = pool_size
        self.timeout = timeout
        own = getattr(transport, "retry", None) if transport is not None else None
        self.retry: RetryPolicy = own or retry or RetryPolicy()
        self.transport: Transport = transport or PooledTransport(
            pool_size=pool_size, timeout=timeout, retry=self.retry
        )
        self.user_id: str | None = None
        self.user_name: str | None = None

    def __repr__(self) -> str:
        who = self.user_name or "anonymous"
        return f"<Connection {self.name!r} {who}@{self.endpoints.repo}>"

    # -- scoping: `with conn:` makes it the current connection of this thread / task -------------------
    # The tokens that undo it are kept per context by _SCOPE, not on this shared object.

    def __enter__(self) -> Connection:
        _SCOPE.enter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _SCOPE.leave(self)

    @property
    def max_concurrent_requests(self) -> int | None:
        """The most requests to the Synapse services in progress at once (``None``: no limit).

        Synapse answers 429 to a user with more than 3 in progress from one machine; set it (``0``: no
        limit) to change the bound of this connection, even while requests are in flight.
        """
        return self._gate.limit

    @max_concurrent_requests.setter
    def max_concurrent_requests(self, value: int | None) -> None:
        self._gate.limit = check_limit(value)

    # -- requests ------------------------------------------------------------------------------------

    def url(self, path: str, service: Service = "repo") -> str:
        """The absolute URL of a REST path (``/entity/syn1``) on one of the services."""
        if path.startswith(("http://", "https://")):
            return path
        base = getattr(self.endpoints, service)
        return f"{base}{path}"

    def _ours(self, url: str) -> bool:
        """Whether ``url`` is on one of this connection's services (the only places the token goes)."""
        return any(
            url.startswith(f"{base}/")
            for base in (self.endpoints.repo, self.endpoints.auth, self.endpoints.file)
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        service: Service = "repo",
        params: Params = None,
        body: Any = None,
        expect_json: bool = True,
    ) -> Any:
        """Send one request; return its decoded JSON (``None`` for an empty body).

        Raises:
            HTTPError: A subclass matching the status (``NotFoundError`` for 404...).
            TransportError: The server could not be reached, even after retries.
        """
        response = self.raw(method, path, service=service, params=params, body=body)
        self.raise_for_status(response)
        if not expect_json or not response.content:
            return None if expect_json else response.text
        return response.json()

    def raw(
        self,
        method: str,
        path: str,
        *,
        service: Service = "repo",
        params: Params = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        stream: bool = False,
        allow_redirects: bool = False,
        authorize: bool = True,
        byte_range: tuple[int, int | None] | None = None,
        deadline: Deadline | None = None,
    ) -> Response:
        """Send one request and return the answer whatever its status (retries still apply).

        Args:
            method: The HTTP method.
            path: A REST path of ``service``, or an absolute URL.
            service: The service ``path`` belongs to.
            params: The query parameters (``None`` values are left out, booleans sent as ``true``/``false``).
            body: A JSON body.
            headers: More headers.
            data: A raw body (instead of ``body``).
            stream: Leave the body to be read with ``iter_content``.
            allow_redirects: Follow ``3xx`` answers.
            authorize: Send the token (only ever to this connection's services; a presigned URL carries its
                own authorization and must not get it). Only such requests count towards
                :attr:`max_concurrent_requests`.
            byte_range: ``(first, last)`` bytes to download, resuming when the connection breaks.
            deadline: The deadline of the call, when several requests share one.
        """
        url = self.url(path, service)
        query = _clean_params(params)
        if query:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json; charset=UTF-8"}
        if authorize and self.__token and self._ours(url):
            all_headers["Authorization"] = f"Bearer {self.__token}"
        if body is not None:
            try:
                data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
            except (TypeError, ValueError) as exc:  # a value no JSON can hold: refused before sending
                raise ValidationError("body", type(body).__name__, f"cannot be sent as JSON: {exc}") from None
            all_headers["Content-Type"] = "application/json; charset=UTF-8"
        all_headers.update(headers or {})
        bare = url.split("?", 1)[0]
        repeatable = _SAFE_POST.search(bare) or _REPEATABLE_POST.search(bare)
        idempotent = method.upper() != "POST" or bool(repeatable)
        request = Request(
            method,
            url,
            headers=all_headers,
            content=data,
            stream=stream,
            follow_redirects=allow_redirects,
            idempotent=idempotent,
            byte_range=byte_range,
            deadline=deadline,
        )
        started = time.perf_counter()
        if authorize and self._ours(url):  # a call to Synapse's services, bounded (a presigned URL is not)
            with self._gate.held():
                response = self.transport.send(request)
        else:
            response = self.transport.send(request)
        log.debug(
            "%s %s -> %s in %.3fs",
            method,
            public_url(url),
            response.status_code,
            time.perf_counter() - started,
        )
        return response

    def deadline(self) -> Deadline:
        """A fresh deadline of the retry policy, for a call that spans several requests (pass it to each)."""
        return self.retry.deadline()

    def raise_for_status(self, response: Response) -> None:
        """Raise the error an answer stands for, if it is one (the reason from its body; a 401 names where the
        token came from), with the method and URL of its request.

        Raises:
            HTTPError: The status is 400 or more.
        """
        if response.status_code < 400:
            return
        method = response.request.method if response.request is not None else ""
        err = error_for_response(response.status_code, response.content, method, response.url)
        response.close()
        if response.status_code == 401:
            reason = f"{err.reason or 'invalid token'} (token from {self.token_source})"
            raise error_for_status(401, reason, method, response.url)
        raise err

    def get(self, path: str, *, service: Service = "repo", params: Params = None) -> Any:
        """``GET`` a path and return its JSON."""
        return self.request("GET", path, service=service, params=params)

    def post(self, path: str, body: Any = None, *, service: Service = "repo", params: Params = None) -> Any:
        """``POST`` a JSON body and return the JSON answer."""
        return self.request("POST", path, service=service, params=params, body=body)

    def put(self, path: str, body: Any = None, *, service: Service = "repo", params: Params = None) -> Any:
        """``PUT`` a JSON body and return the JSON answer."""
        return self.request("PUT", path, service=service, params=params, body=body)

    def delete(self, path: str, *, service: Service = "repo", params: Params = None) -> None:
        """``DELETE`` a path."""
        self.request("DELETE", path, service=service, params=params)

    def close(self) -> None:
        """Close the transport (pooled sockets)."""
        self.transport.close()


def _clean_params(params: Params) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


_SCOPE: Scope[Connection] = Scope("synapse_models_connection")
