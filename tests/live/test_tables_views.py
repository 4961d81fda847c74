"""Entity views end to end against LocalSynapse: columns, queries, write-back to annotations."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models import Column, ColumnType, EntityType, View

pytestmark = pytest.mark.live


def _files(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> list[sm.File]:
    folder = sm.Folder(name="raw", parent=project).store(connection=alice)
    made = []
    for i, (tissue, depth) in enumerate([("brain", 30), ("liver", 12), ("brain", 45)]):
        path = tmp_path / f"reads_{i}.txt"
        path.write_text(f"reads {i}\n")
        notes = {"tissue": tissue, "depth": depth, "collected": datetime(1965 + i, 1, 1, tzinfo=timezone.utc)}
        made.append(sm.File(path, parent=folder if i else project, annotations=notes).store(connection=alice))
    return made


def test_view_has_default_and_annotation_columns(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    files = _files(alice, project, tmp_path)
    view = View(name="files", parent=project, scope=[project], include=[EntityType.FILE])
    view.store(connection=alice)
    names = [c.name for c in view.columns or []]
    for default in ("id", "name", "createdOn", "etag", "dataFileSizeBytes"):
        assert default in names
    by_name = {c.name: c for c in view.columns or []}
    assert by_name["tissue"].type is ColumnType.STRING
    assert by_name["depth"].type is ColumnType.INTEGER
    assert by_name["collected"].type is ColumnType.DATE
    assert view.view_type_mask == 0x01 and view.scope_ids == [project.id]
    sql = f"SELECT id, name, tissue, depth, collected FROM {view.id} ORDER BY name"
    df = view.query(sql, connection=alice)
    assert df["name"].tolist() == [f.name for f in files]
    assert df["id"].tolist() == [f.id for f in files]
    assert str(df["depth"].dtype) == "Int64" and df["depth"].tolist() == [30, 12, 45]
    assert df["collected"][0] == pd.Timestamp("1965-01-01", tz="UTC")
    brain = sm.query(f"SELECT name FROM {view.id} WHERE tissue = 'brain' ORDER BY name", connection=alice)
    assert brain["name"].tolist() == [files[0].name, files[2].name]
    meta = sm.query(f"SELECT name FROM {view.id}", include_row_metadata=True, connection=alice)
    assert list(meta.columns) == ["ROW_ID", "ROW_VERSION", "ROW_ETAG", "name"]
    assert sorted(f"syn{i}" for i in meta["ROW_ID"]) == sorted(f.id for f in files)


def test_view_with_explicit_columns_only(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> None:
    _files(alice, project, tmp_path)
    view = View(
        name="slim",
        parent=project,
        scope=[project],
        columns=[Column("tissue", ColumnType.STRING)],
        include_default_columns=False,
        include_annotation_columns=False,
    ).store(connection=alice)
    assert [c.name for c in view.columns or []] == ["tissue"]
    assert sorted(view.query(connection=alice)["tissue"]) == ["brain", "brain", "liver"]
    # the client-side choices survive the server's answer, so a later store() adds no columns back
    assert view.include_default_columns is False and view.include_annotation_columns is False
    assert view.include == [EntityType.FILE]
    view.description = "only the tissue"
    view.store(connection=alice)
    assert [c.name for c in View.get(str(view.id), connection=alice).columns or []] == ["tissue"]


def test_view_update_writes_changed_cells_to_annotations(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    files = _files(alice, project, tmp_path)
    view = View(name="files", parent=project, scope=[project]).store(connection=alice)
    df = view.query(include_row_metadata=True, connection=alice)
    assert {"ROW_ID", "ROW_VERSION", "ROW_ETAG"} <= set(df.columns)
    target = df["id"] == files[1].id
    df.loc[target, "tissue"] = "kidney"
    df.loc[target, "depth"] = 99
    updated = view.update(df, connection=alice)
    assert updated == [files[1].id]
    entity = sm.File.get(files[1].id, connection=alice)
    assert entity.annotations["tissue"] == ["kidney"] and entity.annotations["depth"] == [99]
    assert sm.File.get(files[0].id, connection=alice).annotations["tissue"] == ["brain"]
    again = view.query(f"SELECT tissue FROM {view.id} WHERE id = '{files[1].id}'", connection=alice)
    assert again["tissue"].tolist() == ["kidney"]


def test_view_update_reports_stale_rows_without_swallowing(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    files = _files(alice, project, tmp_path)
    view = View(name="files", parent=project, scope=[project]).store(connection=alice)
    df = view.query(include_row_metadata=True, connection=alice)
    changed_meanwhile = sm.File.get(files[0].id, connection=alice)
    changed_meanwhile.annotations["tissue"] = "heart"
    changed_meanwhile.store(connection=alice)
    df["tissue"] = "lung"
    with pytest.raises(sm.ViewUpdateError) as err:
        view.update(df, connection=alice)
    assert [f.entity_id for f in err.value.failures] == [files[0].id]
    assert err.value.failures[0].code == "CONCURRENT_UPDATE"
    assert sorted(err.value.updated) == sorted([files[1].id, files[2].id])
    assert sm.File.get(files[0].id, connection=alice).annotations["tissue"] == ["heart"]
    assert sm.File.get(files[2].id, connection=alice).annotations["tissue"] == ["lung"]


def test_view_update_refuses_entity_field_changes(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    _files(alice, project, tmp_path)
    view = View(name="files", parent=project, scope=[project]).store(connection=alice)
    df = view.query(include_row_metadata=True, connection=alice)
    df.loc[0, "name"] = "renamed.txt"
    with pytest.raises(sm.ValidationError) as err:
        view.update(df, connection=alice)
    assert err.value.field == "columns['name']"
    with pytest.raises(sm.ValidationError, match="ROW_ETAG"):
        view.update(df.drop(columns=["ROW_ETAG"]), connection=alice)


def test_view_snapshot_keeps_old_rows(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> None:
    files = _files(alice, project, tmp_path)
    view = View(name="files", parent=project, scope=[project]).store(connection=alice)
    version = view.snapshot(comment="three files", connection=alice)
    files[0].delete(connection=alice)
    assert len(view.query(connection=alice)) == 2
    assert len(sm.query(f"SELECT * FROM {view.id}.{version}", connection=alice)) == 3


def test_view_rejects_bad_scope_and_types(project: sm.Project) -> None:
    with pytest.raises(sm.ValidationError, match="scope"):
        View(name="v", parent=project, scope=["not-an-id"])
    with pytest.raises(sm.ValidationError, match="project view"):
        View(name="v", parent=project, scope=[project], include=[EntityType.PROJECT, EntityType.FILE])


def test_view_columns_can_be_changed_after_creation(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    _files(alice, project, tmp_path)
    view = View(
        name="slim",
        parent=project,
        scope=[project],
        columns=[Column("tissue", ColumnType.STRING)],
        include_default_columns=False,
        include_annotation_columns=False,
    ).store(connection=alice)
    loaded = View.get(view.id, connection=alice)
    assert loaded.include == [EntityType.FILE] and [c.name for c in loaded.columns or []] == ["tissue"]
    loaded.columns = [*(loaded.columns or []), Column("depth", ColumnType.INTEGER)]
    loaded.store(connection=alice)
    df = loaded.query(f"SELECT tissue, depth FROM {view.id} ORDER BY depth", connection=alice)
    assert df["depth"].tolist() == [12, 30, 45] and df["tissue"].tolist() == ["liver", "brain", "brain"]


def test_client_derived_annotation_columns_match_the_servers(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    # the fallback used when a server has no /column/view/scope job must agree with the server's suggestions
    _files(alice, project, tmp_path)
    view = View(name="files", parent=project, scope=[project])
    from_server = {c.name: c.type for c in view.annotation_columns(connection=alice)}
    derived = {c.name: c.type for c in view._derive_annotation_columns(alice)}
    assert (
        from_server
        == derived
        == {"tissue": ColumnType.STRING, "depth": ColumnType.INTEGER, "collected": ColumnType.DATE}
    )


def test_submission_view_lists_submissions_with_score_columns(
    alice: sm.Connection, project: sm.Project
) -> None:
    queue = sm.Evaluation(f"queue for {project.name}"[:200], content_source=project).store(connection=alice)
    entries = [sm.Folder(name=f"entry {i}", parent=project).store(connection=alice) for i in range(2)]
    for i, entry in enumerate(entries):
        submission = queue.submit(entry, name=f"try {i}", connection=alice)
        status = submission.status(connection=alice)
        status.status = sm.SubmissionStatusEnum.SCORED
        status.submission_annotations = sm.Annotations({"auc": 0.5 + i / 4, "rank": 2 - i})
        status.store(connection=alice)
    board = sm.SubmissionView(name="leaderboard", parent=project, scope=[queue]).store(connection=alice)
    by_name = {c.name: c.type for c in board.columns or []}
    assert by_name["auc"] is ColumnType.DOUBLE and by_name["rank"] is ColumnType.INTEGER
    assert by_name["id"] is ColumnType.SUBMISSIONID and "status" in by_name
    assert board.scope_ids == [str(queue.id)] and board.view_type_mask is None
    df = board.query(f"SELECT name, status, auc, rank FROM {board.id} ORDER BY auc DESC", connection=alice)
    assert df["name"].tolist() == ["try 1", "try 0"] and df["auc"].tolist() == [0.75, 0.5]
    assert str(df["rank"].dtype) == "Int64" and df["status"].tolist() == ["SCORED", "SCORED"]
    with pytest.raises(sm.ValidationError, match="evaluation ids"):
        sm.SubmissionView(name="bad", parent=project, scope=["syn12"])
