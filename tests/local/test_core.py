"""Framework behaviour: base paths, routing errors, JSON errors, authentication, admin API."""

from __future__ import annotations

import requests

from synapse_models.local import LocalSynapse

from .conftest import Api, reason, unique


def test_get_base_paths_answer_without_redirect(anonymous: Api) -> None:
    for path in ("/", "/repo/v1", "/auth/v1", "/file/v1", "/repo/v1/"):
        response = anonymous.get(path)
        assert response.status_code == 200, path


def test_get_version_returns_version_info(anonymous: Api) -> None:
    body = anonymous.ok("GET", "/version")
    assert set(body) == {"version", "stackInstance"}


def test_get_unknown_path_returns_404_error_response(anonymous: Api) -> None:
    response = anonymous.get("/no/such/thing")
    assert response.status_code == 404
    assert "No service" in reason(response)


def test_request_wrong_method_returns_405(alice: Api) -> None:
    response = alice.request("PATCH", "/entity")
    assert response.status_code == 405
    assert reason(response)


def test_post_unparsable_json_returns_400(alice: Api) -> None:
    response = alice.session.post(
        alice.url("/entity"), data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.status_code == 400
    assert "JSON" in reason(response)


def test_post_without_body_returns_400(alice: Api) -> None:
    assert alice.post("/entity").status_code == 400


def test_request_unknown_token_returns_401_with_challenge(server: LocalSynapse) -> None:
    response = Api(server.endpoint, "not-a-token").get("/userProfile")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Synapse Repository Services"'
    assert reason(response) == "Invalid access token"


def test_request_non_bearer_authorization_returns_401(server: LocalSynapse) -> None:
    response = requests.get(
        f"{server.endpoint}/repo/v1/userProfile", headers={"Authorization": "Basic abc"}, timeout=10
    )
    assert response.status_code == 401


def test_post_entity_anonymous_returns_403_login_required(anonymous: Api) -> None:
    response = anonymous.post(
        "/entity", {"concreteType": "org.sagebionetworks.repo.model.Project", "name": "x"}
    )
    assert response.status_code == 403
    assert reason(response) == "Must login to perform this action"


def test_responses_omit_null_fields(alice: Api) -> None:
    project = alice.project()
    assert "description" not in project
    assert None not in project.values()


def test_responses_are_json_with_charset(alice: Api) -> None:
    response = alice.get("/userProfile")
    assert response.headers["Content-Type"].startswith("application/json")


def test_admin_create_user_returns_working_token(admin: Api, server: LocalSynapse) -> None:
    name = unique("carol").replace(" ", "")
    created = admin.ok(
        "POST", "/admin/v1/users", {"userName": name, "email": f"{name}@example.org"}, status=201
    )
    assert created["userName"] == name
    profile = Api(server.endpoint, created["token"]).ok("GET", "/userProfile")
    assert profile["ownerId"] == created["ownerId"]
    assert profile["emails"] == [f"{name}@example.org"]


def test_admin_create_duplicate_user_returns_409(admin: Api) -> None:
    name = unique("dave").replace(" ", "")
    admin.ok("POST", "/admin/v1/users", {"userName": name}, status=201)
    assert admin.post("/admin/v1/users", {"userName": name.upper()}).status_code == 409


def test_admin_api_requires_admin_token(alice: Api, anonymous: Api) -> None:
    assert alice.post("/admin/v1/users", {"userName": "eve-the-user"}).status_code == 403
    assert anonymous.get("/admin/v1/stats").status_code == 403


def test_admin_stats_count_requests(admin: Api, alice: Api) -> None:
    admin.ok("DELETE", "/admin/v1/stats", status=204)
    alice.get("/userProfile")
    alice.get("/userProfile")
    stats = admin.ok("GET", "/admin/v1/stats")
    assert {"method": "GET", "path": "/repo/v1/userProfile", "count": 2} in stats["requests"]
    assert stats["totalRequests"] == 2


def test_admin_fault_api_injects_and_clears(admin: Api, alice: Api) -> None:
    admin.ok(
        "POST", "/admin/v1/faults", {"path": "/repo/v1/version", "status": 429, "retryAfter": 1}, status=201
    )
    response = alice.get("/version")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert alice.get("/version").status_code == 200
    admin.ok("POST", "/admin/v1/faults", {"path": "/repo/v1/version", "status": 503, "times": 5}, status=201)
    admin.ok("DELETE", "/admin/v1/faults", status=204)
    assert alice.get("/version").status_code == 200


def test_request_counts_are_available_in_process(server: LocalSynapse, alice: Api) -> None:
    server.reset_request_log()
    alice.get("/version")
    assert server.request_counts()[("GET", "/repo/v1/version")] == 1
    assert server.request_log() == [("GET", "/repo/v1/version", 200)]
