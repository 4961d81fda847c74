"""Column models, cell encodings and the SQLite storage of table rows (REFERENCE 2.6, 3.5).

* ``column_models`` holds every ColumnModel ever created (immutable; an identical definition gets the same
  id).
* Each TableEntity owns one SQLite table ``tbl_<entityId>`` with ``ROW_ID INTEGER PRIMARY KEY``,
  ``ROW_VERSION`` and one typed column ``c<columnModelId>`` per schema column.  A snapshot (table version)
  is a frozen copy ``tbl_<entityId>_v<version>``; ``FROM syn1.3`` reads it.
* ``table_state`` keeps the next row id, the table etag and the last-change time of each table.

Stored forms (what a cell string becomes): STRING-like and BOOLEAN (``'true'``/``'false'``) -> TEXT;
INTEGER, DATE (epoch ms), FILEHANDLEID, USERID, SUBMISSIONID, EVALUATIONID, ENTITYID (the number of
``syn123``) -> INTEGER;
DOUBLE -> REAL (``NaN`` stays the TEXT ``'NaN'`` because SQLite turns a NaN float into NULL);
JSON and the ``_LIST`` types -> compact JSON TEXT.  :func:`output_sql` turns a stored value back into
something whose ``str()`` is the wire encoding (``'true'``, ``'syn123'``, ``'Infinity'``...).
"""

from __future__ import annotations

import ast
import json
import math
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from ...core.errors import BadRequest, NotFound
from ...core.store import dumps, loads

SCHEMA = """
    CREATE TABLE IF NOT EXISTS column_models (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, canonical TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS column_models_by_name ON column_models(name);
    CREATE TABLE IF NOT EXISTS table_state (
        entity_id INTEGER PRIMARY KEY, next_row_id INTEGER NOT NULL DEFAULT 1, etag TEXT,
        last_updated TEXT, physical TEXT NOT NULL DEFAULT '[]')
    """

COLUMN_TYPES = (
    "STRING",
    "DOUBLE",
    "INTEGER",
    "BOOLEAN",
    "DATE",
    "FILEHANDLEID",
    "ENTITYID",
    "SUBMISSIONID",
    "EVALUATIONID",
    "LINK",
    "MEDIUMTEXT",
    "LARGETEXT",
    "USERID",
    "STRING_LIST",
    "INTEGER_LIST",
    "BOOLEAN_LIST",
    "DATE_LIST",
    "ENTITYID_LIST",
    "USERID_LIST",
    "JSON",
)
LIST_TYPES = frozenset(t for t in COLUMN_TYPES if t.endswith("_LIST"))
ID_TYPES = frozenset({"FILEHANDLEID", "USERID", "SUBMISSIONID", "EVALUATIONID"})
INTEGER_STORED = frozenset({"INTEGER", "DATE", "ENTITYID"}) | ID_TYPES
SIZED_TYPES = frozenset({"STRING", "LINK", "STRING_LIST"})
NO_DEFAULT = frozenset(
    {"FILEHANDLEID", "ENTITYID", "SUBMISSIONID", "EVALUATIONID", "USERID", "MEDIUMTEXT", "LARGETEXT", "JSON"}
) | frozenset({"ENTITYID_LIST", "USERID_LIST"})
TEXT_LIMITS = {"MEDIUMTEXT": 2000, "LARGETEXT": 524288}
DEFAULT_MAX_SIZE = 50
MAX_MAX_SIZE = 1000
MAX_LIST_LENGTH = 100
MAX_COLUMNS = 152
MAX_ENUM_VALUES = 100
MAX_NAME_LENGTH = 256
ROW_COLUMNS = ("ROW_ID", "ROW_VERSION", "ROW_ETAG")
RESERVED_NAMES = frozenset({"ROW_ID", "ROW_VERSION", "ROW_ETAG", "ROW_BENEFACTOR", "ROW_HASH_CODE"})
_ENTITY_ID = re.compile(r"^(?:syn)?(\d+)(?:\.\d+)?$", re.IGNORECASE)
_INTEGRAL = re.compile(r"^[+-]?\d+(?:\.0*)?$")
#: Approximate bytes per cell used for ``maxRowsPerPage`` (page budget 512,000 bytes).
PAGE_BUDGET_BYTES = 512_000
_CELL_BYTES = {
    "DOUBLE": 23,
    "BOOLEAN": 5,
    "ENTITYID": 22,
    "MEDIUMTEXT": 2000,
    "LARGETEXT": 10000,
    "JSON": 2000,
}


