"""Fixtures shared by every test layer.

- ``clean_registry`` (autouse): no connection leaks from one test into the next.
- ``isolated_env``: a temp HOME, no SYNAPSE_* variables and an in-memory keyring.
- ``server`` (session): one in-process LocalSynapse; ``alice`` and ``bob`` are two of its users.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models import registry


class MemoryKeyring:
    """A keyring backend that keeps passwords in a dict, for tests."""

    priority = 1

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]


# The official client's upload threads open httpx clients it never closes.  With a keep-alive server their
# sockets stay open until the garbage collector finds them; that ResourceWarning is the official client's
# leak, not ours.  Tests that drive the official client ignore it and collect after themselves, so it cannot
# surface in another test (our own client's leaks still fail every test).
_OFFICIAL_CLIENT = pytest.mark.filterwarnings("ignore::ResourceWarning")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        names = set(vars(module)) if module is not None else set()
        drives_it = bool({"official_client", "synapseclient", "synapseutils"} & names)
        if drives_it or "conformance" in item.path.parts:
            item.add_marker(_OFFICIAL_CLIENT)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Downloads go to a cache of the test run, never the developer's ``~/.synapseCache`` (tests that are
    about the cache's location set ``SYNAPSE_CACHE`` themselves)."""
    before = os.environ.get("SYNAPSE_CACHE")
    os.environ["SYNAPSE_CACHE"] = str(tmp_path_factory.mktemp("synapseCache"))
    yield
    if before is None:
        os.environ.pop("SYNAPSE_CACHE", None)
    else:
        os.environ["SYNAPSE_CACHE"] = before


@pytest.fixture(autouse=True)
def _collect_official_client_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if request.node.get_closest_marker("filterwarnings") is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    registry.disconnect()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring
    from keyring.backend import KeyringBackend

    backend_cls = type("TestKeyring", (MemoryKeyring, KeyringBackend), {})
    backend: Any = backend_cls()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> Path:
    """A temp HOME with no Synapse configuration anywhere."""
    for key in list(os.environ):
        if key.startswith("SYNAPSE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from synapse_models.local import LocalSynapse

    with LocalSynapse(data_dir=tmp_path_factory.mktemp("synapse")) as local:
        yield local


@pytest.fixture(scope="session")
def alice_token(server: Any) -> str:
    return str(server.create_user("alice"))


@pytest.fixture(scope="session")
def bob_token(server: Any) -> str:
    return str(server.create_user("bob"))


@pytest.fixture
def alice(server: Any, alice_token: str) -> sm.Connection:
    return sm.connect(alice_token, endpoint=server.endpoint, name="alice")


@pytest.fixture
def bob(server: Any, bob_token: str) -> sm.Connection:
    return sm.connect(bob_token, endpoint=server.endpoint, name="bob")


@pytest.fixture
def project(alice: sm.Connection, request: pytest.FixtureRequest) -> Iterator[sm.Project]:
    """A fresh project owned by alice, named after the test."""
    name = "".join(c if c.isalnum() else "_" for c in request.node.name)[:200]
    made = sm.Project(name=name).store(connection=alice)
    yield made
    made.delete(connection=alice)
