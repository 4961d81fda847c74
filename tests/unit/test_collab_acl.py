"""ACLs and permissions against a scripted Connection: request order, bodies, validation before requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.errors import HTTPError, NotFoundError, ValidationError
from synapse_models.transport import MockTransport, Request, Response

ENDPOINTS = Endpoints("http://x/repo/v1", "http://x/auth/v1", "http://x/file/v1")

Handler = Callable[[Any, Any], Any]


class FakeConnection(Connection):
    """A real Connection over a MockTransport that answers from a table of (method, path regex) -> handler.

    The subclass only adds ways to look at what was sent (``calls``, ``bodies``, ``paths``); every request
    goes through the Connection's own code and the transport seam. A handler gets ``(params, body)`` and
    returns the JSON answer, or an ``HTTPError`` to answer with its status and reason.
    """

    def __init__(self, routes: dict[tuple[str, str], Any] | None = None) -> None:
        self.routes: dict[tuple[str, str], Any] = dict(routes or {})
        self.calls: list[tuple[str, str, Any, Any]] = []
        super().__init__(ENDPOINTS, "t", name="fake", transport=MockTransport(self._answer))
        self.user_id = "100"
        self.user_name = "alice"

    def _answer(self, request: Request) -> Response:
        path = request.path
        for base in (ENDPOINTS.repo, ENDPOINTS.auth, ENDPOINTS.file):
            path = path.removeprefix(urlsplit(base).path)
        params = request.params or None
        body = request.json()
        self.calls.append((request.method, path, params, body))
        for (m, pattern), answer in self.routes.items():
            if m == request.method and re.fullmatch(pattern, path):
                result = answer(params or {}, body) if callable(answer) else answer
                if isinstance(result, HTTPError):
                    return Response(result.status, json={"reason": result.reason})
                return Response(200, json=result) if result is not None else Response(204)
        return Response(404, json={"reason": "not scripted"})

    def bodies(self, method: str, path: str | None = None) -> list[Any]:
        """The bodies sent with ``method`` (to ``path``), in order."""
        return [b for m, p, _, b in self.calls if m == method and (path is None or p == path)]

    def paths(self) -> list[str]:
        return [f"{m} {p}" for m, p, _, _ in self.calls]


def _alias(names: dict[tuple[str, str], int]) -> Handler:
    def answer(_: Any, body: Any) -> Any:
        key = (body["alias"], body["type"])
        if key not in names:
            return NotFoundError(404, "no such alias", "POST", "/principal/alias")
        return {"principalId": names[key]}

    return answer


OWN_ACL = {
    "id": "syn1",
    "etag": "e1",
    "creationDate": "2024-01-01T00:00:00.000Z",
    "resourceAccess": [{"principalId": 100, "accessType": ["READ", "UPDATE", "CHANGE_PERMISSIONS"]}],
}


def _project(conn: FakeConnection, entity_id: str = "syn1") -> sm.Project:
    project = sm.Project(name="p", id=entity_id)
    project._connection = conn
    return project


def test_grant_rejects_unknown_access_type_before_any_request() -> None:
    conn = FakeConnection()
    with pytest.raises(ValidationError) as err:
        _project(conn).grant(200, ["READ", "FLY"])
    assert err.value.field == "access" and err.value.value == "FLY"
    assert "CHANGE_PERMISSIONS" in str(err.value)
    assert conn.calls == []


def test_grant_rejects_empty_access_and_bad_principal_before_any_request() -> None:
    conn = FakeConnection()
    with pytest.raises(ValidationError):
        _project(conn).grant(200, [])
    with pytest.raises(ValidationError) as err:
        _project(conn).grant(3.5, ["READ"])
    assert err.value.field == "principal"
    assert conn.calls == []


def test_grant_with_unknown_name_raises_not_found_naming_it() -> None:
    conn = FakeConnection({("POST", "/principal/alias"): _alias({})})
    with pytest.raises(NotFoundError) as err:
        _project(conn).grant("nobody_here", ["READ"])
    assert "nobody_here" in str(err.value)
    assert not any(p.startswith("PUT") or p.startswith("POST /entity") for p in conn.paths())


def test_grant_on_own_acl_gets_benefactor_then_puts_with_etag() -> None:
    conn = FakeConnection(
        {
            ("POST", "/principal/alias"): _alias({("bob", "USER_NAME"): 200}),
            ("GET", "/entity/syn1/benefactor"): {"id": "syn1"},
            ("GET", "/entity/syn1/acl"): OWN_ACL,
            ("PUT", "/entity/syn1/acl"): lambda _, body: {**body, "etag": "e2"},
        }
    )
    acl = _project(conn).grant("bob", ["read", sm.AccessType.DOWNLOAD])
    assert conn.paths() == [
        "POST /principal/alias",
        "GET /entity/syn1/benefactor",
        "GET /entity/syn1/acl",
        "PUT /entity/syn1/acl",
    ]
    put = conn.bodies("PUT")
    assert put[0]["etag"] == "e1"
    assert {"principalId": 200, "accessType": ["DOWNLOAD", "READ"]} in put[0]["resourceAccess"]
    assert acl[200] == {sm.AccessType.READ, sm.AccessType.DOWNLOAD}
    assert acl.etag == "e2" and not acl.inherited


def test_grant_on_inheriting_entity_posts_its_own_acl_from_the_benefactors() -> None:
    conn = FakeConnection(
        {
            ("GET", "/entity/syn5/benefactor"): {"id": "syn1"},
            ("GET", "/entity/syn1/acl"): OWN_ACL,
            ("POST", "/entity/syn5/acl"): lambda _, body: {**body, "etag": "f1"},
        }
    )
    folder = sm.Folder(name="f", id="syn5", parent="syn1")
    folder._connection = conn
    before = folder.acl()
    assert before.inherited and before.id == "syn1" and before.owner_id == "syn5"
    acl = folder.grant(300, ["READ"])
    assert conn.paths()[-1] == "POST /entity/syn5/acl"
    posted = conn.bodies("POST")
    assert posted[0]["id"] == "syn5" and "etag" not in posted[0]
    assert [e["principalId"] for e in posted[0]["resourceAccess"]] == [100, 300]
    assert not acl.inherited and acl.id == "syn5"


def test_grant_skips_the_write_when_the_access_is_already_there() -> None:
    conn = FakeConnection(
        {("GET", "/entity/syn1/benefactor"): {"id": "syn1"}, ("GET", "/entity/syn1/acl"): OWN_ACL}
    )
    _project(conn).grant(100, ["READ"])
    assert not any(p.startswith("PUT") for p in conn.paths())


def test_revoke_removes_the_principal_and_keeps_the_others() -> None:
    acl_json = {
        **OWN_ACL,
        "resourceAccess": [*OWN_ACL["resourceAccess"], {"principalId": 200, "accessType": ["READ"]}],
    }
    conn = FakeConnection(
        {
            ("GET", "/entity/syn1/benefactor"): {"id": "syn1"},
            ("GET", "/entity/syn1/acl"): acl_json,
            ("PUT", "/entity/syn1/acl"): lambda _, body: body,
        }
    )
    acl = _project(conn).revoke(sm.WellKnownPrincipal.PUBLIC)  # not in the ACL: nothing sent
    assert conn.bodies("PUT") == [] and len(acl) == 2
    acl = _project(conn).revoke(200)
    assert [e["principalId"] for e in conn.bodies("PUT")[0]["resourceAccess"]] == [100]
    assert acl[200] == set()


def test_revoke_some_access_types_keeps_the_rest() -> None:
    conn = FakeConnection(
        {
            ("GET", "/entity/syn1/benefactor"): {"id": "syn1"},
            ("GET", "/entity/syn1/acl"): OWN_ACL,
            ("PUT", "/entity/syn1/acl"): lambda _, body: body,
        }
    )
    acl = _project(conn).revoke(100, ["UPDATE"])
    assert acl[100] == {sm.AccessType.READ, sm.AccessType.CHANGE_PERMISSIONS}


def test_principal_objects_resolve_without_requests() -> None:
    conn = FakeConnection(
        {
            ("GET", "/entity/syn1/benefactor"): {"id": "syn1"},
            ("GET", "/entity/syn1/acl"): OWN_ACL,
            ("PUT", "/entity/syn1/acl"): lambda _, body: body,
        }
    )
    team = sm.Team("analysts", id="4000")
    user = sm.UserProfile(owner_id="200", user_name="bob")
    assert _project(conn).grant(team, ["READ"])[4000] == {sm.AccessType.READ}
    assert _project(conn).grant(user, ["READ"])[200] == {sm.AccessType.READ}
    assert "POST /principal/alias" not in conn.paths()


def test_team_name_resolves_after_user_name_misses() -> None:
    conn = FakeConnection(
        {
            ("POST", "/principal/alias"): _alias({("analysts", "TEAM_NAME"): 4000}),
            ("GET", "/entity/syn1/benefactor"): {"id": "syn1"},
            ("GET", "/entity/syn1/acl"): OWN_ACL,
            ("PUT", "/entity/syn1/acl"): lambda _, body: body,
        }
    )
    acl = _project(conn).grant("analysts", "READ")
    assert acl[4000] == {sm.AccessType.READ}


def test_restore_inheritance_deletes_only_an_own_acl() -> None:
    conn = FakeConnection({("GET", "/entity/syn5/benefactor"): {"id": "syn1"}})
    folder = sm.Folder(name="f", id="syn5", parent="syn1")
    folder._connection = conn
    folder.restore_inheritance()
    assert conn.paths() == ["GET /entity/syn5/benefactor"]
    conn.routes[("GET", "/entity/syn5/benefactor")] = {"id": "syn5"}
    conn.routes[("DELETE", "/entity/syn5/acl")] = None
    folder.restore_inheritance()
    assert conn.paths()[-1] == "DELETE /entity/syn5/acl"
    assert folder.benefactor() == "syn5"


def test_entity_permissions_are_typed() -> None:
    conn = FakeConnection(
        {
            ("GET", "/entity/syn1/permissions"): {
                "canView": True,
                "canEdit": False,
                "canDownload": True,
                "ownerPrincipalId": 100,
                "newFlag": True,
            }
        }
    )
    perms = _project(conn).permissions()
    assert isinstance(perms, sm.UserEntityPermissions)
    assert perms.can_view and perms.can_download and not perms.can_edit
    assert perms.owner_principal_id == 100


def test_evaluation_and_team_acls_use_their_own_paths() -> None:
    conn = FakeConnection(
        {
            ("GET", "/evaluation/9/acl"): {"id": "9", "etag": "x", "resourceAccess": []},
            ("PUT", "/evaluation/acl"): lambda _, body: body,
            ("GET", "/team/7/acl"): {"id": "7", "etag": "y", "resourceAccess": []},
            ("PUT", "/team/acl"): lambda _, body: body,
        }
    )
    evaluation = sm.Evaluation("q", id="9", content_source="syn1")
    evaluation._connection = conn
    team = sm.Team("t", id="7")
    team._connection = conn
    evaluation.grant(200, ["SUBMIT"])
    team.grant(200, ["TEAM_MEMBERSHIP_UPDATE"])
    assert conn.bodies("PUT", "/evaluation/acl") == [
        {"id": "9", "etag": "x", "resourceAccess": [{"principalId": 200, "accessType": ["SUBMIT"]}]}
    ]
    assert conn.bodies("PUT", "/team/acl")[0]["id"] == "7"


def test_acl_store_skips_when_unchanged() -> None:
    conn = FakeConnection(
        {("GET", "/entity/syn1/benefactor"): {"id": "syn1"}, ("GET", "/entity/syn1/acl"): OWN_ACL}
    )
    acl = _project(conn).acl()
    acl.store()
    assert [p for p in conn.paths() if p.startswith("PUT")] == []


def test_every_rest_access_type_is_an_enum_member() -> None:
    names = [
        "CREATE",
        "READ",
        "UPDATE",
        "DELETE",
        "CHANGE_PERMISSIONS",
        "DOWNLOAD",
        "UPLOAD",
        "PARTICIPATE",
        "SUBMIT",
        "READ_PRIVATE_SUBMISSION",
        "UPDATE_SUBMISSION",
        "DELETE_SUBMISSION",
        "TEAM_MEMBERSHIP_UPDATE",
        "SEND_MESSAGE",
        "CHANGE_SETTINGS",
        "MODERATE",
        "REVIEW_SUBMISSIONS",
        "EXEMPTION_ELIGIBLE",
    ]
    assert {a.value for a in sm.AccessType} == set(names)
