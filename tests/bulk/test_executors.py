"""Bulk work on other executors: process pools and a real dask cluster reconnect from their environment,
thread pools carry the caller's scoped connection, and nothing secret travels with a task."""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.sync._executor import CarriedConnection

from .conftest import make_tree

LAYOUT = {"": 3, "a": 4, "a/b": 3}


@pytest.fixture
def worker_env(monkeypatch: pytest.MonkeyPatch, alice_token: str, tmp_path: Path) -> str:
    """What every worker process finds in its environment: alice's token, nothing else from this HOME."""
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", alice_token)
    monkeypatch.setenv("HOME", str(tmp_path / "worker-home"))
    return alice_token


@pytest.fixture
def processes(worker_env: str) -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def _profile_lookups(server: Any) -> int:
    return sum(1 for m, p, _ in server.request_log() if (m, p) == ("GET", "/repo/v1/userProfile"))


def test_a_carried_connection_pickles_without_its_token(alice: sm.Connection, alice_token: str) -> None:
    data = pickle.dumps(CarriedConnection(alice))

    assert alice_token.encode() not in data
    again = pickle.loads(data)
    assert again.ref.user_id == alice.user_id and again.ref.endpoint == alice.endpoints.repo


def test_sync_from_and_to_run_on_a_process_pool(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, processes: ProcessPoolExecutor, log: Any
) -> None:
    files = make_tree(project, tmp_path / "src", LAYOUT)
    log.reset_request_log()

    down = sm.sync_from(project, tmp_path / "down", executor=processes, cache_root=tmp_path / "fresh")
    assert down.counts() == {"downloaded": 10}, down.failed
    assert _profile_lookups(log) >= 1  # workers reconnected on their own
    for result in down:
        assert Path(str(result.local_path)).read_bytes() == Path(str(files[result.path].path)).read_bytes()

    target = sm.Folder(name="copy", parent=project).store()
    up = sm.sync_to(tmp_path / "down", target, executor=processes)
    assert up.counts() == {"folder": 2, "created": 10}, up.failed
    assert sorted(s.path for s in sm.walk(target)) == ["", "a", "a/b"]


def test_a_worker_with_another_users_token_refuses_to_run(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, bob_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(project, tmp_path / "src", {"": 2})
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", bob_token)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = sm.sync_from(project, tmp_path / "down", executor=pool)

    assert results.counts() == {"failed": 2}
    assert isinstance(results.failed[0].error, sm.errors.CredentialsError)
    assert "'bob" in str(results.failed[0].error) and "'alice'" in str(results.failed[0].error)


def test_sync_from_runs_on_a_dask_local_cluster_of_two_processes(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, worker_env: str, log: Any
) -> None:
    distributed = pytest.importorskip("distributed")
    files = make_tree(project, tmp_path / "src", LAYOUT)
    log.reset_request_log()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        results = sm.sync_from(
            project, tmp_path / "down", executor=client.get_executor(), cache_root=tmp_path / "fresh"
        )
        workers = len(client.scheduler_info()["workers"])

    assert workers == 2
    assert results.counts() == {"downloaded": 10}, results.failed
    assert 1 <= _profile_lookups(log) <= 2
    assert {r.path for r in results} == set(files)
    assert (tmp_path / "down" / "a" / "SYNAPSE_METADATA_MANIFEST.tsv").exists()


def test_a_thread_pool_uses_the_callers_scoped_connection(
    alice: sm.Connection, bob: sm.Connection, tmp_path: Path
) -> None:
    space = sm.Project(name=f"bob bulk {tmp_path.name}").store(connection=bob)
    data = tmp_path / "data"
    data.mkdir()
    for i in range(6):
        (data / f"f{i}.txt").write_text(f"{i}\n")
    try:
        with sm.using("bob"), ThreadPoolExecutor(4) as pool:  # alice stays the default connection
            results = sm.sync_to(data, space.id, executor=pool)
        assert results.counts() == {"created": 6}, results.failed
        creators = {sm.File.get(str(r.entity_id), download=False, connection=bob).created_by for r in results}
        assert creators == {bob.user_id}
    finally:
        space.delete(connection=bob)
