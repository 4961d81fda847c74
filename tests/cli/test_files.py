"""``get``, ``store``/``add``, ``cat`` and ``associate`` as a user sees them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import synapse_models as sm

from .conftest import Run, no_traceback

Upload = Callable[..., sm.File]


# -- get -------------------------------------------------------------------------------------------------


def test_get_downloads_into_the_directory_and_prints_the_path(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    file = upload(project, "counts.tsv", "a\tb\n1\t2\n")
    result = cli("get", file.id, "--download-location", "data")
    assert result.code == 0
    assert result.lines() == ["data/counts.tsv"]
    assert (shell / "data" / "counts.tsv").read_text() == "a\tb\n1\t2\n"
    assert f"{file.id}.1 -> data/counts.tsv" in result.err


def test_get_defaults_to_the_current_directory_and_takes_a_version(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    upload(project, "notes.txt", "first\n")
    file = upload(project, "notes.txt", "second\n")
    assert file.version_number == 2
    assert cli("get", file.id, "-v", "1").lines() == ["notes.txt"]
    assert (shell / "notes.txt").read_text() == "first\n"
    result = cli("get", f"{file.id}.2", "--if-collision", "overwrite.local")
    assert result.code == 0
    assert (shell / "notes.txt").read_text() == "second\n"


def test_get_keeps_both_files_by_default_or_keeps_the_local_one(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    file = upload(project, "clash.txt", "remote\n")
    (shell / "clash.txt").write_text("mine\n")
    assert cli("get", file.id, "--if-collision", "keep.local").lines() == ["clash.txt"]
    assert (shell / "clash.txt").read_text() == "mine\n"
    assert cli("get", file.id).lines() == ["clash(1).txt"]
    assert (shell / "clash(1).txt").read_text() == "remote\n"


def test_get_of_several_ids_reports_each_failure_and_exits_1(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    file = upload(project, "ok.txt")
    folder = sm.Folder(name="sub", parent=project).store()
    result = cli("get", file.id, "syn999999999", str(folder.id))
    assert result.code == 1
    assert result.lines() == ["ok.txt"]
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert "syn999999999" in errors[0] and "404" in errors[0]
    assert "is a Folder, not a File" in errors[1]
    assert errors[2] == "error: 2 of 3 files could not be downloaded"
    assert no_traceback(result.err)


def test_get_with_json_prints_one_document(cli: Run, project: sm.Project, upload: Upload) -> None:
    file = upload(project, "j.txt")
    result = cli("get", file.id, "--json")
    assert result.code == 0
    document = json.loads(result.out)
    assert document == [{"id": file.id, "version": 1, "name": "j.txt", "path": document[0]["path"]}]
    assert Path(document[0]["path"]).read_text() == "hello\n"


def test_get_by_query_downloads_every_file_the_query_returns(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    for name in ("one.txt", "two.txt"):
        upload(project, name, name)
    view = sm.View(name="files", parent=project, scope=[project], include=[sm.EntityType.FILE]).store()
    result = cli("get", "-q", f"SELECT id FROM {view.id}", "--download-location", "q")
    assert result.code == 0
    assert sorted(result.lines()) == ["q/one.txt", "q/two.txt"]
    assert (shell / "q" / "two.txt").read_text() == "two.txt"
    missing = cli("get", "-q", f"SELECT name FROM {view.id}")
    assert missing.code == 2
    assert "must select an 'id' column" in missing.err


def test_get_usage_errors_exit_2_with_the_usage_line(cli: Run) -> None:
    wrong = (
        ["get"],
        ["get", "foo"],
        ["get", "syn1", "-q", "SELECT id FROM syn2"],
        ["get", "syn1", "-v", "0"],
    )
    for args in wrong:
        result = cli(*args)
        assert result.code == 2, args
        assert result.err.startswith("usage: synapse-models get"), args
        assert result.out == ""


# -- store / add ------------------------------------------------------------------------------------------


def test_store_uploads_with_annotations_and_provenance_and_prints_the_id(
    cli: Run, project: sm.Project, shell: Path, alice: sm.Connection
) -> None:
    (shell / "counts.tsv").write_text("x\n")
    source = sm.File(str(shell / "counts.tsv"), parent=project, name="raw.tsv").store(connection=alice)
    result = cli(
        "store",
        "counts.tsv",
        "--parent-id",
        project.id,
        "--name",
        "counts.tsv",
        "--description",
        "read counts",
        "--annotations",
        '{"species": "human", "n": [1, 2], "ok": true, "score": 0.5}',
        "--used",
        "counts.tsv",
        "--executed",
        "https://github.com/org/pipeline",
        "--activity-name",
        "count",
        "--activity-description",
        "counted reads",
    )
    assert result.code == 0, result.err
    [new_id] = result.lines()
    assert f"stored counts.tsv as {new_id} (version 1) in {project.id}" in result.err
    stored = sm.File.get(new_id, download=False, connection=alice)
    assert stored.description == "read counts"
    assert stored.annotations == {"species": ["human"], "n": [1, 2], "ok": [True], "score": [0.5]}
    assert stored.activity is not None and stored.activity.name == "count"
    assert stored.activity.description == "counted reads"
    used = stored.activity.used[0]
    assert isinstance(used, sm.UsedEntity) and used.reference.target_id == source.id  # found by md5
    assert [u.url for u in stored.activity.executed if isinstance(u, sm.UsedURL)] == [
        "https://github.com/org/pipeline"
    ]


def test_store_again_makes_no_new_version_unless_the_content_changed(
    cli: Run, project: sm.Project, shell: Path
) -> None:
    (shell / "a.txt").write_text("one\n")
    first = cli("add", "a.txt", "--parentId", project.id)
    again = cli("store", "a.txt", "--parent-id", project.id, "--annotations", '{"stage": "raw"}')
    assert first.code == again.code == 0
    assert first.lines() == again.lines()
    assert "(version 1)" in again.err
    (shell / "a.txt").write_text("two\n")
    changed = cli("store", "a.txt", "--parent-id", project.id)
    assert "(version 2)" in changed.err
    forced = cli("store", "a.txt", "--parent-id", project.id, "--force-version")
    assert "(version 3)" in forced.err
    assert sm.File.get(first.lines()[0], download=False).annotations["stage"] == ["raw"]


def test_store_records_a_url_or_a_local_path_without_uploading(
    cli: Run, project: sm.Project, shell: Path
) -> None:
    linked = cli("store", "--url", "https://example.org/data/big.bam", "--parent-id", project.id, "--json")
    assert linked.code == 0, linked.err
    document = json.loads(linked.out)
    assert document["name"] == "big.bam" and document["url"] == "https://example.org/data/big.bam"
    (shell / "local.txt").write_text("stays here\n")
    recorded = cli("store", "local.txt", "--no-upload", "--parent-id", project.id)
    file = sm.File.get(recorded.lines()[0], download=False)
    assert file.url == (shell / "local.txt").resolve().as_uri()


def test_store_by_id_changes_the_metadata_of_an_existing_file(
    cli: Run, project: sm.Project, upload: Upload
) -> None:
    file = upload(project, "meta.txt", annotations={"a": 1})
    result = cli("store", "--id", file.id, "--annotations", '{"b": "two"}', "--description", "now described")
    assert result.code == 0, result.err
    again = sm.File.get(file.id, download=False)
    assert again.annotations == {"a": [1], "b": ["two"]}
    assert again.description == "now described"
    assert again.version_number == 1


def test_store_usage_and_input_errors(cli: Run, project: sm.Project, shell: Path) -> None:
    assert cli("store", "x.txt").code == 2  # no parent
    assert cli("store", "--parent-id", project.id).code == 2  # nothing to store
    bad_json = cli("store", "x.txt", "--parent-id", project.id, "--annotations", "{oops")
    assert bad_json.code == 2 and "not valid JSON" in bad_json.err
    missing = cli("store", "absent.txt", "--parent-id", project.id)
    assert missing.code == 1
    assert missing.err.strip() == "error: path='absent.txt': not an existing file"
    (shell / "y.txt").write_text("y")
    bad_used = cli("store", "y.txt", "--parent-id", project.id, "--used", "not-an-id")
    assert bad_used.code == 1 and "used[0]" in bad_used.err and no_traceback(bad_used.err)


# -- cat -------------------------------------------------------------------------------------------------


def test_cat_writes_the_bytes_to_stdout(cli: Run, project: sm.Project, upload: Upload) -> None:
    file = upload(project, "poem.txt", "line one\nline two — ünïcode\n")
    result = cli("cat", file.id)
    assert result.code == 0
    assert result.out == "line one\nline two — ünïcode\n"
    upload(project, "poem.txt", "changed\n")
    assert cli("cat", file.id, "--version", "1").out == "line one\nline two — ünïcode\n"
    assert cli("cat", file.id).out == "changed\n"


# -- associate -------------------------------------------------------------------------------------------


def test_associate_finds_local_files_by_md5(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    file = upload(project, "known.txt", "known content\n")
    (shell / "tree" / "deep").mkdir(parents=True)
    (shell / "tree" / "deep" / "copy.txt").write_text("known content\n")
    (shell / "tree" / "new.txt").write_text("never uploaded\n")
    single = cli("associate", "tree/deep/copy.txt")
    assert single.code == 0
    assert single.lines() == [f"{file.id}.1\ttree/deep/copy.txt"]
    tree = cli("associate", "-r", "tree")
    assert tree.code == 1
    assert tree.lines() == [f"{file.id}.1\ttree/deep/copy.txt"]
    assert "warning: tree/new.txt is not in Synapse" in tree.err
    assert "associated 1 of 2 files" in tree.err
    directory = cli("associate", "tree")
    assert directory.code == 2 and "add -r" in directory.err


def test_get_stops_at_the_first_id_when_the_token_is_refused(
    cli: Run, project: sm.Project, upload: Upload, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = upload(project, "locked.txt")
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "revoked")
    result = cli("get", file.id, file.id, file.id)
    assert result.code == 1
    assert result.err.count("error:") == 1 and "401 Unauthorized" in result.err
