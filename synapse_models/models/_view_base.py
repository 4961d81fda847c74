"""What views whose rows are entities share (entity views, submission views, datasets, dataset collections):
default columns, writing edited cells back to the entities' annotations, and snapshots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..errors import EntityUpdateFailure, HTTPError, ValidationError, ViewUpdateError
from ..registry import ConnectionLike
from ..tables._wire import CellValue, PartialRow, SnapshotOptions, ViewDefaultColumnsQuery
from ..tables.encode import encode_cells
from ..tables.rows import append_change
from ._table_base import TableBase
from ._wire import ListWrapper
from .column import Column
from .ids import parse_entity_id

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection

__all__ = ["ViewBase"]


@attrs.define(kw_only=True)
class ViewBase(TableBase):
    """A table the server computes, one row per entity: default columns, annotation writes, snapshots."""

    _SCHEMA_BY_TRANSACTION: ClassVar[bool] = False
    _ETAGS: ClassVar[bool] = True
    VIEW_ENTITY_TYPE: ClassVar[str] = ""

    include_default_columns: bool = attrs.field(default=True, metadata={LOCAL: True})
    """On creation, add the server's default columns (id, name, createdOn...)."""

    def _before_store(self, conn: Connection) -> None:
        if self.id is None:
            self.columns = self._initial_columns(conn)
        super()._before_store(conn)

    def _initial_columns(self, conn: Connection) -> list[Column]:
        """The schema a new view starts with: the default columns, then the given ones (which win by name)."""
        chosen: dict[str, Column] = {}
        if self.include_default_columns:
            for column in self.default_columns(connection=conn):
                chosen[column.name] = column
        for column in self.columns or ():
            chosen[column.name] = column
        return list(chosen.values())

    def _default_query(self) -> ViewDefaultColumnsQuery:
        return ViewDefaultColumnsQuery(view_entity_type=self.VIEW_ENTITY_TYPE)

    def default_columns(self, *, connection: ConnectionLike | None = None) -> list[Column]:
        """The server's default columns for this kind of view (entity fields)."""
        conn = self._conn(connection)
        params = to_wire(self._default_query())
        found = from_wire(ListWrapper[Column], conn.get("/column/tableview/defaults", params=params))
        return [c.with_id(None) for c in found.items]

    # -- rows ----------------------------------------------------------------------------------------

    def update(self, df: pd.DataFrame, *, connection: ConnectionLike | None = None) -> list[str]:
        """Write the cells of ``df`` that differ from the view back to the entities' annotations.

        ``df`` comes from ``view.query(include_row_metadata=True)``, edited: ``ROW_ID`` picks the entity and
        ``ROW_ETAG`` is checked, so an entity changed by someone else since the query is not overwritten.
        Default columns (name, createdOn...) are entity fields, not annotations, and cannot be changed here.

        Returns:
            The ids of the entities changed (entities with no changed cell are not sent).

        Raises:
            ValidationError: ``df`` lacks ROW_ID/ROW_ETAG, has a column not in the view, or changes a default
                column.
            ViewUpdateError: Some entities could not be updated (the others were); lists each failure.
        """
        conn = self._conn(connection)
        view_id = self._require_id()
        for needed in ("ROW_ID", "ROW_ETAG"):
            if needed not in getattr(df, "columns", ()):
                raise ValidationError(
                    "df", needed, "the frame needs ROW_ID and ROW_ETAG; query with include_row_metadata=True"
                )
        columns = self.schema(connection=conn)
        frame = self._check_frame(df, columns, keep=("ROW_ID", "ROW_ETAG"))
        current = self.query(include_row_metadata=True, connection=conn)
        by_name = {c.name: c for c in columns}
        editable = {c.name for c in columns} - set(self._default_names(conn))
        now = {int(r): i for i, r in enumerate(current["ROW_ID"].tolist())}
        rows: list[PartialRow] = []
        encoded_new = {n: encode_cells(frame[n], by_name[n]) for n in frame.columns if n in by_name}
        encoded_now = {n: encode_cells(current[n], by_name[n]) for n in encoded_new if n in current.columns}
        etags_now = current["ROW_ETAG"].tolist()
        pairs = zip(frame["ROW_ID"].tolist(), frame["ROW_ETAG"].tolist(), strict=True)
        for i, (row_id, etag) in enumerate(pairs):
            if row_id is None or (isinstance(row_id, float) and math.isnan(row_id)):
                raise ValidationError("ROW_ID", row_id, "every row needs its ROW_ID")
            position = now.get(int(row_id))
            # a row someone changed since it was read differs everywhere; the server rejects it by etag
            stale = position is None or etags_now[position] != etag
            values = []
            for name, cells in encoded_new.items():
                before = encoded_now[name][position] if position is not None and name in encoded_now else None
                if cells[i] == before:
                    continue
                if name not in editable:
                    if stale:
                        continue
                    raise ValidationError(
                        f"columns[{name!r}]",
                        cells[i],
                        "is an entity field, not an annotation; views cannot change it",
                    )
                values.append(CellValue(key=str(by_name[name].id), value=cells[i]))
            if values:
                rows.append(PartialRow(row_id=int(row_id), etag=str(etag), values=values))
        if not rows:
            return []
        result = self._transaction(conn, [append_change(view_id, rows)])
        outcomes = [r for part in result.results for r in part.update_results]
        failures = [
            EntityUpdateFailure(
                parse_entity_id(r.entity_id, "entity_id")[0], str(r.failure_code), r.failure_message or ""
            )
            for r in outcomes
            if r.failure_code
        ]
        sent = [f"syn{r.row_id}" for r in rows]
        failed = {f.entity_id for f in failures}
        updated = [e for e in sent if e not in failed]
        if failures:
            raise ViewUpdateError(failures, updated)
        return updated

    def _default_names(self, conn: Connection) -> Sequence[str]:
        try:
            return [c.name for c in self.default_columns(connection=conn)]
        except HTTPError:
            return []

    def snapshot(
        self,
        *,
        comment: str | None = None,
        label: str | None = None,
        connection: ConnectionLike | None = None,
    ) -> int:
        """Freeze the view's current rows as a numbered version (``FROM syn123.<version>``).

        Returns:
            The snapshot's version number.
        """
        conn = self._conn(connection)
        options = SnapshotOptions(snapshot_comment=comment, snapshot_label=label)
        result = self._transaction(conn, [], snapshot=options)
        self._refresh(conn)
        assert result.snapshot_version_number is not None, "a snapshot transaction answers its version"
        return result.snapshot_version_number
