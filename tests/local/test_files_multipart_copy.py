"""Multipart copies (MultipartUploadCopyRequest): parts copied from the source through S3's UploadPartCopy,
and MultipartUploadCopyRequestHandler's refusals, in Synapse's words."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import requests

from .conftest import Api, reason
from .files_util import MIB, PART, md5, upload
from .synapse_schema import SCHEMA_DIR, SynapseSchemas

COPY = "org.sagebionetworks.repo.model.file.MultipartUploadCopyRequest"
FILE = "org.sagebionetworks.repo.model.file."
DATA = os.urandom(PART + 3 * MIB + 17)  # two parts of 5 MiB


def _location(api: Api) -> int:
    body = {
        "concreteType": "org.sagebionetworks.repo.model.project.S3StorageLocationSetting",
        "uploadType": "S3",
    }
    return int(api.ok("POST", "/storageLocation", body, status=201)["storageLocationId"])


def _source(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    handle = upload(api, DATA, "source.bin")
    entity = api.file(api.project(), handle["id"])
    association = {
        "fileHandleId": handle["id"],
        "associateObjectId": entity["id"],
        "associateObjectType": "FileEntity",
    }
    return handle, association


def _copy_request(association: dict[str, Any], location: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "concreteType": COPY,
        "sourceFileHandleAssociation": association,
        "storageLocationId": location,
        "partSizeBytes": PART,
        "generatePreview": False,
    }
    return body | extra


def _refused(response: requests.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    return reason(response)


def _copy(api: Api, association: dict[str, Any], location: int) -> dict[str, Any]:
    started = api.ok("POST", "/file/v1/file/multipart", _copy_request(association, location), status=201)
    upload_id = started["uploadId"]
    batch = api.ok(
        "POST",
        f"/file/v1/file/multipart/{upload_id}/presigned/url/batch",
        {"uploadId": upload_id, "partNumbers": [1, 2]},
        status=201,
    )
    for item in batch["partPresignedUrls"]:
        response = requests.put(item["uploadPresignedUrl"], headers=item["signedHeaders"], timeout=30)
        part_md5 = re.sub(r".*<ETag>(?:&quot;)?(\w+).*", r"\1", response.text, flags=re.S)
        api.ok("PUT", f"/file/v1/file/multipart/{upload_id}/add/{item['partNumber']}", partMD5Hex=part_md5)
    done = api.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    return dict(api.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}"))


def test_copy_makes_a_handle_of_the_source_bytes_in_the_destination(alice: Api) -> None:
    source, association = _source(alice)
    location = _location(alice)
    started = alice.ok("POST", "/file/v1/file/multipart", _copy_request(association, location), status=201)
    upload_id = started["uploadId"]
    assert started["partsState"] == "00"
    batch = alice.ok(
        "POST",
        f"/file/v1/file/multipart/{upload_id}/presigned/url/batch",
        {"uploadId": upload_id, "partNumbers": [1, 2]},
        status=201,
    )
    for item in batch["partPresignedUrls"]:
        number = item["partNumber"]
        first = (number - 1) * PART
        last = min(first + PART, len(DATA)) - 1
        assert item["signedHeaders"]["x-amz-copy-source-range"] == f"bytes={first}-{last}"
        assert item["signedHeaders"]["x-amz-copy-source"].endswith(source["key"])
        response = requests.put(item["uploadPresignedUrl"], headers=item["signedHeaders"], timeout=30)
        assert response.status_code == 200, response.text
        etag = re.search(r"<ETag>(.*?)</ETag>", response.text)
        assert etag is not None
        part_md5 = etag.group(1).replace("&quot;", "")
        assert part_md5 == md5(DATA[first : last + 1])
        added = alice.ok(
            "PUT", f"/file/v1/file/multipart/{upload_id}/add/{number}", partMD5Hex=part_md5, status=201
        )
        assert added["addPartState"] == "ADD_SUCCESS"
    done = alice.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    copy = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert copy["id"] != source["id"]
    assert copy["fileName"] == "source.bin"  # the source's name when the request names none
    assert (copy["contentMd5"], copy["contentSize"]) == (md5(DATA), len(DATA))
    assert copy["contentType"] == source["contentType"]
    assert copy["storageLocationId"] == location
    entity = alice.file(alice.project(), copy["id"])
    url = alice.get(f"/entity/{entity['id']}/file", redirect="false").text
    assert requests.get(url, timeout=30).content == DATA


def test_copy_part_without_its_copy_headers_is_refused(alice: Api) -> None:
    _, association = _source(alice)
    started = alice.ok(
        "POST", "/file/v1/file/multipart", _copy_request(association, _location(alice)), status=201
    )
    batch = alice.ok(
        "POST",
        f"/file/v1/file/multipart/{started['uploadId']}/presigned/url/batch",
        {"uploadId": started["uploadId"], "partNumbers": [1]},
        status=201,
    )
    response = requests.put(batch["partPresignedUrls"][0]["uploadPresignedUrl"], timeout=30)
    assert response.status_code == 400
    assert "x-amz-copy-source" in response.text


def test_copy_refusals_use_synapse_wording(alice: Api, bob: Api) -> None:
    _, association = _source(alice)
    mine = _location(alice)
    copied = _copy(alice, association, mine)
    assert copied["contentMd5"] == md5(DATA)
    copied_entity = alice.file(alice.project(), copied["id"])
    copied_association = association | {
        "fileHandleId": copied["id"],
        "associateObjectId": copied_entity["id"],
    }
    start = "/file/v1/file/multipart"
    cases = [
        (alice.post(start, _copy_request(association, None)), 400,
         "MultipartUploadCopyRequest.storageLocationId is required."),
        (alice.post(start, _copy_request({**association, "associateObjectId": None}, mine)), 400,
         "MultipartUploadCopyRequest.sourceFileHandleAssociation.associateObjectId is required."),
        (bob.post(start, _copy_request(association, _location(bob))), 403,
         "The user is not authorized to access the source file."),
        (alice.post(start, _copy_request(association, _location(bob))), 403,
         "The user does not own the destination storage location."),
        (alice.post(start, _copy_request(association, 1)), 403,  # Synapse's own storage
         "The user does not own the destination storage location."),
        (alice.post(start, _copy_request(copied_association, mine)), 400,
         "The source file handle is already in the given destination storage location."),
    ]  # fmt: skip
    assert [(_refused(response, status), status) for response, status, _ in cases] == [
        (text, status) for _, status, text in cases
    ]


@pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason=f"Synapse schema directory {SCHEMA_DIR} is absent")
def test_copy_answers_validate_against_the_rest_schemas(alice: Api) -> None:
    schemas = SynapseSchemas()
    _, association = _source(alice)
    request = _copy_request(association, _location(alice), fileName="copy.bin")
    assert schemas.errors(COPY, request) == []
    started = alice.ok("POST", "/file/v1/file/multipart", request, status=201)
    assert schemas.errors(FILE + "MultipartUploadStatus", started) == []
    batch = alice.ok(
        "POST",
        f"/file/v1/file/multipart/{started['uploadId']}/presigned/url/batch",
        {"uploadId": started["uploadId"], "partNumbers": [1, 2]},
        status=201,
    )
    assert schemas.errors(FILE + "BatchPresignedUploadUrlResponse", batch) == []
