"""The server as something a lab can run (issue 10, sec. 7): SQLite in WAL mode on disk, and a bounded number
of worker threads however many requests arrive at once (the rest wait their turn and are all answered)."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
