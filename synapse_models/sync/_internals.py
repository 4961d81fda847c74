"""The one seam between bulk work and the client's internals.

Everything ``synapse_models.sync`` needs beyond the public API goes through here: the cache map, verified
downloads from a presigned URL, md5s, children pages, bundles, batch presigned URLs, batch file handle
copies, batch headers, table row copies and the making of an unregistered connection on a worker. Every
request and response body is a wire class written and read by :mod:`synapse_models._convert`; every request
runs under the connection's transport, which owns retries and deadlines (nothing here retries).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .._convert import from_wire, to_wire
from ..errors import ValidationError
from ..models._wire import EntityBundle, EntityBundleRequest, EntityChildRequest, IdRef, Page
from ..models.activity import Reference
from ..models.ids import parse_entity_id as _parse_entity_id
from ..models.tree import EntityHeader, EntityType
from ..models.tree import children as _children
from ..tables._wire import (
    CsvTableDescriptor,
    DownloadFromTableRequest,
    DownloadFromTableResult,
    TableUpdateTransactionRequest,
    TableUpdateTransactionResponse,
    UploadToTableRequest,
)
from ..transfer._wire import BatchFileRequest, BatchFileResult, FileHandleAssociation, FileResult
from ._wire import (
    BatchFileHandleCopyRequest,
    BatchFileHandleCopyResult,
    EntityPath,
    FileHandleCopyRequest,
    FileHandleCopyResult,
    ReferenceList,
)

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.link import Link
    from ..transfer.cache import Cache

__all__ = [
    "BATCH_LIMIT",
    "bundle",
    "cache",
    "child_id",
    "children",
    "copy_file_handles",
    "copy_table_rows",
    "create_link",
    "default_cache_root",
    "download_lock",
    "download_url",
    "entity_headers",
    "entity_path",
    "load_models",
    "md5_of_path",
    "open_connection",
    "parse_entity_id",
    "presigned_urls",
    "require_container",
]

BATCH_LIMIT = 100
"""Items per ``POST /fileHandle/batch``, ``POST /filehandles/copy`` and ``POST /entity/header``."""
FILE_TYPE = "org.sagebionetworks.repo.model.FileEntity"
FOLDER_TYPE = "org.sagebionetworks.repo.model.Folder"
PROJECT_TYPE = "org.sagebionetworks.repo.model.Project"
_CSV = CsvTableDescriptor()


def load_models() -> None:
    """Import every model module now, in the calling thread.

    The first entity read in a process imports them lazily; bulk work reads its first entities on many
    threads at once, so they are loaded before any task starts (a crash once seen under load: a class
    structured while the model modules were being imported by another thread).
    """
    from ..models.entity import _load_entity_types

    _load_entity_types()


def parse_entity_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """``"syn123.4"`` -> ``("syn123", 4)``; ValidationError for anything else."""
    return _parse_entity_id(value, field)


# -- cache ---------------------------------------------------------------------------------------------------


def cache(root: str | os.PathLike[str] | None = None) -> Cache:
    """The file cache (official layout and lock protocol) at ``root`` or the configured default."""
    from ..transfer.cache import Cache

    return Cache(root)


def default_cache_root() -> Path:
    """The configured cache root (``SYNAPSE_CACHE``, ``[cache] location``, ``~/.synapseCache``)."""
    from ..transfer.cache import default_cache_root as root

    return root()


@contextmanager
def download_lock(cache: Cache, file_handle_id: str) -> Iterator[None]:
    """Hold an exclusive lock on one file handle's downloads, across threads, processes and machines.

    A ``flock`` on ``.synapse_models.download.lock`` in the handle's cache directory: released by the
    operating system when a process dies (no stale locks), honoured over NFSv4. Two processes syncing the
    same file wait for each other, and the second then finds the first one's copy. Where ``flock`` does not
    exist (Windows) downloads are not serialized; each still lands by an atomic rename.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    directory = cache.directory(file_handle_id)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".synapse_models.download.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def md5_of_path(path: str | os.PathLike[str]) -> str:
    """The hex md5 of a local file, streamed."""
    from ..transfer.upload import md5_of_path as md5

    return md5(path)


