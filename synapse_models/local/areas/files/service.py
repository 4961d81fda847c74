"""What other areas may use of the files area: file handles, their bytes and URLs, and its hook point.

* ``get_file_handle(source, id)`` — the FileHandle JSON (``None`` if unknown); ``file_handle_path(store, id)``
  and ``blob_of(db, store, id)`` — where its bytes are;
* ``create_file_handle(txn, user_id, file_name, content_type, data, move=False)`` — store bytes (or a file)
  as a new S3FileHandle;
* ``require_creator(txn, id)`` — the FileHandle JSON when the caller created it (403/404 otherwise): the rule
  for reading a handle directly by its id;
* ``preview_of(txn, handle)`` — the preview file handle of a text file (made on first request);
* ``presigned_url(ctx, id)``, ``url_for_handle(ctx, handle)`` — signed download URLs on this server;
  ``redirect_or_text(ctx, url)`` — the redirect rule of REFERENCE 1.9;
* ``ASSOCIATIONS`` / :class:`Association` — how an area authorizes downloads through its objects;
* ``LOCATION_OWNERS`` — who created a storage location (the storage area plugs in).
"""

from .downloads import redirect_or_text
from .hooks import ASSOCIATIONS, LOCATION_OWNERS, Association
from .previews import preview_of
from .records import (
    blob_of,
    create_file_handle,
    file_handle_path,
    get_file_handle,
    presigned_url,
    require_creator,
    url_for_handle,
)

__all__ = [
    "ASSOCIATIONS",
    "LOCATION_OWNERS",
    "Association",
    "blob_of",
    "create_file_handle",
    "file_handle_path",
    "get_file_handle",
    "presigned_url",
    "preview_of",
    "redirect_or_text",
    "require_creator",
    "url_for_handle",
]
