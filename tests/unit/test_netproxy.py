"""The test proxy itself (``tests/netproxy``): latency, keep-alive, streaming, each fault kind as a plain HTTP
client sees it, and its counters. The server behind it is a small ``http.server`` whose answers we control."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import http.server
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.netproxy import FAULT_KINDS, FaultProxy, LatencyProxy, NetProxy, ProxyProcess, route_of

MIB = 1024 * 1024


_CYCLE = bytes(range(251))


def _pattern(n: int, start: int = 0) -> bytes:
    """Bytes ``start`` to ``start + n`` of an endless 0..250 cycle."""
    offset = start % len(_CYCLE)
    return (_CYCLE * (2 + n // len(_CYCLE)))[offset : offset + n]


class _Upstream(http.server.ThreadingHTTPServer):
    """Answers ``GET /bytes/N`` (N bytes, Content-Length), ``GET /chunked/N`` (chunked), ``GET /host`` (the
    Host it got) and ``POST|PUT /sink`` (streams the body, answers its size and md5); remembers what it
    saw."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, bool]] = []  # method, path, body bytes read, body complete
        self.peers: set[tuple[str, int]] = set()
        super().__init__(("127.0.0.1", 0), _UpstreamHandler)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _UpstreamHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Upstream

    def setup(self) -> None:
        super().setup()
        # as the real server does: headers and body go out in two writes, which Nagle would hold up
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_pattern(self, size: int, chunked: bool) -> None:
        """``size`` pattern bytes, made and written a piece at a time (so the server holds none of it)."""
        self.send_response(200)
        self.send_header(*(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(size))))
        self.end_headers()
        for start in range(0, size, 7000 if chunked else MIB):
            piece = _pattern(min(size - start, 7000 if chunked else MIB), start)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def do_GET(self) -> None:
        self.server.peers.add(self.client_address)
        self.server.seen.append(("GET", self.path, 0, True))
        kind, _, arg = self.path.strip("/").partition("/")
        if kind == "host":
            self._send(self.headers["Host"].encode())
        else:
            self._send_pattern(int(arg), chunked=kind == "chunked")

    def do_POST(self) -> None:
        self.server.peers.add(self.client_address)
        digest, size, complete = hashlib.md5(), 0, False
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", ""):
                while (n := int(self.rfile.readline().split(b";")[0], 16)) > 0:
                    piece = self.rfile.read(n)
                    digest.update(piece)
                    size += len(piece)
                    self.rfile.readline()
                self.rfile.readline()
                complete = True
            else:
                length = int(self.headers["Content-Length"])
                while size < length:
                    piece = self.rfile.read1(min(MIB, length - size))  # what arrived, even if cut
                    if not piece:
                        break
                    digest.update(piece)
                    size += len(piece)
                complete = size == length
        except (OSError, ValueError):
            pass
        self.server.seen.append((self.command, self.path, size, complete))
        if complete:
            self._send(json.dumps({"size": size, "md5": digest.hexdigest()}).encode())
        else:
            self.close_connection = True

    do_PUT = do_POST


@pytest.fixture
def upstream() -> Iterator[_Upstream]:
    server = _Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _only(kind: str, upstream: _Upstream, **options: Any) -> NetProxy:
    return FaultProxy(upstream, 1.0, faults={kind: 1}, **options)


@contextlib.contextmanager
def _get(endpoint: str, path: str) -> Iterator[http.client.HTTPResponse]:
    """A GET with plain ``http.client`` (no retries, every error as it comes)."""
    conn = http.client.HTTPConnection(endpoint.removeprefix("http://"), timeout=10)
    try:
        conn.request("GET", path)
        yield conn.getresponse()
    finally:
        conn.close()


# -- latency, keep-alive, Host, streaming ------------------------------------------------------------------


def test_latency_each_way_and_one_round_trip_per_new_connection(upstream: _Upstream) -> None:
    delay = 0.05
    with LatencyProxy(upstream, delay=delay) as proxy, requests.Session() as session:
        started = time.perf_counter()
        assert session.get(f"{proxy.endpoint}/bytes/10", timeout=10).content == _pattern(10)
        first = time.perf_counter() - started
        started = time.perf_counter()
        session.get(f"{proxy.endpoint}/bytes/10", timeout=10)
        second = time.perf_counter() - started
        stats = proxy.stats()
    assert first >= 4 * delay  # handshake round trip + request + response
    assert second >= 2 * delay  # request + response on the kept-alive connection
    assert stats["connections"] == 1 and stats["requests"] == 2


