"""Tables (REFERENCE 2.6): column models, the transaction/append jobs, deleteRows, snapshots, queries and
CSV upload/download.  Storage and cell encodings live in ``table_store.py``, Synapse SQL in ``sql.py``,
views (rows computed from entities) in ``views.py``.

Row versions: a new row gets ``ROW_VERSION`` 1 and every change of a row adds 1.  A full-row RowSet update
must carry the row's current ``versionNumber`` (412 when the row changed since); PartialRowSet changes are
not version-checked.  A change of the rows gives the table a new etag (``RowSet.etag``).
"""

from __future__ import annotations

import base64
import csv
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import files, views
from .bundles import register_bundle_part
from .context import RequestContext, Txn, User
from .entity_store import (
    HOOKS,
    EntityRecord,
    current_version,
    get_version,
    parse_entity_id,
    require_access,
    require_entity,
    syn,
    touch,
)
from .errors import BadRequest, Forbidden, NotFound, PreconditionFailed
from .jobs import Job, JobWork, async_endpoints, register_job_type
from .routing import route
from .sql import Source, Translated, filters_condition, parse_source, translate
from .store import dumps
from .table_store import (
    Column,
    cell_text,
    create_column_model,
    ensure_row_table,
    get_column_model,
    mark_changed,
    max_rows_per_page,
    output_sql,
    physical_columns,
    resolve_columns,
    row_table,
    table_exists,
    table_state,
    to_storage,
)

REPO = "/repo/v1"
_PKG = "org.sagebionetworks.repo.model.table."
TABLE_ENTITY = _PKG + "TableEntity"
COLUMN_MODEL = _PKG + "ColumnModel"
QUERY_BUNDLE_REQUEST = _PKG + "QueryBundleRequest"
QUERY_NEXT_PAGE = _PKG + "QueryNextPageToken"
DOWNLOAD_REQUEST = _PKG + "DownloadFromTableRequest"
UPLOAD_REQUEST = _PKG + "UploadToTableRequest"
APPEND_REQUEST = _PKG + "AppendableRowSetRequest"
SCHEMA_CHANGE = _PKG + "TableSchemaChangeRequest"
TRANSACTION_REQUEST = _PKG + "TableUpdateTransactionRequest"
PARTIAL_ROW_SET = _PKG + "PartialRowSet"
ROW_SET = _PKG + "RowSet"
ALL_PARTS = 0x3FF
IN_PROGRESS = "in progress"


# -- sources ------------------------------------------------------------------------------------------


@dataclass
class TableSource:
    """What a query or a write works on: the entity, its schema and where its rows are."""

    record: EntityRecord
    columns: list[Column]
    db: sqlite3.Connection
    table_name: str
    physical: set[str] | None
    is_view: bool
    version: int | None
    etag: str | None
    last_updated: str | None


def table_record(db: sqlite3.Connection, entity_id: int) -> EntityRecord:
    """A live table-like entity (TableEntity or a view); 400 for other entities."""
    record = require_entity(db, entity_id)
    if record.concrete_type != TABLE_ENTITY and not views.is_view(record):
        raise BadRequest(f"{record.syn_id} is not a table or view")
    return record


def schema_ids(db: sqlite3.Connection, record: EntityRecord, version: int | None = None) -> list[str]:
    number = record.current_version if version is None else version
    found = get_version(db, record.id, number)
    if found is None:
        raise NotFound(f"Version {number} of {record.syn_id} does not exist")
    return [str(i) for i in found.fields.get("columnIds") or []]


def schema_of(db: sqlite3.Connection, record: EntityRecord, version: int | None = None) -> list[Column]:
    return resolve_columns(db, schema_ids(db, record, version))


def open_source(db: sqlite3.Connection, user: User, source: Source) -> TableSource:
    """Resolve ``FROM syn1[.3]`` for ``user`` (READ needed) to the rows to query."""
    record = table_record(db, source.entity_id)
    if not views.can_read_entity(db, user, record.id):
        raise Forbidden(f"You do not have READ permission for the requested entity, {record.syn_id}.")
    version = source.version
    if version == record.current_version:
        version = None
    columns = schema_of(db, record, version)
    state = table_state(db, record.id)
    if version is not None:
        snapshot = row_table(record.id, version)
        if get_version(db, record.id, version) is None or not table_exists(db, snapshot):
            raise NotFound(f"Snapshot version {version} of {record.syn_id} does not exist")
        return TableSource(
            record,
            columns,
            db,
            snapshot,
            physical_columns(db, snapshot),
            views.is_view(record),
            version,
            state["etag"],
            state["last_updated"],
        )
    if views.is_view(record):
        memory, name = views.materialize(db, user, record, columns)
        return TableSource(
            record, columns, memory, name, None, True, None, views.view_etag(db, record), record.modified_on
        )
    name = row_table(record.id)
    present = physical_columns(db, name)
    if not present:
        name = "__empty__"
        present = set()
    return TableSource(
        record,
        columns,
        db,
        name,
        present,
        False,
        None,
        state["etag"],
        state["last_updated"] or record.modified_on,
    )


@contextmanager
def opened(db: sqlite3.Connection, user: User, source: Source) -> Iterator[TableSource]:
    """:func:`open_source` that closes a view's in-memory database afterwards."""
    table = open_source(db, user, source)
    try:
        yield table
    finally:
        if table.db is not db:
            table.db.close()


def _empty_guard(source: TableSource, sql: str) -> str:
    """A query over a table that has no row table yet reads an empty inline table."""
    if source.table_name != "__empty__":
        return sql
    cols = ", ".join(f'NULL AS "{c.sql_name}"' for c in source.columns)
    empty = f"(SELECT NULL AS ROW_ID, NULL AS ROW_VERSION{', ' if cols else ''}{cols} WHERE 0)"
    return sql.replace('"__empty__"', empty)


# -- column models ------------------------------------------------------------------------------------


def _next_column_id(txn: Txn) -> Callable[[], int]:
    return lambda: txn.next_id("columnModel", start=100001)


