"""Tables (REFERENCE 2.6): file cells — who may write which file handle into a FILEHANDLEID cell, the
redirect to the file of a cell and the FileHandles of the cells named by a RowReferenceSet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import entity_access, get_record, is_trashed, parse_entity_id, require_access, syn
from ..files import service as files
from .cells import Column, row_id_of
from .columns import get_column_model
from .sources import REPO, schema_ids, schema_of, table_record
from .storage import physical_columns, row_table, table_exists

routes = Routes()
_CHUNK = 500


def check_file_handles(
    txn: Txn, columns: list[Column], table: str, handles: Iterable[str], existing: str = "1"
) -> None:
    """Synapse's rule for the file handles written into FILEHANDLEID cells: each one was created by the
    caller or is already in the table (in rows matching ``existing``); else 403 ``Cannot access files:
    [ids]``. Administrators may write any handle."""
    if txn.is_admin:
        return
    mine = str(txn.user_id)
    owners = {h: str((files.get_file_handle(txn.db, h) or {}).get("createdBy")) for h in handles}
    foreign = sorted((h for h, owner in owners.items() if owner != mine), key=int)
    if not foreign:
        return
    present = physical_columns(txn.db, table)
    found: set[str] = set()
    for column in (c for c in columns if c.type == "FILEHANDLEID" and c.sql_name in present):
        for start in range(0, len(foreign), _CHUNK):
            chunk = foreign[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = txn.db.execute(
                f'SELECT DISTINCT "{column.sql_name}" FROM "{table}"'
                f' WHERE "{column.sql_name}" IN ({marks}) AND ({existing})',
                [int(h) for h in chunk],
            )
            found |= {str(row[0]) for row in rows}
    missing = [h for h in foreign if h not in found]
    if missing:
        raise Forbidden(f"Cannot access files: [{', '.join(missing)}]")


@routes.route(
    "GET", REPO + "/entity/<id>/table/column/<column_id>/row/<int:row_id>/version/<int:version>/file"
)
def get_cell_file(ctx: RequestContext, id: str, column_id: str, row_id: int, version: int) -> Any:
    record = table_record(ctx, parse_entity_id(id))
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


@routes.route("POST", REPO + "/entity/<id>/table/filehandles")
def table_file_handles(ctx: RequestContext, id: str) -> dict[str, Any]:
    """RowReferenceSet -> TableFileHandleResults: the FileHandles of FILEHANDLEID cells (null elsewhere)."""
    record = table_record(ctx, parse_entity_id(id))
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
        row_id = row_id_of(ref.get("rowId") if isinstance(ref, dict) else None)
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


# -- downloads through a table (FileHandleAssociation TableEntity) --------------------------------------
def _row_tables(db: Any, entity_id: int) -> list[str]:
    """The SQLite tables holding rows of ``entity_id``: the current rows and every snapshot."""
    current = row_table(entity_id)
    pattern = current.replace("_", "\\_") + "\\_v%"
    found = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = ? OR name LIKE ? ESCAPE '\\')",
        (current, pattern),
    ).fetchall()
    return [str(row[0]) for row in found]


def _column_type(txn: Txn, column_id: str) -> str | None:
    try:
        return str(get_column_model(txn.db, column_id)["columnType"])
    except NotFound:
        return None


def _check_table_file(txn: Txn, handle: dict[str, Any], object_id: str) -> str | None:
    """Authorize a download through a ``TableEntity`` association (Synapse: the handle must be in a
    FILEHANDLEID cell of the table, and the caller needs READ and DOWNLOAD on it)."""
    try:
        entity_id = parse_entity_id(object_id)
    except BadRequest:
        return "NOT_FOUND"
    if get_record(txn.db, entity_id) is None or is_trashed(txn.db, entity_id):
        return "NOT_FOUND"
    handle_id = int(handle["id"])
    associated = False
    for name in _row_tables(txn.db, entity_id):
        for column in sorted(c for c in physical_columns(txn.db, name) if c[1:].isdigit()):
            if _column_type(txn, column[1:]) != "FILEHANDLEID":
                continue
            sql = f'SELECT 1 FROM "{name}" WHERE "{column}" = ? LIMIT 1'
            if txn.db.execute(sql, (handle_id,)).fetchone() is not None:
                associated = True
                break
        if associated:
            break
    if not associated:
        return "UNAUTHORIZED"
    return None if {"READ", "DOWNLOAD"} <= entity_access(txn.db, txn.user, entity_id) else "UNAUTHORIZED"


TABLE_ASSOCIATION = files.Association("TableEntity", _check_table_file)
