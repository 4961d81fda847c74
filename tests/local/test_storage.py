"""Storage location and project settings (records only), with ProjectSettingsManagerImpl's refusals."""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason

P = "org.sagebionetworks.repo.model.project."


def _location(api: Api) -> dict[str, Any]:
    body = {
        "concreteType": P + "ExternalObjectStorageLocationSetting",
        "endpointUrl": "https://url.doesnt.matter.com",
        "bucket": "fake-bucket-name",
        "uploadType": "S3",
    }
    return dict(api.ok("POST", "/storageLocation", body, status=201))


def _upload_setting(project: dict[str, Any], *locations: Any) -> dict[str, Any]:
    return {
        "concreteType": P + "UploadDestinationListSetting",
        "settingsType": "upload",
        "projectId": project["id"],
        "locations": list(locations),
    }


def _refused(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    return reason(response)


def test_storage_location_belongs_to_its_creator(alice: Api, bob: Api) -> None:
    location = _location(alice)
    assert location["storageLocationId"] >= 100001 and location["createdBy"] == int(
        alice.ok("GET", "/userProfile")["ownerId"]
    )
    assert alice.ok("GET", f"/storageLocation/{location['storageLocationId']}") == location
    assert location in alice.ok("GET", "/storageLocation")["list"]
    response = bob.get(f"/storageLocation/{location['storageLocationId']}")
    assert _refused(response, 403) == "Only the creator can access storage location settings"
    response = alice.get("/storageLocation/99999999")
    assert _refused(response, 404) == "Storage location setting: '99999999' does not exist"


def test_project_setting_round_trip_as_the_official_client_does_it(alice: Api) -> None:
    project = alice.project()
    assert alice.get(f"/projectSettings/{project['id']}/type/upload").content == b""
    location = _location(alice)
    created = alice.ok(
        "POST", "/projectSettings", _upload_setting(project, location["storageLocationId"]), status=201
    )
    assert alice.ok("GET", f"/projectSettings/{project['id']}/type/upload") == created
    assert alice.ok("GET", f"/projectSettings/{created['id']}") == created
    changed = created | {"locations": [1, location["storageLocationId"]]}
    assert alice.put("/projectSettings", changed).status_code == 200
    stored = alice.ok("GET", f"/projectSettings/{created['id']}")
    assert stored["locations"] == [1, location["storageLocationId"]] and stored["etag"] != created["etag"]
    response = alice.put("/projectSettings", changed)  # stale etag
    assert _refused(response, 412) == (
        "Project setting was updated since you last fetched it, retrieve it again and reapply the update."
    )
    alice.ok("DELETE", f"/projectSettings/{created['id']}", status=204)
    assert alice.get(f"/projectSettings/{project['id']}/type/upload").content == b""


def test_invalid_project_settings_are_refused_in_synapse_words(alice: Api, bob: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    location = _location(alice)["storageLocationId"]
    cases = [
        (alice, _upload_setting(project), 400, "settings.locations must at least have one entry"),
        (
            alice,
            _upload_setting(project, *range(11)),
            400,
            "The maximum number of settings.locations is limited to 10",
        ),
        (
            alice,
            _upload_setting(project, 424242),
            400,
            "uploadId 424242 is not a valid upload destination location",
        ),
        (alice, _upload_setting(file, location), 400, "The id is not the id of a project or folder entity"),
        (
            bob,
            _upload_setting(project, location),
            403,
            f"You do not have READ permission for the requested entity, {project['id']}.",
        ),
    ]
    for api, body, status, expected in cases:
        assert _refused(api.post("/projectSettings", body), status) == expected
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"].append(
        {"principalId": int(bob.ok("GET", "/userProfile")["ownerId"]), "accessType": ["READ"]}
    )
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    response = bob.post("/projectSettings", _upload_setting(project, location))
    assert _refused(response, 403) == "Cannot create settings for this project"
    alice.ok("POST", "/projectSettings", _upload_setting(project, location), status=201)
    response = alice.post("/projectSettings", _upload_setting(project, location))
    assert (
        _refused(response, 400)
        == f"A project setting of type 'upload' for project {project['id']} already exists."
    )
