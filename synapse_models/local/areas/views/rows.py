"""The rows of a view (REFERENCE 2.7): computed from the entities in scope and their annotations (EntityView)
or from submissions and their statuses (SubmissionView).

A SubmissionView (scope = evaluation ids; the caller needs READ_PRIVATE_SUBMISSION on each) has one row per
submission (ROW_ID = submission id, ROW_VERSION = status version, ROW_ETAG = status etag) whose annotation
columns come from ``SubmissionStatus.submissionAnnotations``; it is read-only here (writes answer 400).

The tables area loads these rows into an in-memory SQLite table laid out like a table's row table
(``ROW_ID`` = numeric entity id, ``ROW_VERSION`` = current version, ``ROW_ETAG`` = entity etag, one column per
schema column) and runs the same SQL translation on it.  Only the entities the caller may READ are rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container
from functools import partial
from typing import Any

from ...core.errors import Forbidden
from ...core.txn import Txn
from ..entities.service import (
    EntityRecord,
    can_read,
    current_version,
    get_record,
    is_trashed,
    parse_entity_id,
)
from ..evaluations.service import evaluation_access, evaluation_exists, submissions_with_status
from ..tables.service import LIST_TYPES, Column, to_storage
from .defaults import DEFAULT_FIELDS, default_value, epoch_ms, project_of
from .scope import SUBMISSION_VIEW, scope_entities


def annotation_value(column: Column, entry: dict[str, Any] | None) -> Any:
    if not entry:
        return None
    values = entry.get("value") or []
    if not values:
        return None
    try:
        if column.type in LIST_TYPES:
            return to_storage(column, json.dumps(values))
        return to_storage(column, values[0])
    except Exception:  # a value that does not fit the column shows as null
        return None


def cells_of(
    columns: list[Column],
    default_names: Container[str],
    default: Callable[[str], Any],
    annotations: dict[str, Any],
) -> list[Any]:
    """The stored cells of one row: a default column's value, else the annotation named like the column.

    A value that does not fit its column shows as null.
    """
    cells: list[Any] = []
    for column in columns:
        if column.name in default_names:
            value = default(column.name)
            try:
                cells.append(None if value is None else to_storage(column, value))
            except Exception:
                cells.append(None)
        else:
            cells.append(annotation_value(column, annotations.get(column.name)))
    return cells


def view_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> list[tuple[Any, ...]]:
    """The rows of a view for the caller: (ROW_ID, ROW_VERSION, ROW_ETAG, cells...)."""
    if record.concrete_type == SUBMISSION_VIEW:
        return _submission_rows(txn, record, columns)
    db, user = txn.db, txn.user
    rows = []
    for entity_id in scope_entities(db, record):
        if not can_read(db, user, entity_id) or is_trashed(db, entity_id):
            continue
        entity = get_record(db, entity_id)
        if entity is None:
            continue
        version = current_version(db, entity)
        default = partial(default_value, db, entity, version.fields)
        cells = cells_of(columns, DEFAULT_FIELDS, default, version.annotations)
        rows.append((entity.id, entity.current_version, entity.etag, *cells))
    return rows


_SUBMISSION_FIELDS = {
    "name": "name",
    "submitteralias": "submitterAlias",
    "evaluationroundid": "evaluationRoundId",
    "dockerrepositoryname": "dockerRepositoryName",
    "dockerdigest": "dockerDigest",
}


def _submission_value(defaults: dict[str, Any], body: dict[str, Any], name: str) -> Any:
    return defaults.get(name, body.get(_SUBMISSION_FIELDS.get(name, "")))


def _submission_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> list[tuple[Any, ...]]:
    rows = []
    for raw in current_version(txn.db, record).fields.get("scopeIds") or []:
        evaluation_id = int(raw)
        if not evaluation_exists(txn.db, evaluation_id):
            continue  # Synapse keeps any id in the scope; one that names no evaluation adds no rows
        if "READ_PRIVATE_SUBMISSION" not in evaluation_access(txn, evaluation_id):
            raise Forbidden(
                f"READ_PRIVATE_SUBMISSION on evaluation {evaluation_id} is needed to read {record.syn_id}"
            )
        for row in submissions_with_status(txn.db, evaluation_id):
            body = row.body
            annotations = row.fields.get("submissionAnnotations") or {}
            entity_number = parse_entity_id(row.entity_id)
            defaults = {
                "id": row.id, "createdOn": epoch_ms(row.created_on), "createdBy": row.user_id,
                "etag": row.etag, "modifiedOn": epoch_ms(row.modified_on), "status": row.status,
                "projectId": project_of(txn.db, entity_number), "evaluationid": evaluation_id,
                "submitterid": row.team_id or row.user_id, "entityid": entity_number,
                "entityversion": row.version_number,
            }  # fmt: skip
            names = defaults.keys() | _SUBMISSION_FIELDS.keys()
            cells = cells_of(columns, names, partial(_submission_value, defaults, body), annotations)
            rows.append((row.id, row.status_version, row.etag, *cells))
    return rows
