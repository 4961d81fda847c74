"""Start-up repair of the files area after a crash (``kill -9``, power loss): bytes and rows agree again.

Every write of bytes is ordered so that a crash leaves at worst an orphan, never a row without its bytes:
blobs are written under a temporary name and renamed into place before the row naming them commits, and
completing a multipart upload renames the assembled file to the upload's own blob name (derived from the
upload id) before the transaction that records the handle; a ``complete`` retried after a crash adopts that
blob (``parts.finish_upload``).  What a crash can leave behind, and what :func:`recover` does with it:

* temporary files (``.*.tmp``) of writes cut short -> deleted;
* blobs no file handle names -> deleted, except the blob of an upload still UPLOADING (its ``complete`` was
  cut between the rename and the commit: the retried ``complete`` adopts it);
* part directories of uploads that are completed, discarded or unknown -> deleted.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

from ...core.store import Store
from . import blobs

log = logging.getLogger("synapse_models.local")


def upload_blob_id(upload_id: int | str) -> str:
    """The blob id of the file a multipart upload completes into (the same on every attempt)."""
    return blobs.new_blob_id(f"upload {upload_id}")


def recover(store: Store) -> None:
    """Remove what a crash left half-written in the blob and upload directories (see the module doc)."""
    with store.read() as db:
        referenced = {str(row[0]) for row in db.execute("SELECT DISTINCT blob FROM file_handles")}
        uploading = {
            str(row[0]) for row in db.execute("SELECT id FROM multipart_uploads WHERE state = 'UPLOADING'")
        }
    keep = referenced | {upload_blob_id(upload_id) for upload_id in uploading}
    removed = 0
    for path in _files(store.blob_dir):
        if (path.name.startswith(".") and path.name.endswith(".tmp")) or path.name not in keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed += 1
    uploads = store.data_dir / "uploads"
    for directory in uploads.iterdir() if uploads.is_dir() else ():
        if directory.name not in uploading:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
        else:
            for temp in directory.glob(".*.tmp"):
                temp.unlink(missing_ok=True)
    if removed:
        log.info("start-up repair: removed %d orphaned file(s) left by an interrupted run", removed)


def _files(root: Path) -> list[Path]:
    return [path for shard in root.iterdir() if shard.is_dir() for path in shard.iterdir() if path.is_file()]
