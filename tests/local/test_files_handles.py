"""File handles on the embedded server: access rules, batch, presigned downloads with Range, external URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from synapse_models.local import LocalSynapse
from synapse_models.local.areas.files import signing
from synapse_models.local.areas.files.records import (
    create_file_handle,
    file_handle_path,
    get_file_handle,
    presigned_url,
)

from .conftest import Api, reason
from .files_util import batch_url, md5, upload

DATA = os.urandom(300_000)


@pytest.fixture(scope="module")
def stored(alice: Api) -> dict[str, str]:
    """A FileEntity of alice's with DATA, in its own project."""
    project = alice.project()
    handle = upload(alice, DATA, "data.bin")
    entity = alice.file(project, handle["id"], name="data.bin")
    return {"project": project["id"], "entity": entity["id"], "handle": handle["id"]}


def test_get_file_handle_is_for_its_creator_only(alice: Api, bob: Api, stored: dict[str, str]) -> None:
    assert alice.ok("GET", f"/file/v1/fileHandle/{stored['handle']}")["contentMd5"] == md5(DATA)
    assert bob.get(f"/file/v1/fileHandle/{stored['handle']}").status_code == 403
    assert alice.get("/file/v1/fileHandle/999999999").status_code == 404


def test_batch_gives_url_to_reader_and_unauthorized_to_other_user(
    alice: Api, bob: Api, stored: dict[str, str]
) -> None:
    result = batch_url(alice, stored["handle"], stored["entity"])
    assert result["fileHandle"]["id"] == stored["handle"]
    assert requests.get(result["preSignedURL"], timeout=10).content == DATA
    denied = batch_url(bob, stored["handle"], stored["entity"])
    assert denied["failureCode"] == "UNAUTHORIZED"
    assert "preSignedURL" not in denied and "fileHandle" not in denied
    missing = batch_url(alice, "999999999", stored["entity"])
    assert missing["failureCode"] == "NOT_FOUND"
    unrelated = upload(alice, b"unrelated", "other.txt")
    # Synapse: a handle's creator may always read it, whatever association is named; others may not.
    assert "failureCode" not in batch_url(alice, unrelated["id"], stored["entity"])
    assert batch_url(bob, unrelated["id"], stored["entity"])["failureCode"] == "UNAUTHORIZED"


def test_batch_follows_acl_grants(alice: Api, bob: Api) -> None:
    project = alice.project()
    handle = upload(alice, b"shared", "shared.txt")
    entity = alice.file(project, handle["id"], name="shared.txt")
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    bob_id = bob.ok("GET", "/userProfile")["ownerId"]
    acl["resourceAccess"].append({"principalId": int(bob_id), "accessType": ["READ"]})
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert (
        batch_url(bob, handle["id"], entity["id"])["failureCode"] == "UNAUTHORIZED"
    )  # READ without DOWNLOAD
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"][-1]["accessType"] = ["READ", "DOWNLOAD"]
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    url = batch_url(bob, handle["id"], entity["id"])["preSignedURL"]
    assert requests.get(url, timeout=10).content == b"shared"


