"""Columns that fit a DataFrame: types from the dtypes (or the values of object columns), sizes from the data
with room to grow (text columns hold 1.5 times the longest value, so later rows may be a little longer).

pandas is imported inside the functions, never at package import.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..models.column import Column, ColumnType
from .types import METADATA_COLUMNS, TEXT_LIMITS, is_null

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["STRING_FLOOR", "STRING_MAX", "infer_columns"]

STRING_MAX = 1000
"""The largest ``maximum_size`` of a STRING column (and of STRING_LIST elements)."""
STRING_FLOOR = 50
"""The smallest size an inferred STRING column gets (Synapse's default STRING size)."""


def infer_columns(df: pd.DataFrame) -> list[Column]:
    """Columns that fit a DataFrame: types from the dtypes (or the values of object columns), sizes from data.

    A text column is a STRING of 1.5 times its longest value (at least 50, at most 1000 characters; the same
    rule for the elements of a STRING_LIST), MEDIUMTEXT while 1.5 times the longest value fits in 2000
    characters, LARGETEXT beyond.

    Raises:
        ValidationError: A column name is not a string, or a column mixes types, or a value is too long.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ValidationError("df", type(df).__name__, "expected a pandas DataFrame")
    if df.columns.duplicated().any():
        twice = df.columns[df.columns.duplicated()][0]
        raise ValidationError(f"columns[{twice!r}]", twice, "the DataFrame has this column twice")
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
        return Column(name, ColumnType.STRING, maximum_size=STRING_FLOOR)
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
    raise ValidationError(
        f"columns[{name!r}]",
        sorted(kinds),
        "the column mixes value types; give one type per column (or pass columns=[...] explicitly)",
    )


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


def _headroom(longest: int) -> int:
    """A STRING size with room to grow: 1.5 times the longest value, at least 50, at most 1000 (the rule of
    the official client's ``synapseclient.models``), so appending a slightly longer value later still fits."""
    return min(STRING_MAX, max(STRING_FLOOR, math.ceil(longest * 1.5)))


def _text_column(name: str, values: Iterable[Any]) -> Column:
    longest = max((len(str(v)) for v in values), default=0)
    if longest <= STRING_MAX:
        return Column(name, ColumnType.STRING, maximum_size=_headroom(longest))
    if longest * 1.5 <= TEXT_LIMITS[ColumnType.MEDIUMTEXT]:
        return Column(name, ColumnType.MEDIUMTEXT)
    if longest <= TEXT_LIMITS[ColumnType.LARGETEXT]:
        return Column(name, ColumnType.LARGETEXT)
    raise ValidationError(
        f"columns[{name!r}]", f"<{longest} characters>", "longer than LARGETEXT allows (524288)"
    )


def _list_column(name: str, values: list[Any]) -> Column:
    elements = [e for v in values for e in v]
    if any(is_null(e) for e in elements):
        raise ValidationError(f"columns[{name!r}]", None, "list cells cannot contain null elements")
    longest_list = max((len(v) for v in values), default=1)
    if longest_list > 100:
        raise ValidationError(
            f"columns[{name!r}]", f"<list of {longest_list}>", "lists hold at most 100 elements"
        )
    kinds = {_kind(e) for e in elements}
    length = max(longest_list, 1)
    if not kinds or kinds == {"str"}:
        longest = max((len(e) for e in elements), default=0)
        if longest > STRING_MAX:
            raise ValidationError(
                f"columns[{name!r}]",
                f"<{longest} characters>",
                "STRING_LIST elements have at most 1000 characters",
            )
        return Column(
            name, ColumnType.STRING_LIST, maximum_size=_headroom(longest), maximum_list_length=length
        )
    if kinds == {"bool"}:
        return Column(name, ColumnType.BOOLEAN_LIST, maximum_list_length=length)
    if kinds == {"int"}:
        return Column(name, ColumnType.INTEGER_LIST, maximum_list_length=length)
    if kinds == {"date"}:
        return Column(name, ColumnType.DATE_LIST, maximum_list_length=length)
    raise ValidationError(
        f"columns[{name!r}]", sorted(kinds), "list elements must all be strings, integers, booleans or dates"
    )
