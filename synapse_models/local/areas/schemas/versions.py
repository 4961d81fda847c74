"""Registering schemas and their versions, reading, listing and deleting them, and validation schemas.

A schema version is created by an asynchronous ``CreateSchemaRequest`` whose ``schema.$id`` names it
(``org-name`` or ``org-name-1.0.0``); the caller needs CREATE on the organization. A version with a semantic
version is immutable and may only ``$ref`` other versions by semantic version. A ``$ref`` names another
registered schema by its ``$id`` (a local ``#/...`` reference is refused, as Synapse refuses it).

The *validation schema* of a version is self-contained: every schema it references, directly or not, is
copied into its ``definitions`` under the referenced ``$id`` and each ``$ref`` points there
(``#/definitions/org-name-1.0.0``); a circular reference is refused.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from ...core.async_endpoints import async_endpoints
from ...core.context import RequestContext
from ...core.errors import BadRequest
from ...core.jobs import Job, JobWork
from ...core.routing import Routes
from ...core.store import dumps
from ...core.txn import Txn
from .naming import SchemaId, absolute_id, parse_schema_id, relative_id
from .organizations import require_organization_access, token_page, token_window
from .records import (
    Version,
    body_sha256,
    find_version,
    is_bound,
    is_referenced,
    latest_version_id,
    organization_by_name,
    schema_row,
    schemas_page,
    version_body,
    version_by_id,
    versions_page,
)
from .validation import check_schema

routes = Routes()
REPO = "/repo/v1"
CREATE_REQUEST = "org.sagebionetworks.repo.model.schema.CreateSchemaRequest"
VALIDATION_REQUEST = "org.sagebionetworks.repo.model.schema.GetValidationSchemaRequest"
UNVERSIONED_REF = (
    "The schema $id includes a semantic version, therefore all sub-schema references ($ref) must also include"
    " a semantic version.  The following $ref does not include a semantic version: '%s'"
)


def references(node: Any) -> Iterator[dict[str, Any]]:
    """Every (sub)schema of ``node`` that has a ``$ref``, depth first."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node
        for key, value in node.items():
            if key not in ("const", "default", "enum", "examples"):  # values, not schemas
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def validation_schema(txn: Txn, requested: str) -> dict[str, Any]:
    """The self-contained schema of the version ``requested`` names (its top ``$id`` absolute)."""
    return _validation(txn, requested, [], top=True)


def _validation(txn: Txn, requested: str, stack: list[str], *, top: bool) -> dict[str, Any]:
    if requested in stack:
        raise BadRequest(f"Schema $id: '{requested}' has a circular dependency")
    stack.append(requested)
    version = find_version(txn.db, parse_schema_id(requested))
    base = copy.deepcopy(version_body(txn.db, version.id))
    base["$id"] = absolute_id(relative_id(requested)) if top else requested
    definitions: dict[str, Any] = dict(base.get("definitions") or {})
    for node in list(references(base)):
        key = relative_id(node["$ref"])
        if key not in definitions:
            sub = _validation(txn, node["$ref"], stack, top=False)
            definitions.update(sub.pop("definitions", None) or {})
            sub.pop("$id", None)  # a definition with its own $id would change how refs inside it resolve
            definitions[key] = sub
        node["$ref"] = "#/definitions/" + key
    base.pop("definitions", None)
    if definitions:
        base["definitions"] = definitions
    stack.pop()
    return base


# -- creating ------------------------------------------------------------------------------------------------


def _checked_request(body: Any) -> tuple[dict[str, Any], SchemaId, bool]:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a CreateSchemaRequest")
    schema = body.get("schema")
    if schema is None:
        raise BadRequest("request.schema is required.")
    if not isinstance(schema, dict):
        raise BadRequest("request.schema must be a JSON object")
    if schema.get("$id") is None:
        raise BadRequest("schema.$id is required.")
    schema_id = parse_schema_id(schema["$id"])
    problem = check_schema(schema)
    if problem is not None:
        raise BadRequest(f"The schema is not a valid JSON schema: {problem}")
    for node in references(schema):
        ref_id = parse_schema_id(node["$ref"])
        if schema_id.version is not None and ref_id.version is None:
            raise BadRequest(UNVERSIONED_REF % node["$ref"])
    return schema, schema_id, bool(body.get("dryRun"))


def create_version(txn: Txn, schema: dict[str, Any], schema_id: SchemaId, dry_run: bool) -> dict[str, Any]:
    """Register a new version (a CreateSchemaResponse); with ``dry_run`` nothing is kept."""
    txn.require_login()
    organization = organization_by_name(txn.db, schema_id.organization)
    require_organization_access(txn, organization.id, "CREATE")
    dependencies = []
    for node in references(schema):
        target = find_version(txn.db, parse_schema_id(node["$ref"]))
        versioned = parse_schema_id(node["$ref"]).version is not None
        dependencies.append((target.schema_id, target.id if versioned else None))
    txn.db.execute("SAVEPOINT create_schema")
    try:
        version = _insert(txn, organization.id, schema_id, schema, dependencies)
        validation = validation_schema(txn, version.relative_id)
    except BaseException:
        txn.db.execute("ROLLBACK TO create_schema")
        txn.db.execute("RELEASE create_schema")
        raise
    if dry_run:
        txn.db.execute("ROLLBACK TO create_schema")
    txn.db.execute("RELEASE create_schema")
    return {"newVersionInfo": version.json(), "validationSchema": validation}


