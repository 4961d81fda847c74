"""The worker side of ``copy``: folders, files (by file handle copy, no bytes), tables, views and links.

Each task is plain data and returns one :class:`CopyOutcome` per item: the result and whether the source
has a wiki (read from the bundle the copy needs anyway, so wikis cost no extra request to find).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ConflictError, ForbiddenError, NotFoundError
from . import _internals
from .results import CopyResult

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["CopyOutcome", "FileItem", "FilesTask", "ItemTask", "copy_files", "copy_folder", "copy_item"]

_LINK = "org.sagebionetworks.repo.model.Link"


@attrs.frozen
class CopyOutcome:
    result: CopyResult
    has_wiki: bool = False


@attrs.frozen
class Options:
    """The copy's options, as every task carries them."""

    versions: str
    annotations: bool
    provenance: str | None
    on_clash: str


@attrs.frozen
class FileItem:
    source_id: str
    name: str
    path: str


@attrs.frozen
class FilesTask:
    """Files of one source folder, to copy into ``parent_id`` (``existing``: its children, by name)."""

    files: list[FileItem]
    parent_id: str
    existing: dict[str, str]
    options: Options


@attrs.frozen
class ItemTask:
    """One folder, table, view or link to copy into ``parent_id``; ``mapping`` remaps ids it points at."""

    source_id: str
    kind: str
    name: str
    path: str
    parent_id: str
    existing_id: str | None
    options: Options
    mapping: dict[str, str] = attrs.field(factory=dict)


def _notes(bundle: dict[str, Any], options: Options) -> dict[str, list[Any]]:
    from ..models.annotations import Annotations

    if not options.annotations:
        return {}
    return Annotations.from_wire(bundle.get("annotations")).to_dict()


def _restricted(bundle: dict[str, Any], kind: str, source_id: str, path: str) -> CopyResult | None:
    """A ``skipped`` result for an entity under access requirements: its copy would not carry them."""
    level = (bundle.get("restrictionInformation") or {}).get("restrictionLevel")
    if level in (None, "OPEN"):
        return None
    error = ForbiddenError(
        403,
        f"{source_id} has access restrictions ({level}); it is not copied, because the "
        "copy would not carry them",
        "POST",
        f"/repo/v1/entity/{source_id}/bundle2",
    )
    return CopyResult(source_id, kind, "skipped", path=path, error=error)


def _clash(options: Options, kind: str, source_id: str, name: str, path: str, existing: str) -> CopyResult:
    """The result for an item whose name is taken at the destination (``skip`` or ``error``)."""
    if options.on_clash == "error":
        error = ConflictError(
            409,
            f"an entity named {name!r} ({existing}) is already at the destination",
            "POST",
            "/repo/v1/entity",
        )
        return CopyResult(source_id, kind, "failed", path=path, error=error)
    return CopyResult(source_id, kind, "exists", new_id=existing, path=path)


def copy_folder(conn: Connection, task: ItemTask) -> CopyOutcome:
    """Create the folder (same name, description, annotations) or reuse the one already there."""
    from ..models.folder import Folder

    result = CopyResult(task.source_id, "Folder", "failed", path=task.path)
    try:
        bundle = _internals.bundle(
            conn, task.source_id, file_handles=False, activity=False, root_wiki=True, restrictions=True
        )
        wiki = bool(bundle.get("rootWikiId"))
        restricted = _restricted(bundle, "Folder", task.source_id, task.path)
        if restricted is not None:
            return CopyOutcome(restricted)
        if task.existing_id is not None:
            result.status, result.new_id = "exists", task.existing_id
            return CopyOutcome(result, wiki)
        entity = bundle.get("entity") or {}
        folder = Folder(
            name=task.name,
            parent=task.parent_id,
            description=entity.get("description"),
            annotations=_notes(bundle, task.options),
        )
        try:
            folder.store(connection=conn, create_or_update=False)
        except ConflictError:  # made meanwhile (another shard): use it
            result.status = "exists"
            result.new_id = _internals.child_id(conn, task.parent_id, task.name)
            return CopyOutcome(result, wiki)
        result.status, result.new_id = "copied", folder.id
        return CopyOutcome(result, wiki)
    except Exception as exc:  # recorded on the item, never swallowed
        result.error = exc
        return CopyOutcome(result)


def _activity(bundle: dict[str, Any], source_id: str, options: Options) -> Any:
    from ..models.activity import Activity

    version = (bundle.get("entity") or {}).get("versionNumber")
    if options.provenance == "traceback":
        return Activity(name="Copied file", used=[f"{source_id}.{version}" if version else source_id])
    if options.provenance == "existing" and bundle.get("activity"):
        original = Activity.from_wire(bundle["activity"])
        return Activity(
            name=original.name,
            description=original.description,
            used=original.used,
            executed=original.executed,
        )
    return None


def _versions(conn: Connection, source_id: str, options: Options) -> list[int | None]:
    if options.versions != "all":
        return [None]
    numbers = sorted(
        int(v["versionNumber"]) for v in conn.iter_offset(f"/entity/{source_id}/version", limit=50)
    )
    return list(numbers) if numbers else [None]


