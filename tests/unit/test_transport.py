"""The transport seam: what a Connection sends, what it retries, and what its errors say."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.errors import (
    AuthenticationError,
    NotFoundError,
    ServerError,
    TransferError,
    TransportError,
)
from synapse_models.transfer.download import fetch_bytes
from synapse_models.transport import MockTransport, Request, RequestsTransport, Response, RetryPolicy

ENDPOINTS = Endpoints.from_base("https://synapse.test", "test")
PRESIGNED = "https://bucket.store.test/data.bin?X-Amz-Signature=s3cr3t-signature"
FAST = RetryPolicy(attempts=3, backoff=0.0, jitter=0.0)

Handler = Callable[[Request], Response]


def _connection(handler: Handler, retry: RetryPolicy | None = None, token: str = "tok-1") -> Connection:
    return Connection(
        ENDPOINTS, token, token_source="the test", transport=MockTransport(handler, retry=retry)
    )


def _script(*answers: Response | BaseException) -> tuple[Handler, list[Request]]:
    """A handler giving ``answers`` in turn (the last one again once they run out), and what it received."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return handler, seen


def test_the_token_goes_to_the_connections_services_and_nowhere_else() -> None:
    handler, seen = _script(Response(200, json={}))
    conn = _connection(handler)
    conn.get("/entity/syn1")
    conn.get("/fileHandle/7", service="file")
    conn.raw("GET", PRESIGNED)
    conn.raw("GET", conn.url("/presigned/download/1", "file"), authorize=False)
    auth = [r.headers.get("Authorization") for r in seen]
    assert auth == ["Bearer tok-1", "Bearer tok-1", None, None]
    assert seen[0].url == "https://synapse.test/repo/v1/entity/syn1"


def test_params_and_json_bodies_are_encoded_as_the_rest_api_expects() -> None:
    handler, seen = _script(Response(200, json={"ok": True}))
    conn = _connection(handler)
    assert conn.post("/entity/children", {"parentId": "syn1"}, params={"a": True, "b": None, "c": 2}) == {
        "ok": True
    }
    assert seen[0].params == {"a": "true", "c": "2"}
    assert seen[0].json() == {"parentId": "syn1"}
    assert seen[0].headers["content-type"].startswith("application/json")


def test_an_http_error_carries_the_method_and_full_url_without_the_query() -> None:
    handler, _ = _script(Response(404, json={"reason": "The resource could not be found"}))
    conn = _connection(handler)
    with pytest.raises(NotFoundError) as err:
        conn.get("/entity/syn9", params={"versionNumber": 2})
    assert (err.value.method, err.value.url) == ("GET", "https://synapse.test/repo/v1/entity/syn9")
    assert str(err.value) == (
        "404 Not Found: GET https://synapse.test/repo/v1/entity/syn9 — The resource could not be found"
    )
    with pytest.raises(NotFoundError) as presigned:
        conn.raise_for_status(conn.raw("GET", PRESIGNED, authorize=False))
    assert presigned.value.url == "https://bucket.store.test/data.bin"
    assert "s3cr3t" not in str(presigned.value) and "tok-1" not in str(presigned.value)


def test_a_rejected_token_says_where_it_came_from_but_not_what_it_is() -> None:
    handler, _ = _script(Response(401, json={"reason": "Invalid access token"}))
    with pytest.raises(AuthenticationError) as err:
        _connection(handler, token="very-secret").get("/userProfile")
    assert "Invalid access token (token from the test)" in str(err.value)
    assert "very-secret" not in str(err.value) and "very-secret" not in repr(err.value)


def test_refusals_and_server_errors_are_retried_then_answered() -> None:
    handler, seen = _script(Response(503), Response(502), Response(200, json={"id": "syn1"}))
    assert _connection(handler, FAST).get("/entity/syn1") == {"id": "syn1"}
    assert len(seen) == 3
    handler, seen = _script(Response(500, json={"reason": "boom"}))
    with pytest.raises(ServerError, match="boom"):
        _connection(handler, FAST).get("/entity/syn1")
    assert len(seen) == 4  # the first try and three retries


