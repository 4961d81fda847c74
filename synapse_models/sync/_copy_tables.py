"""Copying tables (schema and rows) and views (schema, scope remapped into the copy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _internals

if TYPE_CHECKING:
    from ..connection import Connection
    from ._copy_items import ItemTask

__all__ = ["copy_table", "copy_view"]


def copy_table(conn: Connection, task: ItemTask, annotations: dict[str, list[Any]]) -> str:
    """A table with the same columns (the same column models) and rows; returns its id.

    Rows are copied by the server (a CSV of the source loaded into the copy, two jobs whatever the number of
    rows), except for tables with file columns: their cells name file handles, which are copied (no bytes
    move) and the rows appended with the new handle ids.
    """
    from ..models.column import ColumnType
    from ..models.table import Table

    source = Table.get(task.source_id, connection=conn)
    columns = list(source.schema(connection=conn))
    target = Table(
        name=task.name,
        parent=task.parent_id,
        description=source.description,
        columns=columns,
        annotations=annotations,
    )
    target.store(connection=conn, create_or_update=False)
    files = [c.name for c in columns if c.type is ColumnType.FILEHANDLEID]
    if not files:
        _internals.copy_table_rows(conn, str(source.id), str(target.id))
    else:
        _copy_rows_with_files(conn, source, target, files)
    return str(target.id)


def _copy_rows_with_files(conn: Connection, source: Any, target: Any, file_columns: list[str]) -> None:
    frame = source.query(connection=conn)
    if frame.empty:
        return
    wanted = sorted({str(v) for name in file_columns for v in frame[name].dropna().tolist()})
    copies = _internals.copy_file_handles(
        conn, [_internals.handle_copy(h, str(source.id), "TableEntity") for h in wanted]
    )
    mapping = {
        h: str(c.new_file_handle.id)
        for h, c in zip(wanted, copies, strict=True)
        if c.new_file_handle is not None and c.new_file_handle.id is not None
    }
    for name in file_columns:
        frame[name] = frame[name].map(
            lambda v: None if v is None or str(v) not in mapping else mapping[str(v)]
        )
    target.append(frame, connection=conn)


def copy_view(conn: Connection, task: ItemTask, annotations: dict[str, list[Any]]) -> str:
    """A view with the same columns and type mask whose scope points into the copy where it can."""
    from ..models.entity import Entity
    from ..models.view import SubmissionView, View

    source = Entity.get(task.source_id, connection=conn)
    assert isinstance(source, View)
    columns = list(source.schema(connection=conn))
    scope = [task.mapping.get(s, s) for s in source.scope_ids]
    common: dict[str, Any] = {
        "name": task.name,
        "parent": task.parent_id,
        "description": source.description,
        "scope": scope,
        "columns": columns,
        "include_default_columns": False,
        "include_annotation_columns": False,
        "annotations": annotations,
    }
    if isinstance(source, SubmissionView):
        target: View = SubmissionView(**common)
    else:
        target = View(view_type_mask=source.view_type_mask, **common)
    target.store(connection=conn, create_or_update=False)
    return str(target.id)
