"""``synapse-models demo`` as a terminal shows it: 100 columns, colour only where it belongs, ASCII where the
terminal is not UTF-8, and a quiet end when the reader goes away (``| head``).

Each test runs the real command in a subprocess, the way a person runs it.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from synapse_models.demo._out import WIDTH

ESC = "\033["
NOISE = ("Traceback", "BrokenPipeError", "Exception ignored", "UnicodeEncodeError")


def _env(home: Path, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNAPSE_", "LC_", "PYTHON"))}
    env.update(HOME=str(home), SYNAPSE_CACHE=str(home / "cache"), LANG="C.UTF-8", TERM="xterm-256color")
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _demo(home: Path, *args: str, **env: str | None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "synapse_models", "demo", *args],
        capture_output=True,
        env=_env(home, **env),
        timeout=240,
        check=False,
    )


def _on_a_terminal(home: Path, *args: str, **env: str | None) -> str:
    """What the demo shows on a terminal (stdout is a pseudo-terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "synapse_models", "demo", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=_env(home, **env),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the demo has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=240) == 0
    return b"".join(chunks).decode("utf-8")


def test_every_line_of_the_whole_tour_fits_100_columns(tmp_path: Path) -> None:
    done = _demo(tmp_path)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    text = done.stdout.decode("utf-8")
    lines = text.splitlines()
    assert len(lines) > 100 and "✓" in text  # the whole tour, in UTF-8 symbols
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert too_wide == []
    assert ESC not in text  # a pipe is not a terminal: no colour
    assert not any(word in done.stderr.decode() for word in NOISE)


def test_colour_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    coloured = _on_a_terminal(tmp_path, "--only", "foundation")
    assert f"{ESC}32m✓{ESC}0m" in coloured
    plain = _on_a_terminal(tmp_path, "--only", "foundation", NO_COLOR="1")
    assert ESC not in plain and "✓ created syn" in plain


@pytest.mark.parametrize("setting", [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C"}], ids=["ascii", "C-locale"])
def test_a_terminal_that_is_not_utf8_gets_ascii(tmp_path: Path, setting: dict[str, str]) -> None:
    done = _demo(tmp_path, "--only", "foundation", **setting)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.isascii() and done.stderr.isascii()
    text = done.stdout.decode("ascii")
    assert "synapse_models -- a tour" in text and "  + created syn" in text and "> Projects" in text
    assert "\\u" not in text and "?" not in text.replace("?)", "")  # transliterated, not escaped
    assert not any(word in done.stderr.decode() for word in NOISE)


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_reader_that_goes_away_ends_it_quietly(tmp_path: Path, buffered: bool) -> None:
    # unbuffered (python -u, PYTHONUNBUFFERED in many containers), the pipe breaks in the middle of a chapter
    env = _env(tmp_path) if buffered else _env(tmp_path, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "synapse_models", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    first = [process.stdout.readline()]
    while b"connected as" not in first[-1]:  # like `| head`: it stops reading in the middle of a chapter
        first.append(process.stdout.readline())
    process.stdout.close()
    errors = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=240) in (0, 141)
    assert b"synapse_models" in b"".join(first)
    assert not any(word in errors for word in NOISE), errors
