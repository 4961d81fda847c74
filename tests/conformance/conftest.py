"""Fixtures that point the official ``synapseclient`` at an in-process LocalSynapse (see peer/README.md)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synapse_models.local import LocalSynapse

synapseclient = pytest.importorskip("synapseclient")
_users = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSynapse]:
    with LocalSynapse() as local:
        yield local


def make_client(server: LocalSynapse, token: str, home: Path) -> Any:
    """Return a logged-in official client talking only to ``server``."""
    base = server.endpoint
    syn = synapseclient.Synapse(
        repoEndpoint=f"{base}/repo/v1",
        authEndpoint=f"{base}/auth/v1",
        fileHandleEndpoint=f"{base}/file/v1",
        portalEndpoint=f"{base}/",
        skip_checks=True,
        cache_client=False,
        configPath=str(home / "synapseConfig"),
        cache_root_dir=str(home / "cache"),
        silent=True,
    )
    syn.login(authToken=token)
    syn.multi_threaded = False
    return syn


@pytest.fixture(scope="module")
def syn(server: LocalSynapse, tmp_path_factory: pytest.TempPathFactory) -> Any:
    token = server.create_user(f"conformance{next(_users)}")
    return make_client(server, token, tmp_path_factory.mktemp("syn"))


@pytest.fixture(scope="module")
def other_syn(server: LocalSynapse, tmp_path_factory: pytest.TempPathFactory) -> Any:
    token = server.create_user(f"outsider{next(_users)}")
    return make_client(server, token, tmp_path_factory.mktemp("other"))