@route("POST", REPO + "/column", status=201)
def post_column(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    return create_column_model(ctx.db, ctx.json_object(), _next_column_id(ctx))


@route("POST", REPO + "/column/batch", status=201)
def post_column_batch(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    items = body.get("list")
    if not isinstance(items, list):
        raise BadRequest("The body must be a ListWrapper with a list of ColumnModels")
    return {
        "concreteType": COLUMN_MODEL,
        "list": [create_column_model(ctx.db, i, _next_column_id(ctx)) for i in items],
    }


@route("GET", REPO + "/column/<column_id>")
def get_column(ctx: RequestContext, column_id: str) -> dict[str, Any]:
    return get_column_model(ctx.db, column_id)


@route("GET", REPO + "/column")
def list_columns(ctx: RequestContext) -> dict[str, Any]:
    prefix = ctx.args.get("prefix") or ""
    offset = ctx.arg_int("offset", 0) or 0
    limit = ctx.arg_int("limit", 10)
    limit = 10 if limit is None else limit
    if offset < 0 or limit < 0:
        raise BadRequest("offset and limit must be zero or greater")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    total = ctx.db.execute(
        "SELECT COUNT(*) FROM column_models WHERE name LIKE ? ESCAPE '\\'", (escaped + "%",)
    ).fetchone()[0]
    rows = ctx.db.execute(
        "SELECT body FROM column_models WHERE name LIKE ? ESCAPE '\\' ORDER BY name, id LIMIT ? OFFSET ?",
        (escaped + "%", limit, offset),
    ).fetchall()
    return {"totalNumberOfResults": int(total), "results": [json.loads(r[0]) for r in rows]}


@route("GET", REPO + "/entity/<id>/column")
def entity_columns(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = table_record(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "READ")
    models = [c.body for c in schema_of(ctx.db, record)]
    return {"totalNumberOfResults": len(models), "results": models}


# -- entity hooks -------------------------------------------------------------------------------------


def _validate_table_entity(txn: Txn, body: dict[str, Any], old: EntityRecord | None) -> None:
    concrete_type = body.get("concreteType") or body.get("entityType") or (old.concrete_type if old else None)
    if concrete_type != TABLE_ENTITY and concrete_type not in views.VIEW_TYPES:
        return
    raw_ids = body.get("columnIds")
    if raw_ids is not None and not isinstance(raw_ids, list):
        raise BadRequest("columnIds must be a list of column model ids")
    column_ids = [str(i) for i in raw_ids or []]
    if raw_ids is not None:
        body["columnIds"] = column_ids
    columns = resolve_columns(txn.db, column_ids)
    if concrete_type in views.VIEW_TYPES:
        views.validate_view_body(txn, body)
    elif old is not None and old.concrete_type == TABLE_ENTITY:
        ensure_row_table(txn.db, old.id, columns)


def _purge_tables(txn: Txn, entity_ids: list[int]) -> None:
    from .table_store import drop_tables

    for entity_id in entity_ids:
        drop_tables(txn.db, entity_id)


HOOKS.validators.append(_validate_table_entity)
HOOKS.purge.append(_purge_tables)


# -- writes -------------------------------------------------------------------------------------------


def _set_schema(txn: Txn, record: EntityRecord, column_ids: list[str]) -> None:
    version = current_version(txn.db, record)
    fields = dict(version.fields)
    fields["columnIds"] = column_ids
    txn.db.execute(
        "UPDATE entity_versions SET fields = ?, modified_on = ?, modified_by = ?"
        " WHERE entity_id = ? AND version = ?",
        (dumps(fields), txn.now(), txn.user_id, record.id, version.number),
    )
    touch(txn, record)


def _output_expr(column: Column) -> str:
    return output_sql(column.type, f'"{column.sql_name}"')


def apply_schema_change(txn: Txn, record: EntityRecord, change: dict[str, Any]) -> dict[str, Any]:
    """TableSchemaChangeRequest: add/remove/replace columns (converting data) and reorder."""
    current = schema_ids(txn.db, record)
    is_table = record.concrete_type == TABLE_ENTITY
    if is_table:
        ensure_row_table(txn.db, record.id, resolve_columns(txn.db, current))
    result = list(current)
    name = row_table(record.id)
    for item in change.get("changes") or []:
        if not isinstance(item, dict):
            raise BadRequest("ColumnChange items must be objects")
        old_id = None if item.get("oldColumnId") is None else str(item["oldColumnId"])
        new_id = None if item.get("newColumnId") is None else str(item["newColumnId"])
        if old_id is not None and old_id not in result:
            raise BadRequest(f"Column {old_id} is not in the schema of {record.syn_id}")
        if new_id is not None:
            new_column = resolve_columns(txn.db, [new_id])[0]
            if new_id in result and new_id != old_id:
                if old_id is None:
                    continue  # adding a column the schema already has changes nothing
                raise BadRequest(f"Column {new_id} is already in the schema of {record.syn_id}")
        if old_id is None and new_id is not None:
            result.append(new_id)
            if is_table:
                txn.db.execute(
                    f'ALTER TABLE "{name}" ADD COLUMN "{new_column.sql_name}" {new_column.affinity}'
                )
        elif new_id is None and old_id is not None:
            result.remove(old_id)
            if is_table:
                txn.db.execute(f'ALTER TABLE "{name}" DROP COLUMN "c{old_id}"')
        elif old_id is not None and new_id is not None and old_id != new_id:
            result[result.index(old_id)] = new_id
            if is_table:
                old_column = resolve_columns(txn.db, [old_id])[0]
                _convert_column(txn.db, name, old_column, new_column)
    ordered = change.get("orderedColumnIds")
    if ordered is not None:
        ordered = [str(i) for i in ordered]
        if sorted(ordered) != sorted(result):
            raise BadRequest("orderedColumnIds must list exactly the columns of the new schema")
        result = ordered
    columns = resolve_columns(txn.db, result)
    _set_schema(txn, record, result)
    if is_table:
        mark_changed(txn.db, record.id, txn.new_etag(), txn.now())
    return {"concreteType": _PKG + "TableSchemaChangeResponse", "schema": [c.body for c in columns]}


def _convert_column(db: sqlite3.Connection, table: str, old: Column, new: Column) -> None:
    """Replace column ``old`` by ``new``, converting every value (400 naming the first bad value)."""
    same = old.type == new.type and new.enum_values is None and (new.max_size or 0) >= (old.max_size or 0)
    same = same and (new.max_list_length or 0) >= (old.max_list_length or 0)
    if same:
        db.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{old.sql_name}" TO "{new.sql_name}"')
        return
    db.execute(f'ALTER TABLE "{table}" ADD COLUMN "{new.sql_name}" {new.affinity}')
    rows = db.execute(f'SELECT ROW_ID, {_output_expr(old)} FROM "{table}" WHERE "{old.sql_name}" IS NOT NULL')
    updates = []
    for row_id, value in rows:
        text = cell_text(value)
        if old.type == "DATE" and new.type in ("STRING", "LINK", "MEDIUMTEXT", "LARGETEXT"):
            text = str(value)
        updates.append((_convert_value(new, text), row_id))
    db.executemany(f'UPDATE "{table}" SET "{new.sql_name}" = ? WHERE ROW_ID = ?', updates)
    db.execute(f'ALTER TABLE "{table}" DROP COLUMN "{old.sql_name}"')


def _convert_value(new: Column, text: str | None) -> Any:
    if (
        text is not None
        and new.type in ("INTEGER", "DATE")
        and text.replace(".", "", 1).lstrip("-").isdigit()
    ):
        number = float(text)
        if number.is_integer():
            text = str(int(number))
    if text is not None and new.type.endswith("_LIST") and not text.startswith("["):
        text = json.dumps([text])
    return to_storage(new, text)


def _table_columns(txn: Txn, record: EntityRecord) -> tuple[list[Column], str]:
    columns = schema_of(txn.db, record)
    return columns, ensure_row_table(txn.db, record.id, columns)


class _RowWriter:
    """Applies inserts/updates/deletes to one table inside the job's write transaction."""

    def __init__(self, txn: Txn, record: EntityRecord) -> None:
        self.txn = txn
        self.record = record
        self.columns, self.table = _table_columns(txn, record)
        self.by_id = {c.id: c for c in self.columns}
        self.by_name = {c.name: c for c in self.columns}
        self.next_row_id = table_state(txn.db, record.id)["next_row_id"]
        self.changed = False

    def column_for(self, key: Any) -> Column:
        column = self.by_id.get(str(key))
        if column is None:
            raise BadRequest(f"Column {key} is not in the schema of {self.record.syn_id}")
        return column

    def current_version(self, row_id: int) -> int:
        found = self.txn.db.execute(
            f'SELECT ROW_VERSION FROM "{self.table}" WHERE ROW_ID = ?', (row_id,)
        ).fetchone()
        if found is None:
            raise BadRequest(f"Row id {row_id} does not exist in {self.record.syn_id}")
        return int(found[0])

    def insert(self, values: dict[str, Any]) -> tuple[int, int]:
        row_id = self.next_row_id
        self.next_row_id += 1
        names = ["ROW_ID", "ROW_VERSION"] + [c.sql_name for c in self.columns]
        cells = [row_id, 1]
        for column in self.columns:
            value = values.get(column.id)
            cells.append(column.default if value is None else value)
        marks = ", ".join("?" * len(names))
        quoted = ", ".join(f'"{n}"' for n in names)
        self.txn.db.execute(f'INSERT INTO "{self.table}" ({quoted}) VALUES ({marks})', cells)
        self.changed = True
        return row_id, 1

    def update(self, row_id: int, values: dict[str, Any]) -> tuple[int, int]:
        version = self.current_version(row_id)
        if not values:
            return row_id, version
        sets = ", ".join(f'"{self.by_id[k].sql_name}" = ?' for k in values)
        self.txn.db.execute(
            f'UPDATE "{self.table}" SET {sets}, ROW_VERSION = ROW_VERSION + 1 WHERE ROW_ID = ?',
            [*values.values(), row_id],
        )
        self.changed = True
        return row_id, version + 1

    def delete(self, row_id: int) -> tuple[int, int]:
        version = self.current_version(row_id)
        self.txn.db.execute(f'DELETE FROM "{self.table}" WHERE ROW_ID = ?', (row_id,))
        self.changed = True
        return row_id, version + 1

    def finish(self) -> str:
        state = table_state(self.txn.db, self.record.id)
        etag = state["etag"] or self.txn.new_etag()
        if self.changed:
            etag = self.txn.new_etag()
            mark_changed(self.txn.db, self.record.id, etag, self.txn.now(), self.next_row_id)
        return str(etag)


def _row_id_of(raw: Any) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid rowId: {raw}") from exc


def apply_partial_rows(txn: Txn, record: EntityRecord, row_set: dict[str, Any]) -> dict[str, Any]:
    """PartialRowSet: insert (no rowId), update listed cells, delete (values null)."""
    writer = _RowWriter(txn, record)
    refs = []
    for row in row_set.get("rows") or []:
        if not isinstance(row, dict):
            raise BadRequest("PartialRow items must be objects")
        row_id = _row_id_of(row.get("rowId"))
        raw_values = row.get("values")
        values: dict[str, Any] = {}
        if isinstance(raw_values, dict):
            raw_values = [{"key": k, "value": v} for k, v in raw_values.items()]
        for pair in raw_values or []:
            if not isinstance(pair, dict) or "key" not in pair:
                raise BadRequest("PartialRow.values must be a list of {key, value} objects")
            column = writer.column_for(pair["key"])
            values[column.id] = to_storage(column, pair.get("value"))
        if row_id is None:
            refs.append(writer.insert(values))
        elif raw_values is None:
            refs.append(writer.delete(row_id))
        else:
            refs.append(writer.update(row_id, values))
    return _row_refs(record, writer, refs)


def _rowset_columns(writer: _RowWriter, headers: Any) -> list[Column]:
    if not isinstance(headers, list) or not headers:
        raise BadRequest("RowSet.headers is required")
    columns = []
    for header in headers:
        key = header.get("id") if isinstance(header, dict) else header
        if key is None and isinstance(header, dict) and header.get("name") in writer.by_name:
            columns.append(writer.by_name[header["name"]])
            continue
        columns.append(writer.column_for(key))
    return columns


def apply_row_set(txn: Txn, record: EntityRecord, row_set: dict[str, Any]) -> dict[str, Any]:
    """RowSet (full rows): insert, update (versionNumber checked, 412 when stale), delete (values [])."""
    writer = _RowWriter(txn, record)
    columns = _rowset_columns(writer, row_set.get("headers"))
    refs = []
    for row in row_set.get("rows") or []:
        if not isinstance(row, dict):
            raise BadRequest("Row items must be objects")
        row_id = _row_id_of(row.get("rowId"))
        raw = row.get("values")
        if row_id is not None and not raw:
            refs.append(writer.delete(row_id))
            continue
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise BadRequest(f"Each row must have {len(columns)} values, one per header")
        values = {c.id: to_storage(c, v) for c, v in zip(columns, raw, strict=True)}
        if row_id is None:
            refs.append(writer.insert(values))
            continue
        if row.get("versionNumber") is None:
            raise BadRequest(f"Row {row_id}: versionNumber is required to update a row")
        current = writer.current_version(row_id)
        if int(row["versionNumber"]) < current:
            raise PreconditionFailed(
                f"Row id: {row_id} has been changed since last read.  Please get the latest value for this"
                " row"
                " and then attempt to update it again."
            )
        refs.append(writer.update(row_id, values))
    return _row_refs(record, writer, refs)


def _row_refs(record: EntityRecord, writer: _RowWriter, refs: list[tuple[int, int]]) -> dict[str, Any]:
    etag = writer.finish()
    headers = [{"name": c.name, "columnType": c.type, "id": c.id} for c in writer.columns]
    return {
        "concreteType": _PKG + "RowReferenceSetResults",
        "rowReferenceSet": {
            "tableId": record.syn_id,
            "etag": etag,
            "headers": headers,
            "rows": [{"rowId": r, "versionNumber": v} for r, v in refs],
        },
    }


def apply_appendable(txn: Txn, record: EntityRecord, request: dict[str, Any]) -> dict[str, Any]:
    to_append = request.get("toAppend")
    if not isinstance(to_append, dict):
        raise BadRequest("AppendableRowSetRequest.toAppend is required")
    kind = to_append.get("concreteType")
    if views.is_view(record):
        return views.apply_view_rows(txn, record, schema_of(txn.db, record), to_append)
    if kind == PARTIAL_ROW_SET:
        return apply_partial_rows(txn, record, to_append)
    if kind == ROW_SET or (kind is None and "headers" in to_append):
        return apply_row_set(txn, record, to_append)
    raise BadRequest(f"Unsupported AppendableRowSet type: {kind}")


# -- CSV upload -----------------------------------------------------------------------------------------


def _csv_dialect(descriptor: Any) -> dict[str, Any]:
    descriptor = descriptor if isinstance(descriptor, dict) else {}
    separator = descriptor.get("separator") or ","
    quote = descriptor.get("quoteCharacter") or '"'
    escape = descriptor.get("escapeCharacter") or "\\"
    options: dict[str, Any] = {
        "delimiter": separator,
        "quotechar": quote,
        "escapechar": escape,
        "doublequote": True,
    }
    for key, value in (("delimiter", separator), ("quotechar", quote), ("escapechar", escape)):
        if len(value) != 1:
            raise BadRequest(f"csvTableDescriptor: {key} must be a single character, got {value!r}")
    return options


def _python_condition(column: Column) -> str:
    """WHERE condition selecting stored values that need Python conversion or are invalid."""
    n = f'"{column.sql_name}"'
    if column.affinity == "INTEGER":
        return f"typeof({n}) NOT IN ('integer', 'null')"
    if column.type == "DOUBLE":
        return f"(typeof({n}) = 'text' AND {n} <> 'NaN')"
    if column.type == "BOOLEAN":
        return f"{n} NOT IN ('true', 'false')"
    if column.type in ("STRING", "LINK", "MEDIUMTEXT", "LARGETEXT"):
        from .table_store import TEXT_LIMITS

        condition = f"length({n}) > {TEXT_LIMITS.get(column.type) or column.max_size or 50}"
        if column.enum_values:
            values = ", ".join(_sql_literal(v) for v in column.enum_values)
            condition += f" OR {n} NOT IN ({values})"
        return f"({condition})"
    return f"{n} IS NOT NULL"


def _needs_python(column: Column, value: Any) -> bool:
    """Python twin of :func:`_python_condition` for one non-empty stored value."""
    if column.affinity == "INTEGER":
        return not isinstance(value, int)
    if column.type == "DOUBLE":
        return isinstance(value, str) and value != "NaN"
    if column.type == "BOOLEAN":
        return value not in ("true", "false")
    if column.type in ("STRING", "LINK", "MEDIUMTEXT", "LARGETEXT"):
        return True  # selected by length/enum: to_storage raises the 400
    return True


def _normalize_rows(
    db: sqlite3.Connection, table: str, where: str, key: str, present: list[Column], *, defaults: bool
) -> None:
    """Turn raw CSV strings stored with column affinity into the stored forms (400 naming a bad value).

    One scan finds the rows holding an empty string or a value SQLite could not convert; Python converts
    (or rejects) those cells only.
    """
    if not present:
        return
    names = ", ".join(f'"{c.sql_name}"' for c in present)
    conditions = " OR ".join(f"(\"{c.sql_name}\" = '' OR {_python_condition(c)})" for c in present)
    fixes: list[list[tuple[Any, Any]]] = [[] for _ in present]
    for row in db.execute(f'SELECT {key}, {names} FROM "{table}" WHERE {where} AND ({conditions})'):
        for index, column in enumerate(present):
            value = row[index + 1]
            if value == "":
                fixes[index].append((None, row[0]))
            elif value is not None and _needs_python(column, value):
                fixes[index].append((to_storage(column, value), row[0]))
    for column, column_fixes in zip(present, fixes, strict=True):
        n = f'"{column.sql_name}"'
        if column_fixes:
            db.executemany(f'UPDATE "{table}" SET {n} = ? WHERE {key} = ?', column_fixes)
        if defaults and column.default is not None:
            db.execute(f'UPDATE "{table}" SET {n} = ? WHERE {where} AND {n} IS NULL', (column.default,))


def upload_csv(txn: Txn, record: EntityRecord, request: dict[str, Any]) -> dict[str, Any]:
    """UploadToTableRequest: load a CSV file handle into the table (ROW_ID/ROW_VERSION columns = updates)."""
    if views.is_view(record):
        raise BadRequest("CSV upload to a view is not supported by the local server")
    handle_id = request.get("uploadFileHandleId")
    if handle_id is None:
        raise BadRequest("UploadToTableRequest.uploadFileHandleId is required")
    handle = files.get_file_handle(txn.db, str(handle_id))
    if handle is None:
        raise NotFound(f"FileHandle {handle_id} does not exist")
    if str(handle.get("createdBy")) != str(txn.user_id) and not txn.is_admin:
        raise Forbidden(f"Only the creator of file handle {handle_id} may upload it to a table")
    path = files.file_handle_path(txn.store, str(handle_id))
    options = _csv_dialect(request.get("csvTableDescriptor"))
    descriptor = request.get("csvTableDescriptor") or {}
    has_header = descriptor.get("isFirstLineHeader", True) is not False
    skip = int(request.get("linesToSkip") or 0)
    columns, table = _table_columns(txn, record)
    by_name = {c.name: c for c in columns}
    db = txn.db
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream, **options)
        for _ in range(skip):
            next(reader, None)
        if has_header:
            header = next(reader, None) or []
        else:
            ids = request.get("columnIds") or [c.id for c in columns]
            by_id = {c.id: c for c in columns}
            header = [by_id[str(i)].name if str(i) in by_id else str(i) for i in ids]
        mapping: list[Column | str] = []
        for name in header:
            if name in ("ROW_ID", "ROW_VERSION", "ROW_ETAG"):
                mapping.append(name)
            elif name in by_name:
                mapping.append(by_name[name])
            else:
                raise BadRequest(f"The CSV column '{name}' does not match any column of {record.syn_id}")
        width = len(mapping)

        db.execute("PRAGMA cache_size = -131072")
        try:
            if "ROW_ID" not in mapping:
                return _append_csv(txn, record, table, columns, mapping, reader, width)
            return _update_csv(txn, record, table, columns, mapping, reader, width)
        finally:
            db.execute("PRAGMA cache_size = -2000")


def _csv_width_error(reader: Any, width: int) -> BadRequest:
    line = getattr(reader, "line_num", "?")
    return BadRequest(f"Invalid CSV: line {line} does not have {width} values like the header")


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _append_csv(
    txn: Txn,
    record: EntityRecord,
    table: str,
    columns: list[Column],
    mapping: list[Any],
    reader: Iterator[list[str]],
    width: int,
) -> dict[str, Any]:
    """Insert-only CSV: converted straight into the row table with one ``executemany``."""
    db = txn.db
    state = table_state(db, record.id)
    first = state["next_row_id"]
    top = db.execute(f'SELECT MAX(ROW_ID) FROM "{table}"').fetchone()[0]
    placeholder = first - 1 if first - 1 > (top or 0) else None
    if placeholder is not None:  # keeps ROW_IDs of deleted rows from being reused by auto-assignment
        db.execute(f'INSERT INTO "{table}" (ROW_ID, ROW_VERSION) VALUES (?, 0)', (placeholder,))
    positions = {m.id: i for i, m in enumerate(mapping) if isinstance(m, Column)}
    names, exprs = ["ROW_VERSION"], ["1"]
    for column in columns:
        names.append(column.sql_name)
        exprs.append(
            f"?{positions[column.id] + 1}" if column.id in positions else _sql_literal(column.default)
        )
    for index, item in enumerate(mapping):
        if not isinstance(item, Column):
            exprs[0] = f"(1 + 0 * length(?{index + 1}))"  # binds the ignored ROW_VERSION/ROW_ETAG values
    quoted = ", ".join(f'"{n}"' for n in names)
    try:
        db.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(exprs)})', reader)
    except sqlite3.ProgrammingError as exc:
        raise _csv_width_error(reader, width) from exc
    if placeholder is not None:
        db.execute(f'DELETE FROM "{table}" WHERE ROW_ID = ?', (placeholder,))
    last = db.execute(f'SELECT MAX(ROW_ID) FROM "{table}"').fetchone()[0]
    total = 0 if last is None or last < first else last - first + 1
    present = [c for c in columns if c.id in positions]
    _normalize_rows(db, table, f"ROW_ID >= {int(first)}", "ROW_ID", present, defaults=True)
    etag = txn.new_etag()
    mark_changed(db, record.id, etag, txn.now(), first + total)
    return {"concreteType": _PKG + "UploadToTableResult", "rowsProcessed": int(total), "etag": etag}


