"""The file side of entities (REFERENCE 2.2, 2.5): download redirects, file handles, MD5 lookup, rules.

* ``GET /entity/{id}/file`` and ``/version/{v}/file`` follow the redirect rule of REFERENCE 1.9 (307 to a
  presigned URL, or 200 text with ``redirect=false``); they need READ and DOWNLOAD.
* ``GET /entity/{id}/filehandles`` (and per version) -> FileHandleResults.
* ``GET /entity/md5/{md5}`` -> the readable FileEntity *versions* whose file has that MD5 (at most 200).
* Entity hooks (plugged in by the area): attaching a file handle needs its creator (403 otherwise); the
  version rule itself (a different MD5 makes a new version) lives in ``entities.writes.needs_new_version``.
* Bundle parts: ``fileHandles`` (the version's handle).  ``fileName`` comes from the entities area through
  the ``FILE_HANDLE`` hook this area plugs in.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound, PreconditionFailed
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import (
    FILE,
    BundlePart,
    EntityRecord,
    VersionRecord,
    can_read,
    current_version,
    get_record,
    get_version,
    header_json,
    is_trashed,
    readable_version,
    replace_file_handle,
    require_access,
    versions_using,
)
from .downloads import redirect_or_text
from .previews import preview_of
from .records import get_file_handle, url_for_handle

routes = Routes()

MAX_MD5_RESULTS = 200


def check_file_handle_owner(txn: Txn, body: dict[str, Any], old: EntityRecord | None) -> None:
    """Attaching a file handle to an entity needs the handle's creator (403), and the handle must exist."""
    handle_id = body.get("dataFileHandleId")
    if handle_id in (None, ""):
        return
    if old is not None and str(current_version(txn.db, old).fields.get("dataFileHandleId")) == str(handle_id):
        return
    handle = get_file_handle(txn, str(handle_id))
    if handle is None:
        raise NotFound(f"FileHandle {handle_id} does not exist")
    if not txn.is_admin and handle.get("createdBy") != str(txn.user_id):
        raise Forbidden(f"Only the creator of FileHandle {handle_id} can assign it to an entity")


def _version_handle(txn: Txn, version: VersionRecord) -> dict[str, Any] | None:
    return None if version.file_handle_id is None else get_file_handle(txn, version.file_handle_id)


FILE_HANDLES_PART = BundlePart(
    "includeFileHandles",
    "fileHandles",
    lambda txn, record, version: [h for h in (_version_handle(txn, version),) if h is not None],
)


@routes.route("GET", "/repo/v1/entity/<id>/file")
@routes.route("GET", "/repo/v1/entity/<id>/version/<version>/file")
def get_entity_file(ctx: RequestContext, id: str, version: str | None = None) -> Response:
    record, found = readable_version(ctx, id, version)
    require_access(ctx, record.id, "DOWNLOAD")
    handle = _version_handle(ctx, found)
    if handle is None:
        raise NotFound(f"{record.syn_id} version {found.number} has no file")
    return redirect_or_text(ctx, url_for_handle(ctx, handle))


@routes.route("PUT", "/repo/v1/entity/<id>/version/<version>/filehandle")
def swap_file_handle(ctx: RequestContext, id: str, version: str) -> None:
    """Replace a version's file handle by another with the same MD5, without a new version (412 if stale)."""
    body = ctx.json_object()
    record, found = readable_version(ctx, id, version)
    require_access(ctx, record.id, "UPDATE")
    if record.concrete_type != FILE:
        raise BadRequest(f"{record.syn_id} is not a FileEntity")
    old_id, new_id = body.get("oldFileHandleId"), body.get("newFileHandleId")
    if old_id is None or new_id is None:
        raise BadRequest("FileHandleUpdateRequest needs oldFileHandleId and newFileHandleId")
    if str(old_id) != str(found.file_handle_id):
        raise PreconditionFailed(
            f"oldFileHandleId {old_id} is not the file handle of {record.syn_id} version {found.number}"
            f" ({found.file_handle_id})"
        )
    check_file_handle_owner(ctx, {"dataFileHandleId": new_id}, None)
    old, new = _version_handle(ctx, found) or {}, get_file_handle(ctx, str(new_id)) or {}
    if old.get("contentMd5") is None or old.get("contentMd5") != new.get("contentMd5"):
        raise BadRequest(
            f"The MD5 of FileHandle {new_id} ({new.get('contentMd5')}) must equal the MD5 of FileHandle"
            f" {old_id} ({old.get('contentMd5')})"
        )
    replace_file_handle(ctx, record, found, str(new_id))


# Write transactions: the first request makes the preview.
@routes.route("GET", "/repo/v1/entity/<id>/filepreview", transaction="write")
@routes.route("GET", "/repo/v1/entity/<id>/version/<version>/filepreview", transaction="write")
def get_entity_preview(ctx: RequestContext, id: str, version: str | None = None) -> Response:
    record, found = readable_version(ctx, id, version)
    handle = _version_handle(ctx, found)
    if handle is None:
        raise NotFound(f"{record.syn_id} version {found.number} has no file")
    preview = preview_of(ctx, handle)
    if preview is None:
        raise NotFound(f"A preview does not exist for file {handle['id']}")  # Synapse's words
    return redirect_or_text(ctx, url_for_handle(ctx, preview))


@routes.route("GET", "/repo/v1/entity/<id>/filehandles")
@routes.route("GET", "/repo/v1/entity/<id>/version/<version>/filehandles")
def get_entity_handles(ctx: RequestContext, id: str, version: str | None = None) -> dict[str, Any]:
    _, found = readable_version(ctx, id, version)
    handle = _version_handle(ctx, found)
    return {"list": [] if handle is None else [handle]}


@routes.route("GET", "/repo/v1/entity/<id>/accessRequirement")
def get_access_requirements(ctx: RequestContext, id: str) -> dict[str, Any]:
    """No access requirements exist on this server (the official client checks them before copying files)."""
    readable_version(ctx, id)
    return {"totalNumberOfResults": 0, "results": []}


@routes.route("GET", "/repo/v1/entity/md5/<md5>")
def find_by_md5(ctx: RequestContext, md5: str) -> dict[str, Any]:
    if not md5 or len(md5) > 64:
        raise BadRequest(f"Invalid MD5: {md5}")
    handle_ids = [
        str(r[0]) for r in ctx.db.execute("SELECT id FROM file_handles WHERE content_md5 = ?", (md5.lower(),))
    ]
    headers: list[dict[str, Any]] = []
    readable: dict[int, bool] = {}
    records: dict[int, EntityRecord | None] = {}
    for start in range(0, len(handle_ids), 500):
        for entity_id, number in versions_using(ctx.db, handle_ids[start : start + 500]):
            if entity_id not in records:
                record = get_record(ctx.db, entity_id)
                ok = record is not None and record.concrete_type == FILE and not is_trashed(ctx.db, entity_id)
                records[entity_id] = record if ok else None
                readable[entity_id] = ok and can_read(ctx.db, ctx.user, entity_id)
            record = records[entity_id]
            if record is None or not readable[entity_id]:
                continue
            found = get_version(ctx.db, entity_id, int(number))
            if found is not None:
                headers.append(header_json(ctx.db, record, found))
            if len(headers) >= MAX_MD5_RESULTS:
                return {"totalNumberOfResults": len(headers), "results": headers}
    return {"totalNumberOfResults": len(headers), "results": headers}
