"""Entity bundles v2 (REFERENCE 2.2, 3.1): read parts selected by flags; create/update in one call.

Parts are pluggable: another area computes its part by plugging a ``hooks.BundlePart`` into
``hooks.BUNDLE_PARTS`` (it replaces the default of its flag).  The defaults here: ``fileHandles`` -> ``[]``,
``rootWikiId``/``activity``/``tableBundle``/``doiAssociation`` -> absent, ``fileName`` -> the FileEntity's
``fileNameOverride`` or its handle's ``fileName`` (via the ``FILE_HANDLE`` hook), ``restrictionInformation``
-> OPEN, ``threadCount`` -> 0.
"""

from __future__ import annotations

from typing import Any

from ...core import acl
from ...core.context import RequestContext
from ...core.errors import BadRequest, stale_etag
from ...core.routing import Routes
from ...core.txn import Txn
from .access import benefactor_id, permissions_json, require_access
from .annotations import replace_annotations, validate_annotations
from .crud import readable_version
from .hooks import BUNDLE_PARTS, BundlePart, file_handle_info
from .records import FILE, EntityRecord, VersionRecord, get_version, parse_entity_id, require_entity
from .wire import entity_json, path_json
from .writes import create_entity, update_entity

routes = Routes()


def _annotations(txn: Txn, record: EntityRecord, version: VersionRecord) -> dict[str, Any]:
    current = version.number == record.current_version
    etag = record.etag if current else "00000000-0000-0000-0000-000000000000"
    return {"id": record.syn_id, "etag": etag, "annotations": version.annotations}


def _file_name(txn: Txn, record: EntityRecord, version: VersionRecord) -> str | None:
    if record.concrete_type != FILE:
        return None
    override = version.fields.get("fileNameOverride")
    if override:
        return str(override)
    handle = file_handle_info(txn, version.file_handle_id) or {}
    name = handle.get("fileName")
    return None if name is None else str(name)


def _restriction(txn: Txn, record: EntityRecord, version: VersionRecord) -> dict[str, Any]:
    return {"objectId": record.id, "restrictionLevel": "OPEN", "hasUnmetAccessRequirement": False}


def _has_children(txn: Txn, record: EntityRecord, version: VersionRecord) -> bool:
    return (
        txn.db.execute("SELECT 1 FROM entities WHERE parent_id = ? LIMIT 1", (record.id,)).fetchone()
        is not None
    )


def _own_acl(txn: Txn, record: EntityRecord) -> dict[str, Any] | None:
    return acl.get_acl(txn.db, "entity", record.id, display_id=record.syn_id)


def _benefactor_acl(txn: Txn, record: EntityRecord) -> dict[str, Any] | None:
    benefactor = benefactor_id(txn.db, record.id)
    return acl.get_acl(txn.db, "entity", benefactor, display_id=f"syn{benefactor}")


def _nothing(txn: Txn, record: EntityRecord, version: VersionRecord) -> None:
    return None


#: The parts of a bundle, in answer order, with what each is without hooks.
DEFAULT_PARTS: tuple[BundlePart, ...] = (
    BundlePart("includeEntity", "entity", lambda t, r, v: entity_json(t.db, r, v)),
    BundlePart("includeAnnotations", "annotations", _annotations),
    BundlePart("includePermissions", "permissions", lambda t, r, v: permissions_json(t, t.user, r)),
    BundlePart("includeEntityPath", "path", lambda t, r, v: path_json(t.db, r.id)),
    BundlePart("includeHasChildren", "hasChildren", _has_children),
    BundlePart("includeAccessControlList", "accessControlList", lambda t, r, v: _own_acl(t, r)),
    BundlePart("includeFileHandles", "fileHandles", lambda t, r, v: []),
    BundlePart("includeTableBundle", "tableBundle", _nothing),
    BundlePart("includeRootWikiId", "rootWikiId", _nothing),
    BundlePart("includeBenefactorACL", "benefactorAcl", lambda t, r, v: _benefactor_acl(t, r)),
    BundlePart("includeDOIAssociation", "doiAssociation", _nothing),
    BundlePart("includeFileName", "fileName", _file_name),
    BundlePart("includeThreadCount", "threadCount", lambda t, r, v: 0),
    BundlePart("includeRestrictionInformation", "restrictionInformation", _restriction),
    BundlePart("includeActivity", "activity", _nothing),
)


