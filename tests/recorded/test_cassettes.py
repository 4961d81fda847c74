"""The cassettes themselves: no secrets, readable, one per recorded test; and the tools that make them so."""

from __future__ import annotations

import ast
import gzip
import hashlib
import re
from pathlib import Path

import pytest
import yaml
from vcr.request import Request

from . import cassette_diff
from ._format import check_cassette_text, deserialize, match_body, serialize
from ._scrub import REDACTED, normalize_request, normalize_response
from .conftest import CASSETTES

HERE = Path(__file__).resolve().parent
ALL = sorted(CASSETTES.rglob("*.yaml"))


def _cassette_id(path: Path) -> str:
    return str(path.relative_to(CASSETTES))


def _recorded_tests() -> set[str]:
    """``<module>/<test>.yaml`` for every test function marked ``@pytest.mark.vcr`` in this directory."""
    found = set()
    for module in sorted(HERE.glob("test_*.py")):
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and any(
                ast.unparse(d).endswith("mark.vcr") for d in node.decorator_list
            ):
                found.add(f"{module.stem}/{node.name}.yaml")
    return found


def test_every_recorded_test_has_one_cassette_and_none_is_stale() -> None:
    assert ALL, f"no cassettes under {CASSETTES}"
    assert {_cassette_id(p) for p in ALL} == _recorded_tests()


@pytest.mark.parametrize("path", ALL, ids=_cassette_id)
def test_cassette_holds_no_secret(path: Path) -> None:
    assert check_cassette_text(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", ALL, ids=_cassette_id)
def test_cassette_is_readable_and_names_its_run(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "!!binary" not in text and "!!python" not in text, "a body was stored as base64 or a Python object"
    document = deserialize(text)
    assert document["metadata"]["prefix"].startswith("smrec-")
    assert document["metadata"]["endpoint"].startswith(("http://", "https://"))
    assert document["interactions"], "an empty cassette"


# -- the secrets scan finds what it must --------------------------------------------------------------------

SAMPLE = ALL[0].read_text(encoding="utf-8") if ALL else ""

PLANTED = {
    "a bearer token": "x: Bearer abcdef0123456789",
    "a JSON web token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz",
    "a LocalSynapse token": "token: lsyn-0123456789abcdef0123456789abcdef01234567",
    "a presigned-URL signature": "https://b.s3.amazonaws.com/k?X-Amz-Date=1&X-Amz-Signature=abc123",
    "an Authorization or Cookie header": "Set-Cookie: AWSALB=abc",
}


@pytest.mark.parametrize(("kind", "planted"), PLANTED.items(), ids=list(PLANTED))
def test_secret_scan_finds_a_planted_secret(kind: str, planted: str) -> None:
    assert check_cassette_text(SAMPLE) == []
    text = SAMPLE + "notes: |\n  " + planted + "\n"  # still valid YAML: a block of text at the end
    yaml.safe_load(text)
    assert any(kind in problem for problem in check_cassette_text(text))


def test_secret_scan_finds_a_credential_header_in_the_structure() -> None:
    text = SAMPLE.replace(
        "      Authorization:\n      - REDACTED", "      Authorization:\n      - token123", 1
    )
    assert text != SAMPLE
    assert any("header Authorization" in p for p in check_cassette_text(text))


# -- scrubbing -----------------------------------------------------------------------------------------------

PRESIGNED = (
    "https://bucket.s3.amazonaws.com/1/2/counts.tsv?response-content-type=text%2Fplain"
    "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z&X-Amz-Credential=AKIA%2F1"
    "&X-Amz-Security-Token=FwoGZX&X-Amz-Signature=9f86d081884c7d659a2feaa0c55ad015"
)
SCRUBBED = (
    "https://bucket.s3.amazonaws.com/1/2/counts.tsv?response-content-type=text%2Fplain"
    "&X-Amz-Algorithm=REDACTED&X-Amz-Date=REDACTED&X-Amz-Credential=REDACTED"
    "&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED"
)


def test_answers_lose_signatures_cookies_and_addresses_in_headers_and_bodies() -> None:
    body = ('{"preSignedURL":"' + PRESIGNED + '","owner":{"email":"jo@lab.example.edu"}}').encode()
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Content-Type": ["application/json"],
            "Set-Cookie": ["AWSALB=abc"],
            "Location": [PRESIGNED],
            "X-Amzn-RequestId": ["r1"],
        },
        "body": {"string": body},
    }
    scrubbed = normalize_response(response)
    assert scrubbed["headers"] == {"Content-Type": ["application/json"], "Location": [SCRUBBED]}
    assert (
        scrubbed["body"]["string"]
        == ('{"preSignedURL":"' + SCRUBBED + '","owner":{"email":"user@example.org"}}').encode()
    )
    assert normalize_response(scrubbed) == scrubbed


def test_answers_that_need_no_scrubbing_keep_their_exact_bytes() -> None:
    data = b'{ "a": 1,\n  "b": "caf\\u00e9" }'  # a downloaded .json file: its md5 must still match
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": data}}
    assert normalize_response(response)["body"]["string"] == data


