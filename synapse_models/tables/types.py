"""Column types <-> pandas: the dtype of each column type, and wire cells decoded into typed Series.

Inferring columns from a DataFrame is :mod:`synapse_models.tables.infer`; encoding values as wire cells
is :mod:`synapse_models.tables.encode`.

Wire cells are strings (2.6 of the REST reference): INTEGER as decimal text, DOUBLE with ``NaN``/``Infinity``,
BOOLEAN as ``true``/``false``, DATE as epoch milliseconds, ``_LIST`` types as JSON arrays, JSON as JSON text.
In a DataFrame they become ``Int64`` (nullable), ``float64``, ``boolean``, ``datetime64[ns, UTC]``, Python
lists, parsed JSON values, and strings (``str``) for every text and id type. Missing values travel as null
cells.

pandas is imported inside the functions, never at package import.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..models.column import ColumnType

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METADATA_COLUMNS",
    "TEXT_LIMITS",
    "column_type_of",
    "dates_from_ms",
    "decode_cells",
    "decode_list",
    "is_null",
    "pandas_dtype",
]

METADATA_COLUMNS = ("ROW_ID", "ROW_VERSION", "ROW_ETAG")
_TEXT = {
    ColumnType.STRING,
    ColumnType.LINK,
    ColumnType.MEDIUMTEXT,
    ColumnType.LARGETEXT,
    ColumnType.ENTITYID,
    ColumnType.FILEHANDLEID,
    ColumnType.USERID,
    ColumnType.SUBMISSIONID,
    ColumnType.EVALUATIONID,
}
TEXT_LIMITS = {ColumnType.MEDIUMTEXT: 2000, ColumnType.LARGETEXT: 524_288}
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def pandas_dtype(column_type: ColumnType | None) -> str:
    """The DataFrame dtype a column of this type gets (``object`` for lists and JSON)."""
    if column_type is ColumnType.INTEGER:
        return "Int64"
    if column_type is ColumnType.DOUBLE:
        return "float64"
    if column_type is ColumnType.BOOLEAN:
        return "boolean"
    if column_type is ColumnType.DATE:
        return "datetime64[ns, UTC]"
    if column_type in _TEXT:
        return "str"
    return "object"


def column_type_of(value: str | None) -> ColumnType | None:
    """The column type a query result names (``None`` for none, or one this library does not know)."""
    try:
        return ColumnType(value) if value else None
    except ValueError:
        return None


def is_null(value: Any) -> bool:
    """``None``, NaN, ``pd.NA`` and ``NaT`` are missing cells; lists never are."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (list, tuple, dict)):
        return False
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


# -- decoding --------------------------------------------------------------------------------------------


def decode_cells(cells: Sequence[str | None], column_type: ColumnType | None) -> pd.Series:
    """Wire cell strings as a pandas Series of the column type's dtype."""
    import numpy as np
    import pandas as pd

    t = column_type
    result: pd.Series
    if t is ColumnType.INTEGER:
        result = pd.Series(pd.array([None if c is None or c == "" else int(c) for c in cells], dtype="Int64"))
        return result
    if t is ColumnType.DOUBLE:
        result = pd.Series(
            np.array([math.nan if c is None or c == "" else float(c) for c in cells], dtype="float64")
        )
        return result
    if t is ColumnType.BOOLEAN:
        result = pd.Series(
            pd.array([None if c is None or c == "" else c.lower() == "true" for c in cells], dtype="boolean")
        )
        return result
    if t is ColumnType.DATE:
        return dates_from_ms(pd.Series(pd.array([_ms(c) for c in cells], dtype="Int64")))
    if t in _TEXT:
        return pd.Series(list(cells), dtype="str")
    if t is not None and t.is_list:
        return pd.Series([None if c is None or c == "" else decode_list(c, t) for c in cells], dtype=object)
    if t is ColumnType.JSON:
        return pd.Series([None if c is None or c == "" else json.loads(c) for c in cells], dtype=object)
    return _guess(cells)


def _ms(cell: str | None) -> int | None:
    if cell is None or cell == "":
        return None
    try:
        return int(cell)
    except ValueError:  # tolerate ISO text
        from .._convert import parse_datetime

        return int((parse_datetime(cell) - _EPOCH) / _dt.timedelta(milliseconds=1))


def dates_from_ms(millis: pd.Series) -> pd.Series:
    """Nullable epoch milliseconds as ``datetime64[ns, UTC]`` (dates before 1970 included)."""
    import pandas as pd

    return pd.to_datetime(millis, unit="ms", utc=True).astype("datetime64[ns, UTC]")


def decode_list(cell: str, column_type: ColumnType) -> list[Any]:
    """A ``_LIST`` cell (JSON array text) as a Python list; DATE_LIST elements become UTC Timestamps."""
    import pandas as pd

    items = json.loads(cell)
    if column_type is ColumnType.DATE_LIST:
        return [pd.Timestamp(int(v), unit="ms", tz="UTC") for v in items]
    if column_type in (ColumnType.INTEGER_LIST, ColumnType.USERID_LIST):
        return [int(v) for v in items] if column_type is ColumnType.INTEGER_LIST else [str(v) for v in items]
    if column_type is ColumnType.BOOLEAN_LIST:
        return [v if isinstance(v, bool) else str(v).lower() == "true" for v in items]
    return [str(v) for v in items]


def _guess(cells: Sequence[str | None]) -> pd.Series:
    """Cells of an untyped select column (e.g. an aggregate): numbers when they all parse, text otherwise."""
    import pandas as pd

    present = [c for c in cells if c is not None and c != ""]
    try:
        ints = [int(c) for c in present]
        del ints
        return decode_cells(cells, ColumnType.INTEGER)
    except ValueError:
        pass
    try:
        [float(c) for c in present]
        return decode_cells(cells, ColumnType.DOUBLE)
    except ValueError:
        return pd.Series(list(cells), dtype="str")
