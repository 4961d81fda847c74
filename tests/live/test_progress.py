"""Progress bars of uploads and bulk stores against LocalSynapse, with stderr made a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.transfer import progress as bars

pytestmark = pytest.mark.live

MIB = 1024 * 1024


def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.delenv("SYNAPSE_MODELS_PROGRESS", raising=False)
    monkeypatch.setattr(bars, "LEAVE_AFTER_SECONDS", 0.0)  # keep every finished bar, to read them


def _lines(err: str, label: str) -> list[str]:
    """The finished lines of the bars whose description starts with ``label``."""
    last_states = [line.rsplit("\r", 1)[-1] for line in err.split("\n")]
    return [state for state in last_states if state.startswith(label)]


def test_storing_a_large_file_shows_the_md5_pass_and_the_upload(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "reads.fastq"
    path.write_bytes(b"ACGT" * (MIB + MIB // 4))
    _terminal(monkeypatch)
    first = sm.File(str(path), parent=project).store()
    err = capsys.readouterr().err
    assert [line.split(":")[0] for line in _lines(err, "md5 reads.fastq") + _lines(err, "reads.fastq")] == [
        "md5 reads.fastq", "reads.fastq"]
    assert all("5.00M/5.00M" in line for line in _lines(err, "md5 reads.fastq") + _lines(err, "reads.fastq"))
    path.write_bytes(b"TGCA" * (MIB + MIB // 4))  # same size, new content: hashed (with a bar) to see it
    first.store()
    err = capsys.readouterr().err
    assert first.version_number == 2
    assert (len(_lines(err, "md5 reads.fastq")), len(_lines(err, "reads.fastq"))) == (1, 1)


def test_store_all_shows_one_overall_bar_and_no_bar_per_file(
    alice: sm.Connection, project: sm.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = []
    for n in range(3):
        path = tmp_path / f"part{n}.bin"
        path.write_bytes(bytes([n]) * (5 * MIB))
        files.append(sm.File(str(path), parent=project))
    quiet = sm.store_all(files[:1])  # stderr is not a terminal yet: nothing is drawn
    assert quiet.ok and capsys.readouterr().err == ""
    _terminal(monkeypatch)
    results = sm.store_all([*files, sm.Folder(name="more", parent=project)])
    err = capsys.readouterr().err
    assert results.ok
    (summary,) = _lines(err, "store_all")
    assert "4/4" in summary and "10.0 MiB" in summary  # part0 was stored already: two files uploaded now
    assert "part" not in err  # no bar of its own for any file
