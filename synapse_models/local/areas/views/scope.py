"""The scope of a view (REFERENCE 2.7): which entity types a view shows (``viewTypeMask``), the rules its
``scopeIds`` follow, and the entities in scope.

An EntityView lists projects or folders (their files, folders... down the tree, by mask; the project bit
alone lists projects themselves); a SubmissionView lists evaluation ids.
"""

from __future__ import annotations

import re
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


SCOPE_KEY = re.compile(r"^(?:syn)?(\d+)$", re.IGNORECASE)


#: Synapse's limit on the containers of a view (TableConstants.MAX_CONTAINERS_PER_VIEW).
MAX_SCOPE = 35_000


def _scope_keys(scope: Any) -> list[int]:
    """Scope ids as Synapse keeps them: numbers (``syn123`` and ``123`` alike), nothing checked to exist."""
    if not isinstance(scope, list):
        raise BadRequest("scopeIds must be a list of ids")
    keys = []
    for raw in scope:
        match = SCOPE_KEY.match(str(raw).strip())
        if match is None:
            raise BadRequest(f"{raw} is not a valid Synapse ID.")
        keys.append(int(match.group(1)))
    return list(dict.fromkeys(keys))


def _containers(db: sqlite3.Connection, ids: list[int]) -> set[int]:
    """The projects and folders of ``ids`` and every folder below them (what a file view's scope counts)."""
    containers: set[int] = set()
    for scope_id in ids:
        record = get_record(db, scope_id)
        if record is None or record.concrete_type not in (PROJECT, FOLDER):
            continue
        containers.add(scope_id)
        for child in descendants(db, scope_id):
            child_record = get_record(db, child)
            if child_record is not None and child_record.concrete_type == FOLDER:
                containers.add(child)
    return containers


def validate_view_body(txn: Txn, body: dict[str, Any]) -> None:
    """Check ``scopeIds``/``viewTypeMask`` of a view as Synapse does (the deprecated ``type`` sets the mask).

    Synapse keeps the scope as numbers and returns them as numeric strings (``"123"``); it checks only the
    size of the scope, not that its ids exist or are containers (an id that is not one adds no rows).
    """
    concrete_type = body.get("concreteType") or body.get("entityType")
    keys = _scope_keys(body.get("scopeIds") or [])
    body["scopeIds"] = [str(key) for key in keys]
    if concrete_type == SUBMISSION_VIEW:
        if len(keys) > MAX_SCOPE:
            raise BadRequest(f"The view's scope exceeds the maximum number of {MAX_SCOPE} evaluations.")
        return
    mask = body.get("viewTypeMask")
    legacy = body.get("type")
    if mask is None and legacy is not None:
        if legacy not in LEGACY_TYPES:
            raise BadRequest(f"Unknown view type: {legacy}")
        mask = LEGACY_TYPES[legacy]
        body["viewTypeMask"] = mask
    if mask is None:
        raise BadRequest("Either 'viewType' or 'viewTypeMask' must be provided")
    if not isinstance(mask, int) or isinstance(mask, bool) or mask <= 0 or mask & ~0x3FF:
        raise BadRequest(f"Invalid viewTypeMask: {mask}")
    if mask & 0x02 and mask != 0x02:
        raise BadRequest("The Project type cannot be combined with any other type.")
    if mask == 0x02:
        if len(keys) > MAX_SCOPE:
            raise BadRequest(f"The view's scope exceeds the maximum number of {MAX_SCOPE} projects.")
    elif len(_containers(txn.db, keys)) > MAX_SCOPE:
        raise BadRequest(
            f"The view's scope exceeds the maximum number of {MAX_SCOPE} projects and/or folders."
            " Note: The sub-folders of each project and folder in the scope count towards the limit."
        )


def scope_entities(db: sqlite3.Connection, record: EntityRecord) -> list[int]:
    version = current_version(db, record)
    if record.concrete_type != ENTITY_VIEW:
        raise BadRequest("SubmissionView rows are not supported by the local server")
    scope = [parse_entity_id(s) for s in version.fields.get("scopeIds") or []]
    mask = int(version.fields.get("viewTypeMask") or 0x01)
    if mask == 0x02:
        return [i for i in scope if (r := get_record(db, i)) is not None and r.concrete_type == PROJECT]
    containers = _containers(db, scope)
    wanted = {name for bit, name in MASK_BITS.items() if mask & bit}
    types = [t for t, name in ENTITY_TYPES.items() if name in wanted]
    if not containers or not types:
        return []
    ids = children_of(db, sorted(containers), types)
    return sorted(set(ids))


def check_snapshot(txn: Txn, record: EntityRecord) -> None:
    """Synapse's refusal (400) to version a view whose scope names no container (or no evaluation)."""
    scope = [parse_entity_id(s) for s in current_version(txn.db, record).fields.get("scopeIds") or []]
    if record.concrete_type == ENTITY_VIEW:
        mask = int(current_version(txn.db, record).fields.get("viewTypeMask") or 0x01)
        empty = not scope if mask == 0x02 else not _containers(txn.db, scope)
    else:
        empty = not scope
    if empty:
        raise BadRequest("You cannot create a version of a view that has no scope.")
