"""Running bulk work on any ``concurrent.futures.Executor``, with the caller's connection carried along.

What is submitted is a module-level function, a small task of plain data and a :class:`CarriedConnection`.
In the caller's process (a thread pool) the carried connection is the caller's live :class:`Connection`, the
one resolved when the bulk call started, so pool threads never consult their own (empty) ContextVar scope.
Pickled for another process (``ProcessPoolExecutor``, a dask cluster) it carries only a
:class:`ConnectionRef` -- endpoint, registry name, user id and name, never the token, a session or a socket --
and the worker reconnects once per process with the token its own environment or config provides, refusing
to run as a different user than the caller.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ..errors import CredentialsError, ValidationError

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = [
    "DEFAULT_WORKERS",
    "CarriedConnection",
    "ConnectionRef",
    "Pipeline",
    "check_shard",
    "in_shard",
    "run_task",
]

T = TypeVar("T")
DEFAULT_WORKERS = 56
"""Concurrent tasks of a bulk call when it makes its own thread pool (with the 8 threads listing folders
ahead, the connection's default pool of 64 sockets: every request reuses an open connection). A task waits
on one round trip after another, so at 50-200 ms from Synapse the number in flight sets the pace: 24
threads took 11.6 s for 300 files up at 50 ms, 56 took 6.8 s (``tests/benchmarks/bench_sync.py``)."""

_worker_connections: dict[ConnectionRef, Connection] = {}
_worker_lock = threading.Lock()


@attrs.frozen
class ConnectionRef:
    """Enough to reconnect as the same user on another process: no token, no session."""

    endpoint: str
    name: str
    user_id: str | None
    user_name: str | None
    pool_size: int


class CarriedConnection:
    """The caller's connection as it travels with each task (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self._conn: Connection | None = conn
        self.ref = ConnectionRef(
            endpoint=conn.endpoints.repo,
            name=conn.name,
            user_id=conn.user_id,
            user_name=conn.user_name,
            pool_size=conn.pool_size,
        )

    def __repr__(self) -> str:
        return f"<CarriedConnection {self.ref.user_name or 'anonymous'}@{self.ref.endpoint}>"

    def __getstate__(self) -> dict[str, Any]:
        return {"ref": self.ref}  # never the live connection (its session and token stay here)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._conn = None
        self.ref = state["ref"]

    def get(self) -> Connection:
        """The live connection: the caller's own, or this process's reconnection as the same user."""
        if self._conn is None:
            self._conn = _reconnect(self.ref)
        return self._conn


def _reconnect(ref: ConnectionRef) -> Connection:
    from ._internals import load_models, open_connection

    with _worker_lock:
        conn = _worker_connections.get(ref)
        if conn is None:
            load_models()  # once per worker process, before its threads read entities
            conn = open_connection(ref.endpoint, name=ref.name, pool_size=ref.pool_size)
            if ref.user_id is not None and conn.user_id != ref.user_id:
                who = conn.user_name
                conn.close()
                raise CredentialsError(
                    f"this worker's token ({conn.token_source}) is for user {who!r}, but the task runs as "
                    f"{ref.user_name!r}: give the workers {ref.user_name!r}'s token (SYNAPSE_AUTH_TOKEN or "
                    "SYNAPSE_PROFILE)"
                )
            _worker_connections[ref] = conn
    return conn


def run_task(function: Callable[[Connection, Any], T], carried: CarriedConnection, task: Any) -> T:
    """Run ``function(conn, task)`` with the carried connection, also as this thread's scoped one (scopes
    are per thread and per task, so pool threads entering the same connection at once do not interfere)."""
    conn = carried.get()
    with conn:
        return function(conn, task)


class Pipeline:
    """Submits tasks with a bounded number in flight and hands each outcome to a callback in this thread.

    Args:
        conn: The caller's connection (carried with every task).
        executor: The executor; ``None`` makes a thread pool owned (and shut down) by the pipeline.
        max_workers: Threads of an owned pool (default 56, at most the connection's pool size); also sets
            how many tasks are kept in flight (4 per worker).
    """

    def __init__(self, conn: Connection, executor: Executor | None, max_workers: int | None) -> None:
        if executor is not None and not isinstance(executor, Executor):
            raise ValidationError("executor", executor, "expected a concurrent.futures.Executor")
        if max_workers is not None and (
            not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1
        ):
            raise ValidationError("max_workers", max_workers, "a positive integer")
        from ._internals import load_models

        load_models()  # before any task: worker threads then never import a model module
        self.carried = CarriedConnection(conn)
        workers = max_workers or DEFAULT_WORKERS
        self._owned = executor is None
        if executor is None:
            workers = max(1, min(workers, conn.pool_size))
            executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synapse-sync")
        self.executor = executor
        self.workers = workers
        self._limit = 4 * workers
        self._pending: dict[Future[Any], tuple[Callable[[Any], None], Callable[[BaseException], None]]] = {}

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owned:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def submit(
        self,
        function: Callable[[Connection, Any], T],
        task: Any,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Submit one task; waits for room first (handling finished tasks) so memory stays bounded."""
        while len(self._pending) >= self._limit:
            self._collect(block=True)
        future = self.executor.submit(run_task, function, self.carried, task)
        self._pending[future] = (on_done, on_error)

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet handled."""
        return len(self._pending)

    def wait_any(self) -> None:
        """Wait until at least one task has finished (if any is running) and handle what has."""
        self._collect(block=True)

    def poll(self) -> None:
        """Handle the tasks that have finished, without waiting."""
        self._collect(block=False)

    def drain(self) -> None:
        """Wait for every submitted task and handle its outcome."""
        while self._pending:
            self._collect(block=True)

    def _collect(self, *, block: bool) -> None:
        if not self._pending:
            return
        done, _ = wait(list(self._pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            on_done, on_error = self._pending.pop(future)
            try:
                value = future.result()
            except BaseException as exc:  # a task that died (worker lost, pickling...) fails its items
                on_error(exc)
            else:
                on_done(value)


def check_shard(shard: object) -> tuple[int, int] | None:
    """Validate ``shard=(k, n)`` (0 <= k < n)."""
    if shard is None:
        return None
    if (
        not isinstance(shard, (tuple, list))
        or len(shard) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in shard)
    ):
        raise ValidationError("shard", shard, "expected (k, n): the k-th (from 0) of n slices")
    k, n = int(shard[0]), int(shard[1])
    if n < 1 or not 0 <= k < n:
        raise ValidationError("shard", shard, f"k must be between 0 and n-1 (n={n})")
    return k, n


def in_shard(key: int | str, shard: tuple[int, int] | None) -> bool:
    """Whether ``key`` (an entity id number, or any text such as a path) falls in the shard."""
    if shard is None:
        return True
    k, n = shard
    number = key if isinstance(key, int) else int(hashlib.sha1(key.encode()).hexdigest()[:12], 16)
    return number % n == k
