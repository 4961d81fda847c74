"""The SQLite storage of table rows (REFERENCE 2.6).

* Each TableEntity owns one SQLite table ``tbl_<entityId>`` with ``ROW_ID INTEGER PRIMARY KEY``,
  ``ROW_VERSION`` and one typed column ``c<columnModelId>`` per schema column.  A snapshot (table version)
  is a frozen copy ``tbl_<entityId>_v<version>``; ``FROM syn1.3`` reads it.
* ``table_state`` keeps the next row id, the table etag and the last-change time of each table.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .cells import Column

SCHEMA = """
    CREATE TABLE IF NOT EXISTS table_state (
        entity_id INTEGER PRIMARY KEY, next_row_id INTEGER NOT NULL DEFAULT 1, etag TEXT,
        last_updated TEXT, physical TEXT NOT NULL DEFAULT '[]')
    """

ROW_COLUMNS = ("ROW_ID", "ROW_VERSION", "ROW_ETAG")


#: Approximate bytes per cell used for ``maxRowsPerPage`` (page budget 512,000 bytes).
PAGE_BUDGET_BYTES = 512_000


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
