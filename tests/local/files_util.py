"""Helpers of the files-area tests: a raw multipart upload through the REST endpoints."""

from __future__ import annotations

import hashlib
from typing import Any

import requests

from .conftest import Api

MIB = 1024 * 1024
PART = 5 * MIB
UPLOAD_REQUEST = "org.sagebionetworks.repo.model.file.MultipartUploadRequest"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def upload_request(
    data: bytes, name: str = "data.bin", part_size: int = PART, **extra: Any
) -> dict[str, Any]:
    body = {
        "concreteType": UPLOAD_REQUEST,
        "fileName": name,
        "contentType": "application/octet-stream",
        "contentMD5Hex": md5(data),
        "fileSizeBytes": len(data),
        "partSizeBytes": part_size,
        "storageLocationId": 1,
        "generatePreview": False,
    }
    return body | extra


def part_of(data: bytes, number: int, part_size: int = PART) -> bytes:
    return data[(number - 1) * part_size : number * part_size]


def part_urls(api: Api, upload_id: str, numbers: list[int]) -> dict[int, str]:
    body = api.ok(
        "POST",
        f"/file/v1/file/multipart/{upload_id}/presigned/url/batch",
        {"uploadId": upload_id, "partNumbers": numbers},
        status=201,
    )
    return {int(item["partNumber"]): str(item["uploadPresignedUrl"]) for item in body["partPresignedUrls"]}


def put_part(api: Api, upload_id: str, data: bytes, number: int, part_size: int = PART) -> dict[str, Any]:
    """PUT one part to its presigned URL and add it; return the AddPartResponse."""
    url = part_urls(api, upload_id, [number])[number]
    chunk = part_of(data, number, part_size)
    response = requests.put(url, data=chunk, timeout=30)
    assert response.status_code == 200, response.text
    return dict(
        api.ok("PUT", f"/file/v1/file/multipart/{upload_id}/add/{number}", partMD5Hex=md5(chunk), status=201)
    )


def upload(api: Api, data: bytes, name: str = "data.bin", part_size: int = PART) -> dict[str, Any]:
    """Upload ``data`` through the multipart endpoints and return the resulting S3FileHandle."""
    status = api.ok(
        "POST",
        "/file/v1/file/multipart",
        upload_request(data, name, part_size),
        forceRestart="true",
        status=201,
    )
    upload_id = status["uploadId"]
    count = len(status["partsState"])
    for number in range(1, count + 1):
        assert put_part(api, upload_id, data, number, part_size)["addPartState"] == "ADD_SUCCESS"
    done = api.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    assert done["state"] == "COMPLETED"
    return dict(api.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}"))


def batch_url(api: Api, handle_id: str, entity_id: str, kind: str = "FileEntity") -> dict[str, Any]:
    body = {
        "includeFileHandles": True,
        "includePreSignedURLs": True,
        "requestedFiles": [
            {"fileHandleId": handle_id, "associateObjectId": entity_id, "associateObjectType": kind}
        ],
    }
    return dict(api.ok("POST", "/file/v1/fileHandle/batch", body, status=201)["requestedFiles"][0])
