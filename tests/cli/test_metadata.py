"""``get-annotations``, ``set-annotations``, ``get-provenance`` and ``set-provenance``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import synapse_models as sm

from .conftest import Run

Upload = Callable[..., sm.File]


def test_get_annotations_prints_lines_json_and_a_file(cli: Run, project: sm.Project, shell: Path) -> None:
    folder = sm.Folder(
        name="annotated", parent=project, annotations={"species": "human", "ages": [30, 41], "city": "Zürich"}
    ).store()
    text = cli("get-annotations", "--id", folder.id)
    assert text.code == 0
    assert text.lines() == ["ages:     30, 41", "city:     Zürich", "species:  human"]
    document = json.loads(cli("get-annotations", "--id", folder.id, "--json").out)
    assert document == {"species": ["human"], "ages": [30, 41], "city": ["Zürich"]}
    written = cli("get-annotations", "--id", folder.id, "-o", "notes.json")
    assert json.loads((shell / "notes.json").read_text(encoding="utf-8")) == document
    assert "wrote the annotations" in written.err


def test_set_annotations_merges_or_replaces_with_json_types(cli: Run, project: sm.Project) -> None:
    folder = sm.Folder(name="to annotate", parent=project, annotations={"keep": "me", "n": 1}).store()
    merged = cli(
        "set-annotations", "--id", folder.id, "--annotations", '{"n": [2, 3], "ratio": 0.25, "ok": false}'
    )
    assert merged.code == 0
    assert sm.Folder.get(folder.id).annotations == {
        "keep": ["me"],
        "n": [2, 3],
        "ratio": [0.25],
        "ok": [False],
    }
    replaced = cli("set-annotations", "--id", folder.id, "--annotations", '{"only": "this"}', "-r", "--json")
    assert json.loads(replaced.out) == {"only": ["this"]}
    assert sm.Folder.get(folder.id).annotations == {"only": ["this"]}


def test_set_annotations_refuses_bad_values_with_one_line(cli: Run, project: sm.Project) -> None:
    folder = sm.Folder(name="strict", parent=project).store()
    result = cli("set-annotations", "--id", folder.id, "--annotations", '{"mixed": [1, "a"]}')
    assert result.code == 1
    assert result.err.count("\n") == 1 and "values of one key must share a type" in result.err
    not_object = cli("set-annotations", "--id", folder.id, "--annotations", "[1]")
    assert not_object.code == 2 and "expected a JSON object" in not_object.err


def test_provenance_is_set_and_read_back(cli: Run, project: sm.Project, upload: Upload, shell: Path) -> None:
    source = upload(project, "input.txt", "input")
    result = upload(project, "output.txt", "output")
    (shell / "input-copy.txt").write_text("input")
    made = cli(
        "set-provenance",
        "--id",
        result.id,
        "--name",
        "align",
        "--description",
        "aligned reads",
        "--used",
        "input-copy.txt",
        "https://example.org/ref",
        "--executed",
        "https://github.com/org/aligner",
    )
    assert made.code == 0, made.err
    [activity_id] = made.lines()
    assert f"{result.id}.1 was made by activity {activity_id}" in made.err
    shown = cli("get-provenance", "--id", result.id)
    rows = [line.split(None, 1) for line in shown.lines()]
    assert rows == [
        ["activity", activity_id],
        ["name", "align"],
        ["description", "aligned reads"],
        ["used", f"{source.id}.1"],
        ["used", "https://example.org/ref"],
        ["executed", "https://github.com/org/aligner"],
    ]
    document = json.loads(cli("get-provenance", "--id", result.id, "--version", "1", "--json").out)
    assert document["id"] == activity_id and document["name"] == "align"
    assert document["used"][0]["reference"] == {"target_id": source.id, "target_version_number": 1}


def test_get_provenance_of_an_entity_without_any(cli: Run, project: sm.Project, upload: Upload) -> None:
    file = upload(project, "plain.txt")
    result = cli("get-provenance", "--id", file.id)
    assert result.code == 1
    assert result.err.startswith("error: 404 Not Found")
    assert result.out == ""


def test_set_provenance_writes_the_activity_to_a_file(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    file = upload(project, "out.txt")
    result = cli(
        "set-provenance",
        "--id",
        file.id,
        "--executed",
        "https://example.org/script.py",
        "-o",
        "activity.json",
    )
    assert result.code == 0
    written = json.loads((shell / "activity.json").read_text())
    assert written["executed"][0]["url"] == "https://example.org/script.py"
    assert written["id"] == result.lines()[0]
