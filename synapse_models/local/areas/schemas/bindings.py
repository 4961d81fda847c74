"""Binding a schema to an entity (``/entity/{id}/schema/binding``).

An entity is bound to a schema's exact version (a ``$id`` with a semantic version) or to the schema itself,
which then means its latest version at every validation. An entity without a binding of its own inherits
the binding of its nearest bound ancestor (a file in a bound folder is validated against the folder's
schema). Binding needs UPDATE on the entity, unbinding DELETE, reading the binding READ.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, NotFound
from ...core.routing import Routes
from ..entities.service import ancestors, parse_entity_id, require_access, require_entity
from .naming import parse_schema_id
from .records import Binding, Version, bound_among, find_version, latest_version_id, schema_row, version_by_id

routes = Routes()
REPO = "/repo/v1"


def nearest_binding(db: sqlite3.Connection, entity_id: int) -> Binding | None:
    """The binding that applies to an entity: its own, else its nearest bound ancestor's."""
    chain = ancestors(db, entity_id)
    found = bound_among(db, chain)
    return next((found[node] for node in chain if node in found), None)


def bound_version(db: sqlite3.Connection, binding: Binding) -> Version:
    """The version a binding means now (its fixed version, or the schema's latest)."""
    version_id = binding.version_id
    if version_id is None:
        version_id = latest_version_id(db, binding.schema_id)
    if version_id is None:
        raise NotFound(f"JSON Schema not found for schemaId: '{binding.schema_id}'")
    return version_by_id(db, version_id)


def binding_json(db: sqlite3.Connection, binding: Binding) -> dict[str, Any]:
    """A JsonSchemaObjectBinding (``objectId`` is the entity the binding was made on)."""
    return {
        "jsonSchemaVersionInfo": bound_version(db, binding).json(),
        "objectId": binding.entity_id,
        "objectType": "entity",
        "createdOn": binding.created_on,
        "createdBy": str(binding.created_by),
        "enableDerivedAnnotations": binding.enable_derived,
    }


@routes.route("PUT", REPO + "/entity/<id>/schema/binding")
def bind(ctx: RequestContext, id: str) -> dict[str, Any]:
    body = ctx.json_object()
    entity_id = parse_entity_id(id)
    requested = body.get("schema$id")
    if requested is None:
        raise BadRequest("request.schema$id is required.")
    require_entity(ctx.db, entity_id)
    require_access(ctx, entity_id, "UPDATE")
    schema_id = parse_schema_id(requested)
    row = schema_row(ctx.db, schema_id.organization, schema_id.name)
    if row is None:
        raise NotFound(
            f"JSON schema not found for organization name '{schema_id.organization}' and schema name:"
            f" '{schema_id.name}'"
        )
    version_id = find_version(ctx.db, schema_id).id if schema_id.version is not None else None
    enable = body.get("enableDerivedAnnotations")
    if enable is not None and not isinstance(enable, bool):
        raise BadRequest(f"enableDerivedAnnotations must be true or false, got {enable!r}")
    ctx.db.execute(
        "INSERT OR REPLACE INTO json_schema_bindings(entity_id, schema_id, version_id, enable_derived,"
        " created_on, created_by) VALUES (?, ?, ?, ?, ?, ?)",
        (entity_id, int(row["id"]), version_id, int(bool(enable)), ctx.now(), ctx.user_id),
    )
    binding = nearest_binding(ctx.db, entity_id)
    assert binding is not None
    return binding_json(ctx.db, binding)


@routes.route("GET", REPO + "/entity/<id>/schema/binding")
def get_binding(ctx: RequestContext, id: str) -> dict[str, Any]:
    entity_id = parse_entity_id(id)
    require_entity(ctx.db, entity_id)
    require_access(ctx, entity_id, "READ")
    binding = nearest_binding(ctx.db, entity_id)
    if binding is None:
        raise NotFound(f"No JSON schema found for '{id}'")
    return binding_json(ctx.db, binding)


@routes.route("DELETE", REPO + "/entity/<id>/schema/binding", status=204)
def unbind(ctx: RequestContext, id: str) -> None:
    entity_id = parse_entity_id(id)
    require_entity(ctx.db, entity_id)
    require_access(ctx, entity_id, "DELETE")
    ctx.db.execute("DELETE FROM json_schema_bindings WHERE entity_id = ?", (entity_id,))
