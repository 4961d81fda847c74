"""File handle storage and presigned download URLs (REFERENCE 1.9, 2.5, 3.4).

The file handle endpoints live in ``handles.py``, serving downloads and authorizing them through
associations in ``downloads.py``, multipart uploads in ``multipart.py``, the ``/repo/v1/entity/.../file``
endpoints and the FileEntity rules in ``entity_files.py``, byte storage in ``blobs.py``.

Helpers for other areas (tables CSV, wikis...)
----------------------------------------------
``txn`` below is a ``context.Txn`` (a ``RequestContext`` or the ``Txn`` an async job gets from
``job.txn(write=True)``); ``source`` of the read helpers may be a ``Txn``, a ``sqlite3.Connection`` or the
``Store``.

* ``create_file_handle(txn, user_id, file_name, content_type, data) -> dict`` — store ``data`` as a new
  S3FileHandle created by ``user_id`` and return its JSON.  ``data`` is ``bytes`` (the content) or a path
  (``str`` or ``os.PathLike``) to a file that is copied in (streamed); ``move=True`` moves it instead (a
  rename when on the same file system).
  Needs a write transaction.
* ``file_handle_path(store, handle_id) -> pathlib.Path`` — where the bytes of an S3FileHandle are.
* ``get_file_handle(source, handle_id) -> dict | None`` — the FileHandle JSON.
* ``presigned_url(ctx, handle_id, *, base_url=None) -> str`` — a signed GET URL on this server, valid
  ``Limits.download_url_seconds`` (an hour by default; ``ctx`` is a ``RequestContext``, or any ``Txn``
  plus ``base_url``); an ExternalFileHandle gives its ``externalURL``.
* ``url_for_handle(ctx, handle) -> str`` — :func:`presigned_url` for a FileHandle JSON already loaded;
  ``blob_of(db, store, handle_id) -> Path | None`` — the bytes' path inside a transaction;
  ``handle_row(db, handle_id)`` — the raw table row.
"""

from __future__ import annotations

import mimetypes
import os
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ...core.constants import DEFAULT_STORAGE_LOCATION_ID
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.store import Store, dumps, loads
from ...core.txn import Txn
from ..entities.service import NAME_PATTERN
from . import blobs, signing

SCHEMA = """
    CREATE TABLE IF NOT EXISTS file_handles (
        id INTEGER PRIMARY KEY, concrete_type TEXT NOT NULL, created_by INTEGER NOT NULL,
        content_md5 TEXT, content_size INTEGER, blob TEXT, body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS file_handles_by_md5 ON file_handles(content_md5);
    CREATE INDEX IF NOT EXISTS file_handles_by_blob ON file_handles(blob)
    """


_PKG = "org.sagebionetworks.repo.model.file."


S3_FILE_HANDLE = _PKG + "S3FileHandle"


EXTERNAL_FILE_HANDLE = _PKG + "ExternalFileHandle"


S3_UPLOAD_DESTINATION = _PKG + "S3UploadDestination"


BUCKET_NAME = "local-synapse"


DOWNLOAD_PATH = "/file/v1/presigned/download/"


_SEQUENCE = "fileHandle"


# -- reading and writing handles -----------------------------------------------------------------------------
def _db_of(source: Txn | sqlite3.Connection | Store) -> tuple[sqlite3.Connection | None, Store | None]:
    if isinstance(source, sqlite3.Connection):
        return source, None
    if isinstance(source, Store):
        return None, source
    return source.db, None


def handle_row(db: sqlite3.Connection, handle_id: str | int) -> sqlite3.Row | None:
    """Return the ``file_handles`` row of ``handle_id`` (``None`` if there is none)."""
    try:
        key = int(handle_id)
    except (TypeError, ValueError):
        return None
    row: sqlite3.Row | None = db.execute("SELECT * FROM file_handles WHERE id = ?", (key,)).fetchone()
    return row