def _update_csv(
    txn: Txn,
    record: EntityRecord,
    table: str,
    columns: list[Column],
    mapping: list[Any],
    reader: Iterator[list[str]],
    width: int,
) -> dict[str, Any]:
    """CSV with a ROW_ID column: rows with an id update those rows, the others are appended."""
    db = txn.db
    stage_cols = ", ".join(f"s{i}" for i in range(width))
    db.execute("DROP TABLE IF EXISTS temp.csv_stage")
    db.execute(f"CREATE TEMP TABLE csv_stage ({stage_cols})")
    marks = ", ".join("?" * width)
    try:
        db.executemany(f"INSERT INTO csv_stage VALUES ({marks})", reader)
    except sqlite3.ProgrammingError as exc:
        raise _csv_width_error(reader, width) from exc
    present = [(i, m) for i, m in enumerate(mapping) if isinstance(m, Column)]
    row_index = mapping.index("ROW_ID")
    conv_defs = ", ".join(f'"{c.sql_name}" {c.affinity}' for _, c in present)
    db.execute("DROP TABLE IF EXISTS temp.csv_conv")
    db.execute(
        "CREATE TEMP TABLE csv_conv (seq INTEGER PRIMARY KEY, rid INTEGER"
        f"{', ' if conv_defs else ''}{conv_defs})"
    )
    selects = ", ".join(f"s{i}" for i, _ in present)
    db.execute(
        f"INSERT INTO csv_conv SELECT rowid, NULLIF(s{row_index}, ''){', ' if selects else ''}{selects}"
        " FROM csv_stage ORDER BY rowid"
    )
    db.execute("DROP TABLE temp.csv_stage")
    try:
        _normalize_rows(db, "csv_conv", "1", "seq", [c for _, c in present], defaults=False)
        total = db.execute("SELECT COUNT(*) FROM csv_conv").fetchone()[0]
        next_row_id = table_state(db, record.id)["next_row_id"]
        missing = db.execute(
            "SELECT rid FROM csv_conv WHERE rid IS NOT NULL"
            f' AND rid NOT IN (SELECT ROW_ID FROM "{table}") LIMIT 1'
        ).fetchone()
        if missing is not None:
            raise BadRequest(f"Row id {missing[0]} does not exist in {record.syn_id}")
        present_ids = {c.id for _, c in present}
        names = ["ROW_ID", "ROW_VERSION"] + [c.sql_name for c in columns]
        values = [f"{next_row_id - 1} + ROW_NUMBER() OVER (ORDER BY seq)", "1"]
        for column in columns:
            if column.id in present_ids:
                expr = f'"{column.sql_name}"'
                values.append(
                    expr if column.default is None else f"COALESCE({expr}, {_sql_literal(column.default)})"
                )
            else:
                values.append(_sql_literal(column.default))
        quoted = ", ".join(f'"{n}"' for n in names)
        inserted = db.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {", ".join(values)}'
            " FROM csv_conv WHERE rid IS NULL ORDER BY seq"
        ).rowcount
        empty = " AND ".join(f'"{c.sql_name}" IS NULL' for _, c in present) or "1"
        conv_empty = " AND ".join(f'csv_conv."{c.sql_name}" IS NULL' for _, c in present) or "1"
        db.execute(  # a row that names a ROW_ID but carries no value is a delete (REFERENCE 2.6)
            f'DELETE FROM "{table}" WHERE ROW_ID IN'
            f" (SELECT rid FROM csv_conv WHERE rid IS NOT NULL AND {empty})"
        )
        if present:
            sets = ", ".join(f'"{c.sql_name}" = csv_conv."{c.sql_name}"' for _, c in present)
            db.execute(
                f'UPDATE "{table}" SET {sets}, ROW_VERSION = "{table}".ROW_VERSION + 1 FROM csv_conv'
                f' WHERE csv_conv.rid = "{table}".ROW_ID AND NOT ({conv_empty})'
            )
    finally:
        db.execute("DROP TABLE IF EXISTS temp.csv_conv")
    etag = txn.new_etag()
    mark_changed(db, record.id, etag, txn.now(), next_row_id + max(inserted, 0))
    return {"concreteType": _PKG + "UploadToTableResult", "rowsProcessed": int(total), "etag": etag}


