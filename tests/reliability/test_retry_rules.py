"""The retry rules as a user meets them: a stopped server, cut bodies, Retry-After within the deadline, the
log of each retry. The decisions are urllib3's ``Retry``; these tests hold the behaviour, not the code."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.errors import ServerError, TransportError
from synapse_models.retry import RetryPolicy, RetryState
from synapse_models.transport import MockTransport, Request, Response

ENDPOINTS = Endpoints.from_base("https://synapse.test", "test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_stopped_server_fails_within_two_seconds_with_the_whole_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="synapse_models"), pytest.raises(TransportError) as err:
        sm.connect("a-token", endpoint=endpoint)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5
    message = str(err.value)
    assert message.startswith(f"cannot reach {endpoint}/repo/v1/userProfile: connection refused")
    assert "(is the server running? is the endpoint right?)" in message
    assert err.value.refused and not err.value.sent
    levels = [r.levelno for r in caplog.records if r.name == "synapse_models"]
    assert levels.count(logging.INFO) == 2 and levels[-1] == logging.WARNING  # each retry, then giving up


def test_a_host_name_that_does_not_resolve_is_not_retried_for_long() -> None:
    started = time.monotonic()
    with pytest.raises(TransportError) as err:
        sm.connect("a-token", endpoint="http://no-such-host.invalid")
    assert time.monotonic() - started < 5
    assert (
        "cannot reach http://no-such-host.invalid/repo/v1/userProfile: its host name does not resolve"
        in str(err.value)
    )


def _cut(data: bytes) -> Iterator[bytes]:
    yield data[: len(data) // 2]
    raise ConnectionResetError(104, "Connection reset by peer")


def test_a_get_whose_body_is_cut_is_retried_and_a_create_is_not() -> None:
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.method)
        if len(seen) % 2:
            return Response(200, stream=_cut(b'{"ownerId": "1", "userName": "alice"}'))
        return Response(200, json={"ownerId": "1", "userName": "alice"})

    retry = RetryPolicy(attempts=3, backoff=0, jitter=0)
    conn = Connection(ENDPOINTS, "tok", transport=MockTransport(handler, retry=retry))
    assert conn.get("/userProfile")["userName"] == "alice"
    assert seen == ["GET", "GET"]
    seen.clear()
    with pytest.raises(TransportError) as err:
        conn.post("/entity", {"name": "x"})
    assert seen == ["POST"]  # the server may have created it: not sent again by the transport
    assert err.value.sent


def test_waits_grow_by_the_backoff_and_are_capped() -> None:
    state = RetryState(RetryPolicy(attempts=6, backoff=1.0, jitter=0.0, backoff_max=3.0, total_seconds=100))
    waits = [state.next_wait(status=500) for _ in range(7)]
    assert waits == [0.0, 2.0, 3.0, 3.0, 3.0, 3.0, None]  # none first, doubling, capped; then exhausted


def test_progress_starts_the_failures_in_a_row_again_but_keeps_the_count() -> None:
    state = RetryState(RetryPolicy(attempts=3, backoff=1.0, jitter=0.0, total_seconds=100))
    assert [state.next_wait(sent=True), state.next_wait(sent=True)] == [0.0, 2.0]
    state.progressed()
    assert state.next_wait(sent=True) == 0.0  # at once after progress
    assert state.next_wait(sent=True) is None  # but the three retries are spent


def test_retry_after_replaces_the_backoff_and_is_clipped_by_the_deadline() -> None:
    state = RetryState(RetryPolicy(attempts=5, backoff=0.0, jitter=0.0, total_seconds=100))
    assert state.next_wait(status=503, retry_after="7") == 7.0
    assert state.next_wait(status=429, retry_after="not a number") == 0.0  # unreadable: ignored
    short = RetryState(RetryPolicy(attempts=5, total_seconds=5))
    assert short.next_wait(status=503, retry_after="30") is None  # would end after the deadline

    answers = iter([Response(503, headers={"Retry-After": "30"}), Response(200, json={})])
    conn = Connection(
        ENDPOINTS,
        "tok",
        transport=MockTransport(lambda r: next(answers), retry=RetryPolicy(attempts=3, total_seconds=5)),
    )
    started = time.monotonic()
    with pytest.raises(ServerError) as err:
        conn.get("/entity/syn1")
    assert err.value.status == 503 and time.monotonic() - started < 1


def test_a_create_is_resent_when_the_server_said_it_did_nothing() -> None:
    answers = iter(
        [Response(503), Response(429, headers={"Retry-After": "0"}), Response(201, json={"id": "syn9"})]
    )
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return next(answers)

    retry = RetryPolicy(attempts=3, backoff=0, jitter=0)
    conn = Connection(ENDPOINTS, "tok", transport=MockTransport(handler, retry=retry))
    assert conn.post("/entity", {"name": "x"}) == {"id": "syn9"}
    assert len(seen) == 3


def test_a_500_to_a_create_is_not_resent() -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(500, json={"reason": "boom"})

    conn = Connection(
        ENDPOINTS, "tok", transport=MockTransport(handler, retry=RetryPolicy(attempts=3, backoff=0))
    )
    with pytest.raises(ServerError):
        conn.post("/entity", {"name": "x"})
    assert len(seen) == 1
    seen.clear()
    with pytest.raises(ServerError):
        conn.get("/entity/syn1")
    assert len(seen) == 4
