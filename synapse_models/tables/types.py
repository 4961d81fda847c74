"""Column types <-> pandas: infer columns from a DataFrame, encode cells for the wire, decode them back.

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
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..models.column import Column, ColumnType

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["METADATA_COLUMNS", "decode_cells", "encode_cells", "encode_frame_for_csv", "infer_columns",
           "is_null", "pandas_dtype"]

METADATA_COLUMNS = ("ROW_ID", "ROW_VERSION", "ROW_ETAG")
_TEXT = {ColumnType.STRING, ColumnType.LINK, ColumnType.MEDIUMTEXT, ColumnType.LARGETEXT, ColumnType.ENTITYID,
         ColumnType.FILEHANDLEID, ColumnType.USERID, ColumnType.SUBMISSIONID, ColumnType.EVALUATIONID}
_TEXT_LIMITS = {ColumnType.MEDIUMTEXT: 2000, ColumnType.LARGETEXT: 524_288}
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


# -- inference -------------------------------------------------------------------------------------------


def infer_columns(df: pd.DataFrame) -> list[Column]:
    """Columns that fit a DataFrame: types from the dtypes (or the values of object columns), sizes from data.

    Raises:
        ValidationError: A column name is not a string, or a column mixes types, or a value is too long.
    """
    columns = []
    for name in df.columns:
        if name in METADATA_COLUMNS:
            continue
        if not isinstance(name, str):
            raise ValidationError(f"columns[{name!r}]", name, "column names must be strings")
        columns.append(_infer_one(name, df[name]))
    return columns


def _infer_one(name: str, series: pd.Series) -> Column:
    import pandas as pd
    from pandas.api import types as pdt

    dtype = series.dtype
    if pdt.is_bool_dtype(dtype):
        return Column(name, ColumnType.BOOLEAN)
    if pdt.is_integer_dtype(dtype):
        return Column(name, ColumnType.INTEGER)
    if pdt.is_float_dtype(dtype):
        return Column(name, ColumnType.DOUBLE)
    if pdt.is_datetime64_any_dtype(dtype):
        return Column(name, ColumnType.DATE)
    if isinstance(dtype, pd.CategoricalDtype):
        return _text_column(name, [str(v) for v in dtype.categories])
    if pdt.is_string_dtype(dtype) and not pdt.is_object_dtype(dtype):
        return _text_column(name, series.dropna())
    if not pdt.is_object_dtype(dtype):
        raise ValidationError(f"columns[{name!r}]", str(dtype), "no Synapse column type fits this dtype")
    values = [v for v in series if not is_null(v)]
    kinds = {_kind(v) for v in values}
    if not kinds:
        return Column(name, ColumnType.STRING, maximum_size=50)
    if kinds == {"bool"}:
        return Column(name, ColumnType.BOOLEAN)
    if kinds == {"int"}:
        return Column(name, ColumnType.INTEGER)
    if kinds <= {"int", "float"}:
        return Column(name, ColumnType.DOUBLE)
    if kinds == {"date"}:
        return Column(name, ColumnType.DATE)
    if kinds == {"str"}:
        return _text_column(name, values)
    if kinds == {"list"}:
        return _list_column(name, values)
    if kinds <= {"dict", "list"}:
        return Column(name, ColumnType.JSON)
    raise ValidationError(f"columns[{name!r}]", sorted(kinds), "the column mixes value types; give one type "
                          "per column (or pass columns=[...] explicitly)")


def _kind(value: Any) -> str:
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        return "date"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


def _text_column(name: str, values: Iterable[Any]) -> Column:
    longest = max((len(str(v)) for v in values), default=0)
    if longest <= 1000:
        return Column(name, ColumnType.STRING, maximum_size=max(longest, 1))
    if longest <= 2000:
        return Column(name, ColumnType.MEDIUMTEXT)
    if longest <= _TEXT_LIMITS[ColumnType.LARGETEXT]:
        return Column(name, ColumnType.LARGETEXT)
    raise ValidationError(f"columns[{name!r}]", f"<{longest} characters>",
                          "longer than LARGETEXT allows (524288)")


def _list_column(name: str, values: list[Any]) -> Column:
    elements = [e for v in values for e in v]
    if any(is_null(e) for e in elements):
        raise ValidationError(f"columns[{name!r}]", None, "list cells cannot contain null elements")
    longest_list = max((len(v) for v in values), default=1)
    if longest_list > 100:
        raise ValidationError(f"columns[{name!r}]", f"<list of {longest_list}>",
                              "lists hold at most 100 elements")
    kinds = {_kind(e) for e in elements}
    length = max(longest_list, 1)
    if not kinds or kinds == {"str"}:
        longest = max((len(e) for e in elements), default=50)
        if longest > 1000:
            raise ValidationError(f"columns[{name!r}]", f"<{longest} characters>",
                                  "STRING_LIST elements have at most 1000 characters")
        return Column(name, ColumnType.STRING_LIST, maximum_size=max(longest, 1), maximum_list_length=length)
    if kinds == {"bool"}:
        return Column(name, ColumnType.BOOLEAN_LIST, maximum_list_length=length)
    if kinds == {"int"}:
        return Column(name, ColumnType.INTEGER_LIST, maximum_list_length=length)
    if kinds == {"date"}:
        return Column(name, ColumnType.DATE_LIST, maximum_list_length=length)
    raise ValidationError(f"columns[{name!r}]", sorted(kinds), "list elements must all be strings, integers, "
                          "booleans or dates")


# -- encoding --------------------------------------------------------------------------------------------


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
        raise _bad(column, value, f"{column.type.value} needs dates (datetime, Timestamp, ISO text or "
                                  "epoch milliseconds)") from None
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
    limit = column.maximum_size if t in (ColumnType.STRING, ColumnType.LINK) else _TEXT_LIMITS.get(t)
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
        elif t is ColumnType.DATE and (pdt.is_datetime64_any_dtype(series.dtype)
                                       or pdt.is_integer_dtype(series.dtype)):
            out[column.name] = _dates_to_ms(series, column)
        elif t is ColumnType.BOOLEAN and pdt.is_bool_dtype(series.dtype):
            text = series.astype("boolean").map({True: "true", False: "false"}, na_action="ignore")
            out[column.name] = text
        elif t in (ColumnType.STRING, ColumnType.LINK, ColumnType.MEDIUMTEXT, ColumnType.LARGETEXT) \
                and pdt.is_string_dtype(series.dtype) and not pdt.is_object_dtype(series.dtype):
            sized = t in (ColumnType.STRING, ColumnType.LINK)
            limit = (column.maximum_size or 50) if sized else _TEXT_LIMITS[t]
            lengths = series.str.len()
            if (lengths > limit).any():
                first = series[lengths > limit].iloc[0]
                raise _bad(column, _short(first), f"longer than the column's maximum size "
                                                  f"({len(first)} > {limit})")
            if column.enum_values:
                outside = series.notna() & ~series.isin(column.enum_values)
                if outside.any():
                    raise _bad(column, series[outside].iloc[0],
                               f"not one of the column's allowed values {column.enum_values}")
            out[column.name] = series
        else:
            out[column.name] = pd.Series(encode_cells(series, column), index=df.index, dtype=object)
    frame: pd.DataFrame = pd.DataFrame(out, index=df.index)
    return frame


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
        result = pd.Series(np.array([math.nan if c is None or c == "" else float(c) for c in cells],
                                    dtype="float64"))
        return result
    if t is ColumnType.BOOLEAN:
        result = pd.Series(pd.array([None if c is None or c == "" else c.lower() == "true" for c in cells],
                                    dtype="boolean"))
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
