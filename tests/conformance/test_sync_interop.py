"""sm.sync_to / sm.sync_from against the official synapseutils on one LocalSynapse.

- The official ``syncToSynapse`` manifest works unchanged with ``sm.sync_to`` (same entities, same typed
  annotations, same provenance as the official upload of the same manifest).
- The manifests written by ``sm.sync_from`` are read by ``synapseutils.syncToSynapse`` (and the models'
  ``manifest.csv`` reader), and say exactly what the official ``syncFromSynapse`` manifests say.
- A tree synced up by either client syncs down identically with the other.
"""

from __future__ import annotations

import contextlib
import csv
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.local import LocalSynapse

from .conftest import make_client

pytestmark = pytest.mark.conformance
synapseutils = pytest.importorskip("synapseutils")
MANIFESTS = ("SYNAPSE_METADATA_MANIFEST.tsv", "manifest.csv")


@pytest.fixture
def pair(server: LocalSynapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """(official client, our connection) of one fresh user, each with its own cache."""
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "our-cache"))
    token = server.create_user(f"interop{os.urandom(4).hex()}")
    home = tmp_path / "official-home"
    home.mkdir()
    syn = make_client(server, token, home)
    yield syn, sm.connect(token, endpoint=server.endpoint, name="interop")


@contextlib.contextmanager
def official() -> Iterator[None]:
    """Run the official client as it can run here.

    synapseutils 4.14 puts lists into DataFrame cells of the ``used``/``executed`` columns, which pandas 3's
    string dtype refuses ("setting an array element with a sequence"): its ``syncToSynapse`` fails on any
    manifest with provenance unless pandas' old inference is switched back on. Its deprecation warnings are
    silenced too.
    """
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pd.option_context("future.infer_string", False):
            yield


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in MANIFESTS
    }


def _write_tree(root: Path) -> dict[str, bytes]:
    for relative, size in {
        "top.txt": 10,
        "raw/r1.fastq": 300,
        "raw/r2.fastq": 301,
        "raw/deep/x.bin": 77,
        "results/counts.tsv": 55,
    }.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    return _tree(root)


def _rows(path: Path, root: Path, delimiter: str) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=delimiter))
    out = {}
    for row in rows:
        row = dict(row)
        row["path"] = Path(row["path"]).relative_to(root).as_posix()
        out[row.get("id") or row["ID"]] = row
    return out


