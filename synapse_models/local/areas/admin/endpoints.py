"""The admin API of the local server (outside the Synapse paths), authorized by the admin token.

* ``POST /admin/v1/users`` ``{"userName", "email"?}`` -> 201 ``{"ownerId", "userName", "token"}``
* ``POST /admin/v1/faults`` ``{"path", "method"?, "status"?, "times"?, "retryAfter"?, "dropConnection"?,
  "truncateBody"?}`` -> 201 (the fault as stored); ``DELETE /admin/v1/faults`` -> 204
* ``GET /admin/v1/stats`` -> ``{"totalRequests", "requests": [{"method", "path", "count"}]}``;
  ``DELETE /admin/v1/stats`` resets the counters.
"""

from __future__ import annotations

from typing import Any

from ...core import auth, principals
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden
from ...core.faults import Fault
from ...core.routing import Routes

routes = Routes()


def _require_admin(ctx: RequestContext) -> None:
    if not ctx.is_admin:
        raise Forbidden("Only the local server's admin may use the admin API")


def _admin_body(ctx: RequestContext, required: str) -> dict[str, Any]:
    """The JSON body of an admin request, whose string member ``required`` must be there."""
    _require_admin(ctx)
    body = ctx.json_object()
    if not isinstance(body.get(required), str):
        raise BadRequest(f"{required} is required")
    return body


@routes.route("POST", "/admin/v1/users", status=201)
def create_user(ctx: RequestContext) -> dict[str, Any]:
    body = _admin_body(ctx, "userName")
    user = principals.create_user(ctx, body["userName"], email=body.get("email"))
    token = auth.issue_token(ctx, user)
    return {"ownerId": str(user.id), "userName": user.user_name, "token": token}


@routes.route("POST", "/admin/v1/faults", status=201)
def add_fault(ctx: RequestContext) -> dict[str, Any]:
    body = _admin_body(ctx, "path")
    fault = Fault(
        path=body["path"],
        method=body.get("method"),
        status=body.get("status"),
        times=int(body.get("times", 1)),
        retry_after=body.get("retryAfter"),
        drop_connection=bool(body.get("dropConnection", False)),
        truncate_body=bool(body.get("truncateBody", False)),
    )
    try:
        ctx.app.faults.add(fault)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    return {
        "path": fault.path,
        "method": fault.method,
        "status": fault.status,
        "times": fault.times,
        "retryAfter": fault.retry_after,
        "dropConnection": fault.drop_connection,
        "truncateBody": fault.truncate_body,
    }


@routes.route("DELETE", "/admin/v1/faults", status=204)
def clear_faults(ctx: RequestContext) -> None:
    _require_admin(ctx)
    ctx.app.faults.clear()


@routes.route("GET", "/admin/v1/stats")
def get_stats(ctx: RequestContext) -> dict[str, Any]:
    _require_admin(ctx)
    counts = ctx.app.requests.counts()
    requests = [
        {"method": method, "path": path, "count": count} for (method, path), count in sorted(counts.items())
    ]
    return {"totalRequests": sum(counts.values()), "requests": requests}


@routes.route("DELETE", "/admin/v1/stats", status=204)
def reset_stats(ctx: RequestContext) -> None:
    _require_admin(ctx)
    ctx.app.requests.clear()
