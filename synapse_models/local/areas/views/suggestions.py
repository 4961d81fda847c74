"""Column suggestions for a view scope (ViewColumnModelRequest, an asynchronous job): one ColumnModel per
annotation key found on the entities in scope that the caller may read.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core.async_endpoints import async_endpoints
from ...core.context import RequestContext
from ...core.errors import BadRequest
from ...core.jobs import Job, JobWork
from ...core.routing import Routes
from ...core.txn import Txn, User
from ..entities.service import (
    ENTITY_TYPES,
    FOLDER,
    can_read,
    children_of,
    current_version,
    descendants,
    get_record,
    parse_entity_id,
)
from ..evaluations.service import evaluation_access, evaluation_exists, submissions_with_status
from .scope import LEGACY_TYPES, MASK_BITS, PKG, SCOPE_KEY

routes = Routes()


_TYPE_MAP = {
    "STRING": "STRING",
    "LONG": "INTEGER",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP_MS": "DATE",
}


def _entity_annotations(
    db: sqlite3.Connection, user: User, scope: list[Any], mask: int
) -> list[dict[str, Any]]:
    """The annotations of the entities in an entity view's scope that ``user`` may read."""
    ids: set[int] = set()
    containers: set[int] = set()
    for raw in scope:
        scope_id = parse_entity_id(raw)
        containers.add(scope_id)
        containers.update(
            c
            for c in descendants(db, scope_id)
            if (r := get_record(db, c)) is not None and r.concrete_type == FOLDER
        )
    wanted = {name for bit, name in MASK_BITS.items() if mask & bit}
    types = [t for t, name in ENTITY_TYPES.items() if name in wanted]
    for container in containers:
        ids.update(children_of(db, [container], types))
    found = []
    for entity_id in sorted(ids):
        entity = get_record(db, entity_id)
        if entity is not None and can_read(db, user, entity_id):
            found.append(current_version(db, entity).annotations)
    return found


def _submission_annotations(txn: Txn, scope: list[Any]) -> list[dict[str, Any]]:
    """The ``submissionAnnotations`` of the submissions to the scope's evaluations the caller may read."""
    found = []
    for raw in scope:
        match = SCOPE_KEY.match(str(raw).strip())
        evaluation_id = int(match.group(1)) if match else -1
        if not evaluation_exists(txn.db, evaluation_id):
            continue
        if "READ" not in evaluation_access(txn, evaluation_id):
            continue
        for row in submissions_with_status(txn.db, evaluation_id):
            found.append(row.fields.get("submissionAnnotations") or {})
    return found


def annotation_columns(annotation_maps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ColumnModel suggestion per annotation key (a _LIST type when a key holds several values)."""
    found: dict[str, dict[str, Any]] = {}
    for annotation_map in annotation_maps:
        for key, entry in annotation_map.items():
            values = entry.get("value") or []
            column_type = _TYPE_MAP.get(entry.get("type"), "STRING")
            many = len(values) > 1
            model = found.get(key)
            if model is None:
                model = {"name": key, "columnType": column_type, "_many": many, "_len": 0}
                found[key] = model
            model["_many"] = model["_many"] or many
            model["_len"] = max(model["_len"], *(len(str(v)) for v in values), 1)
    results = []
    for key, model in found.items():
        column_type = model["columnType"]
        if model["_many"] and column_type != "DOUBLE":
            column_type += "_LIST"
        suggestion: dict[str, Any] = {"name": key, "columnType": column_type}
        if column_type in ("STRING", "STRING_LIST"):
            suggestion["maximumSize"] = min(max(model["_len"], 1), 1000)
        if column_type.endswith("_LIST"):
            suggestion["maximumListLength"] = 100
        results.append(suggestion)
    return results


def start_scope_columns(ctx: RequestContext, body: Any) -> JobWork:
    if not isinstance(body, dict) or not isinstance(body.get("viewScope"), dict):
        raise BadRequest("ViewColumnModelRequest.viewScope is required")
    scope = body["viewScope"].get("scope") or []
    if not isinstance(scope, list):
        raise BadRequest("viewScope.scope must be a list of ids")
    mask = body["viewScope"].get("viewTypeMask")
    if mask is None:
        mask = LEGACY_TYPES.get(str(body["viewScope"].get("viewType")), 0x01)
    # Synapse picks the source of the suggestions by the kind of view (entity view by default).
    submissions = body["viewScope"].get("viewEntityType") == "submissionview"

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn:
            if submissions:
                found = _submission_annotations(txn, scope)
            else:
                found = _entity_annotations(txn.db, txn.user, scope, int(mask))
        return {"concreteType": PKG + "ViewColumnModelResponse", "results": annotation_columns(found)}

    return work


async_endpoints(routes, "/repo/v1/column/view/scope/async", start_scope_columns)


jobs = {PKG + "ViewColumnModelRequest": start_scope_columns}
