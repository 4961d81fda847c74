"""The worker side of ``copy``: folders, files (by file handle copy, no bytes), tables, views and links.

Each task is plain data and returns one :class:`CopyOutcome` per item: the result and whether the source
has a wiki (read from the bundle the copy needs anyway, so wikis cost no extra request to find).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from .._convert import from_wire
from ..errors import ConflictError, ForbiddenError, error_for_status
from ..models._wire import EntityBundle
from ..models.file_handle import FileHandle, VersionInfo
from ..models.link import Link
from . import _internals
from ._wire import FileHandleCopyResult
from .results import CopyResult

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.entity import Entity

__all__ = ["CopyOutcome", "FileItem", "FilesTask", "ItemTask", "copy_files", "copy_folder", "copy_item"]


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


def _notes(bundle: EntityBundle, options: Options) -> dict[str, list[Any]]:
    from ..models.annotations import Annotations

    if not options.annotations:
        return {}
    return Annotations.from_body(bundle.annotations).to_dict()


def _entity(bundle: EntityBundle) -> Entity:
    from ..models.entity import Entity

    return from_wire(Entity, bundle.entity)


def _restricted(
    conn: Connection, bundle: EntityBundle, kind: str, source_id: str, path: str
) -> CopyResult | None:
    """A ``skipped`` result for an entity under access requirements: its copy would not carry them."""
    info = bundle.restriction_information
    level = info.restriction_level if info is not None else None
    if level in (None, "OPEN"):
        return None
    error = ForbiddenError(
        403,
        f"{source_id} has access restrictions ({level}); it is not copied, because the "
        "copy would not carry them",
        "POST",
        conn.url(f"/entity/{source_id}/bundle2"),
    )
    return CopyResult(source_id, kind, "skipped", path=path, error=error)


def _clash(
    conn: Connection, options: Options, kind: str, source_id: str, name: str, path: str, existing: str
) -> CopyResult:
    """The result for an item whose name is taken at the destination (``skip`` or ``error``)."""
    if options.on_clash == "error":
        error = ConflictError(
            409,
            f"an entity named {name!r} ({existing}) is already at the destination",
            "POST",
            conn.url("/entity"),
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
        wiki = bool(bundle.root_wiki_id)
        restricted = _restricted(conn, bundle, "Folder", task.source_id, task.path)
        if restricted is not None:
            return CopyOutcome(restricted)
        if task.existing_id is not None:
            result.status, result.new_id = "exists", task.existing_id
            return CopyOutcome(result, wiki)
        folder = Folder(
            name=task.name,
            parent=task.parent_id,
            description=_entity(bundle).description,
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


def _activity(bundle: EntityBundle, source_id: str, options: Options) -> Any:
    from ..models.activity import Activity

    version = getattr(_entity(bundle), "version_number", None)
    if options.provenance == "traceback":
        return Activity(name="Copied file", used=[f"{source_id}.{version}" if version else source_id])
    if options.provenance == "existing" and bundle.activity:
        original = Activity.from_wire(bundle.activity)
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
        from_wire(VersionInfo, v).version_number
        for v in conn.iter_offset(f"/entity/{source_id}/version", limit=50)
    )
    return list(numbers) if numbers else [None]


def copy_files(conn: Connection, task: FilesTask) -> list[CopyOutcome]:
    """Copy a batch of files: bundles, one ``POST /filehandles/copy`` per 100 handles, then the entities."""
    outcomes: list[CopyOutcome] = []
    work: list[tuple[FileItem, list[EntityBundle]]] = []
    for item in task.files:
        try:
            existing = task.existing.get(item.name)
            if existing is not None and task.options.on_clash != "update":
                bundle = _internals.bundle(
                    conn, item.source_id, file_handles=False, activity=False, root_wiki=True
                )
                clash = _clash(conn, task.options, "File", item.source_id, item.name, item.path, existing)
                outcomes.append(CopyOutcome(clash, bool(bundle.root_wiki_id)))
                continue
            bundles = [
                _internals.bundle(conn, item.source_id, version, root_wiki=True, restrictions=True)
                for version in _versions(conn, item.source_id, task.options)
            ]
            restricted = _restricted(conn, bundles[-1], "File", item.source_id, item.path)
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


def _handle_of(bundle: EntityBundle) -> FileHandle:
    """The file handle of the bundle's file version (only its id when the bundle lacks it)."""
    wanted = getattr(_entity(bundle), "data_file_handle_id", None)
    return next((h for h in bundle.file_handles if h.id == wanted), FileHandle(id=wanted))


