"""The command line (``synapse-models``), run in-process with ``synapse_models.cli.main``: the requests its
commands send are recorded like the library's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.cli import main

from .conftest import Made, Recording


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(["--quiet", *argv])
    out, err = capsys.readouterr()
    assert code == 0, f"synapse-models {' '.join(argv)} exited {code}: {err}"
    return out


@pytest.mark.vcr
def test_command_line_round_trip(
    recording: Recording,
    connection: sm.Connection,
    made: Made,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project_id = _run(capsys, "create", "Project", "--name", recording.name("cli")).strip()
    made(sm.Project(id=project_id))
    raw = _run(capsys, "create", "Folder", "--name", "raw", "--parent-id", project_id).strip()
    done = _run(capsys, "create", "Folder", "--name", "done", "--parent-id", project_id).strip()

    counts = tmp_path / "counts.tsv"
    counts.write_text("gene\tD1\nG1\t10\n")
    file_id = _run(
        capsys,
        "store",
        str(counts),
        "--parent-id",
        raw,
        "--annotations",
        '{"species": "human", "lanes": [1, 2]}',
        "--executed",
        "https://github.com/org/pipeline",
        "--activity-name",
        "count reads",
    ).strip()
    assert file_id.startswith("syn")

    shown = json.loads(_run(capsys, "show", file_id, "--json"))
    assert (shown["name"], shown["parent_id"], shown["provenance"]["name"]) == (
        "counts.tsv",
        raw,
        "count reads",
    )
    listing = _run(capsys, "ls", "-r", project_id).splitlines()
    assert [line.split(None, 1)[1] for line in listing] == ["done/", "raw/", "raw/counts.tsv"]

    _run(capsys, "set-annotations", "--id", file_id, "--annotations", '{"qc_pass": true}')
    notes = json.loads(_run(capsys, "get-annotations", "--id", file_id, "--json"))
    assert notes == {"species": ["human"], "lanes": [1, 2], "qc_pass": [True]}
    provenance = _run(capsys, "get-provenance", "--id", file_id)
    assert "count reads" in provenance and "https://github.com/org/pipeline" in provenance

    got = _run(capsys, "get", file_id, "--download-location", str(tmp_path / "down")).strip()
    assert Path(got).read_text() == counts.read_text()
    assert _run(capsys, "cat", file_id) == counts.read_text()

    _run(capsys, "mv", "--id", file_id, "--parent-id", done)
    assert sm.File.get(file_id, download=False).parent_id == done

    table = sm.Table.from_dataframe(
        pd.DataFrame({"sample": ["s1", "s2"], "depth": [30, 12]}), name="depths", parent=project_id
    ).store()
    rows = _run(capsys, "query", f"SELECT sample, depth FROM {table.id} ORDER BY depth", "--format", "csv")
    assert rows.splitlines() == ["sample,depth", "s2,12", "s1,30"]

    whoami = _run(capsys, "whoami", "--json")
    assert json.loads(whoami)["user_name"] == sm.me().user_name

    _run(capsys, "delete", file_id)
    with pytest.raises(sm.NotFoundError):
        sm.File.get(file_id, download=False)
    assert main(["--quiet", "show", file_id]) == 1
    assert "404" in capsys.readouterr().err
