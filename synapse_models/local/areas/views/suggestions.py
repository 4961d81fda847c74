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
from ...core.txn import User
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
from .scope import LEGACY_TYPES, MASK_BITS, PKG

routes = Routes()


def scope_annotation_columns(
    db: sqlite3.Connection, user: User, scope: list[Any], mask: int
) -> list[dict[str, Any]]:
    """Column suggestions for the annotations found in a scope (ViewColumnModelRequest)."""
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
    found: dict[str, dict[str, Any]] = {}
    type_map = {
        "STRING": "STRING",
        "LONG": "INTEGER",
        "DOUBLE": "DOUBLE",
        "BOOLEAN": "BOOLEAN",
        "TIMESTAMP_MS": "DATE",
    }
    for entity_id in sorted(ids):
        entity = get_record(db, entity_id)
        if entity is None or not can_read(db, user, entity_id):
            continue
        for key, entry in current_version(db, entity).annotations.items():
            values = entry.get("value") or []
            column_type = type_map.get(entry.get("type"), "STRING")
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

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn:
            columns = scope_annotation_columns(txn.db, txn.user, scope, int(mask))
        return {"concreteType": PKG + "ViewColumnModelResponse", "results": columns}

    return work


async_endpoints(routes, "/repo/v1/column/view/scope/async", start_scope_columns)


jobs = {PKG + "ViewColumnModelRequest": start_scope_columns}
