"""sm.sync_to (manifests and directories) and sm.generate_manifest against the session LocalSynapse."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.sync import ManifestError

from .conftest import requests_of, writes_of


def _files(directory: Path, count: int, prefix: str = "f") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        path = directory / f"{prefix}{i}.txt"
        path.write_text(f"{prefix} {i} in {directory.name}\n")
        out.append(path)
    return out


def _manifest(path: Path, header: list[str], rows: list[list[Any]], sep: str = "\t") -> Path:
    lines = [sep.join(header)] + [sep.join(str(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _by_name(parent: sm.Entity) -> dict[str, sm.File]:
    return {h.name: sm.File.get(h.id, download=False) for h in parent.children(["file"])}


def test_a_manifest_is_uploaded_with_typed_annotations_and_provenance(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    folder = sm.Folder(name="raw", parent=project).store()
    a, b, c = _files(tmp_path / "data", 3)
    header = [
        "path",
        "parent",
        "name",
        "used",
        "executed",
        "activityName",
        "activityDescription",
        "n",
        "score",
        "ok",
        "when",
        "tags",
        "sparse",
    ]
    rows = [
        [a, folder.id, "", "", "", "", "", 1, 1.5, "True", "2020-01-02T03:04:05Z", "[x,y]", 7],
        [
            b,
            folder.id,
            "renamed b.txt",
            a,
            "https://github.com/org/tool",
            "align",
            "align reads",
            2,
            2.5,
            "False",
            "2021-06-01T00:00:00.250Z",
            '[one,"two, three"]',
            "",
        ],
        [c, project.id, "", f"{project.id}", "", "", "", 3, 3.0, "true", "2022-01-01T00:00:00Z", "solo", 9],
    ]
    manifest = _manifest(tmp_path / "manifest.tsv", header, rows)

    results = sm.sync_to(manifest)

    assert results.ok, results.failed
    assert results.counts() == {"created": 3}
    in_folder = _by_name(folder)
    first, second = in_folder["f0.txt"], in_folder["renamed b.txt"]
    assert first.annotations == {
        "n": [1],
        "score": [1.5],
        "ok": [True],
        "when": [datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)],
        "tags": ["x", "y"],
        "sparse": [7.0],
    }  # a column with blanks: floats
    assert second.annotations["tags"] == ["one", "two, three"]
    assert second.annotations["when"] == [datetime(2021, 6, 1, 0, 0, 0, 250000, tzinfo=timezone.utc)]
    assert "sparse" not in second.annotations
    assert second.activity is not None and second.activity.name == "align"
    assert [(u.reference.target_id, u.reference.target_version_number) for u in second.activity.used] == [
        (first.id, 1)
    ]
    assert [u.url for u in second.activity.executed] == ["https://github.com/org/tool"]
    third = _by_name(project)["f2.txt"]
    assert third.annotations["ok"] == [True] and third.annotations["score"] == [3.0]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    good, empty = _files(tmp_path / "data", 2)
    empty.write_bytes(b"")
    rows = [
        [good, project.id, "", "", 1],
        [tmp_path / "missing.txt", project.id, "", "", 2],
        [empty, "syn", "", "", 3],
        [good, project.id, "bad/name", "not-a-thing", "[1,a]"],
        [good, "syn999999999", "other.txt", good, 4],
    ]
    manifest = _manifest(tmp_path / "bad.tsv", ["path", "parent", "name", "used", "n"], rows)
    log.reset_request_log()

    with pytest.raises(ManifestError) as caught:
        sm.sync_to(manifest)

    found = {(p.line, p.field) for p in caught.value.problems}
    assert found == {
        (3, "path"),
        (4, "path"),
        (4, "parent"),
        (5, "name"),
        (5, "used"),
        (5, "n"),
        (5, "path"),
        (6, "path"),
        (6, "parent"),
        (6, "used"),
    }
    assert "line 6: used=" in str(caught.value) and "provenance cycle" in str(caught.value)
    assert writes_of(log) == []


def test_dry_run_prints_the_plan_and_writes_nothing(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    paths = _files(tmp_path / "data", 3)
    manifest = _manifest(
        tmp_path / "m.tsv", ["path", "parent", "n"], [[p, project.id, i] for i, p in enumerate(paths)]
    )
    sm.sync_to(manifest)
    paths[1].write_text("new content\n")
    edited = _manifest(
        tmp_path / "m2.tsv",
        ["path", "parent", "n"],
        [
            [paths[0], project.id, 0],
            [paths[1], project.id, 1],
            [paths[2], project.id, 99],
            [_files(tmp_path / "more", 1, "g")[0], project.id, 3],
        ],
    )
    log.reset_request_log()
    out = io.StringIO()

    plan = sm.sync_to(edited, dry_run=True, echo=out)

    assert plan.dry_run
    assert {r.line: r.status for r in plan} == {2: "unchanged", 3: "update", 4: "metadata", 5: "create"}
    assert writes_of(log) == []
    text = out.getvalue()
    assert (
        "update" in text and "dry run, nothing written: 1 create, 1 metadata, 1 unchanged, 1 update" in text
    )


def test_a_rerun_of_an_unchanged_manifest_sends_no_write_and_no_per_file_request(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    a = _files(tmp_path / "a", 4)
    sub = sm.Folder(name="sub", parent=project).store()
    rows = [[p, sub.id if i % 2 else project.id, "", i, "" if i != 3 else a[0]] for i, p in enumerate(a)]
    manifest = _manifest(tmp_path / "m.tsv", ["path", "parent", "name", "n", "used"], rows)
    assert sm.sync_to(manifest).ok
    log.reset_request_log()

    again = sm.sync_to(manifest)

    assert again.counts() == {"unchanged": 4}
    assert writes_of(log) == []
    assert requests_of(log) == {"POST /repo/vN/entity/header": 1, "POST /repo/vN/entity/children": 2}


def test_an_interrupted_run_rerun_transfers_only_what_is_missing(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    paths = _files(tmp_path / "data", 5)
    manifest = _manifest(tmp_path / "m.tsv", ["path", "parent"], [[p, project.id] for p in paths])
    log.inject_fault(method="PUT", path="/file/v1/file/multipart/*/complete", status=403, times=2)

    first = sm.sync_to(manifest)
    assert first.counts() == {"created": 3, "failed": 2}
    log.reset_request_log()

    second = sm.sync_to(manifest)

    assert second.counts() == {"created": 2, "unchanged": 3}
    assert requests_of(log)["PUT /file/vN/file/multipart/N/complete"] == 2
    assert sorted(_by_name(project)) == [p.name for p in paths]


def test_a_models_style_csv_manifest_is_read_too(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    a, b = _files(tmp_path / "data", 2)
    manifest = _manifest(
        tmp_path / "manifest.csv",
        ["path", "parentId", "ID", "versionNumber", "label", "error"],
        [[a, project.id, "", 3, '"x, y"', ""], [b, project.id, "", 1, "z", "download failed"]],
        sep=",",
    )

    results = sm.sync_to(manifest)

    assert results.counts() == {"created": 1}  # the row with an error is skipped, as the official client
    stored = _by_name(project)["f0.txt"]
    assert stored.annotations == {"label": ["x, y"]}  # versionNumber is a download-cart column, not one


def test_annotations_replace_by_default_and_merge_on_request(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    (a,) = _files(tmp_path / "data", 1)
    sm.File(str(a), parent=project, annotations={"keep": "me", "n": 0}).store()
    manifest = _manifest(tmp_path / "m.tsv", ["path", "parent", "n"], [[a, project.id, 5]])

    sm.sync_to(manifest, merge_annotations=True)
    merged = _by_name(project)["f0.txt"].annotations
    sm.sync_to(manifest)
    replaced = _by_name(project)["f0.txt"].annotations

    assert merged == {"keep": ["me"], "n": [5]}
    assert replaced == {"n": [5]}


def test_a_directory_is_mirrored_and_a_changed_file_gets_a_new_version(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    root = tmp_path / "tree"
    _files(root, 2)
    _files(root / "x" / "y", 2)
    _files(root / "z", 1)
    (root / "SYNAPSE_METADATA_MANIFEST.tsv").write_text("path\tparent\n")

    first = sm.sync_to(root, project)
    assert first.counts() == {"folder": 3, "created": 5}
    log.reset_request_log()
    unchanged = sm.sync_to(root, project)
    assert unchanged.counts() == {"unchanged": 5} and writes_of(log) == []
    (root / "x" / "y" / "f1.txt").write_text("edited\n")
    changed = sm.sync_to(root, project)

    assert changed.counts() == {"unchanged": 4, "updated": 1}
    x = next(h for h in project.children(["folder"]) if h.name == "x")
    y = next(h for h in sm.Folder.get(x.id).children(["folder"]) if h.name == "y")
    edited = _by_name(sm.Folder.get(y.id))["f1.txt"]
    assert edited.version_number == 2
    assert "SYNAPSE_METADATA_MANIFEST.tsv" not in _by_name(project)


def test_shards_split_rows_and_keep_provenance_groups_together(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    paths = _files(tmp_path / "data", 8)
    rows = [[p, project.id, paths[i - 1] if i in (3, 6) else ""] for i, p in enumerate(paths)]
    manifest = _manifest(tmp_path / "m.tsv", ["path", "parent", "used"], rows)

    halves = [sm.sync_to(manifest, shard=(k, 2), dry_run=True, echo=None) for k in range(2)]

    lines = [{r.line for r in half} for half in halves]
    assert lines[0].isdisjoint(lines[1]) and lines[0] | lines[1] == set(range(2, 10))
    for dependent, dependency in ((5, 4), (8, 7)):
        assert any({dependent, dependency} <= half for half in lines)


def test_generate_manifest_creates_folders_and_lists_files(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    _files(root, 1)
    _files(root / "x" / "y", 2)
    (root / "x" / "empty.txt").write_bytes(b"")

    manifest = sm.generate_manifest(root, project)

    assert manifest == root / "SYNAPSE_METADATA_MANIFEST.tsv"
    lines = manifest.read_text().splitlines()
    assert lines[0] == "path\tparent" and len(lines) == 4
    x = next(h for h in project.children(["folder"]) if h.name == "x")
    assert any(line.endswith(f"\t{project.id}") for line in lines[1:])
    results = sm.sync_to(manifest)
    assert results.counts() == {"created": 3}
    assert [h.name for h in sm.Folder.get(x.id).children(["folder"])] == ["y"]
