"""Fixtures that point the official ``synapseclient`` at an in-process LocalSynapse (see peer/README.md)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from synapse_models.local import LocalSynapse
from tests.peer import official_client

synapseclient = pytest.importorskip("synapseclient")
_users = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSynapse]:
    with LocalSynapse() as local:
        yield local


def make_client(server: LocalSynapse, token: str, home: Path) -> Any:
    """Return a logged-in official client talking only to ``server`` (one transfer thread)."""
    return official_client(server, token, home, multi_threaded=False)


@pytest.fixture(scope="module")
def syn(server: LocalSynapse, tmp_path_factory: pytest.TempPathFactory) -> Any:
    token = server.create_user(f"conformance{next(_users)}")
    return make_client(server, token, tmp_path_factory.mktemp("syn"))


@pytest.fixture(scope="module")
def other_syn(server: LocalSynapse, tmp_path_factory: pytest.TempPathFactory) -> Any:
    token = server.create_user(f"outsider{next(_users)}")
    return make_client(server, token, tmp_path_factory.mktemp("other"))


@pytest.fixture
def peer(server: LocalSynapse, tmp_path: Path) -> Callable[[str], Any]:
    """Return a factory: user name -> a logged-in official client with its own config and cache dirs.

    The clients keep the official defaults (``multi_threaded`` stays on). Asking twice for the same name gives
    a second client of the same user with an empty cache.
    """
    tokens: dict[str, str] = {}

    def make(user: str) -> Any:
        if user not in tokens:
            tokens[user] = server.create_user(f"{user}{os.urandom(4).hex()}")
        home = tmp_path / f"{user}-{os.urandom(3).hex()}"
        home.mkdir()
        return official_client(server, tokens[user], home)

    return make
