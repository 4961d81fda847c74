"""Tables and views: DataFrames in and out, schema changes, upserts, snapshots, CSV queries, write-back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import synapse_models as sm

from .conftest import Made, Recording


def _donors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "donor": ["D01", "D02", "D03"],
            "age": pd.array([34, 61, None], dtype="Int64"),
            "rin": [8.1, 6.4, 7.25],
            "enrolled": pd.to_datetime(
                ["1968-05-01 00:00:00.000", "2021-11-30 12:00:00.250", "2000-01-01 00:00:00.000"], utc=True
            ),
            "tissues": [["brain", "blood"], ["liver"], []],
        }
    )


@pytest.mark.vcr
def test_table_rows_schema_changes_and_queries(
    recording: Recording, connection: sm.Connection, made: Made
) -> None:
    project = made(sm.Project(name=recording.name("tables")).store())
    table = sm.Table.from_dataframe(_donors(), name="donors", parent=project).store()
    types = [(c.name, c.type) for c in table.columns or []]
    assert types == [
        ("donor", sm.ColumnType.STRING),
        ("age", sm.ColumnType.INTEGER),
        ("rin", sm.ColumnType.DOUBLE),
        ("enrolled", sm.ColumnType.DATE),
        ("tissues", sm.ColumnType.STRING_LIST),
    ]
    back = table.query(f"SELECT * FROM {table.id} ORDER BY donor")
    assert back["donor"].tolist() == ["D01", "D02", "D03"]
    assert back["age"].tolist()[:2] == [34, 61] and pd.isna(back["age"][2])
    assert back["enrolled"][1] == pd.Timestamp("2021-11-30 12:00:00.250", tz="UTC")
    assert back["tissues"].tolist() == [["brain", "blood"], ["liver"], []]

    assert table.append(pd.DataFrame({"donor": ["D04"], "age": [45], "rin": [9.0]})) == 1
    result = table.upsert(pd.DataFrame({"donor": ["D02", "D05"], "age": [62, 20]}), key="donor")
    assert (result.updated, result.inserted) == (1, 1)
    table.delete_rows(query=f"SELECT ROW_ID FROM {table.id} WHERE donor = 'D01'")
    ages = sm.query(f"SELECT donor, age FROM {table.id} ORDER BY donor")
    assert ages["donor"].tolist() == ["D02", "D03", "D04", "D05"]
    assert ages["age"].tolist()[0] == 62
    version = table.snapshot(comment="before the schema change", label="v1")

    by_name = {c.name: c for c in table.columns or []}
    by_name["rin"].name = "rna_integrity"
    by_name["age"].type = sm.ColumnType.DOUBLE
    site = sm.Column("site", sm.ColumnType.STRING, maximum_size=20)
    table.columns = [by_name["donor"], site, by_name["rin"], by_name["age"]]  # "tissues" is dropped
    table.store()
    reloaded = sm.Table.get(str(table.id))
    assert [(c.name, c.type) for c in reloaded.columns or []] == [
        ("donor", sm.ColumnType.STRING),
        ("site", sm.ColumnType.STRING),
        ("rna_integrity", sm.ColumnType.DOUBLE),
        ("age", sm.ColumnType.DOUBLE),
    ]
    now = table.query(f"SELECT donor, rna_integrity, age FROM {table.id} WHERE age > 40 ORDER BY donor")
    assert now.to_dict("list") == {"donor": ["D02", "D04"], "rna_integrity": [6.4, 9.0], "age": [62.0, 45.0]}
    old = sm.query(f"SELECT donor, rin FROM {table.id}.{version} ORDER BY donor", include_row_metadata=True)
    assert list(old.columns) == ["ROW_ID", "ROW_VERSION", "donor", "rin"]
    assert old["donor"].tolist() == ["D02", "D03", "D04", "D05"]

    as_csv = table.query(f"SELECT donor, site FROM {table.id} ORDER BY donor", method="csv")
    assert as_csv["donor"].tolist() == ["D02", "D03", "D04", "D05"] and as_csv["site"].isna().all()
    with pytest.raises(sm.BadRequestError, match="nonsense"):
        table.query(f"SELECT nonsense FROM {table.id}")


@pytest.mark.vcr
def test_view_columns_query_and_write_back(
    recording: Recording, connection: sm.Connection, made: Made, tmp_path: Path
) -> None:
    project = made(sm.Project(name=recording.name("views")).store())
    folder = sm.Folder(name="raw", parent=project).store()
    files = []
    for i, (tissue, depth) in enumerate([("brain", 30), ("liver", 12), ("brain", 45)]):
        path = tmp_path / f"reads_{i}.txt"
        path.write_text(f"reads {i}\n")
        notes = {"tissue": tissue, "depth": depth}
        files.append(sm.File(str(path), parent=folder if i else project, annotations=notes).store())

    view = sm.View(name="all files", parent=project, scope=[project], include=[sm.EntityType.FILE]).store()
    columns = {c.name: c.type for c in view.columns or []}
    assert {"id", "name", "etag"} <= set(columns)
    assert (columns["tissue"], columns["depth"]) == (sm.ColumnType.STRING, sm.ColumnType.INTEGER)

    sql = f"SELECT id, name, tissue, depth FROM {view.id} ORDER BY name"
    rows = recording.eventually(lambda: view.query(sql), until=lambda df: len(df) == 3)
    assert rows["id"].tolist() == [f.id for f in files]
    assert rows["depth"].tolist() == [30, 12, 45]

    df = view.query(include_row_metadata=True)
    df.loc[df["id"] == files[1].id, "tissue"] = "kidney"
    assert view.update(df) == [files[1].id]
    assert sm.File.get(str(files[1].id), download=False).annotations["tissue"] == ["kidney"]
    brain = f"SELECT name FROM {view.id} WHERE tissue = 'kidney'"
    kidney = recording.eventually(lambda: sm.query(brain), until=lambda df: len(df) == 1)
    assert kidney["name"].tolist() == [files[1].name]

    df = view.query(include_row_metadata=True)
    df.loc[0, "name"] = "renamed.txt"
    with pytest.raises(sm.ValidationError, match="name"):
        view.update(df)
