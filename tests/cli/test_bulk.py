"""The bulk commands as a user sees them: ``get -r``, ``sync``, ``manifest``, ``cp``, ``--shard``, and one
overall progress bar on a terminal."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.cli import main

from .conftest import Run, no_traceback

Upload = Callable[..., sm.File]


def _tree(project: sm.Project, upload: Upload) -> dict[str, sm.File]:
    raw = sm.Folder(name="raw", parent=project).store()
    deep = sm.Folder(name="deep", parent=raw).store()
    return {
        "top.txt": upload(project, "top.txt", "top\n", annotations={"n": 1}),
        "raw/a.txt": upload(raw, "a.txt", "a\n"),
        "raw/deep/b.txt": upload(deep, "b.txt", "b\n"),
    }


def _files_under(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.name not in ("SYNAPSE_METADATA_MANIFEST.tsv", "manifest.csv")
    }


def test_get_recursive_mirrors_a_tree_prints_paths_and_writes_the_manifests(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    files = _tree(project, upload)

    result = cli("get", "-r", project.id, "--download-location", "data")

    assert result.code == 0, result.err
    assert _files_under(shell / "data") == set(files)
    assert sorted(Path(line).relative_to(shell / "data").as_posix() for line in result.lines()) == sorted(
        files
    )
    assert (shell / "data" / "raw" / "deep" / "b.txt").read_text() == "b\n"
    with open(shell / "data" / "SYNAPSE_METADATA_MANIFEST.tsv", newline="") as handle:
        rows = {row["name"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert set(rows) == {"top.txt", "a.txt", "b.txt"} and rows["top.txt"]["n"] == "1"
    assert (shell / "data" / "raw" / "manifest.csv").exists()
    assert f"synced {project.id}: 3 from_cache" in result.err  # the uploads are in the cache already

    again = cli("get", "-r", project.id, "--download-location", "data", "--manifest", "suppress", "--json")
    assert again.code == 0
    assert sorted(item["status"] for item in json.loads(again.out)) == ["unchanged"] * 3


def test_get_recursive_usage_errors_and_a_failed_folder(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    _tree(project, upload)
    assert cli("get", "-r", project.id, "-v", "2").code == 2
    assert cli("get", "-r", project.id, "--shard", "2/2").code == 2
    assert cli("get", project.id, "--shard", "0/2").code == 2  # --shard is for -r
    odd = sm.Folder(name="..", parent=project).store()

    result = cli("get", "-r", project.id, "--download-location", "data")

    assert result.code == 1
    assert "..: " in result.err and "cannot be used as a local file or directory name" in result.err
    assert odd.id in result.err and no_traceback(result.err)
    assert _files_under(shell / "data") == {"top.txt", "raw/a.txt", "raw/deep/b.txt"}
    assert len(result.lines()) == 3 and ".." not in result.out  # stdout lists only the files synced


def test_shards_split_a_recursive_download(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    files = _tree(project, upload)
    halves = [
        cli("get", "-r", project.id, "--download-location", "data", "--shard", f"{k}/2") for k in (0, 1)
    ]
    assert [h.code for h in halves] == [0, 0]
    got = [{Path(line).relative_to(shell / "data").as_posix() for line in h.lines()} for h in halves]
    assert got[0].isdisjoint(got[1]) and got[0] | got[1] == set(files)
    assert not (shell / "data" / "SYNAPSE_METADATA_MANIFEST.tsv").exists()  # sharded runs write none


def test_manifest_then_sync_dry_run_then_sync_then_nothing_to_do(
    cli: Run, project: sm.Project, shell: Path
) -> None:
    local = shell / "results"
    (local / "sub").mkdir(parents=True)
    (local / "one.txt").write_text("1\n")
    (local / "sub" / "two.txt").write_text("2\n")
    (local / "empty.txt").write_text("")

    listed = cli("manifest", "results", "--parent-id", project.id)
    assert listed.code == 0, listed.err
    rows = list(csv.DictReader(io.StringIO(listed.out), delimiter="\t"))
    assert sorted(Path(r["path"]).name for r in rows) == ["one.txt", "two.txt"]  # the empty file left out
    sub = sm.Folder.get(name="sub", parent=project)
    assert {r["parent"] for r in rows} == {project.id, sub.id}
    manifest = shell / "manifest.tsv"
    assert cli("manifest", "results", "--parent-id", project.id, "--manifest-file", manifest).code == 0

    plan = cli("sync", manifest, "--dry-run")
    assert plan.code == 0, plan.err
    assert sorted(line.split("\t")[0] for line in plan.lines()) == ["create", "create"]
    assert list(project.children(["file"])) == [] and list(sub.children(["file"])) == []
    done = cli("sync", str(manifest), "--retries", "2")
    assert done.code == 0, done.err
    assert sorted(line.split("\t")[0] for line in done.lines()) == ["created", "created"]
    assert all(line.split("\t")[1].startswith("syn") for line in done.lines())
    again = cli("--json", "sync", str(manifest))
    assert [item["status"] for item in json.loads(again.out)] == ["unchanged", "unchanged"]
    assert cli("sync", str(manifest), "--retries", "-1").code == 2


def test_sync_of_a_bad_manifest_lists_every_bad_row_in_one_error(
    cli: Run, project: sm.Project, shell: Path
) -> None:
    manifest = shell / "bad.tsv"
    manifest.write_text(f"path\tparent\n{shell / 'missing.txt'}\t{project.id}\n{shell}\tsyn0\n")

    result = cli("sync", manifest)

    assert result.code == 1 and result.out == ""
    assert result.err.count("\n") == 1 and "line 2" in result.err and "line 3" in result.err
    assert no_traceback(result.err)


def test_cp_copies_a_folder_with_the_copy_options(cli: Run, project: sm.Project, upload: Upload) -> None:
    files = _tree(project, upload)
    destination = sm.Project(name=f"{project.name} copies").store()
    raw = sm.Folder.get(name="raw", parent=project)

    copied = cli("cp", raw.id, "--destination-id", destination.id, "--skip-copy-annotations")

    assert copied.code == 0, copied.err
    lines = [line.split("\t") for line in copied.lines()]
    assert sorted(kind for _, _, kind, _ in lines) == ["File", "File", "Folder", "Folder"]
    assert {status for *_, status in lines} == {"copied"}
    mapping = {source: new for source, new, _, _ in lines}
    copy = sm.File.get(mapping[str(files["raw/a.txt"].id)], download=False)
    assert (
        copy.data_file_handle_id != files["raw/a.txt"].data_file_handle_id or copy.id != files["raw/a.txt"].id
    )
    folders_only = sm.Project(name=f"{project.name} tree only").store()
    tree = cli("--json", "cp", project.id, "--destinationId", folders_only.id, "--exclude-types", "file")
    assert {item["kind"] for item in json.loads(tree.out)} == {"Folder"}
    assert cli("cp", raw.id, "--destination-id", destination.id, "-v", "1").code == 2


def test_one_overall_progress_bar_on_a_terminal(
    shell: Path, project: sm.Project, upload: Upload, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(project, upload)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("SYNAPSE_MODELS_PROGRESS")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["get", "-r", str(project.id), "--download-location", "data"]) == 0
    shown = terminal.getvalue()
    assert "3/3" in shown and " files" in shown and "0 B" in shown  # files and bytes (all from the cache)
    assert not any(name in shown for name in ("top.txt", "a.txt", "b.txt"))  # no bar per file
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["-q", "get", "-r", str(project.id), "--download-location", "again"]) == 0
    assert quiet.getvalue() == ""


def test_the_demo_chapter_runs_and_fits_100_columns(
    shell: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    here = os.getcwd()
    assert main(["demo", "--only", "bulk"]) == 0
    shown = capsys.readouterr().out
    assert "$ synapse-models get -r" in shown and "{'created': 6}" in shown and "{'unchanged': 6}" in shown
    assert max(len(line) for line in shown.splitlines()) <= 100
    assert os.getcwd() == here and os.environ["SYNAPSE_MODELS_PROGRESS"] == "0"  # the shell is left as it was
