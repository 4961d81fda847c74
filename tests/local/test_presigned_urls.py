"""Presigned URLs (issue 10, sec. 2): they expire and are refused afterwards, and are bound to the handle,
the method, and for part uploads the upload and part number they were signed for (as S3's are; like S3's, a
download URL is not bound to a byte range: the ``Range`` header is not signed)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import requests

from synapse_models.local import LocalSynapse
from synapse_models.local.core.limits import Limits
from tests.local.conftest import Api
from tests.local.files_util import batch_url, md5, part_urls, upload, upload_request

DATA = os.urandom(4096)


@pytest.fixture(scope="module")
def short_lived() -> Iterator[LocalSynapse]:
    with LocalSynapse(limits=Limits(download_url_seconds=2, upload_url_seconds=2)) as local:
        yield local


def test_a_download_url_expires_and_is_then_refused(short_lived: LocalSynapse) -> None:
    alice = Api(short_lived.endpoint, short_lived.create_user("alice"))
    handle = upload(alice, DATA, "data.bin")
    entity = alice.file(alice.project(), handle["id"])
    url = batch_url(alice, handle["id"], entity["id"])["preSignedURL"]
    assert "X-Amz-Expires=2" in url
    assert requests.get(url, timeout=10).content == DATA
    ranged = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == DATA[10:20]
    time.sleep(3.2)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403 and expired.text == "Request has expired"
    assert DATA not in expired.content


def test_a_download_url_is_bound_to_its_handle_and_method(short_lived: LocalSynapse) -> None:
    alice = Api(short_lived.endpoint, short_lived.create_user("alice2"))
    first, second = upload(alice, DATA, "a.bin"), upload(alice, b"other", "b.bin")
    entity = alice.file(alice.project(), first["id"])
    url = batch_url(alice, first["id"], entity["id"])["preSignedURL"]
    moved = url.replace(f"/download/{first['id']}?", f"/download/{second['id']}?")
    refused = requests.get(moved, timeout=10)
    assert refused.status_code == 403 and refused.text == "The request signature does not match"
    tampered = url.replace("X-Amz-Expires=2", "X-Amz-Expires=99999")
    assert requests.get(tampered, timeout=10).status_code == 403
    assert requests.put(url, data=b"x", timeout=10).status_code in (403, 405)


def test_a_part_url_is_bound_to_its_upload_and_part_and_expires(short_lived: LocalSynapse) -> None:
    alice = Api(short_lived.endpoint, short_lived.create_user("alice3"))
    data = os.urandom(11 * 1024 * 1024)
    status = alice.ok("POST", "/file/v1/file/multipart", upload_request(data, "p.bin"), status=201)
    urls = part_urls(alice, status["uploadId"], [1, 2])
    swapped = urls[1].replace(f"/{status['uploadId']}/1?", f"/{status['uploadId']}/2?")
    assert requests.put(swapped, data=b"x" * 10, timeout=10).status_code == 403
    assert requests.get(urls[1], timeout=10).status_code in (403, 405)
    time.sleep(3.2)
    late = requests.put(urls[1], data=data[: 5 * 1024 * 1024], timeout=30)
    assert late.status_code == 403 and late.text == "Request has expired"
    added = alice.put(f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex=md5(data[: 5 << 20]))
    assert added.json()["addPartState"] == "ADD_FAILED"
