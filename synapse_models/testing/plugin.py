"""The pytest plugin: fixtures that run a pipeline's tests against a LocalSynapse, for either client.

Installing ``synapse-models`` registers it (the ``pytest11`` entry point). It imports nothing but pytest and
starts nothing until a test asks for one of its fixtures:

``synapse_server`` (session)
    One :class:`~synapse_models.local.LocalSynapse` for the whole session, its data under pytest's
    temporary directory. Override it in a ``conftest.py`` to choose its options.
``synapse_user``
    A fresh :class:`~synapse_models.testing.LocalUser` of that server for each test. After the test, the
    projects it created are deleted for good, so the next test may reuse their names.
``synapse_connection``
    For each test: the environment points at the server as ``synapse_user`` (``serving()``: the variables
    both clients and their command lines read, a private home, config and cache), and a
    ``synapse_models`` connection of that user is the default one. All is undone after the test.
``synapse_project``
    A fresh project of that user, named after the test.
``synapseclient_session``
    An official ``synapseclient.Synapse`` logged in as the same user, with its own cache and config, and
    cached as the official client's default (its models find it without ``synapse_client=``). Skips the
    test when ``synapseclient`` is not installed.

Without the ``local`` extra (werkzeug, sqlglot), a test that asks for these fixtures fails with a message
that says what to install.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import synapse_models as sm
    from synapse_models.local import LocalSynapse
    from synapse_models.testing.users import LocalUser

_NEEDS_LOCAL = (
    "the synapse_models test fixtures run the embedded server, which needs the 'local' extra: "
    "pip install 'synapse-models[local]'"
)


def _local() -> Any:
    """The ``synapse_models.local`` package, or a failed test that says what to install."""
    try:
        import synapse_models.local as local
    except ImportError as exc:
        pytest.fail(f"{_NEEDS_LOCAL} ({exc})", pytrace=False)
    return local


@pytest.fixture(scope="session")
def synapse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    """One LocalSynapse for the test session, its data under pytest's temporary directory."""
    local = _local()
    with local.LocalSynapse(data_dir=tmp_path_factory.mktemp("synapse-server")) as server:
        yield server


@pytest.fixture
def synapse_user(synapse_server: LocalSynapse, request: pytest.FixtureRequest) -> Iterator[LocalUser]:
    """A fresh user of ``synapse_server``; the projects it created are deleted after the test."""
    from synapse_models.testing.users import new_user, remove_projects

    user = new_user(synapse_server, request.node.name)
    yield user
    remove_projects(synapse_server, user)


@pytest.fixture
def _synapse_serving(synapse_server: LocalSynapse, synapse_user: LocalUser) -> Iterator[LocalSynapse]:
    """The process (and its subprocesses) pointed at ``synapse_server`` as ``synapse_user``."""
    with _local().serving(synapse_server, token=synapse_user.token) as server:
        yield server


@pytest.fixture
def synapse_connection(_synapse_serving: LocalSynapse, synapse_user: LocalUser) -> sm.Connection:
    """The default ``synapse_models`` connection, as ``synapse_user``, in an environment that points at
    the server; everything is restored after the test."""
    import synapse_models as sm

    return sm.connect(synapse_user.token, endpoint=_synapse_serving.endpoint)


@pytest.fixture
def synapse_project(synapse_connection: sm.Connection, request: pytest.FixtureRequest) -> sm.Project:
    """A fresh project owned by ``synapse_user``, named after the test."""
    import synapse_models as sm

    name = "".join(c if c.isalnum() or c in "_-." else "_" for c in request.node.name)[:200]
    return sm.Project(name=f"{name}-{os.urandom(3).hex()}").store(connection=synapse_connection)


@pytest.fixture
def synapseclient_session(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """An official ``synapseclient.Synapse`` logged in as ``synapse_user``, with its own cache and config."""
    synapseclient = pytest.importorskip("synapseclient", reason="synapseclient is not installed")
    # asked for only now, so that a skipped test starts no server
    user: LocalUser = request.getfixturevalue("synapse_user")
    server: LocalSynapse = request.getfixturevalue("_synapse_serving")
    from synapse_models.local.serving import write_official_config

    home = tmp_path / "synapseclient"
    base = server.endpoint
    config = write_official_config(home, base, user.token)
    syn = synapseclient.Synapse(
        repoEndpoint=f"{base}/repo/v1",
        authEndpoint=f"{base}/auth/v1",
        fileHandleEndpoint=f"{base}/file/v1",
        portalEndpoint=f"{base}/",
        skip_checks=True,
        configPath=str(config),
        cache_root_dir=str(home / ".synapseCache"),
        silent=True,
    )
    syn.login(authToken=user.token, silent=True)
    return syn
