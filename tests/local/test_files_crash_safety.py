"""Uploads that can always finish (issue 10, sec. 1 server half): a re-send cut mid-body changes nothing,
a part whose bytes changed is forgotten (the client sends it again), a ``complete`` cut between its rename
and its commit is adopted by the retried ``complete``, and a restart removes what a crash left half-written.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import requests

from synapse_models.local import LocalSynapse
from synapse_models.local.areas.files import blobs, parts
from synapse_models.local.areas.files.recovery import upload_blob_id
from tests.local.conftest import Api, reason
from tests.local.files_util import MIB, batch_url, md5, part_of, part_urls, put_part, upload_request

DATA = os.urandom(11 * MIB)  # three parts of 5 MiB (the last one 1 MiB)


def _start(api: Api, name: str) -> str:
    status = api.ok(
        "POST", "/file/v1/file/multipart", upload_request(DATA, name), forceRestart="true", status=201
    )
    return str(status["uploadId"])


def _state(api: Api, name: str) -> str:
    return str(
        api.ok("POST", "/file/v1/file/multipart", upload_request(DATA, name), status=201)["partsState"]
    )


def _complete(api: Api, upload_id: str) -> requests.Response:
    return api.put(f"/file/v1/file/multipart/{upload_id}/complete")


def _download(api: Api, handle_id: str) -> bytes:
    entity = api.file(api.project(), handle_id)
    return requests.get(batch_url(api, handle_id, entity["id"])["preSignedURL"], timeout=30).content


def test_a_resend_cut_mid_body_keeps_the_complete_copy(server: LocalSynapse, alice: Api) -> None:
    upload_id = _start(alice, "cut-resend.bin")
    for number in (1, 2, 3):
        put_part(alice, upload_id, DATA, number)
    part = part_of(DATA, 2)
    with pytest.raises(parts.PartSizeError):  # the re-send arrives cut: its Content-Length is not met
        parts.store_part(
            server.app.store,
            upload_id,
            2,
            5 * MIB,
            len(part),
            io.BytesIO(part[: len(part) // 3]),
            declared=len(part),
            maximum=parts.CHUNK_SIZE * 5120,
        )
    assert parts.uploaded_part_md5(server.app.store, upload_id, 2) == md5(part)
    assert _state(alice, "cut-resend.bin") == "111"
    done = _complete(alice, upload_id)
    assert done.status_code == 201, done.text
    assert _download(alice, done.json()["resultFileHandleId"]) == DATA


def test_a_part_sent_again_with_other_bytes_must_be_added_again(alice: Api) -> None:
    upload_id = _start(alice, "changed.bin")
    for number in (1, 2, 3):
        put_part(alice, upload_id, DATA, number)
    url = part_urls(alice, upload_id, [3])[3]
    assert requests.put(url, data=b"other bytes", timeout=30).status_code == 200
    assert _state(alice, "changed.bin") == "110"  # the client sees the part as missing and sends it again
    refused = _complete(alice, upload_id)
    assert refused.status_code == 400
    assert reason(refused) == (
        "Missing 1 part(s).  All parts must be successfully added before a file upload can be completed."
    )
    put_part(alice, upload_id, DATA, 3)
    done = _complete(alice, upload_id)
    assert done.status_code == 201, done.text
    assert _download(alice, done.json()["resultFileHandleId"]) == DATA


def test_a_part_whose_bytes_vanished_is_forgotten_not_refused_forever(
    server: LocalSynapse, alice: Api
) -> None:
    upload_id = _start(alice, "vanished.bin")
    for number in (1, 2, 3):
        put_part(alice, upload_id, DATA, number)
    (parts.upload_dir(server.app.store, upload_id) / "1.done").unlink()  # as a crash mid-write leaves it
    assert _complete(alice, upload_id).status_code == 400
    assert _state(alice, "vanished.bin") == "011"
    put_part(alice, upload_id, DATA, 1)
    done = _complete(alice, upload_id)
    assert done.status_code == 201 and _download(alice, done.json()["resultFileHandleId"]) == DATA


def test_complete_cut_between_rename_and_commit_is_adopted(server: LocalSynapse, alice: Api) -> None:
    upload_id = _start(alice, "renamed.bin")
    for number in (1, 2, 3):
        put_part(alice, upload_id, DATA, number)
    target = blobs.blob_path(server.app.store, upload_blob_id(upload_id))
    # What a kill -9 after complete's rename and before its commit leaves: the file moved, no handle row.
    parts.finish_upload(
        server.app.store, upload_id, target, part_size=5 * MIB, file_size=len(DATA), part_count=3
    )
    done = _complete(alice, upload_id)
    assert done.status_code == 201, done.text
    assert _download(alice, done.json()["resultFileHandleId"]) == DATA


def test_restart_removes_orphans_and_keeps_what_rows_name(tmp_path: Path) -> None:
    with LocalSynapse(data_dir=tmp_path) as local:
        api = Api(local.endpoint, local.create_user("owner"))
        kept = api.ok("POST", "/file/v1/file/multipart", upload_request(b"kept", "kept.txt"), status=201)
        put_part(api, kept["uploadId"], b"kept", 1)
        handle = api.ok("PUT", f"/file/v1/file/multipart/{kept['uploadId']}/complete", status=201)
        pending = _start(api, "pending.bin")
        put_part(api, pending, DATA, 1)
        store = local.app.store
    orphan = blobs.blob_path(store, "ab" + "0" * 30)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"no row names me")
    temp = blobs.temp_path(orphan.parent, "cut")
    temp.write_bytes(b"half")
    stray = tmp_path / "uploads" / "424242"
    stray.mkdir()
    (stray / "data").write_bytes(b"an upload nobody knows")
    with LocalSynapse(data_dir=tmp_path) as again:
        assert not orphan.exists() and not temp.exists() and not stray.exists()
        assert (parts.upload_dir(again.app.store, pending) / "1.done").exists()  # still uploading: kept
        api = Api(again.endpoint, api.token)
        assert _download(api, handle["resultFileHandleId"]) == b"kept"
        put_part(api, pending, DATA, 2)
        put_part(api, pending, DATA, 3)
        done = _complete(api, pending)
        assert done.status_code == 201 and _download(api, done.json()["resultFileHandleId"]) == DATA
