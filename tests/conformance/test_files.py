"""The official ``synapseclient`` 4.14 uploads and downloads files with annotations and provenance.

Runs against an in-process LocalSynapse with the client's defaults (``multi_threaded`` stays on: the server's
presigned URLs carry ``X-Amz-Date``/``X-Amz-Expires`` and answer ``Range`` requests with 206).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from synapse_models.local import LocalSynapse

synapseclient = pytest.importorskip("synapseclient")

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # legacy API
MIB = 1024 * 1024


def md5_of(path: str | Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def write(path: Path, data: bytes, mtime: float | None = None) -> Path:
    path.write_bytes(data)
    if mtime is not None:  # the client's cache compares modification times to the second
        os.utime(path, (mtime, mtime))
    return path


def test_legacy_store_and_get_small_file_with_annotations(peer: Callable[[str], Any], tmp_path: Path) -> None:
    syn = peer("alice")
    project = syn.store(synapseclient.Project(name=f"files {os.urandom(4).hex()}"))
    source = write(tmp_path / "counts.tsv", b"gene\tcount\nA\t1\n")
    stored = syn.store(
        synapseclient.File(str(source), parent=project, annotations={"species": "human", "n": 3})
    )
    assert stored.versionNumber == 1
    fetched = peer("alice").get(stored.id, downloadLocation=str(tmp_path / "out"))
    assert Path(fetched.path).read_bytes() == source.read_bytes()
    assert fetched.annotations["species"] == ["human"] and fetched.annotations["n"] == [3]
    assert fetched._file_handle["contentMd5"] == md5_of(source)
    assert syn.restGET(f"/entity/md5/{md5_of(source)}")["results"][0]["id"] == stored.id


def test_legacy_store_multipart_file_with_provenance(
    peer: Callable[[str], Any], server: LocalSynapse, tmp_path: Path
) -> None:
    syn = peer("alice")
    project = syn.store(synapseclient.Project(name=f"big {os.urandom(4).hex()}"))
    raw = syn.store(synapseclient.File(str(write(tmp_path / "raw.txt", b"raw data\n")), parent=project))
    big = write(tmp_path / "big.bin", os.urandom(12 * MIB + 7))
    server.reset_request_log()
    stored = syn.store(
        synapseclient.File(str(big), parent=project),
        used=[raw.id],
        executed=["https://github.com/org/pipeline/run.py"],
        activityName="assemble",
    )
    part_puts = [e for e in server.request_log() if e[0] == "PUT" and "/presigned/upload/" in e[1]]
    assert len(part_puts) >= 2  # a multipart upload with several parts
    activity = syn.getProvenance(stored)
    assert activity["name"] == "assemble"
    used = {u["concreteType"].rsplit(".", 1)[-1]: u for u in activity["used"]}
    assert used["UsedEntity"]["reference"]["targetId"] == raw.id
    assert (
        used["UsedURL"]["url"] == "https://github.com/org/pipeline/run.py" and used["UsedURL"]["wasExecuted"]
    )
    server.reset_request_log()
    fetched = peer("alice").get(stored.id, downloadLocation=str(tmp_path / "download"))  # empty cache
    assert md5_of(fetched.path) == md5_of(big)
    ranged = [e for e in server.request_log() if "/presigned/download/" in e[1] and e[2] == 206]
    assert ranged  # the client's multi-threaded ranged download was used


def test_legacy_new_version_on_changed_content_keeps_old_provenance(
    peer: Callable[[str], Any], tmp_path: Path
) -> None:
    syn = peer("alice")
    project = syn.store(synapseclient.Project(name=f"versions {os.urandom(4).hex()}"))
    source = write(tmp_path / "table.csv", b"a,b\n1,2\n", mtime=1_700_000_000)
    first = syn.store(
        synapseclient.File(str(source), parent=project), activityName="first run", used=[project.id]
    )
    write(source, b"a,b\n1,2\n3,4\n", mtime=1_700_000_100)
    second = syn.store(
        synapseclient.File(str(source), parent=project),
        activityName="second run",
        executed=["https://e.org/b.py"],
    )
    assert second.id == first.id and second.versionNumber == 2
    assert syn.getProvenance(first.id, version=1)["name"] == "first run"
    assert syn.getProvenance(first.id, version=2)["name"] == "second run"
    versions = {v["versionNumber"]: v for v in syn._GET_paginated(f"/entity/{first.id}/version")}
    assert versions[1]["contentMd5"] == hashlib.md5(b"a,b\n1,2\n").hexdigest()
    assert versions[2]["contentMd5"] == md5_of(source)
    old = peer("alice").get(first.id, version=1, downloadLocation=str(tmp_path / "v1"))
    assert Path(old.path).read_bytes() == b"a,b\n1,2\n"


def test_models_file_store_and_get_with_activity(peer: Callable[[str], Any], tmp_path: Path) -> None:
    from synapseclient.models import Activity, File, Project, UsedEntity, UsedURL

    syn = peer("alice")
    project = Project(name=f"models {os.urandom(4).hex()}").store(synapse_client=syn)
    upstream = File(path=str(write(tmp_path / "in.txt", b"input\n")), parent_id=project.id).store(
        synapse_client=syn
    )
    big = write(tmp_path / "model.bin", os.urandom(11 * MIB))
    stored = File(
        path=str(big),
        parent_id=project.id,
        annotations={"stage": ["trained"], "epochs": [12]},
        activity=Activity(
            name="train",
            used=[UsedEntity(target_id=upstream.id, target_version_number=1)],
            executed=[UsedURL(name="train.py", url="https://example.org/train.py")],
        ),
    ).store(synapse_client=syn)
    assert stored.version_number == 1
    fresh = peer("alice")  # empty cache: a real download
    fetched = File(id=stored.id, path=str(tmp_path / "back")).get(synapse_client=fresh, include_activity=True)
    assert md5_of(fetched.path) == md5_of(big)
    assert fetched.annotations == {"stage": ["trained"], "epochs": [12]}
    assert fetched.activity is not None and fetched.activity.name == "train"
    assert fetched.activity.used[0].target_id == upstream.id
    assert fetched.activity.executed[0].url == "https://example.org/train.py"


def test_models_file_new_version_when_content_changes(peer: Callable[[str], Any], tmp_path: Path) -> None:
    from synapseclient.models import File, Project

    syn = peer("alice")
    project = Project(name=f"models v {os.urandom(4).hex()}").store(synapse_client=syn)
    source = write(tmp_path / "notes.txt", b"version one\n", mtime=1_700_000_000)
    first = File(path=str(source), parent_id=project.id).store(synapse_client=syn)
    write(source, b"version two\n", mtime=1_700_000_500)
    second = File(path=str(source), parent_id=project.id).store(synapse_client=syn)
    assert second.id == first.id and second.version_number == 2
    again = File(path=str(source), parent_id=project.id).store(synapse_client=syn)
    assert again.version_number == 2  # unchanged content: no new version


def test_other_user_cannot_download(peer: Callable[[str], Any], tmp_path: Path) -> None:
    alice, bob = peer("alice"), peer("bob")
    project = alice.store(synapseclient.Project(name=f"private {os.urandom(4).hex()}"))
    stored = alice.store(synapseclient.File(str(write(tmp_path / "secret.txt", b"secret\n")), parent=project))
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError) as caught:
        bob.get(stored.id, downloadLocation=str(tmp_path / "bob"))
    assert caught.value.response.status_code == 403


def test_legacy_store_external_url_without_upload(peer: Callable[[str], Any], server: LocalSynapse) -> None:
    syn = peer("alice")
    project = syn.store(synapseclient.Project(name=f"external {os.urandom(4).hex()}"))
    server.reset_request_log()
    stored = syn.store(
        synapseclient.File("https://example.org/data/reads.fastq", parent=project, synapseStore=False)
    )
    assert not [e for e in server.request_log() if "/multipart" in e[1]]  # no bytes moved
    fetched = syn.get(stored.id, downloadFile=False)
    assert fetched._file_handle["concreteType"].endswith("ExternalFileHandle")
    assert fetched._file_handle["externalURL"] == "https://example.org/data/reads.fastq"
    assert fetched.name == "reads.fastq"


def test_models_file_copy_to_another_folder(peer: Callable[[str], Any], tmp_path: Path) -> None:
    from synapseclient.models import File, Folder, Project

    syn = peer("alice")
    project = Project(name=f"copy {os.urandom(4).hex()}").store(synapse_client=syn)
    target = Folder(name="target", parent_id=project.id).store(synapse_client=syn)
    source = write(tmp_path / "original.txt", b"copy me\n")
    original = File(path=str(source), parent_id=project.id, annotations={"a": ["b"]}).store(
        synapse_client=syn
    )
    copy = original.copy(parent_id=target.id, synapse_client=syn)
    assert copy.id != original.id and copy.parent_id == target.id
    assert copy.annotations == {"a": ["b"]}
    fetched = peer("alice").get(copy.id, downloadLocation=str(tmp_path / "copied"))
    assert Path(fetched.path).read_bytes() == b"copy me\n"
