"""Entity CRUD, versions, headers, types and paths (REFERENCE 2.2)."""

from __future__ import annotations

from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, NotFound
from ...core.paging import offset_limit, paginated
from ...core.routing import Routes
from . import trash
from .access import can_read, require_access
from .hooks import file_handle_info
from .records import VersionRecord, get_record, get_version, parse_entity_id, require_entity
from .wire import entity_json, header_json, path_json
from .writes import create_entity, delete_version, update_entity

routes = Routes()


def parse_version(text: str) -> int:
    try:
        number = int(text)
    except ValueError as exc:
        raise BadRequest(f"Invalid version number: {text}") from exc
    if number < 1:
        raise BadRequest(f"Invalid version number: {text}")
    return number


def readable_version(ctx: RequestContext, id: str, version: str | None = None) -> tuple[Any, VersionRecord]:
    """Return ``(record, version)`` of a live entity the caller may READ (404/403 otherwise)."""
    entity_id = parse_entity_id(id)
    record = require_entity(ctx.db, entity_id)
    require_access(ctx, entity_id, "READ")
    number = record.current_version if version is None else parse_version(version)
    found = get_version(ctx.db, entity_id, number)
    if found is None:
        # Synapse's wording (the id as the caller wrote it); the official client's tests match on it.
        raise NotFound(f"Cannot find a node with id {id} and version {number}")
    return record, found


@routes.route("POST", "/repo/v1/entity", status=201)
def post_entity(ctx: RequestContext) -> dict[str, Any]:
    record = create_entity(ctx, ctx.json_object(), generated_by=ctx.args.get("generatedBy"))
    return entity_json(ctx.db, record)


@routes.route("GET", "/repo/v1/entity/<id>")
@routes.route("GET", "/repo/v1/entity/<id>/version/<version>")
def get_entity(ctx: RequestContext, id: str, version: str | None = None) -> dict[str, Any]:
    record, found = readable_version(ctx, id, version)
    return entity_json(ctx.db, record, found)


@routes.route("PUT", "/repo/v1/entity/<id>")
def put_entity(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = update_entity(
        ctx,
        parse_entity_id(id),
        ctx.json_object(),
        new_version=ctx.arg_bool("newVersion"),
        generated_by=ctx.args.get("generatedBy"),
    )
    return entity_json(ctx.db, record)


@routes.route("DELETE", "/repo/v1/entity/<id>", status=204)
def delete_entity(ctx: RequestContext, id: str) -> None:
    trash.trash_entity(ctx, parse_entity_id(id), purge=ctx.arg_bool("skipTrashCan"))


@routes.route("GET", "/repo/v1/entity/<id>/version")
def list_versions(ctx: RequestContext, id: str) -> dict[str, Any]:
    record, _ = readable_version(ctx, id)
    offset, limit = offset_limit(ctx)
    rows = ctx.db.execute(
        "SELECT version FROM entity_versions WHERE entity_id = ? ORDER BY version DESC LIMIT ? OFFSET ?",
        (record.id, limit, offset),
    ).fetchall()
    infos = []
    for row in rows:
        version = get_version(ctx.db, record.id, int(row[0]))
        assert version is not None
        handle = file_handle_info(ctx, version.file_handle_id) or {}
        size = handle.get("contentSize")
        infos.append(
            {
                "id": record.syn_id,
                "versionNumber": version.number,
                "versionLabel": version.label or str(version.number),
                "versionComment": version.comment,
                "isLatestVersion": version.number == record.current_version,
                "modifiedBy": str(version.modified_by),
                "modifiedByPrincipalId": str(version.modified_by),
                "modifiedOn": version.modified_on,
                "contentSize": None if size is None else str(size),
                "contentMd5": handle.get("contentMd5"),
            }
        )
    return paginated(infos, offset, limit)


@routes.route("DELETE", "/repo/v1/entity/<id>/version/<version>", status=204)
def delete_entity_version(ctx: RequestContext, id: str, version: str) -> None:
    delete_version(ctx, parse_entity_id(id), parse_version(version))


@routes.route("GET", "/repo/v1/entity/<id>/type")
def get_entity_type(ctx: RequestContext, id: str) -> dict[str, Any]:
    record, version = readable_version(ctx, id)
    return header_json(ctx.db, record, version)


@routes.route("GET", "/repo/v1/entity/<id>/path")
def get_entity_path(ctx: RequestContext, id: str) -> dict[str, Any]:
    record, _ = readable_version(ctx, id)
    return path_json(ctx.db, record.id)


def _visible_header(ctx: RequestContext, raw_id: Any, version: Any = None) -> dict[str, Any] | None:
    """The header of a readable live entity (version optional), or ``None``."""
    try:
        entity_id = parse_entity_id(raw_id)
    except BadRequest:
        return None
    record = get_record(ctx.db, entity_id)
    if record is None or not can_read(ctx.db, ctx.user, entity_id):
        return None
    try:
        require_entity(ctx.db, entity_id)
    except NotFound:
        return None
    found = get_version(ctx.db, entity_id, int(version) if version is not None else record.current_version)
    return None if found is None else header_json(ctx.db, record, found)


@routes.route("POST", "/repo/v1/entity/header")
def post_entity_headers(ctx: RequestContext) -> dict[str, Any]:
    references = ctx.json_object().get("references") or []
    if not isinstance(references, list):
        raise BadRequest("references must be a list")
    headers = []
    for reference in references:
        if isinstance(reference, dict):
            header = _visible_header(ctx, reference.get("targetId"), reference.get("targetVersionNumber"))
            if header is not None:
                headers.append(header)
    return {"totalNumberOfResults": len(headers), "results": headers}


@routes.route("GET", "/repo/v1/entity/type")
def get_entity_types(ctx: RequestContext) -> dict[str, Any]:
    batch = ctx.args.get("batch")
    if not batch:
        raise BadRequest("The batch parameter is required")
    headers = [h for h in (_visible_header(ctx, part) for part in batch.split(",") if part.strip()) if h]
    return {"totalNumberOfResults": len(headers), "results": headers}
