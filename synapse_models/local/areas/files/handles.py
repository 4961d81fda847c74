"""File handle endpoints (REFERENCE 2.5): get, delete, URLs, batch, external handles, copies, destinations.

The helpers and rules they use live in ``records.py`` (storage) and ``downloads.py`` (the association check,
the redirect rule).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.constants import DEFAULT_STORAGE_LOCATION_ID
from ...core.context import RequestContext, nonempty_list
from ...core.errors import BadRequest, Conflict, Forbidden, NotFound
from ...core.paging import list_wrapper
from ...core.routing import Routes
from ..entities.service import file_handle_in_use, parse_entity_id, require_access, require_entity
from . import blobs
from .downloads import association_failure, redirect_or_text
from .records import (
    EXTERNAL_FILE_HANDLE,
    S3_UPLOAD_DESTINATION,
    check_file_name,
    guess_content_type,
    handle_row,
    insert_handle,
    require_creator,
    url_for_handle,
)

routes = Routes()

_PKG = "org.sagebionetworks.repo.model.file."


# -- handles -----------------------------------------------------------------------------------------------
def _own_handle(ctx: RequestContext, handle_id: str) -> dict[str, Any]:
    return require_creator(ctx, handle_id)


@routes.route("GET", "/file/v1/fileHandle/<handle_id>")
def get_handle(ctx: RequestContext, handle_id: str) -> dict[str, Any]:
    return _own_handle(ctx, handle_id)


@routes.route("DELETE", "/file/v1/fileHandle/<handle_id>")
def delete_handle(ctx: RequestContext, handle_id: str) -> None:
    ctx.require_login()
    handle = _own_handle(ctx, handle_id)
    if file_handle_in_use(ctx.db, str(handle["id"])):
        raise Conflict(f"FileHandle {handle_id} is still used by an entity and cannot be deleted")
    row = handle_row(ctx.db, handle_id)
    assert row is not None
    ctx.db.execute("DELETE FROM file_handles WHERE id = ?", (int(handle["id"]),))
    blob = row["blob"]
    if (
        blob is not None
        and ctx.db.execute("SELECT 1 FROM file_handles WHERE blob = ? LIMIT 1", (blob,)).fetchone() is None
    ):
        path = blobs.blob_path(ctx.store, str(blob))
        ctx.on_commit(lambda: path.unlink(missing_ok=True))


@routes.route("GET", "/file/v1/fileHandle/<handle_id>/url")
def get_handle_url(ctx: RequestContext, handle_id: str) -> Response:
    return redirect_or_text(ctx, url_for_handle(ctx, _own_handle(ctx, handle_id)))


@routes.route("GET", "/file/v1/file/<handle_id>")
def get_associated_url(ctx: RequestContext, handle_id: str) -> Response:
    associate_type, object_id = ctx.args.get("fileAssociateType"), ctx.args.get("fileAssociateId")
    if not associate_type or not object_id:
        raise BadRequest("fileAssociateType and fileAssociateId are required")
    failure, handle = association_failure(ctx, handle_id, associate_type, object_id)
    if failure == "NOT_FOUND" or handle is None:
        raise NotFound(f"FileHandle {handle_id} associated with {associate_type} {object_id} does not exist")
    if failure is not None:
        ctx.require_login()
        raise Forbidden(
            f"You are not allowed to download FileHandle {handle_id} of {associate_type} {object_id}"
        )
    return redirect_or_text(ctx, url_for_handle(ctx, handle))


def _batch(value: Any, field: str, items: str) -> list[Any]:
    """The list of a batch request: 1 to 100 items."""
    missing, too_many = (
        f"{field} is required and must not be empty",
        f"{field} cannot hold more than 100 {items}",
    )
    return nonempty_list(value, limit=100, missing=missing, too_many=too_many)


def _associated(
    ctx: RequestContext, association: dict[str, Any], id_key: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The result of one FileHandleAssociation of a batch (``failureCode`` when refused), and its handle."""
    handle_id = association.get("fileHandleId")
    failure, handle = association_failure(
        ctx, handle_id, association.get("associateObjectType"), association.get("associateObjectId")
    )
    result: dict[str, Any] = {id_key: None if handle_id is None else str(handle_id)}
    if failure is not None or handle is None:
        result["failureCode"] = failure or "NOT_FOUND"
        return result, None
    return result, handle


