"""MaterializedView and VirtualTable (REFERENCE 2.6) as view kinds of the tables area: tables whose rows are
the result of a defining SQL over other tables and views.

* Create/update (``validate``): the definingSQL is checked (Synapse's texts: required, parse errors,
  ``Schema for syn1 is empty.``, a VirtualTable names one table, ...), the caller must be able to READ every
  source, and ``columnIds`` become the columns of its result (created as needed).
* Query (``rows``): the defining SQL runs, as the caller, over what the caller may read of each source (a
  view's rows are filtered as when querying it; READ on every source is required, as Synapse requires it on
  every dependency), so the rows always reflect the sources' current state.  A VirtualTable's results carry
  no ``ROW_ID``/``ROW_VERSION``; a MaterializedView's rows are numbered 1..n in result order (version 0).
* A MaterializedView's schema follows its sources: each query start binds the columns of the current result
  (``prepare``), as Synapse re-binds it when it rebuilds the view.
* Neither takes table transactions (row changes, schema changes, snapshots): 400 ``Unsupported type:
  materializedview``, Synapse's text.

Unlike Synapse, the local server keeps no index of a MaterializedView: it is computed when queried.  That
makes it "refreshed when its sources change" at once, with per-caller row visibility for view sources.
"""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...core.errors import BadRequest, Forbidden
from ...core.txn import Txn
from ..entities.service import EntityRecord, can_read, current_version, parse_entity_id, update_fields
from ..tables.service import (
    Column,
    ViewKind,
    create_column,
    resolve_columns,
    schema_of,
    source_rows,
    table_record,
    to_storage,
    view_kind,
)
from .defining import Defined, source_tables, translate

PKG = "org.sagebionetworks.repo.model.table."


MATERIALIZED_VIEW = PKG + "MaterializedView"


VIRTUAL_TABLE = PKG + "VirtualTable"


_WHAT = {MATERIALIZED_VIEW: "materialized view", VIRTUAL_TABLE: "virtual table"}


JOIN_NOT_SUPPORTED = "The JOIN keyword is not supported in this context"


UNION_NOT_SUPPORTED = "The UNION keyword is not supported in this context"


GROUP_BY_OVER_VIEW = (
    "The defining SQL of a materialized view with a view dependency cannot include a group by clause"
)


#: The derived tables being computed in this context (a definition that reaches itself is refused).
_computing: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "derived_computing", default=frozenset()
)


@contextmanager
def _computing_rows(entity_id: int) -> Iterator[None]:
    active = _computing.get()
    if entity_id in active:
        raise BadRequest("Defining SQL cannot reference itself")
    token = _computing.set(active | {entity_id})
    try:
        yield
    finally:
        _computing.reset(token)


def define(txn: Txn, concrete_type: str, sql: Any, own_id: int | None) -> Defined:
    """Parse and check a defining SQL against its sources' current schemas."""
    text, tables = source_tables(sql, _WHAT[concrete_type])
    views = False
    for table in tables:
        if own_id is not None and table.source.entity_id == own_id:
            raise BadRequest("Defining SQL cannot reference itself")
        record = table_record(txn, table.source.entity_id)
        if not can_read(txn.db, txn.user, record.id):
            raise Forbidden(f"You do not have READ permission for the requested entity, {record.syn_id}.")
        kind = view_kind(txn, record.concrete_type)
        views = views or (kind is not None and kind.row_etags)
        table.columns = schema_of(txn.db, record, table.source.version)
        if not table.columns:
            raise BadRequest(f"Schema for {table.name} is empty.")
    if concrete_type == VIRTUAL_TABLE and len({t.source for t in tables}) != 1:
        raise BadRequest(JOIN_NOT_SUPPORTED)
    defined = translate(text, tables)
    if concrete_type == VIRTUAL_TABLE and defined.joins:
        raise BadRequest(JOIN_NOT_SUPPORTED)
    if concrete_type == VIRTUAL_TABLE and defined.union:
        raise BadRequest(UNION_NOT_SUPPORTED)
    if concrete_type == MATERIALIZED_VIEW and defined.aggregate and views:
        raise BadRequest(GROUP_BY_OVER_VIEW)
    return defined


def _bind(txn: Txn, defined: Defined) -> list[str]:
    """Ids of the column models of the result (created as needed; names must differ)."""
    ids = [str(create_column(txn, model)["id"]) for model in defined.schema]
    resolve_columns(txn.db, ids)
    return ids


def validate(txn: Txn, body: dict[str, Any]) -> None:
    """Check a MaterializedView/VirtualTable body and set its ``columnIds`` to the result's columns."""
    concrete_type = str(body.get("concreteType") or body.get("entityType"))
    own_id = parse_entity_id(body["id"]) if body.get("id") is not None else None
    if concrete_type not in _WHAT and own_id is not None:
        concrete_type = table_record(txn, own_id).concrete_type
    body["columnIds"] = _bind(txn, define(txn, concrete_type, body.get("definingSQL"), own_id))


def prepare(txn: Txn, record: EntityRecord) -> None:
    """Bind a MaterializedView's schema to its current result before a query (a source's schema may have
    changed since the view was stored)."""
    version = current_version(txn.db, record)
    ids = _bind(txn, define(txn, record.concrete_type, version.fields.get("definingSQL"), record.id))
    if ids != [str(i) for i in version.fields.get("columnIds") or []]:
        update_fields(txn, record, {"columnIds": ids})


def _load(memory: sqlite3.Connection, txn: Txn, defined: Defined) -> None:
    """One in-memory table per source, holding what the caller may read of it."""
    for table in defined.sources:
        _, columns, rows = source_rows(txn, table.source)
        names = "".join(f', "{c.sql_name}" {c.affinity}' for c in columns)
        memory.execute(f'CREATE TABLE "{table.physical}" (ROW_ID INTEGER, ROW_VERSION INTEGER{names})')
        marks = ", ".join("?" * (2 + len(columns)))
        memory.executemany(f'INSERT INTO "{table.physical}" VALUES ({marks})', rows)


def _cell(column: Column, value: Any, stored: bool) -> Any:
    if value is None or stored:
        return value
    try:
        return to_storage(column, value)
    except BadRequest:  # a value that does not fit its column shows as null, as in views
        return None


def result_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> list[tuple[Any, ...]]:
    """The rows of a derived table for the caller: ``(row number, 0, None, cells...)`` in result order."""
    with _computing_rows(record.id):
        version = current_version(txn.db, record)
        defined = define(txn, record.concrete_type, version.fields.get("definingSQL"), record.id)
        memory = sqlite3.connect(":memory:")
        try:
            _load(memory, txn, defined)
            try:
                result = memory.execute(defined.sql).fetchall()
            except sqlite3.Error as exc:
                raise BadRequest(f"Invalid SQL: {exc}") from exc
        finally:
            memory.close()
    positions: dict[str, int] = {}
    for index, model in enumerate(defined.schema):
        positions.setdefault(model["name"], index)
    plan: list[tuple[Column, int | None, bool]] = []
    for column in columns:
        found = positions.get(column.name)
        same = found is not None and defined.passthrough[found]
        same = same and found is not None and defined.schema[found]["columnType"] == column.type
        plan.append((column, found, same))
    return [
        (number, 0, None, *(None if i is None else _cell(c, row[i], same) for c, i, same in plan))
        for number, row in enumerate(result, start=1)
    ]


KINDS = (
    ViewKind(MATERIALIZED_VIEW, validate, result_rows, None, row_etags=False, row_ids=True, prepare=prepare),
    ViewKind(VIRTUAL_TABLE, validate, result_rows, None, row_etags=False, row_ids=False),
)
