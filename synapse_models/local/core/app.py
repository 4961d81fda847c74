"""The WSGI application of the embedded Synapse server, composed from an explicit tuple of areas.

``SynapseApp(data_dir, areas=AREAS)`` serves exactly what its areas bring (``area.Area``): their tables
(run on the store), routes, hooks and job types, plus the core's generic ``/asynchronous/job`` endpoints.
Nothing is registered by importing a module, so two apps built from different areas are independent.
The default tuple is ``synapse_models.local.areas.AREAS``, in dependency order.

Adding an endpoint to an area
-----------------------------
1. In a module of the area, write ``def handler(ctx: RequestContext, **path_args) -> Any`` and declare it
   with the module's collector: ``@routes.route("POST", "/file/v1/file/multipart", status=201)`` (full path,
   werkzeug ``<name>`` placeholders; ``routes = Routes()`` at the top of the module).
2. Return a JSON-able value (``None`` values inside dicts are dropped), ``None`` for an empty body,
   ``Reply(body, status, headers)`` for another status, or a werkzeug ``Response`` (redirects, bytes).
3. Raise ``errors.NotFound(...)``/``BadRequest``/``Forbidden``/``Conflict``/``PreconditionFailed`` for
   failures; they become ErrorResponse JSON.  Anything else becomes a 500 (and is logged).
4. Add the route's line to ``tests/local/routes.txt`` (a test compares it with the served routes); if the
   module is new, add its ``routes`` to the area's ``AREA`` (``areas/<area>/__init__.py``).

One handler may serve several paths: stack the decorators; a path argument a path lacks takes the
parameter's default (``/entity/<id>/file`` and ``/entity/<id>/version/<version>/file`` share one handler
with ``version: str | None = None``).

Adding an area
--------------
Create ``areas/<name>/`` with its modules, a ``service.py`` (the only module other areas may import: typed
functions over the area's data) and an ``__init__.py`` exporting ``AREA = Area(name, schema, routes, hooks,
jobs, requires=...)``; list ``AREA`` in ``areas/__init__.py`` after the areas it requires.  An area reads and
writes only its own tables; it reaches another area's data through that area's ``service``, and lets other
areas plug into it through hook points it declares (``hooks.HookPoint``).

Each request runs in ONE database transaction (``ctx.db``): GET/HEAD in a read snapshot, other methods in a
serialized write transaction, unless the route says ``transaction="read"`` (e.g. a PUT that streams a large
body to disk and then opens ``ctx.store.write()`` itself).  ``ctx.on_commit(fn)`` defers work until commit.
Reusable core helpers: ``paging`` (offset/limit and nextPageToken), ``async_endpoints`` (async start/get),
``acl`` (generic ACLs), ``principals``/``auth`` (users, groups, tokens), ``ids``/``Txn.new_etag``/
``Txn.next_id``/``Txn.now`` (ids, etags, times), ``ctx.base_url`` (presigned URLs).
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from werkzeug.exceptions import HTTPException as WzHTTPException
from werkzeug.exceptions import MethodNotAllowed as WzMethodNotAllowed
from werkzeug.exceptions import NotFound as WzNotFound
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import acl, async_endpoints, auth, principals
from .area import Area
from .context import JobStarter, RequestContext
from .errors import HttpError, MethodNotAllowed, NotFound
from .faults import FaultInjector
from .hooks import Hooks
from .ids import IdPolicy
from .jobs import JobManager
from .limits import Limits
from .request_log import RequestLog
from .routing import Reply, RouteSpec
from .store import Store
from .txn import User

log = logging.getLogger("synapse_models.local")

#: The core's own tables (the store's counters and settings are always there).
CORE_SCHEMA: tuple[str, ...] = (principals.SCHEMA, auth.SCHEMA, acl.SCHEMA)

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

#: The WSGI environ key of a callable closing the client's connection at once (the HTTP server provides it;
#: fault injection uses it).
DROP_KEY = "synapse_local.drop"


def prune(value: Any) -> Any:
    """Drop ``None`` members of objects, recursively (list elements are kept: table cells may be null)."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [prune(v) for v in value]
    return value


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize ``body`` (pruned of nulls) into a JSON response."""
    data = json.dumps(prune(body), separators=(",", ":"))
    return Response(data, status=status, headers=headers, content_type=JSON_CONTENT_TYPE)


def error_response(error: HttpError) -> Response:
    return json_response(error.body(), error.status, error.headers)


@functools.lru_cache(maxsize=16)
def _compile(rules: tuple[tuple[str, str], ...]) -> Map:
    """Return the werkzeug ``Map`` of ``(method, path)`` rules, endpoint = index (compiling one is slow)."""
    return Map(
        [Rule(path, methods=[method], endpoint=i) for i, (method, path) in enumerate(rules)],
        strict_slashes=False,
        merge_slashes=False,
    )


def compose(areas: Sequence[Area]) -> tuple[list[RouteSpec], Hooks, dict[str, JobStarter]]:
    """Check that ``areas`` fit together and return their routes (the core's first), hooks and job types."""
    names = [area.name for area in areas]
    for area in areas:
        if names.count(area.name) > 1:
            raise ValueError(f"area {area.name!r} is listed twice")
        missing = [name for name in area.requires if name not in names[: names.index(area.name)]]
        if missing:
            raise ValueError(f"area {area.name!r} requires {', '.join(missing)}, listed before it")
    specs = [*async_endpoints.routes, *(spec for area in areas for spec in area.routes)]
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if (spec.method, spec.path) in seen:
            raise ValueError(f"{spec.method} {spec.path} is declared by two areas")
        seen.add((spec.method, spec.path))
    job_types: dict[str, JobStarter] = {}
    for area in areas:
        for concrete_type, starter in area.jobs.items():
            if concrete_type in job_types:
                raise ValueError(f"job type {concrete_type} is served by two areas")
            job_types[concrete_type] = starter
    return specs, Hooks(item for area in areas for item in area.hooks), job_types


def _shutdown(environ: dict[str, Any]) -> None:
    """Close the client's connection of a request (fault injection), once what was written is sent."""
    drop = environ.get(DROP_KEY)
    if callable(drop):
        drop()


def _normalize_path(path: str) -> str:
    while "//" in path:
        path = path.replace("//", "/")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


class SynapseApp:
    """The WSGI application over one data directory."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        areas: Sequence[Area],
        admin_token: str | None = None,
        deterministic: bool = False,
        seed: int = 0,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.areas = tuple(areas)
        self._specs, self.hooks, job_types = compose(self.areas)
        self.job_types: Mapping[str, JobStarter] = job_types
        self.url_map = _compile(tuple((spec.method, spec.path) for spec in self._specs))
        self.store = Store(
            data_dir, [*CORE_SCHEMA, *(script for area in self.areas for script in area.schema)]
        )
        self.ids = IdPolicy(deterministic=deterministic, seed=seed)
        self.deterministic = deterministic
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.jobs = JobManager(self)
        with self.store.write() as db:
            for area in self.areas:
                if area.setup is not None:
                    area.setup(db)
            self.admin_token = auth.initialize(self, db, admin_token)
        for area in self.areas:
            if area.recover is not None:
                area.recover(self.store)

    @property
    def routes(self) -> list[RouteSpec]:
        """The endpoints this app serves."""
        return list(self._specs)

    def close(self) -> None:
        """Wait for running jobs and close the database."""
        self.jobs.shutdown()
        self.store.close()

    # -- WSGI ---------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        path = _normalize_path(request.path)
        method = request.method
        is_admin_path = path.startswith("/admin/")
        fault = None if is_admin_path else self.faults.take(method, path)
        if fault is not None and fault.drop_connection:
            _shutdown(environ)  # no answer at all: the client sees its connection closed
            return Response(b"", status=500)(environ, start_response)
        if fault is not None and fault.status is not None:
            response = self._fault_response(fault.status, fault.retry_after)
        else:
            response = self.dispatch(request, path)
        if not is_admin_path:
            self.requests.add(method, path, response.status_code)
        if fault is not None and fault.truncate_body:
            return self._truncated(response, environ, start_response)
        return response(environ, start_response)

    @staticmethod
    def _fault_response(status: int, retry_after: float | None) -> Response:
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        reason = "Synapse is down for maintenance." if status == 503 else f"Injected fault ({status})"
        return error_response(HttpError(status, reason, headers=headers))

    @staticmethod
    def _truncated(
        response: Response, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        if response.is_streamed and response.content_length is not None:  # e.g. a file download
            budget = response.content_length // 2
            start_response(response.status, list(response.headers.items()))
            for chunk in response.iter_encoded():
                if budget <= 0:
                    break
                yield chunk[:budget]
                budget -= len(chunk)
            if hasattr(response.response, "close"):
                response.response.close()
            _shutdown(environ)
            return
        data = response.get_data()
        response.set_data(data)  # fixes Content-Length to the full size
        start_response(response.status, list(response.headers.items()))
        yield data[: len(data) // 2]
        _shutdown(environ)

    # -- dispatch -----------------------------------------------------------------------------------
    def dispatch(self, request: Request, path: str) -> Response:
        """Route, authenticate, run the handler in a transaction and build the response."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, path_args = adapter.match(path, method=request.method)
        except WzMethodNotAllowed:
            return error_response(MethodNotAllowed(f"Request method '{request.method}' is not supported"))
        except WzNotFound:
            return error_response(NotFound(f"No service is registered for {request.method} {path}"))
        spec = self._specs[int(endpoint)]
        try:
            if not spec.raw_body:
                self._bound_body(request)
            return self._run(spec, request, path_args)
        except HttpError as error:
            return error_response(error)
        except RequestEntityTooLarge:
            return error_response(self._too_large())
        except WzHTTPException as error:  # the body could not be read (cut short, malformed framing)
            log.info("refused %s %s: %s", request.method, path, error)
            return error_response(
                HttpError(error.code or 400, f"The request could not be read: {error.name}")
            )
        except OverflowError as error:  # a number past SQLite's 64-bit integers (an id, an offset, a limit)
            log.info("refused %s %s: %s", request.method, path, error)
            return error_response(
                HttpError(400, "A number in the request is out of range: ids, offsets and limits are 64-bit")
            )
        except Exception:
            log.exception("unhandled error in %s %s", request.method, path)
            return error_response(HttpError(500, "An unexpected error occurred in the local server"))

    def _too_large(self) -> HttpError:
        # Synapse's RequestSizeThrottleFilter: 413 with this wording.
        limit = self.limits.request_body_bytes
        return HttpError(413, f"Request size exceeded maximum number of bytes: {limit}")

    def _bound_body(self, request: Request) -> None:
        """Refuse a body larger than ``Limits.request_body_bytes`` before reading it (413, like Synapse)."""
        request.max_content_length = self.limits.request_body_bytes
        length = request.content_length
        if length is not None and length > self.limits.request_body_bytes:
            raise self._too_large()

    def _run(self, spec: RouteSpec, request: Request, path_args: Mapping[str, Any]) -> Response:
        header = request.headers.get("Authorization")
        writable = spec.transaction == "write"
        with self.store.read() as db:
            user = auth.authenticate(db, header)
        transaction = self.store.write if writable else self.store.read
        with transaction() as db:
            ctx = RequestContext(self, db, user, request, writable=writable)
            result = spec.handler(ctx, **path_args)
        for callback in ctx.after_commit:
            callback()
        return self._to_response(result, spec.status)

    @staticmethod
    def _to_response(result: Any, status: int) -> Response:
        if isinstance(result, Response):
            return result
        headers: dict[str, str] = {}
        body = result
        if isinstance(result, Reply):
            body, status, headers = result.body, result.status, result.headers
        if body is None:
            return Response(b"", status=status, headers=headers)
        return json_response(body, status, headers)

    # -- in-process helpers used by LocalSynapse ------------------------------------------------------
    def create_user(self, user_name: str, *, email: str | None = None) -> tuple[User, str]:
        """Create a user and return it with a new bearer token."""
        with self.store.write() as db:
            return auth.create_user_with_token(self, db, user_name, email=email)
