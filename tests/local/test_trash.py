"""Trash can: delete moves the subtree, names are freed, restore and purge."""

from __future__ import annotations

from .conftest import Api, reason


def test_delete_entity_trashes_subtree(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "trashed")
    child = alice.folder(folder)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    for entity in (folder, child):
        response = alice.get(f"/entity/{entity['id']}")
        assert response.status_code == 404
        assert "trash can" in reason(response)
    children = alice.ok("POST", "/entity/children", {"parentId": project["id"], "includeTypes": ["folder"]})
    assert children["page"] == []


def test_delete_entity_frees_its_name(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "reusable")
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    again = alice.folder(project, "reusable")
    assert again["id"] != folder["id"]


def test_delete_missing_or_trashed_entity_is_silent(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.ok("DELETE", "/entity/syn1", status=204)


def test_delete_entity_by_other_user_returns_403(alice: Api, bob: Api, anonymous: Api) -> None:
    project = alice.project()
    assert bob.delete(f"/entity/{project['id']}").status_code == 403
    assert anonymous.delete(f"/entity/{project['id']}").status_code == 403


def test_view_trash_lists_callers_items(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "in the bin")
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    items = alice.ok("GET", "/trashcan/view", limit=100)["results"]
    item = next(i for i in items if i["entityId"] == folder["id"])
    assert item["entityName"] == "in the bin"
    assert item["entityType"] == "folder"
    assert item["originalParentId"] == project["id"]
    assert folder["id"] not in [i["entityId"] for i in bob.ok("GET", "/trashcan/view", limit=100)["results"]]


def test_restore_brings_subtree_back(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "comeback")
    child = alice.folder(folder)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.ok("PUT", f"/trashcan/restore/{folder['id']}", status=200)
    restored = alice.ok("GET", f"/entity/{folder['id']}")
    assert (restored["name"], restored["parentId"]) == ("comeback", project["id"])
    assert alice.ok("GET", f"/entity/{child['id']}")["parentId"] == folder["id"]
    assert alice.put(f"/trashcan/restore/{folder['id']}").status_code == 404


def test_restore_project_gives_back_its_acl(alice: Api) -> None:
    project = alice.project()
    alice.ok("DELETE", f"/entity/{project['id']}", status=204)
    alice.ok("PUT", f"/trashcan/restore/{project['id']}")
    assert alice.ok("GET", f"/entity/{project['id']}/acl")["id"] == project["id"]


def test_restore_to_other_parent_and_name_clash(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "clash")
    target = alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.folder(project, "clash")
    assert alice.put(f"/trashcan/restore/{folder['id']}").status_code == 409
    alice.ok("PUT", f"/trashcan/restore/{folder['id']}/{target['id']}")
    assert alice.ok("GET", f"/entity/{folder['id']}")["parentId"] == target["id"]


def test_restore_into_trashed_parent_returns_403(alice: Api) -> None:
    project = alice.project()
    parent = alice.folder(project)
    folder = alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.ok("DELETE", f"/entity/{parent['id']}", status=204)
    assert alice.put(f"/trashcan/restore/{folder['id']}/{parent['id']}").status_code == 403


def test_restore_by_other_user_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    assert bob.put(f"/trashcan/restore/{folder['id']}").status_code == 403


def test_purge_deletes_for_good(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204)
    alice.ok("PUT", f"/trashcan/purge/{folder['id']}")
    assert alice.put(f"/trashcan/restore/{folder['id']}").status_code == 404
    response = alice.get(f"/entity/{folder['id']}")
    assert response.status_code == 404
    assert "trash" not in reason(response)


def test_delete_skip_trash_can_purges(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("DELETE", f"/entity/{folder['id']}", status=204, skipTrashCan="true")
    assert folder["id"] not in [
        i["entityId"] for i in alice.ok("GET", "/trashcan/view", limit=100)["results"]
    ]
    assert alice.get(f"/entity/{folder['id']}").status_code == 404


def test_put_trash_moves_to_trash(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("PUT", f"/trashcan/trash/{folder['id']}", status=200)
    assert alice.get(f"/entity/{folder['id']}").status_code == 404
