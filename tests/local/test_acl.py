"""Entity ACLs, benefactors, computed permissions and access checks between users."""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason

ADMIN_ACCESS = [
    "CHANGE_PERMISSIONS",
    "CHANGE_SETTINGS",
    "CREATE",
    "DELETE",
    "DOWNLOAD",
    "MODERATE",
    "READ",
    "UPDATE",
]


def _owner(api: Api) -> int:
    return int(api.ok("GET", "/userProfile")["ownerId"])


def _own(api: Api) -> dict[str, Any]:
    return {"resourceAccess": [{"principalId": _owner(api), "accessType": ADMIN_ACCESS}]}


def _with(acl: dict[str, Any], principal: int, access: list[str]) -> dict[str, Any]:
    return acl | {
        "resourceAccess": [*acl["resourceAccess"], {"principalId": principal, "accessType": access}]
    }


def test_new_project_gets_creator_acl(alice: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    assert acl["id"] == project["id"]
    assert acl["resourceAccess"] == [{"principalId": _owner(alice), "accessType": ADMIN_ACCESS}]
    assert acl["creationDate"].endswith("Z")


def test_get_acl_of_inheriting_entity_returns_404_naming_benefactor(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    response = alice.get(f"/entity/{folder['id']}/acl")
    assert response.status_code == 404
    assert project["id"] in reason(response)


def test_get_benefactor_returns_nearest_acl_owner(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    child = alice.folder(folder)
    assert alice.ok("GET", f"/entity/{child['id']}/benefactor")["id"] == project["id"]
    alice.ok("POST", f"/entity/{folder['id']}/acl", _own(alice), status=201)
    benefactor = alice.ok("GET", f"/entity/{child['id']}/benefactor")
    assert benefactor["id"] == folder["id"]


def test_put_acl_grants_another_user(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    assert bob.get(f"/entity/{folder['id']}").status_code == 403
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    updated = alice.ok("PUT", f"/entity/{project['id']}/acl", _with(acl, _owner(bob), ["READ"]))
    assert updated["etag"] != acl["etag"]
    assert bob.ok("GET", f"/entity/{folder['id']}")["id"] == folder["id"]
    assert bob.put(f"/entity/{folder['id']}", folder | {"description": "x"}).status_code == 403
    assert bob.delete(f"/entity/{folder['id']}").status_code == 403


def test_put_acl_stale_etag_returns_412(alice: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert alice.put(f"/entity/{project['id']}/acl", acl).status_code == 412


def test_put_acl_validation_errors(alice: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    assert alice.put(f"/entity/{project['id']}/acl", acl | {"id": "syn1"}).status_code == 400
    assert alice.put(f"/entity/{project['id']}/acl", _with(acl, _owner(alice), ["FLY"])).status_code == 400
    assert alice.put(f"/entity/{project['id']}/acl", _with(acl, 273950, ["UPDATE"])).status_code == 400
    assert alice.put(f"/entity/{project['id']}/acl", _with(acl, 42, ["READ"])).status_code == 400


def test_put_acl_on_inheriting_entity_returns_403(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    body = {"id": folder["id"], "resourceAccess": []}
    assert alice.put(f"/entity/{folder['id']}/acl", body).status_code == 403


def test_post_acl_twice_returns_403(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("POST", f"/entity/{folder['id']}/acl", _own(alice), status=201)
    response = alice.post(f"/entity/{folder['id']}/acl", _own(alice))
    assert response.status_code == 403
    assert "already has an ACL" in reason(response)


def test_delete_acl_restores_inheritance(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("POST", f"/entity/{folder['id']}/acl", _own(alice), status=201)
    alice.ok("DELETE", f"/entity/{folder['id']}/acl", status=204)
    assert alice.get(f"/entity/{folder['id']}/acl").status_code == 404
    assert alice.delete(f"/entity/{folder['id']}/acl").status_code == 403


def test_delete_project_acl_returns_403(alice: Api) -> None:
    project = alice.project()
    assert alice.delete(f"/entity/{project['id']}/acl").status_code == 403


def test_public_read_lets_anonymous_read(alice: Api, anonymous: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    alice.ok("PUT", f"/entity/{project['id']}/acl", _with(acl, 273949, ["READ"]))
    assert anonymous.ok("GET", f"/entity/{project['id']}")["id"] == project["id"]
    permissions = anonymous.ok("GET", f"/entity/{project['id']}/permissions")
    assert permissions["canView"] is True
    assert permissions["canEdit"] is False
    assert permissions["canPublicRead"] is True


def test_authenticated_users_grant_reaches_every_user(alice: Api, bob: Api, anonymous: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    alice.ok("PUT", f"/entity/{project['id']}/acl", _with(acl, 273948, ["READ", "CREATE"]))
    assert bob.folder(project)["parentId"] == project["id"]
    assert anonymous.get(f"/entity/{project['id']}").status_code == 403


def test_get_permissions_reflects_acl(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    mine = alice.ok("GET", f"/entity/{folder['id']}/permissions")
    assert mine["canView"] and mine["canEdit"] and mine["canDelete"] and mine["canChangePermissions"]
    assert mine["canEnableInheritance"] is False
    assert mine["ownerPrincipalId"] == _owner(alice)
    theirs = bob.ok("GET", f"/entity/{folder['id']}/permissions")
    assert not any(theirs[key] for key in ("canView", "canEdit", "canDelete", "canAddChild", "canDownload"))


def test_get_access_answers_boolean(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert alice.ok("GET", f"/entity/{project['id']}/access", accessType="UPDATE") == {"result": True}
    assert bob.ok("GET", f"/entity/{project['id']}/access", accessType="READ") == {"result": False}
    assert alice.get(f"/entity/{project['id']}/access", accessType="FLY").status_code == 400


def test_admin_bypasses_acls(alice: Api, admin: Api) -> None:
    project = alice.project()
    folder = admin.folder(project)
    assert folder["parentId"] == project["id"]
    assert admin.ok("GET", f"/entity/{project['id']}/permissions")["canChangePermissions"] is True


def test_acl_accepts_the_bootstrap_admin_user(alice: Api) -> None:
    # Principal 1 (BOOTSTRAP_PRINCIPAL.THE_ADMIN_USER) exists on every Synapse stack; ACLs may name it.
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    stored = alice.ok("PUT", f"/entity/{project['id']}/acl", _with(acl, 1, ["READ"]))
    assert {"principalId": 1, "accessType": ["READ"]} in stored["resourceAccess"]
    headers = alice.ok("GET", "/userGroupHeaders/batch?ids=1")["children"]
    assert headers == [{"ownerId": "1", "userName": "migrationAdmin", "isIndividual": True}]
