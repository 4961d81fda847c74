"""CSV in the dialect Synapse tables read and write.

``,`` separator, ``"`` quotes, ``\\`` escapes, ``\\n`` line ends.

Frames are written in row chunks straight to files (never the whole CSV in memory), rolling to a new file
before one passes ``max_bytes`` (Synapse takes at most 1 GB per CSV upload). Downloads are parsed by pandas'
C reader with per-column dtypes, then converted to the column types' dtypes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models.column import Column, ColumnType
from ._wire import CsvTableDescriptor
from .encode import encode_frame_for_csv
from .types import dates_from_ms, decode_cells, decode_list

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DESCRIPTOR", "MAX_CSV_BYTES", "read_table_csv", "write_table_csv"]

DESCRIPTOR = CsvTableDescriptor()
"""The CsvTableDescriptor sent with uploads and downloads (its defaults are this dialect)."""
MAX_CSV_BYTES = 900 * 1024 * 1024
"""Largest CSV file written for one upload (Synapse's limit is 1 GB)."""
_ROWS_PER_CHUNK = 50_000


def write_table_csv(
    df: pd.DataFrame,
    columns: Sequence[Column],
    directory: Path,
    *,
    max_bytes: int = MAX_CSV_BYTES,
    rows_per_chunk: int = _ROWS_PER_CHUNK,
    extra: Sequence[str] = (),
) -> list[Path]:
    """Write ``df`` as one or more header-first CSV files of the table's columns, each under ``max_bytes``.

    Args:
        df: The rows.
        columns: The table's columns, in order (frame columns missing here are written empty).
        directory: Where to put the files.
        max_bytes: Roll over to a new file before one grows past this.
        rows_per_chunk: Rows encoded at a time (bounds memory).
        extra: Leading metadata columns of ``df`` to write as they are (``ROW_ID``, ``ROW_VERSION``).

    Raises:
        ValidationError: A value does not fit its column (raised before anything is uploaded).
    """
    paths: list[Path] = []
    handle: Any = None
    written = 0
    header = [*extra, *(c.name for c in columns)]
    try:
        for start in range(0, max(len(df), 1), rows_per_chunk):
            chunk = df.iloc[start : start + rows_per_chunk]
            encoded = encode_frame_for_csv(chunk, columns)
            cells = [_text_cells(chunk[name].astype("Int64")) for name in extra]
            cells += [_text_cells(encoded[name]) for name in encoded.columns]
            # a row that would be an empty line (one null cell) is written as "" so no reader skips it
            lines = [line or '""' for line in map(",".join, zip(*cells, strict=True))]
            text = ("\n".join(lines) + "\n").encode() if lines else b""
            if handle is not None and written + len(text) > max_bytes:
                handle.close()
                handle = None
            if handle is None:
                path = directory / f"rows-{len(paths) + 1:04d}.csv"
                paths.append(path)
                handle = path.open("wb")
                head = (",".join(_quote(h) for h in header) + "\n").encode()
                handle.write(head)
                written = len(head)
            handle.write(text)
            written += len(text)
    finally:
        if handle is not None:
            handle.close()
    return paths


_SPECIAL = re.compile(r'[,"\\\n\r]')


def _quote(text: str) -> str:
    if _SPECIAL.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _text_cells(series: pd.Series) -> list[str]:
    """A column as CSV field texts ('' for missing), quoted and escaped where needed.

    Faster than ``csv.writer`` or ``DataFrame.to_csv``: numbers never need quoting, so only text is checked.
    """
    from pandas.api import types as pdt

    missing = series.isna().to_numpy()
    if pdt.is_integer_dtype(series.dtype) and not pdt.is_bool_dtype(series.dtype):
        texts = list(map(str, series.to_numpy(dtype="int64", na_value=0).tolist()))
    elif pdt.is_float_dtype(series.dtype):
        texts = list(map(float.__repr__, series.to_numpy(dtype="float64").tolist()))
    else:
        texts = [value if isinstance(value, str) else str(value) for value in series.tolist()]
        texts = [_quote(text) for text in texts]
    if missing.any():
        for position in missing.nonzero()[0].tolist():
            texts[position] = ""
    return texts


def read_table_csv(path: Path, types: Mapping[str, ColumnType | None]) -> pd.DataFrame:
    """Parse a downloaded table CSV; ``types`` gives the type of each selected column (``None``: untyped).

    ``ROW_ID``/``ROW_VERSION`` become Int64 and ``ROW_ETAG`` text; the selected columns get their types'
    dtypes.
    """
    import pandas as pd

    dtypes: dict[str, Any] = {"ROW_ID": "Int64", "ROW_VERSION": "Int64", "ROW_ETAG": "str"}
    na: dict[str, list[str]] = {"ROW_ID": [""], "ROW_VERSION": [""], "ROW_ETAG": [""]}
    for name, t in types.items():
        na[name] = [""]
        if t in (ColumnType.INTEGER, ColumnType.DATE):
            dtypes[name] = "Int64"
        elif t is ColumnType.DOUBLE:
            dtypes[name] = "float64"
            na[name] = ["", "NaN"]
        elif t is ColumnType.BOOLEAN:
            dtypes[name] = "boolean"
        elif t is None:
            dtypes[name] = "object"
        else:
            dtypes[name] = "str"
    # a row whose only cell is null is an empty line: keep it (skip_blank_lines=False)
    frame = pd.read_csv(
        path,
        dtype=dtypes,
        keep_default_na=False,
        na_values=na,
        escapechar="\\",
        quotechar='"',
        sep=",",
        lineterminator="\n",
        engine="c",
        skip_blank_lines=False,
        true_values=["true", "True", "TRUE"],
        false_values=["false", "False", "FALSE"],
    )
    for name, t in types.items():
        if name not in frame.columns:
            continue
        series = frame[name]
        if t is ColumnType.DATE:
            frame[name] = dates_from_ms(series)
        elif t is not None and t.is_list:
            frame[name] = pd.Series(
                [None if not isinstance(c, str) else decode_list(c, t) for c in series],
                index=frame.index,
                dtype=object,
            )
        elif t is ColumnType.JSON:
            frame[name] = pd.Series(
                [None if not isinstance(c, str) else json.loads(c) for c in series],
                index=frame.index,
                dtype=object,
            )
        elif t is None:
            guessed = decode_cells([c if isinstance(c, str) else None for c in series], None)
            frame[name] = guessed.set_axis(frame.index)
    return frame
