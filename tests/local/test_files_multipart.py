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
        ({"fileSizeBytes": -1}, "File size must be at least one byte"),
    ],
)
def test_start_upload_breaking_a_rule_is_400_with_reason(
    alice: Api, changes: dict[str, object], expected: str
) -> None:
    response = alice.post("/file/v1/file/multipart", upload_request(b"x", "x.txt") | changes)
    assert response.status_code == 400
    assert expected in reason(response)


@pytest.mark.parametrize("size", [0, -1])
def test_an_empty_file_is_refused_in_synapses_words(alice: Api, size: int) -> None:
    response = alice.post(
        "/file/v1/file/multipart", upload_request(b"", "empty.txt") | {"fileSizeBytes": size}
    )
    assert response.status_code == 400
    assert reason(response) == "File size must be at least one byte"


def test_a_one_byte_file_uploads_as_one_part(alice: Api) -> None:
    status = alice.ok("POST", "/file/v1/file/multipart", upload_request(b"x", "one.txt"), status=201)
    assert status["partsState"] == "0"
    handle = upload(alice, b"x", "one.txt")
    assert handle["contentSize"] == 1 and handle["contentMd5"] == md5(b"x")


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
    assert reason(response).startswith("Missing 1 part(s).  All parts must be successfully added")


def test_complete_keeps_the_requested_content_md5_without_rehashing(alice: Api) -> None:
    # Synapse over S3 (REFERENCE 2.5) checks each part's MD5, not the whole file's: the handle carries the
    # contentMD5Hex of the request, and only a part whose bytes differ from its partMD5Hex is refused
    data = os.urandom(3000)
    claimed = md5(b"something else")
    request = upload_request(data, "liar.bin", contentMD5Hex=claimed)
    status = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    url = part_urls(alice, status["uploadId"], [1])[1]
    requests.put(url, data=data, timeout=10)
    refused = alice.ok(
        "PUT", f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex=claimed, status=201
    )
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


def _send_parts(api: Api, upload_id: str, parts: list[bytes]) -> None:
    """PUT each of ``parts`` (whatever its size) as parts 1, 2, ... and add it."""
    urls = part_urls(api, upload_id, list(range(1, len(parts) + 1)))
    for number, body in enumerate(parts, start=1):
        response = requests.put(urls[number], data=body, timeout=30)
        assert response.status_code == 200, response.text
        added = api.ok("PUT", f"/file/v1/file/multipart/{upload_id}/add/{number}", partMD5Hex=md5(body))
        assert added["addPartState"] == "ADD_SUCCESS", added


def _download(api: Api, handle_id: str, name: str) -> bytes:
    entity = api.file(api.project(), handle_id, name=name)
    url = api.get(f"/entity/{entity['id']}/file", redirect="false").text
    return requests.get(url, timeout=30).content


def test_off_size_parts_are_concatenated_in_part_number_order(alice: Api) -> None:
    # what synapseclient's Table.store_rows(values=DataFrame) sends: the CSV header rides on part 1 (which is
    # longer than partSizeBytes) and the last part is shorter by as much; S3 concatenates whatever it got
    data = os.urandom(2 * PART + 999)
    request = upload_request(data, "shifted.csv")
    status = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    assert status["partsState"] == "000"
    cuts = [0, PART + 40, 2 * PART + 40, len(data)]
    parts = [data[cuts[i] : cuts[i + 1]] for i in range(3)]
    assert [len(part) for part in parts] == [PART + 40, PART, 959]  # part 2 has the expected size: in place
    _send_parts(alice, status["uploadId"], parts)
    done = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert (handle["contentSize"], handle["contentMd5"]) == (len(data), md5(data))
    assert md5(_download(alice, handle["id"], "shifted.csv")) == md5(data)
    again = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    assert again["resultFileHandleId"] == done["resultFileHandleId"]


def test_off_size_parts_concatenate_where_copy_file_range_is_missing(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "copy_file_range")  # other OSes / file systems: a streamed copy instead
    data = os.urandom(2 * PART + 77)
    request = upload_request(data, "streamed.bin")
    status = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    parts = [data[: PART + 9], data[PART + 9 : 2 * PART + 20], data[2 * PART + 20 :]]
    _send_parts(alice, status["uploadId"], parts)
    done = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    assert _download(alice, done["resultFileHandleId"], "streamed.bin") == data


def test_parts_adding_up_to_another_size_give_the_actual_size(alice: Api) -> None:
    # real Synapse takes the size of the completed S3 object (REFERENCE 2.5: contentSize = actual size)
    data = os.urandom(PART + 5000)
    request = upload_request(data, "longer.bin", fileSizeBytes=PART + 10)  # declares 2 parts, sends more
    status = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    _send_parts(alice, status["uploadId"], [data[:PART], data[PART:]])
    done = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert handle["contentSize"] == len(data)
    assert _download(alice, handle["id"], "longer.bin") == data