def get_file_handle(source: Txn | sqlite3.Connection | Store, handle_id: str | int) -> dict[str, Any] | None:
    """Return the FileHandle JSON of ``handle_id``, or ``None`` if there is none."""
    db, store = _db_of(source)
    if db is None:
        assert store is not None
        with store.read() as read_db:
            row = handle_row(read_db, handle_id)
    else:
        row = handle_row(db, handle_id)
    return None if row is None else dict(loads(row["body"]))


def require_creator(txn: Txn, handle_id: str | int) -> dict[str, Any]:
    """Return the FileHandle JSON of ``handle_id`` when the caller created it (or is an admin).

    Synapse's ``getRawFileHandle`` rule, for everything that reads a handle directly by its id (not through an
    association): 404 for an unknown handle, 403 for anyone but its creator.
    """
    handle = get_file_handle(txn, handle_id)
    if handle is None:
        raise NotFound(f"FileHandle {handle_id} does not exist")
    if not txn.is_admin and (txn.is_anonymous or handle.get("createdBy") != str(txn.user_id)):
        raise Forbidden(
            "Only the creator of a FileHandle can access it directly by its ID.  "
            f"FileHandleId = '{handle_id}', UserId = '{txn.user_id}'"
        )
    return handle


def file_handle_path(store: Store, handle_id: str | int) -> Path:
    """Return where the bytes of an S3FileHandle are stored; 404 for an unknown or external handle."""
    with store.read() as db:
        row = handle_row(db, handle_id)
    if row is None or row["blob"] is None:
        raise NotFound(f"FileHandle {handle_id} does not exist or has no stored bytes")
    return blobs.blob_path(store, str(row["blob"]))


def blob_of(db: sqlite3.Connection, store: Store, handle_id: str | int) -> Path | None:
    row = handle_row(db, handle_id)
    return None if row is None or row["blob"] is None else blobs.blob_path(store, str(row["blob"]))


def check_upload_name(name: str) -> None:
    """400 for a file name Synapse's NameValidation refuses."""
    if len(name) > 256 or not NAME_PATTERN.match(name):
        raise BadRequest(
            f"Invalid fileName: '{name}'. Names may only contain letters, numbers, spaces, underscores,"
            " hyphens, periods, plus signs, apostrophes, and parentheses"
        )


def check_file_name(name: Any, field: str) -> str:
    """Return ``name`` when it is a plain file name; 400 naming ``field`` otherwise.

    A file name is a name, never a path: no ``/`` or ``\\``, not ``.`` or ``..``, no control characters
    (they would end up in a ``Content-Disposition`` header), 1 to 256 characters.  Any other character,
    non-ASCII ones included, is fine.
    """
    problem = None
    if not isinstance(name, str) or not name.strip():
        problem = "is required and must be a non-empty string"
    elif len(name) > 256:
        problem = "is longer than 256 characters"
    elif "/" in name or "\\" in name or name in (".", ".."):
        problem = "must be a name, not a path (no '/' or '\\', not '.' or '..')"
    elif any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        problem = "cannot contain control characters"
    if problem is not None:
        raise BadRequest(f"{field} {problem}: {name!r}"[:400])
    return str(name)


def content_disposition(file_name: str) -> str:
    """The ``Content-Disposition`` of a download (RFC 6266): an ASCII fallback plus ``filename*`` in UTF-8
    (RFC 5987), so any name reaches any client intact and no header ever carries a raw non-ASCII byte."""
    fallback = "".join(
        c if " " <= c <= "~" and c not in '"\\' else "_"
        for c in unicodedata.normalize("NFKD", file_name)
        if not unicodedata.combining(c)
    )
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def guess_content_type(file_name: str) -> str:
    return mimetypes.guess_type(file_name)[0] or "application/octet-stream"


