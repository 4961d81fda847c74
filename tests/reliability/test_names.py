"""A file name from the server is a name, never a path: hostile names land inside the directory asked for
(sanitised, see synapse_models/transfer/names.py), plain non-ASCII names are kept as they are."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.transfer.names import local_name
from synapse_models.transport import MockTransport, Request, Response

FILE_ENTITY = "org.sagebionetworks.repo.model.FileEntity"
S3_HANDLE = "org.sagebionetworks.repo.model.file.S3FileHandle"
CONTENT = b"the bytes of the file\n"


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("../../escaped.txt", ".._.._escaped.txt"),
        ("/etc/passwd", "_etc_passwd"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("..", "file-9"),
        (".", "file-9"),
        ("", "file-9"),
        ("nul\x00byte", "nul_byte"),
        ("line\r\nX-Injected: yes", "line__X-Injected: yes"),
        ("tab\tand\x7fdel\x85", "tab_and_del_"),
        ("données ✓.txt", "données ✓.txt"),
        ("..hidden", "..hidden"),
        ("x" * 300 + ".csv", "x" * 251 + ".csv"),
    ],
)
def test_a_name_from_the_server_becomes_one_plain_file_name(name: str, written: str) -> None:
    assert local_name(name, fallback="file-9") == written


def _fake_synapse(file_name: str) -> Connection:
    """One file entity, syn1, whose file handle 9 is named ``file_name``."""
    md5 = hashlib.md5(CONTENT).hexdigest()
    handle = {
        "id": "9",
        "concreteType": S3_HANDLE,
        "fileName": file_name,
        "contentMd5": md5,
        "contentSize": len(CONTENT),
    }
    entity = {
        "id": "syn1",
        "name": "plain.txt",
        "parentId": "syn2",
        "etag": "e1",
        "concreteType": FILE_ENTITY,
        "dataFileHandleId": "9",
        "versionNumber": 1,
    }

    def handler(request: Request) -> Response:
        if request.path.endswith("/entity/syn1/bundle2"):
            notes = {"id": "syn1", "etag": "e1", "annotations": {}}
            return Response(200, json={"entity": entity, "fileHandles": [handle], "annotations": notes})
        if request.path.endswith("/fileHandle/batch"):
            url = "https://store.test/9?X-Amz-Signature=sig"
            return Response(
                200,
                json={"requestedFiles": [{"fileHandleId": "9", "fileHandle": handle, "preSignedURL": url}]},
            )
        if request.url.startswith("https://store.test/9"):
            return Response(200, content=CONTENT, headers={"Content-Length": str(len(CONTENT))})
        return Response(404, json={"reason": f"not here: {request.path}"})

    return Connection(
        Endpoints.from_base("https://synapse.test", "test"), "tok", transport=MockTransport(handler)
    )


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != ".cacheMap")


@pytest.mark.parametrize("hostile", ["../../escaped.txt", "/tmp/absolute.txt", "a/b", "..", "x\x00y", "a\nb"])
def test_a_hostile_name_never_writes_outside_the_download_location(
    hostile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    into = tmp_path / "root" / "deep" / "down"
    into.mkdir(parents=True)
    monkeypatch.chdir(into)  # so that a relative name could climb out of it
    conn = _fake_synapse(hostile)
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "root" / "cache-1"))
    got = Path(str(sm.File.get("syn1", download_location=into, connection=conn).path))
    assert got.parent == into and got.read_bytes() == CONTENT
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "root" / "cache-2"))
    cached = Path(str(sm.File.get("syn1", connection=conn).path))  # a download into the cache's directory
    assert cached.parent == tmp_path / "root" / "cache-2" / "9" / "9"
    assert cached.read_bytes() == CONTENT
    assert _files_under(tmp_path) == sorted(str(p.relative_to(tmp_path)) for p in (got, cached))
    assert not Path("/tmp/absolute.txt").exists()


def test_a_non_ascii_name_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    got = sm.File.get("syn1", download_location=tmp_path / "out", connection=_fake_synapse("données ✓.txt"))
    assert Path(str(got.path)) == tmp_path / "out" / "données ✓.txt"
    assert Path(str(got.path)).read_bytes() == CONTENT


def _stored_under_non_ascii_name(conn: sm.Connection, tmp_path: Path) -> tuple[sm.Project, sm.File]:
    """A project holding one file whose file handle is named ``données ✓.txt`` (a copy of a plain one)."""
    project = sm.Project(name=f"names {os.urandom(4).hex()}").store(connection=conn)
    source = tmp_path / "plain.txt"
    source.write_bytes(CONTENT)
    stored = sm.File(source, parent=project).store(connection=conn)
    copy = {
        "originalFile": {
            "fileHandleId": stored.data_file_handle_id,
            "associateObjectId": stored.id,
            "associateObjectType": "FileEntity",
        },
        "newFileName": "données ✓.txt",
    }
    answer = conn.post("/filehandles/copy", {"copyRequests": [copy]}, service="file")
    stored.data_file_handle_id = answer["copyResults"][0]["newFileHandle"]["id"]
    stored.path = None
    return project, stored.store(connection=conn)


def test_a_non_ascii_name_downloads_from_the_local_server(
    server: Any, alice_token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    retry = sm.RetryPolicy(attempts=1, total_seconds=4)
    conn = sm.connect(alice_token, endpoint=server.endpoint, name="names", retry=retry)
    conn.transport.timeout = (2.0, 2.0)  # type: ignore[attr-defined]
    project, stored = _stored_under_non_ascii_name(conn, tmp_path)
    try:
        got = sm.File.get(stored.id, download_location=tmp_path / "out", connection=conn)
    finally:
        project.delete(connection=conn)
    assert Path(str(got.path)) == tmp_path / "out" / "données ✓.txt"
    assert Path(str(got.path)).read_bytes() == CONTENT


def test_a_non_ascii_name_downloads_through_the_official_client(
    server: Any, alice_token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both clients, says the issue: the official one reads the same Content-Disposition."""
    pytest.importorskip("synapseclient")
    from synapseclient.models import File as OfficialFile

    from tests.peer import official_client

    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    conn = sm.connect(alice_token, endpoint=server.endpoint, name="names-official")
    project, stored = _stored_under_non_ascii_name(conn, tmp_path)
    (tmp_path / "peer").mkdir()
    syn = official_client(server, alice_token, tmp_path / "peer", multi_threaded=False)
    try:
        got = OfficialFile(id=stored.id, path=str(tmp_path / "official")).get(synapse_client=syn)
    finally:
        project.delete(connection=conn)
    assert Path(got.path) == tmp_path / "official" / "données ✓.txt"
    assert Path(got.path).read_bytes() == CONTENT
