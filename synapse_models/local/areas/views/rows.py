"""Entity views (REFERENCE 2.7): scope rules, default columns, rows computed from entities and annotations,
and writes that go back to the entities' annotations.

A SubmissionView (scope = evaluation ids; the caller needs READ_PRIVATE_SUBMISSION on each) has one row per
submission (ROW_ID = submission id, ROW_VERSION = status version, ROW_ETAG = status etag) whose annotation
columns come from ``SubmissionStatus.submissionAnnotations``; it is read-only here (writes answer 400).

A query over a view materializes its rows into an in-memory SQLite table laid out like a table's row table
(``ROW_ID`` = numeric entity id, ``ROW_VERSION`` = current version, ``ROW_ETAG`` = entity etag, one column per
schema column) and runs the same SQL translation on it.  Only the entities the caller may READ are rows.
"""

from __future__ import annotations

import json
import math
import sqlite3
from typing import Any

from ...core.async_endpoints import async_endpoints
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden
from ...core.jobs import Job, JobWork
from ...core.routing import Routes
from ...core.txn import Txn, User
from ..entities.service import (
    ENTITY_TYPES,
    FOLDER,
    PROJECT,
    EntityRecord,
    ancestors,
    benefactor_id,
    can_read,
    children_of,
    current_version,
    descendants,
    entity_access,
    get_record,
    is_trashed,
    parse_entity_id,
    replace_annotations,
    validate_annotations,
)
from ..evaluations.service import evaluation_access, evaluation_exists, submissions_with_status
from ..files.service import get_file_handle
from ..tables.service import LIST_TYPES, Column, ViewKind, create_column, parse_date, to_storage

routes = Routes()

_PKG = "org.sagebionetworks.repo.model.table."
ENTITY_VIEW = _PKG + "EntityView"
SUBMISSION_VIEW = _PKG + "SubmissionView"
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

_COMMON_DEFAULTS: list[dict[str, Any]] = [
    {"name": "id", "columnType": "ENTITYID"},
    {"name": "name", "columnType": "STRING", "maximumSize": 256},
    {"name": "description", "columnType": "STRING", "maximumSize": 1000},
    {"name": "createdOn", "columnType": "DATE"},
    {"name": "createdBy", "columnType": "USERID"},
    {"name": "etag", "columnType": "STRING", "maximumSize": 36},
    {"name": "modifiedOn", "columnType": "DATE"},
    {"name": "modifiedBy", "columnType": "USERID"},
    {"name": "path", "columnType": "STRING", "maximumSize": 1000},
]
_FILE_DEFAULTS: list[dict[str, Any]] = [
    {"name": "type", "columnType": "STRING", "maximumSize": 20},
    {"name": "currentVersion", "columnType": "INTEGER"},
    {"name": "parentId", "columnType": "ENTITYID"},
    {"name": "benefactorId", "columnType": "ENTITYID"},
    {"name": "projectId", "columnType": "ENTITYID"},
    {"name": "dataFileHandleId", "columnType": "FILEHANDLEID"},
    {"name": "dataFileName", "columnType": "STRING", "maximumSize": 256},
    {"name": "dataFileSizeBytes", "columnType": "INTEGER"},
    {"name": "dataFileMD5Hex", "columnType": "STRING", "maximumSize": 100},
    {"name": "dataFileConcreteType", "columnType": "STRING", "maximumSize": 65},
    {"name": "dataFileBucket", "columnType": "STRING", "maximumSize": 100},
    {"name": "dataFileKey", "columnType": "STRING", "maximumSize": 700},
]
DEFAULT_FIELDS = frozenset(c["name"] for c in _COMMON_DEFAULTS + _FILE_DEFAULTS)
_ANNOTATION_TYPES = {
    "STRING": "STRING",
    "INTEGER": "LONG",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "DATE": "TIMESTAMP_MS",
}


# -- view entity bodies ---------------------------------------------------------------------------------


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


# -- default columns ------------------------------------------------------------------------------------


