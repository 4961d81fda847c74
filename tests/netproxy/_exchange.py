"""The proxy's connections: one thread per client connection, each with its own connection to the server,
and one request/response exchange at a time on it (with the delays and the fault, if any, applied)."""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import http.server
import json
import select
import socket
import socketserver
import struct
import termios
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import NetProxy

CONTROL_PREFIX = "/__netproxy__/"
#: Headers that belong to one connection, not to the message (RFC 9110 7.6.1).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
    }
)
_REASONS = {
    "http_503": (503, "Service Unavailable", "The service is temporarily unavailable (fault injected)."),
    "http_429": (429, "Too Many Requests", "Too many requests (fault injected)."),
    "http_500_after": (500, "Internal Server Error", "An internal error occurred (fault injected)."),
}


class _Cut(Exception):
    """The exchange ends here on purpose (a fault): the client connection is reset."""


def _flush(sock: socket.socket, timeout: float = 1.0) -> None:
    """Wait (at most ``timeout``) until the peer has acknowledged every byte written to ``sock``, so that a
    reset lands exactly where it was meant to: a reset discards whatever is still in the send buffer."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(OSError, AttributeError):  # TIOCOUTQ (unacknowledged bytes) is Linux's
        while time.monotonic() < deadline:
            if struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0] == 0:
                return
            time.sleep(0.002)


def _reset(sock: socket.socket | None) -> None:
    """Close ``sock`` with a TCP RST (SO_LINGER 0) instead of a FIN, once what was written has arrived."""
    if sock is None:
        return
    _flush(sock)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _body_length(headers: Any) -> int | None:
    """The request body's length: an int, ``None`` for chunked."""
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        return None
    return int(headers.get("Content-Length") or 0)


def _request_body(rfile: Any, length: int | None, size: int) -> Iterator[bytes]:
    """The request body from the client, de-chunked, in pieces of at most ``size`` bytes."""

    def exactly(n: int) -> Iterator[bytes]:
        while n > 0:
            piece = rfile.read(min(n, size))
            if not piece:
                raise ConnectionError("the client closed the connection inside the request body")
            n -= len(piece)
            yield piece

    if length is not None:
        yield from exactly(length)
        return
    while True:
        line = rfile.readline(1024)
        if not line:
            raise ConnectionError("the client closed the connection inside the request body")
        n = int(line.split(b";", 1)[0].strip(), 16)
        if n == 0:
            while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers: not forwarded
            return
        yield from exactly(n)
        rfile.readline(8)  # the CRLF after the chunk


