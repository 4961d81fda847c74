"""The README's quickstart runs as written, against a real embedded server."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_quickstart_runs_as_written() -> None:
    text = (ROOT / "README.rst").read_text()
    section = text.split("Quickstart\n----------", 1)[1]
    block = section.split(".. code-block:: python\n", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    code = "\n".join(lines)
    assert "LocalSynapse()" in code
    try:
        exec(compile(code, "README.rst quickstart", "exec"), {})
    finally:
        from synapse_models.registry import disconnect

        disconnect()
