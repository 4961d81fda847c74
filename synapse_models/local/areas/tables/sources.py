"""Tables (REFERENCE 2.6): what the table modules share: request constants, the sources a query or a
write works on (a TableEntity's row table, a snapshot, or the computed rows of a view kind), the TableEntity
hooks and the ``tableBundle`` part of entity bundles.

Row versions: a new row gets ``ROW_VERSION`` 1 and every change of a row adds 1.  A full-row RowSet update
must carry the row's current ``versionNumber`` (412 when the row changed since); PartialRowSet changes are
not version-checked.  A change of the rows gives the table a new etag (``RowSet.etag``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.txn import Txn
from ..entities.service import BundlePart, EntityRecord, can_read, get_version, require_entity
from .cells import Column
from .columns import resolve_columns
from .hooks import view_kind
from .sql import Source
from .storage import (
    drop_tables,
    ensure_row_table,
    max_rows_per_page,
    physical_columns,
    row_table,
    table_exists,
    table_state,
)

REPO = "/repo/v1"
PKG = "org.sagebionetworks.repo.model.table."
TABLE_ENTITY = PKG + "TableEntity"
COLUMN_MODEL = PKG + "ColumnModel"
QUERY_BUNDLE_REQUEST = PKG + "QueryBundleRequest"
QUERY_NEXT_PAGE = PKG + "QueryNextPageToken"
DOWNLOAD_REQUEST = PKG + "DownloadFromTableRequest"
UPLOAD_REQUEST = PKG + "UploadToTableRequest"
APPEND_REQUEST = PKG + "AppendableRowSetRequest"
SCHEMA_CHANGE = PKG + "TableSchemaChangeRequest"
TRANSACTION_REQUEST = PKG + "TableUpdateTransactionRequest"
PARTIAL_ROW_SET = PKG + "PartialRowSet"
ROW_SET = PKG + "RowSet"
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
    row_ids: bool = True
    drop: Callable[[], None] | None = None
    """What removes a view's computed rows when the query is done."""


def table_record(txn: Txn, entity_id: int) -> EntityRecord:
    """A live table-like entity (TableEntity or a view); 400 for other entities."""
    record = require_entity(txn.db, entity_id)
    if record.concrete_type != TABLE_ENTITY and view_kind(txn, record.concrete_type) is None:
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