class ProxyServer(socketserver.ThreadingTCPServer):
    """Listening socket; tracks its open client connections so that ``stop()`` can close them."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], proxy: NetProxy) -> None:
        self.proxy = proxy
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def close_connections(self) -> None:
        with self.connections_lock:
            for sock in self.open_connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ProxyServer
    timeout = 300  # an idle keep-alive connection is closed after this long

    def setup(self) -> None:
        super().setup()
        self.proxy = self.server.proxy
        self.upstream: http.client.HTTPConnection | None = None
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)
        self.proxy.count_connection()
        self.proxy.sleep(2 * self.proxy.delay)  # the TCP handshake's round trip

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.open_connections.discard(self.connection)
        if self.upstream is not None:
            self.upstream.close()
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would drown the benchmark's output

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except OSError:
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        try:
            if self.path.startswith(CONTROL_PREFIX):
                self._control()
            else:
                self._exchange()
        except _Cut:
            self._reset_client()
        except (OSError, http.client.HTTPException, ValueError) as error:
            # a peer went away or sent something broken: not a fault of ours, but counted (it should be 0)
            self.proxy.count_error(type(error).__name__)
            self._reset_client()
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None

    # -- client side ----------------------------------------------------------------------------------------
    def _reset_client(self) -> None:
        self.close_connection = True
        # rfile/wfile hold references that would defer the socket's real close (and so the RST)
        for stream in (self.rfile, self.wfile):
            with contextlib.suppress(OSError):
                stream.close()
        _reset(self.connection)

    def _answer(self, status: int, reason: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response_only(status, reason)
        for name, value in {
            "Content-Type": "application/json",
            **(headers or {}),
            "Content-Length": str(len(body)),
        }.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _control(self) -> None:
        what = self.path[len(CONTROL_PREFIX) :]
        body = b"".join(_request_body(self.rfile, _body_length(self.headers), self.proxy.chunk_size))
        if what == "stats" and self.command == "DELETE":
            self.proxy.reset_stats()
        elif what == "config" and self.command == "POST":
            self.proxy.configure(**json.loads(body))
        elif what != "stats":
            self._answer(404, "Not Found", b'{"reason": "unknown control path"}')
            return
        self._answer(200, "OK", json.dumps(self.proxy.stats()).encode())

    # -- one exchange ---------------------------------------------------------------------------------------
    def _exchange(self) -> None:
        proxy, method, path = self.proxy, self.command, self.path
        length = _body_length(self.headers)
        body = _request_body(self.rfile, length, proxy.chunk_size)
        fault = proxy.draw(method, path, has_body=length != 0)
        proxy.sleep(proxy.delay)  # the request's way to the server
        if fault is not None and fault != "stall" and not fault.startswith(("reset_in_resp", "truncated")):
            proxy.record(method, path, fault)  # response-body faults are recorded once applied
        if fault in ("http_503", "http_429"):
            for _ in body:
                pass
            status, reason, text = _REASONS[fault]
            proxy.sleep(proxy.delay)
            self._answer(
                status,
                reason,
                json.dumps({"reason": text}).encode(),
                {"Retry-After": f"{proxy.retry_after:g}"},
            )
            return
        if fault == "reset_before_request":
            raise _Cut(fault)
        upstream = self._send_upstream(body, length, cut=fault == "reset_in_request_body")
        response = upstream.getresponse()
        no_body = method == "HEAD" or response.status in (204, 304) or response.length == 0
        if fault in ("reset_in_response_body", "truncated_body") and no_body:
            fault = "reset_after_request"
            proxy.record(method, path, fault)
        if fault in ("reset_after_request", "http_500_after"):
            for _ in iter(lambda: response.read(proxy.chunk_size), b""):
                pass  # the server's answer, lost on the way
            if fault == "reset_after_request":
                raise _Cut(fault)
            status, reason, text = _REASONS[fault]
            proxy.sleep(proxy.delay)
            self._answer(status, reason, json.dumps({"reason": text}).encode())
            return
        proxy.sleep(proxy.delay)  # the response's way back
        if fault == "stall" and no_body:
            proxy.record(method, path, fault)
            proxy.sleep(proxy.stall_seconds)
        self._relay(response, no_body, fault if not no_body else None)

    def _send_upstream(
        self, body: Iterator[bytes], length: int | None, *, cut: bool
    ) -> http.client.HTTPConnection:
        """Send the request head and body to the server (half the body and then a reset when ``cut``)."""
        upstream = self._upstream()
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                upstream.putheader(name, value)
        if length is None:
            upstream.putheader("Transfer-Encoding", "chunked")
        upstream.endheaders()
        frame: Callable[[bytes], bytes] = (
            (lambda b: b"%x\r\n%s\r\n" % (len(b), b)) if length is None else bytes
        )
        limit = None if not cut else (length // 2 if length else None)
        sent = 0
        for piece in body:
            if cut and limit is None:
                limit = len(piece) // 2  # chunked: cut inside the first piece
            if limit is not None and sent + len(piece) >= limit:
                if limit > sent:  # (an empty chunk would end a chunked body cleanly)
                    upstream.send(frame(piece[: limit - sent]))
                self.proxy.count_bytes(up=limit - sent)
                _reset(upstream.sock)
                self.upstream = None
                raise _Cut("reset_in_request_body")
            upstream.send(frame(piece))
            sent += len(piece)
            self.proxy.count_bytes(up=len(piece))
        if length is None:
            upstream.send(b"0\r\n\r\n")
        return upstream

    def _upstream(self) -> http.client.HTTPConnection:
        """This client connection's server connection; a new one when the server closed the last one."""
        current = self.upstream
        if current is not None and current.sock is not None:
            readable, _, _ = select.select([current.sock], [], [], 0)
            if readable:  # closed by the server while idle (or stray bytes): do not reuse
                current.close()
        if current is None:
            host, port = self.proxy.upstream_address
            current = self.upstream = http.client.HTTPConnection(host, port, timeout=600)
        if current.sock is None:
            current.connect()
            assert current.sock is not None
            current.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return current

    def _relay(self, response: http.client.HTTPResponse, no_body: bool, fault: str | None) -> None:
        """Send the server's response to the client; a response-body ``fault`` cuts or pauses it halfway."""
        proxy = self.proxy
        chunked = not no_body and response.length is None
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if no_body:
            response.read()
            return
        half = None if response.length is None else response.length // 2
        sent = 0
        for piece in iter(lambda: response.read(proxy.chunk_size), b""):
            if fault is not None:
                if half is None:
                    half = len(piece) // 2
                if sent + len(piece) >= half:
                    self._send_body(piece[: half - sent], chunked)
                    sent, piece = half, piece[half - sent :]
                    proxy.record(self.command, self.path, fault)
                    if fault == "truncated_body":
                        response.close()
                        self.close_connection = True  # a clean close (FIN) short of Content-Length
                        return
                    if fault == "reset_in_response_body":
                        response.close()
                        raise _Cut(fault)
                    proxy.sleep(proxy.stall_seconds)
                    fault = None
            self._send_body(piece, chunked)
            sent += len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        if response.will_close and self.upstream is not None:
            self.upstream.close()

    def _send_body(self, piece: bytes, chunked: bool) -> None:
        if not piece:
            return
        self.proxy.count_bytes(down=len(piece))  # before: the client may have it before we return
        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
