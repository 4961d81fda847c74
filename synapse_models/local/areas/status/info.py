"""Base paths and service information: ``/``, ``/repo/v1``, ``/auth/v1``, ``/file/v1``, version, status."""

from __future__ import annotations

from typing import Any

from ...core.context import RequestContext
from ...core.routing import Routes

routes = Routes()

SERVER_NAME = "synapse_models local server"
VERSION = "synapse-models-local-1"


def _describe(ctx: RequestContext) -> dict[str, Any]:
    return {"name": SERVER_NAME, "version": VERSION, "endpoint": ctx.base_url}


for _path in ("/", "/repo/v1", "/auth/v1", "/file/v1"):
    routes.route("GET", _path)(_describe)


@routes.route("GET", "/repo/v1/version")
def get_version(ctx: RequestContext) -> dict[str, Any]:
    return {"version": VERSION, "stackInstance": "local"}


@routes.route("GET", "/repo/v1/status")
def get_status(ctx: RequestContext) -> dict[str, Any]:
    return {"id": 0, "status": "READ_WRITE"}


@routes.route("GET", "/repo/v1/healthcheck")
def healthcheck(ctx: RequestContext) -> dict[str, Any]:
    return {"status": "OK"}