# -- reading -------------------------------------------------------------------------------------------------


def children(
    conn: Connection, parent_id: str, types: Sequence[EntityType] | None = None
) -> Iterator[EntityHeader]:
    """The children of a container (every type but projects by default), one request per page of 50."""
    return _children(conn, parent_id, list(types) if types is not None else None)


def bundle(
    conn: Connection,
    entity_id: str,
    version: int | None = None,
    *,
    activity: bool = True,
    file_handles: bool = True,
    root_wiki: bool = False,
    restrictions: bool = False,
) -> EntityBundle:
    """An entity bundle (entity, annotations, file handles, activity, root wiki id, access restrictions)."""
    where = f"/entity/{entity_id}" + (f"/version/{version}" if version else "")
    request = EntityBundleRequest(
        include_file_handles=file_handles,
        include_activity=activity,
        include_root_wiki_id=root_wiki or None,
        include_restriction_information=restrictions or None,
    )
    return from_wire(EntityBundle, conn.post(f"{where}/bundle2", to_wire(request)))


def child_id(conn: Connection, parent_id: str, name: str) -> str:
    """The id of the child named ``name`` (``POST /entity/child``)."""
    request = EntityChildRequest(parent_id=parent_id, entity_name=name)
    return from_wire(IdRef, conn.post("/entity/child", to_wire(request))).id


def entity_path(conn: Connection, entity_id: str) -> list[str]:
    """The ids from the root down to ``entity_id`` (``GET /entity/{id}/path``)."""
    return [header.id for header in from_wire(EntityPath, conn.get(f"/entity/{entity_id}/path")).path]


def entity_headers(conn: Connection, ids: Iterable[str]) -> dict[str, EntityHeader]:
    """Headers of the given entities that exist and are visible, by id (one request per 100 ids)."""
    found: dict[str, EntityHeader] = {}
    pending = list(dict.fromkeys(ids))
    for start in range(0, len(pending), BATCH_LIMIT):
        request = ReferenceList(
            references=[Reference(target_id=i) for i in pending[start : start + BATCH_LIMIT]]
        )
        for header in from_wire(Page[EntityHeader], conn.post("/entity/header", to_wire(request))).results:
            header._connection = conn
            found[header.id] = header
    return found


def presigned_urls(conn: Connection, items: Sequence[FileHandleAssociation]) -> dict[str, FileResult]:
    """Presigned download URLs (and handles) for file handles read through their objects, by handle id.

    One ``POST /fileHandle/batch`` per 100 items; an item Synapse refuses carries its ``failure_code``.
    """
    out: dict[str, FileResult] = {}
    for start in range(0, len(items), BATCH_LIMIT):
        request = BatchFileRequest(requested_files=list(items[start : start + BATCH_LIMIT]))
        answer = from_wire(BatchFileResult, conn.post("/fileHandle/batch", to_wire(request), service="file"))
        for item in answer.requested_files:
            out[str(item.file_handle_id)] = item
    return out


def download_url(conn: Connection, url: str, destination: Path, *, size: int | None, md5: str | None) -> Path:
    """Download a presigned or external URL to ``destination``: partial file, md5 check, atomic rename.

    The transport resumes a broken stream with ``Range`` requests within the connection's retry policy.
    """
    from ..transfer.download import download_url as fetch

    return fetch(conn, url, destination, size=size, md5=md5, progress=False)


# -- writing -------------------------------------------------------------------------------------------------


