"""Multipart copies (``MultipartUploadCopyRequest``): a new file handle made of an existing one's bytes.

Synapse's MultipartUploadCopyRequestHandler rules: the request names the source through a
FileHandleAssociation the caller can download, and a destination storage location the caller created (it is
required, and must differ from the source's); the file name defaults to the source's.  The copy is a multipart
upload whose parts the client does not send: each presigned part URL comes with S3's UploadPartCopy headers
(``x-amz-copy-source``, ``x-amz-copy-source-range``, ``x-amz-copy-source-if-match``), the PUT carries no
body, and the answer is S3's ``CopyPartResult`` XML whose ``ETag`` is the part's MD5, which the client adds as
usual.
The new handle has the source's content type and MD5, in the destination storage location.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO, Any, cast

from werkzeug.wsgi import LimitedStream

from ...core.constants import DEFAULT_STORAGE_LOCATION_ID, THE_ADMIN_USER_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from . import blobs
from .downloads import association_failure
from .hooks import LOCATION_OWNERS
from .records import BUCKET_NAME, check_upload_name, handle_row

COPY_REQUEST = "org.sagebionetworks.repo.model.file.MultipartUploadCopyRequest"
#: The fields of a copy's stored request this server adds (the client never sends them).
SOURCE_FIELDS = ("fileSizeBytes", "contentMD5Hex", "contentType", "sourceFileHandleId", "sourceKey")
_FIELD = "MultipartUploadCopyRequest."


def _required(value: Any, field: str) -> Any:
    if value is None or value == "":
        raise BadRequest(f"{_FIELD}{field} is required.")  # Synapse's ValidateArgument.required
    return value


def resolve_source(ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
    """Check a copy request; return what it implies: the stored request's source fields and file name."""
    location = _required(body.get("storageLocationId"), "storageLocationId")
    association = _required(body.get("sourceFileHandleAssociation"), "sourceFileHandleAssociation")
    if not isinstance(association, dict):
        raise BadRequest(f"{_FIELD}sourceFileHandleAssociation must be a FileHandleAssociation object")
    for field in ("fileHandleId", "associateObjectId", "associateObjectType"):
        _required(association.get(field), f"sourceFileHandleAssociation.{field}")
    name = body.get("fileName")
    if isinstance(name, str) and name.strip():
        check_upload_name(name)
    failure, handle = association_failure(
        ctx, association["fileHandleId"], association["associateObjectType"], association["associateObjectId"]
    )
    if failure is not None or handle is None:
        raise Forbidden("The user is not authorized to access the source file.")
    try:
        location_id = int(location)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"{_FIELD}storageLocationId must be an integer, got {location!r}") from exc
    owners = (owner(ctx.db, location_id) for owner in ctx.app.hooks.all(LOCATION_OWNERS))
    owner = next((found for found in owners if found is not None), None)
    if location_id == DEFAULT_STORAGE_LOCATION_ID:  # Synapse's own S3 storage, set up by its admin user
        owner = THE_ADMIN_USER_ID
    if owner is None:
        raise NotFound(f"Storage location setting: '{location_id}' does not exist")
    if not ctx.is_admin and owner != ctx.user_id:
        raise Forbidden("The user does not own the destination storage location.")
    if handle.get("contentSize") is None:
        raise BadRequest("The source file handle does not define its size.")
    if handle.get("contentMd5") is None:
        raise BadRequest("The source file handle does not define its content MD5.")
    if handle.get("storageLocationId") == location_id:
        raise BadRequest("The source file handle is already in the given destination storage location.")
    row = handle_row(ctx.db, handle["id"])
    if row is None or row["blob"] is None:
        raise BadRequest("The source file must be stored in a cloud bucket accessible by Synapse.")
    return {
        "fileName": name if isinstance(name, str) and name.strip() else handle["fileName"],
        "fileSizeBytes": int(handle["contentSize"]),
        "contentMD5Hex": str(handle["contentMd5"]),
        "contentType": handle.get("contentType"),
        "sourceFileHandleId": str(handle["id"]),
        "sourceKey": f"{BUCKET_NAME}/{handle.get('key') or handle['id']}",
    }


def _byte_range(request: dict[str, Any], part_number: int) -> tuple[int, int]:
    """The first and last byte (inclusive) of part ``part_number`` of the source."""
    part_size, file_size = int(request["partSizeBytes"]), int(request["fileSizeBytes"])
    first = (part_number - 1) * part_size
    return first, min(first + part_size, file_size) - 1


def signed_headers(request: dict[str, Any], part_number: int) -> dict[str, str]:
    """The headers the client sends with the PUT of a part's presigned URL (S3's UploadPartCopy)."""
    first, last = _byte_range(request, part_number)
    return {
        "x-amz-copy-source": str(request["sourceKey"]),
        "x-amz-copy-source-range": f"bytes={first}-{last}",
        "x-amz-copy-source-if-match": f'"{request["contentMD5Hex"]}"',
    }


def header_mismatch(request: dict[str, Any], part_number: int, headers: Any) -> str | None:
    """Why the copy headers of a part PUT are not those signed (``None`` when they are)."""
    for name, value in signed_headers(request, part_number).items():
        if headers.get(name) != value:
            return f"The {name} header of a part copy must be the signed value {value!r}"
    return None


@contextlib.contextmanager
def source_part(
    ctx: RequestContext, request: dict[str, Any], part_number: int, length: int
) -> Iterator[IO[bytes]]:
    """The ``length`` bytes of the source that make part ``part_number`` (``FileNotFoundError`` when gone)."""
    row = handle_row(ctx.db, request["sourceFileHandleId"])
    if row is None or row["blob"] is None:
        raise FileNotFoundError(str(request["sourceFileHandleId"]))
    with open(blobs.blob_path(ctx.store, str(row["blob"])), "rb") as source:
        source.seek(_byte_range(request, part_number)[0])
        yield cast(IO[bytes], LimitedStream(source, length))


def copy_result(md5_hex: str, when: str) -> bytes:
    """S3's CopyPartResult: the client reads the part's MD5 from its ETag."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CopyPartResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<LastModified>{when}</LastModified><ETag>&quot;{md5_hex}&quot;</ETag></CopyPartResult>"
    ).encode()
