"""Refusals of entities, ACLs, the trash can and provenance in Synapse's own words.

The official client and users' scripts match on these texts; each test names where Synapse says it
(Synapse-Repository-Services sources), and pins the status and the exact reason.
"""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason


def _owner(api: Api) -> int:
    return int(api.ok("GET", "/userProfile")["ownerId"])


def _refused(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    return reason(response)


# -- ACLs (EntityAclManagerImpl, ACLInheritanceException) -----------------------------------------------


def test_get_acl_of_inheriting_entity_names_the_benefactor_acl_path(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(alice.folder(project))
    assert _refused(alice.get(f"/entity/{folder['id']}/acl"), 404) == (
        "The requested ACL does not exist. This entity inherits its permissions from: "
        f"/repo/v1/entity/{project['id']}/acl"
    )


def test_delete_acl_of_inheriting_entity_is_403_already_inherits(alice: Api) -> None:
    folder = alice.folder(alice.project())
    response = alice.delete(f"/entity/{folder['id']}/acl")
    assert _refused(response, 403) == "Resource already inherits its permissions."


def test_delete_acl_of_project_is_403_no_parent(alice: Api) -> None:
    project = alice.project()
    response = alice.delete(f"/entity/{project['id']}/acl")
    assert _refused(response, 403) == "Cannot restore inheritance for resource which has no parent."


def test_update_acl_of_inheriting_entity_is_403(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    acl = alice.ok("GET", f"/entity/{project['id']}/acl") | {"id": folder["id"]}
    response = alice.put(f"/entity/{folder['id']}/acl", acl)
    assert _refused(response, 403) == "Cannot update ACL for a resource which inherits its permissions."


def test_creator_keeps_change_settings_whatever_the_acl(alice: Api) -> None:
    """Synapse grants CHANGE_SETTINGS to an entity's creator (EntityAuthorizationUtils)."""
    project = alice.project()
    read_only = {"resourceAccess": [{"principalId": _owner(alice), "accessType": ["READ"]}]}
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl | read_only)
    permissions = alice.ok("GET", f"/entity/{project['id']}/permissions")
    assert (permissions["canChangeSettings"], permissions["canChangePermissions"]) == (True, False)
    assert alice.ok("GET", f"/entity/{project['id']}/access", accessType="CHANGE_SETTINGS")["result"]


def test_other_user_with_read_only_has_no_change_settings(alice: Api, bob: Api) -> None:
    project = alice.project()
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"].append({"principalId": _owner(bob), "accessType": ["READ"]})
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert bob.ok("GET", f"/entity/{project['id']}/permissions")["canChangeSettings"] is False


# -- the trash can (AuthorizationConstants, TrashManagerImpl) -------------------------------------------


def test_read_of_trashed_entity_is_404_in_trash_can(alice: Api) -> None:
    folder = alice.folder(alice.project())
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    response = alice.post(f"/entity/{folder['id']}/bundle2", {"includeEntity": True})
    assert _refused(response, 404) == f"Entity {folder['id']} is in trash can."


def test_restore_of_entity_not_in_trash_is_404(alice: Api) -> None:
    folder = alice.folder(alice.project())
    response = alice.put(f"/trashcan/restore/{folder['id']}")
    assert _refused(response, 404) == f"The node {folder['id']} is not in the trash can."


def test_restore_by_other_user_is_403_naming_the_user(alice: Api, bob: Api) -> None:
    folder = alice.folder(alice.project())
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    response = bob.put(f"/trashcan/restore/{folder['id']}")
    assert _refused(response, 403) == (
        f"User {_owner(bob)} not allowed to restore {folder['id']}. The node was deleted by a different user."
    )


def test_restore_into_trashed_parent_is_403(alice: Api) -> None:
    project = alice.project()
    parent, folder = alice.folder(project), alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.ok("DELETE", f"/entity/{parent['id']}", status=204)
    response = alice.put(f"/trashcan/restore/{folder['id']}/{parent['id']}")
    assert _refused(response, 403) == (
        f"The intended parent {parent['id']} is in the trash can and cannot be restored to."
    )


def test_restore_of_folder_to_root_is_400(alice: Api) -> None:
    folder = alice.folder(alice.project())
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    response = alice.put(f"/trashcan/restore/{folder['id']}/syn4489")
    assert _refused(response, 400) == "Ony projects can be restored to root"  # sic


def test_purge_by_other_user_is_403_and_purge_of_absent_item_does_nothing(alice: Api, bob: Api) -> None:
    folder = alice.folder(alice.project())
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    response = bob.put(f"/trashcan/purge/{folder['id']}")
    assert _refused(response, 403) == f"Insufficient permissions for user {_owner(bob)}"
    alice.ok("PUT", f"/trashcan/purge/{folder['id']}")
    alice.ok("PUT", f"/trashcan/purge/{folder['id']}")  # already gone: Synapse answers 200 too


# -- versions (NodeDAOImpl) ------------------------------------------------------------------------------


def test_read_of_deleted_version_is_404_cannot_find_node(alice: Api) -> None:
    file = alice.file(alice.project())
    alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    alice.ok("DELETE", f"/entity/{file['id']}/version/1", status=204)
    for response in (
        alice.get(f"/entity/{file['id']}/version/1"),
        alice.post(f"/entity/{file['id']}/version/1/bundle2", {"includeEntity": True}),
    ):
        assert _refused(response, 404) == f"Cannot find a node with id {file['id']} and version 1"


def test_delete_of_absent_version_does_nothing_and_of_last_version_is_400(alice: Api) -> None:
    file = alice.file(alice.project())
    alice.ok("DELETE", f"/entity/{file['id']}/version/7", status=204)
    assert alice.ok("GET", f"/entity/{file['id']}")["etag"] == file["etag"]
    response = alice.delete(f"/entity/{file['id']}/version/1")
    assert _refused(response, 400) == "Cannot delete the last version of a node"


# -- provenance (DBOActivityDAOImpl, ActivityManagerImpl, NodeManagerImpl) -------------------------------


def test_get_unknown_activity_is_404_could_not_be_found(alice: Api) -> None:
    for activity_id in ("999999999", "syn999999999"):
        response = alice.get(f"/activity/{activity_id}")
        assert _refused(response, 404) == f"Activity with id '{activity_id}' could not be found."


def test_activity_of_other_user_is_403_for_read_and_change(alice: Api, bob: Api) -> None:
    activity = alice.ok("POST", "/activity", {"name": "mine"}, status=201)
    response = bob.get(f"/activity/{activity['id']}")
    assert _refused(response, 403) == f"User lacks permission to access Activity {activity['id']}"
    response = bob.put(f"/activity/{activity['id']}", activity | {"name": "theirs"})
    assert _refused(response, 403) == f"{_owner(bob)} lacks change access to the requested object."


def test_delete_of_linked_activity_is_400_and_of_absent_one_does_nothing(alice: Api) -> None:
    folder = alice.folder(alice.project())
    activity = alice.ok("POST", "/activity", {"name": "linked"}, status=201)
    alice.ok("PUT", f"/entity/{folder['id']}/generatedBy", generatedBy=activity["id"])
    response = alice.delete(f"/activity/{activity['id']}")
    assert _refused(response, 400) == (
        "If you wish to delete this activity, please first delete all Entities generated by this Activity."
    )
    alice.ok("DELETE", f"/entity/{folder['id']}/generatedBy", status=204)
    alice.ok("DELETE", f"/activity/{activity['id']}", status=204)
    alice.ok("DELETE", f"/activity/{activity['id']}", status=204)


def test_generated_by_without_link_is_404_no_activity(alice: Api) -> None:
    folder = alice.folder(alice.project())
    assert _refused(alice.get(f"/entity/{folder['id']}/generatedBy"), 404) == "No activity"
    alice.ok("DELETE", f"/entity/{folder['id']}/generatedBy", status=204)  # nothing to unlink: fine


def test_link_to_unknown_activity_is_404_not_found(alice: Api) -> None:
    folder = alice.folder(alice.project())
    response = alice.put(f"/entity/{folder['id']}/generatedBy", generatedBy="123456789")
    assert _refused(response, 404) == "Activity id 123456789 not found."


def test_used_entity_without_version_gets_the_current_version(alice: Api) -> None:
    """ActivityServiceImpl.verifyUsedEntries fills in the current version."""
    file = alice.file(alice.project())
    file = alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    used = [
        {"concreteType": "org.sagebionetworks.repo.model.provenance.UsedEntity", "reference": ref}
        for ref in ({"targetId": file["id"]}, {"targetId": file["id"], "targetVersionNumber": 1})
    ]
    activity = alice.ok("POST", "/activity", {"name": "reads", "used": used}, status=201)
    assert [u["reference"] for u in activity["used"]] == [
        {"targetId": file["id"], "targetVersionNumber": 2},
        {"targetId": file["id"], "targetVersionNumber": 1},
    ]


# -- Docker repositories (ExternalDockerRepoValidator, DockerNameUtil) -----------------------------------

DOCKER = "org.sagebionetworks.repo.model.docker.DockerRepository"


def test_external_docker_repository_is_unmanaged(alice: Api) -> None:
    project = alice.project()
    body = {"concreteType": DOCKER, "parentId": project["id"], "repositoryName": "some/repository/path"}
    created = alice.ok("POST", "/entity", body, status=201)
    assert (created["repositoryName"], created["isManaged"]) == ("some/repository/path", False)


def test_invalid_docker_repositories_are_400(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    cases = [
        (project, "ubuntu", "Invalid repository name: ubuntu"),
        (project, "docker.synapse.org/syn1/x", "Cannot create or update a managed Docker repository."),
        (folder, "some/repository", "Parent must be a project."),
    ]
    for parent, name, expected in cases:
        body = {"concreteType": DOCKER, "parentId": parent["id"], "repositoryName": name}
        assert _refused(alice.post("/entity", body), 400) == expected


def test_lookup_of_missing_child_is_404_child_not_found(alice: Api) -> None:
    project = alice.project()
    response = alice.post("/entity/child", {"parentId": project["id"], "entityName": "nothing here"})
    assert (
        _refused(response, 404) == f"Child not found for parent: '{project['id']}' with name: 'nothing here'"
    )


def test_read_of_missing_entity_is_404_resource_does_not_exist(alice: Api) -> None:
    """EntityDeciderFunctions.DENY_IF_DOES_NOT_EXIST."""
    for response in (alice.get("/entity/syn999999999"), alice.post("/entity/syn999999999/bundle2", {})):
        assert _refused(response, 404) == "Resource: 'syn999999999' does not exist"
