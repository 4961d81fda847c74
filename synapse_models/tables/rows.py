"""Rows as table changes: partial row sets (small frames, updates, deletions) and CSV uploads (large frames).

A transaction body may hold at most 2 MB of partial rows; :func:`batches` cuts row lists to fit, and frames
too big for that travel as CSV files (each under 1 GB), uploaded and applied as upload-to-table changes.
pandas is imported inside the functions, never at package import.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._convert import from_wire
from ..models.column import Column
from ..models.file_handle import FileHandle
from ..transfer.upload import upload_path
from ._wire import (
    AppendableRowSetRequest,
    CellValue,
    PartialRow,
    PartialRowSet,
    TableChange,
    UploadToTableRequest,
)
from .csv import write_table_csv
from .encode import encode_cells

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection

__all__ = [
    "MAX_PARTIAL_BYTES",
    "SMALL_FRAME_BYTES",
    "append_change",
    "batches",
    "insert_changes",
    "partial_rows",
]

MAX_PARTIAL_BYTES = 1_900_000
"""Largest partial-row-set request body sent at once (Synapse allows 2 MB)."""
SMALL_FRAME_BYTES = 1_500_000
"""Frames whose rows encode smaller than this go as partial row sets; bigger ones as CSV uploads."""


def partial_rows(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    row_ids: Sequence[int] | None = None,
    keep_nulls: bool = False,
) -> list[PartialRow]:
    """The rows of ``frame`` as partial rows (with ``row_ids``: changes of those rows).

    Raises:
        ValidationError: A value does not fit its column (names the column).
    """
    by_name = {c.name: c for c in columns}
    encoded = [
        (str(by_name[n].id), encode_cells(frame[n], by_name[n])) for n in frame.columns if n in by_name
    ]
    rows: list[PartialRow] = []
    for i in range(len(frame)):
        values = [
            CellValue(key=key, value=cells[i]) for key, cells in encoded if keep_nulls or cells[i] is not None
        ]
        rows.append(PartialRow(row_id=int(row_ids[i]) if row_ids is not None else None, values=values))
    return rows


def _size(row: PartialRow) -> int:
    """A bound on the JSON size of a row in a request body."""
    cells = sum(len(c.key) + len(json.dumps(c.value)) + 24 for c in row.values or ())
    return cells + 60 + len(row.etag or "")


def batches(rows: list[PartialRow]) -> list[list[PartialRow]]:
    """Rows grouped into transactions whose bodies stay under the 2 MB partial-row limit."""
    groups: list[list[PartialRow]] = []
    current: list[PartialRow] = []
    size = 0
    for row in rows:
        row_size = _size(row)
        if current and size + row_size > MAX_PARTIAL_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(row)
        size += row_size
    if current:
        groups.append(current)
    return groups


def append_change(table_id: str, rows: list[PartialRow]) -> AppendableRowSetRequest:
    """The change that adds, changes or deletes these rows."""
    return AppendableRowSetRequest(entity_id=table_id, to_append=PartialRowSet(table_id=table_id, rows=rows))


def insert_changes(
    conn: Connection,
    table_id: str,
    parent_id: str | None,
    frame: pd.DataFrame,
    columns: Sequence[Column],
    scratch: Path,
) -> list[TableChange]:
    """The changes that add the rows of ``frame``: one partial row set when small, else CSV uploads.

    Raises:
        ValidationError: A value does not fit its column (raised before anything is uploaded).
    """
    estimate = int(frame.memory_usage(deep=True, index=False).sum()) + 40 * frame.size
    if estimate <= SMALL_FRAME_BYTES:
        rows = partial_rows(frame, columns)
        if sum(_size(r) for r in rows) <= MAX_PARTIAL_BYTES:
            return [append_change(table_id, rows)]
    changes: list[TableChange] = []
    for path in write_table_csv(frame, [c for c in columns if c.name in frame.columns], scratch):
        handle = from_wire(FileHandle, upload_path(conn, path, parent_id=parent_id, content_type="text/csv"))
        changes.append(
            UploadToTableRequest(entity_id=table_id, table_id=table_id, upload_file_handle_id=str(handle.id))
        )
        path.unlink()
    return changes
