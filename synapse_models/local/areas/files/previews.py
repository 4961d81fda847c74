"""Preview file handles, made the way Synapse's text preview generator makes them.

Synapse gives an S3 file whose content type is text (``text/*``, ``application/text``, ``application/x-sh``,
``application/x-javascript``) a preview: a file handle named ``preview.txt`` (``text/plain``, ``isPreview``)
holding the first 1,500 characters of the file read as UTF-8 (abbreviated with ``...`` when longer), and
records its id as the original's ``previewId``.  Synapse makes previews in the background after an upload;
this server makes one the first time it is asked for (``preview_of``) and keeps it.  CSV/TSV, images and zip
files, for which Synapse has other generators, get none here.
"""

from __future__ import annotations

from typing import Any

from ...core.store import dumps
from ...core.txn import Txn
from .records import S3_FILE_HANDLE, blob_of, create_file_handle, get_file_handle

TEXT_TYPES = frozenset({"application/text", "application/x-sh", "application/x-javascript"})
#: Content types Synapse previews with other generators (a table of the first rows, an image, a listing).
OTHER_GENERATORS = frozenset(
    {
        "text/comma-separated-values", "text/csv", "text/tab-separated-values", "text/tsv",
    }
)  # fmt: skip
MAX_CHARACTERS = 1500


def _previewable(handle: dict[str, Any]) -> bool:
    content_type = str(handle.get("contentType") or "").split(";")[0].strip().lower()
    if handle.get("concreteType") != S3_FILE_HANDLE or handle.get("isPreview"):
        return False
    if content_type in OTHER_GENERATORS:
        return False
    return content_type.startswith("text/") or content_type in TEXT_TYPES


def _text_preview(txn: Txn, handle: dict[str, Any]) -> bytes | None:
    path = blob_of(txn.db, txn.store, str(handle["id"]))
    if path is None or not path.exists():
        return None
    with open(path, "rb") as stream:
        head = stream.read(4 * (MAX_CHARACTERS + 10))
    text = head.decode("utf-8", errors="replace")[: MAX_CHARACTERS + 10]
    if len(text) > MAX_CHARACTERS:  # Apache StringUtils.abbreviate
        text = text[: MAX_CHARACTERS - 3] + "..."
    return text.encode("utf-8")


def preview_of(txn: Txn, handle: dict[str, Any]) -> dict[str, Any] | None:
    """The preview file handle of ``handle`` (made now if it can have one and has none), else ``None``.

    Making one writes: call it in a write transaction.
    """
    if handle.get("previewId"):
        return get_file_handle(txn, str(handle["previewId"]))
    if not _previewable(handle):
        return None
    data = _text_preview(txn, handle)
    if data is None:
        return None
    preview = create_file_handle(txn, str(handle["createdBy"]), "preview.txt", "text/plain", data)
    preview["isPreview"] = True
    original = dict(handle, previewId=preview["id"])
    txn.db.execute("UPDATE file_handles SET body = ? WHERE id = ?", (dumps(preview), int(preview["id"])))
    txn.db.execute("UPDATE file_handles SET body = ? WHERE id = ?", (dumps(original), int(original["id"])))
    return preview