def default_columns(txn: Txn, view_entity_type: str, mask: int | None) -> list[dict[str, Any]]:
    if view_entity_type == "submissionview":
        specs = [
            c
            for c in _COMMON_DEFAULTS
            if c["name"] in ("id", "name", "createdOn", "createdBy", "etag", "modifiedOn")
        ]
        specs = [({**c, "columnType": "SUBMISSIONID"} if c["name"] == "id" else c) for c in specs]
        specs += [
            {"name": "projectId", "columnType": "ENTITYID"},
            {"name": "status", "columnType": "STRING", "maximumSize": 20},
            {"name": "evaluationid", "columnType": "EVALUATIONID"},
            {"name": "evaluationroundid", "columnType": "INTEGER"},
            {"name": "submitterid", "columnType": "USERID"},
            {"name": "submitteralias", "columnType": "STRING", "maximumSize": 256},
            {"name": "entityid", "columnType": "ENTITYID"},
            {"name": "entityversion", "columnType": "INTEGER"},
            {"name": "dockerrepositoryname", "columnType": "STRING", "maximumSize": 256},
            {"name": "dockerdigest", "columnType": "STRING", "maximumSize": 256},
        ]
    elif view_entity_type in ("entityview", "dataset", "datasetcollection"):
        specs = list(_COMMON_DEFAULTS)
        if mask is not None and mask & 0x01:
            specs += _FILE_DEFAULTS
    else:
        raise BadRequest(f"Unknown viewEntityType: {view_entity_type}")
    return [create_column(txn, spec) for spec in specs]


@routes.route("GET", "/repo/v1/column/tableview/defaults", transaction="write")
def get_defaults(ctx: RequestContext) -> dict[str, Any]:
    view_entity_type = (ctx.args.get("viewEntityType") or "entityview").lower()
    mask = ctx.arg_int("viewTypeMask")
    if view_entity_type == "entityview" and mask is None:
        raise BadRequest("viewTypeMask is required for viewEntityType=entityview")
    return {"concreteType": _PKG + "ColumnModel", "list": default_columns(ctx, view_entity_type, mask)}


@routes.route("GET", "/repo/v1/column/tableview/defaults/<view_type>", transaction="write")
def get_legacy_defaults(ctx: RequestContext, view_type: str) -> dict[str, Any]:
    if view_type not in LEGACY_TYPES:
        raise BadRequest(f"Unknown view type: {view_type} (file, project or file_and_table)")
    return {
        "concreteType": _PKG + "ColumnModel",
        "list": default_columns(ctx, "entityview", LEGACY_TYPES[view_type]),
    }


# -- rows -----------------------------------------------------------------------------------------------


def _ms(text: str | None) -> int | None:
    return None if text is None else parse_date(text)


def _scope_entities(db: sqlite3.Connection, record: EntityRecord) -> list[int]:
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


def _project_of(db: sqlite3.Connection, entity_id: int) -> int | None:
    for node in ancestors(db, entity_id):
        found = get_record(db, node)
        if found is not None and found.concrete_type == PROJECT:
            return node
    return None


def _path_of(db: sqlite3.Connection, entity_id: int) -> str:
    names = []
    for node in reversed(ancestors(db, entity_id)):
        found = get_record(db, node)
        if found is not None and found.parent_id is not None:
            names.append(found.name)
    return "/" + "/".join(names)


# default view columns that are plain fields of the entity record
_RECORD_FIELDS = {
    "id": "id",
    "name": "name",
    "description": "description",
    "createdBy": "created_by",
    "etag": "etag",
    "modifiedBy": "modified_by",
    "type": "entity_type",
    "currentVersion": "current_version",
    "parentId": "parent_id",
}


def _default_value(db: sqlite3.Connection, record: EntityRecord, fields: dict[str, Any], name: str) -> Any:
    if name in _RECORD_FIELDS:
        return getattr(record, _RECORD_FIELDS[name])
    if name == "createdOn":
        return _ms(record.created_on)
    if name == "modifiedOn":
        return _ms(record.modified_on)
    if name == "path":
        return _path_of(db, record.id)
    if name == "benefactorId":
        return benefactor_id(db, record.id)
    if name == "projectId":
        return _project_of(db, record.id)
    handle_id = fields.get("dataFileHandleId")
    if name == "dataFileHandleId":
        return None if handle_id is None else int(handle_id)
    handle = (None if handle_id is None else get_file_handle(db, str(handle_id))) or {}
    key = {
        "dataFileName": "fileName",
        "dataFileSizeBytes": "contentSize",
        "dataFileMD5Hex": "contentMd5",
        "dataFileConcreteType": "concreteType",
        "dataFileBucket": "bucketName",
        "dataFileKey": "key",
    }[name]
    return handle.get(key)


