"""``Entity.walk()`` with the path of every folder, and ``entity.copy()`` over ``sm.copy``."""

from __future__ import annotations

from pathlib import Path

import pytest

import synapse_models as sm

from .conftest import make_tree, requests_of


def test_entity_walk_keeps_its_tuples_and_gives_each_folder_its_path(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    make_tree(project, tmp_path / "src", {"": 1, "a": 2, "a/b": 1, "c": 0})

    walked = [
        (here.path, [f.name for f in folders], [o.name for o in others])
        for here, folders, others in project.walk()
    ]

    assert walked == [
        ("", ["a", "c"], ["file0.txt"]),
        ("a", ["b"], ["file0.txt", "file1.txt"]),
        ("c", [], []),
        ("a/b", [], ["file0.txt"]),
    ]
    assert [s.path for s in sm.walk(project)] == [path for path, _, _ in walked]
    paths = [
        f"{here.path}/{o.name}" if here.path else o.name for here, _, others in project.walk() for o in others
    ]
    assert paths == ["file0.txt", "a/file0.txt", "a/file1.txt", "a/b/file0.txt"]


def test_entity_walk_of_types_and_of_an_unstored_entity(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    make_tree(project, tmp_path / "src", {"": 1})
    sm.Table(name="t", parent=project, columns=[sm.Column(name="n", type="INTEGER")]).store()

    [(top, _, others)] = list(project.walk(types=["table"]))
    assert top.path == "" and [o.name for o in others] == ["t"]
    with pytest.raises(sm.ValidationError, match="not stored"):
        list(sm.Folder(name="nowhere", parent=project).walk())


def test_entity_copy_is_sm_copy_with_the_entity_as_source(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, log: object
) -> None:
    files = make_tree(project, tmp_path / "src", {"raw": 2})
    destination = sm.Project(name=f"{project.name} copy").store()
    raw = sm.Folder.get(name="raw", parent=project)
    log.reset_request_log()  # type: ignore[attr-defined]

    results = raw.copy(destination, annotations=False, provenance=None)

    assert results.ok, results.failed
    assert sorted(r.kind for r in results) == ["File", "File", "Folder"]
    copied = sm.File.get(results.mapping[str(files["raw/file0.txt"].id)], download=False)
    assert copied.annotations == {} and copied.activity is None
    assert copied.parent_id == results.mapping[str(raw.id)]
    assert not [r for r in requests_of(log) if "multipart" in r or r.startswith("PUT")]  # no bytes uploaded
