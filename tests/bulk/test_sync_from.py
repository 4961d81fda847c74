"""sm.walk and sm.sync_from against the session LocalSynapse."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.sync.walk import check_component

from .conftest import make_tree, requests_of, writes_of

LAYOUT = {"": 2, "a": 3, "a/b": 2, "c": 0}


def _local_files(root: Path) -> dict[str, bytes]:
    skip = {"SYNAPSE_METADATA_MANIFEST.tsv", "manifest.csv"}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name not in skip
    }


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_walk_yields_each_folder_with_its_relative_path(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    make_tree(project, tmp_path / "src", LAYOUT)

    steps = list(sm.walk(project))

    assert [s.path for s in steps] == ["", "a", "c", "a/b"]
    assert {s.path: sorted(f.name for f in s.files) for s in steps} == {
        "": ["file0.txt", "file1.txt"],
        "a": ["file0.txt", "file1.txt", "file2.txt"],
        "c": [],
        "a/b": ["file0.txt", "file1.txt"],
    }
    assert [f.name for f in steps[1].folders] == ["b"]
    assert steps[0].folder.id == project.id


def test_walk_refuses_a_file_as_container(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> None:
    files = make_tree(project, tmp_path / "src", {"": 1})
    walk = sm.walk(files["file0.txt"].id or "")  # a walk fetches nothing until it is iterated
    with pytest.raises(sm.ValidationError, match="not a Project or Folder"):
        next(walk)


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "..\\x", "x\x00y"])
def test_names_from_the_server_are_never_paths(name: str) -> None:
    with pytest.raises(sm.ValidationError):
        check_component(name, "syn1")


def test_sync_from_mirrors_the_tree_and_writes_both_manifests(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    files = make_tree(project, tmp_path / "src", LAYOUT)
    down = tmp_path / "down"

    results = sm.sync_from(project, down, cache_root=tmp_path / "fresh-cache")

    assert results.ok, results.failed
    assert results.counts() == {"downloaded": 7}
    expected = {rel: Path(str(f.path)).read_bytes() for rel, f in files.items()}
    assert _local_files(down) == expected
    assert (down / "c").is_dir()
    top = _tsv(down / "SYNAPSE_METADATA_MANIFEST.tsv")
    assert list(top[0])[:10] == [
        "path",
        "parent",
        "name",
        "id",
        "synapseStore",
        "contentType",
        "used",
        "executed",
        "activityName",
        "activityDescription",
    ]
    assert sorted(list(top[0])[10:]) == ["folder", "index", "ok"]
    assert len(top) == 7
    row = next(r for r in top if r["path"] == str(down / "a" / "file1.txt"))
    assert row["id"] == files["a/file1.txt"].id
    assert (row["index"], row["ok"], row["folder"], row["synapseStore"]) == ("1", "False", "a", "True")
    assert len(_tsv(down / "a" / "SYNAPSE_METADATA_MANIFEST.tsv")) == 5  # a and a/b, as the official
    assert not (down / "c" / "SYNAPSE_METADATA_MANIFEST.tsv").exists()
    with open(down / "a" / "b" / "manifest.csv", newline="", encoding="utf-8") as handle:
        cart = list(csv.DictReader(handle))
    assert [r["ID"] for r in sorted(cart, key=lambda r: r["name"])] == [
        files["a/b/file0.txt"].id,
        files["a/b/file1.txt"].id,
    ]
    assert (down / "c" / "manifest.csv").read_text().startswith("path,parentId,name,ID")


def test_second_sync_of_an_unchanged_tree_sends_only_listing_pages(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    make_tree(project, tmp_path / "src", LAYOUT)
    down = tmp_path / "down"
    sm.sync_from(project, down, cache_root=tmp_path / "fresh-cache")
    log.reset_request_log()

    again = sm.sync_from(project, down, cache_root=tmp_path / "fresh-cache")

    assert again.counts() == {"unchanged": 7}
    assert requests_of(log) == {"POST /repo/vN/entity/children": 4, "POST /repo/vN/entity/header": 1}


def test_rerun_after_an_interruption_downloads_only_what_is_missing(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    make_tree(project, tmp_path / "src", LAYOUT)
    down = tmp_path / "down"
    first = sm.sync_from(project, down, cache_root=tmp_path / "fresh-cache")
    (down / "a" / "file0.txt").unlink()
    (down / "a" / "b" / "file1.txt").unlink()
    log.reset_request_log()

    again = sm.sync_from(project, down, cache_root=tmp_path / "fresh-cache")

    assert again.counts() == {"unchanged": 5, "downloaded": 2}
    assert requests_of(log)["GET /file/vN/presigned/download/N"] == 2
    assert _local_files(down).keys() == {r.path for r in first}


@pytest.mark.parametrize(
    ("collision", "status", "kept"),
    [
        ("overwrite.local", "from_cache", False),
        ("keep.local", "kept_local", True),
        ("keep.both", "from_cache", True),
    ],
)
def test_if_collision_decides_what_happens_to_a_changed_local_file(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, collision: Any, status: str, kept: bool
) -> None:
    files = make_tree(project, tmp_path / "src", {"": 2})
    down = tmp_path / "down"
    sm.sync_from(project, down)
    (down / "file0.txt").write_bytes(b"my local edit\n")

    results = sm.sync_from(project, down, if_collision=collision)

    mine = next(r for r in results if r.entity_id == files["file0.txt"].id)
    assert mine.status == status
    assert ((down / "file0.txt").read_bytes() == b"my local edit\n") is kept
    if collision == "keep.both":
        assert (down / "file0(1).txt").read_bytes() == Path(str(files["file0.txt"].path)).read_bytes()


def test_include_and_shards_select_files(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> None:
    make_tree(project, tmp_path / "src", LAYOUT)

    only_a = sm.sync_from(project, tmp_path / "a-only", include="a/*")
    halves = [sm.sync_from(project, tmp_path / f"shard{k}", shard=(k, 2)) for k in range(2)]

    assert sorted(r.path for r in only_a) == [
        "a/b/file0.txt",
        "a/b/file1.txt",
        "a/file0.txt",
        "a/file1.txt",
        "a/file2.txt",
    ]
    ids = [{r.entity_id for r in half} for half in halves]
    assert ids[0].isdisjoint(ids[1]) and len(ids[0] | ids[1]) == 7 and ids[0] and ids[1]
    assert not (tmp_path / "shard0" / "SYNAPSE_METADATA_MANIFEST.tsv").exists()  # sharded runs write none
    with pytest.raises(sm.ValidationError, match="shard"):
        sm.sync_from(project, tmp_path / "x", shard=(2, 2))


def test_dry_run_lists_downloads_and_writes_nothing(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    make_tree(project, tmp_path / "src", {"": 2, "a": 1})
    log.reset_request_log()

    plan = sm.sync_from(project, tmp_path / "down", dry_run=True, cache_root=tmp_path / "fresh-cache")

    assert plan.dry_run and plan.counts() == {"download": 3}
    assert not (tmp_path / "down").exists()
    assert not (tmp_path / "fresh-cache").exists()
    assert writes_of(log) == []


def test_a_failed_download_is_reported_and_the_others_complete(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    make_tree(project, tmp_path / "src", {"": 4})
    log.inject_fault(method="GET", path="/file/v1/presigned/download/*", status=403, times=1)

    results = sm.sync_from(project, tmp_path / "down", cache_root=tmp_path / "fresh-cache")

    assert results.counts() == {"downloaded": 3, "failed": 1}
    failed = results.failed[0]
    assert isinstance(failed.error, sm.ForbiddenError)
    assert not (tmp_path / "down" / failed.path).exists()
    rows = _tsv(tmp_path / "down" / "SYNAPSE_METADATA_MANIFEST.tsv")
    assert failed.entity_id not in {r["id"] for r in rows} and len(rows) == 3


def test_versions_pin_an_older_version(alice: sm.Connection, project: sm.Project, tmp_path: Path) -> None:
    local = tmp_path / "data.txt"
    local.write_text("version one\n")
    file = sm.File(str(local), parent=project).store()
    local.write_text("version two, longer\n")
    file.store()
    assert file.version_number == 2

    sm.sync_from(project, tmp_path / "old", versions={str(file.id): 1})
    sm.sync_from(project, tmp_path / "new")

    assert (tmp_path / "old" / "data.txt").read_text() == "version one\n"
    assert (tmp_path / "new" / "data.txt").read_text() == "version two, longer\n"


def test_changed_annotations_show_in_the_next_manifest(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: Any
) -> None:
    files = make_tree(project, tmp_path / "src", {"": 3})
    down = tmp_path / "down"
    sm.sync_from(project, down)
    changed = files["file1.txt"]
    changed.annotations["index"] = [41, 42]
    changed.store()
    log.reset_request_log()

    again = sm.sync_from(project, down)

    assert again.counts() == {"unchanged": 3}
    assert requests_of(log)["POST /repo/vN/entity/N/bundleN"] == 1  # only the changed entity is re-read
    row = next(r for r in _tsv(down / "SYNAPSE_METADATA_MANIFEST.tsv") if r["id"] == changed.id)
    assert row["index"] == "[41,42]"


def test_a_file_is_saved_under_its_file_handle_name_and_a_single_file_gets_no_manifest(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    local = tmp_path / "counts.tsv"
    local.write_text("a\tb\n")
    file = sm.File(str(local), parent=project, name="renamed counts").store()

    tree = sm.sync_from(project, tmp_path / "tree")
    single = sm.sync_from(str(file.id), tmp_path / "single")

    assert (tmp_path / "tree" / "counts.tsv").read_text() == "a\tb\n"
    assert [r.path for r in single] == ["counts.tsv"] and single.ok
    assert sorted(p.name for p in (tmp_path / "single").iterdir()) == ["counts.tsv"]
    assert tree.ok


def test_progress_shows_one_overall_bar(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_tree(project, tmp_path / "src", {"": 2, "a": 1})

    sm.sync_from(project, tmp_path / "down", progress=True)
    quiet = sm.sync_from(project, tmp_path / "again")  # stderr is not a terminal here: no bar

    err = capsys.readouterr().err
    assert err.count("sync_from") >= 1 and "3/3" in err
    assert quiet.ok and err.count("\n") <= 2
