"""``synapse-models serve`` as something a lab can run (issue 10, sec. 4 and 7): a production WSGI server
(keep-alive, bounded threads), a graceful stop on SIGTERM that finishes requests in flight, tokens stored only
hashed, and a data dir readable by its owner only."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import stat
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from synapse_models.local import LocalSynapse
from tests.local.conftest import Api
from tests.local.files_util import batch_url, upload
from tests.local.serve_util import served

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and file modes are POSIX")


def _raw_get(url: str) -> tuple[socket.socket, bytes]:
    """Send a GET for ``url`` on a new socket; return it and the bytes of the answer's head."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, head
        head += chunk
    return sock, head


def test_sigterm_finishes_a_download_in_flight_then_exits(tmp_path: Path) -> None:
    data = os.urandom(24 * 1024 * 1024)
    with served(tmp_path / "data") as server:
        alice = Api(server.endpoint, server.create_user("alice"))
        handle = upload(alice, data, "big.bin")
        entity = alice.file(alice.project(), handle["id"])
        url = batch_url(alice, handle["id"], entity["id"])["preSignedURL"]
        sock, head = _raw_get(url)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        assert head.startswith(b"HTTP/1.1 200"), head
        received = bytearray(sock.recv(256 * 1024))
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        address = (urlsplit(server.endpoint).hostname, urlsplit(server.endpoint).port)
        with pytest.raises(OSError):  # no new connections once stopping
            socket.create_connection(address, timeout=5).close()
        assert server.process.poll() is None  # still finishing the download
        while len(received) < len(data):
            chunk = sock.recv(1024 * 1024)
            if not chunk:
                break
            received += chunk
            time.sleep(0.001)
        sock.close()
        assert hashlib.md5(received).hexdigest() == hashlib.md5(data).hexdigest()
        assert server.process.wait(30) == 0
    assert "Traceback" not in server.log.read_text()


def test_keep_alive_serves_several_requests_on_one_connection(server: LocalSynapse) -> None:
    parts = urlsplit(server.endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(f"GET /repo/v1/version HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += sock.recv(4096)
            head, _, body = answer.partition(b"\r\n\r\n")
            length = int(
                next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1]
            )
            while len(body) < length:
                body += sock.recv(4096)
            assert head.startswith(b"HTTP/1.1 200") and b"close" not in head.lower()


def _modes(root: Path) -> dict[str, int]:
    found = {str(root): stat.S_IMODE(root.stat().st_mode)}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            found[str(path)] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_data_dir_is_owner_only_and_tokens_are_stored_hashed(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # a usual umask: the server must not rely on the caller's
    try:
        data_dir = tmp_path / "data"
        with served(data_dir) as server:
            alice_token = server.create_user("alice")
            alice = Api(server.endpoint, alice_token)
            upload(alice, os.urandom(6 * 1024 * 1024), "multipart.bin")  # parts, blobs, the upload's files
            alice.file(alice.project(), upload(alice, b"small", "small.txt")["id"])
            admin_token = server.admin_token
        modes = _modes(data_dir)
        assert len(modes) > 5
        wrong = {
            path: oct(mode)
            for path, mode in modes.items()
            if mode != (0o700 if Path(path).is_dir() else 0o600)
        }
        assert wrong == {}
        for path in modes:
            if Path(path).is_file():
                content = Path(path).read_bytes()
                assert admin_token.encode() not in content, path
                assert alice_token.encode() not in content, path
    finally:
        os.umask(previous)


def test_restart_without_the_admin_token_issues_a_new_one(tmp_path: Path) -> None:
    with served(tmp_path / "data") as first:
        old = first.admin_token
        alice_token = first.create_user("alice")
    with served(tmp_path / "data") as second:
        assert second.admin_token != old
        assert Api(second.endpoint, old).get("/userProfile").status_code == 401
        assert Api(second.endpoint, second.admin_token).ok("GET", "/userProfile")["userName"] == "admin"
        assert Api(second.endpoint, alice_token).ok("GET", "/userProfile")["userName"] == "alice"
