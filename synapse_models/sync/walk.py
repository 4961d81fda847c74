"""Walking a Synapse tree like :func:`os.walk`, with the local-style path of every folder.

Example:
    >>> for step in sm.walk("syn123"):
    ...     for f in step.files:
    ...         print(f"{step.path}/{f.name}" if step.path else f.name, f.id)
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

from .._repr import one_line
from ..errors import ValidationError
from ..models.listing import Listing, stepwise_listing
from ..registry import ConnectionLike, get_connection
from . import _internals

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.entity import Entity, EntityHeader, EntityType

__all__ = ["WalkStep", "check_component", "walk"]

_FOLDER = "folder"
_WINDOW_PER_WORKER = 2


class WalkStep(NamedTuple):
    """One folder of a walk (like one ``(dirpath, dirnames, filenames)`` of :func:`os.walk`)."""

    path: str
    """The folder's path relative to the walked container, ``/``-separated; ``""`` for the container."""
    folder: EntityHeader
    """The folder (the container itself at the top)."""
    folders: list[EntityHeader]
    """Its sub-folders, in server order (by name)."""
    files: list[EntityHeader]
    """Its other children (files, tables, views, links... as ``include`` selects)."""

    def __repr__(self) -> str:
        return one_line(self, _row(self))


def check_component(name: str, entity_id: str | None = None) -> str:
    """Return ``name`` if it can be one local file or directory name; raise ValidationError otherwise.

    Names come from the server and are names, never paths: ``..``, separators, NUL and empty names are
    refused.
    """
    bad = (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or (os.sep in name)
        or (os.altsep is not None and os.altsep in name)
    )
    if bad:
        where = f" (entity {entity_id})" if entity_id else ""
        raise ValidationError("name", name, f"cannot be used as a local file or directory name{where}")
    return name


def _types(include: Iterable[EntityType | str] | None) -> list[str]:
    from ..models.entity import EntityType

    if include is None:
        return [t for t in _internals.CHILD_TYPES if t != _FOLDER]
    if isinstance(include, (str, EntityType)):
        include = [include]
    out: list[str] = []
    for item in include:
        try:
            kind = item.value if isinstance(item, EntityType) else EntityType(str(item).lower()).value
        except ValueError:
            raise ValidationError(
                "include", item, "not an entity type (file, table, link, entityview...)"
            ) from None
        if kind not in (_FOLDER, "project") and kind not in out:
            out.append(kind)
    return out


def root_header(conn: Connection, container: Entity | str) -> EntityHeader:
    """The header of a project or folder given as an entity or an id (one request for an id).

    Raises:
        ValidationError: Not an id, not visible, or not a project or folder.
    """
    from ..models.entity import Entity

    if isinstance(container, Entity):
        if container.id is None:
            raise ValidationError("container", container.name, "store() it first: it has no id")
        entity_id = container.id
    else:
        entity_id = _internals.parse_entity_id(container, "container")[0]
    found = _internals.entity_headers(conn, [entity_id]).get(entity_id)
    _internals.require_container(found, "container", container if isinstance(container, str) else entity_id)
    assert found is not None
    return _internals.header(found, conn)


def iter_tree(
    conn: Connection,
    top: EntityHeader,
    types: list[str],
    *,
    max_workers: int = 8,
    on_bad_folder: Callable[[EntityHeader, str, ValidationError], None] | None = None,
) -> Iterator[WalkStep]:
    """Walk breadth-first from ``top``, listing up to ``2 * max_workers`` folders ahead, yielding in order.

    A sub-folder whose name cannot be a directory name is passed to ``on_bad_folder(header, parent path,
    error)`` and not entered (raised when there is no callback).
    """
    wanted = [_FOLDER, *types]

    def listing(folder_id: str) -> tuple[list[EntityHeader], list[EntityHeader]]:
        folders: list[EntityHeader] = []
        others: list[EntityHeader] = []
        for item in _internals.children(conn, folder_id, wanted):
            header = _internals.header(item, conn)
            (folders if header.type == _internals.FOLDER_TYPE else others).append(header)
        return folders, others

    window = max(1, max_workers) * _WINDOW_PER_WORKER
    queue: deque[tuple[str, EntityHeader]] = deque([("", top)])
    running: deque[tuple[str, EntityHeader, Future[Any]]] = deque()
    pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="synapse-walk")
    try:
        while queue or running:
            while queue and len(running) < window:
                path, header = queue.popleft()
                running.append((path, header, pool.submit(listing, header.id)))
            path, header, future = running.popleft()
            folders, others = future.result()
            kept: list[EntityHeader] = []
            for sub in folders:
                try:
                    name = check_component(sub.name, sub.id)
                except ValidationError as exc:
                    if on_bad_folder is None:
                        raise
                    on_bad_folder(sub, path, exc)
                    continue
                kept.append(sub)
                queue.append((f"{path}/{name}" if path else name, sub))
            yield WalkStep(path, header, kept, others)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def walk(
    container: Entity | str,
    *,
    include: Iterable[EntityType | str] | None = None,
    max_workers: int = 8,
    connection: ConnectionLike | None = None,
) -> Listing[WalkStep]:
    """Walk a project or folder tree, top-down and breadth-first, like :func:`os.walk`.

    Each step is a :class:`WalkStep` ``(path, folder, folders, files)``: the folder's path relative to the
    container (``""``, ``"raw"``, ``"raw/fastq"``), its header, its sub-folder headers and its other children.
    Listing costs one ``POST /entity/children`` per 50 children of each folder; sibling folders are listed
    concurrently (``max_workers``) and yielded in order. (``Entity.walk()`` keeps its older 3-tuples.) Nothing
    is fetched until the walk is iterated; in a notebook it shows its first step.

    Args:
        container: A project or folder, or its id.
        include: Which other children to list (``"file"``, ``"table"``, ``EntityType.LINK``...; default all).
        max_workers: Folder listings in flight at once.
        connection: The connection to use.

    Raises:
        ValidationError: A bad argument (at once); ``container`` is not a project or folder you can see, or a
            folder's name cannot be a local directory name (names from the server are never used as paths),
            when the walk is iterated.
    """
    if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
        raise ValidationError("max_workers", max_workers, "a positive integer")
    types = _types(include)
    from ..models.entity import Entity

    conn = get_connection(connection, bound=container.connection if isinstance(container, Entity) else None)
    if isinstance(container, Entity):
        if container.id is None:
            raise ValidationError("container", container.name, "store() it first: it has no id")
        what = f"{container.name} ({container.id})" if container.name else container.id
    else:
        what = _internals.parse_entity_id(container, "container")[0]

    def steps() -> Iterator[WalkStep]:
        return iter_tree(conn, root_header(conn, container), types, max_workers=max_workers)

    return stepwise_listing(f"walk of {what}", steps, connection=conn,
                            row=lambda step: [("path", step.path or "."), *_row(step)[1:]])


def _row(step: WalkStep) -> list[tuple[str, object]]:
    """A step as a row (and its repr): the folder's path and id, and the names of its children."""
    return [("path", step.path), ("folder", step.folder.id), ("folders", [f.name for f in step.folders]),
            ("files", [f.name for f in step.files])]
