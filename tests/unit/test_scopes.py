"""Scopes from many threads and asyncio tasks at once: every request carries its own scope's token."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.registry import _registry, get_connection
from synapse_models.transport import MockTransport, Request, Response

ENDPOINTS = Endpoints.from_base("https://synapse.test", "test")
WORKERS = 50
STEPS = 12


class Recorder:
    """A fake server that answers each request with the Authorization header it carried, and keeps a log."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        expected = request.path.rsplit("/", 1)[-1]  # /whoami/<the token the caller expects to send>
        sent = request.headers.get("Authorization")
        with self._lock:
            self.log.append((expected, sent))
        return Response(200, json={"authorization": sent})


def _connections(recorder: Recorder) -> list[Connection]:
    conns = [
        Connection(ENDPOINTS, f"tok-{i}", name=f"user{i}", transport=MockTransport(recorder))
        for i in range(4)
    ]
    _registry.update({c.name: c for c in conns})
    return conns


def _token(conn: Connection) -> str:
    return f"tok-{conn.name.removeprefix('user')}"


def _check(expected: Connection) -> None:
    """The current connection is ``expected``, and a request through it carries its token."""
    current = get_connection()
    assert current is expected, f"{current.name} is current inside a scope of {expected.name}"
    answer = current.get(f"/whoami/{_token(expected)}")
    assert answer["authorization"] == f"Bearer {_token(expected)}"


def _plan(seed: int, conns: list[Connection]) -> list[tuple[Connection, Connection, bool]]:
    """Per step: the outer connection, the inner one (maybe the same: scopes nest), and whether the inner
    scope is entered by name through ``sm.using`` or with ``with conn:``."""
    rng = random.Random(seed)
    return [(rng.choice(conns), rng.choice(conns), rng.random() < 0.5) for _ in range(STEPS)]


def _thread_worker(seed: int, conns: list[Connection], start: threading.Barrier) -> int:
    rng = random.Random(seed)
    start.wait()
    for outer, inner, by_name in _plan(seed, conns):
        with outer:
            _check(outer)
            time.sleep(rng.random() / 2000)
            with sm.using(inner.name) if by_name else inner:
                _check(inner)
                time.sleep(rng.random() / 2000)
                _check(inner)
            time.sleep(rng.random() / 2000)
            _check(outer)
    return seed


async def _task_worker(seed: int, conns: list[Connection]) -> int:
    for outer, inner, by_name in _plan(seed, conns):
        with sm.using(outer):
            _check(outer)
            await asyncio.sleep(0)
            with sm.using(inner.name) if by_name else inner:
                _check(inner)
                await asyncio.sleep(0)
                _check(inner)
            await asyncio.sleep(0)
            _check(outer)
    return seed


async def _all_tasks(conns: list[Connection]) -> list[int]:
    return list(await asyncio.gather(*(_task_worker(1000 + n, conns) for n in range(WORKERS))))


def test_threads_and_tasks_sharing_connections_each_send_their_own_scopes_token() -> None:
    recorder = Recorder()
    conns = _connections(recorder)
    start = threading.Barrier(WORKERS)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        threads = [pool.submit(_thread_worker, n, conns, start) for n in range(WORKERS)]
        tasks = asyncio.run(_all_tasks(conns))  # the tasks run while the threads do
        finished = [future.result() for future in threads]  # re-raises a worker's failure
    assert finished == list(range(WORKERS)) and tasks == [1000 + n for n in range(WORKERS)]
    assert len(recorder.log) == 2 * WORKERS * STEPS * 4
    assert [(expected, sent) for expected, sent in recorder.log if sent != f"Bearer {expected}"] == []
    assert get_connection(conns[0]) is conns[0] and sm.connections().keys() >= {c.name for c in conns}


def test_leaving_a_scope_this_context_did_not_enter_is_refused() -> None:
    recorder = Recorder()
    first, second, *_ = _connections(recorder)
    with first, pytest.raises(RuntimeError, match="did not enter last"):
        second.__exit__(None, None, None)
    with pytest.raises(RuntimeError):
        first.__exit__(None, None, None)
