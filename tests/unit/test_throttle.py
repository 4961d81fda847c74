"""The bound on requests in flight to Synapse's services (Synapse allows one user 3 per machine)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models import Connection
from synapse_models.credentials import Endpoints
from synapse_models.errors import HTTPError, ValidationError
from synapse_models.retry import RetryPolicy
from synapse_models.transport import MockTransport, Request, Response

_SYN = "https://repo-prod.example.org"
REMOTE = Endpoints(f"{_SYN}/repo/v1", f"{_SYN}/auth/v1", f"{_SYN}/file/v1")
LOCAL = Endpoints(
    "http://127.0.0.1:8080/repo/v1", "http://127.0.0.1:8080/auth/v1", "http://127.0.0.1:8080/file/v1"
)
THROTTLED = {"reason": "Too many concurrent requests. Allowed 3 concurrent connections at any time."}
ENV = "SYNAPSE_MODELS_MAX_CONCURRENT_REQUESTS"


class Counting:
    """A fake server that counts the requests in progress at once (each takes ``seconds``)."""

    def __init__(self, seconds: float = 0.02, barrier: threading.Barrier | None = None) -> None:
        self.seconds = seconds
        self.barrier = barrier
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            if self.barrier is not None:  # all must be in progress at once, or this breaks
                self.barrier.wait(timeout=5)
            else:
                threading.Event().wait(self.seconds)
            return Response(200, json={"ok": True})
        finally:
            with self.lock:
                self.now -= 1


def _in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(work, range(count), timeout=30))


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def test_at_most_three_service_requests_at_once_to_a_remote_synapse() -> None:
    server = Counting()
    conn = Connection(REMOTE, "tok", transport=MockTransport(server))
    assert conn.max_concurrent_requests == 3
    results = _in_threads(30, lambda i: conn.get(f"/entity/syn{i}"))
    assert results == [{"ok": True}] * 30
    assert server.most == 3


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "http://127.8.0.2"]
)
def test_no_bound_on_a_loopback_server(base: str) -> None:
    endpoints = Endpoints(f"{base}/repo/v1", f"{base}/auth/v1", f"{base}/file/v1")
    server = Counting(barrier=threading.Barrier(12))
    conn = Connection(endpoints, "tok", transport=MockTransport(server))
    assert conn.max_concurrent_requests is None
    _in_threads(12, lambda i: conn.get("/entity/syn1"))  # a bound would break the barrier
    assert server.most == 12


@pytest.mark.parametrize(
    "url",
    [
        "https://bucket.s3.amazonaws.com/part/1?X-Amz-Signature=abc",
        "https://repo-prod.example.org/file/v1/presigned/upload/1?X-Amz-Signature=abc",  # a local-style one
    ],
)
def test_presigned_storage_transfers_are_not_counted(url: str) -> None:
    server = Counting(barrier=threading.Barrier(10))
    conn = Connection(REMOTE, "tok", transport=MockTransport(server))
    responses = _in_threads(10, lambda i: conn.raw("PUT", url, data=b"x", authorize=False))
    assert [r.status_code for r in responses] == [200] * 10  # type: ignore[attr-defined]
    assert server.most == 10


def test_transfers_go_on_while_service_calls_wait() -> None:
    storage_running = threading.Event()
    release = threading.Event()

    def handler(request: Request) -> Response:
        if "amazonaws" in request.url:
            storage_running.set()
            return Response(200)
        release.wait(5)  # three service calls hold every place
        return Response(200, json={})

    conn = Connection(REMOTE, "tok", transport=MockTransport(handler))
    with ThreadPoolExecutor(4) as pool:
        calls = [pool.submit(conn.get, "/entity/syn1") for _ in range(3)]
        put = pool.submit(conn.raw, "PUT", "https://b.s3.amazonaws.com/k?X-Amz-Signature=s", authorize=False)
        assert put.result(timeout=5).status_code == 200
        release.set()
        assert [c.result(timeout=5) for c in calls] == [{}] * 3
    assert storage_running.is_set()


def test_the_environment_and_the_argument_override_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "3")
    server = Counting()
    local = Connection(LOCAL, "tok", transport=MockTransport(server))
    assert local.max_concurrent_requests == 3  # as synapse.org would allow, against a local server
    _in_threads(20, lambda i: local.get("/entity/syn1"))
    assert server.most == 3

    monkeypatch.setenv(ENV, "0")
    assert Connection(REMOTE, "tok", transport=MockTransport(server)).max_concurrent_requests is None
    monkeypatch.setenv(ENV, "5")
    assert Connection(REMOTE, "tok", transport=MockTransport(server)).max_concurrent_requests == 5
    chosen = Connection(REMOTE, "tok", transport=MockTransport(server), max_concurrent_requests=2)
    assert chosen.max_concurrent_requests == 2  # the argument wins over the environment

    server = Counting()
    chosen = Connection(REMOTE, "tok", transport=MockTransport(server), max_concurrent_requests=2)
    chosen.max_concurrent_requests = 1
    _in_threads(10, lambda i: chosen.get("/entity/syn1"))
    assert server.most == 1


def test_bad_limits_are_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = MockTransport(Counting())
    with pytest.raises(ValidationError, match="max_concurrent_requests"):
        Connection(REMOTE, "tok", transport=transport, max_concurrent_requests=-1)
    conn = Connection(REMOTE, "tok", transport=transport)
    with pytest.raises(ValidationError, match="max_concurrent_requests"):
        conn.max_concurrent_requests = "many"  # type: ignore[assignment]
    monkeypatch.setenv(ENV, "lots")
    with pytest.raises(ValidationError, match=ENV):
        Connection(REMOTE, "tok", transport=transport)


def test_a_request_made_while_one_is_in_progress_in_the_same_thread_does_not_wait_for_itself() -> None:
    conn: Connection

    def handler(request: Request) -> Response:
        if request.path.endswith("/outer"):  # e.g. a hook of the transport that asks the server again
            return Response(200, json={"inner": conn.get("/inner")})
        return Response(200, json={"ok": True})

    conn = Connection(REMOTE, "tok", transport=MockTransport(handler), max_concurrent_requests=1)
    result = _in_threads(4, lambda i: conn.get("/outer"))
    assert result == [{"inner": {"ok": True}}] * 4


def test_paging_and_job_polling_inside_many_bulk_tasks_finish_with_one_place() -> None:
    polls: dict[str, int] = {}
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        if request.path.endswith("/async/start"):
            return Response(201, json={"token": request.json()["task"]})
        if "/async/get/" in request.path:
            token = request.path.rsplit("/", 1)[1]
            with lock:
                polls[token] = polls.get(token, 0) + 1
                done = polls[token] >= 3
            return Response(200, json={"done": token}) if done else Response(202, json={})
        offset = int(request.params.get("offset", "0"))
        return Response(200, json={"results": [{"n": offset}] if offset < 3 else []})

    conn = Connection(REMOTE, "tok", transport=MockTransport(handler), max_concurrent_requests=1)

    def task(i: int) -> tuple[int, object]:
        pages = list(conn.offset_pages("/list", limit=1))
        token = conn.start_async_job("/job", {"task": str(i)})
        return len(pages), conn.wait_async_job("/job", token, timeout=20)

    assert _in_threads(30, task) == [(4, {"done": str(i)}) for i in range(30)]


def test_the_place_is_given_back_when_a_request_fails() -> None:
    def handler(request: Request) -> Response:
        if request.path.endswith("/broken"):
            raise OSError("connection reset")
        if request.path.endswith("/gone"):
            return Response(404, json={"reason": "gone"})
        return Response(200, json={"ok": True})

    conn = Connection(REMOTE, "tok", transport=MockTransport(handler), max_concurrent_requests=1)
    for _ in range(3):
        with pytest.raises(Exception, match="connection reset"):
            conn.get("/broken")
        with pytest.raises(HTTPError):
            conn.get("/gone")
    with pytest.raises(ValidationError):
        conn.post("/entity", body={"x": float("nan")})  # refused before it is sent
    assert _in_threads(3, lambda i: conn.get("/fine")) == [{"ok": True}] * 3


def test_an_answer_too_many_concurrent_requests_is_retried() -> None:
    answers = [
        Response(429, json=THROTTLED),
        Response(429, json=THROTTLED),
        Response(201, json={"id": "syn9"}),
    ]
    sent: list[str] = []

    def handler(request: Request) -> Response:
        sent.append(request.method)
        return answers.pop(0)

    retry = RetryPolicy(attempts=4, backoff=0.0, jitter=0.0)
    conn = Connection(REMOTE, "tok", transport=MockTransport(handler, retry=retry))
    assert conn.post("/entity", body={"name": "a"}) == {"id": "syn9"}  # a create, sent again: 429 did nothing
    assert sent == ["POST"] * 3


def test_a_bulk_download_from_a_local_server_under_the_bound(
    server: Any, alice_token: str, tmp_path: Path
) -> None:
    assert sm.connect(alice_token, endpoint=server.endpoint, name="free").max_concurrent_requests is None
    conn = sm.connect(alice_token, endpoint=server.endpoint, name="bounded", max_concurrent_requests=2)
    tree = {f"d{d}/": {f"f{d}_{i}.txt": f"file {d} {i}\n" for i in range(8)} for d in range(3)}
    ids = server.load({"Bounded sync": tree}, token=alice_token)
    results = sm.sync_from(ids["Bounded sync"], tmp_path / "down", connection=conn, progress=False)
    assert sorted(r.status for r in results) == ["downloaded"] * 24
    assert (tmp_path / "down" / "d2" / "f2_7.txt").read_text() == "file 2 7\n"
    assert conn._gate.peak == 2  # reached, never passed, and the 24 files' tasks all finished
