"""Teams, members, invitations, requests and the team ACL of the embedded server (REFERENCE 2.9)."""

from __future__ import annotations

from typing import Any

from tests.local.conftest import Api, reason, unique


def _me(api: Api) -> str:
    return str(api.ok("GET", "/userProfile")["ownerId"])


def _team(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("team"), "description": "a team"} | fields
    return dict(api.ok("POST", "/team", body, status=201))


def test_create_team_makes_creator_admin_member(alice: Api) -> None:
    team = _team(alice)
    me = _me(alice)
    members = alice.ok("GET", f"/teamMembers/{team['id']}")
    assert [(m["member"]["ownerId"], m["isAdmin"]) for m in members["results"]] == [(me, True)]
    assert members["results"][0]["member"]["isIndividual"] is True
    acl = alice.ok("GET", f"/team/{team['id']}/acl")
    mine = next(e for e in acl["resourceAccess"] if str(e["principalId"]) == me)
    assert set(mine["accessType"]) == {"READ", "SEND_MESSAGE", "UPDATE", "DELETE", "TEAM_MEMBERSHIP_UPDATE"}
    assert alice.ok("GET", f"/teamMembers/count/{team['id']}") == {"count": 1}
    assert alice.ok("GET", f"/team/{team['id']}")["name"] == team["name"]


def test_create_team_rejects_taken_names(alice: Api, bob: Api) -> None:
    team = _team(alice)
    assert bob.post("/team", {"name": team["name"]}).status_code == 409
    user_name = alice.ok("GET", "/userProfile")["userName"]
    assert bob.post("/team", {"name": user_name}).status_code == 409
    assert bob.post("/team", {"description": "no name"}).status_code == 400


def test_create_team_anonymous_forbidden(anonymous: Api) -> None:
    assert anonymous.post("/team", {"name": unique("team")}).status_code == 403


def test_update_team_checks_etag_and_admin(alice: Api, bob: Api) -> None:
    team = _team(alice)
    updated = alice.ok("PUT", "/team", team | {"description": "changed"})
    assert updated["description"] == "changed"
    assert updated["etag"] != team["etag"]
    stale = alice.put("/team", team | {"description": "stale"})
    assert stale.status_code == 412
    assert bob.put("/team", updated | {"description": "bob"}).status_code == 403
    assert alice.ok("GET", f"/team/{team['id']}")["description"] == "changed"


def test_rename_team_frees_old_name_and_updates_alias(alice: Api) -> None:
    team = _team(alice)
    new_name = unique("renamed")
    alice.ok("PUT", "/team", team | {"name": new_name})
    found = alice.ok("POST", "/principal/alias", {"alias": new_name, "type": "TEAM_NAME"})
    assert str(found["principalId"]) == team["id"]
    assert alice.post("/principal/alias", {"alias": team["name"], "type": "TEAM_NAME"}).status_code == 404
    _team(alice, name=team["name"])


def test_delete_team_only_by_admin(alice: Api, bob: Api) -> None:
    team = _team(alice)
    assert bob.delete(f"/team/{team['id']}").status_code == 403
    assert alice.delete(f"/team/{team['id']}").status_code == 204
    assert alice.get(f"/team/{team['id']}").status_code == 404


def test_search_teams_by_fragment_and_list_by_ids(alice: Api) -> None:
    word = unique("zebra").replace(" ", "")
    first = _team(alice, name=f"{word} one")
    second = _team(alice, name=f"{word} two")
    found = alice.ok("GET", "/teams", fragment=word, limit=50)
    assert [t["id"] for t in found["results"]] == [first["id"], second["id"]]
    listed = alice.ok("POST", "/teamList", {"list": [int(second["id"]), int(first["id"])]})
    assert [t["name"] for t in listed["list"]] == [second["name"], first["name"]]
    assert alice.post("/teamList", {"list": [999999999]}).status_code == 404


def test_user_teams_lists_memberships(alice: Api) -> None:
    team = _team(alice)
    me = _me(alice)
    teams = alice.ok("GET", f"/user/{me}/team", limit=100)
    assert team["id"] in [t["id"] for t in teams["results"]]
    ids = alice.ok("GET", f"/user/{me}/team/id")
    assert team["id"] in ids["teamIds"]


def test_join_public_team_and_leave(alice: Api, bob: Api) -> None:
    team = _team(alice, canPublicJoin=True)
    bob_id = _me(bob)
    status = bob.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus")
    assert status["canJoin"] is True and status["isMember"] is False
    assert bob.put(f"/team/{team['id']}/member/{bob_id}").status_code == 204
    member = bob.ok("GET", f"/team/{team['id']}/member/{bob_id}")
    assert member["isAdmin"] is False
    assert bob.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus")["isMember"] is True
    assert bob.delete(f"/team/{team['id']}/member/{bob_id}").status_code == 204
    assert bob.get(f"/team/{team['id']}/member/{bob_id}").status_code == 404