def test_keep_alive_on_both_sides_and_host_forwarded_unchanged(upstream: _Upstream) -> None:
    with LatencyProxy(upstream, delay=0) as proxy, requests.Session() as session:
        hosts = {session.get(f"{proxy.endpoint}/host", timeout=10).text for _ in range(5)}
        assert session.get(f"{proxy.endpoint}/chunked/20000", timeout=10).content == _pattern(20000)
        stats = proxy.stats()
        address = proxy.endpoint.removeprefix("http://")
    assert hosts == {address}  # so the server's URLs point at the proxy
    assert stats["connections"] == 1 and len(upstream.peers) == 1
    assert stats["routes"]["GET /host"]["requests"] == 5 and stats["errors"] == {}


class _Reader:
    """A file-like body of ``size`` pattern bytes made on the fly (so the test holds none of it)."""

    def __init__(self, size: int) -> None:
        self.size, self.sent, self.md5 = size, 0, hashlib.md5()

    def __len__(self) -> int:
        return self.size

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.sent if n < 0 else min(n, self.size - self.sent)
        piece = bytes([self.sent // MIB % 256]) * n
        self.sent += n
        self.md5.update(piece)
        return piece


def test_bodies_stream_through_without_being_held(upstream: _Upstream) -> None:
    size = 64 * MIB
    with LatencyProxy(upstream, delay=0) as proxy, requests.Session() as session:
        tracemalloc.start()
        try:
            body = _Reader(size)
            up = session.put(f"{proxy.endpoint}/sink", data=body, timeout=60).json()
            chunked = session.post(f"{proxy.endpoint}/sink", data=iter([b"a" * MIB] * 8), timeout=60).json()
            with session.get(f"{proxy.endpoint}/bytes/{16 * MIB}", stream=True, timeout=60) as down:
                received = sum(len(piece) for piece in down.iter_content(MIB))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        stats = proxy.stats()
    assert up == {"size": size, "md5": body.md5.hexdigest()}
    assert chunked == {"size": 8 * MIB, "md5": hashlib.md5(b"a" * 8 * MIB).hexdigest()}
    assert received == 16 * MIB
    assert peak < 12 * MIB  # client, proxy and server together: a few 1 MiB pieces, never a whole body
    assert stats["bytes_up"] == size + 8 * MIB and stats["bytes_down"] >= 16 * MIB


# -- each fault kind, as a plain client sees it -------------------------------------------------------------


@pytest.mark.parametrize("kind, status", [("http_503", 503), ("http_429", 429)])
def test_busy_answers_carry_retry_after_and_are_not_forwarded(
    upstream: _Upstream, kind: str, status: int
) -> None:
    with _only(kind, upstream, retry_after=3) as proxy:
        response = requests.post(f"{proxy.endpoint}/sink", data=b"x" * 1000, timeout=10)
        assert proxy.stats()["faults"] == {kind: 1}
    assert response.status_code == status and response.headers["Retry-After"] == "3"
    assert upstream.seen == []


def test_500_comes_after_the_server_did_the_work(upstream: _Upstream) -> None:
    with _only("http_500_after", upstream) as proxy, requests.Session() as session:
        response = session.post(f"{proxy.endpoint}/sink", data=b"x" * 1000, timeout=10)
        proxy.configure(fault_rate=0)
        assert session.get(f"{proxy.endpoint}/bytes/5", timeout=10).content == _pattern(5)  # still alive
        assert proxy.stats()["connections"] == 1
    assert response.status_code == 500
    assert upstream.seen[0] == ("POST", "/sink", 1000, True)


def test_reset_before_the_request_reaches_the_server(upstream: _Upstream) -> None:
    with _only("reset_before_request", upstream) as proxy, pytest.raises(requests.ConnectionError):
        requests.post(f"{proxy.endpoint}/sink", data=b"x" * 1000, timeout=10)
    assert upstream.seen == []


def test_reset_inside_the_request_body(upstream: _Upstream) -> None:
    size = 4 * MIB
    with _only("reset_in_request_body", upstream) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.put(f"{proxy.endpoint}/sink", data=_Reader(size), timeout=10)
        # a request without a body cannot get this fault: it goes through
        assert requests.get(f"{proxy.endpoint}/bytes/3", timeout=10).content == _pattern(3)
        stats = proxy.stats()
    deadline = time.monotonic() + 5
    while len(upstream.seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ("PUT", "/sink", size // 2, False) in upstream.seen  # the server got half, then the reset
    assert stats["faults"] == {"reset_in_request_body": 1} and stats["requests"] == 2


def test_reset_after_the_server_answered(upstream: _Upstream) -> None:
    with _only("reset_after_request", upstream) as proxy, pytest.raises(requests.ConnectionError):
        requests.post(f"{proxy.endpoint}/sink", data=b"x" * 1000, timeout=10)
    assert upstream.seen == [("POST", "/sink", 1000, True)]


def test_reset_inside_the_response_body(upstream: _Upstream) -> None:
    with _only("reset_in_response_body", upstream) as proxy:
        received = b""
        with _get(proxy.endpoint, "/bytes/100000") as response, pytest.raises(ConnectionResetError):
            assert response.status == 200 and response.length == 100000
            while piece := response.read(1000):
                received += piece
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{proxy.endpoint}/chunked/50000", timeout=10)
    assert received == _pattern(50000)


def test_truncated_under_a_true_content_length(upstream: _Upstream) -> None:
    with _only("truncated_body", upstream) as proxy:
        with (
            _get(proxy.endpoint, "/bytes/100000") as response,
            pytest.raises(http.client.IncompleteRead) as cut,
        ):
            assert response.status == 200 and response.getheader("Content-Length") == "100000"
            response.read()
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{proxy.endpoint}/bytes/100000", timeout=10)
    assert cut.value.partial == _pattern(50000) and cut.value.expected == 50000


def test_a_stall_delays_but_keeps_the_body_intact(upstream: _Upstream) -> None:
    with _only("stall", upstream, stall_seconds=0.4) as proxy:
        started = time.perf_counter()
        body = requests.get(f"{proxy.endpoint}/bytes/100000", timeout=10).content
        seconds = time.perf_counter() - started
        with pytest.raises(requests.ConnectionError):  # a client's read timeout fires inside the body
            requests.get(f"{proxy.endpoint}/bytes/100000", timeout=(5, 0.1)).content  # noqa: B018
        stats = proxy.stats()
    assert body == _pattern(100000) and seconds >= 0.4
    assert stats["faults"] == {"stall": 2}


# -- counters, mixes, the subprocess ------------------------------------------------------------------------


def test_counts_match_what_the_client_saw_and_the_seed_repeats(upstream: _Upstream) -> None:
    kinds = {kind: 1.0 for kind in FAULT_KINDS if kind != "stall"}

    def run(seed: int) -> tuple[list[str], dict[str, Any]]:
        seen = []
        with FaultProxy(upstream, 0.5, faults=kinds, seed=seed) as proxy, requests.Session() as session:
            for i in range(100):
                try:
                    response = session.post(f"{proxy.endpoint}/sink/{i}", data=b"y" * 2000, timeout=10)
                    seen.append(str(response.status_code))
                    if response.status_code == 200:
                        assert response.json()["size"] == 2000
                except requests.RequestException:
                    seen.append("error")
            return seen, proxy.stats()

    seen, stats = run(7)
    again, _ = run(7)
    assert seen == again
    assert stats["requests"] == 100 and stats["routes"]["POST /sink/{id}"]["requests"] == 100
    assert stats["faulted"] == 100 - seen.count("200") and 30 <= stats["faulted"] <= 70
    assert seen.count("503") == stats["faults"].get("http_503", 0) > 0
    assert seen.count("429") == stats["faults"].get("http_429", 0) > 0
    assert seen.count("500") == stats["faults"].get("http_500_after", 0) > 0
    resets = stats["faulted"] - seen.count("503") - seen.count("429") - seen.count("500")
    assert seen.count("error") == resets > 0
    assert stats["errors"] == {}


def test_route_of_replaces_segments_with_digits() -> None:
    assert route_of("/repo/v1/entity/syn123/annotations2?x=1") == "/repo/v1/entity/{id}/annotations2"
    assert route_of("/file/v1/presigned/upload/77/3") == "/file/v1/presigned/upload/{id}/{id}"
    assert route_of("/repo/v1/entity/syn9.2/table/transaction/async/get/4f1c9a0e-77b2-4d3e") == (
        "/repo/v1/entity/{id}/table/transaction/async/get/{id}"
    )


def test_in_a_subprocess_with_the_same_counters(upstream: _Upstream) -> None:
    with ProxyProcess(upstream, delay=0.01) as proxy:
        assert requests.get(f"{proxy.endpoint}/bytes/7", timeout=10).content == _pattern(7)
        stats = proxy.stats()
        proxy.configure(fault_rate=1.0, faults={"http_503": 1})
        assert requests.get(f"{proxy.endpoint}/bytes/7", timeout=10).status_code == 503
        proxy.reset_stats()
        assert proxy.stats()["requests"] == 0
    assert stats["requests"] == 1 and stats["routes"] == {"GET /bytes/{id}": {"requests": 1, "faults": {}}}


def test_stop_does_not_wait_for_idle_or_stalled_connections(upstream: _Upstream) -> None:
    proxy = _only("stall", upstream, stall_seconds=30).start()
    idle = http.client.HTTPConnection(proxy.endpoint.removeprefix("http://"), timeout=10)
    idle.connect()

    def wait_for_stalled_body() -> None:
        with (
            _get(proxy.endpoint, "/bytes/10") as response,
            contextlib.suppress(OSError, http.client.HTTPException),
        ):
            response.read()

    stalled = threading.Thread(target=wait_for_stalled_body)
    stalled.start()
    time.sleep(0.2)
    started = time.perf_counter()
    proxy.stop()
    assert time.perf_counter() - started < 5
    stalled.join(5)
    idle.close()
