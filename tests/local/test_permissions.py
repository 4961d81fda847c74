"""Permissions across objects: grants to users, to teams (through membership), to AUTHENTICATED_USERS and
PUBLIC."""

from __future__ import annotations

from typing import Any

from tests.local.conftest import Api, reason, unique

AUTHENTICATED_USERS = 273948
PUBLIC = 273949


def _me(api: Api) -> int:
    return int(api.ok("GET", "/userProfile")["ownerId"])


def _grant(api: Api, entity_id: str, principal: int, access: list[str]) -> dict[str, Any]:
    acl = api.ok("GET", f"/entity/{entity_id}/acl")
    acl["resourceAccess"].append({"principalId": principal, "accessType": access})
    return dict(api.ok("PUT", f"/entity/{entity_id}/acl", acl))


def _public_team_with(owner: Api, member: Api) -> dict[str, Any]:
    team = owner.ok("POST", "/team", {"name": unique("team"), "canPublicJoin": True}, status=201)
    member.ok("PUT", f"/team/{team['id']}/member/{_me(member)}")
    return dict(team)


def test_second_user_is_refused_until_granted_directly(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    assert bob.get(f"/entity/{folder['id']}").status_code == 403
    assert bob.ok("GET", f"/entity/{folder['id']}/access", accessType="READ") == {"result": False}
    _grant(alice, project["id"], _me(bob), ["READ"])
    assert bob.ok("GET", f"/entity/{folder['id']}")["id"] == folder["id"]
    assert bob.ok("GET", f"/entity/{folder['id']}/benefactor")["id"] == project["id"]
    permissions = bob.ok("GET", f"/entity/{folder['id']}/permissions")
    assert permissions["canView"] is True and permissions["canEdit"] is False
    assert bob.put(f"/entity/{folder['id']}", folder | {"description": "bob"}).status_code == 403


def test_team_membership_grants_what_the_acl_gives_the_team(alice: Api, bob: Api) -> None:
    project = alice.project()
    team = alice.ok("POST", "/team", {"name": unique("team"), "canPublicJoin": True}, status=201)
    _grant(alice, project["id"], int(team["id"]), ["READ", "UPDATE"])
    assert bob.get(f"/entity/{project['id']}").status_code == 403
    bob.ok("PUT", f"/team/{team['id']}/member/{_me(bob)}")
    entity = bob.ok("GET", f"/entity/{project['id']}")
    assert bob.ok("GET", f"/entity/{project['id']}/access", accessType="UPDATE") == {"result": True}
    permissions = bob.ok("GET", f"/entity/{project['id']}/permissions")
    assert permissions["canEdit"] is True and permissions["canDelete"] is False
    assert (
        bob.ok("PUT", f"/entity/{project['id']}", entity | {"description": "via team"})["description"]
        == "via team"
    )
    bob.ok("DELETE", f"/team/{team['id']}/member/{_me(bob)}")
    assert bob.get(f"/entity/{project['id']}").status_code == 403


def test_team_grant_on_evaluation_lets_members_submit(alice: Api, bob: Api) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("queue"), "contentSource": project["id"]}, status=201
    )
    team = _public_team_with(alice, bob)
    acl = alice.ok("GET", f"/evaluation/{evaluation['id']}/acl")
    acl["resourceAccess"].append({"principalId": int(team["id"]), "accessType": ["READ", "SUBMIT"]})
    alice.ok("PUT", "/evaluation/acl", acl)
    assert bob.ok("GET", f"/evaluation/{evaluation['id']}/permissions")["canSubmit"] is True
    bob_project = bob.project()
    body = {"evaluationId": evaluation["id"], "entityId": bob_project["id"], "versionNumber": 1}
    created = bob.post("/evaluation/submission", body, etag=bob_project["etag"])
    assert created.status_code == 201, created.text


def test_team_grant_on_wiki_owner_lets_members_read(alice: Api, bob: Api) -> None:
    project = alice.project()
    page = alice.ok("POST", f"/entity/{project['id']}/wiki", {"title": "t", "markdown": "m"}, status=201)
    assert bob.get(f"/entity/{project['id']}/wiki/{page['id']}").status_code == 403
    team = _public_team_with(alice, bob)
    _grant(alice, project["id"], int(team["id"]), ["READ"])
    assert bob.ok("GET", f"/entity/{project['id']}/wiki/{page['id']}")["markdown"] == "m"


