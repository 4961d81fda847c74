"""Entity bundle v2: reading parts, creating and updating entity + annotations + ACL in one call."""

from __future__ import annotations

from .conftest import Api, unique

ALL_PARTS = {
    "includeEntity": True,
    "includeAnnotations": True,
    "includePermissions": True,
    "includeEntityPath": True,
    "includeHasChildren": True,
    "includeAccessControlList": True,
    "includeFileHandles": True,
    "includeRootWikiId": True,
    "includeBenefactorACL": True,
    "includeFileName": True,
    "includeThreadCount": True,
    "includeRestrictionInformation": True,
    "includeActivity": True,
}


def test_post_bundle_returns_requested_parts(alice: Api) -> None:
    project = alice.project()
    alice.folder(project)
    bundle = alice.ok("POST", f"/entity/{project['id']}/bundle2", ALL_PARTS)
    assert bundle["entity"] == project
    assert bundle["entityType"] == "project"
    assert bundle["annotations"] == {"id": project["id"], "etag": project["etag"], "annotations": {}}
    assert bundle["permissions"]["canEdit"] is True
    assert [h["id"] for h in bundle["path"]["path"]] == ["syn4489", project["id"]]
    assert bundle["hasChildren"] is True
    assert bundle["accessControlList"]["id"] == project["id"]
    assert bundle["benefactorAcl"] == bundle["accessControlList"]
    assert bundle["fileHandles"] == []
    assert bundle["threadCount"] == 0
    assert bundle["restrictionInformation"]["restrictionLevel"] == "OPEN"
    assert "fileName" not in bundle


def test_post_bundle_omits_unrequested_parts(alice: Api) -> None:
    project = alice.project()
    bundle = alice.ok("POST", f"/entity/{project['id']}/bundle2", {"includeEntity": True})
    assert set(bundle) == {"entity", "entityType"}


def test_post_bundle_of_inheriting_folder_has_benefactor_acl_only(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    bundle = alice.ok("POST", f"/entity/{folder['id']}/bundle2", ALL_PARTS)
    assert "accessControlList" not in bundle
    assert bundle["benefactorAcl"]["id"] == project["id"]
    assert bundle["hasChildren"] is False


def test_post_version_bundle_returns_old_version(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    bundle = alice.ok("POST", f"/entity/{file['id']}/version/1/bundle2", {"includeEntity": True})
    assert bundle["entity"]["versionNumber"] == 1
    assert bundle["entity"]["etag"] == "00000000-0000-0000-0000-000000000000"
    assert alice.post(f"/entity/{file['id']}/version/9/bundle2", {"includeEntity": True}).status_code == 404


def test_post_bundle_other_user_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert bob.post(f"/entity/{project['id']}/bundle2", {"includeEntity": True}).status_code == 403


def test_create_bundle_applies_annotations_and_acl(alice: Api, bob: Api) -> None:
    project = alice.project()
    bob_id = int(bob.ok("GET", "/userProfile")["ownerId"])
    alice_id = int(alice.ok("GET", "/userProfile")["ownerId"])
    body = {
        "entity": {
            "concreteType": "org.sagebionetworks.repo.model.Folder",
            "name": unique("b"),
            "parentId": project["id"],
        },
        "annotations": {"annotations": {"k": {"type": "LONG", "value": ["5"]}}},
        "accessControlList": {
            "resourceAccess": [
                {"principalId": alice_id, "accessType": ["CHANGE_PERMISSIONS", "READ", "UPDATE"]},
                {"principalId": bob_id, "accessType": ["READ"]},
            ]
        },
    }
    bundle = alice.ok("POST", "/entity/bundle2/create", body, status=201)
    entity = bundle["entity"]
    assert bundle["annotations"]["annotations"] == body["annotations"]["annotations"]
    assert bundle["annotations"]["etag"] == entity["etag"]
    assert alice.ok("GET", f"/entity/{entity['id']}")["etag"] == entity["etag"]
    expected = sorted(body["accessControlList"]["resourceAccess"], key=lambda entry: entry["principalId"])
    assert bundle["accessControlList"]["resourceAccess"] == expected
    assert bob.ok("GET", f"/entity/{entity['id']}")["id"] == entity["id"]


def test_create_bundle_with_bad_annotations_creates_nothing(alice: Api) -> None:
    project = alice.project()
    name = unique("b")
    body = {
        "entity": {
            "concreteType": "org.sagebionetworks.repo.model.Folder",
            "name": name,
            "parentId": project["id"],
        },
        "annotations": {"annotations": {"k": {"type": "LONG", "value": ["x"]}}},
    }
    assert alice.post("/entity/bundle2/create", body).status_code == 400
    assert alice.post("/entity/child", {"parentId": project["id"], "entityName": name}).status_code == 404


def test_update_bundle_updates_entity_and_annotations_together(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    body = {
        "entity": folder | {"description": "both at once"},
        "annotations": {
            "id": folder["id"],
            "etag": folder["etag"],
            "annotations": {"s": {"type": "STRING", "value": ["v"]}},
        },
    }
    bundle = alice.ok("PUT", f"/entity/{folder['id']}/bundle2", body)
    assert bundle["entity"]["description"] == "both at once"
    assert bundle["annotations"]["annotations"]["s"]["value"] == ["v"]
    current = alice.ok("GET", f"/entity/{folder['id']}")
    assert current["etag"] == bundle["entity"]["etag"] == bundle["annotations"]["etag"]
    assert alice.put(f"/entity/{folder['id']}/bundle2", body).status_code == 412


def test_update_bundle_annotations_only_checks_etag(alice: Api) -> None:
    project = alice.project()
    annotations = {"id": project["id"], "etag": "stale", "annotations": {}}
    assert alice.put(f"/entity/{project['id']}/bundle2", {"annotations": annotations}).status_code == 412
    fresh = annotations | {"etag": project["etag"]}
    bundle = alice.ok("PUT", f"/entity/{project['id']}/bundle2", {"annotations": fresh})
    assert bundle["entity"]["etag"] != project["etag"]
    assert alice.put(f"/entity/{project['id']}/bundle2", {}).status_code == 400