def test_download_range_returns_206_with_content_range(alice: Api, stored: dict[str, str]) -> None:
    url = batch_url(alice, stored["handle"], stored["entity"])["preSignedURL"]
    assert "X-Amz-Date=" in url and "X-Amz-Expires=" in url
    response = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert response.headers["Content-Length"] == "100"
    assert response.content == DATA[100:200]
    tail = requests.get(url, headers={"Range": "bytes=299000-"}, timeout=10)
    assert tail.status_code == 206 and tail.content == DATA[299000:]
    suffix = requests.get(url, headers={"Range": "bytes=-10"}, timeout=10)
    assert suffix.content == DATA[-10:]
    beyond = requests.get(url, headers={"Range": f"bytes={len(DATA) + 5}-"}, timeout=10)
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_head_of_download_gives_length_without_body(alice: Api, stored: dict[str, str]) -> None:
    url = batch_url(alice, stored["handle"], stored["entity"])["preSignedURL"]
    response = requests.head(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.content == b""


def test_download_with_bad_or_expired_signature_is_403(server: LocalSynapse, stored: dict[str, str]) -> None:
    path = f"/file/v1/presigned/download/{stored['handle']}"
    expired = signing.sign_url(server.app.store, server.endpoint, "GET", path, -1)
    response = requests.get(expired, timeout=10)
    assert response.status_code == 403 and "expired" in response.text
    assert requests.get(server.endpoint + path, timeout=10).status_code == 403
    other = signing.sign_url(server.app.store, server.endpoint, "GET", path + "0", 60).replace(
        path + "0", path
    )
    assert requests.get(other, timeout=10).status_code == 403


def test_truncated_download_resumes_with_range(
    server: LocalSynapse, alice: Api, stored: dict[str, str]
) -> None:
    url = batch_url(alice, stored["handle"], stored["entity"])["preSignedURL"]
    server.inject_fault(
        method="GET", path=f"/file/v1/presigned/download/{stored['handle']}", truncate_body=True
    )
    received = b""
    with (
        pytest.raises(requests.exceptions.RequestException),
        requests.get(url, stream=True, timeout=10) as response,
    ):
        for chunk in response.iter_content(65536):
            received += chunk
    assert 0 < len(received) < len(DATA)
    rest = requests.get(url, headers={"Range": f"bytes={len(received)}-"}, timeout=10)
    assert rest.status_code == 206
    assert received + rest.content == DATA


def test_entity_file_redirects_or_returns_url_text(alice: Api, bob: Api, stored: dict[str, str]) -> None:
    response = alice.get(f"/entity/{stored['entity']}/file")
    assert response.status_code == 307
    assert requests.get(response.headers["Location"], timeout=10).content == DATA
    text = alice.get(f"/entity/{stored['entity']}/version/1/file", redirect="false")
    assert text.status_code == 200 and text.headers["Content-Type"].startswith("text/plain")
    assert requests.get(text.text, timeout=10).content == DATA
    assert bob.get(f"/entity/{stored['entity']}/file").status_code == 403
    assert alice.get(f"/entity/{stored['entity']}/version/7/file").status_code == 404


def test_file_handle_url_and_associated_url(alice: Api, bob: Api, stored: dict[str, str]) -> None:
    own = alice.get(f"/file/v1/fileHandle/{stored['handle']}/url", redirect="false")
    assert own.status_code == 200 and requests.get(own.text, timeout=10).content == DATA
    assert bob.get(f"/file/v1/fileHandle/{stored['handle']}/url").status_code == 403
    params = {"fileAssociateType": "FileEntity", "fileAssociateId": stored["entity"]}
    associated = alice.get(f"/file/v1/file/{stored['handle']}", **params)
    assert associated.status_code == 307
    assert bob.get(f"/file/v1/file/{stored['handle']}", **params).status_code == 403
    assert alice.get(f"/file/v1/file/{stored['handle']}").status_code == 400


def test_entity_filehandles_lists_the_version_handle(alice: Api, stored: dict[str, str]) -> None:
    body = alice.ok("GET", f"/entity/{stored['entity']}/filehandles")
    assert [h["id"] for h in body["list"]] == [stored["handle"]]
    assert alice.ok("GET", f"/entity/{stored['entity']}/version/1/filehandles")["list"][0][
        "contentSize"
    ] == len(DATA)


def test_external_file_handle_is_created_with_200_and_downloads_as_its_url(alice: Api) -> None:
    body = {
        "concreteType": "org.sagebionetworks.repo.model.file.ExternalFileHandle",
        "externalURL": "https://example.org/data/table.csv",
    }
    response = alice.post("/file/v1/externalFileHandle", body)
    assert response.status_code == 200
    handle = response.json()
    assert handle["fileName"] == "table.csv" and handle["contentType"] == "text/csv"
    project = alice.project()
    entity = alice.file(project, handle["id"], name="table.csv")
    assert (
        batch_url(alice, handle["id"], entity["id"])["preSignedURL"] == "https://example.org/data/table.csv"
    )
    assert (
        alice.get(f"/entity/{entity['id']}/file").headers["Location"] == "https://example.org/data/table.csv"
    )
    bad = alice.post("/file/v1/externalFileHandle", {"concreteType": body["concreteType"]})
    assert bad.status_code == 400 and "externalURL" in reason(bad)


def test_delete_file_handle_refuses_linked_and_removes_unlinked(
    alice: Api, bob: Api, stored: dict[str, str]
) -> None:
    assert alice.delete(f"/file/v1/fileHandle/{stored['handle']}").status_code == 409
    handle = upload(alice, b"temporary", "tmp.txt")
    assert bob.delete(f"/file/v1/fileHandle/{handle['id']}").status_code == 403
    assert alice.delete(f"/file/v1/fileHandle/{handle['id']}").status_code == 200
    assert alice.get(f"/file/v1/fileHandle/{handle['id']}").status_code == 404


def test_upload_destinations_default_to_s3_location_1(alice: Api, stored: dict[str, str]) -> None:
    destination = alice.ok("GET", f"/file/v1/entity/{stored['project']}/uploadDestination")
    assert destination["concreteType"] == "org.sagebionetworks.repo.model.file.S3UploadDestination"
    assert destination["storageLocationId"] == 1 and destination["uploadType"] == "S3"
    assert alice.ok("GET", f"/file/v1/entity/{stored['project']}/uploadDestination/1") == destination
    assert alice.get(f"/file/v1/entity/{stored['project']}/uploadDestination/77").status_code == 404
    assert alice.ok("GET", f"/file/v1/entity/{stored['project']}/uploadDestinations")["list"] == [destination]
    locations = alice.ok("GET", f"/file/v1/entity/{stored['project']}/uploadDestinationLocations")
    assert locations["list"] == [{"storageLocationId": 1, "uploadType": "S3"}]


def test_helpers_store_bytes_and_files_for_other_areas(
    server: LocalSynapse, alice: Api, tmp_path: Path
) -> None:
    app = server.app
    user_id = int(alice.ok("GET", "/userProfile")["ownerId"])
    source = tmp_path / "result.csv"
    source.write_text("a,b\n1,2\n")
    from synapse_models.local.core.context import Txn, User

    with app.store.write() as db:
        txn = Txn(app, db, User(user_id, "alice"), writable=True)
        from_bytes = create_file_handle(txn, str(user_id), "notes.md", "text/markdown", b"# hi")
        from_file = create_file_handle(txn, str(user_id), "result.csv", None, source, move=True)
    assert not source.exists()
    assert from_file["contentType"] == "text/csv" and from_file["contentMd5"] == md5(b"a,b\n1,2\n")
    assert file_handle_path(app.store, from_bytes["id"]).read_bytes() == b"# hi"
    assert get_file_handle(app.store, from_file["id"]) == from_file
    assert alice.ok("GET", f"/file/v1/fileHandle/{from_file['id']}")["contentSize"] == 8
    with app.store.read() as db:
        url = presigned_url(
            Txn(app, db, User(user_id, "alice"), writable=False), from_bytes["id"], base_url=server.endpoint
        )
    assert url.startswith(server.endpoint + "/file/v1/presigned/download/")
    assert requests.get(url, timeout=10).content == b"# hi"


def test_copy_file_handles_shares_bytes_and_checks_access(
    alice: Api, bob: Api, stored: dict[str, str]
) -> None:
    original = {
        "fileHandleId": stored["handle"],
        "associateObjectId": stored["entity"],
        "associateObjectType": "FileEntity",
    }
    body = {"copyRequests": [{"originalFile": original, "newFileName": "copy.bin"}]}
    result = alice.ok("POST", "/file/v1/filehandles/copy", body)["copyResults"][0]
    copy = result["newFileHandle"]
    assert result["originalFileHandleId"] == stored["handle"]
    assert copy["id"] != stored["handle"] and copy["fileName"] == "copy.bin"
    assert copy["contentMd5"] == md5(DATA)
    project = alice.project()
    entity = alice.file(project, copy["id"], name="copy.bin")
    assert (
        requests.get(batch_url(alice, copy["id"], entity["id"])["preSignedURL"], timeout=10).content == DATA
    )
    denied = bob.ok("POST", "/file/v1/filehandles/copy", body)["copyResults"][0]
    assert denied["failureCode"] == "UNAUTHORIZED" and "newFileHandle" not in denied


def test_copy_own_file_handle_with_new_name(alice: Api, bob: Api, stored: dict[str, str]) -> None:
    copy = alice.ok(
        "POST", f"/file/v1/fileHandle/{stored['handle']}/copy", {"fileName": "renamed.bin"}, status=201
    )
    assert (
        copy["fileName"] == "renamed.bin"
        and copy["contentMd5"] == md5(DATA)
        and copy["id"] != stored["handle"]
    )
    assert bob.post(f"/file/v1/fileHandle/{stored['handle']}/copy", {}).status_code == 403


def test_entity_file_preview_of_binary_file_is_404(alice: Api, stored: dict[str, str]) -> None:
    response = alice.get(f"/entity/{stored['entity']}/filepreview")
    assert response.status_code == 404 and "A preview does not exist for file" in reason(response)
