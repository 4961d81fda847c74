"""Each data directory has its own id ranges, so the official client's shared download cache never mixes up
two servers' files.

The official client keeps downloads in one cache for every server it talks to, keyed by file-handle id
(``~/.synapseCache/<id % 1000>/<id>/``).  When two fresh local servers both started their file handles at the
same id, a file fetched from the second server came out of the cache with the first server's bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from synapse_models.local import LocalSynapse
from tests.peer import official_client

synapseclient = pytest.importorskip("synapseclient")

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _store(syn: Any, source: Path) -> Any:
    project = syn.store(synapseclient.Project(name=f"identity {os.urandom(4).hex()}"))
    return syn.store(synapseclient.File(str(source), parent=project))


def test_second_server_download_is_not_served_from_the_first_servers_cache(tmp_path: Path) -> None:
    shared_home, other_home = tmp_path / "shared", tmp_path / "other"
    shared_home.mkdir()
    other_home.mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first_source = tmp_path / "a" / "data.txt"
    first_source.write_text("bytes of the first server\n")
    second_source = tmp_path / "b" / "data.txt"
    second_source.write_text("bytes of the second server\n")

    with LocalSynapse(data_dir=tmp_path / "first") as first:
        syn = official_client(first, first.create_user("shared_user"), shared_home, multi_threaded=False)
        first_file = _store(syn, first_source)  # the shared cache now holds this file handle
    with LocalSynapse(data_dir=tmp_path / "second") as second:
        uploader = official_client(second, second.create_user("uploader"), other_home, multi_threaded=False)
        second_file = _store(uploader, second_source)
        reader_token = second.create_user("shared_user")
        reader_id = uploader.getUserProfile("shared_user").ownerId
        uploader.setPermissions(second_file.parentId, principalId=reader_id, accessType=["READ", "DOWNLOAD"])
        reader = official_client(second, reader_token, shared_home, multi_threaded=False)
        fetched = reader.get(second_file.id, downloadLocation=str(tmp_path / "download"))

    assert Path(fetched.path).read_text() == "bytes of the second server\n"
    assert first_file.dataFileHandleId != second_file.dataFileHandleId


def test_restarted_server_continues_its_own_id_range(tmp_path: Path) -> None:
    with LocalSynapse(data_dir=tmp_path / "data") as server:
        syn = official_client(server, server.create_user("restart_user"), tmp_path, multi_threaded=False)
        project = syn.store(synapseclient.Project(name="before restart"))
    with LocalSynapse(data_dir=tmp_path / "data") as server:
        syn = official_client(server, server.create_user("restart_user2"), tmp_path, multi_threaded=False)
        later = syn.store(synapseclient.Project(name="after restart"))
    first, second = int(project.id[3:]), int(later.id[3:])
    assert 10**10 < first < second < 2**53
    assert second - first < 10**7  # the same block of ids, continued