def test_authenticated_users_and_public_grants(alice: Api, bob: Api, anonymous: Api) -> None:
    project = alice.project()
    assert anonymous.get(f"/entity/{project['id']}").status_code in (403, 404)
    _grant(alice, project["id"], AUTHENTICATED_USERS, ["READ"])
    assert bob.ok("GET", f"/entity/{project['id']}")["id"] == project["id"]
    assert anonymous.get(f"/entity/{project['id']}").status_code in (403, 404)
    _grant(alice, project["id"], PUBLIC, ["READ"])
    assert anonymous.ok("GET", f"/entity/{project['id']}")["id"] == project["id"]
    assert anonymous.ok("GET", f"/entity/{project['id']}/permissions")["canPublicRead"] is True


def test_child_acl_overrides_and_restores_inheritance(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    own = alice.ok("POST", f"/entity/{folder['id']}/acl", {
        "id": folder["id"],
        "resourceAccess": [
            {"principalId": _me(alice), "accessType": ["READ", "CHANGE_PERMISSIONS", "UPDATE", "DELETE"]},
            {"principalId": _me(bob), "accessType": ["READ"]},
        ],
    }, status=201)  # fmt: skip
    assert bob.ok("GET", f"/entity/{folder['id']}/benefactor")["id"] == folder["id"]
    assert bob.get(f"/entity/{project['id']}").status_code == 403
    assert alice.put(f"/entity/{folder['id']}/acl", own | {"etag": "stale"}).status_code == 412
    assert alice.delete(f"/entity/{folder['id']}/acl").status_code == 204
    assert bob.get(f"/entity/{folder['id']}").status_code == 403
    assert alice.ok("GET", f"/entity/{folder['id']}/benefactor")["id"] == project["id"]


def test_acl_rejects_unknown_principal_and_access_type(alice: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    unknown = acl | {
        "resourceAccess": acl["resourceAccess"] + [{"principalId": 999999999, "accessType": ["READ"]}]
    }
    assert "999999999" in reason(alice.put(f"/entity/{project['id']}/acl", unknown))
    bad = acl | {
        "resourceAccess": acl["resourceAccess"]
        + [{"principalId": AUTHENTICATED_USERS, "accessType": ["FLY"]}]
    }
    response = alice.put(f"/entity/{project['id']}/acl", bad)
    assert response.status_code == 400 and "FLY" in reason(response)
    assert alice.get(f"/entity/{project['id']}/access", accessType="FLY").status_code == 400


def test_deleted_team_no_longer_grants(alice: Api, bob: Api) -> None:
    project = alice.project()
    team = _public_team_with(alice, bob)
    _grant(alice, project["id"], int(team["id"]), ["READ"])
    assert bob.get(f"/entity/{project['id']}").status_code == 200
    alice.ok("DELETE", f"/team/{team['id']}")
    assert bob.get(f"/entity/{project['id']}").status_code == 403
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    assert team["id"] not in [str(e["principalId"]) for e in acl["resourceAccess"]]
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)  # still a valid ACL to send back


def test_authenticated_users_may_submit_when_the_queue_says_so(alice: Api, bob: Api, anonymous: Api) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("open q"), "contentSource": project["id"]}, status=201
    )
    assert bob.get(f"/evaluation/{evaluation['id']}").status_code == 403
    acl = alice.ok("GET", f"/evaluation/{evaluation['id']}/acl")
    acl["resourceAccess"].append({"principalId": AUTHENTICATED_USERS, "accessType": ["READ", "SUBMIT"]})
    alice.ok("PUT", "/evaluation/acl", acl)
    assert bob.ok("GET", f"/evaluation/{evaluation['id']}/permissions")["canSubmit"] is True
    assert evaluation["id"] in [e["id"] for e in bob.ok("GET", "/evaluation/available", limit=100)["results"]]
    assert anonymous.ok("GET", f"/evaluation/{evaluation['id']}/permissions")["canSubmit"] is False
    assert anonymous.get(f"/evaluation/{evaluation['id']}").status_code == 403


def test_public_wiki_is_readable_anonymously(alice: Api, anonymous: Api) -> None:
    project = alice.project()
    page = alice.ok(
        "POST", f"/entity/{project['id']}/wiki", {"title": "about", "markdown": "hello"}, status=201
    )
    assert anonymous.get(f"/entity/{project['id']}/wiki").status_code == 403
    _grant(alice, project["id"], PUBLIC, ["READ"])
    assert anonymous.ok("GET", f"/entity/{project['id']}/wiki")["markdown"] == "hello"
    assert (
        anonymous.post(
            f"/entity/{project['id']}/wiki2", {"title": "x", "markdownFileHandleId": "1"}
        ).status_code
        == 403
    )
    assert (
        anonymous.put(f"/entity/{project['id']}/wiki/{page['id']}", page | {"title": "x"}).status_code == 403
    )
