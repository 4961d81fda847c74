"""Downloads (REFERENCE 1.9, 2.5): serving the bytes behind a presigned URL (ranges, HEAD), the redirect rule,
and the association-based download check.

* ``association_failure(txn, handle_id, type, object_id)`` — whether a download through a
  FileHandleAssociation is authorized.  As in Synapse (``AuthorizationManagerImpl.canDownloadFile``): the
  handle's creator and admins always may; anyone else only when the handle really is associated with the
  object and the caller may download the object (``hooks.ASSOCIATIONS``: FileEntity is built in, the
  tables, wiki and evaluations areas plug in theirs; a type without a check authorizes nobody else).
* ``redirect_or_text(ctx, url)`` — the redirect rule of REFERENCE 1.9 (307, or 200 text with
  ``redirect=false``).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.context import RequestContext
from ...core.errors import BadRequest
from ...core.routing import Routes
from ...core.store import loads
from ...core.txn import Txn
from ..entities.service import (
    FILE,
    EntityRecord,
    entity_access,
    file_handle_in_use,
    get_record,
    is_trashed,
    parse_entity_id,
)
from . import blobs, signing
from .hooks import ASSOCIATIONS, Association
from .records import DOWNLOAD_PATH, content_disposition, get_file_handle, handle_row

routes = Routes()


# -- authorization through associations ----------------------------------------------------------------------
def _live_entity(txn: Txn, object_id: str) -> EntityRecord | None:
    try:
        entity_id = parse_entity_id(object_id)
    except BadRequest:
        return None
    record = get_record(txn.db, entity_id)
    if record is None or is_trashed(txn.db, entity_id):
        return None
    return record


def _check_file_entity(txn: Txn, handle: dict[str, Any], object_id: str) -> str | None:
    record = _live_entity(txn, object_id)
    if record is None or record.concrete_type != FILE:
        return "NOT_FOUND"
    if not file_handle_in_use(txn.db, str(handle["id"]), entity_id=record.id):
        return "UNAUTHORIZED"  # Synapse: the handle is not associated with the object
    return None if {"READ", "DOWNLOAD"} <= entity_access(txn.db, txn.user, record.id) else "UNAUTHORIZED"


BUILT_IN_ASSOCIATIONS = (Association("FileEntity", _check_file_entity),)


def association_failure(
    txn: Txn, handle_id: Any, associate_type: Any, object_id: Any
) -> tuple[str | None, dict[str, Any] | None]:
    """Return ``(failureCode or None, handle)`` of a download through ``associate_type``/``object_id``."""
    handle = get_file_handle(txn, handle_id) if handle_id is not None else None
    if handle is None:
        return "NOT_FOUND", None
    if txn.is_admin or (not txn.is_anonymous and handle.get("createdBy") == str(txn.user_id)):
        return None, handle
    checks = {a.type: a.check for a in (*BUILT_IN_ASSOCIATIONS, *txn.app.hooks.all(ASSOCIATIONS))}
    check = checks.get(str(associate_type))
    if check is None:  # an association nobody vouches for authorizes nobody but the creator
        return "UNAUTHORIZED", handle
    return check(txn, handle, str(object_id)), handle


# -- redirect rule (REFERENCE 1.9) ---------------------------------------------------------------------------
def redirect_or_text(ctx: RequestContext, url: str) -> Response:
    """307 to ``url``, or 200 ``text/plain`` with it when ``redirect=false``."""
    if ctx.arg_bool("redirect", True):
        return Response(b"", status=307, headers={"Location": url})
    return Response(url, status=200, content_type="text/plain")


# -- serving bytes -------------------------------------------------------------------------------------------
def _refuse(status: int, reason: str) -> Response:
    return Response(reason, status=status, content_type="text/plain")


@routes.route("GET", DOWNLOAD_PATH + "<handle_id>")
def serve_download(ctx: RequestContext, handle_id: str) -> Response:
    """Serve the bytes behind a presigned download URL (``Range`` -> 206, ``HEAD`` -> headers only)."""
    problem = signing.check_signature(ctx.store, ctx.request.method, ctx.request.path, ctx.args.to_dict())
    if problem is not None:
        return _refuse(403, problem)
    row = handle_row(ctx.db, handle_id)
    if row is None or row["blob"] is None:
        return _refuse(404, f"FileHandle {handle_id} has no stored bytes")
    path = blobs.blob_path(ctx.store, str(row["blob"]))
    handle = loads(row["body"])
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return _refuse(404, f"The bytes of FileHandle {handle_id} are missing")
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{handle.get("contentMd5", "")}"',
        "Content-Disposition": content_disposition(str(handle.get("fileName") or "file")),
    }
    start, length, status = 0, size, 200
    if ctx.request.headers.get("Range"):
        wanted = ctx.request.range
        span = wanted.range_for_length(size) if wanted is not None else None
        if wanted is not None and span is None and size > 0:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(b"", status=416, headers=headers)
        if span is not None:
            start, stop = span
            length, status = stop - start, 206
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    headers["Content-Length"] = str(length)
    body = (
        blobs.iter_file(path, start, length, blobs.SERVE_CHUNK_SIZE)
        if ctx.request.method != "HEAD"
        else iter(())
    )
    return Response(
        body,
        status=status,
        headers=headers,
        content_type=str(handle.get("contentType") or "application/octet-stream"),
        direct_passthrough=True,
    )