# -- transactions -------------------------------------------------------------------------------------


def _check_writable(ctx: Txn, entity_id: int) -> EntityRecord:
    ctx.require_login()
    record = table_record(ctx.db, entity_id)
    require_access(ctx, record.id, "UPDATE")
    return record


def _snapshot(txn: Txn, record: EntityRecord, options: dict[str, Any] | None) -> int:
    """Freeze the current version (rows copied to ``tbl_<id>_v<n>``) and start a new in-progress version."""
    options = options or {}
    version = current_version(txn.db, record)
    number = version.number
    frozen = row_table(record.id, number)
    if views.is_view(record):
        columns = schema_of(txn.db, record)
        views.snapshot_into(txn, record, columns, frozen)
    else:
        columns, live = _table_columns(txn, record)
        txn.db.execute(f'DROP TABLE IF EXISTS "{frozen}"')
        txn.db.execute(f'CREATE TABLE "{frozen}" AS SELECT * FROM "{live}"')
    label = options.get("snapshotLabel") or str(number)
    txn.db.execute(
        "UPDATE entity_versions SET label = ?, comment = ?, activity_id = COALESCE(?, activity_id)"
        " WHERE entity_id = ? AND version = ?",
        (label, options.get("snapshotComment"), options.get("snapshotActivityId"), record.id, number),
    )
    new_number = record.max_version + 1
    txn.db.execute(
        "INSERT INTO entity_versions(entity_id, version, label, comment, fields, annotations, activity_id,"
        " file_handle_id, modified_on, modified_by) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
        (
            record.id,
            new_number,
            IN_PROGRESS,
            IN_PROGRESS,
            dumps(version.fields),
            dumps(version.annotations),
            txn.now(),
            txn.user_id,
        ),
    )
    txn.db.execute(
        "UPDATE entities SET current_version = ?, max_version = ? WHERE id = ?",
        (new_number, new_number, record.id),
    )
    record.current_version = record.max_version = new_number
    touch(txn, record)
    return number


