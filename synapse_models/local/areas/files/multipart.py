"""Multipart uploads (REFERENCE 2.5, 3.4): start, presigned part URLs, part PUT, add part, complete.

* Start is idempotent: the same MultipartUploadRequest from the same user returns the existing upload (with
  its ``partsState``, or its result once COMPLETED); ``forceRestart=true`` starts over.
* Part size rules: 5 MiB ... 5 GiB, at most 10,000 parts, file at most 5 TB; a file smaller than the part
  size (0 bytes included) has one part.  Violations are 400 with the rule in the reason.
* Part URLs point back at this server (``/file/v1/presigned/upload/{uploadId}/{n}``), signed like S3's and
  valid 15 minutes.  The PUT streams the body to disk (never whole in memory) and records its MD5, so ``add``
  compares ``partMD5Hex`` without re-reading the part.  As with S3, a part need not be ``partSizeBytes`` long:
  any size up to 5 GiB is accepted, at least 5 MiB except for the last part (400 otherwise).  A part of the
  expected size is written in place into the upload's file; a part of another size is kept on its own.
* ``complete`` checks every part was added (each with the MD5 its ``add`` was given); when all parts were in
  place it renames the assembled file into a blob, otherwise it concatenates the parts in part-number order
  (as S3 does).  As in Synapse over S3 (REFERENCE 2.5) the whole file is not hashed again: the handle's
  ``contentMd5`` is the request's ``contentMD5Hex`` and its ``contentSize`` the actual size of the parts
  together, even when that differs from ``fileSizeBytes``.  Copies (:mod:`.copies`) read their parts
  from the source instead of a body.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from typing import Any

from werkzeug.wrappers import Response

from ...core.constants import DEFAULT_STORAGE_LOCATION_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.routing import Routes
from ...core.store import dumps, fetch_or_404, loads
from ...core.txn import Txn
from . import blobs, copies, parts, signing
from .records import check_upload_name, insert_handle, s3_handle_body
from .recovery import upload_blob_id

routes = Routes()

SCHEMA = """
    CREATE TABLE IF NOT EXISTS multipart_uploads (
        id INTEGER PRIMARY KEY, request_hash TEXT NOT NULL, started_by INTEGER NOT NULL,
        started_on TEXT NOT NULL, updated_on TEXT NOT NULL, request TEXT NOT NULL,
        part_count INTEGER NOT NULL, state TEXT NOT NULL,
        result_file_handle_id TEXT, discarded INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS multipart_by_request ON multipart_uploads(started_by, request_hash);
    CREATE TABLE IF NOT EXISTS multipart_parts (
        upload_id INTEGER NOT NULL, part_number INTEGER NOT NULL, md5 TEXT NOT NULL,
        PRIMARY KEY (upload_id, part_number))
    """

MIB = 1024 * 1024
MIN_PART_SIZE, MAX_PART_SIZE = 5 * MIB, 5 * 1024 * MIB
MAX_PARTS = 10_000
MAX_FILE_SIZE = 5 * 1024**4
UPLOAD_PATH = "/file/v1/presigned/upload/"
UPLOAD_REQUEST = "org.sagebionetworks.repo.model.file.MultipartUploadRequest"
_MD5_PATTERN = re.compile(r"^[0-9a-fA-F]{32}$")


def part_count(file_size: int, part_size: int) -> int:
    """Number of parts of a file (one for a file smaller than a part)."""
    return max(1, -(-file_size // part_size))


def _int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"MultipartUploadRequest.{name} is required and must be an integer, got {value!r}")
    return value


def validate_request(body: dict[str, Any]) -> int:
    """Check a MultipartUploadRequest against the REST rules; return its number of parts."""
    concrete_type = body.get("concreteType") or UPLOAD_REQUEST
    if concrete_type != UPLOAD_REQUEST:
        raise BadRequest(
            f"Unsupported MultipartRequest concreteType: {concrete_type} (only {UPLOAD_REQUEST} and"
            f" {copies.COPY_REQUEST})"
        )
    name = body.get("fileName")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("MultipartUploadRequest.fileName is required")
    check_upload_name(name)
    md5 = body.get("contentMD5Hex")
    if not isinstance(md5, str) or not _MD5_PATTERN.match(md5):
        raise BadRequest(
            f"MultipartUploadRequest.contentMD5Hex is required and must be 32 hex digits, got {md5!r}"
        )
    location = body.get("storageLocationId")
    if location is not None and location != DEFAULT_STORAGE_LOCATION_ID:
        raise NotFound(
            f"Storage location {location} does not exist on this server (only {DEFAULT_STORAGE_LOCATION_ID})"
        )
    return check_sizes(_int_field(body, "fileSizeBytes"), _int_field(body, "partSizeBytes"))


def check_sizes(file_size: int, part_size: int) -> int:
    """Check the size rules of a multipart upload or copy; return its number of parts."""
    if file_size < 1:  # Synapse's PartUtils.validateFileSize: no empty (or negative) uploads
        raise BadRequest("File size must be at least one byte")
    if file_size > MAX_FILE_SIZE:
        raise BadRequest(
            f"fileSizeBytes {file_size} exceeds the maximum file size of 5 TB ({MAX_FILE_SIZE} bytes)"
        )
    if part_size < MIN_PART_SIZE:
        raise BadRequest(
            f"partSizeBytes {part_size} is below the minimum part size of 5 MiB ({MIN_PART_SIZE} bytes)"
        )
    if part_size > MAX_PART_SIZE:
        raise BadRequest(
            f"partSizeBytes {part_size} exceeds the maximum part size of 5 GiB ({MAX_PART_SIZE} bytes)"
        )
    count = part_count(file_size, part_size)
    if count > MAX_PARTS:
        raise BadRequest(
            f"A file of {file_size} bytes with partSizeBytes {part_size} needs {count} parts; the maximum is"
            f" {MAX_PARTS}: use a part size of at least {-(-file_size // MAX_PARTS)} bytes"
        )
    return count


def _request_hash(user_id: int, body: dict[str, Any]) -> str:
    return hashlib.sha256(f"{user_id}:{dumps(body)}".encode()).hexdigest()


def _upload_row(txn: Txn, upload_id: str) -> Any:
    try:
        key = int(upload_id)
    except ValueError:
        key = -1
    sql = "SELECT * FROM multipart_uploads WHERE id = ? AND discarded = 0"
    return fetch_or_404(txn.db, sql, (key,), f"Multipart upload {upload_id} does not exist")


def _own_upload(txn: Txn, upload_id: str) -> Any:
    row = _upload_row(txn, upload_id)
    if row["started_by"] != txn.user_id and not txn.is_admin:
        txn.require_login()
        raise Forbidden(f"Only the user who started multipart upload {upload_id} can use it")
    return row


def _parts_state(txn: Txn, row: Any) -> str:
    if row["state"] == "COMPLETED":
        return "1" * int(row["part_count"])
    added = {
        int(r[0])
        for r in txn.db.execute("SELECT part_number FROM multipart_parts WHERE upload_id = ?", (row["id"],))
    }
    return "".join("1" if n in added else "0" for n in range(1, int(row["part_count"]) + 1))


def status_json(txn: Txn, row: Any) -> dict[str, Any]:
    """Return the MultipartUploadStatus of an upload row."""
    return {
        "uploadId": str(row["id"]),
        "startedBy": str(row["started_by"]),
        "startedOn": row["started_on"],
        "updatedOn": row["updated_on"],
        "partsState": _parts_state(txn, row),
        "state": row["state"],
        "resultFileHandleId": row["result_file_handle_id"],
    }


@routes.route("POST", "/file/v1/file/multipart", status=201)
def start_upload(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    if body.get("concreteType") == copies.COPY_REQUEST:
        # The stored request also records the source the copy reads (its hash is of what the client sent).
        stored = body | copies.resolve_source(ctx, body)
        count = check_sizes(int(stored["fileSizeBytes"]), _int_field(body, "partSizeBytes"))
    else:
        stored, count = body, validate_request(body)
    request_hash = _request_hash(ctx.user_id, body)
    existing = ctx.db.execute(
        "SELECT * FROM multipart_uploads WHERE started_by = ? AND request_hash = ? AND discarded = 0"
        " ORDER BY id DESC LIMIT 1",
        (ctx.user_id, request_hash),
    ).fetchone()
    result_gone = (
        existing is not None
        and existing["state"] == "COMPLETED"
        and ctx.db.execute(
            "SELECT 1 FROM file_handles WHERE id = ?", (int(existing["result_file_handle_id"]),)
        ).fetchone()
        is None
    )
    if existing is not None and not ctx.arg_bool("forceRestart") and not result_gone:
        return status_json(ctx, existing)
    if existing is not None:
        ctx.db.execute("UPDATE multipart_uploads SET discarded = 1 WHERE id = ?", (existing["id"],))
        ctx.db.execute("DELETE FROM multipart_parts WHERE upload_id = ?", (existing["id"],))
        if existing["state"] != "COMPLETED":
            old = str(existing["id"])
            ctx.on_commit(lambda: parts.discard_upload(ctx.store, old))
    upload_id = ctx.next_id("multipartUpload")
    ctx.db.execute(
        "INSERT INTO multipart_uploads(id, request_hash, started_by, started_on, updated_on, request,"
        " part_count, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'UPLOADING')",
        (upload_id, request_hash, ctx.user_id, ctx.now(), ctx.now(), dumps(stored), count),
    )
    return status_json(ctx, _upload_row(ctx, str(upload_id)))


def _part_numbers(row: Any, raw: Any) -> list[int]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("BatchPresignedUploadUrlRequest.partNumbers is required and must not be empty")
    numbers = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= int(row["part_count"]):
            raise BadRequest(f"Part number {value!r} is out of range 1..{row['part_count']}")
        numbers.append(value)
    return numbers


@routes.route(
    "POST", "/file/v1/file/multipart/<upload_id>/presigned/url/batch", status=201, transaction="read"
)
def part_urls(ctx: RequestContext, upload_id: str) -> dict[str, Any]:
    body = ctx.json_object()
    row = _own_upload(ctx, upload_id)
    if body.get("uploadId") is not None and str(body["uploadId"]) != str(row["id"]):
        raise BadRequest(f"uploadId in the body ({body['uploadId']}) does not match the path ({upload_id})")
    if row["state"] == "COMPLETED":
        raise BadRequest(f"Multipart upload {upload_id} is already complete")
    request = loads(row["request"])
    copy = request.get("concreteType") == copies.COPY_REQUEST
    plain_headers = {"Content-Type": str(body["contentType"])} if body.get("contentType") else {}
    expires = ctx.app.limits.upload_url_seconds
    urls = [
        {
            "partNumber": number,
            "uploadPresignedUrl": signing.sign_url(
                ctx.store, ctx.base_url, "PUT", f"{UPLOAD_PATH}{row['id']}/{number}", expires
            ),
            "signedHeaders": copies.signed_headers(request, number) if copy else plain_headers,
        }
        for number in _part_numbers(row, body.get("partNumbers"))
    ]
    return {"partPresignedUrls": urls}


def _refuse(status: int, reason: str) -> Response:
    return Response(reason, status=status, content_type="text/plain")


@routes.route("PUT", UPLOAD_PATH + "<int:upload_id>/<int:part_number>", transaction="read", raw_body=True)
def put_part(ctx: RequestContext, upload_id: int, part_number: int) -> Response:
    """Receive one part (the target of a presigned part URL), streamed to disk in 1 MiB chunks."""
    problem = signing.check_signature(ctx.store, "PUT", ctx.request.path, ctx.args.to_dict())
    if problem is not None:
        return _refuse(403, problem)
    row = ctx.db.execute(
        "SELECT * FROM multipart_uploads WHERE id = ? AND discarded = 0", (upload_id,)
    ).fetchone()
    if row is None or row["state"] != "UPLOADING":
        return _refuse(404, f"Multipart upload {upload_id} does not exist or is complete")
    if not 1 <= part_number <= int(row["part_count"]):
        return _refuse(400, f"Part number {part_number} is out of range 1..{row['part_count']}")
    request = loads(row["request"])
    part_size, file_size = int(request["partSizeBytes"]), int(request["fileSizeBytes"])
    offset = (part_number - 1) * part_size
    length = max(0, min(part_size, file_size - offset))  # the expected size: such a part is written in place
    copy = request.get("concreteType") == copies.COPY_REQUEST
    if copy and (problem := copies.header_mismatch(request, part_number, ctx.request.headers)):
        return _refuse(400, problem)
    try:
        with contextlib.ExitStack() as stack:
            source = ctx.request.stream
            if copy:  # the part's bytes are read from the source, not from the (empty) body
                source = stack.enter_context(copies.source_part(ctx, request, part_number, length))
            md5_hex = parts.store_part(
                ctx.store,
                str(row["id"]),
                part_number,
                offset,
                length,
                source,
                declared=length if copy else ctx.request.content_length,
                minimum=0 if part_number == int(row["part_count"]) else MIN_PART_SIZE,
                maximum=MAX_PART_SIZE,
            )
    except parts.PartSizeError as exc:
        return _refuse(400, str(exc))
    except FileNotFoundError:
        return _refuse(404, f"The bytes of the source of multipart copy {upload_id} are missing")
    with ctx.store.write() as db:  # other bytes than the part added earlier: it must be added again
        db.execute(
            "DELETE FROM multipart_parts WHERE upload_id = ? AND part_number = ? AND md5 != ?",
            (row["id"], part_number, md5_hex),
        )
    if copy:
        return Response(copies.copy_result(md5_hex, ctx.now()), status=200, content_type="application/xml")
    return Response(b"", status=200, headers={"ETag": f'"{md5_hex}"'})


@routes.route("PUT", "/file/v1/file/multipart/<upload_id>/add/<int:part_number>", status=201)
def add_part(ctx: RequestContext, upload_id: str, part_number: int) -> dict[str, Any]:
    row = _own_upload(ctx, upload_id)
    if row["state"] == "COMPLETED":
        raise BadRequest(f"Multipart upload {upload_id} is already complete")
    if not 1 <= part_number <= int(row["part_count"]):
        raise BadRequest(f"Part number {part_number} is out of range 1..{row['part_count']}")
    expected = (ctx.args.get("partMD5Hex") or "").lower()
    if not _MD5_PATTERN.match(expected):
        raise BadRequest(f"partMD5Hex is required and must be 32 hex digits, got {expected!r}")
    response: dict[str, Any] = {"uploadId": str(row["id"]), "partNumber": part_number}
    uploaded = parts.uploaded_part_md5(ctx.store, str(row["id"]), part_number)
    if uploaded != expected:
        found = "the part was not uploaded" if uploaded is None else f"the uploaded part has MD5 {uploaded}"
        response.update(
            addPartState="ADD_FAILED",
            errorMessage=f"The MD5 of part {part_number} does not match partMD5Hex {expected} ({found});"
            " upload the part again",
        )
        return response
    ctx.db.execute(
        "INSERT OR REPLACE INTO multipart_parts(upload_id, part_number, md5) VALUES (?, ?, ?)",
        (row["id"], part_number, expected),
    )
    ctx.db.execute("UPDATE multipart_uploads SET updated_on = ? WHERE id = ?", (ctx.now(), row["id"]))
    return response | {"addPartState": "ADD_SUCCESS"}


@routes.route("PUT", "/file/v1/file/multipart/<upload_id>/complete", status=201, transaction="read")
def complete_upload(ctx: RequestContext, upload_id: str) -> dict[str, Any]:
    row = _own_upload(ctx, upload_id)
    if row["state"] == "COMPLETED":
        return status_json(ctx, row)
    added = {
        int(r[0]): str(r[1])
        for r in ctx.db.execute(
            "SELECT part_number, md5 FROM multipart_parts WHERE upload_id = ?", (row["id"],)
        )
    }
    # A part whose bytes are gone or are not those added (a crash, a re-send) is unusable: forget that it was
    # added, so the upload's partsState shows it missing and the client sends it again.
    unusable = [
        n
        for n, part_md5 in added.items()
        if parts.uploaded_part_md5(ctx.store, str(row["id"]), n) != part_md5
    ]
    if unusable:
        with ctx.store.write() as db:
            db.executemany(
                "DELETE FROM multipart_parts WHERE upload_id = ? AND part_number = ?",
                [(row["id"], n) for n in unusable],
            )
    missing = [n for n in range(1, int(row["part_count"]) + 1) if n not in added or n in unusable]
    if missing:  # Synapse's wording (MultipartManagerV2Impl.validateParts)
        raise BadRequest(
            f"Missing {len(missing)} part(s).  All parts must be successfully added before a file upload can"
            " be completed."
        )
    request = loads(row["request"])
    blob = upload_blob_id(row["id"])  # the same on every attempt: a retried complete finds its file
    target = blobs.blob_path(ctx.store, blob)
    try:
        # Like S3 + Synapse, the size is the parts' total (which may differ from fileSizeBytes when parts had
        # other sizes than partSizeBytes): REFERENCE 2.5, "contentSize = actual size".
        size = parts.finish_upload(
            ctx.store,
            str(row["id"]),
            target,
            part_size=int(request["partSizeBytes"]),
            file_size=int(request["fileSizeBytes"]),
            part_count=int(row["part_count"]),
        )
    except FileNotFoundError as exc:
        with ctx.store.write() as db:  # a concurrent complete may have won and cleaned up
            txn = Txn(ctx.app, db, ctx.user, writable=True)
            current = _upload_row(txn, upload_id)
            if current["state"] == "COMPLETED":
                return status_json(txn, current)
        raise BadRequest(f"Cannot complete multipart upload {upload_id}: its bytes are missing") from exc
    md5 = str(request["contentMD5Hex"]).lower()  # like S3 + Synapse: only the parts were hashed
    with ctx.store.write() as db:
        txn = Txn(ctx.app, db, ctx.user, writable=True)
        current = _upload_row(txn, upload_id)
        if current["state"] == "COMPLETED":  # a concurrent complete won (same blob: keep it)
            return status_json(txn, current)
        body = s3_handle_body(ctx.user_id, request["fileName"], request.get("contentType"), size, md5, blob)
        if request.get("concreteType") == copies.COPY_REQUEST:
            body["storageLocationId"] = int(request["storageLocationId"])
        handle = insert_handle(txn, body, blob)
        db.execute(
            "UPDATE multipart_uploads SET state = 'COMPLETED', result_file_handle_id = ?, updated_on = ?"
            " WHERE id = ?",
            (handle["id"], txn.now(), row["id"]),
        )
        db.execute("DELETE FROM multipart_parts WHERE upload_id = ?", (row["id"],))
        result = status_json(txn, _upload_row(txn, upload_id))
    parts.discard_upload(ctx.store, str(row["id"]))
    return result
