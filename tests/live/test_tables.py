"""Tables end to end against LocalSynapse: schema, rows in, DataFrames out."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models import Column, ColumnType, Table

pytestmark = pytest.mark.live


def _samples() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample": ["s1", "s2", "s3", "s4"],
            "age": pd.array([34, None, 71, 5], dtype="Int64"),
            "score": [0.5, float("nan"), float("inf"), -2.25],
            "healthy": pd.array([True, False, None, True], dtype="boolean"),
            "collected": pd.to_datetime(
                ["1955-03-01 12:00:00.250", "2020-01-01 00:00:00.000", None, "1969-12-31 23:59:59.999"],
                utc=True,
            ),
        }
    )


def test_from_dataframe_store_creates_table_and_rows(alice: sm.Connection, project: sm.Project) -> None:
    df = _samples()
    table = Table.from_dataframe(df, name="samples", parent=project).store(connection=alice)
    assert table.id is not None and len(table.column_ids) == 5
    assert [c.type for c in table.columns or []] == [
        ColumnType.STRING,
        ColumnType.INTEGER,
        ColumnType.DOUBLE,
        ColumnType.BOOLEAN,
        ColumnType.DATE,
    ]
    back = table.query(connection=alice)
    assert list(back.columns) == list(df.columns)
    assert str(back["age"].dtype) == "Int64" and back["age"].tolist()[:1] == [34] and pd.isna(back["age"][1])
    assert back["score"].dtype == "float64" and math.isnan(back["score"][1]) and math.isinf(back["score"][2])
    assert str(back["healthy"].dtype) == "boolean" and pd.isna(back["healthy"][2])
    assert str(back["collected"].dtype) == "datetime64[ns, UTC]"
    assert back["collected"].tolist()[0] == pd.Timestamp("1955-03-01 12:00:00.250", tz="UTC")
    assert back["collected"].tolist()[3] == pd.Timestamp("1969-12-31 23:59:59.999", tz="UTC")
    loaded = Table.get(table.id, connection=alice)
    assert [c.name for c in loaded.columns or []] == list(df.columns)


def test_query_filters_with_sm_query(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    found = sm.query(f"SELECT sample, age FROM {table.id} WHERE age > 30 ORDER BY age", connection=alice)
    assert found["sample"].tolist() == ["s1", "s3"]
    assert str(found["age"].dtype) == "Int64"


def _every_type() -> tuple[pd.DataFrame, list[Column]]:
    columns = [
        Column("s", ColumnType.STRING, maximum_size=40),
        Column("i", ColumnType.INTEGER),
        Column("d", ColumnType.DOUBLE),
        Column("b", ColumnType.BOOLEAN),
        Column("t", ColumnType.DATE),
        Column("e", ColumnType.ENTITYID),
        Column("u", ColumnType.USERID),
        Column("sub", ColumnType.SUBMISSIONID),
        Column("ev", ColumnType.EVALUATIONID),
        Column("link", ColumnType.LINK, maximum_size=100),
        Column("m", ColumnType.MEDIUMTEXT),
        Column("lt", ColumnType.LARGETEXT),
        Column("j", ColumnType.JSON),
        Column("sl", ColumnType.STRING_LIST, maximum_size=10),
        Column("il", ColumnType.INTEGER_LIST),
        Column("bl", ColumnType.BOOLEAN_LIST),
        Column("dl", ColumnType.DATE_LIST),
        Column("el", ColumnType.ENTITYID_LIST),
        Column("ul", ColumnType.USERID_LIST),
    ]
    df = pd.DataFrame(
        {
            "s": ['quote " comma , slash \\ é', "line\nbreak", None],
            "i": pd.array([2**62, None, -7], dtype="Int64"),
            "d": [1.25, float("-inf"), float("nan")],
            "b": pd.array([True, None, False], dtype="boolean"),
            "t": pd.to_datetime(["1901-05-06 07:08:09.123", None, "2030-01-01 00:00:00.000"], utc=True),
            "e": ["syn1", None, "syn22"],
            "u": ["273950", None, "3"],
            "sub": ["9", None, "10"],
            "ev": ["11", "12", None],
            "link": ["https://example.org/a?b=c", None, "http://x"],
            "m": ["x" * 1500, None, "short"],
            "lt": ["y" * 10_000, "z", None],
            "j": [{"k": [1, "x"], "n": None}, None, [1, 2]],
            "sl": [["a", "b,c"], None, []],
            "il": [[1, 2**40], None, [3]],
            "bl": [[True, False], None, [False]],
            "dl": [[pd.Timestamp("1950-01-01", tz="UTC"), pd.Timestamp("2000-01-01", tz="UTC")], None, []],
            "el": [["syn1", "syn2"], None, []],
            "ul": [["1", "2"], None, []],
        }
    )
    return df, columns


def _assert_every_type(back: pd.DataFrame, df: pd.DataFrame) -> None:
    assert list(back.columns) == list(df.columns)
    assert back["s"].tolist()[:2] == df["s"].tolist()[:2] and pd.isna(back["s"][2])
    assert back["i"].tolist()[0] == 2**62 and pd.isna(back["i"][1]) and str(back["i"].dtype) == "Int64"
    assert back["d"][0] == 1.25 and back["d"][1] == float("-inf") and math.isnan(back["d"][2])
    assert str(back["b"].dtype) == "boolean" and bool(back["b"][0]) and pd.isna(back["b"][1])
    assert back["t"][0] == pd.Timestamp("1901-05-06 07:08:09.123", tz="UTC") and pd.isna(back["t"][1])
    for name in ("e", "u", "sub", "ev", "link", "m", "lt"):
        expected = [None if pd.isna(v) else v for v in df[name]]
        assert [None if pd.isna(v) else v for v in back[name]] == expected, name
    assert back["j"].tolist() == df["j"].tolist()
    for name in ("sl", "il", "bl", "dl", "el", "ul"):
        assert back[name].tolist() == df[name].tolist(), name


def test_every_column_type_round_trips_as_partial_rows(alice: sm.Connection, project: sm.Project) -> None:
    df, columns = _every_type()
    table = Table(name="types", parent=project, columns=columns).store(connection=alice)
    assert table.append(df, connection=alice) == 3
    _assert_every_type(table.query(connection=alice), df)


def test_every_column_type_round_trips_through_csv(alice: sm.Connection, project: sm.Project) -> None:
    df, columns = _every_type()
    big = pd.concat([df] * 300, ignore_index=True)  # large enough to go as a CSV upload
    table = Table(name="types", parent=project, columns=columns).store(connection=alice)
    assert table.append(big, connection=alice) == 900
    back = table.query(connection=alice)  # several pages: fetched as a CSV download
    assert len(back) == 900
    _assert_every_type(back.iloc[:3].reset_index(drop=True), df)
    _assert_every_type(back.iloc[-3:].reset_index(drop=True), df)


def test_append_rejects_unknown_column_before_any_request(
    alice: sm.Connection, project: sm.Project, server: object
) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    table.schema(connection=alice)
    with pytest.raises(sm.ValidationError) as err:
        table.append(pd.DataFrame({"sample": ["s9"], "weight": [70]}), connection=alice)
    assert err.value.field == "columns['weight']"
    assert "weight" in str(err.value)
    assert len(table.query(connection=alice)) == 4


def test_append_rejects_values_that_do_not_fit_naming_the_column(
    alice: sm.Connection, project: sm.Project
) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    with pytest.raises(sm.ValidationError) as err:
        table.append(pd.DataFrame({"sample": ["s9"], "age": ["old"]}), connection=alice)
    assert err.value.field == "columns['age']"


def test_query_with_bad_sql_raises_bad_request_with_reason(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    with pytest.raises(sm.HTTPError) as err:
        table.query(f"SELECT nosuchcolumn FROM {table.id}", connection=alice)
    assert err.value.status == 400 and "nosuchcolumn" in err.value.reason
    with pytest.raises(sm.HTTPError) as err:
        table.query(f"SELEKT * FROM {table.id}", connection=alice)
    assert err.value.status == 400 and err.value.reason


def test_query_pages_and_csv_give_the_same_rows(alice: sm.Connection, project: sm.Project) -> None:
    columns = [Column("n", ColumnType.INTEGER), Column("note", ColumnType.STRING, maximum_size=1000)]
    table = Table(name="many", parent=project, columns=columns).store(connection=alice)
    rows = pd.DataFrame({"n": range(1500), "note": [f"row {i}" for i in range(1500)]})
    table.append(rows, connection=alice)
    sql = f"SELECT * FROM {table.id} ORDER BY n"
    paged = table.query(sql, include_row_metadata=True, method="pages", connection=alice)
    assert paged["n"].tolist() == list(range(1500))  # more than one page (~500 rows of this width)
    assert paged["ROW_ID"].is_unique and str(paged["ROW_VERSION"].dtype) == "Int64"
    downloaded = table.query(sql, include_row_metadata=True, method="csv", connection=alice)
    pd.testing.assert_frame_equal(paged, downloaded)
    automatic = table.query(sql, connection=alice)
    assert automatic["note"].tolist() == paged["note"].tolist()
    some = table.query(f"SELECT n FROM {table.id} WHERE n >= 1490 ORDER BY n", connection=alice)
    assert some["n"].tolist() == list(range(1490, 1500))


def test_store_applies_schema_changes_keeping_data(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    columns = table.columns or []
    by_name = {c.name: c for c in columns}
    by_name["sample"].name = "sample_id"  # rename
    by_name["age"].type = ColumnType.DOUBLE  # retype INTEGER -> DOUBLE
    table.columns = [
        by_name["sample"],
        Column("site", ColumnType.STRING, maximum_size=10),  # add
        by_name["age"],
        by_name["collected"],
        by_name["score"],
    ]  # drop healthy, reorder
    table.store(connection=alice)
    back = table.query(f"SELECT * FROM {table.id} ORDER BY sample_id", connection=alice)
    assert list(back.columns) == ["sample_id", "site", "age", "collected", "score"]
    assert back["sample_id"].tolist() == ["s1", "s2", "s3", "s4"]
    assert back["age"].dtype == "float64" and back["age"][0] == 34.0 and math.isnan(back["age"][1])
    assert back["site"].isna().all()
    assert back["collected"][0] == pd.Timestamp("1955-03-01 12:00:00.250", tz="UTC")
    reloaded = Table.get(table.id, connection=alice)
    assert [c.name for c in reloaded.columns or []] == ["sample_id", "site", "age", "collected", "score"]
    assert reloaded.column_ids == table.column_ids


def test_store_of_unchanged_table_sends_no_schema_change(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    etag = table.etag
    table.store(connection=alice)
    assert table.etag == etag


def test_store_again_by_name_retypes_same_named_column(alice: sm.Connection, project: sm.Project) -> None:
    Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    again = Table(
        name="samples",
        parent=project,
        columns=[
            Column("sample", ColumnType.STRING, maximum_size=50),
            Column("age", ColumnType.INTEGER),
            Column("weight", ColumnType.DOUBLE),
        ],
    ).store(connection=alice)
    back = again.query(f"SELECT * FROM {again.id} ORDER BY sample", connection=alice)
    assert list(back.columns) == ["sample", "age", "weight"]
    assert back["age"].tolist()[0] == 34 and back["sample"].tolist() == ["s1", "s2", "s3", "s4"]


def test_upsert_updates_matching_keys_and_inserts_the_rest(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    before = table.query(include_row_metadata=True, connection=alice).set_index("sample")
    changes = pd.DataFrame(
        {"sample": ["s2", "s9"], "age": pd.array([40, 1], dtype="Int64"), "score": [1.0, 2.0]}
    )
    result = table.upsert(changes, key="sample", connection=alice)
    assert (result.updated, result.inserted) == (1, 1)
    after = table.query(include_row_metadata=True, connection=alice).set_index("sample")
    assert len(after) == 5
    assert after.loc["s2", "age"] == 40 and after.loc["s2", "score"] == 1.0
    assert after.loc["s2", "ROW_ID"] == before.loc["s2", "ROW_ID"]
    assert after.loc["s2", "ROW_VERSION"] > before.loc["s2", "ROW_VERSION"]
    assert bool(after.loc["s2", "healthy"]) is False  # columns not in the frame are left alone
    assert after.loc["s9", "age"] == 1
    with pytest.raises(sm.ValidationError, match="repeats"):
        table.upsert(pd.DataFrame({"sample": ["s1", "s1"]}), key=["sample"], connection=alice)


def test_delete_rows_by_query_frame_and_ids(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    assert table.delete_rows(query=f"SELECT ROW_ID FROM {table.id} WHERE age > 30", connection=alice) == 2
    rows = table.query(include_row_metadata=True, connection=alice)
    assert sorted(rows["sample"]) == ["s2", "s4"]
    assert table.delete_rows(rows[rows["sample"] == "s2"], connection=alice) == 1
    remaining = table.query(include_row_metadata=True, connection=alice)
    assert remaining["sample"].tolist() == ["s4"]
    assert table.delete_rows([int(remaining["ROW_ID"][0])], connection=alice) == 1
    assert len(table.query(connection=alice)) == 0
    with pytest.raises(sm.ValidationError, match="ROW_ID"):
        table.delete_rows(pd.DataFrame({"sample": ["s1"]}), connection=alice)


def test_snapshot_freezes_rows_queryable_by_version(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    version = table.snapshot(comment="first four", label="v1", connection=alice)
    table.append(pd.DataFrame({"sample": ["s5"]}), connection=alice)
    assert len(table.query(connection=alice)) == 5
    frozen = sm.query(f"SELECT * FROM {table.id}.{version} ORDER BY sample", connection=alice)
    assert frozen["sample"].tolist() == ["s1", "s2", "s3", "s4"]
    assert str(frozen["age"].dtype) == "Int64"
    assert table.version_number is not None and table.version_number > version


def test_append_large_frame_with_some_columns_goes_as_csv(alice: sm.Connection, project: sm.Project) -> None:
    table = Table.from_dataframe(_samples(), name="samples", parent=project).store(connection=alice)
    many = pd.DataFrame(
        {"age": pd.array(range(30_000), dtype="Int64"), "sample": [f"{i % 100:02d}" for i in range(30_000)]}
    )  # other order, some left out
    assert table.append(many, connection=alice) == 30_000
    back = table.query(f"SELECT * FROM {table.id} WHERE age >= 29998 ORDER BY age", connection=alice)
    assert back["sample"].tolist() == ["98", "99"] and back["healthy"].isna().all()
    assert len(table.query(connection=alice)) == 30_004


def test_from_dataframe_leaves_room_to_append_longer_values(
    alice: sm.Connection, project: sm.Project
) -> None:
    table = Table.from_dataframe(pd.DataFrame({"sample": ["s1", "s2"]}), name="growing", parent=project)
    table.store(connection=alice)
    table.append(pd.DataFrame({"sample": ["s10-long-name"]}), connection=alice)
    assert table.query(connection=alice)["sample"].tolist() == ["s1", "s2", "s10-long-name"]


def test_from_dataframe_columns_size_a_column_exactly(alice: sm.Connection, project: sm.Project) -> None:
    exact = Column("sample", ColumnType.STRING, maximum_size=2)
    table = Table.from_dataframe(pd.DataFrame({"sample": ["s1", "s2"]}), name="exact", parent=project,
                                 columns=[exact]).store(connection=alice)
    assert [c.maximum_size for c in Table.get(table.id, connection=alice).columns or []] == [2]
    with pytest.raises(sm.ValidationError, match="maximum size"):
        table.append(pd.DataFrame({"sample": ["s10-long-name"]}), connection=alice)