def insert_handle(txn: Txn, body: dict[str, Any], blob: str | None) -> dict[str, Any]:
    """Give ``body`` an id, etag and timestamps, store it and return it."""
    handle_id = txn.next_id(_SEQUENCE)  # in the data directory's own range (core.ids)
    body = {key: value for key, value in body.items() if value is not None}
    body.update(
        id=str(handle_id),
        etag=txn.new_etag(),
        createdBy=str(body.get("createdBy") or txn.user_id),
        createdOn=txn.now(),
        modifiedOn=txn.now(),
    )
    if body["concreteType"] == S3_FILE_HANDLE:
        body.setdefault("status", "AVAILABLE")
    txn.db.execute(
        "INSERT INTO file_handles(id, concrete_type, created_by, content_md5, content_size, blob, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            handle_id,
            body["concreteType"],
            int(body["createdBy"]),
            body.get("contentMd5"),
            body.get("contentSize"),
            blob,
            dumps(body),
        ),
    )
    return body


def s3_handle_body(
    user_id: str | int, file_name: str, content_type: str | None, size: int, md5: str, blob: str
) -> dict[str, Any]:
    """Return the S3FileHandle JSON (without id/etag/dates) of stored bytes."""
    return {
        "concreteType": S3_FILE_HANDLE,
        "createdBy": str(user_id),
        "fileName": file_name,
        "contentType": content_type or guess_content_type(file_name),
        "contentMd5": md5,
        "contentSize": size,
        "storageLocationId": DEFAULT_STORAGE_LOCATION_ID,
        "bucketName": BUCKET_NAME,
        "key": f"{user_id}/{blob}/{file_name}",
        "isPreview": False,
    }


def create_file_handle(
    txn: Txn,
    user_id: str | int,
    file_name: str,
    content_type: str | None,
    data: bytes | str | os.PathLike[str],
    *,
    move: bool = False,
) -> dict[str, Any]:
    """Store ``data`` (bytes, or the path of a file to copy/move in) as a new S3FileHandle; return it."""
    blob = blobs.new_blob_id(txn.app.ids.random_hex(txn.db, "blob"))
    target = blobs.blob_path(txn.store, blob)
    blobs.make_dir(target.parent)
    if isinstance(data, (bytes, bytearray, memoryview)):
        size, md5 = blobs.write_bytes(bytes(data), target)
    else:
        source = Path(data)
        size, md5 = blobs.adopt_file(source, target) if move else blobs.import_file(source, target)
    try:
        return insert_handle(txn, s3_handle_body(user_id, file_name, content_type, size, md5, blob), blob)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def presigned_url(ctx: Txn, handle_id: str | int, *, base_url: str | None = None) -> str:
    """Return a signed GET URL for the bytes of ``handle_id`` (the external URL of an ExternalFileHandle).

    ``base_url`` defaults to ``ctx.base_url`` (a ``RequestContext`` has one; pass it with a plain ``Txn``).
    """
    handle = get_file_handle(ctx, handle_id)
    if handle is None:
        raise NotFound(f"FileHandle {handle_id} does not exist")
    return url_for_handle(ctx, handle, base_url=base_url)


def url_for_handle(ctx: Txn, handle: dict[str, Any], *, base_url: str | None = None) -> str:
    """Return the download URL of a FileHandle JSON (see :func:`presigned_url`)."""
    if handle.get("concreteType") == EXTERNAL_FILE_HANDLE:
        return str(handle["externalURL"])
    base = base_url or getattr(ctx, "base_url", None)
    if not base:
        raise RuntimeError("presigned_url needs the server's base URL: pass base_url= or a RequestContext")
    seconds = ctx.app.limits.download_url_seconds
    return signing.sign_url(ctx.store, base, "GET", f"{DOWNLOAD_PATH}{handle['id']}", seconds)


def entity_file_handle(db: sqlite3.Connection, handle_id: str) -> dict[str, Any] | None:
    """The ``FILE_HANDLE`` hook of the entities area: a FileHandle JSON by id."""
    return get_file_handle(db, handle_id)
