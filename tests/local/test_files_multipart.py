"""Multipart uploads on the embedded server: parts, idempotent start, part rules, MD5 checks, faults."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from synapse_models.local import LocalSynapse

from .conftest import Api, reason
from .files_util import MIB, PART, md5, part_of, part_urls, put_part, upload, upload_request

BIG = os.urandom(11 * MIB + 123)  # three parts of 5 MiB


def test_upload_three_parts_yields_handle_with_content_md5_and_size(alice: Api) -> None:
    handle = upload(alice, BIG, "big.bin")
    assert handle["concreteType"] == "org.sagebionetworks.repo.model.file.S3FileHandle"
    assert handle["contentMd5"] == md5(BIG)
    assert handle["contentSize"] == len(BIG)
    assert handle["fileName"] == "big.bin"
    assert handle["bucketName"] and handle["key"].endswith("/big.bin")


def test_start_upload_is_idempotent_and_reports_parts_state(alice: Api) -> None:
    data = os.urandom(6 * MIB)
    request = upload_request(data, "again.bin")
    first = alice.ok("POST", "/file/v1/file/multipart", request, status=201)
    assert first["partsState"] == "00" and first["state"] == "UPLOADING"
    put_part(alice, first["uploadId"], data, 2)
    second = alice.ok("POST", "/file/v1/file/multipart", request, status=201)
    assert second["uploadId"] == first["uploadId"]
    assert second["partsState"] == "01"
    restarted = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    assert restarted["uploadId"] != first["uploadId"]
    assert restarted["partsState"] == "00"


def test_start_upload_of_completed_request_returns_completed_status(alice: Api) -> None:
    data = os.urandom(1000)
    handle = upload(alice, data, "done.txt")
    again = alice.ok("POST", "/file/v1/file/multipart", upload_request(data, "done.txt"), status=201)
    assert again["state"] == "COMPLETED"
    assert again["resultFileHandleId"] == handle["id"]


def test_start_upload_is_per_user(alice: Api, bob: Api) -> None:
    request = upload_request(b"shared bytes", "shared.txt")
    mine = alice.ok("POST", "/file/v1/file/multipart", request, status=201)
    theirs = bob.ok("POST", "/file/v1/file/multipart", request, status=201)
    assert mine["uploadId"] != theirs["uploadId"]
    response = bob.put(f"/file/v1/file/multipart/{mine['uploadId']}/complete")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"partSizeBytes": 5 * MIB - 1}, "minimum part size"),
        ({"partSizeBytes": 5 * 1024 * MIB + 1}, "maximum part size"),
        ({"fileSizeBytes": 10_001 * PART}, "the maximum is 10000"),
        ({"contentMD5Hex": "xyz"}, "contentMD5Hex"),
        ({"fileName": "bad/name"}, "Invalid fileName"),
        ({"fileSizeBytes": -1}, "negative"),
    ],
)
def test_start_upload_breaking_a_rule_is_400_with_reason(
    alice: Api, changes: dict[str, object], expected: str
) -> None:
    response = alice.post("/file/v1/file/multipart", upload_request(b"x", "x.txt") | changes)
    assert response.status_code == 400
    assert expected in reason(response)


def test_empty_file_uploads_as_one_part(alice: Api) -> None:
    status = alice.ok("POST", "/file/v1/file/multipart", upload_request(b"", "empty.txt"), status=201)
    assert status["partsState"] == "0"
    handle = upload(alice, b"", "empty.txt")
    assert handle["contentSize"] == 0 and handle["contentMd5"] == md5(b"")


def test_add_part_with_wrong_md5_fails_with_message(alice: Api) -> None:
    data = os.urandom(2000)
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(data, "md5.bin"), forceRestart="true", status=201
    )
    url = part_urls(alice, status["uploadId"], [1])[1]
    assert requests.put(url, data=data, timeout=10).status_code == 200
    added = alice.ok(
        "PUT", f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex=md5(b"other"), status=201
    )
    assert added["addPartState"] == "ADD_FAILED"
    assert "does not match" in added["errorMessage"]
    state = alice.ok("POST", "/file/v1/file/multipart", upload_request(data, "md5.bin"), status=201)
    assert state["partsState"] == "0"


def test_complete_with_missing_parts_is_400(alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(BIG, "missing.bin"), forceRestart="true", status=201
    )
    put_part(alice, status["uploadId"], BIG, 1)
    put_part(alice, status["uploadId"], BIG, 3)
    response = alice.put(f"/file/v1/file/multipart/{status['uploadId']}/complete")
    assert response.status_code == 400
    assert "parts not added: 2" in reason(response)


def test_complete_keeps_the_requested_content_md5_without_rehashing(alice: Api) -> None:
    # Synapse over S3 (REFERENCE 2.5) checks each part's MD5, not the whole file's: the handle carries the
    # contentMD5Hex of the request, and only a part whose bytes differ from its partMD5Hex is refused
    data = os.urandom(3000)
    claimed = md5(b"something else")
    request = upload_request(data, "liar.bin", contentMD5Hex=claimed)
    status = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    url = part_urls(alice, status["uploadId"], [1])[1]
    requests.put(url, data=data, timeout=10)
    refused = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex=claimed,
                       status=201)
    assert refused["addPartState"] == "ADD_FAILED"
    alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex=md5(data), status=201)
    done = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert handle["contentMd5"] == claimed and handle["contentSize"] == 3000


def test_complete_twice_returns_same_result(alice: Api) -> None:
    data = os.urandom(100)
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(data, "twice.bin"), forceRestart="true", status=201
    )
    put_part(alice, status["uploadId"], data, 1)
    first = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    second = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    assert first["resultFileHandleId"] == second["resultFileHandleId"]
    response = alice.put(f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex=md5(data))
    assert response.status_code == 400


def test_part_url_has_s3_style_signature_and_rejects_tampering(alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(b"abc", "sig.txt"), forceRestart="true", status=201
    )
    url = part_urls(alice, status["uploadId"], [1])[1]
    assert url.startswith(alice.endpoint + "/")
    assert "X-Amz-Date=" in url and "X-Amz-Expires=900" in url
    tampered = url.replace("X-Amz-Expires=900", "X-Amz-Expires=9000")
    response = requests.put(tampered, data=b"abc", timeout=10)
    assert response.status_code == 403
    unsigned = url.split("?")[0]
    assert requests.put(unsigned, data=b"abc", timeout=10).status_code == 403


def test_part_put_dropped_by_fault_can_be_retried(server: LocalSynapse, alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(BIG, "fault.bin"), forceRestart="true", status=201
    )
    upload_id = status["uploadId"]
    urls = part_urls(alice, upload_id, [1, 2, 3])
    server.inject_fault(
        method="PUT", path=f"/file/v1/presigned/upload/{upload_id}/*", drop_connection=True, skip=1
    )
    results: list[int | None] = []
    for number in (1, 2, 3):
        try:
            results.append(requests.put(urls[number], data=part_of(BIG, number), timeout=30).status_code)
        except requests.ConnectionError:
            results.append(None)
    assert results == [200, None, 200]
    state = alice.ok("POST", "/file/v1/file/multipart", upload_request(BIG, "fault.bin"), status=201)
    assert state["partsState"] == "000"  # uploaded but not yet added
    for number in (1, 3):
        alice.ok(
            "PUT",
            f"/file/v1/file/multipart/{upload_id}/add/{number}",
            partMD5Hex=md5(part_of(BIG, number)),
            status=201,
        )
    retry = alice.ok(
        "PUT", f"/file/v1/file/multipart/{upload_id}/add/2", partMD5Hex=md5(part_of(BIG, 2)), status=201
    )
    assert retry["addPartState"] == "ADD_FAILED"
    put_part(alice, upload_id, BIG, 2)
    done = alice.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert handle["contentMd5"] == md5(BIG)


def test_presigned_batch_needs_part_numbers(alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(b"q", "q.txt"), forceRestart="true", status=201
    )
    for numbers in ([], [0], [2]):
        response = alice.post(
            f"/file/v1/file/multipart/{status['uploadId']}/presigned/url/batch",
            {"uploadId": status["uploadId"], "partNumbers": numbers},
        )
        assert response.status_code == 400, numbers


def test_reuploaded_part_still_gives_correct_md5(alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(BIG, "redo.bin"), forceRestart="true", status=201
    )
    upload_id = status["uploadId"]
    wrong = bytes(len(part_of(BIG, 1)))  # right size, wrong bytes: replaced before it is added
    url = part_urls(alice, upload_id, [1])[1]
    assert requests.put(url, data=wrong, timeout=30).status_code == 200
    for number in (2, 3):
        put_part(alice, upload_id, BIG, number)
    assert put_part(alice, upload_id, BIG, 1)["addPartState"] == "ADD_SUCCESS"
    done = alice.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    assert alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")["contentMd5"] == md5(BIG)


def test_part_of_wrong_size_is_400(alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(BIG, "size.bin"), forceRestart="true", status=201
    )
    url = part_urls(alice, status["uploadId"], [1])[1]
    response = requests.put(url, data=b"too short", timeout=10)
    assert response.status_code == 400 and "must be exactly 5242880 bytes" in response.text


def test_upload_resumes_after_server_restart(tmp_path: Path) -> None:
    with LocalSynapse(tmp_path) as server:
        api = Api(server.endpoint, server.create_user("restarter"))
        status = api.ok("POST", "/file/v1/file/multipart", upload_request(BIG, "restart.bin"), status=201)
        put_part(api, status["uploadId"], BIG, 1)
        put_part(api, status["uploadId"], BIG, 2)
        token = api.token
    with LocalSynapse(tmp_path) as server:
        api = Api(server.endpoint, token)
        again = api.ok("POST", "/file/v1/file/multipart", upload_request(BIG, "restart.bin"), status=201)
        assert again["uploadId"] == status["uploadId"] and again["partsState"] == "110"
        put_part(api, again["uploadId"], BIG, 3)
        done = api.ok("PUT", f"/file/v1/file/multipart/{again['uploadId']}/complete", status=201)
        handle = api.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
        assert handle["contentMd5"] == md5(BIG)
        project = api.project()
        entity = api.file(project, handle["id"], name="restart.bin")
        url = api.get(f"/entity/{entity['id']}/file", redirect="false").text
        assert requests.get(url, timeout=30).content == BIG


def test_parts_uploaded_concurrently_assemble_in_order(alice: Api) -> None:
    data = os.urandom(4 * PART + 17)
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(data, "par.bin"), forceRestart="true", status=201
    )
    upload_id = status["uploadId"]
    urls = part_urls(alice, upload_id, [1, 2, 3, 4, 5])

    def send(number: int) -> int:
        return requests.put(urls[number], data=part_of(data, number), timeout=60).status_code

    with ThreadPoolExecutor(5) as pool:
        assert list(pool.map(send, [5, 3, 1, 4, 2])) == [200] * 5
    for number in (5, 3, 1, 4, 2):
        added = alice.ok(
            "PUT", f"/file/v1/file/multipart/{upload_id}/add/{number}", partMD5Hex=md5(part_of(data, number))
        )
        assert added["addPartState"] == "ADD_SUCCESS"
    done = alice.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert (handle["contentMd5"], handle["contentSize"]) == (md5(data), len(data))


def test_start_again_after_result_handle_deleted_begins_new_upload(alice: Api) -> None:
    data = os.urandom(500)
    handle = upload(alice, data, "gone.txt")
    assert alice.delete(f"/file/v1/fileHandle/{handle['id']}").status_code == 200
    again = alice.ok("POST", "/file/v1/file/multipart", upload_request(data, "gone.txt"), status=201)
    assert again["state"] == "UPLOADING" and again["partsState"] == "0"