def start_transaction(ctx: RequestContext, body: Any, id: str) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a TableUpdateTransactionRequest")
    entity_id = parse_entity_id(id)
    if body.get("entityId") is not None and parse_entity_id(body["entityId"]) != entity_id:
        raise BadRequest("entityId in the body does not match the path")
    record = _check_writable(ctx, entity_id)
    changes = body.get("changes") or []
    if not isinstance(changes, list):
        raise BadRequest("changes must be a list")
    for change in changes:
        kind = change.get("concreteType") if isinstance(change, dict) else None
        if kind not in (SCHEMA_CHANGE, APPEND_REQUEST, UPLOAD_REQUEST):
            raise BadRequest(f"Unsupported TableUpdateRequest type: {kind}")
    snapshot = bool(body.get("createSnapshot"))
    if snapshot and views.is_view(record) and changes:
        raise BadRequest("A view snapshot transaction cannot contain other changes")

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            current = table_record(txn.db, record.id)
            results = []
            for change in changes:
                kind = change["concreteType"]
                if kind == SCHEMA_CHANGE:
                    results.append(apply_schema_change(txn, current, change))
                elif kind == APPEND_REQUEST:
                    results.append(apply_appendable(txn, current, change))
                else:
                    results.append(upload_csv(txn, current, change))
                current = table_record(txn.db, record.id)
            response: dict[str, Any] = {
                "concreteType": _PKG + "TableUpdateTransactionResponse",
                "results": results,
            }
            if snapshot:
                response["snapshotVersionNumber"] = _snapshot(txn, current, body.get("snapshotOptions"))
            return response

    return work


