"""The official ``synapseclient`` 4.14 creates tables, stores rows, queries them and queries a view against
LocalSynapse (new ``synapseclient.models`` API and the legacy ``syn.store(Schema/Table)`` API)."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd
import pytest

synapseclient = pytest.importorskip("synapseclient")

from synapseclient.models import (  # noqa: E402
    Column,
    ColumnType,
    EntityView,
    File,
    Folder,
    Project,
    Table,
    ViewTypeMask,
)

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
_names = itertools.count(1)


def _name(prefix: str) -> str:
    return f"{prefix} tables {next(_names)}"


@pytest.fixture(scope="module")
def project(syn: Any) -> Any:
    return Project(name=_name("project")).store(synapse_client=syn)


def test_models_table_stores_rows_and_queries_them(syn: Any, project: Any) -> None:
    table = Table(
        name=_name("table"),
        parent_id=project.id,
        columns=[
            Column(name="name", column_type=ColumnType.STRING, maximum_size=20),
            Column(name="age", column_type=ColumnType.INTEGER),
            Column(name="score", column_type=ColumnType.DOUBLE),
            Column(name="ok", column_type=ColumnType.BOOLEAN),
        ],
    ).store(synapse_client=syn)
    frame = pd.DataFrame(
        {
            "name": ["ann", "bob", "cy"],
            "age": [31, 42, 7],
            "score": [1.5, 2.25, float("nan")],
            "ok": [True, False, True],
        }
    )
    table.store_rows(values=frame, synapse_client=syn)

    result = Table.query(
        query=f"SELECT name, age, score, ok FROM {table.id} ORDER BY age", synapse_client=syn
    )

    assert list(result["name"]) == ["cy", "ann", "bob"]
    assert list(result["age"]) == [7, 31, 42]
    assert result["score"].iloc[1] == 1.5 and pd.isna(result["score"].iloc[0])
    assert list(result["ok"]) == [True, True, False]
    filtered = Table.query(
        query=f"SELECT name FROM {table.id} WHERE age > 10 AND ok = true", synapse_client=syn
    )
    assert list(filtered["name"]) == ["ann"]


def test_models_table_query_row_set_parts(syn: Any, project: Any) -> None:
    table = Table(
        name=_name("table"), parent_id=project.id, columns=[Column(name="n", column_type=ColumnType.INTEGER)]
    ).store(synapse_client=syn)
    table.store_rows(values=pd.DataFrame({"n": list(range(25))}), synapse_client=syn)

    bundle = Table.query_part_mask(
        query=f"SELECT n FROM {table.id} WHERE n >= 20", part_mask=0x1 | 0x2 | 0x4, synapse_client=syn
    )

    assert bundle.count == 5
    assert sorted(bundle.result["n"]) == [20, 21, 22, 23, 24]


def test_legacy_schema_and_table_round_trip(syn: Any, project: Any) -> None:
    from synapseclient import Column as LegacyColumn
    from synapseclient import Schema
    from synapseclient import Table as LegacyTable

    schema = syn.store(
        Schema(
            name=_name("legacy"),
            parent=project.id,
            columns=[
                LegacyColumn(name="label", columnType="STRING"),
                LegacyColumn(name="value", columnType="INTEGER"),
            ],
        )
    )
    frame = pd.DataFrame({"label": ["x", "y"], "value": [1, 2]})
    syn.store(LegacyTable(schema, frame))

    results = syn.tableQuery(f"SELECT label, value FROM {schema.id} ORDER BY value")
    frame_back = results.asDataFrame()

    assert list(frame_back["label"]) == ["x", "y"]
    assert list(frame_back["value"]) == [1, 2]
    row_set = syn.tableQuery(f"SELECT label FROM {schema.id} WHERE value = 2", resultsAs="rowset")
    assert [row["values"] for row in row_set] == [["y"]]


def test_entity_view_lists_files_with_annotations(syn: Any, project: Any, tmp_path: Any) -> None:
    folder = Folder(name=_name("folder"), parent_id=project.id).store(synapse_client=syn)
    for index in range(2):
        path = tmp_path / f"data{index}.txt"
        path.write_text(f"data {index}")
        File(path=str(path), parent_id=folder.id, annotations={"tissue": [f"t{index}"]}).store(
            synapse_client=syn
        )
    view = EntityView(
        name=_name("view"),
        parent_id=project.id,
        scope_ids=[folder.id],
        view_type_mask=ViewTypeMask.FILE,
        columns=[Column(name="tissue", column_type=ColumnType.STRING, maximum_size=10)],
    ).store(synapse_client=syn)

    result = EntityView.query(query=f"SELECT name, tissue FROM {view.id} ORDER BY name", synapse_client=syn)

    assert list(result["name"]) == ["data0.txt", "data1.txt"]
    assert list(result["tissue"]) == ["t0", "t1"]


def test_models_upsert_delete_schema_change_and_snapshot(syn: Any, project: Any) -> None:
    table = Table(
        name=_name("table"),
        parent_id=project.id,
        columns=[
            Column(name="key", column_type=ColumnType.STRING, maximum_size=10),
            Column(name="value", column_type=ColumnType.INTEGER),
        ],
    ).store(synapse_client=syn)
    table.store_rows(values=pd.DataFrame({"key": ["a", "b"], "value": [1, 2]}), synapse_client=syn)

    table.upsert_rows(
        values=pd.DataFrame({"key": ["b", "c"], "value": [20, 3]}), primary_keys=["key"], synapse_client=syn
    )
    table.delete_rows(query=f"SELECT ROW_ID, ROW_VERSION FROM {table.id} WHERE key = 'a'", synapse_client=syn)
    table.add_column(Column(name="note", column_type=ColumnType.STRING, maximum_size=30))
    table.store(synapse_client=syn)
    snapshot = table.snapshot(comment="frozen", label="v1", synapse_client=syn)
    table.store_rows(values=pd.DataFrame({"key": ["d"], "value": [4], "note": ["late"]}), synapse_client=syn)

    current = Table.query(query=f"SELECT key, value, note FROM {table.id} ORDER BY key", synapse_client=syn)
    assert list(current["key"]) == ["b", "c", "d"]
    assert list(current["value"]) == [20, 3, 4]
    assert list(current["note"].fillna("")) == ["", "", "late"]
    version = snapshot["snapshotVersionNumber"]
    frozen = Table.query(query=f"SELECT key FROM {table.id}.{version} ORDER BY key", synapse_client=syn)
    assert list(frozen["key"]) == ["b", "c"]
    columns = Table(id=table.id).get(synapse_client=syn).columns
    assert list(columns) == ["key", "value", "note"]


def test_legacy_entity_view_schema_with_default_and_annotation_columns(
    syn: Any, project: Any, tmp_path: Any
) -> None:
    from synapseclient import EntityViewSchema, EntityViewType
    from synapseclient import File as LegacyFile
    from synapseclient import Folder as LegacyFolder

    folder = syn.store(LegacyFolder(name=_name("folder"), parent=project.id))
    path = tmp_path / "legacy.txt"
    path.write_text("legacy")
    stored = syn.store(LegacyFile(str(path), parent=folder, annotations={"stage": "raw", "lanes": [1, 2]}))

    view = syn.store(
        EntityViewSchema(
            name=_name("legacy view"),
            parent=project.id,
            scopes=[folder.id],
            includeEntityTypes=[EntityViewType.FILE],
            addDefaultViewColumns=True,
            addAnnotationColumns=True,
        )
    )
    frame = syn.tableQuery(f"SELECT id, name, stage, lanes FROM {view.id}").asDataFrame()

    assert list(frame["id"]) == [stored.id]
    assert list(frame["name"]) == ["legacy.txt"]
    assert list(frame["stage"]) == ["raw"]
    assert [list(v) for v in frame["lanes"]] == [[1, 2]]


def test_models_table_with_dates_lists_and_entity_ids(syn: Any, project: Any) -> None:
    table = Table(
        name=_name("table"),
        parent_id=project.id,
        columns=[
            Column(name="when", column_type=ColumnType.DATE),
            Column(name="tags", column_type=ColumnType.STRING_LIST, maximum_size=10),
            Column(name="ref", column_type=ColumnType.ENTITYID),
        ],
    ).store(synapse_client=syn)
    frame = pd.DataFrame(
        {
            "when": [pd.Timestamp("1960-05-01T12:00:00Z"), pd.Timestamp("2024-01-02T03:04:05.006Z")],
            "tags": [["a", "b"], []],
            "ref": [project.id, None],
        }
    )
    table.store_rows(values=frame, synapse_client=syn)

    result = Table.query(query=f"SELECT * FROM {table.id} ORDER BY ROW_ID", synapse_client=syn)

    assert list(result["when"]) == [-305121600000, 1704164645006]
    assert [list(v) for v in result["tags"]] == [["a", "b"], []]
    assert result["ref"].iloc[0] == project.id and pd.isna(result["ref"].iloc[1])
