"""The one seam between bulk work and the client's internals.

Everything ``synapse_models.sync`` needs beyond the public API goes through here: the cache map, verified
downloads from a presigned URL, md5s, children pages, bundles, batch presigned URLs, batch file handle
copies, batch headers and the making of an unregistered connection on a worker. When the client core is
reorganized, this module is the only one of the package to adapt.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.entity import EntityHeader
    from ..transfer.cache import Cache

__all__ = [
    "BATCH_LIMIT",
    "CHILD_TYPES",
    "bundle",
    "cache",
    "child_id",
    "children",
    "copy_file_handles",
    "copy_table_rows",
    "create_entity",
    "default_cache_root",
    "download_lock",
    "download_url",
    "entity_headers",
    "entity_path",
    "header",
    "md5_of_path",
    "open_connection",
    "parse_entity_id",
    "presigned_urls",
    "scoped",
]

BATCH_LIMIT = 100
"""Items per ``POST /fileHandle/batch``, ``POST /filehandles/copy`` and ``POST /entity/header``."""
CHILD_TYPES = (
    "folder",
    "file",
    "table",
    "link",
    "entityview",
    "dockerrepo",
    "submissionview",
    "dataset",
    "datasetcollection",
    "materializedview",
    "virtualtable",
)
FILE_TYPE = "org.sagebionetworks.repo.model.FileEntity"
FOLDER_TYPE = "org.sagebionetworks.repo.model.Folder"
PROJECT_TYPE = "org.sagebionetworks.repo.model.Project"


def parse_entity_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """``"syn123.4"`` -> ``("syn123", 4)``; ValidationError for anything else."""
    from ..models.entity import parse_entity_id as parse

    return parse(value, field)


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


def header(item: dict[str, Any], conn: Connection) -> EntityHeader:
    """An ``EntityHeader`` model from its JSON."""
    from .._convert import parse_datetime
    from ..models.entity import EntityHeader

    created, modified = item.get("createdOn"), item.get("modifiedOn")
    return EntityHeader(
        id=str(item["id"]),
        name=str(item["name"]),
        type=str(item.get("type") or ""),
        version_number=item.get("versionNumber"),
        benefactor_id=item.get("benefactorId"),
        created_on=parse_datetime(created) if created else None,
        modified_on=parse_datetime(modified) if modified else None,
        _connection=conn,
    )


def children(
    conn: Connection, parent_id: str, types: Sequence[str] = CHILD_TYPES
) -> Iterator[dict[str, Any]]:
    """The children headers (JSON) of a container, one ``POST /entity/children`` per page of 50."""
    body = {"parentId": parent_id, "includeTypes": list(types)}
    yield from conn.iter_token("POST", "/entity/children", body)


def bundle(
    conn: Connection,
    entity_id: str,
    version: int | None = None,
    *,
    activity: bool = True,
    file_handles: bool = True,
    root_wiki: bool = False,
    restrictions: bool = False,
) -> dict[str, Any]:
    """An entity bundle (entity, annotations, file handles, activity, root wiki id, access restrictions)."""
    where = f"/entity/{entity_id}" + (f"/version/{version}" if version else "")
    parts = {
        "includeEntity": True,
        "includeAnnotations": True,
        "includeFileHandles": file_handles,
        "includeActivity": activity,
        "includeRootWikiId": root_wiki,
        "includeRestrictionInformation": restrictions,
    }
    result: dict[str, Any] = conn.post(f"{where}/bundle2", parts)
    return result


def child_id(conn: Connection, parent_id: str, name: str) -> str:
    """The id of the child named ``name`` (``POST /entity/child``)."""
    return str(conn.post("/entity/child", {"parentId": parent_id, "entityName": name})["id"])


def entity_path(conn: Connection, entity_id: str) -> list[str]:
    """The ids from the root down to ``entity_id`` (``GET /entity/{id}/path``)."""
    return [str(item["id"]) for item in conn.get(f"/entity/{entity_id}/path").get("path") or []]


def entity_headers(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Headers of the given entities that exist and are visible, by id (one request per 100 ids)."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(dict.fromkeys(ids))
    for start in range(0, len(pending), BATCH_LIMIT):
        batch = pending[start : start + BATCH_LIMIT]
        answer = conn.post("/entity/header", {"references": [{"targetId": i} for i in batch]})
        for item in answer.get("results") or []:
            found[str(item["id"])] = item
    return found


def presigned_urls(conn: Connection, items: Sequence[tuple[str, str, str]]) -> dict[str, dict[str, Any]]:
    """Presigned download URLs for ``(file handle id, associate object id, associate type)`` items.

    One ``POST /fileHandle/batch`` per 100 items. Returns, by file handle id, the result JSON
    (``preSignedURL`` and ``fileHandle``, or ``failureCode``).
    """
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(items), BATCH_LIMIT):
        batch = items[start : start + BATCH_LIMIT]
        answer = conn.post(
            "/fileHandle/batch",
            {
                "includeFileHandles": True,
                "includePreSignedURLs": True,
                "includePreviewPreSignedURLs": False,
                "requestedFiles": [
                    {"fileHandleId": h, "associateObjectId": o, "associateObjectType": t} for h, o, t in batch
                ],
            },
            service="file",
        )
        for item in answer.get("requestedFiles") or []:
            out[str(item.get("fileHandleId"))] = item
    return out


def download_url(conn: Connection, url: str, destination: Path, *, size: int | None, md5: str | None) -> Path:
    """Download a presigned or external URL to ``destination``: partial file, md5 check, atomic rename."""
    from ..transfer.download import download_url as fetch

    return fetch(conn, url, destination, size=size, md5=md5, progress=False)


# -- writing -------------------------------------------------------------------------------------------------


def copy_file_handles(
    conn: Connection, items: Sequence[tuple[str, str, str, str | None]]
) -> list[dict[str, Any]]:
    """Copy file handles (no bytes move): ``(handle id, associate object id, associate type, new name)``.

    One ``POST /filehandles/copy`` per 100 items. Returns the ``copyResults`` in order (``newFileHandle`` or
    ``failureCode`` each).
    """
    results: list[dict[str, Any]] = []
    for start in range(0, len(items), BATCH_LIMIT):
        batch = items[start : start + BATCH_LIMIT]
        answer = conn.post(
            "/filehandles/copy",
            {
                "copyRequests": [
                    {
                        "originalFile": {"fileHandleId": h, "associateObjectId": o, "associateObjectType": t},
                        **({"newFileName": name} if name else {}),
                    }
                    for h, o, t, name in batch
                ]
            },
            service="file",
        )
        results.extend(answer.get("copyResults") or [])
    return results


def create_entity(conn: Connection, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /entity`` of a raw entity body (types the models do not cover, such as links)."""
    created: dict[str, Any] = conn.post("/entity", body)
    return created


