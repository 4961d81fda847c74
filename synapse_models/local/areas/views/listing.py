"""An EntityView's rows computed inside SQLite, read page by page instead of materialized for every query.

For a query, the view's scope becomes two small temporary tables on the request's own connection -- the
containers in scope (each with its path, benefactor, project and whether the caller may read what it holds)
and the entities that have an ACL of their own -- and a temporary view joins them with the entities and
their current versions, in id order, laid out like a row table. A page (``LIMIT``/``OFFSET``) then reads only
the entities up to its end, and the cells of the rows it returns are converted to their stored form by
functions registered on the connection for the query (the same conversions as :mod:`.rows`). The work per
query is proportional to the containers and ACLs, not to the entities in scope.

Views of projects (the project bit alone) and SubmissionViews are few rows; they keep the materialized path.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from ...core import acl
from ...core.txn import Txn
from ..entities.service import (
    ENTITY_TYPES,
    PROJECT,
    EntityRecord,
    benefactor_id,
    current_rows_sql,
    current_version,
    descendant_folders,
    get_record,
    is_trashed,
    parse_entity_id,
)
from ..files.service import get_file_handle
from ..tables.service import Column, ComputedRows, to_storage
from .defaults import DEFAULT_FIELDS, HANDLE_KEYS, epoch_ms, path_of, project_of
from .rows import annotation_value
from .scope import ENTITY_VIEW, MASK_BITS

__all__ = ["computed_rows"]

_tags = itertools.count(1)
_ARITY = {"cell": 2, "note": 2, "handle": 2, "read": 1, "epoch": 1}
"""The per-query SQL functions and their numbers of arguments."""

#: Default columns that are a plain column of the entity rows (``current_rows_sql``).
_PLAIN = {
    "id": "s.id",
    "name": "s.name",
    "description": "s.description",
    "createdBy": "s.created_by",
    "etag": "s.etag",
    "modifiedBy": "s.modified_by",
    "currentVersion": "s.current_version",
    "parentId": "s.parent_id",
    "dataFileHandleId": "CAST(s.file_handle_id AS INTEGER)",
}
_TYPE_NAMES = " ".join(f"WHEN '{concrete}' THEN '{name}'" for concrete, name in ENTITY_TYPES.items())


def computed_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> ComputedRows | None:
    """The rows of an EntityView as a temporary view on ``txn.db`` (``None`` for the kinds kept in memory)."""
    if record.concrete_type != ENTITY_VIEW:
        return None
    version = current_version(txn.db, record)
    mask = int(version.fields.get("viewTypeMask") or 0x01)
    if mask == 0x02:
        return None
    wanted = {name for bit, name in MASK_BITS.items() if mask & bit}
    types = [t for t, name in ENTITY_TYPES.items() if name in wanted]
    scope = [parse_entity_id(s) for s in version.fields.get("scopeIds") or []]
    tag = next(_tags)
    names = {
        k: f"sm_{k}_{tag}" for k in ("scope", "owned", "view", "cell", "note", "handle", "read", "epoch")
    }
    db = txn.db
    owned = acl.objects_with_acl(db, "entity")
    try:
        _fill(txn, names, scope, owned)
        for key, function in _functions(txn, columns).items():
            db.create_function(names[key], _ARITY[key], function)
        db.execute(f"CREATE TEMP VIEW {names['view']} AS {_select(names, columns, types)}")
    except BaseException:
        _drop(db, names)
        raise
    return ComputedRows(names["view"], lambda: _drop(db, names))


def _fill(txn: Txn, names: dict[str, str], scope: list[int], owned: set[str]) -> None:
    """The containers in scope (path, benefactor, project, readable) and the entities with an ACL."""
    db = txn.db
    readable: dict[int, int] = {}

    def may_read(benefactor: int) -> int:
        if benefactor not in readable:
            readable[benefactor] = int(
                txn.is_admin or "READ" in acl.granted(db, txn.user, "entity", benefactor)
            )
        return readable[benefactor]

    rows: dict[int, tuple[int, str, int, int | None, int]] = {}
    for scope_id in scope:
        found = get_record(db, scope_id)
        if found is None or scope_id in rows or is_trashed(db, scope_id):
            continue
        project = scope_id if found.concrete_type == PROJECT else project_of(db, scope_id)
        benefactor = benefactor_id(db, scope_id)
        rows[scope_id] = (scope_id, path_of(db, scope_id), benefactor, project, may_read(benefactor))
        for folder_id, parent_id, name in descendant_folders(db, scope_id):
            if folder_id in rows:
                continue
            _, parent_path, parent_benefactor, _, _ = rows[parent_id]
            benefactor = folder_id if str(folder_id) in owned else parent_benefactor
            rows[folder_id] = (folder_id, f"{parent_path}/{name}", benefactor, project, may_read(benefactor))
    db.execute(
        f"CREATE TEMP TABLE {names['scope']} (id INTEGER PRIMARY KEY, path TEXT, benefactor INTEGER,"
        " project INTEGER, readable INTEGER)"
    )
    db.executemany(f"INSERT INTO {names['scope']} VALUES (?, ?, ?, ?, ?)", rows.values())
    db.execute(f"CREATE TEMP TABLE {names['owned']} (id INTEGER PRIMARY KEY)")
    db.executemany(f"INSERT INTO {names['owned']} VALUES (?)", ((int(i),) for i in owned if i.isdigit()))


def _select(names: dict[str, str], columns: list[Column], types: list[str]) -> str:
    cells = [f'{_cell(names, column, i)} AS "{column.sql_name}"' for i, column in enumerate(columns)]
    listed = ", ".join(["s.id AS ROW_ID", "s.current_version AS ROW_VERSION", "s.etag AS ROW_ETAG", *cells])
    visible = f"CASE WHEN o.id IS NULL THEN c.readable ELSE {names['read']}(o.id) END"
    return (
        f"SELECT {listed} FROM ({current_rows_sql(names['scope'], types or ['none'])}) AS s"
        f" JOIN {names['scope']} c ON c.id = s.parent_id"
        f" LEFT JOIN {names['owned']} o ON o.id = s.id WHERE {visible}"
    )


def _cell(names: dict[str, str], column: Column, index: int) -> str:
    """SQL of one cell in its stored form: an annotation, or a default column's value converted."""
    if column.name not in DEFAULT_FIELDS:
        return f"{names['note']}({index}, s.annotations)"
    return f"{names['cell']}({index}, {_raw(names, column)})"


