"""The scope of a view (REFERENCE 2.7): which entity types a view shows (``viewTypeMask``), the rules its
``scopeIds`` follow, and the entities in scope.

An EntityView lists projects or folders (their files, folders... down the tree, by mask; the project bit
alone lists projects themselves); a SubmissionView lists evaluation ids.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core.errors import BadRequest
from ...core.txn import Txn
from ..entities.service import (
    ENTITY_TYPES,
    FOLDER,
    PROJECT,
    EntityRecord,
    children_of,
    current_version,
    descendants,
    get_record,
    parse_entity_id,
)
from ..evaluations.service import evaluation_exists

PKG = "org.sagebionetworks.repo.model.table."


ENTITY_VIEW = PKG + "EntityView"


SUBMISSION_VIEW = PKG + "SubmissionView"


VIEW_TYPES = frozenset({ENTITY_VIEW, SUBMISSION_VIEW})


#: viewTypeMask bit -> EntityType name (``ENTITY_TYPES`` values).
MASK_BITS = {
    0x01: "file",
    0x02: "project",
    0x04: "table",
    0x08: "folder",
    0x10: "entityview",
    0x20: "dockerrepo",
    0x40: "submissionview",
    0x80: "dataset",
    0x100: "datasetcollection",
    0x200: "materializedview",
}


LEGACY_TYPES = {"file": 0x01, "project": 0x02, "file_and_table": 0x05}


MAX_SCOPE = 30_000


def validate_view_body(txn: Txn, body: dict[str, Any]) -> None:
    """Check ``scopeIds``/``viewTypeMask`` of an EntityView (the deprecated ``type`` sets the mask)."""
    concrete_type = body.get("concreteType") or body.get("entityType")
    scope = body.get("scopeIds") or []
    if not isinstance(scope, list):
        raise BadRequest("scopeIds must be a list of ids")
    if concrete_type == SUBMISSION_VIEW:
        for raw in scope:
            if not str(raw).isdigit() or not evaluation_exists(txn.db, int(raw)):
                raise BadRequest(f"The scope of a SubmissionView must list evaluation ids: {raw} is not one")
        body["scopeIds"] = [str(s) for s in scope]
        return
    ids = [parse_entity_id(s) for s in scope]
    if len(ids) > MAX_SCOPE:
        raise BadRequest(f"The scope of a view may hold at most {MAX_SCOPE} containers")
    body["scopeIds"] = [f"syn{i}" for i in ids]
    mask = body.get("viewTypeMask")
    legacy = body.get("type")
    if mask is None and legacy is not None:
        if legacy not in LEGACY_TYPES:
            raise BadRequest(f"Unknown view type: {legacy}")
        mask = LEGACY_TYPES[legacy]
        body["viewTypeMask"] = mask
    if mask is None:
        raise BadRequest("An EntityView needs viewTypeMask (or the deprecated type)")
    if not isinstance(mask, int) or isinstance(mask, bool) or mask <= 0 or mask & ~0x3FF:
        raise BadRequest(f"Invalid viewTypeMask: {mask}")
    if mask & 0x02 and mask != 0x02:
        raise BadRequest("The Project bit of viewTypeMask cannot be combined with any other type")
    for entity_id in ids:
        record = get_record(txn.db, entity_id)
        if record is None:
            raise BadRequest(f"Scope entity syn{entity_id} does not exist")
        if mask == 0x02 and record.concrete_type != PROJECT:
            raise BadRequest(
                f"The scope of a project view must list projects: syn{entity_id} is not a project"
            )
        if mask != 0x02 and record.concrete_type not in (PROJECT, FOLDER):
            raise BadRequest(f"The scope of a view must list projects or folders: syn{entity_id} is neither")


def scope_entities(db: sqlite3.Connection, record: EntityRecord) -> list[int]:
    version = current_version(db, record)
    if record.concrete_type != ENTITY_VIEW:
        raise BadRequest("SubmissionView rows are not supported by the local server")
    scope = [parse_entity_id(s) for s in version.fields.get("scopeIds") or []]
    mask = int(version.fields.get("viewTypeMask") or 0x01)
    if mask == 0x02:
        return [i for i in scope if (r := get_record(db, i)) is not None and r.concrete_type == PROJECT]
    containers: set[int] = set()
    for scope_id in scope:
        if get_record(db, scope_id) is None:
            continue
        containers.add(scope_id)
        for child in descendants(db, scope_id):
            child_record = get_record(db, child)
            if child_record is not None and child_record.concrete_type == FOLDER:
                containers.add(child)
    wanted = {name for bit, name in MASK_BITS.items() if mask & bit}
    types = [t for t, name in ENTITY_TYPES.items() if name in wanted]
    if not containers or not types:
        return []
    ids = children_of(db, sorted(containers), types)
    return sorted(set(ids))
