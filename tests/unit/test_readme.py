"""The README promises two copy-paste commands; CI must run the test one verbatim."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    lines = (ROOT / "README.rst").read_text().splitlines()
    return [line.strip() for line in lines if line.startswith("   python3 -m venv")]


def test_readme_has_exactly_two_fresh_machine_commands() -> None:
    commands = _commands()
    assert len(commands) == 2
    assert commands[0].endswith("synapse-models demo")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in [line.strip() for line in ci]