def copy_files(conn: Connection, task: FilesTask) -> list[CopyOutcome]:
    """Copy a batch of files: bundles, one ``POST /filehandles/copy`` per 100 handles, then the entities."""
    outcomes: list[CopyOutcome] = []
    work: list[tuple[FileItem, list[dict[str, Any]]]] = []
    for item in task.files:
        try:
            existing = task.existing.get(item.name)
            if existing is not None and task.options.on_clash != "update":
                bundle = _internals.bundle(
                    conn, item.source_id, file_handles=False, activity=False, root_wiki=True
                )
                clash = _clash(task.options, "File", item.source_id, item.name, item.path, existing)
                outcomes.append(CopyOutcome(clash, bool(bundle.get("rootWikiId"))))
                continue
            bundles = [
                _internals.bundle(conn, item.source_id, version, root_wiki=True, restrictions=True)
                for version in _versions(conn, item.source_id, task.options)
            ]
            restricted = _restricted(bundles[-1], "File", item.source_id, item.path)
            if restricted is not None:
                outcomes.append(CopyOutcome(restricted))
                continue
            work.append((item, bundles))
        except Exception as exc:
            outcomes.append(
                CopyOutcome(CopyResult(item.source_id, "File", "failed", path=item.path, error=exc))
            )
    handles = _new_handles(conn, [b for _, bundles in work for b in bundles])
    for item, bundles in work:
        outcomes.append(_store_copy(conn, task, item, bundles, handles))
    return outcomes


def _handle_of(bundle: dict[str, Any]) -> dict[str, Any]:
    entity = bundle.get("entity") or {}
    wanted = str(entity.get("dataFileHandleId"))
    return next((h for h in bundle.get("fileHandles") or [] if str(h.get("id")) == wanted), {"id": wanted})


def _new_handles(conn: Connection, bundles: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Source handle id -> copy result; the caller's own handles are reused as they are (no copy needed)."""
    out: dict[str, dict[str, Any]] = {}
    requests: list[tuple[str, str, str, str | None]] = []
    for bundle in bundles:
        handle = _handle_of(bundle)
        handle_id = str(handle["id"])
        if str(handle.get("createdBy")) == str(conn.user_id):
            out[handle_id] = {"newFileHandle": handle}
        elif handle_id not in out:
            requests.append((handle_id, str((bundle.get("entity") or {}).get("id")), "FileEntity", None))
            out[handle_id] = {}
    for request, answer in zip(requests, _internals.copy_file_handles(conn, requests), strict=True):
        out[request[0]] = answer
    return out


def _store_copy(
    conn: Connection,
    task: FilesTask,
    item: FileItem,
    bundles: list[dict[str, Any]],
    handles: dict[str, dict[str, Any]],
) -> CopyOutcome:
    from ..models.file import File

    result = CopyResult(item.source_id, "File", "failed", path=item.path)
    try:
        target: File | None = None
        existing = task.existing.get(item.name)
        if existing is not None:
            target = File.get(existing, download=False, connection=conn)
        for bundle in bundles:
            answer = handles.get(str(_handle_of(bundle)["id"])) or {}
            if answer.get("failureCode") or not answer.get("newFileHandle"):
                code = answer.get("failureCode") or "NOT_FOUND"
                kind = ForbiddenError if code == "UNAUTHORIZED" else NotFoundError
                raise kind(
                    403 if code == "UNAUTHORIZED" else 404,
                    f"the file handle of {item.source_id} could not be copied ({code})",
                    "POST",
                    "/file/v1/filehandles/copy",
                )
            entity = bundle.get("entity") or {}
            new_handle = str(answer["newFileHandle"]["id"])
            if target is None:
                target = File(
                    name=item.name,
                    parent=task.parent_id,
                    data_file_handle_id=new_handle,
                    description=entity.get("description"),
                )
            else:
                target.data_file_handle_id = new_handle
            target.annotations = _notes(bundle, task.options)  # type: ignore[assignment]
            target.activity = _activity(bundle, item.source_id, task.options)
            try:
                target.store(connection=conn, create_or_update=False, force_version=target.id is not None)
            except ConflictError:  # made meanwhile (another shard or run)
                clash = _clash(
                    task.options,
                    "File",
                    item.source_id,
                    item.name,
                    item.path,
                    _internals.child_id(conn, task.parent_id, item.name),
                )
                return CopyOutcome(clash, bool(bundles[-1].get("rootWikiId")))
        assert target is not None
        result.status = "updated" if existing is not None else "copied"
        result.new_id = target.id
        return CopyOutcome(result, bool(bundles[-1].get("rootWikiId")))
    except Exception as exc:
        result.error = exc
        return CopyOutcome(result)


def copy_item(conn: Connection, task: ItemTask) -> CopyOutcome:
    """Copy one table (schema and rows), view (scope remapped) or link (target remapped)."""
    result = CopyResult(task.source_id, task.kind, "failed", path=task.path)
    try:
        bundle = _internals.bundle(
            conn, task.source_id, file_handles=False, activity=False, root_wiki=True, restrictions=True
        )
        wiki = bool(bundle.get("rootWikiId"))
        restricted = _restricted(bundle, task.kind, task.source_id, task.path)
        if restricted is not None:
            return CopyOutcome(restricted)
        if task.existing_id is not None:  # tables, views and links are never overwritten
            return CopyOutcome(
                _clash(task.options, task.kind, task.source_id, task.name, task.path, task.existing_id), wiki
            )
        if task.kind == "Link":
            new_id = _copy_link(conn, task, bundle)
        else:
            from ._copy_tables import copy_table, copy_view

            copier = copy_view if task.kind == "View" else copy_table
            new_id = copier(conn, task, _notes(bundle, task.options))
        result.status, result.new_id = "copied", new_id
        return CopyOutcome(result, wiki)
    except Exception as exc:
        result.error = exc
        return CopyOutcome(result)


def _copy_link(conn: Connection, task: ItemTask, bundle: dict[str, Any]) -> str:
    entity = bundle.get("entity") or {}
    target = dict(entity.get("linksTo") or {})
    target_id = str(target.get("targetId"))
    target["targetId"] = task.mapping.get(target_id, target_id)
    body = {"concreteType": _LINK, "name": task.name, "parentId": task.parent_id, "linksTo": target}
    return str(_internals.create_entity(conn, body)["id"])
