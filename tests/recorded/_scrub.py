"""What never goes into a cassette, and how every interaction is normalised before it is stored or matched.

vcrpy runs :func:`normalize_request` on each request twice: before it stores it and, in replay, on the
request being made before comparing it with the stored ones. So every change made here must be idempotent
(a stored, already normalised request normalises to itself) and must be made identically to both sides: a
presigned URL whose signature is scrubbed in a recorded *answer* is requested, in replay, with the scrubbed
signature, which then equals the scrubbed recorded *request*.

Scrubbed:

* headers: requests keep only ``Content-Type`` and ``Range``, plus ``Authorization: REDACTED`` when they
  carried a token (so a reader sees which requests were authenticated, e.g. never the presigned ones);
  answers keep only the headers a client acts on (see ``KEEP_RESPONSE_HEADERS``). Cookies, request ids,
  dates and server names are dropped;
* presigned-URL signatures: the value of every ``X-Amz-*``, ``Signature``, ``Expires``, ``Key-Pair-Id`` and
  ``Policy`` query parameter, in request URLs, in ``Location`` headers and in every string of a JSON body;
* e-mail addresses in JSON bodies (a profile recorded against synapse.org names its owner's address);
* request bodies that are not short text (file parts, gzipped wiki markdown) are replaced by a summary with
  their length and md5, which is also what is matched in replay.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from typing import Any

from vcr.request import Request

REDACTED = "REDACTED"
EMAIL_PLACEHOLDER = "user@example.org"

KEEP_REQUEST_HEADERS = frozenset({"content-type", "range"})
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
KEEP_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "location",
        "etag",
        "retry-after",
        "content-range",
        "accept-ranges",
        "content-disposition",
    }
)

MAX_TEXT_BODY = 64 * 1024
"""Request bodies longer than this (or not UTF-8 text) are stored as a length + md5 summary."""
SUMMARY = re.compile(r"^<(binary|text|gzip): \d+ bytes, md5 [0-9a-f]{32}>")

_SIGNED_PARAM = re.compile(
    r"(?i)([?&](?:x-amz-[a-z0-9-]+|signature|expires|key-pair-id|policy|awsaccesskeyid)=)([^&#\s\"'<>]+)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


# -- secrets: what a cassette must never contain --------------------------------------------------------

SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "a bearer token": re.compile(r"(?i)bearer[ \t]+(?!REDACTED)[A-Za-z0-9._~+/=-]{6,}"),
    "a JSON web token (a Synapse personal access token)": re.compile(
        r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    ),
    "a LocalSynapse token": re.compile(r"lsyn-[A-Za-z0-9_-]{8,}"),
    "a presigned-URL signature or credential": re.compile(
        r"(?i)[?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|key-pair-id|policy)"
        r"=(?!REDACTED)[^&#\s\"'<>]+"
    ),
    "an Authorization or Cookie header with a value": re.compile(
        r"(?im)^[ \t]*-?[ \t]*[\"']?(?:authorization|cookie|set-cookie)[\"']?[ \t]*:[ \t]*"
        r"(?!REDACTED\b)(?![ \t]*$)\S"
    ),
}


def find_secrets(text: str, known: tuple[str, ...] = ()) -> list[str]:
    """Describe each secret found in ``text`` (a cassette file): ``"line 12: a bearer token"``.

    ``known`` are values that must not appear anywhere (the token a recording used).
    """
    found: list[str] = []
    for what, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            found.append(f"line {text.count(chr(10), 0, match.start()) + 1}: {what}")
    for value in known:
        if value and value in text:
            found.append(f"line {text.count(chr(10), 0, text.index(value)) + 1}: the token of the recording")
    return found


def secret_headers(headers: dict[str, Any]) -> list[str]:
    """The names of credential headers that carry anything but ``REDACTED``."""
    bad = []
    for name, values in headers.items():
        if name.lower() in AUTH_HEADERS | {"cookie", "set-cookie", "x-amz-security-token"}:
            listed = values if isinstance(values, list) else [values]
            if any(value != REDACTED for value in listed):
                bad.append(name)
    return bad


# -- scrubbing ----------------------------------------------------------------------------------------------


def scrub_url(text: str) -> str:
    """``text`` with the value of every signing query parameter replaced by ``REDACTED``."""
    return _SIGNED_PARAM.sub(lambda m: m.group(1) + REDACTED, text)


def scrub_json(value: Any) -> Any:
    """A JSON value with signatures and e-mail addresses scrubbed from every string in it."""
    if isinstance(value, str):
        return _EMAIL.sub(EMAIL_PLACEHOLDER, scrub_url(value))
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub_json(item) for key, item in value.items()}
    return value


def parse_json(data: bytes | str | None) -> Any:
    """The JSON document in ``data`` (an object or an array), or ``None`` when it is not one."""
    if not data:
        return None
    text = data.decode("utf-8", "strict") if isinstance(data, bytes) else data
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def dump_json(value: Any) -> str:
    """Compact JSON, as the client sends it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def summarize(data: bytes) -> str:
    """A body that is stored by its length and md5 (and, for gzip, its decompressed text as well)."""
    digest = hashlib.md5(data).hexdigest()
    if data[:2] == b"\x1f\x8b":
        try:
            text = gzip.decompress(data).decode("utf-8")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError):
            pass
        else:
            return f"<gzip: {len(data)} bytes, md5 {digest}> decompressed:\n{text}"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return f"<binary: {len(data)} bytes, md5 {digest}>"
    return f"<text: {len(data)} bytes, md5 {digest}>"


def _body_bytes(request: Request) -> bytes | None:
    body = request.body_bytes
    if body is None or isinstance(body, bytes):
        return body or None
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def normalize_body(data: bytes | None) -> bytes | None:
    """The request body as stored and matched: scrubbed compact JSON, short text, or a summary."""
    if not data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return summarize(data).encode("utf-8")
    if SUMMARY.match(text):
        return data
    document = parse_json(text)
    if document is not None:
        return dump_json(scrub_json(document)).encode("utf-8")
    if len(data) > MAX_TEXT_BODY:
        return summarize(data).encode("utf-8")
    return data


def normalize_request(request: Request) -> Request:
    """The request as it is stored, and as it is compared with stored ones in replay (idempotent)."""
    headers: dict[str, str] = {}
    for name, value in sorted(request.headers.items()):
        lowered = name.lower()
        if lowered in AUTH_HEADERS:
            headers["Authorization"] = REDACTED
        elif lowered in KEEP_REQUEST_HEADERS:
            headers[name] = value
    return Request(request.method, scrub_url(request.uri), normalize_body(_body_bytes(request)), headers)


def normalize_response(response: dict[str, Any]) -> dict[str, Any]:
    """The answer as it is stored: chosen headers, signatures and e-mail addresses scrubbed."""
    headers = {  # sorted: servers send them in no fixed order, and a re-recording should not move them
        name: [scrub_url(str(value)) for value in values]
        for name, values in sorted(response.get("headers", {}).items())
        if name.lower() in KEEP_RESPONSE_HEADERS
    }
    body = dict(response.get("body") or {})
    data = body.get("string")
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data:
        try:
            document = parse_json(data)
        except UnicodeDecodeError:
            document = None
        if document is not None:
            scrubbed = scrub_json(document)
            if scrubbed != document:  # otherwise the bytes stay exactly as sent (a downloaded .json file)
                data = dump_json(scrubbed).encode("utf-8")
        elif _is_text(data):
            data = scrub_url(data.decode("utf-8")).encode("utf-8")
    body["string"] = data
    return {**response, "headers": headers, "body": body}


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
