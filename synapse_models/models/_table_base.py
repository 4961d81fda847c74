"""What tables and views share: a schema of :class:`Column` objects kept in step with the server, queries into
DataFrames, and table transactions."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..errors import ServerError, SynapseError, TransportError, ValidationError
from ..registry import ConnectionLike
from ..tables._wire import (
    ColumnChange,
    SnapshotOptions,
    TableChange,
    TableSchemaChangeRequest,
    TableUpdateTransactionRequest,
    TableUpdateTransactionResponse,
)
from ..tables.query import preview, run_query
from ..tables.types import METADATA_COLUMNS
from ._args import as_list
from ._html import escape, grid, section, value_html
from ._stored import ambiguous
from ._wire import EntityBundle, ListWrapper
from .column import Column
from .entity import Versionable

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection
    from ..tables.query import FetchMethod

__all__ = ["TableBase"]

log = logging.getLogger("synapse_models")
_RESENDS = 3
_SETTLE_SECONDS = 5.0
"""How long a transaction whose start was lost is given to show its effect (the table's etag changes when a
transaction is applied) before it is started again."""


def _etag(conn: Connection, table_id: str) -> str | None:
    return str(conn.get(f"/entity/{table_id}").get("etag") or "") or None


def _changed_since(conn: Connection, table_id: str, etag: str | None) -> bool:
    """Whether the table's etag moves away from ``etag`` within :data:`_SETTLE_SECONDS` (a queued job may
    take a moment to run)."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while True:
        if _etag(conn, table_id) != etag:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)


def _columns(value: Iterable[Column] | None) -> list[Column] | None:
    if value is None:
        return None
    columns = as_list(value, "columns", one=(Column,))
    seen: set[str] = set()
    for column in columns:
        if not isinstance(column, Column):
            raise ValidationError("columns", column, "expected Column objects")
        if column.name in seen:
            raise ValidationError("columns", column.name, "two columns have this name")
        seen.add(column.name)
    return columns