def test_join_private_team_needs_invitation(alice: Api, bob: Api) -> None:
    team = _team(alice)
    bob_id = _me(bob)
    refused = bob.put(f"/team/{team['id']}/member/{bob_id}")
    assert refused.status_code == 403
    invitation = alice.ok(
        "POST",
        "/membershipInvitation",
        {"teamId": team["id"], "inviteeId": bob_id, "message": "join us"},
        status=201,
    )
    assert invitation["inviteeId"] == bob_id
    assert bob.ok("GET", "/membershipInvitation/openInvitationCount")["count"] >= 1
    mine = bob.ok("GET", f"/user/{bob_id}/openInvitation", teamId=team["id"])
    assert [i["id"] for i in mine["results"]] == [invitation["id"]]
    listed = alice.ok("GET", f"/team/{team['id']}/openInvitation")
    assert [i["id"] for i in listed["results"]] == [invitation["id"]]
    status = bob.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus")
    assert status["hasOpenInvitation"] is True and status["canJoin"] is True
    assert bob.put(f"/team/{team['id']}/member/{bob_id}").status_code == 204
    assert alice.ok("GET", f"/team/{team['id']}/openInvitation")["results"] == []


def test_invitation_requires_admin_and_one_invitee(alice: Api, bob: Api) -> None:
    team = _team(alice)
    bob_id = _me(bob)
    assert bob.post("/membershipInvitation", {"teamId": team["id"], "inviteeId": bob_id}).status_code == 403
    both = alice.post(
        "/membershipInvitation", {"teamId": team["id"], "inviteeId": bob_id, "inviteeEmail": "a@b.c"}
    )
    assert both.status_code == 400
    assert alice.post("/membershipInvitation", {"teamId": team["id"]}).status_code == 400
    unknown = alice.post("/membershipInvitation", {"teamId": team["id"], "inviteeId": "999999999"})
    assert unknown.status_code == 404


def test_invitation_by_email_get_and_delete(alice: Api, bob: Api) -> None:
    team = _team(alice)
    invitation = alice.ok(
        "POST",
        "/membershipInvitation",
        {"teamId": team["id"], "inviteeEmail": "someone@example.org"},
        status=201,
    )
    assert invitation["inviteeEmail"] == "someone@example.org"
    assert alice.ok("GET", f"/membershipInvitation/{invitation['id']}")["teamId"] == team["id"]
    assert bob.get(f"/membershipInvitation/{invitation['id']}").status_code == 403
    assert alice.delete(f"/membershipInvitation/{invitation['id']}").status_code == 204
    assert alice.get(f"/membershipInvitation/{invitation['id']}").status_code == 404


def test_admin_accepts_membership_request(alice: Api, bob: Api) -> None:
    team = _team(alice)
    bob_id = _me(bob)
    assert alice.put(f"/team/{team['id']}/member/{bob_id}").status_code == 403
    request = bob.ok("POST", "/membershipRequest", {"teamId": team["id"], "message": "let me in"}, status=201)
    assert request["userId"] == bob_id
    assert bob.ok("GET", f"/membershipRequest/{request['id']}")["message"] == "let me in"
    assert [r["id"] for r in alice.ok("GET", f"/team/{team['id']}/openRequest")["results"]] == [request["id"]]
    assert [r["id"] for r in bob.ok("GET", f"/user/{bob_id}/openRequest")["results"]] == [request["id"]]
    assert bob.get(f"/team/{team['id']}/openRequest").status_code == 403
    status = alice.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus")
    assert status["hasOpenRequest"] is True and status["canJoin"] is True
    assert alice.put(f"/team/{team['id']}/member/{bob_id}").status_code == 204
    assert alice.ok("GET", f"/team/{team['id']}/openRequest")["results"] == []
    assert alice.ok("GET", f"/teamMembers/count/{team['id']}") == {"count": 2}


def test_delete_membership_request_by_requester(alice: Api, bob: Api) -> None:
    team = _team(alice)
    request = bob.ok("POST", "/membershipRequest", {"teamId": team["id"]}, status=201)
    assert bob.delete(f"/membershipRequest/{request['id']}").status_code == 204
    assert bob.get(f"/membershipRequest/{request['id']}").status_code == 404


