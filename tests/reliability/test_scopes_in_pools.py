"""Work handed to a thread pool inside ``with sm.using(bob):`` runs as bob: our own pools carry the caller's
connection; a user's own pool does so with ``contextvars.copy_context()`` (as docs/reliability.rst says),
and without it runs as the default connection (what the docs warn about)."""

from __future__ import annotations

import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import synapse_models as sm


def test_store_all_inside_using_stores_as_that_user(
    alice: sm.Connection, bob: sm.Connection, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    assert sm.get_connection() is alice  # alice connected first: the default
    with sm.using("bob"):
        home = sm.Project(name=f"bob's {os.urandom(4).hex()}").store()
        paths = []
        for n in range(6):
            path = tmp_path / f"f{n}.txt"
            path.write_text(str(n))
            paths.append(path)
        results = sm.store_all([sm.File(p, parent=home) for p in paths], max_workers=4)
    results.raise_first()
    assert {r.entity.created_by for r in results} == {bob.user_id}
    home.delete(connection=bob)


def test_a_users_own_pool_carries_the_scope_with_copy_context(
    alice: sm.Connection, bob: sm.Connection
) -> None:
    with sm.using("bob"), ThreadPoolExecutor(max_workers=3) as pool:
        carried = [pool.submit(contextvars.copy_context().run, sm.get_connection) for _ in range(6)]
        plain = [pool.submit(sm.get_connection) for _ in range(6)]
        assert {f.result() for f in carried} == {bob}
        assert {f.result() for f in plain} == {alice}  # a pool thread does not see the caller's scope
