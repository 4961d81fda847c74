"""``docs/testing.rst`` shows a user's test suite: its files are copied out of the page and run."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PAGE = Path(__file__).resolve().parents[2] / "docs" / "testing.rst"


def captioned_blocks(text: str) -> dict[str, str]:
    """The code blocks of a page that carry a ``:caption:`` (a file name), by caption."""
    blocks: dict[str, str] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith(".. code-block::") or not lines[number + 1].strip().startswith(":caption:"):
            continue
        caption = lines[number + 1].split(":caption:", 1)[1].strip()
        body = []
        for following in lines[number + 2 :]:
            if following and not following.startswith("   "):
                break
            body.append(following)
        blocks[caption] = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
    return blocks


def test_the_page_shows_a_pipeline_and_its_test_for_each_client_and_a_shell_script() -> None:
    assert sorted(captioned_blocks(PAGE.read_text())) == [
        "fetch.sh",
        "pipeline.py",
        "pipeline_official.py",
        "test_fetch.py",
        "test_pipeline.py",
        "test_pipeline_official.py",
    ]


def test_the_example_suite_of_the_page_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, code in captioned_blocks(PAGE.read_text()).items():
        (pytester.path / name).write_text(code)
    # both command lines of this environment, as in an activated virtualenv
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for key in [key for key in os.environ if key.startswith("SYNAPSE_")]:
        monkeypatch.delenv(key)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