def test_admin_flag_and_member_filters(alice: Api, bob: Api) -> None:
    team = _team(alice, canPublicJoin=True)
    bob_id, alice_id = _me(bob), _me(alice)
    bob.ok("PUT", f"/team/{team['id']}/member/{bob_id}")
    assert bob.put(f"/team/{team['id']}/member/{alice_id}/permission", isAdmin="false").status_code == 403
    admins = alice.ok("GET", f"/teamMembers/{team['id']}", memberType="ADMIN")
    assert [m["member"]["ownerId"] for m in admins["results"]] == [alice_id]
    plain = alice.ok("GET", f"/teamMembers/{team['id']}", memberType="MEMBER")
    assert [m["member"]["ownerId"] for m in plain["results"]] == [bob_id]
    alice.ok("PUT", f"/team/{team['id']}/member/{bob_id}/permission", isAdmin="true")
    assert alice.ok("GET", f"/team/{team['id']}/member/{bob_id}")["isAdmin"] is True
    listed = alice.ok("POST", f"/team/{team['id']}/memberList", {"list": [int(bob_id), int(alice_id)]})
    assert {m["member"]["ownerId"]: m["isAdmin"] for m in listed["list"]} == {bob_id: True, alice_id: True}
    by_name = alice.ok(
        "GET", f"/teamMembers/{team['id']}", fragment=bob.ok("GET", "/userProfile")["userName"]
    )
    assert [m["member"]["ownerId"] for m in by_name["results"]] == [bob_id]
    assert alice.get(f"/teamMembers/{team['id']}", memberType="BOSS").status_code == 400


def test_last_admin_cannot_be_demoted(alice: Api) -> None:
    team = _team(alice)
    response = alice.put(f"/team/{team['id']}/member/{_me(alice)}/permission", isAdmin="false")
    assert response.status_code == 400
    assert "administrator" in reason(response)


def test_admin_removes_member(alice: Api, bob: Api) -> None:
    team = _team(alice, canPublicJoin=True)
    bob_id, alice_id = _me(bob), _me(alice)
    bob.ok("PUT", f"/team/{team['id']}/member/{bob_id}")
    assert bob.delete(f"/team/{team['id']}/member/{alice_id}").status_code == 403
    assert alice.delete(f"/team/{team['id']}/member/{bob_id}").status_code == 204
    assert alice.ok("GET", f"/teamMembers/count/{team['id']}") == {"count": 1}


def test_team_acl_update_checks_etag_and_keeps_an_admin(alice: Api, bob: Api) -> None:
    team = _team(alice)
    acl = alice.ok("GET", f"/team/{team['id']}/acl")
    no_admin = acl | {"resourceAccess": [{"principalId": int(_me(bob)), "accessType": ["READ"]}]}
    response = alice.put("/team/acl", no_admin)
    assert response.status_code == 400
    assert "TEAM_MEMBERSHIP_UPDATE" in reason(response)
    extra = acl["resourceAccess"] + [{"principalId": int(_me(bob)), "accessType": ["READ"]}]
    updated = alice.ok("PUT", "/team/acl", acl | {"resourceAccess": extra})
    assert updated["etag"] != acl["etag"]
    assert alice.put("/team/acl", acl | {"resourceAccess": extra}).status_code == 412
    bad_type = updated | {"resourceAccess": [*extra, {"principalId": int(_me(bob)), "accessType": ["FLY"]}]}
    assert alice.put("/team/acl", bad_type).status_code == 400
    unknown = updated | {"resourceAccess": [*extra, {"principalId": 999999999, "accessType": ["READ"]}]}
    assert alice.put("/team/acl", unknown).status_code == 400
    assert bob.put("/team/acl", updated).status_code == 403


def test_principal_alias_and_group_headers_include_teams(alice: Api) -> None:
    word = unique("okapi").replace(" ", "")
    team = _team(alice, name=word)
    found = alice.ok("POST", "/principal/alias", {"alias": word, "type": "TEAM_NAME"})
    assert str(found["principalId"]) == team["id"]
    assert alice.post("/principal/alias", {"alias": word, "type": "USER_NAME"}).status_code == 404
    headers = alice.ok("GET", "/userGroupHeaders", prefix=word)
    assert [(h["ownerId"], h["isIndividual"]) for h in headers["children"]] == [(team["id"], False)]
    assert alice.ok("GET", "/userGroupHeaders", prefix=word, typeFilter="USERS_ONLY")["children"] == []
    batch = alice.ok("GET", "/userGroupHeaders/batch", ids=f"{team['id']},{_me(alice)}")
    assert [h["isIndividual"] for h in batch["children"]] == [False, True]


def test_expired_invitation_no_longer_lets_a_user_join(alice: Api, bob: Api) -> None:
    team = _team(alice)
    bob_id = _me(bob)
    past = {"teamId": team["id"], "inviteeId": bob_id, "expiresOn": "2001-01-01T00:00:00.000Z"}
    alice.ok("POST", "/membershipInvitation", past, status=201)
    assert bob.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus")["hasOpenInvitation"] is False
    assert bob.put(f"/team/{team['id']}/member/{bob_id}").status_code == 403
    bad = past | {"expiresOn": "next tuesday"}
    response = alice.post("/membershipInvitation", bad)
    assert response.status_code == 400 and "expiresOn" in reason(response)
