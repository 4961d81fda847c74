"""``show``, ``list``/``ls``, ``create``, ``mv``, ``delete`` and ``onweb`` as a user sees them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import synapse_models as sm

from .conftest import Run, no_traceback

Upload = Callable[..., sm.File]


def test_show_prints_metadata_annotations_and_provenance(
    cli: Run, project: sm.Project, upload: Upload
) -> None:
    file = upload(
        project,
        "shown.txt",
        "12345",
        annotations={"stage": "raw", "n": [1, 2]},
        activity=sm.Activity(name="make", used=["https://example.org/in"]),
    )
    result = cli("show", file.id)
    assert result.code == 0
    lines = result.lines()
    assert lines[0] == f"File {file.id}.1  shown.txt"
    shown = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines[1:])
    assert shown["parent"] == project.id
    assert shown["file"] == "shown.txt, 5 bytes, md5 827ccb0eea8a706c4c34a16891f84e7b"
    assert shown["annotation stage"] == "raw" and shown["annotation n"] == "1, 2"
    assert shown["provenance"] == f"activity {file.activity.id} (make)"  # type: ignore[union-attr]
    assert shown["used"] == "https://example.org/in"
    assert shown["created"].endswith("UTC by " + str(file.created_by))


def test_show_json_of_a_folder(cli: Run, project: sm.Project) -> None:
    folder = sm.Folder(
        name="described", parent=project, description="a folder", annotations={"when": 3}
    ).store()
    document = json.loads(cli("show", folder.id, "--json").out)
    assert document["type"] == "Folder"
    assert document["id"] == folder.id and document["parent_id"] == project.id
    assert document["description"] == "a folder"
    assert document["annotations"] == {"when": [3]}
    assert document["provenance"] is None
    assert "_connection" not in document and "_stored" not in document


def test_list_prints_children_and_the_tree_with_paths(cli: Run, project: sm.Project, upload: Upload) -> None:
    raw = sm.Folder(name="raw", parent=project).store()
    deep = sm.Folder(name="deep", parent=raw).store()
    top = upload(project, "top.txt")
    inner = upload(deep, "inner.txt")
    flat = cli("ls", project.id)
    assert flat.code == 0
    assert flat.lines() == [f"{raw.id:<12} raw/", f"{top.id:<12} top.txt"]
    tree = cli("list", "-r", project.id)
    assert tree.lines() == [
        f"{raw.id:<12} raw/",
        f"{top.id:<12} top.txt",
        f"{deep.id:<12} raw/deep/",
        f"{inner.id:<12} raw/deep/inner.txt",
    ]
    long = cli("list", "-r", "-l", project.id).lines()
    assert long[-1].startswith(f"{inner.id:<12} File           v1    20")
    assert long[-1].endswith("  raw/deep/inner.txt")
    document = json.loads(cli("ls", "-r", raw.id, "--json").out)
    assert [(d["path"], d["type"]) for d in document] == [("deep", "Folder"), ("deep/inner.txt", "File")]


def test_list_of_a_file_fails_with_one_line(cli: Run, project: sm.Project, upload: Upload) -> None:
    file = upload(project, "leaf.txt")
    result = cli("ls", file.id)
    assert result.code == 1
    assert result.err == f"error: id='{file.id}': is a File; list takes a project or folder\n"


def test_create_makes_a_project_and_a_folder_and_prints_their_ids(cli: Run, alice: sm.Connection) -> None:
    made = cli("create", "Project", "--name", "CLI created project", "--description", "from the shell")
    assert made.code == 0, made.err
    [project_id] = made.lines()
    project = sm.Project.get(project_id, connection=alice)
    assert project.name == "CLI created project" and project.description == "from the shell"
    folder = cli("create", "folder", "--name", "raw", "--parentid", project_id)
    assert sm.Folder.get(folder.lines()[0], connection=alice).parent_id == project_id
    assert "folder 'raw' is" in folder.err
    project.delete(connection=alice)


def test_create_usage_errors(cli: Run, project: sm.Project) -> None:
    assert cli("create", "Folder", "--name", "orphan").code == 2
    assert cli("create", "Project", "--name", "x", "--parent-id", project.id).code == 2
    assert cli("create", "Table", "--name", "x").code == 2
    bad_name = cli("create", "Folder", "--name", "bad/name", "--parent-id", project.id)
    assert bad_name.code == 1 and "names may contain only" in bad_name.err


def test_mv_moves_into_another_folder(cli: Run, project: sm.Project, upload: Upload) -> None:
    target = sm.Folder(name="target", parent=project).store()
    file = upload(project, "moving.txt")
    result = cli("mv", "--id", file.id, "--parent-id", target.id)
    assert result.code == 0
    assert f"moved {file.id} (moving.txt) into {target.id}" in result.err
    assert sm.File.get(file.id, download=False).parent_id == target.id
    clash = upload(project, "moving.txt")
    refused = cli("mv", "--id", clash.id, "--parent-id", target.id)
    assert refused.code == 1 and "409" in refused.err and no_traceback(refused.err)


def test_delete_trashes_an_entity_or_one_version(cli: Run, project: sm.Project, upload: Upload) -> None:
    upload(project, "versions.txt", "one")
    file = upload(project, "versions.txt", "two")
    one = cli("delete", file.id, "--version", "1")
    assert one.code == 0 and f"deleted version 1 of {file.id}" in one.err
    assert [v.version_number for v in file.versions()] == [2]
    whole = cli("delete", file.id)
    assert whole.code == 0 and "to the trash can" in whole.err
    with pytest.raises(sm.NotFoundError):
        sm.File.get(file.id, download=False)
    gone = cli("delete", file.id)
    assert gone.code == 1 and gone.err.startswith("error: 404 Not Found")


def test_onweb_prints_the_address_and_opens_a_browser_only_with_a_display(
    cli: Run, project: sm.Project, server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    result = cli("onweb", project.id)
    assert result.code == 0
    assert result.lines() == [f"{server.endpoint}/Synapse:{project.id}"]  # type: ignore[attr-defined]
    assert opened == []
    monkeypatch.setenv("DISPLAY", ":0")
    assert cli("onweb", project.id).code == 0
    assert opened == [result.lines()[0]]
    assert cli("onweb", project.id, "--no-browser").code == 0
    assert len(opened) == 1
    assert cli("onweb", "nonsense").code == 2


def test_onweb_accepts_a_local_file_found_by_md5(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    file = upload(project, "web.txt", "web content\n")
    (shell / "here.txt").write_text("web content\n")
    assert cli("onweb", "here.txt").out.strip().endswith(f"/Synapse:{file.id}")


def test_portal_of_production_is_the_synapse_web_site() -> None:
    from synapse_models.credentials import PRODUCTION, Endpoints

    production = Endpoints(**PRODUCTION, source="production")
    assert production.entity_page("syn1") == "https://www.synapse.org/Synapse:syn1"
    assert Endpoints.from_base("http://127.0.0.1:8080", "test").portal == "http://127.0.0.1:8080"
