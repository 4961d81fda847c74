"""Provenance on the embedded server: Activity CRUD, generatedBy per version, etags, bundles."""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason
from .files_util import upload

USED_ENTITY = "org.sagebionetworks.repo.model.provenance.UsedEntity"
USED_URL = "org.sagebionetworks.repo.model.provenance.UsedURL"


def _activity(api: Api, name: str = "align", **fields: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "used": [{"concreteType": USED_URL, "url": "https://e.org/run.py", "wasExecuted": True}],
    }
    return dict(api.ok("POST", "/activity", body | fields, status=201))


def test_create_and_get_activity(alice: Api) -> None:
    project = alice.project()
    used: list[dict[str, Any]] = [
        {"concreteType": USED_ENTITY, "reference": {"targetId": project["id"], "targetVersionNumber": 1}},
        {"concreteType": USED_URL, "name": "script", "url": "https://e.org/s.py", "wasExecuted": True},
    ]
    created = _activity(alice, "make", description="how", used=used)
    assert created["id"] and created["etag"] and created["createdBy"]
    fetched = alice.ok("GET", f"/activity/{created['id']}")
    assert fetched["used"][0] == used[0] | {"wasExecuted": False}
    assert fetched["used"][1] == used[1]


def test_create_activity_rejects_bad_used_items(alice: Api, anonymous: Api) -> None:
    response = alice.post("/activity", {"name": "x", "used": [{"concreteType": USED_URL}]})
    assert response.status_code == 400 and "url" in reason(response)
    response = alice.post("/activity", {"name": "x", "used": [{"url": "https://e.org"}]})
    assert response.status_code == 400
    assert anonymous.post("/activity", {"name": "x"}).status_code == 403


def test_update_activity_checks_etag_and_creator(alice: Api, bob: Api) -> None:
    activity = _activity(alice)
    updated = alice.ok("PUT", f"/activity/{activity['id']}", activity | {"name": "renamed"})
    assert updated["name"] == "renamed" and updated["etag"] != activity["etag"]
    stale = alice.put(f"/activity/{activity['id']}", activity | {"name": "late"})
    assert stale.status_code == 412
    assert bob.put(f"/activity/{activity['id']}", updated).status_code == 403
    assert bob.delete(f"/activity/{activity['id']}").status_code == 403
    assert bob.get(f"/activity/{activity['id']}").status_code == 403
    assert alice.delete(f"/activity/{activity['id']}").status_code == 204
    assert alice.get(f"/activity/{activity['id']}").status_code == 404


def test_generated_by_links_per_version_and_changes_etag(alice: Api) -> None:
    project = alice.project()
    first = _activity(alice, "first")
    handle = upload(alice, b"v1", "v.txt")
    body = {
        "concreteType": "org.sagebionetworks.repo.model.FileEntity",
        "name": "prov.txt",
        "parentId": project["id"],
        "dataFileHandleId": handle["id"],
    }
    entity = alice.ok("POST", "/entity", body, generatedBy=first["id"], status=201)
    assert alice.ok("GET", f"/entity/{entity['id']}/generatedBy")["name"] == "first"
    second = _activity(alice, "second")
    entity["dataFileHandleId"] = upload(alice, b"v2", "v.txt")["id"]
    entity = alice.ok("PUT", f"/entity/{entity['id']}", entity, generatedBy=second["id"])
    assert entity["versionNumber"] == 2
    assert alice.ok("GET", f"/entity/{entity['id']}/version/1/generatedBy")["name"] == "first"
    assert alice.ok("GET", f"/entity/{entity['id']}/version/2/generatedBy")["name"] == "second"
    entity["dataFileHandleId"] = upload(alice, b"v3", "v.txt")["id"]
    entity = alice.ok("PUT", f"/entity/{entity['id']}", entity)
    assert alice.get(f"/entity/{entity['id']}/generatedBy").status_code == 404  # new version, none passed
    linked = alice.ok("PUT", f"/entity/{entity['id']}/generatedBy", generatedBy=first["id"])
    assert linked["id"] == first["id"]
    after_link = alice.ok("GET", f"/entity/{entity['id']}")
    assert after_link["etag"] != entity["etag"]
    assert alice.delete(f"/entity/{entity['id']}/generatedBy").status_code == 204
    assert alice.ok("GET", f"/entity/{entity['id']}")["etag"] != after_link["etag"]
    assert alice.get(f"/entity/{entity['id']}/generatedBy").status_code == 404
    generated = alice.ok("GET", f"/activity/{first['id']}/generated")["results"]
    assert generated == [{"targetId": entity["id"], "targetVersionNumber": 1}]


def test_generated_by_needs_own_existing_activity(alice: Api, bob: Api) -> None:
    project = alice.project()
    theirs = _activity(bob, "bob's")
    folder = alice.folder(project)
    assert alice.put(f"/entity/{folder['id']}/generatedBy", generatedBy=theirs["id"]).status_code == 403
    assert alice.put(f"/entity/{folder['id']}/generatedBy", generatedBy="123456789").status_code == 404
    body = {"concreteType": "org.sagebionetworks.repo.model.Folder", "name": "f2", "parentId": project["id"]}
    assert alice.post("/entity", body, generatedBy=theirs["id"]).status_code == 403


def test_activity_readable_through_generated_entity(alice: Api, bob: Api) -> None:
    project = alice.project()
    activity = _activity(alice, "shared")
    folder = alice.folder(project)
    alice.ok("PUT", f"/entity/{folder['id']}/generatedBy", generatedBy=activity["id"])
    assert bob.get(f"/activity/{activity['id']}").status_code == 403
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"].append(
        {"principalId": int(bob.ok("GET", "/userProfile")["ownerId"]), "accessType": ["READ"]}
    )
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert bob.ok("GET", f"/activity/{activity['id']}")["name"] == "shared"


def test_bundle_activity_part_and_bundle_create_with_generated_by(alice: Api) -> None:
    project = alice.project()
    activity = _activity(alice, "bundled")
    handle = upload(alice, b"bundle", "b.txt")
    entity = {
        "concreteType": "org.sagebionetworks.repo.model.FileEntity",
        "name": "b.txt",
        "parentId": project["id"],
        "dataFileHandleId": handle["id"],
    }
    annotations = {"annotations": {"k": {"type": "STRING", "value": ["v"]}}}
    created = alice.ok(
        "POST",
        "/entity/bundle2/create",
        {"entity": entity, "annotations": annotations},
        generatedBy=activity["id"],
        status=201,
    )
    entity_id = created["entity"]["id"]
    bundle = alice.ok("POST", f"/entity/{entity_id}/bundle2", {"includeActivity": True})
    assert bundle["activity"]["id"] == activity["id"]
    other = _activity(alice, "later")
    current = created["entity"] | {"dataFileHandleId": upload(alice, b"bundle 2", "b.txt")["id"]}
    updated = alice.ok("PUT", f"/entity/{entity_id}/bundle2", {"entity": current}, generatedBy=other["id"])
    assert updated["entity"]["versionNumber"] == 2
    assert (
        alice.ok("POST", f"/entity/{entity_id}/version/2/bundle2", {"includeActivity": True})["activity"][
            "name"
        ]
        == "later"
    )
    assert (
        alice.ok("POST", f"/entity/{entity_id}/version/1/bundle2", {"includeActivity": True})["activity"][
            "name"
        ]
        == "bundled"
    )
    plain = alice.ok("POST", f"/entity/{project['id']}/bundle2", {"includeActivity": True})
    assert "activity" not in plain
