"""Routes: how an area declares its endpoints.

A module of an area collects its endpoints in its own :class:`Routes`::

    routes = Routes()

    @routes.route("POST", "/repo/v1/entity", status=201)
    def post_entity(ctx: RequestContext) -> dict[str, Any]: ...

and the area hands them to the app in its ``AREA`` (``Area(..., routes=(*crud.routes, ...))``).  Nothing is
registered anywhere else, so an app serves exactly the routes of the areas it is built from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RouteSpec:
    """One endpoint: method, path (werkzeug rule syntax), handler, success status and transaction mode."""

    method: str
    path: str
    handler: Callable[..., Any]
    status: int
    transaction: str
    raw_body: bool = False


class Routes:
    """The endpoints one module declares, in declaration order."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], RouteSpec] = {}

    def route(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        transaction: str | None = None,
        raw_body: bool = False,
    ) -> Callable[[F], F]:
        """Declare ``handler`` for ``method`` + ``path`` (werkzeug rule syntax, full path incl. ``/repo/v1``).

        Args:
            method: HTTP method.
            path: e.g. ``"/repo/v1/entity/<id>"``.
            status: status of a successful answer (201 for creations, 204 for deletions...).
            transaction: ``"read"`` or ``"write"``; default read for GET/HEAD, write otherwise.
            raw_body: the handler streams a body of bytes bounded by its own rules (a part upload); other
                bodies are refused with 413 past ``Limits.request_body_bytes``.
        """
        mode = transaction or ("read" if method in ("GET", "HEAD") else "write")
        if mode not in ("read", "write"):
            raise ValueError(f"transaction must be 'read' or 'write', not {transaction!r}")

        def declare(handler: F) -> F:
            if (method, path) in self._specs:
                raise RuntimeError(f"{method} {path} is declared twice")
            self._specs[(method, path)] = RouteSpec(method, path, handler, status, mode, raw_body)
            return handler

        return declare

    def __iter__(self) -> Iterator[RouteSpec]:
        return iter(list(self._specs.values()))

    def __len__(self) -> int:
        return len(self._specs)


@dataclass
class Reply:
    """A handler result with an explicit status and/or headers."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
