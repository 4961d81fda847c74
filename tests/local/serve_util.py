"""Run ``synapse-models serve`` in a child process for tests that signal or kill it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]

#: Starts the command line's ``serve`` (the ``synapse-models serve`` entry point) in a fresh interpreter.
_SERVE = "import sys; from synapse_models.cli import main; sys.exit(main(sys.argv[1:]))"


class Served:
    """A ``synapse-models serve`` child process: its endpoint, admin token and stderr log."""

    def __init__(self, process: subprocess.Popen[str], endpoint: str, token: str, log: Path) -> None:
        self.process = process
        self.endpoint = endpoint
        self.admin_token = token
        self.log = log

    def create_user(self, name: str) -> str:
        response = requests.post(
            f"{self.endpoint}/admin/v1/users",
            json={"userName": name},
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["token"])

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)


@contextmanager
def served(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Start ``synapse-models serve --port 0 --data-dir data_dir *args``; SIGTERM it on exit if running."""
    log = data_dir.parent / f"{data_dir.name}.serve.log"
    command = [sys.executable, "-c", _SERVE, "serve", "--port", "0", "--data-dir", str(data_dir), *args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with open(log, "a") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment)
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().split(": ", 1)[-1].strip()
        token = process.stdout.readline().split(": ", 1)[-1].strip()
        assert endpoint.startswith("http://"), log.read_text()
        yield Served(process, endpoint, token, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