def test_part_below_5_mib_that_is_not_the_last_is_400(alice: Api) -> None:
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(BIG, "size.bin"), forceRestart="true", status=201
    )
    put_part(alice, status["uploadId"], BIG, 1)
    url = part_urls(alice, status["uploadId"], [1])[1]
    response = requests.put(url, data=b"too short", timeout=10)
    assert response.status_code == 400 and "at least 5 MiB (5242880 bytes)" in response.text
    streamed = requests.put(url, data=iter([b"too ", b"short"]), timeout=10)  # chunked: no Content-Length
    assert streamed.status_code == 400 and "Part 1 is 9 bytes" in streamed.text
    state = alice.ok("POST", "/file/v1/file/multipart", upload_request(BIG, "size.bin"), status=201)
    assert state["partsState"] == "100"  # the refused PUTs did not replace the part already there


def test_reuploaded_part_of_another_size_replaces_the_earlier_one(alice: Api) -> None:
    data = os.urandom(PART + 300)
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(data, "redo2.bin"), forceRestart="true", status=201
    )
    upload_id = status["uploadId"]
    _send_parts(alice, upload_id, [bytes(PART + 10), data[PART:]])  # wrong part 1, of another size
    _send_parts(alice, upload_id, [data[:PART]])  # the right one, in place
    done = alice.ok("PUT", f"/file/v1/file/multipart/{upload_id}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert _download(alice, handle["id"], "redo2.bin") == data
    other = os.urandom(PART + 300)
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(other, "redo3.bin"), forceRestart="true", status=201
    )
    _send_parts(alice, status["uploadId"], [bytes(PART), other[PART:]])  # wrong part 1 in place
    _send_parts(alice, status["uploadId"], [other[: PART + 100]])  # replaced by one of another size...
    urls = part_urls(alice, status["uploadId"], [2])
    assert requests.put(urls[2], data=other[PART + 100 :], timeout=10).status_code == 200  # ...and part 2
    upload_id = status["uploadId"]
    alice.ok("PUT", f"/file/v1/file/multipart/{upload_id}/add/2", partMD5Hex=md5(other[PART + 100 :]))
    done = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert handle["contentSize"] == len(other)
    assert _download(alice, handle["id"], "redo3.bin") == other


def test_streamed_part_of_another_size_is_kept(alice: Api) -> None:
    data = os.urandom(PART + 700)
    request = upload_request(data, "chunked.bin")
    status = alice.ok("POST", "/file/v1/file/multipart", request, forceRestart="true", status=201)
    urls = part_urls(alice, status["uploadId"], [1, 2])
    first, second = data[: PART + 500], data[PART + 500 :]
    pieces = [first[i : i + MIB] for i in range(0, len(first), MIB)]
    assert requests.put(urls[1], data=iter(pieces), timeout=30).status_code == 200  # chunked, longer
    assert requests.put(urls[2], data=iter([second]), timeout=30).status_code == 200  # chunked, shorter
    for number, body in ((1, first), (2, second)):
        path = f"/file/v1/file/multipart/{status['uploadId']}/add/{number}"
        added = alice.ok("PUT", path, partMD5Hex=md5(body))
        assert added["addPartState"] == "ADD_SUCCESS"
    done = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    handle = alice.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}")
    assert _download(alice, handle["id"], "chunked.bin") == data


def test_upload_of_off_size_parts_resumes_after_server_restart(tmp_path: Path) -> None:
    data = os.urandom(2 * PART + 50)
    parts = [data[: PART + 20], data[PART + 20 : 2 * PART + 20], data[2 * PART + 20 :]]
    with LocalSynapse(tmp_path) as server:
        api = Api(server.endpoint, server.create_user("offsize"))
        status = api.ok("POST", "/file/v1/file/multipart", upload_request(data, "off.bin"), status=201)
        _send_parts(api, status["uploadId"], parts[:2])
        token = api.token
    with LocalSynapse(tmp_path) as server:
        api = Api(server.endpoint, token)
        again = api.ok("POST", "/file/v1/file/multipart", upload_request(data, "off.bin"), status=201)
        assert again["uploadId"] == status["uploadId"] and again["partsState"] == "110"
        urls = part_urls(api, again["uploadId"], [3])
        assert requests.put(urls[3], data=parts[2], timeout=10).status_code == 200
        api.ok("PUT", f"/file/v1/file/multipart/{again['uploadId']}/add/3", partMD5Hex=md5(parts[2]))
        done = api.ok("PUT", f"/file/v1/file/multipart/{again['uploadId']}/complete", status=201)
        assert _download(api, done["resultFileHandleId"], "off.bin") == data


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
