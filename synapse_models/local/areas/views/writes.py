"""Writing to a view (REFERENCE 2.7): a (Partial)RowSet against an EntityView, a Dataset or a
DatasetCollection changes the annotations of the entities it names (default columns are read-only); the
answer is an EntityUpdateResults, one result per row.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ...core.errors import BadRequest
from ...core.txn import Txn
from ..entities.service import (
    EntityRecord,
    current_version,
    entity_access,
    get_record,
    is_trashed,
    replace_annotations,
    validate_annotations,
)
from ..tables.service import LIST_TYPES, Column, to_storage
from .defaults import DEFAULT_FIELDS
from .items import ITEM_TYPES, item_refs
from .scope import PKG, SUBMISSION_VIEW, scope_entities

_ANNOTATION_TYPES = {
    "STRING": "STRING",
    "INTEGER": "LONG",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "DATE": "TIMESTAMP_MS",
}


def _annotation_strings(column: Column, stored: Any) -> list[str]:
    def one(kind: str, value: Any) -> str:
        if kind == "BOOLEAN":
            return "true" if value in (True, "true") else "false"
        if kind == "ENTITYID":
            return value if isinstance(value, str) else f"syn{value}"
        if kind == "DOUBLE" and isinstance(value, float) and math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return str(value)

    if column.type in LIST_TYPES:
        return [one(column.base_type, v) for v in json.loads(stored)]
    return [one(column.type, stored)]


def _write_entity(txn: Txn, entity_id: int, etag: Any, changes: list[tuple[Column, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {"entityId": f"syn{entity_id}"}
    record = get_record(txn.db, entity_id)
    if record is None or is_trashed(txn.db, entity_id):
        return result | {"failureCode": "NOT_FOUND", "failureMessage": f"syn{entity_id} does not exist"}
    if "UPDATE" not in entity_access(txn.db, txn.user, entity_id):
        return result | {
            "failureCode": "UNAUTHORIZED",
            "failureMessage": f"No UPDATE permission on syn{entity_id}",
        }
    if etag is not None and etag != record.etag:
        return result | {
            "failureCode": "CONCURRENT_UPDATE",
            "failureMessage": f"syn{entity_id} was updated since its etag {etag} was read",
        }
    annotations = dict(current_version(txn.db, record).annotations)
    try:
        for column, raw in changes:
            if column.name in DEFAULT_FIELDS:
                continue
            stored = to_storage(column, raw)
            annotations.pop(column.name, None)
            if stored is not None:
                annotations[column.name] = {
                    "type": _ANNOTATION_TYPES.get(column.base_type, "STRING"),
                    "value": _annotation_strings(column, stored),
                }
        replace_annotations(txn, record, validate_annotations(annotations))
    except BadRequest as error:
        return result | {"failureCode": "ILLEGAL_ARGUMENT", "failureMessage": error.reason}
    return result


def apply_view_rows(
    txn: Txn, record: EntityRecord, columns: list[Column], row_set: dict[str, Any]
) -> dict[str, Any]:
    """Write a PartialRowSet or RowSet against a view to the entities' annotations (EntityUpdateResults)."""
    if record.concrete_type == SUBMISSION_VIEW:
        raise BadRequest("Writing to a SubmissionView is not supported by the local server")
    by_id = {c.id: c for c in columns}
    by_name = {c.name: c for c in columns}
    if record.concrete_type in ITEM_TYPES:
        in_scope = {entity_id for entity_id, _ in item_refs(txn.db, record)}
    else:
        in_scope = set(scope_entities(txn.db, record))
    results = []
    headers = row_set.get("headers")
    for row in row_set.get("rows") or []:
        if not isinstance(row, dict) or row.get("rowId") is None:
            raise BadRequest("Rows written to a view need a rowId (the entity id)")
        entity_id = int(row["rowId"])
        changes: list[tuple[Column, Any]] = []
        values = row.get("values")
        if headers is not None:
            for header, value in zip(headers, values or [], strict=False):
                key = header.get("id") if isinstance(header, dict) else header
                column = by_id.get(str(key)) or (
                    by_name.get(str(header.get("name"))) if isinstance(header, dict) else None
                )
                if column is None:
                    raise BadRequest(f"Column {key} is not in the schema of {record.syn_id}")
                changes.append((column, value))
        else:
            if isinstance(values, dict):
                values = [{"key": k, "value": v} for k, v in values.items()]
            for pair in values or []:
                column = by_id.get(str(pair.get("key")))
                if column is None:
                    raise BadRequest(f"Column {pair.get('key')} is not in the schema of {record.syn_id}")
                changes.append((column, pair.get("value")))
        if entity_id not in in_scope:
            results.append(
                {
                    "entityId": f"syn{entity_id}",
                    "failureCode": "NOT_FOUND",
                    "failureMessage": f"syn{entity_id} is not in the scope of {record.syn_id}",
                }
            )
            continue
        results.append(_write_entity(txn, entity_id, row.get("etag"), changes))
    return {"concreteType": PKG + "EntityUpdateResults", "updateResults": results}
