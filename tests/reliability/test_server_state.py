"""The server as something a lab can run (issue 10, sec. 4 and 7): SQLite in WAL mode on disk, a bounded
number of worker threads however many requests arrive at once (the rest wait their turn and are all
answered), and no file left open by clients that go away in the middle of a body."""

from __future__ import annotations

import gc
import os
import socket
import sqlite3
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from synapse_models.local import LocalSynapse


def test_the_data_dir_database_is_in_wal_mode(tmp_path: Path) -> None:
    with LocalSynapse(tmp_path / "data") as server:
        requests.post(
            f"{server.endpoint}/admin/v1/users",
            json={"userName": "alice"},
            headers={"Authorization": f"Bearer {server.admin_token}"},
            timeout=30,
        ).raise_for_status()
    # WAL is a property of the database file: a fresh reader sees it after the server has gone
    with sqlite3.connect(tmp_path / "data" / "synapse.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _workers() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name.startswith("waitress-"))


def test_many_requests_at_once_are_served_by_a_bounded_pool(tmp_path: Path) -> None:
    before = _workers()
    with LocalSynapse(threads=3) as server:
        assert _workers() - before == 3
        seen: list[int] = []

        def ask(_: int) -> int:
            seen.append(_workers() - before)
            return requests.get(f"{server.endpoint}/repo/v1/version", timeout=60).status_code

        with ThreadPoolExecutor(40) as pool:
            statuses = list(pool.map(ask, range(200)))
        assert statuses == [200] * 200
        assert max(seen) == 3 and _workers() - before == 3


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_request_bodies_abandoned_mid_way_are_closed_not_left_to_the_collector(tmp_path: Path) -> None:
    """A body over waitress's in-memory bound goes to a temporary file; a client that leaves mid-body must
    not leave that file open until the garbage collector finds it (a ResourceWarning each, and descriptors
    held meanwhile)."""
    with LocalSynapse(tmp_path / "data", idle_seconds=2) as server:
        parts = urlsplit(server.endpoint)
        address = (str(parts.hostname), int(parts.port or 80))
        head = (
            f"PUT /file/v1/presigned/upload/1/1 HTTP/1.1\r\nHost: x\r\nContent-Length: {4 << 20}\r\n\r\n"
        ).encode()
        requests.get(f"{server.endpoint}/repo/v1/version", timeout=30)  # the server's own files are open
        before = len(os.listdir("/proc/self/fd"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            for _ in range(20):
                with socket.create_connection(address, timeout=10) as sock:
                    sock.sendall(head + b"x" * (1 << 20))  # a quarter of the body, then gone
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(os.listdir("/proc/self/fd")) > before + 3:
                time.sleep(0.2)
            gc.collect()
        assert len(os.listdir("/proc/self/fd")) <= before + 3
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []
