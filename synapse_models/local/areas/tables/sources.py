"""Tables (REFERENCE 2.6): what the table modules share: request constants, the sources a query or a
write works on, the TableEntity hooks and the ``tableBundle`` part of entity bundles.  The endpoints live in
``table_columns.py`` (column models, schema changes), ``table_transactions.py`` (transaction/append jobs,
row-set application, deleteRows, snapshots), ``table_csv.py`` (CSV upload and preview), ``table_queries.py``
(queries, nextPage, CSV download) and ``table_files.py`` (file cells).  Storage and cell encodings live in
``table_store.py``, Synapse SQL in ``sql.py``, views (rows computed from entities) in ``views.py``.

Row versions: a new row gets ``ROW_VERSION`` 1 and every change of a row adds 1.  A full-row RowSet update
must carry the row's current ``versionNumber`` (412 when the row changed since); PartialRowSet changes are
not version-checked.  A change of the rows gives the table a new etag (``RowSet.etag``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ...core.context import Txn, User
from ...core.errors import BadRequest, Forbidden, NotFound
from ..entities.bundles import register_bundle_part
from ..entities.records import HOOKS, EntityRecord, get_version, require_entity
from ..views import rows as views
from .columns import (
    Column,
    ensure_row_table,
    max_rows_per_page,
    physical_columns,
    resolve_columns,
    row_table,
    table_exists,
    table_state,
)
from .sql import Source

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


def _table_columns(txn: Txn, record: EntityRecord) -> tuple[list[Column], str]:
    columns = schema_of(txn.db, record)
    return columns, ensure_row_table(txn.db, record.id, columns)


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
    from .columns import drop_tables

    for entity_id in entity_ids:
        drop_tables(txn.db, entity_id)


HOOKS.validators.append(_validate_table_entity)
HOOKS.purge.append(_purge_tables)


# -- entity bundles -----------------------------------------------------------------------------------


def _table_bundle(txn: Txn, record: EntityRecord, version: Any) -> dict[str, Any] | None:
    """The ``tableBundle`` part of an entity bundle: the version's column models and ``maxRowsPerPage``."""
    if record.concrete_type != TABLE_ENTITY and not views.is_view(record):
        return None
    columns = resolve_columns(txn.db, [str(i) for i in version.fields.get("columnIds") or []])
    return {"columnModels": [c.body for c in columns], "maxRowsPerPage": max_rows_per_page(columns)}


register_bundle_part("includeTableBundle", "tableBundle", _table_bundle)