def copy_file_handles(conn: Connection, items: Sequence[FileHandleCopyRequest]) -> list[FileHandleCopyResult]:
    """Copy file handles (no bytes move), each read through the object it belongs to.

    One ``POST /filehandles/copy`` per 100 items. Returns the results in order (a new handle or a
    ``failure_code`` each).
    """
    results: list[FileHandleCopyResult] = []
    for start in range(0, len(items), BATCH_LIMIT):
        request = BatchFileHandleCopyRequest(copy_requests=list(items[start : start + BATCH_LIMIT]))
        answer = conn.post("/filehandles/copy", to_wire(request), service="file")
        results.extend(from_wire(BatchFileHandleCopyResult, answer).copy_results)
    return results


def handle_copy(handle_id: str, object_id: str, object_type: str) -> FileHandleCopyRequest:
    """The copy of one file handle, read through ``object_type`` ``object_id``."""
    return FileHandleCopyRequest(
        original_file=FileHandleAssociation(
            file_handle_id=str(handle_id),
            associate_object_id=str(object_id),
            associate_object_type=object_type,
        )
    )


def create_link(conn: Connection, link: Link) -> str:
    """``POST /entity`` of a new link, as it is (no lookup of a same-named sibling); returns its id."""
    return from_wire(IdRef, conn.post("/entity", to_wire(link))).id


def copy_table_rows(conn: Connection, source_id: str, target_id: str) -> int:
    """Copy every row of a table into another with the same columns, without the rows passing through here.

    The server writes the rows to a CSV file handle owned by the caller (``DownloadFromTableRequest``), which
    is then loaded into the target (``UploadToTableRequest`` in a table transaction): two jobs whatever the
    number of rows. Returns the number of rows loaded.
    """
    download = DownloadFromTableRequest(
        entity_id=source_id, sql=f"SELECT * FROM {source_id}", csv_table_descriptor=_CSV
    )
    written = from_wire(
        DownloadFromTableResult,
        conn.run_async_job(f"/entity/{source_id}/table/download/csv", to_wire(download)),
    )
    load = TableUpdateTransactionRequest(
        entity_id=target_id,
        changes=[
            UploadToTableRequest(
                entity_id=target_id,
                table_id=target_id,
                upload_file_handle_id=written.results_file_handle_id,
                csv_table_descriptor=_CSV,
            )
        ],
    )
    answer = from_wire(
        TableUpdateTransactionResponse,
        conn.run_async_job(f"/entity/{target_id}/table/transaction", to_wire(load)),
    )
    return sum(result.rows_processed or 0 for result in answer.results)


# -- connections on workers ----------------------------------------------------------------------------------


def open_connection(endpoint_repo: str, *, name: str, pool_size: int) -> Connection:
    """A new, unregistered connection to ``endpoint_repo`` with the token this process finds.

    The token comes from ``SYNAPSE_AUTH_TOKEN``, ``~/.synapseConfig`` (``SYNAPSE_PROFILE``) or the keyring,
    as :func:`synapse_models.connect` resolves it; the user is checked with ``GET /userProfile``.

    Raises:
        NotConnectedError: This process has no token.
    """
    from ..connection import Connection
    from ..credentials import Endpoints, resolve_token
    from ..errors import NotConnectedError
    from ..models.user import me

    resolved = resolve_token(None)
    if resolved is None:
        raise NotConnectedError(
            "this worker has no Synapse token: set SYNAPSE_AUTH_TOKEN (or a ~/.synapseConfig with an "
            "authtoken) in the environment of every worker; tokens are never sent with the tasks"
        )
    endpoints = Endpoints.from_base(endpoint_repo, "the task")
    conn = Connection(endpoints, resolved.token, token_source=resolved.source, name=name, pool_size=pool_size)
    profile = me(connection=conn)
    conn.user_id, conn.user_name = profile.owner_id, profile.user_name
    return conn


def require_container(header: EntityHeader | None, field: str, value: object) -> None:
    """Raise ValidationError unless the header is a project's or a folder's."""
    if header is None:
        raise ValidationError(field, value, "no such entity, or you cannot see it")
    if header.type not in (PROJECT_TYPE, FOLDER_TYPE):
        raise ValidationError(field, value, f"is a {header.entity_type or 'entity'}, not a Project or Folder")
