"""``kill -9`` of ``synapse-models serve`` in the middle of a multipart upload, a table append and a bulk
store (issue 10, sec. 7): the data dir restarts, no half-applied transaction is visible (database intact,
every handle's bytes present, a table append all or nothing), and the client resumes to a correct result.

Each case kills the server at several moments of the same work, so the kill lands in different places."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models import Column, ColumnType, Table
from tests.local.conftest import Api
from tests.local.files_util import upload
from tests.local.serve_util import Served, served

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")

DELAYS = (0.05, 0.3, 0.8)  # seconds after the work starts; the kill lands in different places
ROWS = 30_000


def _in_background(work: Callable[[], object]) -> None:
    def run() -> None:
        with contextlib.suppress(Exception):  # the server is killed under it: failing is expected
            work()

    threading.Thread(target=run, daemon=True).start()


def _check_consistent(data_dir: Path) -> None:
    """The database is intact and every stored handle has all its bytes."""
    uri = f"file:{data_dir / 'synapse.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT blob, content_size FROM file_handles WHERE blob IS NOT NULL").fetchall()
    for blob, size in rows:
        path = data_dir / "blobs" / blob[:2] / blob
        assert path.exists() and path.stat().st_size == size, blob


def _connect(server: Served, token: str, name: str) -> sm.Connection:
    return sm.connect(token=token, endpoint=server.endpoint, name=name)


@pytest.mark.parametrize("delay", DELAYS)
def test_kill_during_multipart_upload_then_store_again(tmp_path: Path, delay: float) -> None:
    data_dir, source = tmp_path / "data", tmp_path / "big.bin"
    source.write_bytes(os.urandom(26 * 1024 * 1024))
    with served(data_dir) as server:
        token = server.create_user("alice")
        alice = Api(server.endpoint, token)
        project = alice.project("kill9 files")
        _in_background(lambda: upload(alice, source.read_bytes(), "big.bin"))
        time.sleep(delay)
        server.kill()
    with served(data_dir) as again:
        _check_consistent(data_dir)
        conn = _connect(again, token, f"kill9-files-{delay}")
        stored = sm.File(source, parent=project["id"]).store(connection=conn)
        back = sm.File.get(stored.id, download_location=tmp_path / "back", connection=conn)
        assert back.path is not None
        assert hashlib.md5(Path(back.path).read_bytes()).digest() == hashlib.md5(source.read_bytes()).digest()


@pytest.mark.parametrize("delay", DELAYS)
def test_kill_during_table_append_is_all_or_nothing_then_retry(tmp_path: Path, delay: float) -> None:
    data_dir = tmp_path / "data"
    frame = pd.DataFrame({"n": range(ROWS), "label": [f"row {i}" for i in range(ROWS)]})
    with served(data_dir) as server:
        token = server.create_user("alice")
        conn = _connect(server, token, f"kill9-append-{delay}")
        project = sm.Project(name=f"kill9 table {delay}").store(connection=conn)
        columns = [Column("n", ColumnType.INTEGER), Column("label", ColumnType.STRING, maximum_size=20)]
        table = Table(name="rows", parent=project, columns=columns).store(connection=conn)
        _in_background(lambda: table.append(frame, connection=conn))
        time.sleep(delay)
        server.kill()
    with served(data_dir) as again:
        _check_consistent(data_dir)
        conn = _connect(again, token, f"kill9-append-again-{delay}")
        landed = len(table.query(connection=conn))
        assert landed in (0, ROWS)  # never half an append
        if landed == 0:
            table.append(frame, connection=conn)
        back = table.query(f"SELECT n, label FROM {table.id} ORDER BY n", connection=conn)
        assert back["n"].tolist() == list(range(ROWS)) and back["label"].tolist() == frame["label"].tolist()


@pytest.mark.parametrize("delay", DELAYS)
def test_kill_during_bulk_store_then_store_all_again(tmp_path: Path, delay: float) -> None:
    data_dir = tmp_path / "data"
    paths = []
    for i in range(30):
        path = tmp_path / f"f{i:02d}.txt"
        path.write_bytes(f"content {i}\n".encode() * (i + 1))
        paths.append(path)
    with served(data_dir) as server:
        token = server.create_user("alice")
        conn = _connect(server, token, f"kill9-bulk-{delay}")
        project = sm.Project(name=f"kill9 bulk {delay}").store(connection=conn)
        files = [sm.File(p, parent=project, annotations={"i": i}) for i, p in enumerate(paths)]
        _in_background(lambda: sm.store_all(files, max_workers=4, connection=conn))
        time.sleep(delay)
        server.kill()
    with served(data_dir) as again:
        _check_consistent(data_dir)
        conn = _connect(again, token, f"kill9-bulk-again-{delay}")
        fresh = [sm.File(p, parent=project.id, annotations={"i": i}) for i, p in enumerate(paths)]
        results = sm.store_all(fresh, max_workers=4, connection=conn)
        assert results.ok, [str(r.error) for r in results.failed]
        children = Api(again.endpoint, token).ok(
            "POST", "/entity/children", {"parentId": project.id, "includeTypes": ["file"]}
        )["page"]
        assert sorted(c["name"] for c in children) == sorted(p.name for p in paths)  # no duplicates
        for entity, path in zip(fresh, paths, strict=True):
            back = sm.File.get(entity.id, download_location=tmp_path / "back" / path.stem, connection=conn)
            assert back.path is not None and Path(back.path).read_bytes() == path.read_bytes()