def build_bundle(
    txn: Txn, record: EntityRecord, version: VersionRecord, flags: dict[str, Any]
) -> dict[str, Any]:
    """Assemble an EntityBundle from the parts whose flags are true."""
    parts = {part.flag: part for part in DEFAULT_PARTS}
    for part in txn.app.hooks.all(BUNDLE_PARTS):
        parts[part.flag] = part
    bundle: dict[str, Any] = {"entityType": record.entity_type}
    for part in parts.values():
        if flags.get(part.flag):
            bundle[part.key] = part.compute(txn, record, version)
    return bundle


@routes.route("POST", "/repo/v1/entity/<id>/bundle2")
@routes.route("POST", "/repo/v1/entity/<id>/version/<version>/bundle2")
def get_bundle(ctx: RequestContext, id: str, version: str | None = None) -> dict[str, Any]:
    record, found = readable_version(ctx, id, version)
    return build_bundle(ctx, record, found, ctx.json_object())


def _apply_acl(txn: Txn, record: EntityRecord, body: Any) -> None:
    if not isinstance(body, dict):
        raise BadRequest("accessControlList must be an object")
    require_access(txn, record.id, "CHANGE_PERMISSIONS")
    entries = acl.normalize_resource_access(txn.db, body.get("resourceAccess"))
    existing = acl.get_acl(txn.db, "entity", record.id)
    if existing is None:
        acl.create_acl(txn, "entity", record.id, entries, display_id=record.syn_id)
    else:
        etag = body.get("etag") or existing["etag"]
        acl.update_acl(txn, "entity", record.id, entries, etag, display_id=record.syn_id)


def _result(txn: Txn, record: EntityRecord, with_acl: bool) -> dict[str, Any]:
    record = require_entity(txn.db, record.id)
    version = get_version(txn.db, record.id, record.current_version)
    assert version is not None
    flags = {"includeEntity": True, "includeAnnotations": True, "includeAccessControlList": with_acl}
    return build_bundle(txn, record, version, flags)


@routes.route("POST", "/repo/v1/entity/bundle2/create", status=201)
def create_bundle(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if not isinstance(body.get("entity"), dict):
        raise BadRequest("EntityBundleCreate.entity is required")
    annotations = body.get("annotations")
    validated = (
        validate_annotations(annotations.get("annotations")) if isinstance(annotations, dict) else None
    )
    record = create_entity(ctx, body["entity"], generated_by=ctx.args.get("generatedBy"))
    if body.get("accessControlList") is not None:
        _apply_acl(ctx, record, body["accessControlList"])
    if validated is not None:
        replace_annotations(ctx, record, validated)
    return _result(ctx, record, body.get("accessControlList") is not None)


@routes.route("PUT", "/repo/v1/entity/<id>/bundle2")
def update_bundle(ctx: RequestContext, id: str) -> dict[str, Any]:
    ctx.require_login()
    entity_id = parse_entity_id(id)
    body = ctx.json_object()
    record = require_entity(ctx.db, entity_id)
    annotations = body.get("annotations")
    if body.get("entity") is None and annotations is None and body.get("accessControlList") is None:
        raise BadRequest("EntityBundleCreate is empty: give an entity, annotations or an accessControlList")
    if annotations is not None and not isinstance(annotations, dict):
        raise BadRequest("annotations must be an Annotations object")
    if isinstance(body.get("entity"), dict):
        record = update_entity(ctx, entity_id, body["entity"], generated_by=ctx.args.get("generatedBy"))
    elif annotations is not None and annotations.get("etag") != record.etag:
        raise stale_etag(record.syn_id)
    if body.get("accessControlList") is not None:
        _apply_acl(ctx, record, body["accessControlList"])
    if annotations is not None:
        require_access(ctx, entity_id, "UPDATE")
        replace_annotations(ctx, record, validate_annotations(annotations.get("annotations")))
    return _result(ctx, record, body.get("accessControlList") is not None)
