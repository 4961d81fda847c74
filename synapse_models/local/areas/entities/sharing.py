"""Entity ACLs, benefactors and computed permissions (REFERENCE 2.11)."""

from __future__ import annotations

from typing import Any

from ...core import acl
from ...core.constants import ACCESS_TYPES, ROOT_ENTITY_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.routing import Routes
from .access import benefactor_id, entity_access, permissions_json, require_access
from .records import EntityRecord, get_record, parse_entity_id, require_entity, syn
from .wire import header_json

routes = Routes()

#: Synapse's 404 reason for the ACL of an entity that inherits its permissions (followed by the path of
#: the benefactor's ACL).
INHERITED_ACL_PREFIX = "The requested ACL does not exist. This entity inherits its permissions from: "


def _acl_body(ctx: RequestContext, record: EntityRecord) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is not None and parse_entity_id(body["id"]) != record.id:
        raise BadRequest(f"The id of the ACL must match the entity: {record.syn_id}")
    return body


@routes.route("GET", "/repo/v1/entity/<id>/acl")
def get_entity_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = require_entity(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "READ")
    found = acl.get_acl(ctx.db, "entity", record.id, display_id=record.syn_id)
    if found is None:
        # Synapse's wording, ending in the benefactor's ACL path: the official client recognises this
        # prefix as "no local ACL".
        benefactor = syn(benefactor_id(ctx.db, record.id))
        raise NotFound(f"{INHERITED_ACL_PREFIX}/repo/v1/entity/{benefactor}/acl")
    return found


@routes.route("POST", "/repo/v1/entity/<id>/acl", status=201)
def create_entity_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    ctx.require_login()
    record = require_entity(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "CHANGE_PERMISSIONS")
    if acl.has_acl(ctx.db, "entity", record.id):
        raise Forbidden("Resource already has an ACL.")
    # The id in the body is ignored: clients send a copy of the benefactor's ACL, id included.
    entries = acl.normalize_resource_access(ctx.db, ctx.json_object().get("resourceAccess"))
    return acl.create_acl(ctx, "entity", record.id, entries, display_id=record.syn_id)


@routes.route("PUT", "/repo/v1/entity/<id>/acl")
def update_entity_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    ctx.require_login()
    record = require_entity(ctx.db, parse_entity_id(id))
    body = _acl_body(ctx, record)
    if body.get("id") is None:
        raise BadRequest("The ACL id is required")
    if not acl.has_acl(ctx.db, "entity", record.id):
        raise Forbidden("Cannot update ACL for a resource which inherits its permissions.")
    require_access(ctx, record.id, "CHANGE_PERMISSIONS")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    return acl.update_acl(ctx, "entity", record.id, entries, body.get("etag"), display_id=record.syn_id)


@routes.route("DELETE", "/repo/v1/entity/<id>/acl", status=204)
def delete_entity_acl(ctx: RequestContext, id: str) -> None:
    ctx.require_login()
    record = require_entity(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "CHANGE_PERMISSIONS")
    # Synapse's order and wording; the official client's recursive delete_permissions ignores exactly the
    # first refusal on every inheriting child.
    if not acl.has_acl(ctx.db, "entity", record.id):
        raise Forbidden("Resource already inherits its permissions.")
    if record.parent_id == ROOT_ENTITY_ID:
        raise Forbidden("Cannot restore inheritance for resource which has no parent.")
    acl.delete_acl(ctx, "entity", record.id)


@routes.route("GET", "/repo/v1/entity/<id>/benefactor")
def get_benefactor(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = require_entity(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "READ")
    benefactor = get_record(ctx.db, benefactor_id(ctx.db, record.id))
    assert benefactor is not None
    return header_json(ctx.db, benefactor, benefactor=benefactor.id)


@routes.route("GET", "/repo/v1/entity/<id>/permissions")
def get_permissions(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = require_entity(ctx.db, parse_entity_id(id))
    return permissions_json(ctx, ctx.user, record)


@routes.route("GET", "/repo/v1/entity/<id>/access")
def has_access(ctx: RequestContext, id: str) -> dict[str, Any]:
    access_type = ctx.args.get("accessType")
    if access_type not in ACCESS_TYPES:
        raise BadRequest(f"accessType must be one of the ACCESS_TYPE values, got {access_type!r}")
    record = require_entity(ctx.db, parse_entity_id(id))
    return {"result": access_type in entity_access(ctx.db, ctx.user, record.id)}
