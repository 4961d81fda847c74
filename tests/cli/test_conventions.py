"""What every command shares: help with an example, exit codes, global options, quiet/debug, colour, and
consoles that cannot encode everything."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.cli import COMMANDS, main
from synapse_models.local import LocalSynapse

from .conftest import Run, no_traceback

Upload = Callable[..., sm.File]


def test_version_and_help_exit_0(cli: Run) -> None:
    version = cli("--version")
    assert (version.code, version.out) == (0, f"synapse-models {sm.__version__}\n")
    overview = cli("-h")
    assert overview.code == 0
    for name in COMMANDS:
        assert f"    {name}" in overview.out, name
    assert "ls" in overview.out and "add" in overview.out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help_with_an_example(cli: Run, name: str) -> None:
    result = cli(name, "-h")
    assert result.code == 0
    assert result.out.startswith(f"usage: synapse-models {name}")
    example = result.out.split("Example:\n", 1)[1]
    assert f"  synapse-models {name}" in example


def test_aliases_run_their_command(cli: Run, project: sm.Project) -> None:
    assert cli("ls", project.id).code == cli("list", project.id).code == 0
    assert cli("add", "-h").out.startswith("usage: synapse-models store")  # one parser, two names


def test_unknown_command_or_option_is_a_usage_error(cli: Run) -> None:
    for args in (["frobnicate"], [], ["whoami", "--no-such-option"], ["--profile"]):
        result = cli(*args)
        assert result.code == 2, args
        assert "usage: synapse-models" in result.err and result.out == ""


def test_global_options_go_before_or_after_the_command(cli: Run, project: sm.Project, upload: Upload) -> None:
    file = upload(project, "g.txt")
    before = cli("--quiet", "--json", "get", file.id, "--download-location", "a")
    after = cli("get", file.id, "--download-location", "b", "--quiet", "--json")
    assert before.code == after.code == 0
    assert before.err == after.err == ""
    assert before.out.replace("a/g.txt", "X") == after.out.replace("b/g.txt", "X")


def test_quiet_leaves_only_data_and_errors(cli: Run, project: sm.Project, shell: Path) -> None:
    (shell / "q.txt").write_text("q")
    quiet = cli("-q", "store", "q.txt", "--parent-id", project.id)
    assert quiet.code == 0 and quiet.err == "" and quiet.out.startswith("syn")
    failed = cli("-q", "get", "syn999999999")
    assert failed.code == 1 and failed.err.startswith("error:")


def test_errors_are_one_line_and_debug_adds_the_traceback(cli: Run, server: LocalSynapse) -> None:
    plain = cli("show", "syn999999999")
    assert plain.code == 1
    assert plain.err == (
        f"error: 404 Not Found: POST {server.endpoint}/repo/v1/entity/syn999999999/bundle2"
        " — Resource: 'syn999999999' does not exist\n"
    )
    debug = cli("--debug", "show", "syn999999999")
    assert debug.code == 1
    assert "Traceback (most recent call last)" in debug.err
    assert f"DEBUG POST {server.endpoint}/repo/v1/entity/syn999999999/bundle2 -> 404" in debug.err
    assert debug.err.endswith(plain.err)


def test_debug_log_hides_presigned_signatures(
    cli: Run, project: sm.Project, upload: Upload, shell: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = upload(project, "signed.txt")
    monkeypatch.setenv("SYNAPSE_CACHE", str(shell / "empty-cache"))  # so that the bytes are downloaded
    result = cli("--debug", "get", file.id, "--download-location", "fresh")
    assert result.code == 0
    assert "/presigned/download/" in result.err  # the presigned request was logged (its query stripped)
    signatures = [part for part in result.err.split("X-Amz-Signature=")[1:] if not part.startswith("***")]
    assert signatures == []
    assert "Bearer" not in result.err


def test_a_bug_is_one_line_unless_debug(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(sm, "me", broken)
    result = cli("whoami")
    assert result.code == 1
    assert result.err == (
        "error: unexpected RuntimeError: something inside broke (run with --debug for the traceback)\n"
    )
    assert "Traceback" in cli("--debug", "whoami").err


def test_ctrl_c_is_exit_130_with_one_line(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(**_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sm, "me", interrupted)
    result = cli("whoami")
    assert (result.code, result.err) == (130, "error: interrupted\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_only_and_never_with_no_color(
    shell: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["get", "syn999999999"]) == 1
    assert terminal.getvalue().startswith("\033[31merror:\033[0m ")
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Terminal()
    monkeypatch.setattr(sys, "stderr", plain)
    assert main(["get", "syn999999999"]) == 1
    assert plain.getvalue().startswith("error: ") and "\033" not in plain.getvalue()


def test_an_ascii_console_gets_escapes_not_an_exception(
    shell: Path, project: sm.Project, monkeypatch: pytest.MonkeyPatch, server: LocalSynapse
) -> None:
    folder = sm.Folder(
        name="unicode", parent=project, description="café ✓", annotations={"city": "Zürich"}
    ).store()
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["get-annotations", "--id", str(folder.id)]) == 0
    assert main(["show", str(folder.id)]) == 0
    assert main(["--json", "get-annotations", "--id", str(folder.id)]) == 0
    assert main(["show", "syn999999999"]) == 1
    stdout.flush()
    stderr.flush()
    out = stdout.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]
    err = stderr.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]
    assert "city:  Z\\xfcrich" in out
    assert re.search(r"description +caf\\xe9 \\u2713", out)
    assert '"Z\\u00fcrich"' in out  # JSON stays valid JSON
    assert (
        err == f"error: 404 Not Found: POST {server.endpoint}/repo/v1/entity/syn999999999/bundle2 \\u2014 "
        "Resource: 'syn999999999' does not exist\n"
    )
    assert no_traceback(err)


def test_demo_and_serve_keep_their_options(cli: Run) -> None:
    unknown = cli("demo", "--only", "no-such-chapter")
    assert unknown.code == 2 and "unknown chapter(s): no-such-chapter" in unknown.out
    assert cli("serve").code == 2  # --data-dir is required
    assert "--deterministic" in cli("serve", "-h").out


def test_a_command_spends_no_request_on_checking_the_token(
    cli: Run, project: sm.Project, upload: Upload, server: Any
) -> None:
    file = upload(project, "cached.txt")  # in the cache already: nothing to download
    server.reset_request_log()
    assert cli("get", file.id).code == 0
    assert [(method, path) for method, path, _ in server.request_log()] == [
        ("POST", f"/repo/v1/entity/{file.id}/bundle2")
    ]


def test_a_bad_token_fails_the_first_request_in_one_line(
    cli: Run, project: sm.Project, monkeypatch: pytest.MonkeyPatch, server: LocalSynapse
) -> None:
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "expired-token")
    result = cli("ls", project.id)
    assert result.code == 1
    assert result.err.startswith(f"error: 401 Unauthorized: POST {server.endpoint}/repo/v1/entity/")
    assert result.err.endswith("(token from the SYNAPSE_AUTH_TOKEN environment variable)\n")
    assert "expired-token" not in result.err