def test_requests_lose_tokens_and_signatures_and_large_bodies_become_summaries() -> None:
    part = bytes(range(256)) * 24_000
    request = Request(
        "PUT",
        PRESIGNED,
        part,
        {"Authorization": "Bearer secret", "User-Agent": "x", "Content-Type": "application/octet-stream"},
    )
    normalized = normalize_request(request)
    assert normalized.uri == SCRUBBED
    assert dict(normalized.headers) == {"Authorization": REDACTED, "Content-Type": "application/octet-stream"}
    assert normalized.body == f"<binary: {len(part)} bytes, md5 {hashlib.md5(part).hexdigest()}>".encode()
    again = normalize_request(normalized)
    assert (again.uri, again.body, dict(again.headers)) == (
        normalized.uri,
        normalized.body,
        dict(normalized.headers),
    )


# -- matching bodies -----------------------------------------------------------------------------------------


def _post(body: bytes | None) -> Request:
    return Request("POST", "http://127.0.0.1:18765/repo/v1/entity", body, {})


def test_json_bodies_match_as_values_whatever_their_layout() -> None:
    match_body(_post(b'{"name":"a","n":[1,2]}'), _post(b'{ "n": [1, 2],\n "name": "a" }'))


@pytest.mark.parametrize(
    "other",
    [
        b'{"name":"b","n":[1,2]}',
        b'{"name":"a","n":[2,1]}',
        b'{"name":"a","n":[1,2],"x":null}',
        b'{"name":"a","n":[true,2]}',
        b'{"name":"a","n":[1.0,2]}',
        None,
    ],
)
def test_json_bodies_that_differ_do_not_match(other: bytes | None) -> None:
    with pytest.raises(AssertionError):
        match_body(_post(other), _post(b'{"name":"a","n":[1,2]}'))


def test_binary_bodies_match_by_length_and_md5() -> None:
    part = bytes(range(256)) * 24_000
    changed = part[:-1] + b"\x00"
    match_body(_post(part), normalize_request(_post(part)))
    with pytest.raises(AssertionError, match="md5"):
        match_body(_post(changed), normalize_request(_post(part)))


def test_gzip_bodies_are_matched_and_shown_decompressed() -> None:
    packed = gzip.compress(b"# Title\nbody text", mtime=0)
    stored = normalize_request(_post(packed))
    assert stored.body.endswith(b"decompressed:\n# Title\nbody text")
    match_body(_post(packed), stored)
    with pytest.raises(AssertionError):
        match_body(_post(gzip.compress(b"# Title\nother text", mtime=0)), stored)


# -- the file format ----------------------------------------------------------------------------------------


def test_format_writes_json_and_gzip_readably_and_reads_back_the_exact_bytes() -> None:
    markdown = gzip.compress("# Wiki\n\nZürich, 2 lines".encode(), mtime=0)
    answer = '{"id":"syn1","name":"Zürich","n":1.5,"ok":true,"list":[1,"2",null]}'
    cassette = {
        "version": 1,
        "metadata": {"prefix": "smrec-1", "endpoint": "http://x"},
        "interactions": [
            {
                "request": {"method": "GET", "uri": "http://x/a", "headers": {}, "body": None},
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Length": ["99"]},
                    "body": {"string": answer},
                },
            },
            {
                "request": {"method": "GET", "uri": "http://x/b", "headers": {}, "body": None},
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {},
                    "body": {"string": markdown},
                },
            },
        ],
    }
    text = serialize(cassette)
    assert "name: Zürich" in text and "# Wiki" in text and "Content-Length" not in text
    assert text.index("metadata:") < text.index("interactions:")
    loaded = deserialize(text)
    first, second = (item["response"] for item in loaded["interactions"])
    assert first["body"]["string"] == answer and first["headers"]["Content-Length"] == [
        str(len(answer.encode()))
    ]
    assert second["body"]["string"] == markdown


# -- telling a client change from a service change --------------------------------------------------------


def test_cassette_diff_tells_request_changes_from_response_changes() -> None:
    old = ALL[0].read_text(encoding="utf-8")
    document = yaml.safe_load(old)
    second = document["interactions"][1]
    second["request"]["body"]["json"]["name"] = "renamed by the client"
    first = document["interactions"][0]
    first["response"]["body"]["json"]["userName"] = "renamed by the service"
    extra = document["interactions"][-1]
    document["interactions"].append(extra)
    report = cassette_diff.describe(old, yaml.safe_dump(document, sort_keys=False))
    assert (
        report[0].startswith("  #1 GET ")
        and report[1] == "    response changed (the service answers something else)"
    )
    assert report[2] == "      body.json.userName: 'recorder' -> 'renamed by the service'"
    assert report[3].startswith("  #2 POST ") and report[4].startswith("    REQUEST changed")
    assert report[5].startswith("      body.json.name: ") and report[5].endswith("-> 'renamed by the client'")
    assert report[-1].startswith("  + ") and report[-1].endswith("REQUEST newly made")
    assert cassette_diff.describe(old, old) == []


def test_recorded_tests_take_ids_from_answers_not_from_the_server_they_were_recorded_on() -> None:
    for module in sorted(HERE.glob("test_recorded_*.py")):
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"syn\d{3,}|\b33500\d\d\b", text), f"{module.name} hard-codes an id"
