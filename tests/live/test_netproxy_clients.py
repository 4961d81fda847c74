"""Both clients through the test proxy (``tests/netproxy``) in front of a LocalSynapse: every request, the
presigned part uploads and file downloads included, goes through it (the server builds those URLs from the
``Host`` the proxy forwards unchanged)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from tests.netproxy import LatencyProxy
from tests.peer import official_client

pytestmark = pytest.mark.live

PART_PUT = "PUT /file/v1/presigned/upload/{id}/{id}"
DOWNLOAD = "GET /file/v1/presigned/download/{id}"


def _md5(path: str | Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def test_uploads_and_downloads_of_both_clients_go_through_the_proxy(
    server: Any, alice_token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("synapseclient")
    from synapseclient.models import File as OfficialFile

    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "ours-cache"))
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(3000))
    with LatencyProxy(server, delay=0.005) as proxy:
        conn = sm.connect(alice_token, endpoint=proxy.endpoint, name="proxied")
        project = sm.Project(name=f"through the proxy {os.urandom(4).hex()}").store(connection=conn)
        ours = sm.File(source, parent=project).store(connection=conn)
        monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "ours-cache-2"))  # a real download, not the cache
        got = sm.File.get(ours.id, download_location=tmp_path / "ours", connection=conn)
        ours_stats = proxy.stats()
        proxy.reset_stats()

        syn = official_client(proxy, alice_token, tmp_path / "official", multi_threaded=False)
        theirs = OfficialFile(path=str(source), name="theirs.bin", parent_id=project.id).store(
            synapse_client=syn
        )
        (tmp_path / "theirs").mkdir()
        fresh = official_client(proxy, alice_token, tmp_path / "official-2", multi_threaded=False)  # no cache
        fetched = OfficialFile(id=theirs.id, path=str(tmp_path / "theirs")).get(synapse_client=fresh)
        theirs_stats = proxy.stats()
        for client in (syn, fresh):  # the official client never closes its part-upload connection pool
            client._requests_session_storage.close()
    assert _md5(got.path) == _md5(fetched.path) == _md5(source)
    for stats in (ours_stats, theirs_stats):
        assert stats["routes"][PART_PUT]["requests"] == 1
        assert stats["routes"][DOWNLOAD]["requests"] == 1
        assert stats["errors"] == {} and stats["faulted"] == 0
