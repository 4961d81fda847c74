"""``copy``: copy a file, table, view, folder or whole project, without moving file bytes.

Files become new entities pointing at copies of their file handles (``POST /filehandles/copy``, 100 per
request); folders are re-created (or reused) level by level; tables get the same column models and their
rows copied by the server; views get their scope remapped into the copy; links their target; wikis are copied
page by page (markdown and attachments by handle copy) and their links rewritten to the copies.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import TYPE_CHECKING, Literal, TypedDict

from ..errors import ValidationError
from ..models.tree import EntityHeader, EntityType
from ..models.tree import walk as walk_tree
from ..registry import ConnectionLike, get_connection
from ..transfer.progress import Overall
from . import _internals
from ._copy_items import FileItem, FilesTask, ItemTask, Options, copy_files, copy_folder, copy_item
from ._copy_run import CopyRun, children_by_name, copy_wikis
from ._executor import Pipeline, check_shard, in_shard
from .results import CopyResults

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.entity import Entity

__all__ = ["CopyOptions", "copy"]


class CopyOptions(TypedDict, total=False):
    """The keyword options of :func:`copy`, also taken by :meth:`synapse_models.Entity.copy`."""

    versions: Literal["latest", "all"]
    files: bool
    wikis: bool
    tables: bool
    views: bool
    links: bool
    annotations: bool
    provenance: Literal["traceback", "existing"] | None
    on_clash: Literal["skip", "update", "error"]
    executor: Executor | None
    max_workers: int | None
    shard: tuple[int, int] | None
    progress: bool | None
    connection: ConnectionLike | None


_KINDS = {
    _internals.FILE_TYPE: "File",
    _internals.FOLDER_TYPE: "Folder",
    _internals.PROJECT_TYPE: "Project",
    "org.sagebionetworks.repo.model.table.TableEntity": "Table",
    "org.sagebionetworks.repo.model.table.EntityView": "View",
    "org.sagebionetworks.repo.model.table.SubmissionView": "View",
    "org.sagebionetworks.repo.model.Link": "Link",
}
_LISTED = [
    EntityType.FILE,
    EntityType.TABLE,
    EntityType.ENTITY_VIEW,
    EntityType.SUBMISSION_VIEW,
    EntityType.LINK,
]
_FILE_BATCH = 10
"""Files per task (a task copies its files one after the other; small tasks keep every worker busy)."""
_CLASHES = ("skip", "update", "error")
_PROVENANCE = ("traceback", "existing", None)


def copy(
    source: Entity | str,
    destination: Entity | str,
    *,
    versions: Literal["latest", "all"] = "latest",
    files: bool = True,
    wikis: bool = True,
    tables: bool = True,
    views: bool = True,
    links: bool = True,
    annotations: bool = True,
    provenance: Literal["traceback", "existing"] | None = "traceback",
    on_clash: Literal["skip", "update", "error"] = "skip",
    executor: Executor | None = None,
    max_workers: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: bool | None = None,
    connection: ConnectionLike | None = None,
) -> CopyResults:
    """Copy an entity (a whole folder or project recursively) into ``destination``; no file bytes move.

    A project's content goes directly into ``destination`` (its annotations are merged into a project
    destination, its wiki copied to it); a folder becomes a same-named folder inside ``destination``; a file,
    table, view or link a same-named copy there.

    Args:
        source: What to copy (an entity or its id).
        destination: The project or folder to copy into.
        versions: ``"latest"`` (one version per file) or ``"all"`` (every version, in order).
        files: Copy files (``False``: the folder tree, tables, views, links and wikis without them).
        wikis: Copy wikis (of the project, folders and files), links rewritten to the copies.
        tables: Copy tables (schema and rows).
        views: Copy entity views (scopes inside the copied tree point at the copies).
        links: Copy links (targets inside the copied tree point at the copies).
        annotations: Copy annotations.
        provenance: ``"traceback"`` (each copied file was generated from its source version), ``"existing"``
            (the source's own provenance) or ``None``.
        on_clash: When a same-named entity is already at the destination: ``"skip"`` (leave it; it stands for
            the copy, so a rerun finishes an interrupted copy cheaply), ``"update"`` (files get a new version
            with the source's content) or ``"error"``. Folders are always reused; tables, views and links
            never overwritten.
        executor: Where to run the work (any ``concurrent.futures.Executor``; a thread pool by default).
        max_workers: Threads of the default pool.
        shard: ``(k, n)``: copy only the k-th (from 0) of n slices of the files, tables, views and links
            (every shard re-creates the folders); wikis are copied only by an unsharded run.
        progress: One overall bar (items) on stderr; by default only when stderr is a terminal.
        connection: The connection to use.

    Returns:
        One :class:`CopyResult` per item (``.mapping``: source id -> copy id).

    Raises:
        ValidationError: A bad argument, a destination that is not a container, or one inside the source.
    """
    if versions not in ("latest", "all"):
        raise ValidationError("versions", versions, "'latest' or 'all'")
    if on_clash not in _CLASHES:
        raise ValidationError("on_clash", on_clash, f"one of {', '.join(_CLASHES)}")
    if provenance not in _PROVENANCE:
        raise ValidationError("provenance", provenance, "'traceback', 'existing' or None")
    slice_ = check_shard(shard)
    from ..models.entity import Entity

    bound = source.connection if isinstance(source, Entity) else None
    conn = get_connection(connection, bound=bound)
    source_id = _id_of(source, "source")
    target_id = _id_of(destination, "destination")
    headers = _internals.entity_headers(conn, [source_id, target_id])
    top = headers.get(source_id)
    if top is None:
        raise ValidationError("source", source_id, "no such entity, or you cannot see it")
    _internals.require_container(headers.get(target_id), "destination", target_id)
    kind = _KINDS.get(top.type)
    if kind is None:
        raise ValidationError("source", source_id, f"a {top.entity_type} cannot be copied")
    if kind in ("Folder", "Project") and source_id in _internals.entity_path(conn, target_id):
        raise ValidationError(
            "destination", target_id, f"is inside {source_id}: a tree cannot be copied into itself"
        )
    options = Options(versions=versions, annotations=annotations, provenance=provenance, on_clash=on_clash)
    wanted = {"Table": tables, "View": views, "Link": links, "File": files, "Folder": True}
    bar = Overall("copy", progress, unit="items", sizes=False)
    with Pipeline(conn, executor, max_workers) as pipeline, bar:
        run = CopyRun(conn, pipeline, options, wanted, slice_, bar)
        header = top
        existing = children_by_name(conn, target_id)
        if kind == "Project":
            run.mapping[source_id] = target_id
            run.wiki_owners.append((source_id, target_id))
            if annotations:
                _merge_annotations(conn, source_id, target_id)
            _tree(run, header, target_id, existing)
        elif kind == "Folder":
            run.submit(
                copy_folder,
                ItemTask(
                    source_id=source_id,
                    kind="Folder",
                    name=header.name,
                    path="",
                    parent_id=target_id,
                    existing_id=existing.get(header.name),
                    options=options,
                ),
                [(source_id, "Folder", "")],
            )
            pipeline.drain()
            if source_id in run.mapping:
                _tree(run, header, run.mapping[source_id], run.existing_in(run.mapping[source_id]))
        elif kind == "File":
            run.submit(
                copy_files,
                FilesTask([FileItem(source_id, header.name, header.name)], target_id, existing, options),
                [(source_id, "File", header.name)],
                many=True,
            )
        else:
            run.item(header, kind, header.name, target_id, existing)
        pipeline.drain()
        for task in run.deferred:
            task = _remapped(task, run.mapping)
            run.submit(copy_item, task, [(task.source_id, task.kind, task.path)])
        pipeline.drain()
        if wikis and slice_ is None:
            copy_wikis(run)
    return run.results


def _id_of(value: Entity | str, field: str) -> str:
    from ..models.entity import Entity

    if isinstance(value, Entity):
        if value.id is None:
            raise ValidationError(field, value.name, "store() it first: it has no id")
        return value.id
    return _internals.parse_entity_id(value, field)[0]


def _merge_annotations(conn: Connection, source_id: str, target_id: str) -> None:
    from ..models.annotations import Annotations
    from ..models.entity import Entity

    notes = Annotations.from_body(
        _internals.bundle(conn, source_id, file_handles=False, activity=False).annotations
    )
    if notes:
        target = Entity.get(target_id, connection=conn)
        for key, values in notes.items():
            target.annotations[key] = values
        target.store(connection=conn)


def _remapped(task: ItemTask, mapping: dict[str, str]) -> ItemTask:
    return ItemTask(
        source_id=task.source_id,
        kind=task.kind,
        name=task.name,
        path=task.path,
        parent_id=task.parent_id,
        existing_id=task.existing_id,
        options=task.options,
        mapping=mapping,
    )


def _tree(run: CopyRun, top: EntityHeader, target_id: str, top_existing: dict[str, str]) -> None:
    """Folders level by level (each level in parallel), then the other children in batches."""
    conn, pipeline = run.conn, run.pipeline
    run.mapping.setdefault(top.id, target_id)
    existing_in: dict[str, dict[str, str]] = {target_id: top_existing}
    depth = 0
    steps: list[tuple[str, EntityHeader]] = []
    for step in walk_tree(conn, top, [], on_bad_folder=lambda *_: None):
        level = step.path.count("/") + (1 if step.path else 0)
        if level != depth:
            pipeline.drain()
            depth = level
        parent_new = run.mapping.get(step.folder.id)
        steps.append((step.path, step.folder))
        if parent_new is None:
            continue
        known = existing_in.get(parent_new)
        if known is None:
            known = existing_in[parent_new] = run.existing_in(parent_new)
        for sub in step.folders:
            path = f"{step.path}/{sub.name}" if step.path else sub.name
            run.item(sub, "Folder", path, parent_new, known)
    pipeline.drain()
    for path, folder in steps:
        parent_new = run.mapping.get(folder.id)
        if parent_new is None:
            continue
        known = existing_in.get(parent_new)
        if known is None:
            known = existing_in[parent_new] = run.existing_in(parent_new)
        _children(run, folder, path, parent_new, known)


def _children(run: CopyRun, folder: EntityHeader, path: str, parent_new: str, known: dict[str, str]) -> None:
    batch: list[FileItem] = []
    for header in _internals.children(run.conn, folder.id, _LISTED):
        kind = _KINDS.get(header.type)
        child_path = f"{path}/{header.name}" if path else header.name
        if kind is None or not run.kinds.get(kind, False) or not in_shard(int(header.id[3:]), run.shard):
            continue
        if kind == "File":
            batch.append(FileItem(header.id, header.name, child_path))
            if len(batch) >= _FILE_BATCH:
                run.submit(
                    copy_files,
                    FilesTask(batch, parent_new, known, run.options),
                    [(f.source_id, "File", f.path) for f in batch],
                    many=True,
                )
                batch = []
        else:
            run.item(header, kind, child_path, parent_new, known)
    if batch:
        run.submit(
            copy_files,
            FilesTask(batch, parent_new, known, run.options),
            [(f.source_id, "File", f.path) for f in batch],
            many=True,
        )
    run.pipeline.poll()
