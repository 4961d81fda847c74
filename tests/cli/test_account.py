"""``whoami``, ``login`` and ``config``: where the token comes from, and what is kept."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import Run


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_whoami_names_the_user_of_the_token(cli: Run, alice_token: str) -> None:
    result = cli("whoami")
    assert result.code == 0
    assert result.out.startswith("alice (") and result.err == ""
    document = json.loads(cli("--json", "whoami").out)
    assert document["user_name"] == "alice"
    assert alice_token not in result.out + json.dumps(document)


def test_whoami_without_any_token_says_how_to_connect(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN")
    result = cli("whoami")
    assert result.code == 1
    assert result.err.startswith("error: not connected to Synapse:")
    assert result.err.count("\n") == 1


def test_login_checks_the_token_and_names_its_source(cli: Run, alice_token: str) -> None:
    result = cli("login")
    assert result.code == 0
    assert "logged in as alice" in result.err
    assert "the SYNAPSE_AUTH_TOKEN environment variable" in result.err
    assert alice_token not in result.err


def test_login_refuses_a_bad_token_in_one_line_without_echoing_it(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "not-a-real-token\n")
    result = cli("login", "--token-stdin")
    assert result.code == 1
    assert result.err.startswith("error: 401 Unauthorized") and "the token argument" in result.err
    assert "not-a-real-token" not in result.err
    assert result.err.count("\n") == 1


def test_login_remember_keeps_the_token_in_the_keyring(
    cli: Run, alice_token: str, monkeypatch: pytest.MonkeyPatch, memory_keyring: Any
) -> None:
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN")
    _stdin(monkeypatch, alice_token + "\n")
    assert cli("login", "--token-stdin", "--remember", "--profile", "lab").code == 0
    assert memory_keyring.store == {("synapse_models", "lab"): alice_token}
    later = cli("whoami", "--profile", "lab")
    assert later.code == 0 and later.out.startswith("alice (")


def test_config_writes_a_profile_and_keeps_the_rest_of_the_file(
    cli: Run, alice_token: str, home: Path, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = home / ".synapseConfig"
    config.write_text("# my settings\n[default]\nauthtoken = old\n\n[cache]\nlocation = /data/cache\n")
    _stdin(monkeypatch, alice_token + "\n")
    result = cli("config", "--token-stdin", "--profile", "lab")
    assert result.code == 0, result.err
    assert f"saved the token of alice in [profile lab] of {config}" in result.err
    text = config.read_text()
    assert text.startswith("# my settings\n[default]\nauthtoken = old\n\n[cache]\nlocation = /data/cache\n")
    assert text.endswith(f"[profile lab]\nusername = alice\nauthtoken = {alice_token}\n")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN")
    assert cli("--profile", "lab", "whoami").out.startswith("alice (")


def test_config_replaces_the_default_token_and_records_the_endpoint(
    cli: Run, alice_token: str, home: Path, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = home / ".synapseConfig"
    config.write_text("[default]\nusername = someone\nauthtoken = old\ncomment = kept\n")
    monkeypatch.delenv("SYNAPSE_ENDPOINT")
    _stdin(monkeypatch, alice_token + "\n")
    assert cli("config", "--token-stdin", "--endpoint", server.endpoint).code == 0
    assert config.read_text() == (
        f"[default]\nusername = alice\nauthtoken = {alice_token}\ncomment = kept\n\n[endpoints]\n"
        f"repoEndpoint = {server.endpoint}/repo/v1\nauthEndpoint = {server.endpoint}/auth/v1\n"
        f"fileHandleEndpoint = {server.endpoint}/file/v1\nportalEndpoint = {server.endpoint}/\n"
    )
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN")
    assert cli("whoami").out.startswith("alice (")  # token and endpoint both from the file


def test_config_needs_a_token_from_stdin_or_a_terminal(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "")
    result = cli("config")
    assert result.code == 2
    assert "--token-stdin" in result.err
