"""DataFrame values as the wire cells of their columns, validated against the column (type, size, values).

Wire cells are strings (2.6 of the REST reference): INTEGER as decimal text, DOUBLE with ``NaN``/``Infinity``,
BOOLEAN as ``true``/``false``, DATE as epoch milliseconds, ``_LIST`` types as JSON arrays, JSON as JSON text.
pandas is imported inside the functions, never at package import.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..models.column import Column, ColumnType
from .types import TEXT_LIMITS, is_null

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["encode_cell", "encode_cells", "encode_frame_for_csv"]


def _bad(column: Column, value: Any, problem: str) -> ValidationError:
    return ValidationError(f"columns[{column.name!r}]", value, problem)


def _epoch_ms(value: Any, column: Column) -> int:
    import numpy as np
    import pandas as pd

    if isinstance(value, (bool, np.bool_)):
        raise _bad(column, value, f"{column.type.value} needs dates, not booleans")
    if isinstance(value, (int, np.integer)):
        return int(value)  # already epoch milliseconds
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise _bad(
            column,
            value,
            f"{column.type.value} needs dates (datetime, Timestamp, ISO text or epoch milliseconds)",
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int((stamp - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1))


def _encode_scalar(value: Any, column: Column, element_type: ColumnType) -> Any:
    """One value (or list element) as its JSON-ready form: str for cells, native for list elements."""
    import numpy as np

    t = element_type
    if t is ColumnType.INTEGER or (t is ColumnType.USERID and column.type.is_list):
        numeric = (int, np.integer, float, np.floating, str)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numeric):
            raise _bad(column, value, f"{t.value} needs integers")
        try:
            number = int(value)
            if isinstance(value, (float, np.floating)) and number != value:
                raise ValueError
        except (ValueError, OverflowError):
            raise _bad(column, value, f"{t.value} needs integers") from None
        return number
    if t is ColumnType.DOUBLE:
        if isinstance(value, (bool, np.bool_)):
            raise _bad(column, value, "DOUBLE needs numbers, not booleans")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(column, value, "DOUBLE needs numbers") from None
    if t is ColumnType.BOOLEAN:
        if not isinstance(value, (bool, np.bool_)):
            raise _bad(column, value, "BOOLEAN needs True or False")
        return bool(value)
    if t is ColumnType.DATE:
        return _epoch_ms(value, column)
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        raise _bad(column, _short(value), f"{column.type.value} cells cannot hold a {type(value).__name__}")
    text = str(value)
    limit = column.maximum_size if t in (ColumnType.STRING, ColumnType.LINK) else TEXT_LIMITS.get(t)
    if t in (ColumnType.STRING, ColumnType.LINK) and limit is None:
        limit = 50
    if limit is not None and len(text) > limit:
        raise _bad(column, _short(text), f"longer than the column's maximum size ({len(text)} > {limit})")
    if column.enum_values and text not in column.enum_values:
        raise _bad(column, text, f"not one of the column's allowed values {column.enum_values}")
    return text


def _short(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 80 else text[:77] + "..."


def encode_cell(value: Any, column: Column) -> str | None:
    """One DataFrame value as the wire cell string (``None`` for a missing value)."""
    if column.type.is_list:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, str) or not hasattr(value, "__iter__") or isinstance(value, dict):
            raise _bad(column, _short(value), f"{column.type.value} cells are lists")
        items = list(value)
        if any(is_null(e) for e in items):
            raise _bad(column, _short(items), "list cells cannot contain null elements")
        limit = column.maximum_list_length or 100
        if len(items) > limit:
            raise _bad(column, _short(items), f"more than {limit} elements")
        return json.dumps([_encode_scalar(e, column, column.type.element_type) for e in items])
    if is_null(value):
        return None
    if column.type is ColumnType.JSON:
        try:
            return json.dumps(_plain(value), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise _bad(column, _short(value), f"not JSON-serialisable ({exc})") from None
    encoded = _encode_scalar(value, column, column.type)
    if column.type is ColumnType.DOUBLE:
        if math.isnan(encoded):
            return None
        if math.isinf(encoded):
            return "Infinity" if encoded > 0 else "-Infinity"
        return repr(encoded)
    if column.type is ColumnType.BOOLEAN:
        return "true" if encoded else "false"
    if isinstance(encoded, str):
        return encoded or None  # Synapse stores an empty cell as null
    return str(encoded)


def _plain(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def encode_cells(series: pd.Series, column: Column) -> list[str | None]:
    """A DataFrame column as wire cell strings, validated against the column."""
    return [encode_cell(v, column) for v in _fast_values(series, column)]


def _fast_values(series: pd.Series, column: Column) -> Sequence[Any]:
    """Values ready for :func:`encode_cell`, vectorising what pandas can do quickly."""
    if column.type is ColumnType.DATE:
        return list(_dates_to_ms(series, column).astype(object).where(series.notna(), None))
    return series.tolist()


def _dates_to_ms(series: pd.Series, column: Column) -> pd.Series:
    """DATE cells as nullable epoch milliseconds (Int64)."""
    import pandas as pd
    from pandas.api import types as pdt

    if pdt.is_integer_dtype(series.dtype) and not pdt.is_bool_dtype(series.dtype):
        return series.astype("Int64")
    if pdt.is_datetime64_any_dtype(series.dtype):
        stamps = series if getattr(series.dtype, "tz", None) else series.dt.tz_localize("UTC")
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        millis = stamps.to_numpy(dtype="datetime64[ms]").astype("int64")
        masked: pd.Series = pd.Series(pd.array(millis, dtype="Int64"), index=series.index).mask(series.isna())
        return masked
    values = [None if is_null(v) else _epoch_ms(v, column) for v in series.tolist()]
    result: pd.Series = pd.Series(pd.array(values, dtype="Int64"), index=series.index)
    return result


def encode_frame_for_csv(df: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """A frame whose cells ``to_csv`` writes exactly as Synapse reads them (nulls as empty cells).

    Numbers stay numbers (fast to write); booleans, dates, lists and JSON become their wire text.

    Raises:
        ValidationError: A value does not fit its column (names the column).
    """
    import numpy as np
    import pandas as pd
    from pandas.api import types as pdt

    out: dict[str, Any] = {}
    for column in columns:
        if column.name not in df.columns:
            out[column.name] = pd.Series([None] * len(df), index=df.index, dtype=object)
            continue
        series = df[column.name]
        t = column.type
        integers = pdt.is_integer_dtype(series.dtype) and not pdt.is_bool_dtype(series.dtype)
        if t is ColumnType.INTEGER and integers:
            out[column.name] = series
        elif t is ColumnType.INTEGER and pdt.is_float_dtype(series.dtype):
            try:
                out[column.name] = series.astype("Int64")
            except (TypeError, ValueError):
                bad = series[series.notna() & (series != series.round())]
                raise _bad(column, bad.iloc[0] if len(bad) else None, "INTEGER needs whole numbers") from None
        elif t is ColumnType.DOUBLE and (pdt.is_float_dtype(series.dtype) or integers):
            floats = series.astype("float64")
            if np.isinf(floats.to_numpy()).any():
                text = floats.map(repr).where(floats.notna(), None)
                out[column.name] = text.replace({"inf": "Infinity", "-inf": "-Infinity"})
            else:
                out[column.name] = floats
        elif t is ColumnType.DATE and (
            pdt.is_datetime64_any_dtype(series.dtype) or pdt.is_integer_dtype(series.dtype)
        ):
            out[column.name] = _dates_to_ms(series, column)
        elif t is ColumnType.BOOLEAN and pdt.is_bool_dtype(series.dtype):
            text = series.astype("boolean").map({True: "true", False: "false"}, na_action="ignore")
            out[column.name] = text
        elif (
            t in (ColumnType.STRING, ColumnType.LINK, ColumnType.MEDIUMTEXT, ColumnType.LARGETEXT)
            and pdt.is_string_dtype(series.dtype)
            and not pdt.is_object_dtype(series.dtype)
        ):
            sized = t in (ColumnType.STRING, ColumnType.LINK)
            limit = (column.maximum_size or 50) if sized else TEXT_LIMITS[t]
            lengths = series.str.len()
            if (lengths > limit).any():
                first = series[lengths > limit].iloc[0]
                raise _bad(
                    column, _short(first), f"longer than the column's maximum size ({len(first)} > {limit})"
                )
            if column.enum_values:
                outside = series.notna() & ~series.isin(column.enum_values)
                if outside.any():
                    raise _bad(
                        column,
                        series[outside].iloc[0],
                        f"not one of the column's allowed values {column.enum_values}",
                    )
            out[column.name] = series
        else:
            out[column.name] = pd.Series(encode_cells(series, column), index=df.index, dtype=object)
    frame: pd.DataFrame = pd.DataFrame(out, index=df.index)
    return frame
