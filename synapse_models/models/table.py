"""Tables: a schema of :class:`Column` objects and rows you write and query as pandas DataFrames."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from ..tables import rows as table_rows
from ..tables._wire import PartialRow, SnapshotRequest, SnapshotResponse
from ..tables.encode import encode_cells
from ..tables.infer import infer_columns
from ..tables.query import run_query, table_id_of
from ._args import as_list
from ._html import Displayed
from ._table_base import TableBase, _columns
from .column import Column
from .entity import EntityLike
from .tree import EntityHeader, EntityType

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection
    from ..tables.query import FetchMethod

__all__ = ["Table", "TableBase", "UpsertResult", "query"]


@attrs.define
class UpsertResult(Displayed):
    """What :meth:`Table.upsert` did."""

    updated: int
    """Rows that matched a key and were updated."""
    inserted: int
    """Rows that matched no key and were added."""


def query(
    sql: str,
    *,
    include_row_metadata: bool = False,
    method: FetchMethod = "auto",
    connection: ConnectionLike | None = None,
) -> pd.DataFrame:
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
    table_id = table_id_of(sql)
    conn = get_connection(connection)
    etag = include_row_metadata and _is_view(conn, table_id)
    return run_query(conn, sql, include_row_metadata=include_row_metadata, include_etag=etag, method=method)


def _is_view(conn: Connection, entity_id: str) -> bool:
    header = from_wire(EntityHeader, conn.get(f"/entity/{entity_id}/type"))
    return header.entity_type in ("EntityView", "SubmissionView", "Dataset", "DatasetCollection")


@attrs.define(kw_only=True)
class Table(TableBase):
    """A Synapse table: a schema of columns and rows, written and read as pandas DataFrames.

    Example:
        >>> table = Table.from_dataframe(df, name="samples", parent=project).store()
        >>> table.append(more_rows)
        >>> table.query("SELECT * FROM {id} WHERE age > 30")
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.table.TableEntity"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.TABLE

    _pending: Any = attrs.field(default=None, init=False, repr=False, eq=False, metadata={LOCAL: True})

    @classmethod
    def from_dataframe(
        cls,
        df: pd.DataFrame,
        *,
        name: str,
        parent: EntityLike,
        columns: Sequence[Column] | None = None,
        **fields: Any,
    ) -> Table:
        """A new table whose columns fit ``df``; ``store()`` creates it and appends the rows.

        Columns are inferred from the dtypes (and from the values of ``object`` columns): integers ->
        INTEGER, floats -> DOUBLE, booleans -> BOOLEAN, datetimes -> DATE, text -> STRING with room for
        1.5 times the longest value (at least 50 characters; MEDIUMTEXT or LARGETEXT beyond 1000), lists ->
        ``_LIST`` types, dicts -> JSON. Pass ``columns=`` to size a column exactly.

        Args:
            df: The rows.
            name: The table name.
            parent: The project or folder.
            columns: Columns to use instead of inferred ones, by name (others are still inferred).
            fields: Other :class:`Table` fields (``description=``, ``annotations=``...).

        Raises:
            ValidationError: A column cannot be typed (mixed values, unsupported dtype...).
        """
        given = {c.name: c for c in _columns(columns) or ()}
        inferred = [given.pop(c.name, c) for c in infer_columns(df)]
        if given:
            raise ValidationError(
                f"columns[{next(iter(given))!r}]", next(iter(given)), "not a column of the DataFrame"
            )
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
        table_id = self._require_id()
        columns = self.schema(connection=conn)
        frame = self._check_frame(df, columns)
        if len(frame) == 0:
            return 0
        with tempfile.TemporaryDirectory(prefix="synapse-models-rows-") as scratch:
            changes = table_rows.insert_changes(conn, table_id, self.parent_id, frame, columns, Path(scratch))
            self._transaction(conn, changes)
        return len(frame)

    def upsert(
        self, df: pd.DataFrame, key: Sequence[str] | str, *, connection: ConnectionLike | None = None
    ) -> UpsertResult:
        """Update the rows whose ``key`` columns match a row of ``df``; add the others.

        Every column of ``df`` is written on matched rows (a missing value clears the cell).

        Raises:
            ValidationError: A key column is missing from ``df`` or the schema, or ``df`` repeats a key.
        """
        conn = self._conn(connection)
        table_id = self._require_id()
        keys = as_list(key, "key")
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
        updates = table_rows.partial_rows(
            frame.iloc[update_positions], columns, row_ids=update_ids, keep_nulls=True
        )
        with tempfile.TemporaryDirectory(prefix="synapse-models-rows-") as scratch:
            new_rows = frame.iloc[insert_positions]
            inserts = (
                table_rows.insert_changes(conn, table_id, self.parent_id, new_rows, columns, Path(scratch))
                if insert_positions
                else []
            )
            batches = table_rows.batches(updates)
            if len(batches) <= 1:  # one atomic transaction
                self._transaction(conn, [table_rows.append_change(table_id, b) for b in batches] + inserts)
            else:
                for batch in batches:
                    self._transaction(conn, [table_rows.append_change(table_id, batch)])
                if inserts:
                    self._transaction(conn, inserts)
        return UpsertResult(updated=len(set(update_ids)), inserted=len(insert_positions))

    def delete_rows(
        self,
        rows: pd.DataFrame | Iterable[int] | None = None,
        *,
        query: str | None = None,
        connection: ConnectionLike | None = None,
    ) -> int:
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
            raise ValidationError(
                "rows", rows, "give either rows (a frame with ROW_ID, or row ids) or query="
            )
        if query is not None:
            if table_id_of(query) != table_id:
                raise ValidationError("query", query, f"must select from this table ({table_id})")
            found = self.query(query, include_row_metadata=True, connection=conn)
            ids = [int(i) for i in found["ROW_ID"].dropna().tolist()]
        elif isinstance(rows, pd.DataFrame):
            if "ROW_ID" not in rows.columns:
                raise ValidationError(
                    "rows",
                    list(rows.columns),
                    "the frame has no ROW_ID column; query with include_row_metadata=True",
                )
            ids = [int(i) for i in rows["ROW_ID"].dropna().tolist()]
        else:
            assert rows is not None
            ids = [int(i) for i in rows]
        unique = list(dict.fromkeys(ids))
        for batch in table_rows.batches([PartialRow(row_id=i) for i in unique]):
            self._transaction(conn, [table_rows.append_change(table_id, batch)])
        return len(unique)

    def snapshot(
        self,
        *,
        comment: str | None = None,
        label: str | None = None,
        activity_id: str | None = None,
        connection: ConnectionLike | None = None,
    ) -> int:
        """Freeze the current rows as a numbered version (query it with ``FROM syn123.<version>``).

        Returns:
            The snapshot's version number.
        """
        conn = self._conn(connection)
        table_id = self._require_id()
        request = SnapshotRequest(
            snapshot_comment=comment, snapshot_label=label, snapshot_activity_id=activity_id
        )
        answer = from_wire(
            SnapshotResponse, conn.post(f"/entity/{table_id}/table/snapshot", to_wire(request))
        )
        self._refresh(conn)
        return answer.snapshot_version_number


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