@dataclass(frozen=True)
class Column:
    """A column model resolved for storage and queries."""

    id: str
    name: str
    type: str
    max_size: int | None
    max_list_length: int | None
    enum_values: tuple[str, ...] | None
    default: Any
    body: dict[str, Any]

    @property
    def sql_name(self) -> str:
        return f"c{self.id}"

    @property
    def base_type(self) -> str:
        return self.type[: -len("_LIST")] if self.type in LIST_TYPES else self.type

    @property
    def affinity(self) -> str:
        if self.type in INTEGER_STORED:
            return "INTEGER"
        if self.type == "DOUBLE":
            return "REAL"
        return "TEXT"

    def cell_bytes(self) -> int:
        """Estimated maximum size of one cell (for ``maxRowsPerPage``)."""
        if self.type in SIZED_TYPES or self.type == "LINK":
            size = (self.max_size or DEFAULT_MAX_SIZE) * 4
        else:
            size = _CELL_BYTES.get(self.base_type, 20)
        if self.type in LIST_TYPES:
            size = size * (self.max_list_length or MAX_LIST_LENGTH) // 4
        return max(size, 1)


# -- column models ----------------------------------------------------------------------------------


def _bad(column: str, problem: str) -> BadRequest:
    return BadRequest(f"Column '{column}': {problem}")


