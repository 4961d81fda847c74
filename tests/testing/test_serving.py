"""``serving()``: the process and its children point at a LocalSynapse inside, and nothing leaks out."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.local import LocalSynapse, serving

_PRINT_ENV = (
    "import os, pathlib; "
    "print(os.environ['SYNAPSE_ENDPOINT']); "
    "print((pathlib.Path.home() / '.synapseConfig').read_text())"
)


@pytest.fixture
def outside(
    alice: sm.Connection, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A process set up for another Synapse: alice registered as the default, a token and a profile in the
    environment, a config file in HOME. Returns that HOME."""
    home = tmp_path_factory.mktemp("outside")
    (home / ".synapseConfig").write_text("[default]\nauthtoken = production-token\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "production-token")
    monkeypatch.setenv("SYNAPSE_PROFILE", "lab")
    monkeypatch.delenv("SYNAPSE_ENDPOINT", raising=False)
    return home


def test_inside_everything_points_at_the_server_as_a_new_user(outside: Path, alice: sm.Connection) -> None:
    with serving() as local:
        assert os.environ["SYNAPSE_ENDPOINT"] == local.endpoint
        assert "SYNAPSE_PROFILE" not in os.environ
        assert Path.home() != outside
        me = sm.me()
        assert me.user_name.startswith("tester-")
        project = sm.Project(name="Inside").store()
        assert project.connection is not None
        assert project.connection.endpoints.repo == f"{local.endpoint}/repo/v1"
        assert sm.connections().get("alice") is None  # hidden inside
        child = subprocess.run([sys.executable, "-c", _PRINT_ENV], capture_output=True, text=True, check=True)
        endpoint, config = child.stdout.split("\n", 1)
        assert endpoint == local.endpoint
        assert f"repoEndpoint = {local.endpoint}/repo/v1" in config
        assert f"authtoken = {os.environ['SYNAPSE_AUTH_TOKEN']}" in config
    assert not local.running  # the server serving() started is stopped


def test_everything_is_restored_afterwards(outside: Path, alice: sm.Connection) -> None:
    environment = dict(os.environ)
    registered = sm.connections()
    with serving():
        made_inside = sm.connect()
        private_home = Path.home()
        assert (private_home / ".synapseConfig").is_file()
    assert dict(os.environ) == environment
    assert Path.home() == outside
    assert sm.connections() == registered and sm.get_connection() is alice
    assert not private_home.exists()
    assert made_inside not in sm.connections().values()


def test_an_error_inside_still_restores(outside: Path) -> None:
    environment = dict(os.environ)
    with pytest.raises(ZeroDivisionError), serving():
        sm.Project(name="Half done").store()
        1 / 0  # noqa: B018
    assert dict(os.environ) == environment


def test_a_given_server_keeps_running_and_a_token_picks_the_user(
    server: LocalSynapse, alice_token: str, outside: Path
) -> None:
    with serving(server, token=alice_token) as local:
        assert local is server
        assert sm.me().user_name == "alice"
    assert server.running
    stopped = LocalSynapse()
    with serving(stopped, user="carol"):
        assert stopped.running and sm.me().user_name == "carol"
    assert not stopped.running


def test_the_decorator_runs_each_call_in_a_fresh_block(outside: Path) -> None:
    seen: list[tuple[str, str]] = []

    @serving
    def pipeline(label: str) -> str:
        seen.append((os.environ["SYNAPSE_ENDPOINT"], sm.me().user_name))
        return label.upper()

    @serving(user="dora")
    async def pipeline_async() -> str:
        await asyncio.sleep(0)
        return sm.me().user_name

    environment = dict(os.environ)
    assert pipeline("a") == "A" and pipeline("b") == "B"
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]  # a new server and user per call
    assert dict(os.environ) == environment
    assert asyncio.run(pipeline_async()) == "dora"
    assert dict(os.environ) == environment
    assert pipeline.__name__ == "pipeline"