def _annotation_value(column: Column, entry: dict[str, Any] | None) -> Any:
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


def view_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> list[tuple[Any, ...]]:
    """The rows of a view for the caller: (ROW_ID, ROW_VERSION, ROW_ETAG, cells...)."""
    if record.concrete_type == SUBMISSION_VIEW:
        return _submission_rows(txn, record, columns)
    db, user = txn.db, txn.user
    rows = []
    for entity_id in _scope_entities(db, record):
        if not can_read(db, user, entity_id) or is_trashed(db, entity_id):
            continue
        entity = get_record(db, entity_id)
        if entity is None:
            continue
        version = current_version(db, entity)
        annotations = version.annotations
        cells: list[Any] = [entity.id, entity.current_version, entity.etag]
        for column in columns:
            if column.name in DEFAULT_FIELDS:
                value = _default_value(db, entity, version.fields, column.name)
                try:
                    cells.append(None if value is None else to_storage(column, value))
                except Exception:
                    cells.append(None)
            else:
                cells.append(_annotation_value(column, annotations.get(column.name)))
        rows.append(tuple(cells))
    return rows


_SUBMISSION_FIELDS = {
    "name": "name",
    "submitteralias": "submitterAlias",
    "evaluationroundid": "evaluationRoundId",
    "dockerrepositoryname": "dockerRepositoryName",
    "dockerdigest": "dockerDigest",
}


def _submission_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> list[tuple[Any, ...]]:
    rows = []
    for raw in current_version(txn.db, record).fields.get("scopeIds") or []:
        evaluation_id = int(raw)
        if "READ_PRIVATE_SUBMISSION" not in evaluation_access(txn, evaluation_id):
            raise Forbidden(
                f"READ_PRIVATE_SUBMISSION on evaluation {evaluation_id} is needed to read {record.syn_id}"
            )
        for row in submissions_with_status(txn.db, evaluation_id):
            body = row.body
            annotations = row.fields.get("submissionAnnotations") or {}
            entity_number = parse_entity_id(row.entity_id)
            defaults = {
                "id": row.id, "createdOn": _ms(row.created_on), "createdBy": row.user_id,
                "etag": row.etag, "modifiedOn": _ms(row.modified_on), "status": row.status,
                "projectId": _project_of(txn.db, entity_number), "evaluationid": evaluation_id,
                "submitterid": row.team_id or row.user_id, "entityid": entity_number,
                "entityversion": row.version_number,
            }  # fmt: skip
            cells: list[Any] = [row.id, row.status_version, row.etag]
            for column in columns:
                if column.name in defaults or column.name in _SUBMISSION_FIELDS:
                    value = defaults.get(column.name, body.get(_SUBMISSION_FIELDS.get(column.name, "")))
                    try:
                        cells.append(None if value is None else to_storage(column, value))
                    except Exception:
                        cells.append(None)
                else:
                    cells.append(_annotation_value(column, annotations.get(column.name)))
            rows.append(tuple(cells))
    return rows


# -- writes -----------------------------------------------------------------------------------------------


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
    in_scope = set(_scope_entities(txn.db, record))
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
    return {"concreteType": _PKG + "EntityUpdateResults", "updateResults": results}


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
        return {"concreteType": _PKG + "ViewColumnModelResponse", "results": columns}

    return work


async_endpoints(routes, "/repo/v1/column/view/scope/async", start_scope_columns)
jobs = {_PKG + "ViewColumnModelRequest": start_scope_columns}

#: The table-like entity types this area serves to the tables area.
VIEW_KINDS = tuple(
    ViewKind(concrete_type, validate_view_body, view_rows, apply_view_rows)
    for concrete_type in (ENTITY_VIEW, SUBMISSION_VIEW)
)
