"""Tables: a schema of :class:`Column` objects and rows you write and query as pandas DataFrames."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from .column import Column
from .entity import LOCAL, Entity, EntityType, Versionable

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection
    from ..tables.query import FetchMethod

__all__ = ["Table", "TableBase", "UpsertResult", "query"]

_T = "org.sagebionetworks.repo.model.table."
TRANSACTION = _T + "TableUpdateTransactionRequest"
SCHEMA_CHANGE = _T + "TableSchemaChangeRequest"
APPEND = _T + "AppendableRowSetRequest"
PARTIAL_ROW_SET = _T + "PartialRowSet"
UPLOAD = _T + "UploadToTableRequest"
MAX_PARTIAL_BYTES = 1_900_000
"""Largest partial-row-set request body sent at once (Synapse allows 2 MB)."""
SMALL_FRAME_BYTES = 1_500_000
"""Frames whose rows encode smaller than this go as partial row sets; bigger ones as CSV uploads."""


def _columns(value: Iterable[Column] | None) -> list[Column] | None:
    if value is None:
        return None
    columns = list(value)
    seen: set[str] = set()
    for column in columns:
        if not isinstance(column, Column):
            raise ValidationError("columns", column, "expected Column objects")
        if column.name in seen:
            raise ValidationError("columns", column.name, "two columns have this name")
        seen.add(column.name)
    return columns


@attrs.define
class UpsertResult:
    """What :meth:`Table.upsert` did."""

    updated: int
    """Rows that matched a key and were updated."""
    inserted: int
    """Rows that matched no key and were added."""


def query(sql: str, *, include_row_metadata: bool = False, method: FetchMethod = "auto",
          connection: ConnectionLike | None = None) -> pd.DataFrame:
    """Run a Synapse SQL query on any table or view and return a DataFrame.

    Example:
        >>> sm.query("SELECT * FROM syn123 WHERE age > 30")
        >>> sm.query("SELECT * FROM syn123.2")          # a snapshot version

    Args:
        sql: ``SELECT ... FROM synNNN[.version] ...``.
        include_row_metadata: Add ``ROW_ID`` and ``ROW_VERSION`` columns (and ``ROW_ETAG`` for views).
        method: How rows are fetched: ``"auto"`` (pages for small results, one CSV download for large ones),
            ``"pages"`` or ``"csv"``.
        connection: The connection to use.

    Raises:
        ValidationError: ``sql`` names no table.
        BadRequestError: The server rejected the SQL; ``reason`` says why.
    """
    from ..tables.query import run_query, table_id_of

    table_id = table_id_of(sql)
    conn = get_connection(connection)
    etag = include_row_metadata and _is_view(conn, table_id)
    return run_query(conn, sql, include_row_metadata=include_row_metadata, include_etag=etag, method=method)


def _is_view(conn: Connection, entity_id: str) -> bool:
    header = conn.get(f"/entity/{entity_id}/type")
    return str(header.get("type", "")).rsplit(".", 1)[-1] in ("EntityView", "SubmissionView")


@attrs.define(kw_only=True)
class TableBase(Versionable):
    """What tables and views share: a schema of columns, queries into DataFrames and transactions."""

    _SCHEMA_BY_TRANSACTION: ClassVar[bool] = True

    columns: list[Column] | None = attrs.field(default=None, converter=_columns, metadata={LOCAL: True})
    """The schema, in order; ``None`` when not loaded yet (it loads on first use)."""
    column_ids: list[str] = attrs.field(factory=list, repr=False)
    """The ids of the stored column models, in order (kept in step with :attr:`columns` by ``store()``)."""
    is_search_enabled: bool | None = None
    """Whether full-text search is enabled for the table."""

    _specs: dict[str, dict[str, Any]] = attrs.field(factory=dict, init=False, repr=False, eq=False,
                                                    metadata={LOCAL: True})

    # -- schema -------------------------------------------------------------------------------------

    @classmethod
    def _from_bundle(cls, bundle: dict[str, Any], conn: Connection, requested: object = None) -> Any:
        obj = super()._from_bundle(bundle, conn, requested)
        obj._load_columns(conn)
        return obj

    def _load_columns(self, conn: Connection) -> list[Column]:
        if self.id is None:
            self.columns = self.columns or []
            return self.columns
        models = list(conn.iter_offset(f"/entity/{self.id}/column", limit=100))
        by_id = {str(m["id"]): m for m in models}
        columns = []
        for column_id in self.column_ids or list(by_id):
            model = by_id.get(str(column_id))
            if model is None:
                continue
            columns.append(Column.from_wire(model))
            self._specs[str(column_id)] = columns[-1].spec()
        self.columns = columns
        return columns

    def schema(self, *, connection: ConnectionLike | None = None) -> list[Column]:
        """The columns, loading them from the server if this object has not got them yet."""
        if self.columns is None:
            return self._load_columns(self._conn(connection))
        return self.columns

    def _before_store(self, conn: Connection) -> None:
        if self.columns is None:
            return
        if self.id is None or not self._SCHEMA_BY_TRANSACTION:
            self.column_ids = self._create_models(conn, self.columns)

    def _adopt_existing(self, conn: Connection) -> None:
        super()._adopt_existing(conn)
        if self._SCHEMA_BY_TRANSACTION and self._stored is not None:
            # keep the stored schema for the PUT; _after_store changes it through a schema transaction
            self.column_ids = [str(i) for i in self._stored[0].get("columnIds") or []]

    def _after_store(self, conn: Connection) -> None:
        super()._after_store(conn)
        if self.columns is not None and self._SCHEMA_BY_TRANSACTION:
            self._change_schema(conn)

    def _create_models(self, conn: Connection, columns: Sequence[Column]) -> list[str]:
        """Ids of column models matching ``columns`` (created in one batch; the server reuses equal ones)."""
        needed = [c for c in columns if c.id is None or self._specs.get(c.id) != c.spec()]
        if needed:
            body = {"concreteType": "org.sagebionetworks.repo.model.ListWrapper",
                    "list": [c.spec() for c in needed]}
            created = conn.post("/column/batch", body)["list"]
            for column, model in zip(needed, created, strict=True):
                column.with_id(str(model["id"]))
                self._specs[str(model["id"])] = column.spec()
        return [str(c.id) for c in columns]

    def _change_schema(self, conn: Connection) -> None:
        """Diff the stored schema with :attr:`columns` and apply it in one schema-change transaction."""
        columns = self.columns or []
        stored_ids = [str(i) for i in self.column_ids]
        stored_names: dict[str, str] = {}
        if stored_ids and any(i not in self._specs for i in stored_ids):
            for model in conn.iter_offset(f"/entity/{self.id}/column", limit=100):
                self._specs[str(model["id"])] = Column.from_wire(model).spec()
        for column_id in stored_ids:
            spec = self._specs.get(column_id)
            if spec:
                stored_names[spec["name"]] = column_id
        # each wanted column replaces the stored column it came from (its id), or the one with its name
        origins: list[str | None] = []
        claimed: set[str] = set()
        for column in columns:
            origin = column.id if column.id in stored_ids else stored_names.get(column.name)
            if origin in claimed:
                origin = None
            if origin is not None:
                claimed.add(origin)
            origins.append(origin)
        new_ids = self._create_models(conn, columns)
        if new_ids == stored_ids:
            return
        changes: list[dict[str, Any]] = []
        for origin, new_id in zip(origins, new_ids, strict=True):
            if origin != new_id:
                changes.append({"oldColumnId": origin, "newColumnId": new_id})
        changes += [{"oldColumnId": old, "newColumnId": None} for old in stored_ids if old not in claimed]
        schema_change = {"concreteType": SCHEMA_CHANGE, "entityId": self.id, "changes": changes,
                         "orderedColumnIds": new_ids}
        self._transaction(conn, [schema_change])
        self._apply(conn.get(f"/entity/{self.id}"), None)

    # -- transactions and queries ------------------------------------------------------------------------

    def _transaction(self, conn: Connection, changes: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        body = {"concreteType": TRANSACTION, "entityId": self.id, "changes": changes, **extra}
        result: dict[str, Any] = conn.run_async_job(f"/entity/{self.id}/table/transaction", body)
        return result

    def _require_id(self) -> str:
        if self.id is None:
            raise ValidationError("id", None,
                                  f"this {type(self).__name__} is not stored yet; store() it first")
        return self.id

    def query(self, sql: str | None = None, *, include_row_metadata: bool = False,
              method: FetchMethod = "auto", connection: ConnectionLike | None = None) -> pd.DataFrame:
        """Query this table (``SELECT * FROM <id>`` by default) into a DataFrame typed by its columns.

        Args:
            sql: Synapse SQL; any ``FROM syn...`` works, including ``FROM syn123.2`` for a snapshot;
                ``{id}`` stands for this table's id.
            include_row_metadata: Add ``ROW_ID``, ``ROW_VERSION`` (and ``ROW_ETAG`` for views) first.
            method: ``"auto"`` (pages for small results, a CSV download for large ones), ``"pages"`` or
                ``"csv"``.
            connection: The connection to use.

        Raises:
            BadRequestError: The server rejected the SQL; ``reason`` says why.
        """
        from ..tables.query import run_query

        table_id = self._require_id()
        sql = sql.replace("{id}", table_id) if sql else f"SELECT * FROM {table_id}"
        return run_query(self._conn(connection), sql,
                         include_row_metadata=include_row_metadata, include_etag=self._ETAGS, method=method)

    _ETAGS: ClassVar[bool] = False

    def _check_frame(self, df: Any, columns: Sequence[Column], *, keep: Sequence[str] = ()) -> pd.DataFrame:
        """The frame's schema columns (plus ``keep`` metadata columns); unknown columns are an error."""
        import pandas as pd

        from ..tables.types import METADATA_COLUMNS

        if not isinstance(df, pd.DataFrame):
            raise ValidationError("df", type(df).__name__, "expected a pandas DataFrame")
        names = [c.name for c in columns]
        if df.columns.duplicated().any():
            raise ValidationError(f"columns[{df.columns[df.columns.duplicated()][0]!r}]", None,
                                  "the DataFrame has this column twice")
        for name in df.columns:
            if name in METADATA_COLUMNS:
                continue
            if name not in names:
                raise ValidationError(f"columns[{name!r}]", name,
                                      f"not a column of {self.id or self.name}; its columns are {names}")
        wanted = [n for n in keep if n in df.columns] + [n for n in df.columns if n in names]
        selected: pd.DataFrame = df[wanted]
        return selected


