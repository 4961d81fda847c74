"""The request a handler serves: :class:`RequestContext`, a ``txn.Txn`` plus the HTTP request.

``json()``, ``json_object()``, ``json_or_none()``, ``args``, ``arg_int()``, ``arg_bool()``, ``base_url`` (for
URLs pointing back at this server, e.g. presigned URLs), and ``app``, the :class:`App` serving it (a
``txn.Server`` with its jobs, the concreteTypes of ``POST /asynchronous/job``, faults and request log).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from .errors import BadRequest
from .faults import FaultInjector
from .jobs import JobManager, JobWork
from .request_log import RequestLog
from .txn import Server, Txn, User

#: Validates an asynchronous job request in the request's transaction and returns the work to run later.
JobStarter = Callable[["RequestContext", dict[str, Any]], JobWork]


class App(Server, Protocol):
    """What a request handler may use of the app serving it (``core.app.SynapseApp`` is the one)."""

    jobs: JobManager
    job_types: Mapping[str, JobStarter]
    faults: FaultInjector
    requests: RequestLog


def too_deep(value: Any, limit: int) -> bool:
    """Whether arrays/objects in ``value`` nest deeper than ``limit`` (walked without recursion)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def nonempty_list(value: Any, *, limit: int, missing: str, too_many: str) -> list[Any]:
    """Return a request's list of at most ``limit`` items; 400 with ``missing`` or ``too_many`` otherwise."""
    if not isinstance(value, list) or not value:
        raise BadRequest(missing)
    if len(value) > limit:
        raise BadRequest(too_many)
    return value


class RequestContext(Txn):
    """A transaction bound to one HTTP request."""

    app: App

    def __init__(
        self,
        app: App,
        db: sqlite3.Connection,
        user: User,
        request: Request,
        *,
        writable: bool,
    ) -> None:
        super().__init__(app, db, user, writable=writable)
        self.app = app
        self.request = request

    @property
    def args(self) -> MultiDict[str, str]:
        return self.request.args

    @property
    def base_url(self) -> str:
        """The scheme+host this request reached, e.g. ``http://127.0.0.1:8080`` (no trailing slash)."""
        return self.request.host_url.rstrip("/")

    def json(self) -> Any:
        """Return the parsed JSON body; 400 if missing or unparsable."""
        value = self.json_or_none()
        if value is None:
            raise BadRequest("The request body is required and must be JSON")
        return value

    def json_object(self) -> dict[str, Any]:
        """Return the JSON body, which must be an object."""
        value = self.json()
        if not isinstance(value, dict):
            raise BadRequest("The request body must be a JSON object")
        return value

    def json_or_none(self) -> Any:
        """Return the parsed JSON body, or ``None`` when the body is empty."""
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            return None
        charset = self.request.mimetype_params.get("charset", "utf-8")
        depth = self.app.limits.json_depth
        too_deep_reason = f"Could not parse the JSON body: it is nested deeper than {depth} levels"
        try:
            value = json.loads(raw.decode(charset))
        except (ValueError, LookupError) as exc:
            raise BadRequest(f"Could not parse the JSON body: {exc}") from exc
        except RecursionError:
            raise BadRequest(too_deep_reason) from None
        if too_deep(value, depth):
            raise BadRequest(too_deep_reason)
        return value

    def arg_int(self, name: str, default: int | None = None) -> int | None:
        """Return an integer query parameter; 400 if it is not an integer."""
        raw = self.request.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise BadRequest(f"Query parameter {name} must be an integer, got {raw!r}") from exc

    def arg_bool(self, name: str, default: bool = False) -> bool:
        """Return a boolean query parameter (``true``/``false``, case-insensitive)."""
        raw = self.request.args.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise BadRequest(f"Query parameter {name} must be true or false, got {raw!r}")
        return lowered == "true"
