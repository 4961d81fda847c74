"""Column types and cell values (REFERENCE 2.6, 3.5): :class:`Column` (a ColumnModel resolved for storage)
and what a cell becomes in storage.

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
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from ...core.errors import BadRequest
from .lenient_json import normalize_json_cell

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


_ENTITY_ID = re.compile(r"^(?:syn)?(\d+)(?:\.\d+)?$", re.IGNORECASE)


_INTEGRAL = re.compile(r"^[+-]?\d+(?:\.0*)?$")


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
            if isinstance(value, str):
                return normalize_json_cell(value)
            return json.dumps(value, separators=(",", ":"))
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


def row_id_of(raw: Any) -> int | None:
    """A row reference's ``rowId`` as a number (``None`` when absent); 400 when it is not one."""
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid rowId: {raw}") from exc
