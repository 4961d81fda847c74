"""Tables (REFERENCE 2.6): the column model endpoints and TableSchemaChangeRequest (add, remove, replace and
reorder columns, converting the stored values)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import (
    EntityRecord,
    parse_entity_id,
    require_access,
    update_fields,
)
from .cells import Column, cell_text, output_sql, to_storage
from .columns import create_column_model, get_column_model, resolve_columns
from .sources import COLUMN_MODEL, PKG, REPO, TABLE_ENTITY, schema_ids, schema_of, table_record
from .storage import ensure_row_table, mark_changed, row_table

routes = Routes()

# -- column models ------------------------------------------------------------------------------------


def create_column(txn: Txn, body: Any) -> dict[str, Any]:
    """Create (or find the identical) ColumnModel; 400 naming the problem."""
    return create_column_model(txn.db, body, lambda: txn.next_id("columnModel", start=100001))


@routes.route("POST", REPO + "/column", status=201)
def post_column(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    return create_column(ctx, ctx.json_object())


@routes.route("POST", REPO + "/column/batch", status=201)
def post_column_batch(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    items = body.get("list")
    if not isinstance(items, list):
        raise BadRequest("The body must be a ListWrapper with a list of ColumnModels")
    return {
        "concreteType": COLUMN_MODEL,
        "list": [create_column(ctx, i) for i in items],
    }


@routes.route("GET", REPO + "/column/<column_id>")
def get_column(ctx: RequestContext, column_id: str) -> dict[str, Any]:
    return get_column_model(ctx.db, column_id)


@routes.route("GET", REPO + "/column")
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


@routes.route("GET", REPO + "/entity/<id>/column")
def entity_columns(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = table_record(ctx, parse_entity_id(id))
    require_access(ctx, record.id, "READ")
    models = [c.body for c in schema_of(ctx.db, record)]
    return {"totalNumberOfResults": len(models), "results": models}


# -- schema changes -----------------------------------------------------------------------------------


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
    update_fields(txn, record, {"columnIds": result})
    if is_table:
        mark_changed(txn.db, record.id, txn.new_etag(), txn.now())
    return {"concreteType": PKG + "TableSchemaChangeResponse", "schema": [c.body for c in columns]}


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
