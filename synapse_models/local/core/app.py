"""The WSGI application of the embedded Synapse server: routing, auth, transactions, JSON, errors.

Adding a REST area (e.g. ``local/files.py``)
--------------------------------------------
1. Create the module; declare its tables with ``store.register_schema("CREATE TABLE IF NOT EXISTS ...")``.
2. Write handlers ``def handler(ctx: RequestContext, **path_args) -> Any`` and decorate them with
   ``@route("POST", "/file/v1/file/multipart", status=201)`` (full path, werkzeug ``<name>`` placeholders).
3. Return a JSON-able value (``None`` values inside dicts are dropped), ``None`` for an empty body,
   ``Reply(body, status, headers)`` for another status, or a werkzeug ``Response`` (redirects, bytes).
4. Raise ``errors.NotFound(...)``/``BadRequest``/``Forbidden``/``Conflict``/``PreconditionFailed`` for
   failures; they become ErrorResponse JSON.  Anything else becomes a 500 (and is logged).
5. Add the module name to ``AREA_MODULES`` below.

Each request runs in ONE database transaction (``ctx.db``): GET/HEAD in a read snapshot, other methods in a
serialized write transaction, unless the route says ``transaction="read"`` (e.g. a PUT that streams a large
body to disk and then opens ``ctx.store.write()`` itself).  ``ctx.on_commit(fn)`` defers work until commit.
Reusable helpers: ``paging`` (offset/limit and nextPageToken), ``jobs`` (async start/get), ``acl`` (generic
ACLs and entity permissions), ``entity_store`` (entity rows, benefactors, hooks for files/wiki/activity),
``ids``/``Txn.new_etag``/``Txn.next_id``/``Txn.now`` (ids, etags, times), ``ctx.base_url`` (presigned URLs).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from werkzeug.exceptions import MethodNotAllowed as WzMethodNotAllowed
from werkzeug.exceptions import NotFound as WzNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import auth
from .context import RequestContext, User
from .errors import HttpError, MethodNotAllowed, NotFound
from .faults import FaultInjector
from .ids import IdPolicy
from .jobs import JobManager
from .routing import ROUTES, Reply, RouteSpec
from .store import Store

log = logging.getLogger("synapse_models.local")

#: Area modules imported (for their ``@route`` registrations) when an app is created.
AREA_MODULES: tuple[str, ...] = (
    "synapse_models.local.areas.status.info",
    "synapse_models.local.areas.admin.endpoints",
    "synapse_models.local.areas.users.profiles",
    "synapse_models.local.areas.entities.crud",
    "synapse_models.local.areas.entities.children",
    "synapse_models.local.areas.entities.annotations",
    "synapse_models.local.areas.entities.sharing",
    "synapse_models.local.areas.entities.bundles",
    "synapse_models.local.areas.entities.trash",
    "synapse_models.local.areas.files.records",
    "synapse_models.local.areas.files.handles",
    "synapse_models.local.areas.files.multipart",
    "synapse_models.local.areas.files.entity_files",
    "synapse_models.local.areas.provenance.activities",
    "synapse_models.local.areas.teams.crud",
    "synapse_models.local.areas.teams.members",
    "synapse_models.local.areas.teams.invitations",
    "synapse_models.local.areas.evaluations.crud",
    "synapse_models.local.areas.evaluations.rounds",
    "synapse_models.local.areas.evaluations.submissions",
    "synapse_models.local.areas.evaluations.statuses",
    "synapse_models.local.areas.wiki.pages",
    "synapse_models.local.areas.tables.sources",
    "synapse_models.local.areas.tables.schema",
    "synapse_models.local.areas.tables.transactions",
    "synapse_models.local.areas.tables.csv_upload",
    "synapse_models.local.areas.tables.queries",
    "synapse_models.local.areas.tables.file_cells",
)

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"


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


class RequestLog:
    """Counts the requests served (admin paths excluded), for tests and benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, int]] = []

    def add(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._entries.append((method, path, status))

    def entries(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._entries)

    def counts(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter((method, path) for method, path, _ in self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_MAPS: dict[tuple[tuple[str, str], ...], tuple[list[RouteSpec], Map]] = {}
_MAPS_LOCK = threading.Lock()


def _routing_table() -> tuple[list[RouteSpec], Map]:
    """Return the registered routes and their werkzeug ``Map`` (compiling a Map is slow: cached)."""
    with _MAPS_LOCK:
        key = tuple(ROUTES)
        if key not in _MAPS:
            specs = list(ROUTES.values())
            rules = [Rule(spec.path, methods=[spec.method], endpoint=i) for i, spec in enumerate(specs)]
            _MAPS[key] = (specs, Map(rules, strict_slashes=False, merge_slashes=False))
        return _MAPS[key]


def _shutdown(environ: dict[str, Any]) -> None:
    """Close the client socket of a request (fault injection)."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


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
        admin_token: str | None = None,
        deterministic: bool = False,
        seed: int = 0,
    ) -> None:
        for module in AREA_MODULES:
            importlib.import_module(module)
        self.store = Store(data_dir)
        self.ids = IdPolicy(deterministic=deterministic, seed=seed)
        self.deterministic = deterministic
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.jobs = JobManager(self)
        self._specs, self.url_map = _routing_table()
        with self.store.write() as db:
            self.admin_token = auth.initialize(self, db, admin_token)

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
            self._drop(environ)
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
    def _drop(environ: dict[str, Any]) -> None:
        _shutdown(environ)
        raise ConnectionAbortedError("connection dropped by an injected fault")

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
            return self._run(spec, request, path_args)
        except HttpError as error:
            return error_response(error)
        except Exception:
            log.exception("unhandled error in %s %s", request.method, path)
            return error_response(HttpError(500, "An unexpected error occurred in the local server"))

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
