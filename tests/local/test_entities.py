"""Entity CRUD, naming rules, etags, moves, versions, headers, types and paths."""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason, unique

PROJECT = "org.sagebionetworks.repo.model.Project"
FOLDER = "org.sagebionetworks.repo.model.Folder"
FILE = "org.sagebionetworks.repo.model.FileEntity"


def test_post_project_returns_201_with_server_fields(alice: Api) -> None:
    project = alice.project("Project (alpha) 1")
    assert project["id"].startswith("syn")
    assert project["concreteType"] == PROJECT
    assert project["parentId"] == "syn4489"
    assert project["createdBy"] == project["modifiedBy"]
    assert project["createdOn"].endswith("Z")
    assert len(project["etag"]) == 36
    assert "versionNumber" not in project


def test_post_entity_without_name_uses_id(alice: Api) -> None:
    project = alice.project()
    folder = alice.ok("POST", "/entity", {"concreteType": FOLDER, "parentId": project["id"]}, status=201)
    assert folder["name"] == folder["id"]


def test_post_entity_keeps_unknown_fields(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, customField={"a": [1, 2]})
    assert alice.ok("GET", f"/entity/{folder['id']}")["customField"] == {"a": [1, 2]}


def test_post_entity_invalid_name_returns_400(alice: Api) -> None:
    project = alice.project()
    for bad in ("a/b", "x" * 257, "   ", "semi;colon"):
        response = alice.post("/entity", {"concreteType": FOLDER, "parentId": project["id"], "name": bad})
        assert response.status_code == 400, bad


def test_post_entity_long_description_returns_400(alice: Api) -> None:
    response = alice.post(
        "/entity", {"concreteType": PROJECT, "name": unique("p"), "description": "d" * 1001}
    )
    assert response.status_code == 400


def test_post_entity_without_concrete_type_returns_400(alice: Api) -> None:
    assert alice.post("/entity", {"name": unique("p")}).status_code == 400
    assert (
        alice.post("/entity", {"name": unique("p"), "concreteType": "com.example.Thing"}).status_code == 400
    )


def test_post_entity_legacy_entity_type_is_accepted(alice: Api) -> None:
    project = alice.ok("POST", "/entity", {"entityType": PROJECT, "name": unique("legacy")}, status=201)
    assert project["concreteType"] == PROJECT


def test_post_duplicate_name_returns_409(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "dup")
    response = alice.post("/entity", {"concreteType": FOLDER, "parentId": project["id"], "name": "dup"})
    assert response.status_code == 409
    assert reason(response) == f"An entity with the name: dup already exists with a parentId: {project['id']}"
    assert folder["name"] == "dup"
    clash = bob.post("/entity", {"concreteType": PROJECT, "name": project["name"]})
    assert clash.status_code == 409


def test_post_folder_without_parent_returns_400(alice: Api) -> None:
    assert alice.post("/entity", {"concreteType": FOLDER, "name": unique("f")}).status_code == 400


