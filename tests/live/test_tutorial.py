"""The tutorial notebook runs, top to bottom, in a fresh kernel, and shows what its text says it shows.

The notebook is kept without outputs (the docs build runs it too); it starts its own LocalSynapse. Here it
runs with a private HOME and no Synapse settings from the environment, as on a new user's machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
    env["HOME"] = str(home)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(home)}}
    )
    client.execute(env=env)  # the kernel's environment; this process's stays as it is
    return notebook


def _outputs(notebook: Any, kind: str) -> list[str]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if kind == "html" and "text/html" in output.get("data", {}):
                found.append(output["data"]["text/html"])
            elif kind in ("stdout", "stderr") and output.get("name") == kind:
                found.append(output["text"])
    return found


def test_the_notebook_is_kept_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_every_cell_runs_without_a_warning(executed: Any) -> None:
    assert all(cell.get("execution_count") for cell in executed.cells if cell.cell_type == "code")
    assert _outputs(executed, "stderr") == []


def test_it_shows_listings_files_tables_and_sharing_as_tables(executed: Any) -> None:
    html = "\n".join(_outputs(executed, "html"))
    assert "<b>children of raw (syn" in html and "3 in all" in html and "reads_lane3.fastq" in html
    assert "content type" in html and "text/csv" in html and "38 bytes" in html
    assert "4 columns" in html and "the first 5 of 6 rows" in html
    assert "alice <span" in html and "bob <span" in html and "DOWNLOAD, READ" in html
    assert "walk of RNA-seq pilot (syn" in html


def test_a_colleague_may_read_but_not_write(executed: Any) -> None:
    printed = "".join(_outputs(executed, "stdout"))
    assert "bob/counts.csv" in printed
    assert "refused: You do not have CREATE permission" in printed
