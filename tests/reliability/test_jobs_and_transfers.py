"""Async jobs whose polls fail, a table transaction whose start is lost, an upload the server cannot
complete, a download that stalls: each ends done once, or fails within its deadline."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.transfer.upload import upload_bytes
from synapse_models.transport import MockTransport, Request, Response
from tests.netproxy import FaultProxy
from tests.reliability.conftest import TargetedProxy

START = "POST /repo/v1/entity/{id}/table/transaction/async/start"
POLL = "GET /repo/v1/entity/{id}/table/transaction/async/get/{id}"


def _table(home: sm.Project, conn: sm.Connection) -> sm.Table:
    columns = [sm.Column("n", "INTEGER"), sm.Column("s", "STRING")]
    return sm.Table(name="rows", parent=home.id, columns=columns).store(connection=conn)


def _frame(start: int, count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"n": range(start, start + count), "s": [f"r{i}" for i in range(start, start + count)]}
    )


def _held(table: sm.Table, direct: sm.Connection) -> list[int]:
    got = sm.Table.get(table.id, connection=direct).query(connection=direct)
    return sorted(int(n) for n in got["n"])


def test_an_append_whose_polls_fail_lands_once(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project
) -> None:
    table = _table(home, conn)
    # more failures in a row than the transport's budget (4 retries): the poll loop itself goes on
    proxy.plan(POLL, *["reset_in_response_body", "http_500_after", "truncated_body"] * 2)
    table.append(_frame(0, 50), connection=conn)
    assert len(proxy.applied) == 6
    assert _held(table, direct) == list(range(50))


# Synapse gives the table a new etag whenever a transaction is applied (touchTable in its transaction
# manager), and so does LocalSynapse; the client reads it to tell a lost start that ran from one that did not.
@pytest.mark.parametrize(
    "kind",
    [
        "http_500_after",
        "reset_after_request",
        "reset_before_request",
    ],
)
def test_an_append_whose_start_is_lost_lands_once(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project, kind: str
) -> None:
    table = _table(home, conn)
    proxy.plan(START, kind)
    table.append(_frame(0, 20), connection=conn)
    assert proxy.applied == [f"{START}: {kind}"]
    assert _held(table, direct) == list(range(20))


def _fake_multipart(complaint: str) -> tuple[Any, list[str]]:
    """A file service whose first upload cannot be completed (``complaint``), and its calls."""
    calls: list[str] = []
    uploads: dict[str, int] = {"n": 0}

    def handler(request: Request) -> Response:
        path, params = request.path, request.params
        calls.append(f"{request.method} {path.rsplit('/v1', 1)[-1]} {params.get('forceRestart', '')}".strip())
        if path.endswith("/file/multipart"):
            if params.get("forceRestart") == "true" or not uploads["n"]:
                uploads["n"] += 1
            upload = str(uploads["n"])
            # the first upload claims its part is there already (as after an interrupted run)
            return Response(
                201,
                json={"uploadId": upload, "state": "UPLOADING", "partsState": "1" if upload == "1" else "0"},
            )
        if "/presigned/url/batch" in path:
            upload = path.split("/")[-4]
            return Response(
                200,
                json={
                    "partPresignedUrls": [
                        {
                            "partNumber": 1,
                            "uploadPresignedUrl": f"https://store.test/{upload}/1?X-Amz-Signature=s",
                        }
                    ]
                },
            )
        if path.startswith("/") and "store.test" in request.url:
            return Response(200)
        if "/add/" in path:
            return Response(200, json={"partNumber": 1, "addPartState": "ADD_SUCCESS"})
        if path.endswith("/complete"):
            upload = path.split("/")[-2]
            if upload == "1":
                return Response(400, json={"reason": complaint})
            return Response(200, json={"uploadId": upload, "state": "COMPLETED", "resultFileHandleId": "77"})
        return Response(404, json={"reason": f"no {path}"})

    return handler, calls


@pytest.mark.parametrize(
    "complaint",
    [
        "Part 1 of multipart upload 1 changed after it was added; add it again",
        "Cannot complete multipart upload 1: its bytes are missing",
    ],
)
def test_an_upload_the_server_cannot_complete_is_started_over(complaint: str) -> None:
    handler, calls = _fake_multipart(complaint)
    conn = Connection(
        Endpoints.from_base("https://synapse.test", "test"), "tok", transport=MockTransport(handler)
    )
    handle = upload_bytes(conn, b"hello", "hello.txt")
    assert handle["id"] == "77"
    assert calls[0] == "POST /file/multipart false" and "POST /file/multipart true" in calls
    assert calls[-1] == "PUT /file/multipart/2/complete"


def test_an_upload_that_cannot_be_completed_twice_fails_clearly() -> None:
    handler, _ = _fake_multipart("its bytes are missing")

    def always_refused(request: Request) -> Response:
        if request.path.endswith("/complete"):
            return Response(400, json={"reason": "its bytes are missing"})
        return handler(request)

    conn = Connection(
        Endpoints.from_base("https://synapse.test", "test"), "tok", transport=MockTransport(always_refused)
    )
    with pytest.raises(sm.TransferError, match="could not be completed even after starting it over"):
        upload_bytes(conn, b"hello", "hello.txt")


def test_a_stalled_download_gives_up_within_its_deadline(
    server: Any,
    alice_token: str,
    direct: sm.Connection,
    home: sm.Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "stall.bin"
    source.write_bytes(os.urandom(300_000))
    stored = sm.File(source, parent=home.id).store(connection=direct)
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "fresh-cache"))
    with FaultProxy(server, 1.0, faults={"stall": 1}, stall_seconds=30) as proxy:
        proxy.exempt = ("/repo/", "/file/v1/fileHandle", "/file/v1/entity")  # only the download stalls
        retry = sm.RetryPolicy(attempts=6, backoff=0.1, jitter=0, total_seconds=3)
        conn = sm.Connection(direct.endpoints, alice_token, retry=retry, timeout=(2, 1), name="stalling")
        conn.endpoints = type(direct.endpoints).from_base(proxy.endpoint, "local")
        started = time.monotonic()
        with pytest.raises(sm.TransferError):
            sm.File.get(stored.id, download_location=tmp_path / "out", connection=conn)
        elapsed = time.monotonic() - started
    assert elapsed < 3 + 1 + 2  # the deadline, one read timeout, slack
    assert not (tmp_path / "out" / "stall.bin").exists()


def test_uploads_and_downloads_survive_every_fault_kind(
    server: Any,
    alice_token: str,
    direct: sm.Connection,
    home: sm.Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A few multipart files through 30% faults of every kind: each stored once, each download exact."""
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    files = []
    for n in range(3):
        path = tmp_path / f"part{n}.bin"
        path.write_bytes(os.urandom(6 * 1024 * 1024 + n))
        files.append(path)
    with FaultProxy(server, 0.3, seed=7, stall_seconds=1.0, retry_after=0.1) as proxy:
        retry = sm.RetryPolicy(attempts=8, backoff=0.05, jitter=0.05, total_seconds=30)
        conn = sm.connect(alice_token, endpoint=proxy.endpoint, name="faulty", retry=retry)
        stored = [sm.File(p, parent=home.id).store(connection=conn) for p in files]
        monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache-2"))
        got = [sm.File.get(f.id, download_location=tmp_path / "down", connection=conn) for f in stored]
        assert proxy.stats()["faulted"] > 5
    assert sorted(h.name for h in home.children(connection=direct)) == sorted(p.name for p in files)
    for path, fetched in zip(files, got, strict=True):
        assert (
            hashlib.md5(Path(str(fetched.path)).read_bytes()).hexdigest()
            == hashlib.md5(path.read_bytes()).hexdigest()
        )
        assert sm.File.get(fetched.id, download=False, connection=direct).version_number == 1