def copy_table_rows(conn: Connection, source_id: str, target_id: str) -> int:
    """Copy every row of a table into another with the same columns, without the rows passing through here.

    The server writes the rows to a CSV file handle owned by the caller (``DownloadFromTableRequest``), which
    is then loaded into the target (``UploadToTableRequest`` in a table transaction): two jobs whatever the
    number of rows. Returns the number of rows loaded.
    """
    table = "org.sagebionetworks.repo.model.table."
    csv = {
        "separator": ",",
        "quoteCharacter": '"',
        "escapeCharacter": "\\",
        "lineEnd": "\n",
        "isFirstLineHeader": True,
    }
    download = conn.run_async_job(
        f"/entity/{source_id}/table/download/csv",
        {
            "concreteType": table + "DownloadFromTableRequest",
            "entityId": source_id,
            "sql": f"SELECT * FROM {source_id}",
            "writeHeader": True,
            "includeRowIdAndRowVersion": False,
            "csvTableDescriptor": csv,
        },
    )
    answer = conn.run_async_job(
        f"/entity/{target_id}/table/transaction",
        {
            "concreteType": table + "TableUpdateTransactionRequest",
            "entityId": target_id,
            "changes": [
                {
                    "concreteType": table + "UploadToTableRequest",
                    "tableId": target_id,
                    "uploadFileHandleId": str(download["resultsFileHandleId"]),
                    "csvTableDescriptor": csv,
                }
            ],
        },
    )
    results = answer.get("results") or [{}]
    return int(results[0].get("rowsProcessed") or 0)


# -- connections on workers ----------------------------------------------------------------------------------


@contextmanager
def scoped(conn: Connection) -> Iterator[Connection]:
    """Make ``conn`` the current connection of this thread or task only, for the block."""
    with conn:
        yield conn


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

    resolved = resolve_token(None)
    if resolved is None:
        raise NotConnectedError(
            "this worker has no Synapse token: set SYNAPSE_AUTH_TOKEN (or a ~/.synapseConfig with an "
            "authtoken) in the environment of every worker; tokens are never sent with the tasks"
        )
    endpoints = Endpoints.from_base(endpoint_repo, "the task")
    conn = Connection(endpoints, resolved.token, token_source=resolved.source, name=name, pool_size=pool_size)
    profile = conn.get("/userProfile")
    conn.user_id = str(profile.get("ownerId"))
    conn.user_name = str(profile.get("userName"))
    return conn


def require_container(item: dict[str, Any] | None, field: str, value: object) -> None:
    """Raise ValidationError unless the header JSON is a project or folder."""
    if item is None:
        raise ValidationError(field, value, "no such entity, or you cannot see it")
    if item.get("type") not in (PROJECT_TYPE, FOLDER_TYPE):
        kind = str(item.get("type") or "entity").rsplit(".", 1)[-1]
        raise ValidationError(field, value, f"is a {kind}, not a Project or Folder")
