"""mypy sees the types a user expects (what IDE autocompletion shows)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_reveal_type_shows_precise_model_types(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path),
            str(ROOT / "tests" / "typing" / "reveal_example.py"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    revealed = [t.replace("builtins.", "") for t in re.findall(r'Revealed type is "([^"]+)"', result.stdout)]
    assert revealed[0] == "synapse_models.models.project.Project"
    assert revealed[1] == "synapse_models.models.folder.Folder"
    assert revealed[2] == "list[str | int | float | bool | datetime.datetime]"
    assert revealed[3] == "datetime.datetime | None"
    assert revealed[4] == "synapse_models.models.project.Project"
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert errors == [], errors
