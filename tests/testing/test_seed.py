"""Seeding: ``LocalSynapse.load`` and ``synapse_models.testing.load`` from a dict or a directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.local import LocalSynapse
from synapse_models.testing import load


def _unique(label: str) -> str:
    return f"{label} {os.urandom(3).hex()}"


def _text(file_id: str, conn: sm.Connection, tmp_path: Path) -> str:
    return Path(str(sm.File.get(file_id, download_location=tmp_path, connection=conn).path)).read_text()


def test_a_dict_makes_projects_folders_files_tables_and_annotations(
    server: LocalSynapse, alice: sm.Connection, alice_token: str, tmp_path: Path
) -> None:
    source = tmp_path / "source.txt"
    source.write_text("from a path\n")
    name = _unique("Seeded")
    ids = server.load(
        {
            name: {
                "@annotations": {"study": "pilot", "n_donors": 2},
                "raw/": {
                    "a.csv": "x,y\n1,2\n",
                    "b.bin": b"\x00\x01\x02",
                    "c.txt": source,
                    "d.csv": {"@content": "x\n3\n", "@annotations": {"stage": "raw", "lane": [1, 2]}},
                },
                "donors": pd.DataFrame({"donor": ["d1", "d2"], "age": [34, 51]}),
                "visits": {"@table": pd.DataFrame({"visit": [1]}), "@annotations": {"source": "clinic"}},
            }
        },
        token=alice_token,
    )
    assert list(ids) == [
        name,
        f"{name}/raw",
        f"{name}/raw/a.csv",
        f"{name}/raw/b.bin",
        f"{name}/raw/c.txt",
        f"{name}/raw/d.csv",
        f"{name}/donors",
        f"{name}/visits",
    ]
    project = sm.Project.get(ids[name], connection=alice)
    assert project.name == name and project.created_by == alice.user_id
    assert project.annotations == {"study": ["pilot"], "n_donors": [2]}
    raw = sm.Folder.get(ids[f"{name}/raw"], connection=alice)
    assert raw.parent_id == project.id
    assert sorted(child.name for child in raw.children(connection=alice)) == [
        "a.csv",
        "b.bin",
        "c.txt",
        "d.csv",
    ]
    assert _text(ids[f"{name}/raw/a.csv"], alice, tmp_path / "a") == "x,y\n1,2\n"
    binary = sm.File.get(ids[f"{name}/raw/b.bin"], download_location=tmp_path / "b", connection=alice)
    assert Path(str(binary.path)).read_bytes() == b"\x00\x01\x02"
    assert _text(ids[f"{name}/raw/c.txt"], alice, tmp_path / "c") == "from a path\n"
    assert sm.File.get(ids[f"{name}/raw/d.csv"], download=False, connection=alice).annotations == {
        "stage": ["raw"],
        "lane": [1, 2],
    }
    donors = sm.query(f"SELECT donor, age FROM {ids[f'{name}/donors']}", connection=alice)
    assert donors.to_dict("list") == {"donor": ["d1", "d2"], "age": [34, 51]}
    visits = sm.Table.get(ids[f"{name}/visits"], connection=alice)
    assert visits.annotations == {"source": ["clinic"]}


def test_a_directory_makes_projects_with_annotations_and_skips_dotfiles(
    server: LocalSynapse, alice: sm.Connection, alice_token: str, tmp_path: Path
) -> None:
    name = _unique("From disk")
    root = tmp_path / "tree"
    (root / name / "raw" / "empty").mkdir(parents=True)
    (root / name / "raw" / "r1.txt").write_text("one\n")
    (root / name / "raw" / "empty" / ".gitkeep").write_text("")
    (root / name / ".DS_Store").write_text("junk")
    (root / name / "@annotations.json").write_text(
        json.dumps({".": {"study": "disk"}, "raw": {"stage": "raw"}})
    )
    (root / name / "raw" / "@annotations.json").write_text(json.dumps({"r1.txt": {"lines": 1}}))
    ids = server.load(root, token=alice_token)
    assert list(ids) == [name, f"{name}/raw", f"{name}/raw/empty", f"{name}/raw/r1.txt"]
    assert sm.Project.get(ids[name], connection=alice).annotations == {"study": ["disk"]}
    assert sm.Folder.get(ids[f"{name}/raw"], connection=alice).annotations == {"stage": ["raw"]}
    assert list(sm.Folder.get(ids[f"{name}/raw/empty"], connection=alice).children(connection=alice)) == []
    file = sm.File.get(ids[f"{name}/raw/r1.txt"], download_location=tmp_path / "out", connection=alice)
    assert file.annotations == {"lines": [1]} and Path(str(file.path)).read_text() == "one\n"


def test_a_directory_inside_a_dict_is_a_folder(
    server: LocalSynapse, alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "genome.fa").write_text(">chr1\nACGT\n")
    (tmp_path / "reference" / "@annotations.json").write_text(json.dumps({".": {"build": "hg38"}}))
    ids = load({"ref": tmp_path / "reference"}, parent=project, connection=alice)
    assert list(ids) == ["ref", "ref/genome.fa"]
    folder = sm.Folder.get(ids["ref"], connection=alice)
    assert folder.parent_id == project.id and folder.annotations == {"build": ["hg38"]}


def test_loading_again_updates_instead_of_duplicating(
    server: LocalSynapse, alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    first = load({"data/": {"a.txt": "v1"}}, parent=project, connection=alice)
    second = load({"data/": {"a.txt": "v2"}}, parent=project, connection=alice)
    assert first == second
    file = sm.File.get(second["data/a.txt"], download_location=tmp_path, connection=alice)
    assert file.version_number == 2 and Path(str(file.path)).read_text() == "v2"


@pytest.mark.parametrize(
    ("tree", "field", "problem"),
    [
        ({"Top file": "text"}, "Top file", "the top of the tree holds projects"),
        ({"@annotations": {"a": 1}}, "tree['@annotations']", "the top of the tree is not an entity"),
        ({"P": {"@tags": {"a": 1}}}, "P['@tags']", "settings are"),
        ({"P": {"a:b": "x"}}, "P/a:b", "names may contain only"),
        ({"P": {"f/": "x"}}, "P/f", "a name ending in '/' is a folder"),
        ({"P": {"n": 3}}, "P/n", "expected a dict (a folder), text, bytes, a path or a DataFrame"),
        ({"P": {"f": {"@content": 3}}}, "P/f['@content']", "expected text, bytes or a path"),
        ({"P": {"t": {"@table": "a,b"}}}, "P/t['@table']", "expected a pandas DataFrame"),
        ({"P": {"f": {"@content": "x", "child": "y"}}}, "P/f['child']", "it has no children"),
        ({"P": {"@annotations": ["a"]}}, "P['@annotations']", "annotations are a dict"),
        (
            {"P": {"@annotations": {"k": object()}}},
            "P['@annotations']: annotations['k']",
            "not an annotation",
        ),
        ({"P": {"missing": Path("/no/such/file")}}, "P/missing", "not an existing file or directory"),
        ({"P": {"": "x"}}, "P['']", "a name is a non-empty string"),
    ],
)
def test_a_bad_tree_is_refused_before_any_request(
    server: LocalSynapse, alice_token: str, tree: Any, field: str, problem: str
) -> None:
    server.reset_request_log()
    with pytest.raises(sm.ValidationError) as caught:
        server.load(tree, token=alice_token)
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert server.request_log() == []


def test_a_bad_directory_is_refused_before_any_request(
    server: LocalSynapse, alice_token: str, tmp_path: Path
) -> None:
    (tmp_path / "P").mkdir()
    (tmp_path / "P" / "@annotations.json").write_text(json.dumps({"typo.txt": {"a": 1}}))
    server.reset_request_log()
    with pytest.raises(sm.ValidationError, match="nothing is named so"):
        server.load(tmp_path, token=alice_token)
    (tmp_path / "P" / "@annotations.json").write_text("{not json")
    with pytest.raises(sm.ValidationError, match="not readable JSON"):
        server.load(tmp_path, token=alice_token)
    (tmp_path / "@annotations.json").write_text(json.dumps({".": {"a": 1}}))
    (tmp_path / "P" / "@annotations.json").unlink()
    with pytest.raises(sm.ValidationError, match="the top directory is not an entity"):
        server.load(tmp_path, token=alice_token)
    with pytest.raises(sm.ValidationError, match="expected a dict or a directory"):
        server.load("a string is not a tree", token=alice_token)
    assert server.request_log() == []