@attrs.define(kw_only=True)
class TableBase(Versionable):
    """What tables and views share: a schema of columns, queries into DataFrames and transactions."""

    _SCHEMA_BY_TRANSACTION: ClassVar[bool] = True
    _ETAGS: ClassVar[bool] = False
    _ROW_IDS: ClassVar[bool] = True  # False: query results have no ROW_ID or ROW_VERSION (a VirtualTable)
    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag", "annotations", "columns", "column_ids"})
    _PREVIEW_ROWS: ClassVar[int] = 5

    columns: list[Column] | None = attrs.field(default=None, converter=_columns, metadata={LOCAL: True})
    """The schema, in order; ``None`` when not loaded yet (it loads on first use)."""
    column_ids: list[str] = attrs.field(factory=list, repr=False)
    """The ids of the stored column models, in order (kept in step with :attr:`columns` by ``store()``)."""
    is_search_enabled: bool | None = None
    """Whether full-text search is enabled for the table."""

    _specs: dict[str, dict[str, Any]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False, metadata={LOCAL: True}
    )

    # -- schema -------------------------------------------------------------------------------------

    @classmethod
    def _from_bundle(cls, bundle: EntityBundle, conn: Connection, requested: object = None) -> Any:
        obj = super()._from_bundle(bundle, conn, requested)
        obj._load_columns(conn)
        return obj

    def _stored_columns(self, conn: Connection) -> list[Column]:
        return [Column.from_wire(m) for m in conn.iter_offset(f"/entity/{self.id}/column", limit=100)]

    def _load_columns(self, conn: Connection) -> list[Column]:
        if self.id is None:
            self.columns = self.columns or []
            return self.columns
        by_id = {str(c.id): c for c in self._stored_columns(conn)}
        columns = [by_id[str(i)] for i in self.column_ids or list(by_id) if str(i) in by_id]
        for column in columns:
            self._specs[str(column.id)] = column.spec()
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

    def _merge_existing(self, remote: Any) -> None:
        super()._merge_existing(remote)
        if self._SCHEMA_BY_TRANSACTION:
            # keep the stored schema for the PUT; _after_store changes it through a schema transaction
            self.column_ids = [str(i) for i in remote.column_ids]

    def _after_store(self, conn: Connection) -> None:
        super()._after_store(conn)
        if self.columns is not None and self._SCHEMA_BY_TRANSACTION:
            self._change_schema(conn)

    def _create_models(self, conn: Connection, columns: Sequence[Column]) -> list[str]:
        """Ids of column models matching ``columns`` (created in one batch; the server reuses equal ones)."""
        needed = [c for c in columns if c.id is None or self._specs.get(c.id) != c.spec()]
        if needed:
            answer = conn.post("/column/batch", to_wire(ListWrapper(items=needed)))
            created = from_wire(ListWrapper[Column], answer)
            for column, model in zip(needed, created.items, strict=True):
                column.with_id(str(model.id))
                self._specs[str(model.id)] = column.spec()
        return [str(c.id) for c in columns]

    def _change_schema(self, conn: Connection) -> None:
        """Diff the stored schema with :attr:`columns` and apply it in one schema-change transaction."""
        columns = self.columns or []
        stored_ids = [str(i) for i in self.column_ids]
        stored_names: dict[str, str] = {}
        if stored_ids and any(i not in self._specs for i in stored_ids):
            for column in self._stored_columns(conn):
                self._specs[str(column.id)] = column.spec()
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
        changes = [
            ColumnChange(old_column_id=origin, new_column_id=new_id)
            for origin, new_id in zip(origins, new_ids, strict=True)
            if origin != new_id
        ]
        changes += [ColumnChange(old_column_id=old) for old in stored_ids if old not in claimed]
        table_id = self._require_id()
        self._transaction(
            conn, [TableSchemaChangeRequest(entity_id=table_id, changes=changes, ordered_column_ids=new_ids)]
        )
        self._refresh(conn)

    # -- transactions and queries ------------------------------------------------------------------------

    def _transaction(
        self, conn: Connection, changes: list[TableChange], *, snapshot: SnapshotOptions | None = None
    ) -> TableUpdateTransactionResponse:
        table_id = self._require_id()
        request = TableUpdateTransactionRequest(
            entity_id=table_id,
            changes=changes,
            create_snapshot=True if snapshot else None,
            snapshot_options=snapshot,
        )
        prefix = f"/entity/{table_id}/table/transaction"
        before = _etag(conn, table_id)
        for resend in range(_RESENDS + 1):
            try:
                token = conn.start_async_job(prefix, to_wire(request))
            except (TransportError, ServerError) as exc:
                if not ambiguous(exc):
                    raise
                if _changed_since(conn, table_id, before):
                    # the job ran: its answer (row references) is lost, the change is not
                    log.warning("%s: the transaction's start was lost (%s), but the table changed since: "
                                "taken as applied", table_id, exc)
                    return TableUpdateTransactionResponse()
                if resend == _RESENDS:
                    raise
                log.warning("%s: the transaction's start was lost (%s) and the table is unchanged; "
                            "starting it again", table_id, exc)
                continue
            return from_wire(TableUpdateTransactionResponse, conn.wait_async_job(prefix, token))
        raise AssertionError("unreachable")

    def _require_id(self) -> str:
        if self.id is None:
            raise ValidationError(
                "id", None, f"this {type(self).__name__} is not stored yet; store() it first"
            )
        return self.id

    def query(
        self,
        sql: str | None = None,
        *,
        include_row_metadata: bool = False,
        method: FetchMethod = "auto",
        connection: ConnectionLike | None = None,
    ) -> pd.DataFrame:
        """Query this table (``SELECT * FROM <id>`` by default) into a DataFrame typed by its columns.

        Args:
            sql: Synapse SQL; any ``FROM syn...`` works, including ``FROM syn123.2`` for a snapshot;
                ``{id}`` stands for this table's id.
            include_row_metadata: Add ``ROW_ID``, ``ROW_VERSION`` (and ``ROW_ETAG`` for views) first.
            method: ``"auto"`` (pages for small results, a CSV download for large ones), ``"pages"`` or
                ``"csv"``.
            connection: The connection to use.

        Raises:
            ValidationError: ``include_row_metadata`` was asked of a table whose rows have no ids (a
                :class:`~synapse_models.VirtualTable`).
            BadRequestError: The server rejected the SQL; ``reason`` says why.
        """
        if include_row_metadata and not self._ROW_IDS:
            raise ValidationError(
                "include_row_metadata", True, f"a {type(self).__name__}'s rows have no ROW_ID or ROW_VERSION"
            )
        table_id = self._require_id()
        if sql is not None and not isinstance(sql, str):
            raise ValidationError("sql", sql, "a query is text (a str)")
        sql = sql.replace("{id}", table_id) if sql else f"SELECT * FROM {table_id}"
        return run_query(
            self._conn(connection),
            sql,
            include_row_metadata=include_row_metadata,
            include_etag=self._ETAGS,
            method=method,
        )

    def _check_frame(self, df: Any, columns: Sequence[Column], *, keep: Sequence[str] = ()) -> pd.DataFrame:
        """The frame's schema columns (plus ``keep`` metadata columns); unknown columns are an error."""
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise ValidationError("df", type(df).__name__, "expected a pandas DataFrame")
        names = [c.name for c in columns]
        if df.columns.duplicated().any():
            twice = df.columns[df.columns.duplicated()][0]
            raise ValidationError(f"columns[{twice!r}]", twice, "the DataFrame has this column twice")
        for name in df.columns:
            if name in METADATA_COLUMNS:
                continue
            if name not in names:
                raise ValidationError(
                    f"columns[{name!r}]",
                    name,
                    f"not a column of {self.id or self.name}; its columns are {names}",
                )
        wanted = [n for n in keep if n in df.columns] + [n for n in df.columns if n in names]
        selected: pd.DataFrame = df[wanted]
        return selected

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        """The columns, then the row count and the first rows (one query, only while the view is drawn)."""
        parts = super()._html_sections(names)
        if self.columns:
            rows = [(escape(c.name), escape(c.type.value), value_html(c.maximum_size),
                     value_html(c.enum_values)) for c in self.columns]
            columns = grid(["name", "type", "size", "values"], rows)
            parts.append(section(f"{len(self.columns)} columns", columns))
        conn = self._display_connection()
        if self.id is None or conn is None:
            return parts
        try:
            frame, count = preview(conn, self.id, self._PREVIEW_ROWS)
        except SynapseError as err:  # a view still building, no READ access...: the view shows why
            return [*parts, section("rows", f"<p>no preview: {escape(err)}</p>")]
        shown = f"the first {len(frame)} of " if count is not None and len(frame) < count else ""
        table = frame.to_html(index=False, escape=True, border=0, max_cols=20, na_rep="")
        return [*parts, section(f"{shown}{count if count is not None else '?'} rows", table)]

    def _refresh(self, conn: Connection) -> None:
        """Read the entity again (its version and etag change with snapshots and schema changes)."""
        self._apply(conn.get(f"/entity/{self._require_id()}"), None)
