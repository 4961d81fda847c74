from __future__ import annotations

from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.credentials import resolve_endpoints, resolve_token
from synapse_models.errors import CredentialsError, NotConnectedError


def write_config(home: Path, text: str) -> None:
    (home / ".synapseConfig").write_text(text)


def test_argument_wins_over_everything(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "from-env")
    write_config(isolated_env, "[default]\nauthtoken = from-file\n")
    resolved = resolve_token("from-arg")
    assert resolved is not None and resolved.token == "from-arg"


def test_environment_beats_config_file(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "from-env")
    write_config(isolated_env, "[default]\nauthtoken = from-file\n")
    resolved = resolve_token()
    assert resolved is not None and resolved.token == "from-env"
    assert "SYNAPSE_AUTH_TOKEN" in resolved.source


@pytest.mark.parametrize("section", ["default", "authentication"])
def test_config_file_sections_of_the_official_client(isolated_env: Path, section: str) -> None:
    write_config(isolated_env, f"[{section}]\nusername = jdoe\nauthtoken = tok-{section}\n")
    resolved = resolve_token()
    assert resolved is not None and resolved.token == f"tok-{section}"
    assert f"[{section}]" in resolved.source


def test_named_profile_from_argument_or_environment(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_env, "[default]\nauthtoken = d\n\n[profile lab]\nauthtoken = lab-token\n")
    resolved = resolve_token(profile="lab")
    assert resolved is not None and resolved.token == "lab-token"
    monkeypatch.setenv("SYNAPSE_PROFILE", "lab")
    resolved = resolve_token()
    assert resolved is not None and resolved.token == "lab-token"


def test_unknown_profile_is_a_clear_error(isolated_env: Path) -> None:
    write_config(isolated_env, "[default]\nauthtoken = d\n")
    with pytest.raises(CredentialsError, match="profile 'nope' not found"):
        resolve_token(profile="nope")


def test_keyring_is_the_last_resort(isolated_env: Path, memory_keyring: object) -> None:
    assert resolve_token() is None
    from synapse_models.credentials import remember_token

    remember_token("kept")
    resolved = resolve_token()
    assert resolved is not None and resolved.token == "kept" and "keyring" in resolved.source
    assert sm.forget() is True
    assert resolve_token() is None
    assert sm.forget() is False


def test_token_never_in_repr(isolated_env: Path) -> None:
    resolved = resolve_token("secret-token-value")
    assert "secret-token-value" not in repr(resolved)


def test_endpoint_order(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_endpoints().repo == "https://repo-prod.prod.sagebase.org/repo/v1"
    write_config(isolated_env, "[endpoints]\nrepoEndpoint = https://example.org/repo/v1\n")
    assert resolve_endpoints().file == "https://example.org/file/v1"
    monkeypatch.setenv("SYNAPSE_ENDPOINT", "http://127.0.0.1:9/")
    assert resolve_endpoints().auth == "http://127.0.0.1:9/auth/v1"
    assert resolve_endpoints("http://h:1/repo/v1").repo == "http://h:1/repo/v1"


def test_no_credentials_anywhere_raises_not_connected(isolated_env: Path) -> None:
    with pytest.raises(NotConnectedError, match="SYNAPSE_AUTH_TOKEN"):
        sm.connect()
    with pytest.raises(NotConnectedError, match="not connected"):
        sm.Project.get("syn1")