def normalize_column_model(body: Any) -> dict[str, Any]:
    """Validate a ColumnModel request and return its canonical definition (no id); 400 on a problem."""
    if not isinstance(body, dict):
        raise BadRequest("A ColumnModel must be a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("ColumnModel.name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise _bad(name, f"the name must be {MAX_NAME_LENGTH} characters or less")
    if name.upper() in RESERVED_NAMES:
        raise _bad(name, "this name is reserved for a system column")
    column_type = body.get("columnType")
    if column_type not in COLUMN_TYPES:
        raise _bad(name, f"columnType must be one of {', '.join(COLUMN_TYPES)}, got {column_type!r}")
    model: dict[str, Any] = {"name": name, "columnType": column_type}
    max_size = body.get("maximumSize")
    if column_type in SIZED_TYPES:
        if max_size is None:
            max_size = DEFAULT_MAX_SIZE
        if not isinstance(max_size, int) or isinstance(max_size, bool) or not 1 <= max_size <= MAX_MAX_SIZE:
            raise _bad(name, f"maximumSize must be an integer from 1 to {MAX_MAX_SIZE}, got {max_size!r}")
        model["maximumSize"] = max_size
    elif max_size is not None and column_type not in ("MEDIUMTEXT", "LARGETEXT"):
        raise _bad(name, f"maximumSize is not allowed for a {column_type} column")
    max_list = body.get("maximumListLength")
    if column_type in LIST_TYPES:
        if max_list is None:
            max_list = MAX_LIST_LENGTH
        if (
            not isinstance(max_list, int)
            or isinstance(max_list, bool)
            or not 1 <= max_list <= MAX_LIST_LENGTH
        ):
            raise _bad(
                name, f"maximumListLength must be an integer from 1 to {MAX_LIST_LENGTH}, got {max_list!r}"
            )
        model["maximumListLength"] = max_list
    elif max_list is not None:
        raise _bad(name, f"maximumListLength is only allowed for _LIST columns, not {column_type}")
    probe = Column(
        "0", name, column_type, model.get("maximumSize"), model.get("maximumListLength"), None, None, {}
    )
    enum_values = body.get("enumValues")
    if enum_values is not None:
        if not isinstance(enum_values, list) or not enum_values:
            raise _bad(name, "enumValues must be a non-empty list of strings")
        if len(enum_values) > MAX_ENUM_VALUES:
            raise _bad(name, f"enumValues may hold at most {MAX_ENUM_VALUES} values, got {len(enum_values)}")
        if column_type in (
            "BOOLEAN",
            "JSON",
            "FILEHANDLEID",
            "ENTITYID",
            "USERID",
            "LARGETEXT",
            "MEDIUMTEXT",
        ):
            raise _bad(name, f"enumValues are not allowed for a {column_type} column")
        element = Column("0", name, probe.base_type, probe.max_size, None, None, None, {})
        for value in enum_values:
            if not isinstance(value, str):
                raise _bad(name, f"enum value {value!r} must be a string")
            to_storage(element, value)
        model["enumValues"] = list(enum_values)
    default = body.get("defaultValue")
    if default is not None and default != "":
        if column_type in NO_DEFAULT:
            raise _bad(name, f"a {column_type} column cannot have a defaultValue")
        checked = Column(
            "0",
            name,
            column_type,
            probe.max_size,
            probe.max_list_length,
            tuple(enum_values) if enum_values else None,
            None,
            {},
        )
        to_storage(checked, default if isinstance(default, str) else json.dumps(default))
        model["defaultValue"] = default if isinstance(default, str) else json.dumps(default)
    facet = body.get("facetType")
    if facet is not None:
        if facet not in ("enumeration", "range"):
            raise _bad(name, f"facetType must be enumeration or range, got {facet!r}")
        if column_type == "JSON":
            raise _bad(name, "a JSON column cannot have a facetType")
        model["facetType"] = facet
    if body.get("jsonSubColumns") is not None:
        if column_type != "JSON":
            raise _bad(name, "jsonSubColumns are only allowed for JSON columns")
        model["jsonSubColumns"] = body["jsonSubColumns"]
    return model


def create_column_model(db: sqlite3.Connection, body: Any, next_id: Any) -> dict[str, Any]:
    """Create (or find the identical) column model; ``next_id()`` hands out a new id."""
    model = normalize_column_model(body)
    canonical = dumps(model)
    row = db.execute("SELECT body FROM column_models WHERE canonical = ?", (canonical,)).fetchone()
    if row is not None:
        return dict(loads(row[0]))
    column_id = str(next_id())
    stored = {"id": column_id, **model}
    db.execute(
        "INSERT INTO column_models(id, name, canonical, body) VALUES (?, ?, ?, ?)",
        (int(column_id), model["name"], canonical, dumps(stored)),
    )
    return stored


def get_column_model(db: sqlite3.Connection, column_id: Any) -> dict[str, Any]:
    """Return a ColumnModel by id; 404 if unknown."""
    try:
        number = int(str(column_id))
    except ValueError as exc:
        raise BadRequest(f"Invalid column id: {column_id}") from exc
    row = db.execute("SELECT body FROM column_models WHERE id = ?", (number,)).fetchone()
    if row is None:
        raise NotFound(f"ColumnModel {column_id} does not exist")
    return dict(loads(row[0]))


def column_from_model(model: dict[str, Any]) -> Column:
    """Build a :class:`Column` from a stored ColumnModel."""
    enum = model.get("enumValues")
    column = Column(
        id=str(model["id"]),
        name=model["name"],
        type=model["columnType"],
        max_size=model.get("maximumSize"),
        max_list_length=model.get("maximumListLength"),
        enum_values=tuple(enum) if enum else None,
        default=None,
        body=model,
    )
    default = model.get("defaultValue")
    if default is not None and default != "":
        object.__setattr__(column, "default", to_storage(column, default))
    return column


def resolve_columns(db: sqlite3.Connection, column_ids: list[Any]) -> list[Column]:
    """Return the columns of ``column_ids`` (400 if one does not exist, or names repeat)."""
    columns = []
    seen: set[str] = set()
    for column_id in column_ids:
        try:
            model = get_column_model(db, column_id)
        except NotFound as exc:
            raise BadRequest(f"Column id {column_id} does not exist") from exc
        column = column_from_model(model)
        if column.name in seen:
            raise BadRequest(f"Duplicate column name '{column.name}' in the schema")
        seen.add(column.name)
        columns.append(column)
    if len(columns) > MAX_COLUMNS:
        raise BadRequest(f"A table may have at most {MAX_COLUMNS} columns, got {len(columns)}")
    return columns


# -- cell values ------------------------------------------------------------------------------------


def parse_date(text: str) -> int:
    """Epoch milliseconds of a DATE cell: an integer, or an ISO-8601 date/date-time (UTC if no zone)."""
    stripped = text.strip()
    if _INTEGRAL.match(stripped):
        return int(float(stripped)) if "." in stripped else int(stripped)
    candidate = stripped.replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        moment = datetime.combine(date.fromisoformat(stripped), datetime.min.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400_000) + (delta.seconds * 1000) + (delta.microseconds // 1000)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _scalar(column: Column, kind: str, value: Any) -> Any:
    """Stored form of one scalar of type ``kind`` (raises ValueError/TypeError on a bad value)."""
    if kind in ("STRING", "LINK", "MEDIUMTEXT", "LARGETEXT"):
        text = _as_text(value)
        limit = TEXT_LIMITS.get(kind) or column.max_size or DEFAULT_MAX_SIZE
        if len(text) > limit:
            raise ValueError(f"the value is {len(text)} characters long, more than the maximum of {limit}")
        if column.enum_values is not None and text not in column.enum_values:
            raise ValueError("the value is not one of the enumValues")
        return text
    if kind == "DOUBLE":
        number = float(value)
        return "NaN" if math.isnan(number) else number
    if kind == "BOOLEAN":
        if isinstance(value, bool):
            return "true" if value else "false"
        lowered = str(value).strip().lower()
        if lowered in ("true", "1"):
            return "true"
        if lowered in ("false", "0"):
            return "false"
        raise ValueError("expected true or false")
    if kind == "DATE":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
        return parse_date(str(value))
    if kind == "ENTITYID":
        match = _ENTITY_ID.match(str(value).strip())
        if match is None:
            raise ValueError("expected a Synapse id such as syn123")
        return int(match.group(1))
    if kind in ("INTEGER", "FILEHANDLEID", "USERID", "SUBMISSIONID", "EVALUATIONID"):
        if isinstance(value, bool):
            raise ValueError("expected an integer")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not _INTEGRAL.match(text):
            raise ValueError("expected an integer")
        return int(float(text)) if "." in text else int(text)
    raise ValueError(f"unsupported type {kind}")


def _list_element(kind: str, stored: Any) -> Any:
    if kind == "BOOLEAN":
        return stored == "true"
    if kind == "ENTITYID":
        return f"syn{stored}"
    return stored


def _parse_list(text: str) -> Any:
    """A list cell: JSON, or leniently (like the real service's JSON parser) ``['a', 'b']`` or ``[a, b]``."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        stripped = text.strip()
        if not (stripped.startswith("[") and stripped.endswith("]")):
            raise ValueError("expected a JSON array") from None
        inner = stripped[1:-1].strip()
        return [part.strip().strip("'\"") for part in inner.split(",")] if inner else []
    if isinstance(parsed, tuple):
        parsed = list(parsed)
    return parsed


def to_storage(column: Column, value: Any) -> Any:
    """Convert one cell value (string from the wire) to its stored form; 400 naming column and value."""
    if value is None or value == "":
        return None
    try:
        if column.type == "JSON":
            parsed = json.loads(value) if isinstance(value, str) else value
            return json.dumps(parsed, separators=(",", ":"))
        if column.type in LIST_TYPES:
            items = _parse_list(value) if isinstance(value, str) else value
            if not isinstance(items, list):
                raise ValueError("expected a JSON array")
            limit = column.max_list_length or MAX_LIST_LENGTH
            if len(items) > limit:
                raise ValueError(f"the list has {len(items)} values, more than the maximum of {limit}")
            if any(item is None for item in items):
                raise ValueError("null elements are not allowed in a list")
            kind = column.base_type
            return json.dumps(
                [_list_element(kind, _scalar(column, kind, item)) for item in items], separators=(",", ":")
            )
        return _scalar(column, column.type, value)
    except (ValueError, TypeError, OverflowError) as exc:
        shown = value if len(str(value)) <= 60 else str(value)[:57] + "..."
        raise BadRequest(
            f"Value '{shown}' is not valid for column '{column.name}' ({column.type}): {exc}"
        ) from exc


def output_sql(column_type: str | None, expr: str) -> str:
    """SQL turning a stored value of ``column_type`` into a value whose ``str()`` is the wire encoding."""
    if column_type == "ENTITYID":
        return f"('syn' || {expr})"
    if column_type == "DOUBLE":
        infinite = f"WHEN {expr} = 9e999 THEN 'Infinity' WHEN {expr} = -9e999 THEN '-Infinity'"
        return f"(CASE {infinite} ELSE {expr} END)"
    return expr


def cell_text(value: Any) -> str | None:
    """Wire string of a value produced by :func:`output_sql` (floats in their shortest round-trip form)."""
    return None if value is None else str(value)


# -- row tables ---------------------------------------------------------------------------------------


def row_table(entity_id: int, version: int | None = None) -> str:
    """Name of the SQLite table holding the rows of a table (or of one of its snapshots)."""
    return f"tbl_{entity_id}" if version is None else f"tbl_{entity_id}_v{version}"


def table_exists(db: sqlite3.Connection, name: str) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def physical_columns(db: sqlite3.Connection, name: str) -> set[str]:
    """Column names of an existing SQLite table (empty if the table does not exist)."""
    return {str(row[1]) for row in db.execute(f'PRAGMA table_info("{name}")')}


def ensure_row_table(db: sqlite3.Connection, entity_id: int, columns: list[Column]) -> str:
    """Create the row table if needed and add/drop physical columns to match ``columns``."""
    name = row_table(entity_id)
    if not table_exists(db, name):
        defs = "".join(f', "{c.sql_name}" {c.affinity}' for c in columns)
        db.execute(f'CREATE TABLE "{name}" (ROW_ID INTEGER PRIMARY KEY, ROW_VERSION INTEGER NOT NULL{defs})')
        db.execute("INSERT OR IGNORE INTO table_state(entity_id, next_row_id) VALUES (?, 1)", (entity_id,))
        return name
    present = physical_columns(db, name)
    wanted = {c.sql_name for c in columns}
    for column in columns:
        if column.sql_name not in present:
            db.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column.sql_name}" {column.affinity}')
    for extra in sorted(present - wanted - {"ROW_ID", "ROW_VERSION"}):
        db.execute(f'ALTER TABLE "{name}" DROP COLUMN "{extra}"')
    return name


def table_state(db: sqlite3.Connection, entity_id: int) -> dict[str, Any]:
    row = db.execute(
        "SELECT next_row_id, etag, last_updated FROM table_state WHERE entity_id = ?", (entity_id,)
    ).fetchone()
    if row is None:
        return {"next_row_id": 1, "etag": None, "last_updated": None}
    return {"next_row_id": int(row[0]), "etag": row[1], "last_updated": row[2]}


def mark_changed(
    db: sqlite3.Connection, entity_id: int, etag: str, now: str, next_row_id: int | None = None
) -> None:
    """Record a change of the rows of a table (new etag, time, optionally the next row id)."""
    db.execute("INSERT OR IGNORE INTO table_state(entity_id, next_row_id) VALUES (?, 1)", (entity_id,))
    if next_row_id is None:
        db.execute(
            "UPDATE table_state SET etag = ?, last_updated = ? WHERE entity_id = ?", (etag, now, entity_id)
        )
    else:
        db.execute(
            "UPDATE table_state SET etag = ?, last_updated = ?, next_row_id = ? WHERE entity_id = ?",
            (etag, now, next_row_id, entity_id),
        )


def drop_tables(db: sqlite3.Connection, entity_id: int) -> None:
    """Drop the row table and every snapshot of a purged table."""
    names = [
        str(row[0])
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = ? OR name LIKE ?)",
            (row_table(entity_id), f"tbl_{entity_id}_v%"),
        )
    ]
    for name in names:
        db.execute(f'DROP TABLE "{name}"')
    db.execute("DELETE FROM table_state WHERE entity_id = ?", (entity_id,))


def max_rows_per_page(columns: list[Column], extra_cells: int = 2) -> int:
    """Rows that fit the ~512,000-byte page budget."""
    width = sum(c.cell_bytes() for c in columns) + 20 * extra_cells
    return max(1, PAGE_BUDGET_BYTES // max(width, 1))