@routes.route("POST", "/file/v1/fileHandle/batch", status=201)
def batch_handles(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    requested = _batch(body.get("requestedFiles"), "BatchFileRequest.requestedFiles", "files")
    results = []
    for item in requested:
        if not isinstance(item, dict):
            raise BadRequest("Each requested file must be a FileHandleAssociation object")
        result, handle = _associated(ctx, item, "fileHandleId")
        if handle is not None:
            if body.get("includeFileHandles"):
                result["fileHandle"] = handle
            if body.get("includePreSignedURLs"):
                result["preSignedURL"] = url_for_handle(ctx, handle)
        results.append(result)
    return {"requestedFiles": results}


@routes.route("POST", "/file/v1/externalFileHandle")
def create_external_handle(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    url = body.get("externalURL")
    if not isinstance(url, str) or not url.strip():
        raise BadRequest("ExternalFileHandle.externalURL is required")
    if "://" not in url:
        raise BadRequest(f"ExternalFileHandle.externalURL is not a URL: {url}")
    size = body.get("contentSize")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise BadRequest(f"ExternalFileHandle.contentSize must be a non-negative integer, got {size!r}")
    file_name = body.get("fileName") or url.rstrip("/").rsplit("/", 1)[-1] or "file"
    check_file_name(file_name, "ExternalFileHandle.fileName")
    handle = {
        "concreteType": EXTERNAL_FILE_HANDLE,
        "externalURL": url,
        "fileName": file_name,
        "contentType": body.get("contentType") or guess_content_type(file_name),
        "contentMd5": body.get("contentMd5"),
        "contentSize": size,
        "storageLocationId": body.get("storageLocationId"),
        "status": "AVAILABLE",
    }
    return insert_handle(ctx, handle, None)


def _copy_of(
    ctx: RequestContext, handle: dict[str, Any], file_name: Any, content_type: Any, name_field: str
) -> dict[str, Any]:
    row = handle_row(ctx.db, handle["id"])
    assert row is not None
    skipped = ("id", "etag", "createdBy", "createdOn", "modifiedOn")
    copy = {key: value for key, value in handle.items() if key not in skipped}
    copy["fileName"] = (
        check_file_name(file_name, name_field) if file_name is not None else handle.get("fileName")
    )
    copy["contentType"] = content_type or handle.get("contentType")
    return insert_handle(ctx, copy, row["blob"])


@routes.route("POST", "/file/v1/fileHandle/<handle_id>/copy", status=201)
def copy_own_handle(ctx: RequestContext, handle_id: str) -> dict[str, Any]:
    """Copy one of the caller's handles, optionally renamed (``fileName``/``contentType`` of the body)."""
    ctx.require_login()
    handle = _own_handle(ctx, handle_id)
    body = ctx.json_or_none() or {}
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a FileHandle object")
    return _copy_of(ctx, handle, body.get("fileName"), body.get("contentType"), "FileHandle.fileName")


@routes.route("POST", "/file/v1/filehandles/copy")
def copy_handles(ctx: RequestContext) -> dict[str, Any]:
    """Copy file handles the caller may download (new handles owned by the caller, sharing the bytes)."""
    ctx.require_login()
    copy_requests = _batch(
        ctx.json_object().get("copyRequests"), "BatchFileHandleCopyRequest.copyRequests", "requests"
    )
    results = []
    for item in copy_requests:
        original = item.get("originalFile") if isinstance(item, dict) else None
        if not isinstance(original, dict):
            raise BadRequest("Each FileHandleCopyRequest needs an originalFile FileHandleAssociation")
        result, handle = _associated(ctx, original, "originalFileHandleId")
        if handle is not None:
            result["newFileHandle"] = _copy_of(
                ctx,
                handle,
                item.get("newFileName"),
                item.get("newContentType"),
                "FileHandleCopyRequest.newFileName",
            )
        results.append(result)
    return {"copyResults": results}


# -- upload destinations -------------------------------------------------------------------------------------
def _destination() -> dict[str, Any]:
    return {
        "concreteType": S3_UPLOAD_DESTINATION,
        "storageLocationId": DEFAULT_STORAGE_LOCATION_ID,
        "uploadType": "S3",
        "stsEnabled": False,
    }


def _container(ctx: RequestContext, id: str) -> None:
    entity_id = parse_entity_id(id)
    require_entity(ctx.db, entity_id)
    require_access(ctx, entity_id, "READ")


@routes.route("GET", "/file/v1/entity/<id>/uploadDestination")
def get_upload_destination(ctx: RequestContext, id: str) -> dict[str, Any]:
    _container(ctx, id)
    return _destination()


@routes.route("GET", "/file/v1/entity/<id>/uploadDestination/<location>")
def get_upload_destination_at(ctx: RequestContext, id: str, location: str) -> dict[str, Any]:
    _container(ctx, id)
    if location != str(DEFAULT_STORAGE_LOCATION_ID):
        raise NotFound(
            f"Storage location {location} does not exist on this server (only {DEFAULT_STORAGE_LOCATION_ID})"
        )
    return _destination()


@routes.route("GET", "/file/v1/entity/<id>/uploadDestinations")
def get_upload_destinations(ctx: RequestContext, id: str) -> dict[str, Any]:
    _container(ctx, id)
    return list_wrapper(_PKG + "UploadDestination", [_destination()])


@routes.route("GET", "/file/v1/entity/<id>/uploadDestinationLocations")
def get_upload_destination_locations(ctx: RequestContext, id: str) -> dict[str, Any]:
    _container(ctx, id)
    location = {"storageLocationId": DEFAULT_STORAGE_LOCATION_ID, "uploadType": "S3"}
    return list_wrapper(_PKG + "UploadDestinationLocation", [location])
