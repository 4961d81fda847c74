"""Column models (REFERENCE 2.6): validation, creation and lookup.

``column_models`` holds every ColumnModel ever created (immutable; an identical definition gets the same id).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ...core.errors import BadRequest, NotFound
from ...core.store import dumps, loads
from .cells import (
    COLUMN_TYPES,
    DEFAULT_MAX_SIZE,
    LIST_TYPES,
    MAX_LIST_LENGTH,
    MAX_MAX_SIZE,
    NO_DEFAULT,
    SIZED_TYPES,
    Column,
    to_storage,
)

SCHEMA = """
    CREATE TABLE IF NOT EXISTS column_models (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, canonical TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS column_models_by_name ON column_models(name)
    """

MAX_COLUMNS = 152


MAX_ENUM_VALUES = 100


MAX_NAME_LENGTH = 256


RESERVED_NAMES = frozenset({"ROW_ID", "ROW_VERSION", "ROW_ETAG", "ROW_BENEFACTOR", "ROW_HASH_CODE"})


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
        if not isinstance(max_size, int) or isinstance(max_size, bool):
            raise _bad(name, f"maximumSize must be an integer, got {max_size!r}")
        # Synapse's words (ColumnModelUtils), for STRING, LINK and STRING_LIST alike.
        if max_size > MAX_MAX_SIZE:
            raise BadRequest(f"ColumnModel.maxSize for a STRING cannot exceed: {MAX_MAX_SIZE}")
        if max_size < 1:
            raise BadRequest("ColumnModel.maxSize for a STRING must be greater than 0")
        model["maximumSize"] = max_size
    elif isinstance(max_size, int) and not isinstance(max_size, bool):
        # Synapse keeps a size given to other types (copied column models carry one) and ignores it.
        model["maximumSize"] = max_size
    elif max_size is not None:
        raise _bad(name, f"maximumSize must be an integer, got {max_size!r}")
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
    probe = Column("0", name, column_type, _size(model), model.get("maximumListLength"), None, None, {})
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
        raise NotFound(f"Column model: '{column_id}' does not exist")  # Synapse's DBOColumnModelDAOImpl
    return dict(loads(row[0]))


def _size(model: dict[str, Any]) -> int | None:
    """The maximumSize that applies (only STRING, LINK and STRING_LIST have one)."""
    return model.get("maximumSize") if model["columnType"] in SIZED_TYPES else None


def column_from_model(model: dict[str, Any]) -> Column:
    """Build a :class:`Column` from a stored ColumnModel."""
    enum = model.get("enumValues")
    column = Column(
        id=str(model["id"]),
        name=model["name"],
        type=model["columnType"],
        max_size=_size(model),
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
    """Return the columns of ``column_ids`` (404 if one does not exist, 400 if ids or names repeat).

    The refusals are ColumnModelManagerImpl.getAndValidateColumnModels's.
    """
    columns = []
    seen: set[str] = set()
    seen_ids: set[str] = set()
    for column_id in column_ids:
        try:
            model = get_column_model(db, column_id)
        except NotFound as exc:
            raise NotFound(f"Column does not exist for id: {column_id}") from exc
        column = column_from_model(model)
        if str(column_id) in seen_ids:
            raise BadRequest(f"Duplicate column: '{column.name}'")
        if column.name in seen:
            raise BadRequest(f"Duplicate column name: '{column.name}'")
        seen.add(column.name)
        seen_ids.add(str(column_id))
        columns.append(column)
    if len(columns) > MAX_COLUMNS:
        raise BadRequest(f"A table may have at most {MAX_COLUMNS} columns, got {len(columns)}")
    return columns
