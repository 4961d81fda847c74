"""FileEntity rules on the embedded server: handle ownership, versioning by MD5, MD5 lookup, bundles."""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason, unique
from .files_util import md5, upload

FILE = "org.sagebionetworks.repo.model.FileEntity"


def _file(api: Api, parent: dict[str, Any], data: bytes, name: str | None = None) -> dict[str, Any]:
    handle = upload(api, data, "f.txt")
    return dict(api.file(parent, handle["id"], name=name or unique("file").replace(" ", "_")))


def _put(api: Api, entity: dict[str, Any], **params: Any) -> dict[str, Any]:
    return dict(api.ok("PUT", f"/entity/{entity['id']}", entity, **params))


def test_attach_another_users_handle_is_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    handle = upload(bob, b"bob's bytes", "bob.txt")
    body = {
        "concreteType": FILE,
        "name": "stolen.txt",
        "parentId": project["id"],
        "dataFileHandleId": handle["id"],
    }
    response = alice.post("/entity", body)
    assert response.status_code == 403
    assert "creator" in reason(response)
    missing = alice.post("/entity", body | {"dataFileHandleId": "987654321"})
    assert missing.status_code == 404


def test_put_with_different_md5_creates_version_and_copies_annotations(alice: Api) -> None:
    project = alice.project()
    entity = _file(alice, project, b"one")
    annotations = alice.ok("GET", f"/entity/{entity['id']}/annotations2")
    annotations["annotations"] = {"stage": {"type": "STRING", "value": ["raw"]}}
    alice.ok("PUT", f"/entity/{entity['id']}/annotations2", annotations)
    entity = alice.ok("GET", f"/entity/{entity['id']}")
    entity = _put(alice, entity | {"versionComment": "first upload"})
    entity["dataFileHandleId"] = upload(alice, b"two", "f.txt")["id"]
    updated = _put(alice, entity)
    assert updated["versionNumber"] == 2 and updated["versionLabel"] == "2"
    assert "versionComment" not in updated  # label and comment are reset on a new version
    assert alice.ok("GET", f"/entity/{entity['id']}/annotations2")["annotations"]["stage"]["value"] == ["raw"]
    old = alice.ok("GET", f"/entity/{entity['id']}/version/1")
    assert old["versionComment"] == "first upload" and old["isLatestVersion"] is False
    assert old["etag"] == "00000000-0000-0000-0000-000000000000"


def test_put_with_same_md5_keeps_the_version(alice: Api) -> None:
    project = alice.project()
    entity = _file(alice, project, b"same bytes")
    entity["dataFileHandleId"] = upload(alice, b"same bytes", "copy.txt")["id"]
    updated = _put(alice, entity)
    assert updated["versionNumber"] == 1
    assert updated["dataFileHandleId"] == entity["dataFileHandleId"]


def test_new_version_param_forces_a_version(alice: Api) -> None:
    project = alice.project()
    entity = _file(alice, project, b"forced")
    updated = _put(alice, entity | {"versionLabel": "v2 label"}, newVersion="true")
    assert updated["versionNumber"] == 2 and updated["versionLabel"] == "v2 label"
    assert _put(alice, updated)["versionNumber"] == 2


def test_versions_list_content_size_and_md5_newest_first(alice: Api) -> None:
    project = alice.project()
    entity = _file(alice, project, b"short")
    entity["dataFileHandleId"] = upload(alice, b"much longer content", "f.txt")["id"]
    _put(alice, entity)
    versions = alice.ok("GET", f"/entity/{entity['id']}/version")["results"]
    assert [v["versionNumber"] for v in versions] == [2, 1]
    assert versions[0]["contentSize"] == "19" and versions[0]["contentMd5"] == md5(b"much longer content")
    assert versions[1]["contentSize"] == "5" and versions[1]["contentMd5"] == md5(b"short")


def test_md5_lookup_returns_readable_versions_only(alice: Api, bob: Api) -> None:
    data = unique("lookup content").encode()
    project = alice.project()
    entity = _file(alice, project, data)
    entity["dataFileHandleId"] = upload(alice, b"other" + data, "f.txt")["id"]
    _put(alice, entity)
    found = alice.ok("GET", f"/entity/md5/{md5(data)}")["results"]
    assert [(h["id"], h["versionNumber"]) for h in found] == [(entity["id"], 1)]
    assert found[0]["type"] == FILE and found[0]["isLatestVersion"] is False
    assert bob.ok("GET", f"/entity/md5/{md5(data)}")["results"] == []
    assert alice.ok("GET", f"/entity/md5/{md5(b'nothing like it')}")["results"] == []


def test_bundle_has_file_handles_and_file_name(alice: Api) -> None:
    project = alice.project()
    entity = _file(alice, project, b"bundle me", name="bundled.txt")
    flags = {"includeEntity": True, "includeFileHandles": True, "includeFileName": True}
    bundle = alice.ok("POST", f"/entity/{entity['id']}/bundle2", flags)
    assert [h["id"] for h in bundle["fileHandles"]] == [entity["dataFileHandleId"]]
    assert bundle["fileName"] == "f.txt"
    folder = alice.ok("POST", f"/entity/{project['id']}/bundle2", flags)
    assert folder["fileHandles"] == []


def test_children_sum_file_sizes_counts_files(alice: Api) -> None:
    project = alice.project()
    _file(alice, project, b"12345")
    _file(alice, project, b"1234567890")
    body = {"parentId": project["id"], "includeTypes": ["file"], "includeSumFileSizes": True}
    response = alice.ok("POST", "/entity/children", body)
    assert response["sumFileSizesBytes"] == 15
    assert {h["type"] for h in response["page"]} == {FILE}


def test_swap_version_file_handle_needs_same_md5_and_current_old_id(alice: Api) -> None:
    project = alice.project()
    entity = _file(alice, project, b"same content")
    twin = upload(alice, b"same content", "twin.txt")
    other = upload(alice, b"other content", "other.txt")
    path = f"/entity/{entity['id']}/version/1/filehandle"
    stale = alice.put(path, {"oldFileHandleId": twin["id"], "newFileHandleId": twin["id"]})
    assert stale.status_code == 412
    current = entity["dataFileHandleId"]
    different = alice.put(path, {"oldFileHandleId": current, "newFileHandleId": other["id"]})
    assert different.status_code == 400 and "MD5" in reason(different)
    alice.ok("PUT", path, {"oldFileHandleId": entity["dataFileHandleId"], "newFileHandleId": twin["id"]})
    after = alice.ok("GET", f"/entity/{entity['id']}")
    assert after["dataFileHandleId"] == twin["id"] and after["versionNumber"] == 1
    assert after["etag"] != entity["etag"]
