"""Hostile or malformed HTTP (issue 10, sec. 4): each answered 4xx with a reason, never 500, never a traceback
in the log, never a hang; request bodies bounded as Synapse bounds them."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from synapse_models.local import LocalSynapse
from tests.local.conftest import Api, reason

HUGE = str(2**70)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[LocalSynapse]:
    with LocalSynapse(idle_seconds=2) as local:
        yield local


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert bad == [], [r.getMessage() for r in bad]


def _address(server: LocalSynapse) -> tuple[str, int]:
    parts = urlsplit(server.endpoint)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _exchange(server: LocalSynapse, raw: bytes, *, half_close: bool = False, wait: float = 10) -> bytes:
    """Send ``raw`` on a new connection; return all the server answers before closing (or ``wait`` s)."""
    with socket.create_connection(_address(server), timeout=wait) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer and _complete(answer):
                break
        return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    found = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return found is not None and len(body) >= int(found.group(1))


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def _post(path: str, body: bytes, token: str, extra: str = "") -> bytes:
    return (
        (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\n{extra}"
        ).encode()
        + b"\r\n"
        + body
    )


def test_json_nested_50000_levels_is_400(hostile_server: LocalSynapse, server_log: Any) -> None:
    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    response = api.session.post(
        api.url("/entity"),
        data="[" * 50_000 + "]" * 50_000,
        timeout=30,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "nested deeper than" in reason(response)
    deep_object = json.dumps({"name": "x", "annotations": json.loads("[" * 500 + "]" * 500)})
    response = api.session.post(api.url("/entity"), data=deep_object, timeout=30)
    assert response.status_code == 400
    _no_traceback(server_log)


def test_json_body_over_2_mib_is_413_with_synapses_wording(
    hostile_server: LocalSynapse, server_log: Any
) -> None:
    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    body = json.dumps({"concreteType": "org.sagebionetworks.repo.model.Project", "name": "x" * (3 << 20)})
    response = api.session.post(api.url("/entity"), data=body, timeout=30)
    assert response.status_code == 413
    assert reason(response) == "Request size exceeded maximum number of bytes: 2097152"
    _no_traceback(server_log)


def test_ids_and_offsets_past_64_bits_are_4xx_on_every_route(
    hostile_server: LocalSynapse, server_log: Any
) -> None:
    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    served = 0
    for spec in hostile_server.app.routes:
        if spec.path.startswith("/admin/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ("syn" if m.group(1) == "id" else "") + HUGE, spec.path)
        params = {"offset": HUGE, "limit": HUGE, "version": HUGE}
        body = {"id": HUGE, "offset": 2**70, "limit": 2**70, "entityId": "syn" + HUGE, "fileHandleId": HUGE}
        response = api.session.request(
            spec.method,
            api.endpoint + path,
            params=params,
            allow_redirects=False,
            timeout=30,
            json=None if spec.method in ("GET", "DELETE") else body,
        )
        assert response.status_code < 500, (spec.method, spec.path, response.status_code, response.text)
        if response.status_code >= 400 and response.content:
            assert response.text.strip(), (spec.method, spec.path)
        served += 1
    assert served > 200
    _no_traceback(server_log)


def test_broken_chunked_encoding_is_400(hostile_server: LocalSynapse, server_log: Any) -> None:
    raw = _post(
        "/repo/v1/entity",
        b"zz\r\n{}\r\n0\r\n\r\n",
        hostile_server.admin_token,
        "Transfer-Encoding: chunked\r\n",
    )
    answer = _exchange(hostile_server, raw)
    assert _status(answer) == 400, answer[:200]
    _no_traceback(server_log)


def test_content_length_larger_than_the_body_never_hangs_or_runs(
    hostile_server: LocalSynapse, server_log: Any
) -> None:
    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    name = f"cut {time.monotonic_ns()}"
    body = json.dumps({"concreteType": "org.sagebionetworks.repo.model.Project", "name": name}).encode()
    raw = _post(
        "/repo/v1/entity",
        body[: len(body) // 2],
        hostile_server.admin_token,
        f"Content-Length: {len(body)}\r\n",
    )
    # The client stops sending but keeps the connection open: the server closes it once idle (2 s here).
    started = time.monotonic()
    answer = _exchange(hostile_server, raw, wait=20)
    assert time.monotonic() - started < 15 and _status(answer) in (0, 400, 408), answer[:200]
    # The client sends half and disconnects: nothing half-runs.
    assert _status(_exchange(hostile_server, raw, half_close=True)) in (0, 400)
    found = api.post("/entity/child", {"entityName": name, "parentId": "syn4489"})
    assert found.status_code in (403, 404), found.text
    _no_traceback(server_log)


def test_disconnect_mid_part_body_records_nothing(hostile_server: LocalSynapse, server_log: Any) -> None:
    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    from tests.local.files_util import part_urls, upload_request

    data = b"x" * (1 << 20)
    status = api.ok("POST", "/file/v1/file/multipart", upload_request(data, name="cut.bin"), status=201)
    url = part_urls(api, status["uploadId"], [1])[1]
    parts = urlsplit(url)
    raw = (
        f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data[:1000]
    _exchange(hostile_server, raw, half_close=True)
    again = api.ok("POST", "/file/v1/file/multipart", upload_request(data, name="cut.bin"), status=201)
    assert again["partsState"] == "0"
    added = api.put(f"/file/v1/file/multipart/{status['uploadId']}/add/1", partMD5Hex="0" * 32)
    assert added.json()["addPartState"] == "ADD_FAILED"
    _no_traceback(server_log)


def test_control_characters_and_paths_in_file_names_are_400(
    hostile_server: LocalSynapse, server_log: Any
) -> None:
    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    handle = api.handle("plain.txt")
    for bad in ("../../x", "a/b", "a\\b", "..", "a\r\nX-Injected: yes", "tab\there"):
        own = api.post(f"/file/v1/fileHandle/{handle}/copy", {"fileName": bad})
        assert own.status_code == 400 and "FileHandle.fileName" in reason(own), (bad, own.text)
        external = api.post(
            "/file/v1/externalFileHandle",
            {"externalURL": "https://example.org/x", "fileName": bad, "contentType": "text/plain"},
        )
        assert external.status_code == 400, (bad, external.text)
        entity = api.post("/entity", {"concreteType": "org.sagebionetworks.repo.model.Project", "name": bad})
        # Synapse's entity names allow ".." (periods are letters there); every other one is refused.
        assert entity.status_code == (201 if bad == ".." else 400), (bad, entity.text)
    _no_traceback(server_log)


def test_download_of_a_non_ascii_name_has_rfc_6266_disposition(hostile_server: LocalSynapse) -> None:
    from tests.local.files_util import batch_url, upload

    api = Api(hostile_server.endpoint, hostile_server.admin_token)
    original = upload(api, b"bonjour\n", "plain.txt")
    renamed = api.ok(
        "POST", f"/file/v1/fileHandle/{original['id']}/copy", {"fileName": "données ✓.txt"}, status=201
    )
    entity = api.file(api.project(), renamed["id"])
    url = batch_url(api, renamed["id"], entity["id"])["preSignedURL"]
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"bonjour\n"
    disposition = response.headers["Content-Disposition"]
    assert disposition == (
        "attachment; filename=\"donnees _.txt\"; filename*=UTF-8''donn%C3%A9es%20%E2%9C%93.txt"
    )
