"""The default transport over urllib3: what it sends and how it reads answers, against a real socket."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator, Sequence
from typing import ClassVar

import pytest

from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.errors import TransportError
from synapse_models.pooled import PooledTransport
from synapse_models.transport import Request, RetryPolicy

FAST = RetryPolicy(attempts=2, backoff=0.0, jitter=0.0)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, dict[str, str]]]] = []
    cut_first = False

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        type(self).seen.append(("GET", self.path, dict(self.headers)))
        if self.path.endswith("/gzipped"):
            self._answer(200, gzip.compress(b'{"a": 1}'), [("Content-Encoding", "gzip"), ("X-Two", "1")])
        elif self.path.endswith("/twice"):
            self._answer(200, b"{}", [("X-Two", "1"), ("X-Two", "2")])
        elif self.path.endswith("/moved"):
            self._answer(302, b"", [("Location", "/repo/v1/gzipped")])
        elif self.path.endswith("/cut") and type(self).cut_first:
            type(self).cut_first = False
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"partial')
            self.close_connection = True
        else:
            self._answer(200, b'{"path": "' + self.path.encode() + b'"}')

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        type(self).seen.append(("PUT", self.path, dict(self.headers)))
        self._answer(200, b'{"got": ' + str(len(body)).encode() + b"}")


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_connection_uses_it_by_default_and_sends_the_token(server: str) -> None:
    conn = Connection(Endpoints.from_base(server, "test"), "tok-9")
    try:
        assert isinstance(conn.transport, PooledTransport)
        assert conn.get("/plain") == {"path": "/repo/v1/plain"}
    finally:
        conn.close()
    _, _, headers = _Handler.seen[-1]
    assert headers["Authorization"] == "Bearer tok-9"
    assert "gzip" in headers["Accept-Encoding"]


def test_gzip_is_decoded_and_a_repeated_header_reads_as_one(server: str) -> None:
    transport = PooledTransport(retry=FAST)
    try:
        zipped = transport.send(Request("GET", f"{server}/repo/v1/gzipped"))
        assert zipped.json() == {"a": 1}
        twice = transport.send(Request("GET", f"{server}/repo/v1/twice"))
        assert twice.headers["x-two"] == "1, 2"
    finally:
        transport.close()


def test_redirects_are_followed_only_when_asked(server: str) -> None:
    transport = PooledTransport(retry=FAST)
    try:
        kept = transport.send(Request("GET", f"{server}/repo/v1/moved"))
        assert kept.status_code == 302
        followed = transport.send(Request("GET", f"{server}/repo/v1/moved", follow_redirects=True))
        assert followed.status_code == 200 and followed.json() == {"a": 1}
        assert followed.url == f"{server}/repo/v1/gzipped"
    finally:
        transport.close()


def test_a_body_cut_short_is_retried_and_a_streamed_body_reads_whole(server: str) -> None:
    _Handler.cut_first = True
    transport = PooledTransport(retry=FAST)
    try:
        assert transport.send(Request("GET", f"{server}/repo/v1/cut")).json() == {"path": "/repo/v1/cut"}
        streamed = transport.send(Request("GET", f"{server}/repo/v1/cut", stream=True))
        assert b"".join(streamed.iter_content(4)) == b'{"path": "/repo/v1/cut"}'
        streamed.close()
        put = transport.send(Request("PUT", f"{server}/part", content=b"x" * 5000))
        assert put.json() == {"got": 5000}
    finally:
        transport.close()
    assert [m for m, _, _ in _Handler.seen].count("GET") == 3


def test_the_proxy_named_by_the_environment_is_used_unless_no_proxy_says_not(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server)  # the test server answers as a proxy would
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    transport = PooledTransport(retry=FAST)
    try:
        transport.send(Request("GET", "http://synapse.example/repo/v1/x"))
        assert _Handler.seen[-1][1] == "http://synapse.example/repo/v1/x"  # the absolute form: proxied
    finally:
        transport.close()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    transport = PooledTransport(retry=FAST)
    try:
        transport.send(Request("GET", f"{server}/repo/v1/y"))
        assert _Handler.seen[-1][1] == "/repo/v1/y"
    finally:
        transport.close()


def test_a_refused_connection_is_never_sent() -> None:
    transport = PooledTransport(retry=RetryPolicy(attempts=0))
    with pytest.raises(TransportError) as err:
        transport.send(Request("POST", "http://127.0.0.1:9/repo/v1/entity", content=b"{}"))
    assert err.value.sent is False and err.value.refused is True