def start_append(ctx: RequestContext, body: Any, id: str) -> JobWork:
    record = _check_writable(ctx, parse_entity_id(id))
    if not isinstance(body, dict):
        raise BadRequest("The request body must be an AppendableRowSetRequest")

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            return apply_appendable(txn, table_record(txn.db, record.id), body)

    return work


def start_upload(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be an UploadToTableRequest")
    raw = id if id is not None else body.get("tableId") or body.get("entityId")
    record = _check_writable(ctx, parse_entity_id(raw))

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            return upload_csv(txn, table_record(txn.db, record.id), body)

    return work


async_endpoints(REPO + "/entity/<id>/table/transaction/async", start_transaction)
async_endpoints(REPO + "/entity/<id>/table/append/async", start_append)
async_endpoints(REPO + "/entity/<id>/table/upload/csv/async", start_upload)


@route("POST", REPO + "/entity/<id>/table/deleteRows", status=201)
def delete_rows(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = _check_writable(ctx, parse_entity_id(id))
    if views.is_view(record):
        raise BadRequest("Rows of a view cannot be deleted; delete the entities instead")
    body = ctx.json_object()
    row_ids = body.get("rowIds")
    if not isinstance(row_ids, list):
        raise BadRequest("RowSelection.rowIds is required")
    writer = _RowWriter(ctx, record)
    refs = [writer.delete(int(row_id)) for row_id in row_ids]
    result = _row_refs(record, writer, refs)["rowReferenceSet"]
    return dict(result)


@route("POST", REPO + "/entity/<id>/table/snapshot", status=201)
def post_snapshot(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = _check_writable(ctx, parse_entity_id(id))
    if record.concrete_type != TABLE_ENTITY:
        raise BadRequest("Only a TableEntity can be snapshot this way; use a transaction for views")
    body = ctx.json_or_none() or {}
    return {"snapshotVersionNumber": _snapshot(ctx, record, body)}


# -- queries ------------------------------------------------------------------------------------------


def _encode_token(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _decode_token(token: Any) -> dict[str, Any]:
    if isinstance(token, dict):
        token = token.get("token")
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (ValueError, TypeError) as exc:
        raise BadRequest("Invalid nextPageToken") from exc
    if not isinstance(data, dict):
        raise BadRequest("Invalid nextPageToken")
    return data


def _execute(source: TableSource, what: str) -> sqlite3.Cursor:
    try:
        return source.db.execute(_empty_guard(source, what))
    except sqlite3.Error as exc:
        raise BadRequest(f"Invalid SQL: {exc}") from exc


def _translate(
    source: TableSource,
    query: dict[str, Any],
    *,
    meta: str,
    offset: int | None = None,
    limit: int | None = None,
) -> Translated:
    return translate(
        query["sql"],
        source.columns,
        source.table_name,
        physical=source.physical,
        is_view=source.is_view,
        meta=meta,
        include_etag=bool(query.get("includeEntityEtag")),
        sort=query.get("sort"),
        offset=offset,
        limit=limit,
        filters=query.get("additionalFilters"),
    )


def _query_page(source: TableSource, query: dict[str, Any]) -> tuple[dict[str, Any], Translated, int]:
    offset = query.get("offset")
    limit = query.get("limit")
    if offset is not None and (not isinstance(offset, int) or offset < 0):
        raise BadRequest(f"Query.offset must be a non-negative integer, got {offset!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise BadRequest(f"Query.limit must be a non-negative integer, got {limit!r}")
    probe = _translate(source, query, meta="none")
    selected = [c for c in source.columns if any(h.get("id") == c.id for h in probe.headers)]
    max_rows = max_rows_per_page(selected or source.columns)
    page = max_rows if limit is None else min(limit, max_rows)
    translated = _translate(source, query, meta="last", offset=offset, limit=page + 1)
    rows = _execute(source, translated.sql).fetchall()
    more = len(rows) > page
    rows = rows[:page]
    n_meta = len(translated.meta_columns)
    out = []
    for row in rows:
        cells = list(row)
        values = cells[: len(cells) - n_meta] if n_meta else cells
        entry: dict[str, Any] = {"values": [cell_text(v) for v in values]}
        if n_meta:
            meta = cells[len(cells) - n_meta :]
            entry["rowId"], entry["versionNumber"] = meta[0], meta[1]
            if n_meta > 2:
                entry["etag"] = meta[2]
        out.append(entry)
    result: dict[str, Any] = {
        "concreteType": _PKG + "QueryResult",
        "queryResults": {
            "concreteType": ROW_SET,
            "tableId": source.record.syn_id,
            "etag": source.etag,
            "headers": translated.headers,
            "rows": out,
        },
    }
    if more and (limit is None or page < limit):
        next_query = dict(query)
        next_query["offset"] = (offset or 0) + page
        if limit is not None:
            next_query["limit"] = limit - page
        result["nextPageToken"] = {
            "concreteType": QUERY_NEXT_PAGE,
            "entityId": source.record.syn_id,
            "token": _encode_token(next_query),
        }
    return result, translated, max_rows


def run_query(db: sqlite3.Connection, user: User, query: dict[str, Any], part_mask: int) -> dict[str, Any]:
    """Answer a QueryBundleRequest."""
    with opened(db, user, parse_source(query.get("sql"))) as source:
        return _bundle(source, query, part_mask)


def _bundle(source: TableSource, query: dict[str, Any], part_mask: int) -> dict[str, Any]:
    result, translated, max_rows = _query_page(source, query)
    bundle: dict[str, Any] = {"concreteType": _PKG + "QueryResultBundle"}
    if part_mask & 0x1:
        bundle["queryResult"] = result
    if part_mask & 0x2:
        bundle["queryCount"] = int(_execute(source, translated.count_sql).fetchone()[0])
    if part_mask & 0x4:
        bundle["selectColumns"] = translated.headers
    if part_mask & 0x8:
        bundle["maxRowsPerPage"] = max_rows
    if part_mask & 0x10:
        bundle["columnModels"] = [c.body for c in source.columns]
    if part_mask & 0x20:
        bundle["facets"] = []
    if part_mask & 0x40:
        bundle["sumFileSizes"] = {"sumFileSizesBytes": 0, "greaterThan": False}
    if part_mask & 0x80:
        bundle["lastUpdatedOn"] = source.last_updated
    if part_mask & 0x100:
        bundle["combinedSql"] = query.get("sql")
    return bundle


def _check_query(query: Any) -> dict[str, Any]:
    if not isinstance(query, dict) or not isinstance(query.get("sql"), str):
        raise BadRequest("Query.sql is required")
    parse_source(query["sql"])
    if query.get("selectedFacets"):
        raise BadRequest("Query.selectedFacets is not supported by the local server")
    filters_condition(query.get("additionalFilters"))
    return query


def start_query(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a QueryBundleRequest")
    query = _check_query(body.get("query"))
    mask = body.get("partMask")
    part_mask = ALL_PARTS if mask is None else int(mask)
    source = parse_source(query["sql"])
    open_check(ctx, source)

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn:
            return run_query(txn.db, txn.user, query, part_mask)

    return work


def open_check(ctx: Txn, source: Source) -> None:
    """Answer 404/403 at start time for a missing or unreadable table."""
    record = table_record(ctx.db, source.entity_id)
    if not views.can_read_entity(ctx.db, ctx.user, record.id):
        raise Forbidden(f"You do not have READ permission for the requested entity, {record.syn_id}.")


def start_next_page(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    query = _check_query(_decode_token(body))
    open_check(ctx, parse_source(query["sql"]))

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn, opened(txn.db, txn.user, parse_source(query["sql"])) as source:
            return _query_page(source, query)[0]

    return work


async_endpoints(REPO + "/entity/<id>/table/query/async", start_query)
async_endpoints(REPO + "/entity/<id>/table/query/nextPage/async", start_next_page)
register_job_type(QUERY_BUNDLE_REQUEST, start_query)
register_job_type(QUERY_NEXT_PAGE, start_next_page)


# -- CSV download ---------------------------------------------------------------------------------------


def download_csv(job: Job, request: dict[str, Any]) -> dict[str, Any]:
    """Run the query of a DownloadFromTableRequest and store the CSV as a file handle."""
    descriptor = request.get("csvTableDescriptor") or {}
    options = _csv_dialect(descriptor)
    line_end = descriptor.get("lineEnd") or "\n"
    write_header = request.get("writeHeader", True) is not False
    include_meta = request.get("includeRowIdAndRowVersion", True) is not False
    tmp_dir = Path(job.app.store.data_dir) / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".csv", dir=tmp_dir)
    try:
        with job.txn() as txn, opened(txn.db, txn.user, parse_source(request.get("sql"))) as source:
            query = {**request, "offset": request.get("offset"), "limit": request.get("limit")}
            translated = _translate(
                source,
                query,
                meta="first" if include_meta else "none",
                offset=query.get("offset"),
                limit=query.get("limit"),
            )
            cursor = _execute(source, translated.sql)
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL, **options)
                if write_header:
                    writer.writerow(translated.meta_columns + [h["name"] for h in translated.headers])
                while True:
                    chunk = cursor.fetchmany(10000)
                    if not chunk:
                        break
                    writer.writerows(chunk)
            table_id, etag = source.record.syn_id, source.etag
        file_name = request.get("fileName") or f"Job-{job.id}.csv"
        with job.txn(write=True) as wtxn:
            handle = files.create_file_handle(wtxn, wtxn.user_id, file_name, "text/csv", tmp_name, move=True)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return {
        "concreteType": _PKG + "DownloadFromTableResult",
        "resultsFileHandleId": str(handle["id"]),
        "tableId": table_id,
        "etag": etag,
        "headers": translated.headers,
    }


def start_download(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a DownloadFromTableRequest")
    ctx.require_login()
    _check_query(body)
    open_check(ctx, parse_source(body["sql"]))
    return lambda job: download_csv(job, body)


async_endpoints(REPO + "/entity/<id>/table/download/csv/async", start_download)
async_endpoints(REPO + "/table/download/csv/async", start_download)
register_job_type(DOWNLOAD_REQUEST, start_download)
register_job_type(
    TRANSACTION_REQUEST, lambda ctx, body: start_transaction(ctx, body, str(body.get("entityId")))
)


@route("GET", REPO + "/entity/<id>/table/column/<column_id>/row/<int:row_id>/version/<int:version>/file")
def get_cell_file(ctx: RequestContext, id: str, column_id: str, row_id: int, version: int) -> Any:
    record = table_record(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "DOWNLOAD")
    column = get_column_model(ctx.db, column_id)
    if column["columnType"] != "FILEHANDLEID" or str(column_id) not in schema_ids(ctx.db, record):
        raise BadRequest(f"Column {column_id} is not a FILEHANDLEID column of {record.syn_id}")
    name = row_table(record.id)
    found = None
    if table_exists(ctx.db, name):
        found = ctx.db.execute(
            f'SELECT "c{int(column_id)}" FROM "{name}" WHERE ROW_ID = ?', (row_id,)
        ).fetchone()
    if found is None or found[0] is None:
        raise NotFound(f"Row {row_id} of {syn(record.id)} has no file in column {column_id}")
    return files.redirect_or_text(ctx, files.presigned_url(ctx, str(found[0])))


@route("POST", REPO + "/entity/<id>/table/filehandles")
def table_file_handles(ctx: RequestContext, id: str) -> dict[str, Any]:
    """RowReferenceSet -> TableFileHandleResults: the FileHandles of FILEHANDLEID cells (null elsewhere)."""
    record = table_record(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "READ")
    body = ctx.json_object()
    schema = {c.id: c for c in schema_of(ctx.db, record)}
    headers = body.get("headers") or []
    if not isinstance(headers, list):
        raise BadRequest("RowReferenceSet.headers must be a list")
    wanted = []
    for header in headers:
        key = str(header.get("id") if isinstance(header, dict) else header)
        column = schema.get(key)
        if column is None:
            raise BadRequest(f"Column {key} is not in the schema of {record.syn_id}")
        wanted.append(column)
    name = row_table(record.id)
    present = physical_columns(ctx.db, name)
    rows = []
    for ref in body.get("rows") or []:
        row_id = _row_id_of(ref.get("rowId") if isinstance(ref, dict) else None)
        handles: list[Any] = []
        for column in wanted:
            value = None
            if column.type == "FILEHANDLEID" and column.sql_name in present:
                sql = f'SELECT "{column.sql_name}" FROM "{name}" WHERE ROW_ID = ?'
                cell = ctx.db.execute(sql, (row_id,)).fetchone()
                if cell is not None and cell[0] is not None:
                    value = files.get_file_handle(ctx.db, str(cell[0]))
            handles.append(value)
        rows.append({"list": handles})
    headers_out = [{"name": c.name, "columnType": c.type, "id": c.id} for c in wanted]
    return {"tableId": record.syn_id, "headers": headers_out, "rows": rows}


def _suggest_type(samples: list[str]) -> dict[str, Any]:
    present = [s for s in samples if s != ""]
    if present and all(s.lower() in ("true", "false") for s in present):
        return {"columnType": "BOOLEAN"}
    try:
        numbers = [float(s) for s in present]
    except ValueError:
        numbers = None
    if present and numbers is not None:
        if all(
            n.is_integer() and "." not in s and "e" not in s.lower()
            for n, s in zip(numbers, present, strict=True)
        ):
            return {"columnType": "INTEGER"}
        return {"columnType": "DOUBLE"}
    longest = max((len(s) for s in present), default=1)
    if longest > 1000:
        return {"columnType": "LARGETEXT"}
    return {"columnType": "STRING", "maximumSize": max(longest, 1)}


def start_preview(ctx: RequestContext, body: Any) -> JobWork:
    """UploadToTablePreviewRequest: suggested columns and sample rows of a CSV file handle."""
    if not isinstance(body, dict) or body.get("uploadFileHandleId") is None:
        raise BadRequest("UploadToTablePreviewRequest.uploadFileHandleId is required")
    ctx.require_login()
    handle = files.get_file_handle(ctx.db, str(body["uploadFileHandleId"]))
    if handle is None:
        raise NotFound(f"FileHandle {body['uploadFileHandleId']} does not exist")
    options = _csv_dialect(body.get("csvTableDescriptor"))
    has_header = (body.get("csvTableDescriptor") or {}).get("isFirstLineHeader", True) is not False
    skip = int(body.get("linesToSkip") or 0)
    limit = None if body.get("doFullFileScan") else 1000

    def work(job: Job) -> dict[str, Any]:
        path = files.file_handle_path(job.app.store, str(body["uploadFileHandleId"]))
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream, **options)
            for _ in range(skip):
                next(reader, None)
            header = next(reader, None) if has_header else None
            scanned: list[list[str]] = []
            for row in reader:
                scanned.append(row)
                if limit is not None and len(scanned) >= limit:
                    break
        width = max([len(header or [])] + [len(r) for r in scanned])
        names = list(header or []) + [f"col{i + 1}" for i in range(len(header or []), width)]
        suggested = []
        for index, name in enumerate(names):
            samples = [r[index] if index < len(r) else "" for r in scanned]
            suggested.append({"name": name, **_suggest_type(samples)})
        sample_rows = [{"values": [v if v != "" else None for v in r]} for r in scanned[:5]]
        return {
            "concreteType": _PKG + "UploadToTablePreviewResult",
            "suggestedColumns": suggested,
            "sampleRows": sample_rows,
            "rowsScanned": len(scanned),
        }

    return work


async_endpoints(REPO + "/table/upload/csv/preview/async", start_preview)
register_job_type(_PKG + "UploadToTablePreviewRequest", start_preview)


def _table_bundle(txn: Txn, record: EntityRecord, version: Any) -> dict[str, Any] | None:
    """The ``tableBundle`` part of an entity bundle: the version's column models and ``maxRowsPerPage``."""
    if record.concrete_type != TABLE_ENTITY and not views.is_view(record):
        return None
    columns = resolve_columns(txn.db, [str(i) for i in version.fields.get("columnIds") or []])
    return {"columnModels": [c.body for c in columns], "maxRowsPerPage": max_rows_per_page(columns)}


register_bundle_part("includeTableBundle", "tableBundle", _table_bundle)