def test_post_folder_under_file_returns_400(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    response = alice.post("/entity", {"concreteType": FOLDER, "name": unique("f"), "parentId": file["id"]})
    assert response.status_code == 400


def test_post_entity_in_missing_parent_returns_404(alice: Api) -> None:
    response = alice.post("/entity", {"concreteType": FOLDER, "name": unique("f"), "parentId": "syn999"})
    assert response.status_code == 404


def test_post_entity_in_other_users_project_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    response = bob.post("/entity", {"concreteType": FOLDER, "name": unique("f"), "parentId": project["id"]})
    assert response.status_code == 403


def test_post_file_without_handle_returns_400(alice: Api) -> None:
    project = alice.project()
    response = alice.post("/entity", {"concreteType": FILE, "name": unique("f"), "parentId": project["id"]})
    assert response.status_code == 400


def test_post_entity_with_generated_by_is_accepted(alice: Api) -> None:
    project = alice.project()
    folder = alice.ok(
        "POST",
        "/entity",
        {"concreteType": FOLDER, "name": unique("f"), "parentId": project["id"]},
        status=201,
        generatedBy=alice.activity(),
    )
    assert folder["id"]


def test_get_entity_accepts_id_forms(alice: Api) -> None:
    project = alice.project()
    number = project["id"][3:]
    for form in (project["id"], f"SYN{number}", number):
        assert alice.ok("GET", f"/entity/{form}")["id"] == project["id"]


def test_get_entity_errors(alice: Api, bob: Api, anonymous: Api) -> None:
    project = alice.project()
    assert alice.get("/entity/syn1").status_code == 404
    assert alice.get("/entity/notanid").status_code == 400
    assert bob.get(f"/entity/{project['id']}").status_code == 403
    assert anonymous.get(f"/entity/{project['id']}").status_code == 403


def test_get_entity_as_admin_succeeds(alice: Api, admin: Api) -> None:
    project = alice.project()
    assert admin.ok("GET", f"/entity/{project['id']}")["id"] == project["id"]


def test_put_entity_replaces_fields_and_changes_etag(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, description="first", extra="x")
    body = {k: v for k, v in folder.items() if k not in ("description", "extra")} | {
        "name": unique("renamed")
    }
    updated = alice.ok("PUT", f"/entity/{folder['id']}", body)
    assert updated["name"] == body["name"]
    assert "description" not in updated
    assert "extra" not in updated
    assert updated["etag"] != folder["etag"]
    assert updated["modifiedOn"] >= folder["modifiedOn"]


def test_put_entity_stale_etag_returns_412(alice: Api) -> None:
    project = alice.project()
    alice.ok("PUT", f"/entity/{project['id']}", project | {"description": "v2"})
    response = alice.put(f"/entity/{project['id']}", project | {"description": "v3"})
    assert response.status_code == 412
    assert "updated since you last fetched it" in reason(response)


def test_put_entity_name_clash_returns_409(alice: Api) -> None:
    project = alice.project()
    alice.folder(project, "taken")
    other = alice.folder(project)
    assert alice.put(f"/entity/{other['id']}", other | {"name": "taken"}).status_code == 409


def test_put_entity_id_mismatch_returns_400(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    assert alice.put(f"/entity/{project['id']}", folder).status_code == 400


def test_put_entity_by_other_user_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert bob.put(f"/entity/{project['id']}", project | {"description": "x"}).status_code == 403


def test_put_entity_move_changes_parent(alice: Api) -> None:
    project = alice.project()
    source, target = alice.folder(project), alice.folder(project)
    child = alice.folder(source, "moving")
    moved = alice.ok("PUT", f"/entity/{child['id']}", child | {"parentId": target["id"]})
    assert moved["parentId"] == target["id"]
    assert (
        alice.ok("POST", "/entity/child", {"parentId": target["id"], "entityName": "moving"})["id"]
        == child["id"]
    )


def test_put_entity_move_into_descendant_returns_400(alice: Api) -> None:
    project = alice.project()
    outer = alice.folder(project)
    inner = alice.folder(outer)
    assert alice.put(f"/entity/{outer['id']}", outer | {"parentId": inner["id"]}).status_code == 400


def test_put_entity_move_to_unwritable_parent_returns_403(alice: Api, bob: Api) -> None:
    mine = alice.project()
    folder = alice.folder(mine)
    theirs = bob.project()
    assert alice.put(f"/entity/{folder['id']}", folder | {"parentId": theirs["id"]}).status_code == 403


def _versions(api: Api, entity_id: str, **params: Any) -> list[dict[str, Any]]:
    return list(api.ok("GET", f"/entity/{entity_id}/version", **params)["results"])


def test_file_entity_starts_at_version_one(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    assert (file["versionNumber"], file["versionLabel"], file["isLatestVersion"]) == (1, "1", True)


def test_put_file_new_handle_creates_version(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project, versionComment="first")
    updated = alice.ok("PUT", f"/entity/{file['id']}", file | {"dataFileHandleId": alice.handle("v2.txt")})
    assert updated["versionNumber"] == 2
    assert updated["versionLabel"] == "2"
    assert "versionComment" not in updated
    old = alice.ok("GET", f"/entity/{file['id']}/version/1")
    assert old["etag"] == "00000000-0000-0000-0000-000000000000"
    assert old["isLatestVersion"] is False
    assert old["dataFileHandleId"] == file["dataFileHandleId"]
    assert [v["versionNumber"] for v in _versions(alice, file["id"])] == [2, 1]


def test_put_file_same_handle_keeps_version(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    updated = alice.ok("PUT", f"/entity/{file['id']}", file | {"description": "same bytes"})
    assert updated["versionNumber"] == 1


def test_put_new_version_flag_copies_annotations(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    annotations = {
        "id": file["id"],
        "etag": file["etag"],
        "annotations": {"k": {"type": "STRING", "value": ["v"]}},
    }
    etag = alice.ok("PUT", f"/entity/{file['id']}/annotations2", annotations)["etag"]
    updated = alice.ok(
        "PUT", f"/entity/{file['id']}", file | {"etag": etag, "versionLabel": "release"}, newVersion="true"
    )
    assert (updated["versionNumber"], updated["versionLabel"]) == (2, "release")
    assert alice.ok("GET", f"/entity/{file['id']}/annotations2")["annotations"] == annotations["annotations"]


def test_get_versions_pages_newest_first(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    for _ in range(3):
        file = alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    page = alice.ok("GET", f"/entity/{file['id']}/version", offset=0, limit=2)
    assert [v["versionNumber"] for v in page["results"]] == [4, 3]
    assert page["totalNumberOfResults"] == 3
    assert page["results"][0]["isLatestVersion"] is True
    assert [v["versionNumber"] for v in _versions(alice, file["id"], offset=2, limit=2)] == [2, 1]


def test_delete_version_removes_it_and_never_reuses_number(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    file = alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    alice.ok("DELETE", f"/entity/{file['id']}/version/2", status=204)
    current = alice.ok("GET", f"/entity/{file['id']}")
    assert current["versionNumber"] == 1
    assert alice.get(f"/entity/{file['id']}/version/2").status_code == 404
    again = alice.ok("PUT", f"/entity/{file['id']}", current, newVersion="true")
    assert again["versionNumber"] == 3


def test_delete_only_version_returns_400(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    response = alice.delete(f"/entity/{file['id']}/version/1")
    assert response.status_code == 400


def test_table_entity_is_versioned_in_progress(alice: Api) -> None:
    project = alice.project()
    table = alice.ok(
        "POST",
        "/entity",
        {"concreteType": "org.sagebionetworks.repo.model.table.TableEntity", "name": unique("t"),
         "parentId": project["id"]},
        status=201,
    )  # fmt: skip
    assert table["versionLabel"] == "in progress"
    updated = alice.ok("PUT", f"/entity/{table['id']}", table, newVersion="true")
    assert updated["versionNumber"] == 1


def test_link_and_view_types_are_stored(alice: Api) -> None:
    project = alice.project()
    link = alice.ok(
        "POST",
        "/entity",
        {"concreteType": "org.sagebionetworks.repo.model.Link", "name": unique("l"),
         "parentId": project["id"], "linksTo": {"targetId": project["id"]}, "linksToClassName": PROJECT},
        status=201,
    )  # fmt: skip
    assert link["linksTo"] == {"targetId": project["id"]}
    view = alice.ok(
        "POST",
        "/entity",
        {"concreteType": "org.sagebionetworks.repo.model.table.EntityView", "name": unique("v"),
         "parentId": project["id"], "scopeIds": [project["id"]], "viewTypeMask": 1},
        status=201,
    )  # fmt: skip
    assert view["scopeIds"] == [project["id"].removeprefix("syn")]  # Synapse keeps scope ids as numbers


def test_get_entity_type_returns_header(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    header = alice.ok("GET", f"/entity/{folder['id']}/type")
    assert header["id"] == folder["id"]
    assert header["type"] == FOLDER
    assert header["benefactorId"] == int(project["id"][3:])


def test_post_entity_header_drops_unknown_and_unreadable(alice: Api, bob: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    file = alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    hidden = bob.project()
    refs = [
        {"targetId": project["id"]},
        {"targetId": file["id"], "targetVersionNumber": 1},
        {"targetId": hidden["id"]},
        {"targetId": "syn1"},
    ]
    page = alice.ok("POST", "/entity/header", {"references": refs})
    assert [(h["id"], h["versionNumber"]) for h in page["results"]] == [(project["id"], 1), (file["id"], 1)]
    assert page["results"][1]["isLatestVersion"] is False


def test_get_entity_type_batch_returns_headers(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    page = alice.ok("GET", "/entity/type", batch=f"{project['id']},{folder['id']},syn1")
    assert [h["id"] for h in page["results"]] == [project["id"], folder["id"]]


def test_get_entity_path_starts_at_root(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    child = alice.folder(folder)
    path = alice.ok("GET", f"/entity/{child['id']}/path")["path"]
    assert [h["id"] for h in path] == ["syn4489", project["id"], folder["id"], child["id"]]
    assert path[1]["type"] == PROJECT
