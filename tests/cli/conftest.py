"""Fixtures for the command line: ``main([...])`` run in-process against the session LocalSynapse.

``cli`` runs a command as alice would in a shell (her token in SYNAPSE_AUTH_TOKEN, the server in
SYNAPSE_ENDPOINT, a temp HOME and working directory) and returns what she would see.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

import synapse_models as sm
from synapse_models.cli import main


@attrs.frozen
class Result:
    """A finished command: its exit code and what it wrote."""

    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return self.out.splitlines()


Run = Callable[..., Result]


@pytest.fixture
def shell(isolated_env: Path, server: Any, alice_token: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Alice's environment; returns the working directory."""
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", alice_token)
    monkeypatch.setenv("SYNAPSE_ENDPOINT", server.endpoint)
    monkeypatch.setenv("SYNAPSE_MODELS_PROGRESS", "0")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    work = isolated_env / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def cli(shell: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> Run:
    """Run ``synapse-models ARGS...`` in-process; returns a :class:`Result` (stdout and stderr decoded)."""

    def run(*args: str) -> Result:
        code = main([str(a) for a in args])
        captured = capsysbinary.readouterr()
        return Result(code, captured.out.decode("utf-8"), captured.err.decode("utf-8"))

    return run


@pytest.fixture
def home(shell: Path) -> Path:
    """The temp HOME of the shell."""
    return shell.parent


@pytest.fixture
def upload(alice: sm.Connection, shell: Path) -> Callable[..., sm.File]:
    """Store a small file as alice: ``upload(parent, name, text, **fields)``."""

    def make(parent: Any, name: str = "data.txt", text: str = "hello\n", **fields: Any) -> sm.File:
        source = shell.parent / "sources" / name
        source.parent.mkdir(exist_ok=True)
        source.write_text(text)
        return sm.File(str(source), parent=parent, **fields).store(connection=alice)

    return make


def no_traceback(text: str) -> bool:
    """Whether stderr is free of Python tracebacks."""
    return "Traceback" not in text and 'File "' not in text
