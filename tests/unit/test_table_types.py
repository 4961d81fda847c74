"""Column types <-> pandas: inference, cell encoding and decoding, CSV round trips (no network)."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from synapse_models import Column, ColumnType, ValidationError
from synapse_models.tables.csv import read_table_csv, write_table_csv
from synapse_models.tables.encode import encode_cell, encode_cells
from synapse_models.tables.infer import infer_columns
from synapse_models.tables.types import decode_cells, pandas_dtype


def test_column_type_covers_every_reference_type() -> None:
    expected = {
        "STRING",
        "DOUBLE",
        "INTEGER",
        "BOOLEAN",
        "DATE",
        "FILEHANDLEID",
        "ENTITYID",
        "SUBMISSIONID",
        "EVALUATIONID",
        "LINK",
        "MEDIUMTEXT",
        "LARGETEXT",
        "USERID",
        "STRING_LIST",
        "INTEGER_LIST",
        "BOOLEAN_LIST",
        "DATE_LIST",
        "ENTITYID_LIST",
        "USERID_LIST",
        "JSON",
    }
    assert {t.value for t in ColumnType} == expected


def test_column_spec_uses_wire_names_without_id() -> None:
    column = Column("tissue", "string", maximum_size=40, enum_values=["brain", "liver"])
    assert column.type is ColumnType.STRING
    assert column.spec() == {
        "name": "tissue",
        "columnType": "STRING",
        "maximumSize": 40,
        "enumValues": ["brain", "liver"],
    }
    loaded = Column.from_wire({"id": "7", "name": "n", "columnType": "INTEGER"})
    assert loaded.id == "7" and loaded.type is ColumnType.INTEGER and "id" not in loaded.spec()


def test_column_rejects_bad_definitions() -> None:
    with pytest.raises(ValidationError, match="type"):
        Column("x", "NUMBER")
    with pytest.raises(ValidationError, match="maximum_size"):
        Column("x", ColumnType.INTEGER, maximum_size=10)
    with pytest.raises(ValidationError, match="reserved"):
        Column("ROW_ID", ColumnType.INTEGER)
    with pytest.raises(ValidationError, match="default_value"):
        Column("x", ColumnType.ENTITYID, default_value="syn1")


def test_infer_columns_types_and_sizes_fit_the_data() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "bbbb", None],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "x": [1.5, float("nan"), 2.0],
            "ok": [True, False, True],
            "when": pd.to_datetime(["1969-07-20", "2024-01-01", None]),
            "tags": [["a", "bcd"], [], None],
            "counts": [[1, 2, 3], [4], [5]],
            "blob": ["x" * 1200, "y", "z"],
            "essay": ["x" * 3000, "y", "z"],
            "meta": [{"a": 1}, None, {"b": [1, 2]}],
        }
    )
    by_name = {c.name: c for c in infer_columns(df)}
    assert by_name["name"].type is ColumnType.STRING and by_name["name"].maximum_size == 50
    assert by_name["n"].type is ColumnType.INTEGER
    assert by_name["x"].type is ColumnType.DOUBLE
    assert by_name["ok"].type is ColumnType.BOOLEAN
    assert by_name["when"].type is ColumnType.DATE
    assert by_name["tags"].type is ColumnType.STRING_LIST
    assert (by_name["tags"].maximum_size, by_name["tags"].maximum_list_length) == (50, 2)
    assert by_name["counts"].type is ColumnType.INTEGER_LIST and by_name["counts"].maximum_list_length == 3
    assert by_name["blob"].type is ColumnType.MEDIUMTEXT
    assert by_name["essay"].type is ColumnType.LARGETEXT
    assert by_name["meta"].type is ColumnType.JSON


@pytest.mark.parametrize(("longest", "expected"), [
    (1, (ColumnType.STRING, 50)),
    (33, (ColumnType.STRING, 50)),
    (34, (ColumnType.STRING, 51)),
    (101, (ColumnType.STRING, 152)),
    (667, (ColumnType.STRING, 1000)),
    (1000, (ColumnType.STRING, 1000)),
    (1001, (ColumnType.MEDIUMTEXT, None)),
    (1333, (ColumnType.MEDIUMTEXT, None)),
    (1334, (ColumnType.LARGETEXT, None)),
])
def test_infer_columns_leaves_text_columns_room_to_grow(
    longest: int, expected: tuple[ColumnType, int | None]
) -> None:
    (text,) = infer_columns(pd.DataFrame({"text": ["x" * longest, "y"]}))
    assert (text.type, text.maximum_size) == expected
    if longest <= 1000:  # list elements are STRINGs of at most 1000 characters
        (words,) = infer_columns(pd.DataFrame({"words": [["x" * longest], []]}))
        assert (words.type, words.maximum_size) == (ColumnType.STRING_LIST, expected[1])


def test_infer_columns_rejects_mixed_values_naming_the_column() -> None:
    with pytest.raises(ValidationError) as err:
        infer_columns(pd.DataFrame({"ok": [1, 2], "mixed": ["a", 3]}))
    assert err.value.field == "columns['mixed']"


@pytest.mark.parametrize(
    ("column", "value", "cell"),
    [
        (Column("i", ColumnType.INTEGER), 2**62 + 1, str(2**62 + 1)),
        (Column("d", ColumnType.DOUBLE), float("inf"), "Infinity"),
        (Column("d", ColumnType.DOUBLE), -float("inf"), "-Infinity"),
        (Column("d", ColumnType.DOUBLE), 0.1, "0.1"),
        (Column("b", ColumnType.BOOLEAN), False, "false"),
        (Column("t", ColumnType.DATE), datetime(1960, 1, 1, tzinfo=timezone.utc), "-315619200000"),
        (Column("t", ColumnType.DATE), pd.Timestamp("1970-01-01 00:00:00.005"), "5"),
        (Column("l", ColumnType.INTEGER_LIST), [1, 2], "[1, 2]"),
        (Column("l", ColumnType.DATE_LIST), [datetime(1970, 1, 2, tzinfo=timezone.utc)], "[86400000]"),
        (Column("l", ColumnType.BOOLEAN_LIST), [True], "[true]"),
        (Column("j", ColumnType.JSON), {"a": [1]}, '{"a": [1]}'),
        (Column("s", ColumnType.STRING), "", None),
        (Column("s", ColumnType.STRING), None, None),
        (Column("d", ColumnType.DOUBLE), float("nan"), None),
    ],
)
def test_encode_cell_writes_the_wire_encoding(column: Column, value: object, cell: str | None) -> None:
    assert encode_cell(value, column) == cell


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        (Column("i", ColumnType.INTEGER), "abc", "integers"),
        (Column("i", ColumnType.INTEGER), 1.5, "integers"),
        (Column("b", ColumnType.BOOLEAN), "yes", "True or False"),
        (Column("s", ColumnType.STRING, maximum_size=3), "abcd", "maximum size"),
        (Column("s", ColumnType.STRING, enum_values=["a"]), "b", "allowed values"),
        (Column("l", ColumnType.STRING_LIST), ["a", None], "null elements"),
        (Column("l", ColumnType.STRING_LIST, maximum_list_length=1), ["a", "b"], "more than 1"),
        (Column("l", ColumnType.STRING_LIST), "a", "lists"),
    ],
)
def test_encode_cell_rejects_values_that_do_not_fit(column: Column, value: object, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as err:
        encode_cell(value, column)
    assert err.value.field == f"columns[{column.name!r}]"


def test_decode_cells_gives_the_column_types_dtypes() -> None:
    assert str(decode_cells(["1", None, str(2**62 + 1)], ColumnType.INTEGER).dtype) == "Int64"
    assert decode_cells(["1", None, str(2**62 + 1)], ColumnType.INTEGER).tolist()[2] == 2**62 + 1
    doubles = decode_cells(["NaN", "Infinity", None, "-1.5"], ColumnType.DOUBLE)
    assert doubles.dtype == "float64" and math.isinf(doubles[1]) and doubles[3] == -1.5
    assert str(decode_cells(["true", "false", None], ColumnType.BOOLEAN).dtype) == "boolean"
    dates = decode_cells(["-315619200000", None], ColumnType.DATE)
    assert str(dates.dtype) == "datetime64[ns, UTC]"
    assert dates[0] == pd.Timestamp("1960-01-01", tz="UTC") and pd.isna(dates[1])
    lists = decode_cells(['["a","b"]', None], ColumnType.STRING_LIST)
    assert lists.tolist() == [["a", "b"], None]
    date_list = decode_cells(["[0]"], ColumnType.DATE_LIST)[0]
    assert date_list == [pd.Timestamp(0, tz="UTC")]
    assert decode_cells(['{"a": 1}'], ColumnType.JSON)[0] == {"a": 1}
    assert pandas_dtype(ColumnType.ENTITYID) == "str"


def _every_type_frame() -> tuple[pd.DataFrame, list[Column]]:
    columns = [
        Column("s", ColumnType.STRING, maximum_size=30),
        Column("i", ColumnType.INTEGER),
        Column("d", ColumnType.DOUBLE),
        Column("b", ColumnType.BOOLEAN),
        Column("t", ColumnType.DATE),
        Column("e", ColumnType.ENTITYID),
        Column("sl", ColumnType.STRING_LIST, maximum_size=10),
        Column("il", ColumnType.INTEGER_LIST),
        Column("bl", ColumnType.BOOLEAN_LIST),
        Column("dl", ColumnType.DATE_LIST),
        Column("j", ColumnType.JSON),
        Column("m", ColumnType.MEDIUMTEXT),
    ]
    df = pd.DataFrame(
        {
            "s": ['quote " comma , slash \\', "line\nbreak", None],
            "i": pd.array([1, None, -(2**62)], dtype="Int64"),
            "d": [1.25, float("inf"), float("nan")],
            "b": pd.array([True, None, False], dtype="boolean"),
            "t": pd.to_datetime(["1901-05-06 07:08:09.123", None, "2030-01-01 00:00:00.000"], utc=True),
            "e": ["syn1", None, "syn22"],
            "sl": [["a", "b,c"], None, []],
            "il": [[1, 2], None, [3]],
            "bl": [[True, False], None, [False]],
            "dl": [[pd.Timestamp("1950-01-01", tz="UTC")], None, []],
            "j": [{"k": [1, "x"]}, None, [1, 2]],
            "m": ["x" * 1500, None, "short"],
        }
    )
    return df, columns


def test_csv_round_trip_keeps_every_type(tmp_path: Path) -> None:
    df, columns = _every_type_frame()
    paths = write_table_csv(df, columns, tmp_path)
    assert len(paths) == 1
    back = read_table_csv(paths[0], {c.name: c.type for c in columns})
    assert list(back.columns) == [c.name for c in columns]
    assert back["s"].tolist()[:2] == df["s"].tolist()[:2] and pd.isna(back["s"][2])
    assert back["i"].dtype == "Int64" and back["i"].tolist()[2] == -(2**62) and pd.isna(back["i"][1])
    assert back["d"][0] == 1.25 and math.isinf(back["d"][1]) and math.isnan(back["d"][2])
    assert str(back["b"].dtype) == "boolean" and bool(back["b"][0]) is True and pd.isna(back["b"][1])
    assert str(back["t"].dtype) == "datetime64[ns, UTC]"
    assert back["t"][0] == pd.Timestamp("1901-05-06 07:08:09.123", tz="UTC")
    assert back["sl"].tolist() == [["a", "b,c"], None, []]
    assert back["il"].tolist() == [[1, 2], None, [3]]
    assert back["bl"].tolist() == [[True, False], None, [False]]
    assert back["dl"][0] == [pd.Timestamp("1950-01-01", tz="UTC")]
    assert back["j"].tolist() == [{"k": [1, "x"]}, None, [1, 2]]
    assert back["m"][0] == "x" * 1500


def test_csv_writer_rolls_files_before_the_size_limit(tmp_path: Path) -> None:
    df = pd.DataFrame({"n": range(10_000)})
    paths = write_table_csv(
        df, [Column("n", ColumnType.INTEGER)], tmp_path, max_bytes=20_000, rows_per_chunk=1000
    )
    assert len(paths) > 1
    assert all(p.stat().st_size <= 20_000 for p in paths)
    total = pd.concat([read_table_csv(p, {"n": ColumnType.INTEGER}) for p in paths])
    assert total["n"].tolist() == list(range(10_000))


def test_csv_writer_rejects_too_long_strings_naming_the_column(tmp_path: Path) -> None:
    df = pd.DataFrame({"s": pd.Series(["ok", "much too long"], dtype="str")})
    with pytest.raises(ValidationError) as err:
        write_table_csv(df, [Column("s", ColumnType.STRING, maximum_size=5)], tmp_path)
    assert err.value.field == "columns['s']"


def test_encode_cells_matches_partial_row_encoding() -> None:
    df, columns = _every_type_frame()
    cells = encode_cells(df["t"], columns[4])
    assert cells[1] is None and int(cells[0] or 0) < 0


def test_csv_read_keeps_rows_whose_only_cell_is_null(tmp_path: Path) -> None:
    df = pd.DataFrame({"s": ["a", None, "c", None]})
    paths = write_table_csv(df, [Column("s", ColumnType.STRING)], tmp_path)
    back = read_table_csv(paths[0], {"s": ColumnType.STRING})
    assert len(back) == 4 and back["s"][0] == "a" and pd.isna(back["s"][3])