def test_a_create_is_resent_only_when_the_server_did_nothing() -> None:
    handler, seen = _script(Response(500, json={"reason": "after the work?"}))
    with pytest.raises(ServerError):
        _connection(handler, FAST).post("/entity", {"name": "x"})
    assert len(seen) == 1
    handler, seen = _script(ConnectionResetError("reset after sending"))
    with pytest.raises(TransportError) as err:
        _connection(handler, FAST).post("/entity", {"name": "x"})
    assert len(seen) == 1 and err.value.sent
    handler, seen = _script(
        Response(503), ConnectionRefusedError("refused"), Response(201, json={"id": "syn2"})
    )
    assert _connection(handler, FAST).post("/entity", {"name": "x"}) == {"id": "syn2"}
    assert len(seen) == 3
    handler, seen = _script(ConnectionResetError("reset"), Response(200, json={"page": []}))
    assert _connection(handler, FAST).post("/entity/children", {"parentId": "syn1"}) == {"page": []}
    assert len(seen) == 2  # a POST that only reads is retried like a GET


def test_a_body_cut_while_it_is_read_is_retried_for_a_read() -> None:
    def cut() -> Iterator[bytes]:
        yield b'{"ownerId": '
        raise ConnectionResetError("reset while reading the body")

    handler, seen = _script(Response(200, stream=cut()), Response(200, json={"ownerId": "1"}))
    assert _connection(handler, FAST).get("/userProfile") == {"ownerId": "1"}
    assert len(seen) == 2


def test_a_long_retry_after_is_not_waited_for_past_the_deadline() -> None:
    handler, seen = _script(Response(503, headers={"Retry-After": "30"}), Response(200, json={}))
    conn = _connection(handler, RetryPolicy(attempts=5, total_seconds=2.0))
    started = time.monotonic()
    with pytest.raises(ServerError):
        conn.get("/entity/syn1")
    assert time.monotonic() - started < 1.0 and len(seen) == 1
    handler, seen = _script(Response(429, headers={"Retry-After": "0"}), Response(200, json={"ok": 1}))
    assert _connection(handler, RetryPolicy(attempts=5, total_seconds=2.0)).get("/x") == {"ok": 1}
    assert len(seen) == 2


def test_giving_up_names_the_request_and_the_retries_but_not_the_signature() -> None:
    handler, seen = _script(ConnectionResetError("reset"))
    with pytest.raises(TransportError) as err:
        _connection(handler, FAST).raw("GET", PRESIGNED, authorize=False)
    assert len(seen) == 4
    assert "GET https://bucket.store.test/data.bin" in str(err.value) and "after 3 retries" in str(err.value)
    assert "s3cr3t" not in str(err.value) and "?" not in err.value.url


def _ranged(data: bytes, cuts: list[int], honour_range: bool = True) -> tuple[Handler, list[str | None]]:
    """Serve ``data``; the n-th answer is cut after ``cuts[n]`` bytes of its body (while cuts remain)."""
    ranges: list[str | None] = []

    def handler(request: Request) -> Response:
        asked = request.headers.get("Range")
        ranges.append(asked)
        start = int(asked[6:].split("-")[0]) if asked and honour_range else 0
        body = data[start:]
        headers = {"Content-Length": str(len(body))}
        if start:
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        cut = cuts[len(ranges) - 1] if len(ranges) <= len(cuts) else None

        def chunks() -> Iterator[bytes]:
            yield body[:cut] if cut is not None else body
            if cut is not None:
                raise ConnectionResetError("cut")

        return Response(206 if start else 200, headers=headers, stream=chunks())

    return handler, ranges


