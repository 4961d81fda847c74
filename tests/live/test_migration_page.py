"""``docs/migration.rst`` maps the official client's calls to ours: every example on it runs against an
embedded server, the official ones (with ``synapseclient`` itself) in order in one session, ours in
another."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "migration.rst"

# the page drives the official client (the root conftest then ignores the sockets that client leaks)
synapseclient = pytest.importorskip("synapseclient")

pytestmark = [pytest.mark.live, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # syn.get and co.


def examples(text: str) -> list[tuple[str, str]]:
    """``(caption, code)`` of every captioned code block of the page, in order."""
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith(".. code-block::") or ":caption:" not in lines[number + 1]:
            continue
        body = []
        for following in lines[number + 2 :]:
            if following and not following.startswith("   "):
                break
            body.append(following)
        found.append((lines[number + 1].split(":caption:", 1)[1].strip(), textwrap.dedent("\n".join(body))))
    return found


def test_the_page_pairs_each_official_example_with_ours_and_names_the_calls_people_use() -> None:
    text = PAGE.read_text()
    captions = [caption for caption, _ in examples(text)]
    assert captions[0] == "setup" and captions[-1] == "shell"
    pairs = captions[1:-1]
    assert len(pairs) >= 20 and pairs == ["synapseclient", "synapse_models"] * (len(pairs) // 2)
    for call in ("syn.login", "syn.get", "syn.store", "syn.delete", "syn.move", "syn.getChildren",
                 "syn.tableQuery", "syn.setPermissions", "syn.getPermissions", "syn.getWiki", "syn.submit",
                 "syn.getProvenance", "syn.setProvenance", "syn.get_annotations", "syn.set_annotations",
                 "synapseutils.syncFromSynapse", "synapseutils.syncToSynapse", "synapseutils.copy",
                 "synapseutils.walk", "synapseclient.models", "create or update", "Caching", "Errors",
                 "No sync/async twins", "Connections", "Types"):
        assert call.lower() in text.lower(), call
    from synapse_models.cli import COMMANDS

    for command in COMMANDS:  # the command line table names each of ours
        assert f"``{command}``" in text, command


def test_every_example_of_the_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synapse_models.local import serving

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    sessions: dict[str, dict[str, Any]] = {"synapseclient": {}, "synapse_models": {}}
    with serving() as server:
        server.create_user("bob")
        for number, (caption, code) in enumerate(examples(PAGE.read_text())):
            where = f"{PAGE.name}, example {number} ({caption})"
            if caption == "setup":
                for session in sessions.values():
                    exec(compile(code, where, "exec"), session)
            elif caption == "shell":
                project = sessions["synapse_models"]["project"]
                shell = subprocess.run(["bash", "-euo", "pipefail", "-c", code], capture_output=True,
                                       text=True, env={**os.environ, "PROJECT": str(project.id)})
                assert shell.returncode == 0, shell.stderr
                assert shell.stdout.count("counts.tsv") == 2  # listed by both command lines
            else:
                exec(compile(code, where, "exec"), sessions[caption])
    official, ours = sessions["synapseclient"], sessions["synapse_models"]
    assert official["found"]["sample"].tolist() == ["s2"] and ours["found"]["age"].tolist() == [61, 70]
    assert sorted(official["names"]) == sorted(ours["names"]) and len(official["tree"]) == len(ours["tree"])
    assert official["page"].markdown == ours["page"].markdown