def _new_handles(conn: Connection, bundles: list[EntityBundle]) -> dict[str, FileHandleCopyResult]:
    """Source handle id -> its copy; the caller's own handles are reused as they are (no copy needed)."""
    out: dict[str, FileHandleCopyResult] = {}
    pending: dict[str, str] = {}  # handle id -> the entity it is read through
    for bundle in bundles:
        handle = _handle_of(bundle)
        handle_id = str(handle.id)
        if handle.created_by is not None and str(handle.created_by) == str(conn.user_id):
            out[handle_id] = FileHandleCopyResult(original_file_handle_id=handle_id, new_file_handle=handle)
        elif handle_id not in out:
            pending.setdefault(handle_id, str(_entity(bundle).id))
    wanted = [_internals.handle_copy(h, owner, "FileEntity") for h, owner in pending.items()]
    for handle_id, answer in zip(pending, _internals.copy_file_handles(conn, wanted), strict=True):
        out[handle_id] = answer
    return out


def _store_copy(
    conn: Connection,
    task: FilesTask,
    item: FileItem,
    bundles: list[EntityBundle],
    handles: dict[str, FileHandleCopyResult],
) -> CopyOutcome:
    from ..models.file import File

    result = CopyResult(item.source_id, "File", "failed", path=item.path)
    wiki = bool(bundles[-1].root_wiki_id)
    try:
        target: File | None = None
        existing = task.existing.get(item.name)
        if existing is not None:
            target = File.get(existing, download=False, connection=conn)
        for bundle in bundles:
            answer = handles.get(str(_handle_of(bundle).id)) or FileHandleCopyResult()
            if answer.failure_code or answer.new_file_handle is None or answer.new_file_handle.id is None:
                code = answer.failure_code or "NOT_FOUND"
                raise error_for_status(
                    403 if code == "UNAUTHORIZED" else 404,
                    f"the file handle of {item.source_id} could not be copied ({code})",
                    "POST",
                    conn.url("/filehandles/copy", "file"),
                )
            new_handle = answer.new_file_handle.id
            if target is None:
                target = File(
                    name=item.name,
                    parent=task.parent_id,
                    data_file_handle_id=new_handle,
                    description=_entity(bundle).description,
                )
            else:
                target.data_file_handle_id = new_handle
            target.annotations = _notes(bundle, task.options)  # type: ignore[assignment]
            target.activity = _activity(bundle, item.source_id, task.options)
            try:
                target.store(connection=conn, create_or_update=False, force_version=target.id is not None)
            except ConflictError:  # made meanwhile (another shard or run)
                found = _internals.child_id(conn, task.parent_id, item.name)
                return CopyOutcome(
                    _clash(conn, task.options, "File", item.source_id, item.name, item.path, found), wiki
                )
        assert target is not None
        result.status = "updated" if existing is not None else "copied"
        result.new_id = target.id
        return CopyOutcome(result, wiki)
    except Exception as exc:  # recorded on the item, never swallowed
        result.error = exc
        return CopyOutcome(result)


def copy_item(conn: Connection, task: ItemTask) -> CopyOutcome:
    """Copy one table (schema and rows), view (scope remapped) or link (target remapped)."""
    result = CopyResult(task.source_id, task.kind, "failed", path=task.path)
    try:
        bundle = _internals.bundle(
            conn, task.source_id, file_handles=False, activity=False, root_wiki=True, restrictions=True
        )
        wiki = bool(bundle.root_wiki_id)
        restricted = _restricted(conn, bundle, task.kind, task.source_id, task.path)
        if restricted is not None:
            return CopyOutcome(restricted)
        if task.existing_id is not None:  # tables, views and links are never overwritten
            clash = _clash(
                conn, task.options, task.kind, task.source_id, task.name, task.path, task.existing_id
            )
            return CopyOutcome(clash, wiki)
        if task.kind == "Link":
            new_id = _copy_link(conn, task, bundle)
        else:
            from ._copy_tables import copy_table, copy_view

            copier = copy_view if task.kind == "View" else copy_table
            new_id = copier(conn, task, _notes(bundle, task.options))
        result.status, result.new_id = "copied", new_id
        return CopyOutcome(result, wiki)
    except Exception as exc:  # recorded on the item, never swallowed
        result.error = exc
        return CopyOutcome(result)


def _copy_link(conn: Connection, task: ItemTask, bundle: EntityBundle) -> str:
    """A new link with the source's target, or the copy of that target when it was copied."""
    source = from_wire(Link, bundle.entity)
    target = source.links_to
    if target is not None:
        target = attrs.evolve(target, target_id=task.mapping.get(target.target_id, target.target_id))
    link = Link(
        name=task.name,
        parent=task.parent_id,
        description=source.description,
        target=target,
        links_to_class_name=source.links_to_class_name,
    )
    return _internals.create_link(conn, link)