def test_serving_refuses_what_it_cannot_honour(server: LocalSynapse, alice_token: str) -> None:
    environment = dict(os.environ)
    with pytest.raises(TypeError, match="serving\\(\\) takes a LocalSynapse, not str"):
        serving("http://127.0.0.1:8080")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="a user of a server you give"):
        serving(token=alice_token)
    with pytest.raises(ValueError, match="not both"):
        serving(server, user="erin", token=alice_token)
    # a name that is taken (the server's own error type, whose module is internal)
    with pytest.raises(Exception, match="'alice' is already used"), serving(server, user="alice"):
        pass
    assert dict(os.environ) == environment and server.running


def test_the_official_client_in_this_process_is_redirected_and_restored(outside: Path) -> None:
    synapseclient = pytest.importorskip("synapseclient")
    from synapseclient.client import Synapse

    config_before = synapseclient.client.CONFIG_FILE
    cached_before = Synapse._synapse_client
    with serving() as local:
        syn = Synapse(skip_checks=True, silent=True)  # no configPath: the default one
        syn.login(silent=True)
        assert syn.repoEndpoint == f"{local.endpoint}/repo/v1"
        assert syn.credentials.username.startswith("tester-")
        assert Synapse.get_client(None) is syn
    assert config_before == synapseclient.client.CONFIG_FILE
    assert Synapse._synapse_client is cached_before
    assert Synapse(skip_checks=True, silent=True, cache_client=False).configPath == config_before


def test_a_script_calling_both_command_lines_inside_works(tmp_path: Path, outside: Path) -> None:
    script = tmp_path / "fetch.sh"
    script.write_text(
        "set -euo pipefail\n"
        'synapse-models --quiet get "$1" --download-location ours > /dev/null\n'
        'synapse --silent get "$1" --downloadLocation theirs > /dev/null\n'
        "cat ours/a.txt theirs/a.txt\n"
    )
    env_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with serving() as local:
        ids = local.load({"Scripted": {"a.txt": "hello\n"}})
        run = subprocess.run(
            ["bash", str(script), ids["Scripted/a.txt"]],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PATH": env_path},
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "hello\nhello\n"


def test_load_belongs_to_the_serving_user_inside_and_to_the_admin_outside(server: LocalSynapse) -> None:
    name = f"Owned {os.getpid()}"
    with serving(server) as local:
        ids = local.load({name: {}})
        owner = sm.Project.get(ids[name]).created_by
        assert owner == sm.me().owner_id
    other = server.load({f"{name} by admin": {}})
    admin = server.connect(name="admin")
    assert sm.Project.get(other[f"{name} by admin"], connection=admin).created_by == admin.user_id
    for entity_id in (ids[name], other[f"{name} by admin"]):
        sm.Project.get(entity_id, connection=admin).delete(connection=admin)


def test_an_official_client_first_imported_inside_gets_the_real_config_path_back(tmp_path: Path) -> None:
    pytest.importorskip("synapseclient")
    code = (
        "import os\n"
        "from synapse_models.local import serving\n"
        "with serving():\n"
        "    import synapseclient.client as client\n"
        "    print(client.CONFIG_FILE == os.path.join(os.environ['HOME'], '.synapseConfig'))\n"
        "print(client.CONFIG_FILE == os.path.join(os.path.expanduser('~'), '.synapseConfig'))\n"
        "print(client.Synapse(skip_checks=True, silent=True, cache_client=False).configPath\n"
        "      == client.CONFIG_FILE)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "True"]


def test_serving_loads_no_client_module() -> None:
    """The server half must run without the client: serving() only adjusts client modules already loaded."""
    import ast

    source = Path(sm.__file__).parent / "local" / "serving.py"
    imported = []
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    ours = [name for name in imported if name.startswith((".", "synapse_models"))]
    assert ours == [".server"]


def test_connections_made_inside_a_fresh_process_are_closed_on_the_way_out() -> None:
    """In a process that never loaded the client before ``serving()`` (the registry may load inside)."""
    code = (
        "from synapse_models.local import serving\n"
        "with serving():\n"
        "    import synapse_models as sm\n"
        "    sm.Project(name='Fresh').store()\n"
        "    inside = sm.get_connection()\n"
        "print(sm.connections(), inside.name)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["{}", "default"]
