"""``synapse_models.config_file.save_profile``: what ``config`` writes, and what it keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.config_file import save_profile
from synapse_models.credentials import resolve_token


def test_a_new_file_gets_the_default_section(tmp_path: Path) -> None:
    path = save_profile("tok-1", path=tmp_path / "cfg")
    assert path.read_text() == "[default]\nauthtoken = tok-1\n"
    assert resolve_token(environ={"SYNAPSE_CONFIG_FILE": str(path)}).token == "tok-1"  # type: ignore[union-attr]


def test_a_profile_is_replaced_in_place_keeping_comments_and_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "cfg"
    path.write_text(
        "[profile lab]\n# the lab account\nauthtoken = old\nusername = x\nextra = 1\n\n"
        "[profile other]\nauthtoken = theirs\n"
    )
    save_profile("new", profile="lab", username="alice", path=path)
    assert path.read_text() == (
        "[profile lab]\nusername = alice\nauthtoken = new\n# the lab account\nextra = 1\n\n"
        "[profile other]\nauthtoken = theirs\n"
    )
    env = {"SYNAPSE_CONFIG_FILE": str(path)}
    assert resolve_token(profile="lab", environ=env).token == "new"  # type: ignore[union-attr]
    assert resolve_token(profile="other", environ=env).token == "theirs"  # type: ignore[union-attr]


def test_bad_input_is_refused_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "cfg"
    with pytest.raises(sm.ValidationError, match="profile"):
        save_profile("tok", profile="has space", path=path)
    with pytest.raises(sm.ValidationError, match="token") as refused:
        save_profile("two words", path=path)
    assert "two words" not in str(refused.value)
    assert not path.exists()