def test_a_cut_download_resumes_from_the_last_byte_received() -> None:
    data = bytes(range(256)) * 40
    handler, ranges = _ranged(data, cuts=[1000, 3000])
    conn = _connection(handler, FAST)
    response = conn.raw("GET", PRESIGNED, stream=True, authorize=False, byte_range=(0, None))
    assert b"".join(response.iter_content(512)) == data
    assert ranges == [None, "bytes=1000-", "bytes=4000-"]


def test_a_server_that_ignores_range_still_gives_each_byte_once() -> None:
    data = bytes(range(256)) * 40
    handler, ranges = _ranged(data, cuts=[1000], honour_range=False)
    response = _connection(handler, FAST).raw("GET", PRESIGNED, stream=True, byte_range=(100, 5999))
    assert b"".join(response.iter_content()) == data[100:6000]
    assert ranges == ["bytes=100-5999", "bytes=1000-5999"]  # 900 of the first 1000 bytes were wanted


def test_a_download_that_keeps_breaking_gives_up_within_its_budget() -> None:
    data = b"x" * 10_000
    handler, ranges = _ranged(data, cuts=[0] * 100)
    conn = _connection(handler, FAST)
    with pytest.raises(TransferError, match="kept failing"):
        fetch_bytes_from(conn, data)
    assert len(ranges) == 4


def fetch_bytes_from(conn: Connection, data: bytes) -> bytes:
    """``fetch_bytes`` with its batch request answered by the test."""
    inner = conn.transport

    def handler(request: Request) -> Response:
        if request.path.endswith("/fileHandle/batch"):
            return Response(
                200,
                json={
                    "requestedFiles": [
                        {
                            "fileHandleId": "7",
                            "preSignedURL": PRESIGNED,
                            "fileHandle": {"id": "7", "contentSize": len(data)},
                        }
                    ]
                },
            )
        return inner.send(request)

    conn.transport = MockTransport(handler)
    return fetch_bytes(
        conn, file_handle_id="7", associate_object_id="syn1", associate_object_type="FileEntity"
    )


def test_a_refused_file_handle_is_a_forbidden_error_with_the_real_request() -> None:
    handler, _ = _script(
        Response(200, json={"requestedFiles": [{"fileHandleId": "7", "failureCode": "UNAUTHORIZED"}]})
    )
    with pytest.raises(sm.ForbiddenError) as err:
        fetch_bytes(
            _connection(handler),
            file_handle_id="7",
            associate_object_id="syn1",
            associate_object_type="FileEntity",
        )
    assert (err.value.method, err.value.url) == ("POST", "https://synapse.test/file/v1/fileHandle/batch")


class _CuttingHandler(http.server.BaseHTTPRequestHandler):
    """Answers GET with a JSON body; the first answer promises more bytes than it sends and hangs up."""

    answered = 0

    def do_GET(self) -> None:
        body = b'{"ownerId": "1", "userName": "alice"}'
        type(self).answered += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:10] if type(self).answered == 1 else body)
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cutting_server() -> Iterator[str]:
    _CuttingHandler.answered = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CuttingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_requests_transport_retries_a_body_cut_short(cutting_server: str) -> None:
    transport = RequestsTransport(retry=FAST)
    conn = Connection(Endpoints.from_base(cutting_server, "test"), "t", transport=transport)
    try:
        assert conn.get("/userProfile") == {"ownerId": "1", "userName": "alice"}
    finally:
        conn.close()
    assert _CuttingHandler.answered == 2


def test_requests_transport_reports_a_refused_connection_as_never_sent() -> None:
    conn = Connection(
        Endpoints.from_base("http://127.0.0.1:9", "test"),
        "t",
        retry=RetryPolicy(attempts=1, backoff=0.0, jitter=0.0),
    )
    with pytest.raises(TransportError) as err:
        conn.post("/entity", {"name": "x"})
    conn.close()
    assert err.value.sent is False and "after 1 retry" in str(err.value)
    assert err.value.url == "http://127.0.0.1:9/repo/v1/entity"