def open_source(txn: Txn, source: Source) -> TableSource:
    """Resolve ``FROM syn1[.3]`` for the caller (READ needed) to the rows to query."""
    db = txn.db
    record = table_record(txn, source.entity_id)
    kind = view_kind(txn, record.concrete_type)
    if not can_read(db, txn.user, record.id):
        raise Forbidden(f"You do not have READ permission for the requested entity, {record.syn_id}.")
    version = source.version
    if version == record.current_version:
        version = None
    columns = schema_of(db, record, version)
    state = table_state(db, record.id)
    is_view = kind is not None and kind.row_etags
    row_ids = kind is None or kind.row_ids
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
            is_view,
            version,
            state["etag"],
            state["last_updated"],
            row_ids,
        )
    if kind is not None:
        computed = kind.computed(txn, record, columns) if kind.computed is not None else None
        if computed is not None:
            return TableSource(
                record, columns, db, computed.name, None, is_view, None, record.etag, record.modified_on,
                row_ids, drop=computed.drop,
            )  # fmt: skip
        memory, name = materialize(txn, record, columns, kind.rows(txn, record, columns))
        return TableSource(
            record, columns, memory, name, None, is_view, None, record.etag, record.modified_on, row_ids
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


def source_rows(txn: Txn, source: Source) -> tuple[EntityRecord, list[Column], list[tuple[Any, ...]]]:
    """The record, columns and rows ``(ROW_ID, ROW_VERSION, cells...)`` (stored form) of ``FROM syn1[.3]``
    as the caller may read them (READ needed; a view's rows are those the caller can see)."""
    with opened(txn, source) as table:
        if table.table_name == "__empty__":
            return table.record, table.columns, []
        present = table.physical
        cells = "".join(
            f', "{c.sql_name}"' if present is None or c.sql_name in present else ", NULL"
            for c in table.columns
        )
        name = table.table_name
        found = table.db.execute(f'SELECT ROW_ID, ROW_VERSION{cells} FROM "{name}" ORDER BY ROW_ID')
        return table.record, table.columns, [tuple(row) for row in found]


def require_transactions(txn: Txn, record: EntityRecord) -> None:
    """400 ``Unsupported type: <type>`` for a table-like type that takes no table transaction (Synapse's
    worker text, e.g. for a MaterializedView)."""
    kind = view_kind(txn, record.concrete_type)
    if kind is not None and kind.write is None:
        raise BadRequest(f"Unsupported type: {record.entity_type}")


@contextmanager
def opened(txn: Txn, source: Source) -> Iterator[TableSource]:
    """:func:`open_source` that removes a view's computed rows (or closes its in-memory copy) afterwards."""
    table = open_source(txn, source)
    try:
        yield table
    finally:
        if table.drop is not None:
            table.drop()
        if table.db is not txn.db:
            table.db.close()


def _create_layout(db: sqlite3.Connection, name: str, columns: list[Column]) -> None:
    defs = "".join(f', "{c.sql_name}" {c.affinity}' for c in columns)
    db.execute(
        f'CREATE TABLE "{name}" (ROW_ID INTEGER PRIMARY KEY, ROW_VERSION INTEGER, ROW_ETAG TEXT{defs})'
    )


def materialize(
    txn: Txn, record: EntityRecord, columns: list[Column], rows: list[tuple[Any, ...]]
) -> tuple[sqlite3.Connection, str]:
    """Load a view's computed rows into a fresh in-memory database; return it and the table name."""
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    name = f"view_{record.id}"
    _create_layout(memory, name, columns)
    marks = ", ".join("?" * (3 + len(columns)))
    memory.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
    return memory, name


def freeze_rows(txn: Txn, columns: list[Column], frozen: str, rows: list[tuple[Any, ...]]) -> None:
    """Store a view's computed rows (as its snapshot's creator sees them) in the table ``frozen``."""
    txn.db.execute(f'DROP TABLE IF EXISTS "{frozen}"')
    _create_layout(txn.db, frozen, columns)
    marks = ", ".join("?" * (3 + len(columns)))
    txn.db.executemany(f'INSERT INTO "{frozen}" VALUES ({marks})', rows)


def empty_guard(source: TableSource, sql: str) -> str:
    """A query over a table that has no row table yet reads an empty inline table."""
    if source.table_name != "__empty__":
        return sql
    cols = ", ".join(f'NULL AS "{c.sql_name}"' for c in source.columns)
    empty = f"(SELECT NULL AS ROW_ID, NULL AS ROW_VERSION{', ' if cols else ''}{cols} WHERE 0)"
    return sql.replace('"__empty__"', empty)


def prepared_table(txn: Txn, record: EntityRecord) -> tuple[list[Column], str]:
    """The schema columns of a TableEntity and its row table, created or adjusted to the schema."""
    columns = schema_of(txn.db, record)
    return columns, ensure_row_table(txn.db, record.id, columns)


# -- entity hooks -------------------------------------------------------------------------------------


def validate_table_entity(txn: Txn, body: dict[str, Any], old: EntityRecord | None) -> None:
    """The entities' validator hook: column ids of tables and views exist; a view's own rules hold."""
    concrete_type = body.get("concreteType") or body.get("entityType") or (old.concrete_type if old else None)
    kind = view_kind(txn, concrete_type)
    if concrete_type != TABLE_ENTITY and kind is None:
        return
    raw_ids = body.get("columnIds")
    if raw_ids is not None and not isinstance(raw_ids, list):
        raise BadRequest("columnIds must be a list of column model ids")
    column_ids = [str(i) for i in raw_ids or []]
    if raw_ids is not None:
        body["columnIds"] = column_ids
    columns = resolve_columns(txn.db, column_ids)
    if kind is not None:
        kind.validate(txn, body)
    elif old is not None and old.concrete_type == TABLE_ENTITY:
        ensure_row_table(txn.db, old.id, columns)


def purge_tables(txn: Txn, entity_ids: list[int]) -> None:
    """The entities' purge hook: drop the rows and snapshots of tables purged for good."""
    for entity_id in entity_ids:
        drop_tables(txn.db, entity_id)


# -- entity bundles -----------------------------------------------------------------------------------


def _table_bundle(txn: Txn, record: EntityRecord, version: Any) -> dict[str, Any] | None:
    """The ``tableBundle`` part of an entity bundle: the version's column models and ``maxRowsPerPage``."""
    if record.concrete_type != TABLE_ENTITY and view_kind(txn, record.concrete_type) is None:
        return None
    columns = resolve_columns(txn.db, [str(i) for i in version.fields.get("columnIds") or []])
    return {"columnModels": [c.body for c in columns], "maxRowsPerPage": max_rows_per_page(columns)}


TABLE_BUNDLE_PART = BundlePart("includeTableBundle", "tableBundle", _table_bundle)