def _insert(
    txn: Txn, organization_id: int, schema_id: SchemaId, schema: dict[str, Any],
    dependencies: list[tuple[int, int | None]],
) -> Version:  # fmt: skip
    row = schema_row(txn.db, schema_id.organization, schema_id.name)
    if row is None:
        numeric = txn.next_id("jsonSchema")
        txn.db.execute(
            "INSERT INTO json_schemas(id, organization_id, name, created_on, created_by)"
            " VALUES (?, ?, ?, ?, ?)",
            (numeric, organization_id, schema_id.name, txn.now(), txn.user_id),
        )
    else:
        numeric = int(row["id"])
    taken = txn.db.execute(
        "SELECT 1 FROM json_schema_versions WHERE schema_id = ? AND semantic_version = ?",
        (numeric, schema_id.version),
    ).fetchone()
    if schema_id.version is not None and taken:
        raise BadRequest(f"Semantic version: '{schema_id.version}' already exists for this JSON schema")
    version_id = txn.next_id("jsonSchemaVersion")
    txn.db.execute(
        "INSERT INTO json_schema_versions(id, schema_id, semantic_version, body, sha256, created_on,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (version_id, numeric, schema_id.version, dumps(schema), body_sha256(schema), txn.now(), txn.user_id),
    )
    txn.db.executemany(
        "INSERT INTO json_schema_dependencies(version_id, depends_on_schema_id, depends_on_version_id)"
        " VALUES (?, ?, ?)",
        [(version_id, target_schema, target_version) for target_schema, target_version in dependencies],
    )
    return version_by_id(txn.db, version_id)


def start_create(ctx: RequestContext, body: Any) -> JobWork:
    ctx.require_login()
    schema, schema_id, dry_run = _checked_request(body)

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            return create_version(txn, schema, schema_id, dry_run)

    return work


def start_validation_schema(ctx: RequestContext, body: Any) -> JobWork:
    if not isinstance(body, dict) or body.get("$id") is None:
        raise BadRequest("$id is required.")
    requested = str(body["$id"])
    parse_schema_id(requested)

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn:
            return {"validationSchema": validation_schema(txn, requested)}

    return work


async_endpoints(routes, REPO + "/schema/type/create/async", start_create)
async_endpoints(routes, REPO + "/schema/type/validation/async", start_validation_schema)
jobs = {CREATE_REQUEST: start_create, VALIDATION_REQUEST: start_validation_schema}


# -- reading, listing, deleting ------------------------------------------------------------------------------


@routes.route("GET", REPO + "/schema/type/registered/<path:id>")
def get_registered(ctx: RequestContext, id: str) -> dict[str, Any]:
    version = find_version(ctx.db, parse_schema_id(id))
    body = copy.deepcopy(version_body(ctx.db, version.id))
    body["$id"] = absolute_id(relative_id(id))
    return body


@routes.route("POST", REPO + "/schema/list")
def list_schemas(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("organizationName") is None:
        raise BadRequest("organizationName is required.")
    limit, offset = token_window(body.get("nextPageToken"))
    return token_page(schemas_page(ctx.db, str(body["organizationName"]), limit + 1, offset), limit, offset)


@routes.route("POST", REPO + "/schema/version/list")
def list_versions(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    for required in ("organizationName", "schemaName"):
        if body.get(required) is None:
            raise BadRequest(f"{required} is required.")
    limit, offset = token_window(body.get("nextPageToken"))
    page = versions_page(ctx.db, str(body["organizationName"]), str(body["schemaName"]), limit + 1, offset)
    return token_page([v.json() for v in page], limit, offset)


def _refuse_delete(what: str, *, bound: bool, referenced: bool) -> None:
    if bound:
        raise BadRequest(f"Cannot delete a {what} that is bound to an object")
    if referenced:
        raise BadRequest(f"Cannot delete a {what} that is referenced by another schema")


def _delete_schema(txn: Txn, schema_id: int) -> None:
    versions = [int(r[0]) for r in txn.db.execute(
        "SELECT id FROM json_schema_versions WHERE schema_id = ?", (schema_id,))]  # fmt: skip
    _refuse_delete(
        "schema",
        bound=is_bound(txn.db, schema_id=schema_id),
        referenced=is_referenced(txn.db, schema_id=schema_id),
    )
    txn.db.executemany("DELETE FROM json_schema_dependencies WHERE version_id = ?", [(v,) for v in versions])
    txn.db.execute("DELETE FROM json_schema_versions WHERE schema_id = ?", (schema_id,))
    txn.db.execute("DELETE FROM json_schemas WHERE id = ?", (schema_id,))


@routes.route("DELETE", REPO + "/schema/type/registered/<path:id>", status=204)
def delete_registered(ctx: RequestContext, id: str) -> None:
    ctx.require_login()
    schema_id = parse_schema_id(id)
    version = find_version(ctx.db, schema_id)
    if not ctx.is_admin:
        require_organization_access(ctx, version.organization_id, "DELETE")
    if schema_id.version is None:
        _delete_schema(ctx, version.schema_id)
        return
    _refuse_delete(
        "schema version",
        bound=is_bound(ctx.db, version_id=version.id),
        referenced=is_referenced(ctx.db, version_id=version.id),
    )
    ctx.db.execute("DELETE FROM json_schema_dependencies WHERE version_id = ?", (version.id,))
    ctx.db.execute("DELETE FROM json_schema_versions WHERE id = ?", (version.id,))
    if latest_version_id(ctx.db, version.schema_id) is None:
        _delete_schema(ctx, version.schema_id)
