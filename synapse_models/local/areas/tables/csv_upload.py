"""Tables (REFERENCE 2.6): CSV upload (UploadToTableRequest: append or update rows from a CSV file handle)
and the CSV upload preview job (suggested columns and sample rows)."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...core.async_endpoints import async_endpoints
from ...core.context import RequestContext
from ...core.errors import BadRequest
from ...core.jobs import Job, JobWork
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import EntityRecord, touch
from ..files import service as files
from .cells import TEXT_LIMITS, Column, to_storage
from .file_cells import check_file_handles
from .hooks import view_kind
from .sources import PKG, REPO, prepared_table
from .storage import mark_changed, table_state
from .view_csv import header_mismatch, upload_csv_to_view

routes = Routes()

# -- CSV upload -----------------------------------------------------------------------------------------


def csv_dialect(descriptor: Any) -> dict[str, Any]:
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


@dataclass(frozen=True)
class _Load:
    """One CSV being loaded into a table: where it goes, how its columns map, and its rows still to read."""

    txn: Txn
    record: EntityRecord
    table: str
    columns: list[Column]
    mapping: list[Column | str]
    """Per CSV column: a schema column, or ``ROW_ID``/``ROW_VERSION``/``ROW_ETAG``."""
    reader: Iterator[list[str]]
    width: int


def upload_csv(txn: Txn, record: EntityRecord, request: dict[str, Any]) -> dict[str, Any]:
    """UploadToTableRequest: load a CSV file handle into the table (ROW_ID/ROW_VERSION columns = updates)."""
    kind = view_kind(txn, record.concrete_type)
    handle_id = request.get("uploadFileHandleId")
    if handle_id is None:
        raise BadRequest("UploadToTableRequest.uploadFileHandleId is required")
    files.require_creator(txn, str(handle_id))  # Synapse reads the CSV as a raw handle: its creator only
    path = files.file_handle_path(txn.store, str(handle_id))
    options = csv_dialect(request.get("csvTableDescriptor"))
    descriptor = request.get("csvTableDescriptor") or {}
    has_header = descriptor.get("isFirstLineHeader", True) is not False
    skip = int(request.get("linesToSkip") or 0)
    if kind is not None:
        return upload_csv_to_view(txn, record, kind, path, options, skip)
    columns, table = prepared_table(txn, record)
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
                raise header_mismatch(name, header)
        load = _Load(txn, record, table, columns, mapping, _fitted(reader, len(mapping)), len(mapping))
        db.execute("PRAGMA cache_size = -131072")
        try:
            if "ROW_ID" not in mapping:
                return _append_csv(load)
            return _update_csv(load)
        finally:
            db.execute("PRAGMA cache_size = -2000")


def _fitted(reader: Iterator[list[str]], width: int) -> Iterator[list[str]]:
    """The CSV's rows, each ``width`` cells long, blank lines left out.

    As in Synapse, a short row leaves its missing cells empty and cells beyond the header are ignored
    (the official client's chunked uploads produce a blank line and a last line without its newline).
    """
    for row in reader:
        if len(row) == width:
            yield row
        elif row:
            yield (row + [""] * (width - len(row)))[:width]


def _file_handles(db: sqlite3.Connection, table: str, columns: list[Column], where: str = "1") -> set[str]:
    """The file handles the FILEHANDLEID cells of some rows name."""
    found: set[str] = set()
    for column in (c for c in columns if c.type == "FILEHANDLEID"):
        rows = db.execute(f'SELECT DISTINCT "{column.sql_name}" FROM "{table}" WHERE ({where})')
        found |= {str(row[0]) for row in rows if row[0] is not None}
    return found


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _append_csv(load: _Load) -> dict[str, Any]:
    """Insert-only CSV: converted straight into the row table with one ``executemany``."""
    db, table = load.txn.db, load.table
    state = table_state(db, load.record.id)
    first = state["next_row_id"]
    top = db.execute(f'SELECT MAX(ROW_ID) FROM "{table}"').fetchone()[0]
    placeholder = first - 1 if first - 1 > (top or 0) else None
    if placeholder is not None:  # keeps ROW_IDs of deleted rows from being reused by auto-assignment
        db.execute(f'INSERT INTO "{table}" (ROW_ID, ROW_VERSION) VALUES (?, 0)', (placeholder,))
    positions = {m.id: i for i, m in enumerate(load.mapping) if isinstance(m, Column)}
    names, exprs = ["ROW_VERSION"], ["1"]
    for column in load.columns:
        names.append(column.sql_name)
        exprs.append(
            f"?{positions[column.id] + 1}" if column.id in positions else _sql_literal(column.default)
        )
    for index, item in enumerate(load.mapping):
        if not isinstance(item, Column):
            exprs[0] = f"(1 + 0 * length(?{index + 1}))"  # binds the ignored ROW_VERSION/ROW_ETAG values
    quoted = ", ".join(f'"{n}"' for n in names)
    db.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(exprs)})', load.reader)
    if placeholder is not None:
        db.execute(f'DELETE FROM "{table}" WHERE ROW_ID = ?', (placeholder,))
    last = db.execute(f'SELECT MAX(ROW_ID) FROM "{table}"').fetchone()[0]
    total = 0 if last is None or last < first else last - first + 1
    present = [c for c in load.columns if c.id in positions]
    _normalize_rows(db, table, f"ROW_ID >= {int(first)}", "ROW_ID", present, defaults=True)
    handles = _file_handles(db, table, present, f"ROW_ID >= {int(first)}")
    check_file_handles(load.txn, load.columns, table, handles, existing=f"ROW_ID < {int(first)}")
    etag = load.txn.new_etag()
    mark_changed(db, load.record.id, etag, load.txn.now(), first + total)
    touch(load.txn, load.record)
    return {"concreteType": PKG + "UploadToTableResult", "rowsProcessed": int(total), "etag": etag}


def _update_csv(load: _Load) -> dict[str, Any]:
    """CSV with a ROW_ID column: rows with an id update those rows, the others are appended."""
    db, table = load.txn.db, load.table
    stage_cols = ", ".join(f"s{i}" for i in range(load.width))
    db.execute("DROP TABLE IF EXISTS temp.csv_stage")
    db.execute(f"CREATE TEMP TABLE csv_stage ({stage_cols})")
    marks = ", ".join("?" * load.width)
    db.executemany(f"INSERT INTO csv_stage VALUES ({marks})", load.reader)
    present = [(i, m) for i, m in enumerate(load.mapping) if isinstance(m, Column)]
    row_index = load.mapping.index("ROW_ID")
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
        handles = _file_handles(db, "csv_conv", [c for _, c in present])
        check_file_handles(load.txn, load.columns, table, handles)
        total = db.execute("SELECT COUNT(*) FROM csv_conv").fetchone()[0]
        next_row_id = table_state(db, load.record.id)["next_row_id"]
        missing = db.execute(
            "SELECT rid FROM csv_conv WHERE rid IS NOT NULL"
            f' AND rid NOT IN (SELECT ROW_ID FROM "{table}") LIMIT 1'
        ).fetchone()
        if missing is not None:
            raise BadRequest(f"Row id {missing[0]} does not exist in {load.record.syn_id}")
        present_ids = {c.id for _, c in present}
        names = ["ROW_ID", "ROW_VERSION"] + [c.sql_name for c in load.columns]
        values = [f"{next_row_id - 1} + ROW_NUMBER() OVER (ORDER BY seq)", "1"]
        for column in load.columns:
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
    etag = load.txn.new_etag()
    mark_changed(db, load.record.id, etag, load.txn.now(), next_row_id + max(inserted, 0))
    touch(load.txn, load.record)
    return {"concreteType": PKG + "UploadToTableResult", "rowsProcessed": int(total), "etag": etag}


# -- CSV upload preview -------------------------------------------------------------------------------


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
    files.require_creator(ctx, str(body["uploadFileHandleId"]))  # a raw handle: its creator only
    options = csv_dialect(body.get("csvTableDescriptor"))
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
            "concreteType": PKG + "UploadToTablePreviewResult",
            "suggestedColumns": suggested,
            "sampleRows": sample_rows,
            "rowsScanned": len(scanned),
        }

    return work


async_endpoints(routes, REPO + "/table/upload/csv/preview/async", start_preview)
jobs = {PKG + "UploadToTablePreviewRequest": start_preview}