@attrs.define(kw_only=True)
class Table(TableBase):
    """A Synapse table: a schema of columns and rows, written and read as pandas DataFrames.

    Example:
        >>> table = Table.from_dataframe(df, name="samples", parent=project).store()
        >>> table.append(more_rows)
        >>> table.query("SELECT * FROM {id} WHERE age > 30")
    """

    CONCRETE_TYPE: ClassVar[str] = _T + "TableEntity"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.TABLE

    _pending: Any = attrs.field(default=None, init=False, repr=False, eq=False, metadata={LOCAL: True})

    @classmethod
    def from_dataframe(cls, df: pd.DataFrame, *, name: str, parent: Entity | str,
                       columns: Sequence[Column] | None = None, **fields: Any) -> Table:
        """A new table whose columns fit ``df``; ``store()`` creates it and appends the rows.

        Columns are inferred from the dtypes (and from the values of ``object`` columns): integers ->
        INTEGER, floats -> DOUBLE, booleans -> BOOLEAN, datetimes -> DATE, text -> STRING sized to the longest
        value (MEDIUMTEXT/LARGETEXT beyond 1000/2000 characters), lists -> ``_LIST`` types, dicts -> JSON.

        Args:
            df: The rows.
            name: The table name.
            parent: The project or folder.
            columns: Columns to use instead of inferred ones, by name (others are still inferred).
            fields: Other :class:`Table` fields (``description=``, ``annotations=``...).

        Raises:
            ValidationError: A column cannot be typed (mixed values, unsupported dtype...).
        """
        from ..tables.types import infer_columns

        given = {c.name: c for c in columns or ()}
        inferred = [given.pop(c.name, c) for c in infer_columns(df)]
        if given:
            raise ValidationError(f"columns[{next(iter(given))!r}]", next(iter(given)),
                                  "not a column of the DataFrame")
        table = cls(name=name, parent=parent, columns=inferred, **fields)
        table._check_frame(df, inferred)
        table._pending = df
        return table

    def _after_store(self, conn: Connection) -> None:
        super()._after_store(conn)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            try:
                self.append(pending, connection=conn)
            except BaseException:
                self._pending = pending  # the table exists; store() again retries the rows
                raise

    # -- rows ----------------------------------------------------------------------------------------

    def append(self, df: pd.DataFrame, *, connection: ConnectionLike | None = None) -> int:
        """Add the rows of ``df`` (columns by name; missing ones stay empty) in one transaction.

        Small frames go as a partial row set; large ones are written as CSV files (each under 1 GB), uploaded
        and applied as upload-to-table changes. ``ROW_ID``/``ROW_VERSION`` columns are ignored.

        Returns:
            The number of rows added.

        Raises:
            ValidationError: A column of ``df`` is not in the schema, or a value does not fit its column
                (named in the error; raised before anything is sent).
        """
        conn = self._conn(connection)
        self._require_id()
        columns = self.schema(connection=conn)
        frame = self._check_frame(df, columns)
        if len(frame) == 0:
            return 0
        with tempfile.TemporaryDirectory(prefix="synapse-models-rows-") as scratch:
            changes = self._insert_changes(conn, frame, columns, Path(scratch))
            self._transaction(conn, changes)
        return len(frame)

    def _insert_changes(self, conn: Connection, frame: pd.DataFrame, columns: Sequence[Column],
                        scratch: Path) -> list[dict[str, Any]]:
        estimate = int(frame.memory_usage(deep=True, index=False).sum()) + 40 * frame.size
        if estimate <= SMALL_FRAME_BYTES:
            rows = self._partial_rows(frame, columns, row_ids=None)
            if sum(len(json.dumps(r)) for r in rows) <= MAX_PARTIAL_BYTES:
                return [self._append_change(rows)]
        from ..tables.csv import DESCRIPTOR, write_table_csv
        from ..transfer.upload import upload_path

        changes = []
        for path in write_table_csv(frame, [c for c in columns if c.name in frame.columns], scratch):
            handle = upload_path(conn, path, parent_id=self.parent_id, content_type="text/csv")
            changes.append({"concreteType": UPLOAD, "entityId": self.id, "tableId": self.id,
                            "uploadFileHandleId": str(handle["id"]), "linesToSkip": 0,
                            "csvTableDescriptor": dict(DESCRIPTOR)})
            path.unlink()
        return changes

    def _append_change(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"concreteType": APPEND, "entityId": self.id,
                "toAppend": {"concreteType": PARTIAL_ROW_SET, "tableId": self.id, "rows": rows}}

    def _partial_rows(self, frame: pd.DataFrame, columns: Sequence[Column], *, row_ids: Sequence[int] | None,
                      keep_nulls: bool = False) -> list[dict[str, Any]]:
        from ..tables.types import encode_cells

        by_name = {c.name: c for c in columns}
        encoded = [(str(by_name[n].id), encode_cells(frame[n], by_name[n])) for n in frame.columns
                   if n in by_name]
        rows: list[dict[str, Any]] = []
        for i in range(len(frame)):
            values = [{"key": key, "value": cells[i]} for key, cells in encoded
                      if keep_nulls or cells[i] is not None]
            row: dict[str, Any] = {"values": values}
            if row_ids is not None:
                row["rowId"] = int(row_ids[i])
            rows.append(row)
        return rows

    def _partial_changes(self, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Row changes grouped into transactions whose bodies stay under the 2 MB partial-row limit."""
        batches: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        size = 0
        for row in rows:
            row_size = len(json.dumps(row)) + 1
            if current and size + row_size > MAX_PARTIAL_BYTES:
                batches.append(current)
                current, size = [], 0
            current.append(row)
            size += row_size
        if current:
            batches.append(current)
        return batches

    def upsert(self, df: pd.DataFrame, key: Sequence[str] | str, *,
               connection: ConnectionLike | None = None) -> UpsertResult:
        """Update the rows whose ``key`` columns match a row of ``df``; add the others.

        Every column of ``df`` is written on matched rows (a missing value clears the cell).

        Raises:
            ValidationError: A key column is missing from ``df`` or the schema, or ``df`` repeats a key.
        """
        from ..tables.types import encode_cells

        conn = self._conn(connection)
        table_id = self._require_id()
        keys = [key] if isinstance(key, str) else list(key)
        columns = self.schema(connection=conn)
        frame = self._check_frame(df, columns)
        by_name = {c.name: c for c in columns}
        for name in keys:
            if name not in frame.columns:
                raise ValidationError("key", name, "the key column is not in the DataFrame")
        if not keys:
            raise ValidationError("key", key, "give at least one key column")
        wanted = list(zip(*(encode_cells(frame[k], by_name[k]) for k in keys), strict=True))
        if len(set(wanted)) != len(wanted):
            dup = next(k for k in wanted if wanted.count(k) > 1)
            raise ValidationError("key", dup, "the DataFrame repeats this key; each key may appear once")
        select = ", ".join(_quoted(k) for k in keys)
        existing = self.query(f"SELECT {select} FROM {table_id}", include_row_metadata=True, connection=conn)
        found: dict[tuple[Any, ...], list[int]] = {}
        if len(existing):
            stored_keys = zip(*(encode_cells(existing[k], by_name[k]) for k in keys), strict=True)
            for row_id, stored in zip(existing["ROW_ID"].tolist(), stored_keys, strict=True):
                found.setdefault(tuple(stored), []).append(int(row_id))
        update_positions: list[int] = []
        update_ids: list[int] = []
        insert_positions: list[int] = []
        for position, wanted_key in enumerate(wanted):
            ids = found.get(tuple(wanted_key))
            if ids:
                update_positions += [position] * len(ids)
                update_ids += ids
            else:
                insert_positions.append(position)
        updates = self._partial_rows(frame.iloc[update_positions], columns, row_ids=update_ids,
                                     keep_nulls=True)
        with tempfile.TemporaryDirectory(prefix="synapse-models-rows-") as scratch:
            inserts = (self._insert_changes(conn, frame.iloc[insert_positions], columns, Path(scratch))
                       if insert_positions else [])
            batches = self._partial_changes(updates)
            if len(batches) <= 1:  # one atomic transaction
                self._transaction(conn, [self._append_change(b) for b in batches] + inserts)
            else:
                for batch in batches:
                    self._transaction(conn, [self._append_change(batch)])
                if inserts:
                    self._transaction(conn, inserts)
        return UpsertResult(updated=len(set(update_ids)), inserted=len(insert_positions))

    def delete_rows(self, rows: pd.DataFrame | Iterable[int] | None = None, *, query: str | None = None,
                    connection: ConnectionLike | None = None) -> int:
        """Delete rows given by a frame with a ``ROW_ID`` column, by row ids, or by a query.

        Example:
            >>> table.delete_rows(query=f"SELECT ROW_ID FROM {table.id} WHERE age > 90")
            >>> table.delete_rows(table.query(include_row_metadata=True).head(3))

        Returns:
            The number of rows deleted.

        Raises:
            ValidationError: Neither or both of ``rows`` and ``query`` given, or the frame has no ROW_ID.
        """
        import pandas as pd

        conn = self._conn(connection)
        table_id = self._require_id()
        if (rows is None) == (query is None):
            raise ValidationError("rows", rows,
                                  "give either rows (a frame with ROW_ID, or row ids) or query=")
        if query is not None:
            from ..tables.query import table_id_of

            if table_id_of(query) != table_id:
                raise ValidationError("query", query, f"must select from this table ({table_id})")
            found = self.query(query, include_row_metadata=True, connection=conn)
            ids = [int(i) for i in found["ROW_ID"].dropna().tolist()]
        elif isinstance(rows, pd.DataFrame):
            if "ROW_ID" not in rows.columns:
                raise ValidationError("rows", list(rows.columns),
                                      "the frame has no ROW_ID column; query with include_row_metadata=True")
            ids = [int(i) for i in rows["ROW_ID"].dropna().tolist()]
        else:
            assert rows is not None
            ids = [int(i) for i in rows]
        unique = list(dict.fromkeys(ids))
        for batch in self._partial_changes([{"rowId": i} for i in unique]):
            self._transaction(conn, [{"concreteType": APPEND, "entityId": table_id,
                                      "toAppend": {"concreteType": PARTIAL_ROW_SET, "tableId": table_id,
                                                   "rows": batch}}])
        return len(unique)

    def snapshot(self, *, comment: str | None = None, label: str | None = None,
                 activity_id: str | None = None, connection: ConnectionLike | None = None) -> int:
        """Freeze the current rows as a numbered version (query it with ``FROM syn123.<version>``).

        Returns:
            The snapshot's version number.
        """
        conn = self._conn(connection)
        table_id = self._require_id()
        body = {k: v for k, v in {"snapshotComment": comment, "snapshotLabel": label,
                                  "snapshotActivityId": activity_id}.items() if v is not None}
        version = int(conn.post(f"/entity/{table_id}/table/snapshot", body)["snapshotVersionNumber"])
        self._apply(conn.get(f"/entity/{table_id}"), None)
        return version


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

