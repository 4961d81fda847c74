"""The official ``synapseclient`` 4.14 creates and queries datasets, dataset collections, materialized views
and virtual tables against LocalSynapse, and what it stores reads back through synapse_models (and back)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.local import LocalSynapse
from tests.conformance.conftest import make_client

synapseclient = pytest.importorskip("synapseclient")

from synapseclient.models import (  # noqa: E402
    Column,
    ColumnType,
    Dataset,
    DatasetCollection,
    EntityRef,
    File,
    MaterializedView,
    Project,
    Table,
    VirtualTable,
)

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
_names = itertools.count(1)


def _name(prefix: str) -> str:
    return f"{prefix} family {next(_names)}"


@pytest.fixture(scope="module")
def token(server: LocalSynapse) -> str:
    return str(server.create_user(f"family{next(_names)}"))


@pytest.fixture(scope="module")
def syn(server: LocalSynapse, token: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The official client, logged in as the user ``ours`` connects as."""
    return make_client(server, token, tmp_path_factory.mktemp("family"))


@pytest.fixture
def ours(server: LocalSynapse, token: str) -> sm.Connection:
    """synapse_models, connected as the official client's user."""
    connection: sm.Connection = server.connect(token, name="family")
    return connection


@pytest.fixture(scope="module")
def project(syn: Any) -> Any:
    return Project(name=_name("project")).store(synapse_client=syn)


def _file(syn: Any, project: Any, tmp_path: Path, text: str) -> Any:
    path = tmp_path / f"{text}.txt"
    path.write_text(text)
    return File(path=str(path), parent_id=project.id).store(synapse_client=syn)


def _table(syn: Any, project: Any, frame: pd.DataFrame, columns: list[Any]) -> Any:
    table = Table(name=_name("table"), parent_id=project.id, columns=columns).store(synapse_client=syn)
    table.store_rows(values=frame, synapse_client=syn)
    return table


def test_official_dataset_rows_annotations_and_snapshot(
    syn: Any, project: Any, ours: sm.Connection, tmp_path: Path
) -> None:
    first, second = _file(syn, project, tmp_path, "first"), _file(syn, project, tmp_path, "second")
    dataset = Dataset(
        name=_name("dataset"),
        parent_id=project.id,
        columns=[Column(name="note", column_type=ColumnType.STRING)],
    )
    dataset.add_item(first, synapse_client=syn)
    dataset = dataset.store(synapse_client=syn)
    assert (dataset.count, dataset.size) == (1, len("first"))
    dataset.update_rows(
        values=pd.DataFrame({"id": [first.id], "note": ["checked"]}),
        primary_keys=["id"],
        dry_run=False,
        wait_for_eventually_consistent_view=True,
        synapse_client=syn,
    )
    rows = Dataset.query(query=f"SELECT id, note FROM {dataset.id}", synapse_client=syn)
    assert rows[["id", "note"]].to_dict("records") == [{"id": first.id, "note": "checked"}]
    dataset.snapshot(synapse_client=syn)
    dataset.add_item(second, synapse_client=syn)
    dataset.store(synapse_client=syn)

    mine = sm.Dataset.get(dataset.id, connection=ours)
    assert mine.items == [sm.EntityRef(first.id, 1), sm.EntityRef(second.id, 1)]
    assert [ref.entity_id for ref in sm.Dataset.get(f"{dataset.id}.1", connection=ours).items] == [first.id]
    assert sm.File.get(first.id, download=False, connection=ours).annotations["note"] == ["checked"]
    assert Dataset(id=dataset.id, version_number=1).get(synapse_client=syn).items == [
        EntityRef(id=first.id, version=1)
    ]


def test_official_collection_reads_a_dataset_made_here(
    syn: Any, project: Any, ours: sm.Connection, tmp_path: Path
) -> None:
    file = _file(syn, project, tmp_path, "content")
    mine = sm.Dataset(name=_name("ours"), parent=project.id, items=[sm.EntityRef(file.id, 1)])
    mine.store(connection=ours)
    collection = DatasetCollection(name=_name("collection"), parent_id=project.id)
    collection.add_item(Dataset(id=mine.id).get(synapse_client=syn))
    collection = collection.store(synapse_client=syn)
    rows = DatasetCollection.query(
        query=f"SELECT id, datasetItemCount, datasetMD5Hex FROM {collection.id}", synapse_client=syn
    )
    wanted = rows[["id", "datasetItemCount", "datasetMD5Hex"]]
    assert wanted.to_dict("records") == [
        {"id": mine.id, "datasetItemCount": 1, "datasetMD5Hex": mine.checksum}
    ]


def test_official_materialized_view_and_virtual_table(syn: Any, project: Any, ours: sm.Connection) -> None:
    people = _table(
        syn,
        project,
        pd.DataFrame({"uid": [1, 2], "name": ["Ada", "Bob"]}),
        [
            Column(name="uid", column_type=ColumnType.INTEGER),
            Column(name="name", column_type=ColumnType.STRING),
        ],
    )
    ages = _table(
        syn,
        project,
        pd.DataFrame({"uid": [1, 2, 3], "age": [30, 40, 50]}),
        [
            Column(name="uid", column_type=ColumnType.INTEGER),
            Column(name="age", column_type=ColumnType.INTEGER),
        ],
    )
    sql = f"SELECT p.name AS name, a.age AS age FROM {people.id} p JOIN {ages.id} a ON p.uid = a.uid"
    view = MaterializedView(name=_name("mv"), parent_id=project.id, defining_sql=sql).store(
        synapse_client=syn
    )
    rows = view.query(f"SELECT * FROM {view.id} ORDER BY age", synapse_client=syn)
    assert rows[["name", "age"]].to_dict("records") == [
        {"name": "Ada", "age": 30},
        {"name": "Bob", "age": 40},
    ]
    assert rows["ROW_ID"].tolist() == [1, 2]
    mine = sm.MaterializedView.get(view.id, connection=ours)
    assert mine.defining_sql == sql and [c.name for c in mine.columns or []] == ["name", "age"]

    grouped = VirtualTable(
        name=_name("vt"),
        parent_id=project.id,
        defining_sql=f"SELECT COUNT(*) AS n, MAX(age) AS oldest FROM {ages.id}",
    ).store(synapse_client=syn)
    totals = grouped.query(f"SELECT * FROM {grouped.id}", synapse_client=syn)
    assert totals.to_dict("records") == [{"n": 3, "oldest": 50}]  # a virtual table has no row ids
    assert sm.VirtualTable.get(grouped.id, connection=ours).query(connection=ours)["n"].tolist() == [3]
