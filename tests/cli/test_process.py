"""The command as a real process: a closed pipe, an ASCII console, Ctrl-C mid-download, usage errors,
``serve``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm

Upload = Callable[..., sm.File]
COMMAND = [sys.executable, "-m", "synapse_models"]


@pytest.fixture
def env(shell: Path) -> dict[str, str]:
    """Alice's environment, for child processes."""
    return {**os.environ, "PYTHONUNBUFFERED": "0"}


def _run(
    args: list[str], env: dict[str, str], cwd: Path, **kwargs: Any
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*COMMAND, *args], env=env, cwd=cwd, capture_output=True, timeout=120, **kwargs)


def _piped_to_head(
    args: list[str], head: list[str], env: dict[str, str], cwd: Path
) -> tuple[int, bytes, bytes]:
    """``synapse-models ARGS | head ...``: our exit code, what head printed, our stderr."""
    ours = subprocess.Popen(
        [*COMMAND, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    reader = subprocess.run(head, stdin=ours.stdout, capture_output=True, timeout=120)
    assert ours.stdout is not None and ours.stderr is not None
    ours.stdout.close()
    with ours.stderr:
        err = ours.stderr.read()
    return ours.wait(timeout=120), reader.stdout, err


def test_a_closed_pipe_ends_the_command_quietly(
    shell: Path, env: dict[str, str], project: sm.Project, upload: Upload
) -> None:
    file = upload(project, "big.txt", "0123456789abcdef\n" * 200_000)  # 3.4 MB: far beyond a pipe's buffer
    code, head, err = _piped_to_head(["cat", str(file.id)], ["head", "-c", "17"], env, shell)
    assert head == b"0123456789abcdef\n"
    assert err == b""
    assert code == 141
    table = sm.Table.from_dataframe(
        pd.DataFrame({"n": range(30_000), "text": ["some words here"] * 30_000}), name="long", parent=project
    ).store()
    code, head, err = _piped_to_head(["query", f"SELECT * FROM {table.id}"], ["head", "-n", "2"], env, shell)
    assert head == b"n\ttext\n0\tsome words here\n"
    assert err == b"" and code == 141


def test_an_ascii_console_gets_escapes(shell: Path, env: dict[str, str], project: sm.Project) -> None:
    folder = sm.Folder(name="accents", parent=project, annotations={"city": "Zürich ✓"}).store()
    ascii_env = {**env, "PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}
    shown = _run(["get-annotations", "--id", str(folder.id)], ascii_env, shell)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == b"city:  Z\\xfcrich \\u2713\n"
    failed = _run(["show", "syn999999999"], ascii_env, shell)
    assert failed.returncode == 1
    assert failed.stderr == (
        f"error: 404 Not Found: POST {env['SYNAPSE_ENDPOINT']}/repo/v1/entity/syn999999999/bundle2".encode()
        + b" \\u2014 Resource: "
        b"'syn999999999' does not exist\n"
    )


def test_usage_errors_exit_2(shell: Path, env: dict[str, str]) -> None:
    result = _run(["get"], env, shell)
    assert result.returncode == 2
    assert result.stderr.startswith(b"usage: synapse-models get")
    assert _run(["nonsense"], env, shell).returncode == 2


class _Trickle(BaseHTTPRequestHandler):
    """Serves a 'large file' one small piece at a time, until the client goes away."""

    started = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(1024 * 1024 * 1024))
        self.end_headers()
        try:
            for _ in range(3000):
                self.wfile.write(b"x" * 65536)
                self.wfile.flush()
                _Trickle.started.set()
                time.sleep(0.01)
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def trickle() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow.bin"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("command", ["get", "cat"])
def test_ctrl_c_during_a_download_stops_cleanly_and_leaves_no_file(
    shell: Path, home: Path, env: dict[str, str], project: sm.Project, trickle: str, command: str
) -> None:
    file = sm.File(url=trickle, parent=project).store()
    target = shell / "downloads"  # get downloads here, cat into the cache
    target.mkdir()
    where = target if command == "get" else home / ".synapseCache"
    _Trickle.started.clear()
    ours = subprocess.Popen(
        [
            *COMMAND,
            command,
            str(file.id),
            *(["--download-location", str(target)] if command == "get" else []),
        ],
        env=env,
        cwd=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size for p in where.rglob("*.synapse-partial")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _Trickle.started.is_set(), "the download never started"
    assert [p.name for p in where.rglob("*.synapse-partial")] == ["slow.bin.synapse-partial"]  # bytes arrived
    ours.send_signal(signal.SIGINT)
    out, err = ours.communicate(timeout=60)
    assert ours.returncode == 130
    assert err == b"error: interrupted\n"
    assert out == b""
    assert [p for p in where.rglob("*") if p.is_file() and p.name != ".cacheMap"] == []
    assert list(target.iterdir()) == []


def test_serve_runs_until_interrupted(shell: Path, env: dict[str, str]) -> None:
    served = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--data-dir", str(shell / "data")],
        env=env,
        cwd=shell,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert served.stdout is not None
    endpoint = served.stdout.readline()
    assert endpoint.startswith("endpoint: http://127.0.0.1:")
    assert served.stdout.readline().startswith("token: ")
    served.send_signal(signal.SIGINT)
    out, err = served.communicate(timeout=60)
    assert served.returncode == 0
    assert (out, err) == ("", "")
