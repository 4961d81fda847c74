"""Progress bars as a terminal user sees them: stderr is made a TTY here, as it is in a terminal."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from synapse_models.transfer import progress as bars
from synapse_models.transfer.progress import Overall, Progress
from synapse_models.transfer.upload import md5_of_path, md5_of_path_and_parts

MIB = 1024 * 1024


class Terminal:
    """stderr as a terminal: what is written to it, while it claims to be a TTY (made in the test's body:
    pytest installs its capturing stderr anew when the test starts, after the fixtures)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        monkeypatch.delenv("SYNAPSE_MODELS_PROGRESS", raising=False)
        self._capsys = capsys
        self._seen = ""

    def getvalue(self) -> str:
        self._seen += self._capsys.readouterr().err
        return self._seen




@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "reads.fastq"
    path.write_bytes(b"ACGT" * (MIB + MIB // 4))  # 5 MiB: over the 4 MiB below which no bar is drawn
    return path


def test_the_md5_pass_shows_a_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], big: Path
) -> None:
    terminal = Terminal(monkeypatch, capsys)
    monkeypatch.setattr(bars, "LEAVE_AFTER_SECONDS", 0.0)  # keep the finished bars, to read their totals
    assert md5_of_path(big, progress=None) == hashlib.md5(big.read_bytes()).hexdigest()
    assert "md5 reads.fastq" in terminal.getvalue()
    whole, parts = md5_of_path_and_parts(big, 2 * MIB, progress=None)
    assert whole == hashlib.md5(big.read_bytes()).hexdigest() and len(parts) == 3
    finished = [line for line in terminal.getvalue().split("\n") if "md5 reads.fastq" in line]
    assert len(finished) == 2 and all("5.00M/5.00M" in line for line in finished)  # one bar per pass


def test_the_md5_pass_is_quiet_off_a_terminal_or_when_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], big: Path, tmp_path: Path
) -> None:
    terminal = Terminal(monkeypatch, capsys)
    md5_of_path(big)  # callers that hash for their own bookkeeping show nothing
    md5_of_path(big, progress=False)
    small = tmp_path / "small.txt"
    small.write_text("x")
    md5_of_path(small, progress=None)
    monkeypatch.setenv("SYNAPSE_MODELS_PROGRESS", "0")
    md5_of_path(big, progress=None)
    assert terminal.getvalue() == ""


def test_a_long_transfer_leaves_its_finished_bar_and_a_quick_one_clears_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = Terminal(monkeypatch, capsys)
    monkeypatch.setattr(bars, "LEAVE_AFTER_SECONDS", 3600.0)
    with Progress(10 * MIB, "quick.bin") as bar:
        bar.update(10 * MIB)
    cleared = terminal.getvalue()
    assert "quick.bin" in cleared and not cleared.endswith("\n")  # the line was wiped (ends with "\r")
    monkeypatch.setattr(bars, "LEAVE_AFTER_SECONDS", 0.0)
    with Progress(10 * MIB, "slow.bin") as bar:
        bar.update(10 * MIB)
    kept = terminal.getvalue()[len(cleared):]
    assert kept.endswith("\n") and "slow.bin" in kept.splitlines()[-1] and "10.0M/10.0M" in kept


def test_the_overall_bar_of_a_bulk_call_always_stays(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = Terminal(monkeypatch, capsys)
    with Overall("store_all", None) as bar:
        bar.expect(2)
        bar.done(1, 3 * MIB)
        bar.done(1)
    screen = terminal.getvalue()
    assert screen.endswith("\n") and "store_all" in screen and "2/2" in screen and "3.0 MiB" in screen


def test_no_bar_is_drawn_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with Overall("sync_to", None) as bar, Progress(10 * MIB, "x.bin") as transfer:
        bar.expect(1)
        transfer.update(10 * MIB)
        bar.done(1)
    assert not bar.shown and not transfer.shown and capsys.readouterr().err == ""