@pytest.mark.parametrize("kind", ["truncated_body", "reset_in_response_body"])
def test_a_read_whose_body_is_cut_is_retried(proxy: TargetedProxy, alice_token: str, kind: str) -> None:
    proxy.plan("GET /repo/v1/userProfile", kind, kind)
    conn = sm.connect(alice_token, endpoint=proxy.endpoint, name="cut", retry=sm.RetryPolicy(backoff=0.05))
    assert conn.user_name == "alice"
    assert proxy.applied == [f"GET /repo/v1/userProfile: {kind}"] * 2
    assert proxy.stats()["routes"]["GET /repo/v1/userProfile"]["requests"] == 3


QUERY_START = "POST /repo/v1/entity/{id}/table/query/async/start"
QUERY_POLL = "GET /repo/v1/entity/{id}/table/query/async/get/{id}"


def test_a_query_whose_polls_fail_is_polled_again_not_started_again(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project
) -> None:
    """Every async job, not only appends: a query's token is its key, its failed polls are polled again."""
    table = _table(home, conn)
    table.append(_frame(0, 30), connection=direct)
    starts = proxy.stats()["routes"].get(QUERY_START, {}).get("requests", 0)
    proxy.plan(QUERY_POLL, *["reset_in_response_body", "http_500_after", "truncated_body"] * 2)
    got = sm.Table.get(table.id, connection=conn).query(connection=conn)
    assert len(proxy.applied) == 6
    assert sorted(int(n) for n in got["n"]) == list(range(30))
    assert proxy.stats()["routes"][QUERY_START]["requests"] == starts + 1


