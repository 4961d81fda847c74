"""CSV uploads to a view (UploadToTableRequest against an EntityView): the rows become a RowSet that the view
kind writes back to its entities' annotations, as Synapse does when a user edits a view's query CSV and
uploads it again.  ``ROW_ID`` names the entity, ``ROW_ETAG`` (when present) its etag; default-field columns
are read-only, as in any view write.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...core.errors import BadRequest
from ...core.txn import Txn
from ..entities.service import EntityRecord
from .hooks import ViewKind
from .sources import PKG, schema_of

_ROW_FIELDS = ("ROW_ID", "ROW_VERSION", "ROW_ETAG")


def header_mismatch(name: str, header: list[str]) -> BadRequest:
    """Synapse's refusal of a CSV header naming no column (TableModelUtils, its 'of of' included)."""
    return BadRequest(
        "The first line is expected to be a header but the values do not match the names of of"
        f" the columns of the table ({name} is not a valid column name or id). Header row: {','.join(header)}"
    )


def _rows(reader: Iterator[list[str]], width: int) -> Iterator[list[str]]:
    for row in reader:
        if row:
            yield (row + [""] * (width - len(row)))[:width]


def upload_csv_to_view(
    txn: Txn, record: EntityRecord, kind: ViewKind, path: Path, options: dict[str, Any], skip: int
) -> dict[str, Any]:
    """Apply a CSV (with a header naming ROW_ID and view columns) to a view; an UploadToTableResult."""
    columns = schema_of(txn.db, record)
    by_name = {c.name: c for c in columns}
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream, **options)
        for _ in range(skip):
            next(reader, None)
        header = next(reader, None) or []
        for name in header:
            if name not in by_name and name not in _ROW_FIELDS:
                raise header_mismatch(name, header)
        if "ROW_ID" not in header:
            raise BadRequest("A CSV uploaded to a view needs a ROW_ID column (the entity ids)")
        where = {name: i for i, name in enumerate(header)}
        named = [by_name[name] for name in header if name in by_name]
        rows = []
        for cells in _rows(reader, len(header)):
            etag = cells[where["ROW_ETAG"]] if "ROW_ETAG" in where else ""
            rows.append(
                {
                    "rowId": int(cells[where["ROW_ID"]]),
                    "etag": etag or None,
                    "values": [cells[where[c.name]] or None for c in named],
                }
            )
    row_set = {"headers": [{"id": c.id, "name": c.name} for c in named], "rows": rows}
    assert kind.write is not None, "a view kind without writes takes no upload"
    kind.write(txn, record, columns, row_set)
    return {"concreteType": PKG + "UploadToTableResult", "rowsProcessed": len(rows), "etag": record.etag}