def _official_manifest(path: Path, data: Path, parent: str, folder: str) -> Path:
    header = [
        "path",
        "parent",
        "name",
        "used",
        "executed",
        "activityName",
        "activityDescription",
        "species",
        "count",
        "ratio",
        "ok",
        "when",
        "tags",
        "sparse",
    ]
    rows = [
        [
            data / "a.txt",
            parent,
            "",
            "",
            "",
            "",
            "",
            "human",
            1,
            0.5,
            "True",
            "2020-01-02T03:04:05Z",
            "[x,y]",
            7,
        ],
        [
            data / "b.txt",
            folder,
            "b renamed.txt",
            data / "a.txt",
            "https://github.com/org/tool",
            "align",
            "align reads",
            "mouse",
            2,
            1.25,
            "False",
            "2021-06-01T00:00:00.250Z",
            '[one,"two, three"]',
            "",
        ],
        [
            data / "c.txt",
            folder,
            "",
            f"{data / 'a.txt'};{data / 'b.txt'}",
            "",
            "",
            "",
            "rat",
            3,
            2.0,
            "true",
            "2022-01-01",
            "solo",
            9,
        ],
    ]
    lines = ["\t".join(header)] + ["\t".join(str(c) for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _snapshot(conn: Any, container: str) -> dict[str, Any]:
    """name -> (annotations, provenance by file names, activity name, md5) of every file under a container.

    Provenance is compared by the names of the files used: the official client records a reference to
    another row without its version, we record the version that was uploaded. An empty activity name and no
    name are the same.
    """
    out: dict[str, Any] = {}
    names: dict[str, str] = {}
    files = []
    for step in sm.walk(container, connection=conn):
        for header in step.files:
            file = sm.File.get(header.id, download=False, connection=conn)
            names[str(file.id)] = str(file.name)
            files.append(file)
    for file in files:
        activity = file.activity
        used = sorted(names.get(u.reference.target_id, "?") for u in (activity.used if activity else []))
        executed = sorted(getattr(u, "url", "?") for u in (activity.executed if activity else []))
        out[str(file.name)] = (
            file.annotations.to_dict(),
            used,
            executed,
            (activity.name or None) if activity else None,
            file.file_handle.content_md5 if file.file_handle else None,
        )
    return out


def test_the_official_manifest_works_unchanged_with_sm_sync_to(pair: tuple[Any, Any], tmp_path: Path) -> None:
    syn, conn = pair
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (data / name).write_bytes(os.urandom(40))
    theirs = sm.Project(name=f"official upload {tmp_path.name}").store(connection=conn)
    ours = sm.Project(name=f"our upload {tmp_path.name}").store(connection=conn)
    their_folder = sm.Folder(name="sub", parent=theirs).store(connection=conn)
    our_folder = sm.Folder(name="sub", parent=ours).store(connection=conn)

    with official():
        synapseutils.syncToSynapse(
            syn,
            str(_official_manifest(tmp_path / "theirs.tsv", data, str(theirs.id), str(their_folder.id))),
            sendMessages=False,
        )
    results = sm.sync_to(
        _official_manifest(tmp_path / "ours.tsv", data, str(ours.id), str(our_folder.id)), connection=conn
    )

    assert results.counts() == {"created": 3}, results.failed
    expected = _snapshot(conn, str(theirs.id))
    assert _snapshot(conn, str(ours.id)) == expected
    assert expected["b renamed.txt"][1:4] == (["a.txt"], ["https://github.com/org/tool"], "align")


def test_manifests_written_by_sm_sync_from_match_the_official_ones_and_are_read_by_it(
    pair: tuple[Any, Any], tmp_path: Path
) -> None:
    syn, conn = pair
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (data / name).write_bytes(os.urandom(40))
    project = sm.Project(name=f"manifest source {tmp_path.name}").store(connection=conn)
    folder = sm.Folder(name="sub", parent=project).store(connection=conn)
    assert sm.sync_to(
        _official_manifest(tmp_path / "m.tsv", data, str(project.id), str(folder.id)), connection=conn
    ).ok
    before = _snapshot(conn, str(project.id))

    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    assert sm.sync_from(project, ours, connection=conn).ok
    with official():
        synapseutils.syncFromSynapse(syn, str(project.id), path=str(theirs))
        for directory in ("", "sub"):
            for name, delimiter in (("SYNAPSE_METADATA_MANIFEST.tsv", "\t"), ("manifest.csv", ",")):
                assert _rows(ours / directory / name, ours, delimiter) == _rows(
                    theirs / directory / name, theirs, delimiter
                ), (directory, name)
        synapseutils.syncToSynapse(syn, str(ours / "SYNAPSE_METADATA_MANIFEST.tsv"), sendMessages=False)

    after = _snapshot(conn, str(project.id))
    assert after == before  # the official reader typed every value back as it was
    versions = {h.name: h.version_number for s in sm.walk(project, connection=conn) for h in s.files}
    assert set(versions.values()) == {1}


def test_the_models_reader_accepts_our_manifest_csv(pair: tuple[Any, Any], tmp_path: Path) -> None:
    syn, conn = pair
    project = sm.Project(name=f"csv source {tmp_path.name}").store(connection=conn)
    local = tmp_path / "x.txt"
    local.write_bytes(os.urandom(20))
    sm.File(str(local), parent=project, annotations={"n": [1, 2], "s": "a, b"}).store(connection=conn)
    assert sm.sync_from(project, tmp_path / "down", connection=conn).ok

    from synapseclient.models import Project

    Project(id=project.id).sync_to_synapse(
        manifest_path=str(tmp_path / "down" / "manifest.csv"), dry_run=True, synapse_client=syn
    )


def test_a_tree_synced_up_by_either_client_syncs_down_identically_with_the_other(
    pair: tuple[Any, Any], tmp_path: Path
) -> None:
    syn, conn = pair
    expected = _write_tree(tmp_path / "tree")
    by_us = sm.Project(name=f"up by us {tmp_path.name}").store(connection=conn)
    by_them = sm.Project(name=f"up by them {tmp_path.name}").store(connection=conn)

    assert sm.sync_to(tmp_path / "tree", by_us, connection=conn).ok
    with official():
        synapseutils.generate_sync_manifest(
            syn, str(tmp_path / "tree"), str(by_them.id), str(tmp_path / "theirs.tsv")
        )
        synapseutils.syncToSynapse(syn, str(tmp_path / "theirs.tsv"), sendMessages=False)
        synapseutils.syncFromSynapse(syn, str(by_us.id), path=str(tmp_path / "down-official"))
    assert sm.sync_from(by_them, tmp_path / "down-ours", connection=conn).ok

    assert _tree(tmp_path / "down-official") == expected
    assert _tree(tmp_path / "down-ours") == expected