def _raw(names: dict[str, str], column: Column) -> str:
    """SQL of a default column's value before its conversion to the stored form."""
    name = column.name
    if name in _PLAIN:
        return _PLAIN[name]
    if name == "type":
        return f"(CASE s.concrete_type {_TYPE_NAMES} ELSE 'folder' END)"
    if name in ("createdOn", "modifiedOn"):
        return f"{names['epoch']}(s.{'created_on' if name == 'createdOn' else 'modified_on'})"
    if name == "path":
        return "(c.path || '/' || s.name)"
    if name == "benefactorId":
        return "(CASE WHEN o.id IS NULL THEN c.benefactor ELSE s.id END)"
    if name == "projectId":
        return "c.project"
    return f"{names['handle']}(s.file_handle_id, '{HANDLE_KEYS[name]}')"


def _functions(txn: Txn, columns: list[Column]) -> dict[str, Callable[..., Any]]:
    """The per-query SQL functions: stored form of a cell, annotation value, file handle field, ACL check."""
    db = txn.db
    parsed: list[Any] = [None, {}]
    handles: dict[str, dict[str, Any]] = {}

    def cell(index: int, raw: Any) -> Any:
        try:
            return None if raw is None else to_storage(columns[index], raw)
        except Exception:  # a value that does not fit its column shows as null, as in a materialized view
            return None

    def note(index: int, text: str | None) -> Any:
        if text is None:
            return None
        if parsed[0] is not text:  # each row's annotations are parsed once, whatever the number of columns
            parsed[0], parsed[1] = text, json.loads(text) or {}
        column = columns[index]
        return annotation_value(column, parsed[1].get(column.name))

    def handle(handle_id: str | None, key: str) -> Any:
        if handle_id is None:
            return None
        if handle_id not in handles:
            handles.clear()  # rows come one at a time: only the current row's handle is worth keeping
            handles[handle_id] = get_file_handle(db, handle_id) or {}
        return handles[handle_id].get(key)

    def read(entity_id: int) -> int:
        return int(txn.is_admin or "READ" in acl.granted(db, txn.user, "entity", entity_id))

    return {"cell": cell, "note": note, "handle": handle, "read": read, "epoch": epoch_ms}


def _drop(db: sqlite3.Connection, names: dict[str, str]) -> None:
    """Remove the query's temporary view, tables and functions (the connection goes back to a pool)."""
    drops = [f"DROP VIEW IF EXISTS temp.{names['view']}"]
    drops += [f"DROP TABLE IF EXISTS temp.{names[k]}" for k in ("scope", "owned")]
    for statement in drops:
        # when the connection is being rolled back or closed, its temporary schema goes with it
        with contextlib.suppress(sqlite3.Error):
            db.execute(statement)
    for key, arity in _ARITY.items():
        db.create_function(names[key], arity, None)
