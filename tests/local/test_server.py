"""Server lifecycle: persistence across restarts, deterministic mode, fault injection, serve(), async jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from synapse_models.local import LocalSynapse
from synapse_models.local.areas import AREAS
from synapse_models.local.core.area import Area
from synapse_models.local.core.async_endpoints import async_endpoints
from synapse_models.local.core.context import RequestContext
from synapse_models.local.core.errors import NotFound
from synapse_models.local.core.jobs import Job, JobWork
from synapse_models.local.core.routing import Routes

from .conftest import Api

FOLDER = "org.sagebionetworks.repo.model.Folder"


def test_restart_keeps_users_tokens_and_entities(tmp_path: Path) -> None:
    server = LocalSynapse(data_dir=tmp_path)
    with server:
        admin_token = server.admin_token
        token = server.create_user("persistent")
        project = Api(server.endpoint, token).project("kept project")
    with LocalSynapse(data_dir=tmp_path) as again:
        # The admin token is stored only hashed: a restart not given it issues a new one, the old one is dead.
        assert again.admin_token != admin_token
        assert Api(again.endpoint, admin_token).get("/userProfile").status_code == 401
        assert Api(again.endpoint, again.admin_token).ok("GET", "/userProfile")["userName"] == "admin"
        api = Api(again.endpoint, token)
        assert api.ok("GET", f"/entity/{project['id']}") == project
        assert api.ok("GET", "/userProfile")["userName"] == "persistent"
        assert api.project()["id"] != project["id"]


def test_restart_same_object_keeps_port(tmp_path: Path) -> None:
    server = LocalSynapse(data_dir=tmp_path)
    with server:
        endpoint = server.endpoint
    with server:
        assert server.endpoint == endpoint
        assert Api(endpoint, server.admin_token).ok("GET", "/userProfile")["userName"] == "admin"


def test_restart_with_new_admin_token_replaces_old(tmp_path: Path) -> None:
    with LocalSynapse(data_dir=tmp_path, admin_token="first-token") as server:
        assert server.admin_token == "first-token"
    with LocalSynapse(data_dir=tmp_path, admin_token="second-token") as server:
        assert Api(server.endpoint, "second-token").get("/userProfile").status_code == 200
        assert Api(server.endpoint, "first-token").get("/userProfile").status_code == 401


def test_connect_returns_a_working_client_connection(server: LocalSynapse) -> None:
    connection = server.connect(server.create_user("connected"), name="connected")
    assert "connected" in repr(connection)


def test_properties_need_a_running_server() -> None:
    server = LocalSynapse()
    with pytest.raises(RuntimeError):
        _ = server.endpoint
    with pytest.raises(RuntimeError):
        _ = server.admin_token
    assert LocalSynapse(admin_token="given").admin_token == "given"


def test_temporary_data_dir_is_removed_on_stop() -> None:
    server = LocalSynapse().start()
    temp_dir = server._temp_dir
    assert temp_dir is not None and os.path.isdir(temp_dir)
    server.stop()
    assert not os.path.exists(temp_dir)


def _scenario(server: LocalSynapse) -> list[Any]:
    api = Api(server.endpoint, server.create_user("det"))
    project = api.project("deterministic")
    folder = api.folder(project, "child")
    annotations = {
        "id": folder["id"],
        "etag": folder["etag"],
        "annotations": {"k": {"type": "LONG", "value": ["1"]}},
    }
    saved = api.ok("PUT", f"/entity/{folder['id']}/annotations2", annotations)
    acl = api.ok("GET", f"/entity/{project['id']}/acl")
    return [api.token, project, folder, saved, acl, api.ok("GET", "/userProfile")]


def test_deterministic_servers_answer_identically() -> None:
    with LocalSynapse(deterministic=True, seed=7) as one, LocalSynapse(deterministic=True, seed=7) as two:
        assert one.admin_token == two.admin_token
        first, second = _scenario(one), _scenario(two)
    assert first == second
    project = first[1]
    assert project["createdOn"].startswith("2024-01-01T00:00:")
    with LocalSynapse(deterministic=True, seed=8) as other:
        assert _scenario(other)[1]["etag"] != project["etag"]


def test_deterministic_clock_advances_one_second_per_write() -> None:
    with LocalSynapse(deterministic=True) as server:
        api = Api(server.endpoint, server.admin_token)
        first, second = api.project(), api.project()
    assert first["createdOn"][:19] < second["createdOn"][:19]
    assert second["createdOn"].endswith(".000Z")


def test_fault_status_then_success(server: LocalSynapse, alice: Api) -> None:
    project = alice.project()
    server.inject_fault(path="/repo/v1/entity/*", method="GET", status=503, times=2, retry_after=0.5)
    assert alice.get(f"/entity/{project['id']}").status_code == 503
    response = alice.get(f"/entity/{project['id']}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "0.5"
    assert alice.get(f"/entity/{project['id']}").status_code == 200


def test_fault_method_filter_and_clear(server: LocalSynapse, alice: Api) -> None:
    server.inject_fault(method="POST", path="/repo/v1/entity", status=500)
    assert alice.get("/version").status_code == 200
    server.clear_faults()
    assert alice.project()["id"]


def test_fault_drop_connection_raises_connection_error(server: LocalSynapse, alice: Api) -> None:
    server.inject_fault(path="/repo/v1/version", drop_connection=True)
    with pytest.raises(requests.ConnectionError):
        alice.get("/version")
    assert alice.get("/version").status_code == 200


def test_fault_truncate_body_breaks_the_answer(server: LocalSynapse, alice: Api) -> None:
    project = alice.project()
    server.inject_fault(path=f"/repo/v1/entity/{project['id']}", truncate_body=True)
    with pytest.raises(requests.RequestException):
        alice.get(f"/entity/{project['id']}")
    assert alice.get(f"/entity/{project['id']}").status_code == 200


def test_inject_fault_requires_a_kind(server: LocalSynapse) -> None:
    with pytest.raises(ValueError):
        server.inject_fault(path="/x")


def test_serve_prints_endpoint_and_token(tmp_path: Path) -> None:
    code = f"from synapse_models.local import serve; serve('127.0.0.1', 0, {str(tmp_path)!r}, 'cli-token')"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        endpoint_line, token_line = process.stdout.readline(), process.stdout.readline()
        assert endpoint_line.startswith("endpoint: http://127.0.0.1:")
        assert token_line == "token: cli-token\n"
        endpoint = endpoint_line.split(": ", 1)[1].strip()
        assert Api(endpoint, "cli-token").ok("GET", "/userProfile")["userName"] == "admin"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == 0


# -- async jobs -----------------------------------------------------------------------------------------
RELEASE = threading.Event()


def _start_echo(ctx: RequestContext, body: dict[str, Any], kind: str) -> JobWork:
    if kind not in ("echo", "fail"):
        raise NotFound(f"no job kind {kind}")

    def work(job: Job) -> dict[str, Any]:
        RELEASE.wait(10)
        if kind == "fail":
            raise NotFound("the thing went missing")
        with job.txn() as txn:
            return {"echo": body, "user": txn.user_id}

    return work


_echo_routes = Routes()
async_endpoints(_echo_routes, "/repo/v1/localtest/<kind>/async", _start_echo)
#: The server's areas plus one serving the test's echo job.
ECHO_AREAS = (*AREAS, Area("localtest", routes=tuple(_echo_routes)))


@pytest.fixture(scope="module")
def job_server() -> Iterator[LocalSynapse]:
    with LocalSynapse(areas=ECHO_AREAS) as local:
        yield local


def test_async_job_processing_then_done(job_server: LocalSynapse) -> None:
    RELEASE.clear()
    api = Api(job_server.endpoint, job_server.admin_token)
    token = api.ok("POST", "/repo/v1/localtest/echo/async/start", {"x": 1}, status=201)["token"]
    pending = api.get(f"/repo/v1/localtest/echo/async/get/{token}")
    assert pending.status_code == 202
    assert pending.json()["jobState"] == "PROCESSING"
    RELEASE.set()
    job = job_server.app.jobs.lookup_any(token)
    assert job.done.wait(5)
    done = api.get(f"/repo/v1/localtest/echo/async/get/{token}")
    assert done.status_code == 201
    assert done.json()["echo"] == {"x": 1}


def test_async_job_failure_maps_status(job_server: LocalSynapse) -> None:
    RELEASE.set()
    api = Api(job_server.endpoint, job_server.admin_token)
    token = api.ok("POST", "/repo/v1/localtest/fail/async/start", {}, status=201)["token"]
    assert job_server.app.jobs.lookup_any(token).done.wait(5)
    response = api.get(f"/repo/v1/localtest/fail/async/get/{token}")
    assert response.status_code == 404
    assert response.json()["reason"] == "the thing went missing"


def test_async_job_errors(job_server: LocalSynapse) -> None:
    RELEASE.set()
    admin = Api(job_server.endpoint, job_server.admin_token)
    other = Api(job_server.endpoint, job_server.create_user("jobless"))
    assert admin.post("/repo/v1/localtest/nope/async/start", {}).status_code == 404
    token = admin.ok("POST", "/repo/v1/localtest/echo/async/start", {}, status=201)["token"]
    assert other.get(f"/repo/v1/localtest/echo/async/get/{token}").status_code == 403
    assert admin.get("/repo/v1/localtest/echo/async/get/99999").status_code == 404


def test_async_job_runs_inline_in_deterministic_mode() -> None:
    RELEASE.set()
    with LocalSynapse(deterministic=True, areas=ECHO_AREAS) as server:
        api = Api(server.endpoint, server.admin_token)
        token = api.ok("POST", "/repo/v1/localtest/echo/async/start", {"y": 2}, status=201)["token"]
        assert api.get(f"/repo/v1/localtest/echo/async/get/{token}").status_code == 201
