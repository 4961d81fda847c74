"""SQLite persistence: one database file plus a blob directory under the data dir.

* ``Store(data_dir, schema)`` — opens (or creates) the database and runs the DDL scripts ``schema``
  (``CREATE TABLE IF NOT EXISTS ...``; statements separated by ``;``): the app passes the core's tables and
  those of its areas.
* ``Store.read()`` / ``Store.write()`` — context managers yielding a pooled ``sqlite3.Connection`` inside a
  transaction.  Reads run concurrently (WAL mode); writes are serialized by a process-wide lock and use
  ``BEGIN IMMEDIATE``, so a handler's read-check-write sequence is atomic.  Never open a transaction while
  holding another one in the same thread (the write lock is not re-entrant).
* ``next_value(db, name, start)`` — persistent counters (ids, deterministic etags and clock).
* ``dumps``/``loads`` — compact JSON for the JSON-typed columns; ``stamps(row)`` — the etag and the
  created/modified stamps of a row as Synapse JSON; ``fetch_or_404``/``row_by_id`` — one row or a 404;
  ``ids_below`` — the rows below one in a ``parent_id`` tree.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import NotFound

#: The store's own tables: counters and server settings.
SCHEMA = """
    CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """


def dumps(value: Any) -> str:
    """Serialize a JSON value compactly for storage."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads(text: str | bytes | None) -> Any:
    """Parse a stored JSON column (``None`` stays ``None``)."""
    return None if text is None else json.loads(text)


def stamps(row: sqlite3.Row) -> dict[str, Any]:
    """Return the ``etag``, ``createdOn/By`` and ``modifiedOn/By`` of a row as JSON (ids as strings)."""
    return {
        "etag": row["etag"],
        "createdOn": row["created_on"],
        "createdBy": str(row["created_by"]),
        "modifiedOn": row["modified_on"],
        "modifiedBy": str(row["modified_by"]),
    }


def fetch_or_404(db: sqlite3.Connection, sql: str, params: Sequence[Any], missing: str) -> sqlite3.Row:
    """Return the first row ``sql`` selects; a 404 whose reason is ``missing`` when there is none."""
    row: sqlite3.Row | None = db.execute(sql, params).fetchone()
    if row is None:
        raise NotFound(missing)
    return row


def row_by_id(db: sqlite3.Connection, table: str, row_id: int, missing: str) -> sqlite3.Row:
    """Return the row of ``table`` whose id is ``row_id``; 404 with the reason ``missing`` when there is none.

    ``table`` is one of our own table names, never user input.
    """
    return fetch_or_404(db, f"SELECT * FROM {table} WHERE id = ?", (row_id,), missing)


def ids_below(db: sqlite3.Connection, table: str, root_id: int) -> list[int]:
    """The ids of every row below ``root_id`` in a tree kept as ``table(id, parent_id)`` (not the root).

    Entities and wiki pages are both such trees; ``table`` is one of our own table names, never user input.
    """
    rows = db.execute(
        f"WITH RECURSIVE sub(id) AS (SELECT id FROM {table} WHERE parent_id = ?"
        f" UNION ALL SELECT t.id FROM {table} t JOIN sub s ON t.parent_id = s.id) SELECT id FROM sub",
        (root_id,),
    ).fetchall()
    return [int(row[0]) for row in rows]


def next_value(db: sqlite3.Connection, name: str, start: int = 1) -> int:
    """Return the next value of the persistent counter ``name`` (first value ``start``).

    Must run inside a write transaction.
    """
    row = db.execute("SELECT value FROM sequences WHERE name = ?", (name,)).fetchone()
    value = start if row is None else int(row[0]) + 1
    db.execute(
        "INSERT INTO sequences(name, value) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        (name, value),
    )
    return value


def current_value(db: sqlite3.Connection, name: str) -> int | None:
    """Return the last value handed out by counter ``name``, or ``None`` if never used."""
    row = db.execute("SELECT value FROM sequences WHERE name = ?", (name,)).fetchone()
    return None if row is None else int(row[0])


def get_setting(db: sqlite3.Connection, name: str) -> str | None:
    """Return a persisted server setting."""
    row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def set_setting(db: sqlite3.Connection, name: str, value: str) -> None:
    """Persist a server setting (inside a write transaction)."""
    db.execute(
        "INSERT INTO settings(name, value) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def delete_setting(db: sqlite3.Connection, name: str) -> None:
    """Forget a persisted server setting (inside a write transaction)."""
    db.execute("DELETE FROM settings WHERE name = ?", (name,))


class Store:
    """The database and blob directory of one server instance."""

    def __init__(self, data_dir: str | os.PathLike[str], schema: Sequence[str] = ()) -> None:
        self.data_dir = Path(data_dir)
        # Owner only: the data dir (0700; an existing one is tightened) and the database files (0600; SQLite
        # gives its -wal and -shm files the mode of the database file).
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self.blob_dir = self.data_dir / "blobs"
        self.blob_dir.mkdir(mode=0o700, exist_ok=True)
        for work_dir in ("uploads", "tmp"):  # multipart parts and job scratch files (areas write there)
            (self.data_dir / work_dir).mkdir(mode=0o700, exist_ok=True)
        self.path = self.data_dir / "synapse.sqlite3"
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        for name in (self.path.name, f"{self.path.name}-wal", f"{self.path.name}-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(self.data_dir / name, 0o600)
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writing = threading.local()
        self._closed = False
        with self.write() as db:
            for script in (SCHEMA, *schema):
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        with self._pool_lock:
            self._all.append(db)
        return db

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError("the store is closed")
        try:
            db = self._pool.get_nowait()
        except queue.Empty:
            db = self._connect()
        try:
            yield db
        finally:
            if db.in_transaction:
                db.rollback()
            self._pool.put(db)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside a read transaction (a consistent snapshot)."""
        with self._connection() as db:
            db.execute("BEGIN")
            try:
                yield db
            finally:
                db.rollback()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside a serialized write transaction, committed on success."""
        if getattr(self._writing, "active", False):
            raise RuntimeError("nested write transaction: use the transaction you already hold (txn.db)")
        with self._write_lock, self._connection() as db:
            self._writing.active = True
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.rollback()
                    raise
                db.commit()
            finally:
                self._writing.active = False

    def close(self) -> None:
        """Close every pooled connection."""
        self._closed = True
        with self._pool_lock:
            connections, self._all = self._all, []
        for db in connections:
            db.close()
        while True:
            try:
                self._pool.get_nowait()
            except queue.Empty:
                break
