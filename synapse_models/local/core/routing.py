"""The route registry shared by all area modules (see the docstring of ``app.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RouteSpec:
    """One registered endpoint."""

    method: str
    path: str
    handler: Callable[..., Any]
    status: int
    transaction: str


ROUTES: dict[tuple[str, str], RouteSpec] = {}


def route(method: str, path: str, *, status: int = 200, transaction: str | None = None) -> Callable[[F], F]:
    """Register ``handler`` for ``method`` + ``path`` (werkzeug rule syntax, full path incl. ``/repo/v1``).

    Args:
        method: HTTP method.
        path: e.g. ``"/repo/v1/entity/<id>"``.
        status: status of a successful answer (201 for creations, 204 for deletions...).
        transaction: ``"read"`` or ``"write"``; default read for GET/HEAD, write otherwise.
    """
    mode = transaction or ("read" if method in ("GET", "HEAD") else "write")
    if mode not in ("read", "write"):
        raise ValueError(f"transaction must be 'read' or 'write', not {transaction!r}")

    def register(handler: F) -> F:
        existing = ROUTES.get((method, path))
        if existing is not None and _name(existing.handler) != _name(handler):
            raise RuntimeError(f"{method} {path} is already routed to {_name(existing.handler)}")
        ROUTES[(method, path)] = RouteSpec(method, path, handler, status, mode)
        return handler

    return register


@dataclass
class Reply:
    """A handler result with an explicit status and/or headers."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _name(handler: Callable[..., Any]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"