MULTIPART = "POST /file/v1/file/multipart"
COMPLETE = "PUT /file/v1/file/multipart/{id}/complete"


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (MULTIPART, "reset_after_request"),
        (MULTIPART, "http_500_after"),
        (COMPLETE, "reset_after_request"),
        (COMPLETE, "http_500_after"),
    ],
)
def test_an_upload_whose_start_or_complete_answer_is_lost_makes_one_file(
    proxy: TargetedProxy,
    conn: sm.Connection,
    direct: sm.Connection,
    home: sm.Project,
    tmp_path: Path,
    route: str,
    kind: str,
) -> None:
    source = tmp_path / "lost.bin"
    source.write_bytes(os.urandom(300_000))
    proxy.plan(route, kind)
    stored = sm.File(source, parent=home.id).store(connection=conn)
    assert proxy.applied == [f"{route}: {kind}"]
    assert [h.name for h in home.children(connection=direct)] == ["lost.bin"]
    held = sm.File.get(stored.id, download_location=tmp_path / "back", connection=direct)
    assert held.version_number == 1
    assert Path(str(held.path)).read_bytes() == source.read_bytes()


def test_a_part_whose_puts_keep_failing_gives_up_within_its_deadline(
    server: Any, alice_token: str, direct: sm.Connection, home: sm.Project, tmp_path: Path
) -> None:
    """A part's PUTs share one deadline: six retries of a 2 s stall would take 12 s, the deadline is 3 s."""
    source = tmp_path / "parts.bin"
    source.write_bytes(os.urandom(300_000))
    with FaultProxy(server, 1.0, faults={"stall": 1}, stall_seconds=30) as proxy:
        proxy.exempt = ("/repo/", "/file/v1/file/", "/file/v1/entity")  # only the part PUTs stall
        retry = sm.RetryPolicy(attempts=6, backoff=0.1, jitter=0, total_seconds=3)
        conn = sm.Connection(direct.endpoints, alice_token, retry=retry, timeout=(2, 1), name="stalling-up")
        conn.endpoints = type(direct.endpoints).from_base(proxy.endpoint, "local")
        started = time.monotonic()
        with pytest.raises(sm.TransferError, match="part 1 of upload"):
            sm.File(source, parent=home.id).store(connection=conn)
        elapsed = time.monotonic() - started
        assert proxy.stats()["faulted"] >= 2  # it was retried, within the deadline
    assert elapsed < 3 + 1 + 2  # the deadline, one read timeout, slack
    assert [h.name for h in home.children(connection=direct)] == []
