"""Datasets, dataset collections, materialized views and virtual tables end to end against LocalSynapse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models import (
    Column,
    ColumnType,
    Dataset,
    DatasetCollection,
    EntityRef,
    MaterializedView,
    VirtualTable,
)

pytestmark = pytest.mark.live


def _file(alice: sm.Connection, parent: sm.Entity, tmp_path: Path, text: str, **fields: object) -> sm.File:
    path = tmp_path / f"{text}.txt"
    path.write_text(text)
    return sm.File(path, parent=parent, **fields).store(connection=alice)


def _people(alice: sm.Connection, project: sm.Project) -> sm.Table:
    frame = pd.DataFrame({"uid": [1, 2, 3], "name": ["Ada", "Bob", "Cy"], "dept": ["IT", "HR", "IT"]})
    return sm.Table.from_dataframe(frame, name="people", parent=project).store(connection=alice)


def test_dataset_items_rows_and_snapshots(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> None:
    raw = sm.Folder(name="raw", parent=project).store(connection=alice)
    first = _file(alice, raw, tmp_path, "first", annotations={"stage": "raw"})
    second = _file(alice, raw, tmp_path, "second")
    ds = Dataset(name="release", parent=project, columns=[Column("stage", ColumnType.STRING)])
    assert ds.add_item(raw, connection=alice) == [EntityRef(first.id, 1), EntityRef(second.id, 1)]
    ds.store(connection=alice)
    assert (ds.count, ds.size) == (2, len("first") + len("second"))
    assert ds.checksum is not None and len(ds.checksum) == 32
    names = [c.name for c in ds.schema(connection=alice)]
    assert names[:3] == ["id", "name", "description"] and names[-1] == "stage"
    df = ds.query(f"SELECT id, stage FROM {ds.id} ORDER BY id", connection=alice)
    assert df["id"].tolist() == [first.id, second.id]
    assert df["stage"][0] == "raw" and pd.isna(df["stage"][1])

    meta = sm.query(f"SELECT id FROM {ds.id}", include_row_metadata=True, connection=alice)
    assert list(meta.columns) == ["ROW_ID", "ROW_VERSION", "ROW_ETAG", "id"]
    edited = ds.query(include_row_metadata=True, connection=alice)
    edited.loc[edited["id"] == second.id, "stage"] = "clean"
    assert ds.update(edited[["ROW_ID", "ROW_ETAG", "stage"]], connection=alice) == [second.id]
    assert sm.File.get(second.id, download=False, connection=alice).annotations["stage"] == ["clean"]

    version = ds.snapshot(label="v1", connection=alice)
    ds.remove_item(first)
    ds.store(connection=alice)
    assert [ref.entity_id for ref in ds.items] == [second.id]
    old = Dataset.get(f"{ds.id}.{version}", connection=alice)
    assert [ref.entity_id for ref in old.items] == [first.id, second.id]
    assert len(sm.query(f"SELECT id FROM {ds.id}.{version}", connection=alice)) == 2
    assert ds.query(connection=alice)["id"].tolist() == [second.id]


def test_dataset_pins_versions_and_refuses_wrong_items(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    file = _file(alice, project, tmp_path, "pinned")
    (tmp_path / "pinned.txt").write_text("pinned, again")
    file.path = str(tmp_path / "pinned.txt")
    file.store(connection=alice)
    assert file.version_number == 2
    ds = Dataset(name="pinned", parent=project)
    ds.add_item(file.id, version=1, connection=alice)
    ds.add_item(f"{file.id}.2", connection=alice)  # the same entity: its version is replaced
    assert ds.items == [EntityRef(file.id, 2)]
    with pytest.raises(sm.ValidationError, match="holds files"):
        ds.add_item(project, connection=alice)
    with pytest.raises(sm.ValidationError, match="not an item"):
        ds.remove_item("syn999")
    with pytest.raises(sm.ValidationError, match="version"):
        ds.add_item(file, version=0, connection=alice)
    ds.store(connection=alice)
    assert ds.query("SELECT currentVersion FROM {id}", connection=alice)["currentVersion"].tolist() == [2]


def test_dataset_collection_lists_dataset_versions(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    file = _file(alice, project, tmp_path, "content")
    ds = Dataset(name="inner", parent=project, items=[EntityRef(file.id, 1)]).store(connection=alice)
    collection = DatasetCollection(name="releases", parent=project)
    collection.add_item(ds, connection=alice)
    with pytest.raises(sm.ValidationError, match="holds datasets"):
        collection.add_item(file, connection=alice)
    collection.store(connection=alice)
    df = collection.query("SELECT id, datasetItemCount, datasetMD5Hex FROM {id}", connection=alice)
    assert df.to_dict("records") == [{"id": ds.id, "datasetItemCount": 1, "datasetMD5Hex": ds.checksum}]
    again = DatasetCollection.get(collection.id, connection=alice)
    assert again.items == [EntityRef(ds.id, 1)]


def test_empty_dataset_snapshot_is_refused(alice: sm.Connection, project: sm.Project) -> None:
    ds = Dataset(name="empty", parent=project).store(connection=alice)
    with pytest.raises(sm.BadRequestError, match="empty Dataset"):
        ds.snapshot(connection=alice)


def test_materialized_view_joins_and_follows_its_sources(alice: sm.Connection, project: sm.Project) -> None:
    people = _people(alice, project)
    scores = sm.Table.from_dataframe(
        pd.DataFrame({"uid": [1, 3], "score": [0.5, 0.9]}), name="scores", parent=project
    ).store(connection=alice)
    sql = (
        f"SELECT p.uid AS uid, p.name AS name, s.score AS score FROM {people.id} p"
        f" LEFT JOIN {scores.id} s ON p.uid = s.uid"
    )
    mv = MaterializedView(name="joined", parent=project, defining_sql=sql).store(connection=alice)
    assert [(c.name, c.type) for c in mv.columns or []] == [
        ("uid", ColumnType.INTEGER), ("name", ColumnType.STRING), ("score", ColumnType.DOUBLE)]  # fmt: skip
    df = mv.query("SELECT * FROM {id} ORDER BY uid", connection=alice)
    assert df["score"].tolist()[0] == 0.5 and pd.isna(df["score"][1])
    scores.append(pd.DataFrame({"uid": [2], "score": [0.1]}), connection=alice)
    assert mv.query("SELECT score FROM {id} ORDER BY uid", connection=alice)["score"].tolist() == [
        0.5,
        0.1,
        0.9,
    ]
    mv.defining_sql = f"SELECT name FROM {people.id}"
    mv.store(connection=alice)
    assert [c.name for c in mv.columns or []] == ["name"]
    loaded = MaterializedView.get(mv.id, connection=alice)
    assert loaded.defining_sql == f"SELECT name FROM {people.id}"


def test_virtual_table_aggregates_and_has_no_row_ids(alice: sm.Connection, project: sm.Project) -> None:
    people = _people(alice, project)
    vt = VirtualTable(
        name="per dept",
        parent=project,
        defining_sql=f"SELECT dept, COUNT(*) AS n FROM {people.id} GROUP BY dept",
    ).store(connection=alice)
    df = vt.query("SELECT * FROM {id} ORDER BY dept", connection=alice)
    assert df.to_dict("records") == [{"dept": "HR", "n": 1}, {"dept": "IT", "n": 2}]
    with pytest.raises(sm.ValidationError, match="no ROW_ID"):
        vt.query(include_row_metadata=True, connection=alice)
    with pytest.raises(sm.ValidationError, match="defining SQL"):
        VirtualTable(name="blank", parent=project, defining_sql=" ").store(connection=alice)
    with pytest.raises(sm.BadRequestError, match="JOIN keyword"):
        VirtualTable(name="joined", parent=project,
                     defining_sql=f"SELECT * FROM {people.id} a JOIN {people.id} b ON a.uid = b.uid").store(
                         connection=alice)  # fmt: skip
