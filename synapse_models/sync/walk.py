"""Walking a Synapse tree like :func:`os.walk`, with the local-style path of every folder.

Example:
    >>> for step in sm.walk("syn123"):
    ...     for f in step.files:
    ...         print(f"{step.path}/{f.name}" if step.path else f.name, f.id)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..errors import ValidationError
from ..models.listing import Listing, stepwise_listing
from ..models.tree import EntityHeader, EntityType, WalkStep, check_component, walk_row
from ..models.tree import entity_types as parse_entity_types
from ..models.tree import walk as walk_tree
from ..registry import ConnectionLike, get_connection
from . import _internals

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.entity import Entity

__all__ = ["WalkStep", "check_component", "root_header", "walk"]


def entity_types(include: Iterable[EntityType | str] | EntityType | str | None) -> list[EntityType]:
    """``include=`` as entity types besides folders (default: every type but projects and folders)."""
    if include is None:
        return [t for t in EntityType if t not in (EntityType.FOLDER, EntityType.PROJECT)]
    given = parse_entity_types(include, "include") or []
    return list(dict.fromkeys(k for k in given if k not in (EntityType.FOLDER, EntityType.PROJECT)))


def root_header(conn: Connection, container: Entity | str, *, files: bool = False) -> EntityHeader:
    """The header of a project or folder (or, with ``files``, a file) given as an entity or an id.

    Raises:
        ValidationError: Not an id, not visible, or not a container (or file).
    """
    from ..models.entity import Entity

    if isinstance(container, Entity):
        if container.id is None:
            raise ValidationError("container", container.name, "store() it first: it has no id")
        entity_id = container.id
    else:
        entity_id = _internals.parse_entity_id(container, "container")[0]
    found = _internals.entity_headers(conn, [entity_id]).get(entity_id)
    if not (files and found is not None and found.type == _internals.FILE_TYPE):
        _internals.require_container(found, "container", entity_id)
    assert found is not None
    return found


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
    concurrently (``max_workers``) and yielded in order. :meth:`Entity.walk() <synapse_models.Entity.walk>`
    is the same walk as ``(folder, folders, files)`` tuples, each folder carrying its ``path``.
    Nothing is fetched until the walk is iterated; in a notebook it shows its first step.

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
    types = entity_types(include)
    from ..models.entity import Entity

    conn = get_connection(connection, bound=container.connection if isinstance(container, Entity) else None)
    if isinstance(container, Entity):
        if container.id is None:
            raise ValidationError("container", container.name, "store() it first: it has no id")
        what = f"{container.name} ({container.id})" if container.name else container.id
    else:
        what = _internals.parse_entity_id(container, "container")[0]

    def steps() -> Iterator[WalkStep]:
        return walk_tree(conn, root_header(conn, container), types, max_workers=max_workers)

    return stepwise_listing(f"walk of {what}", steps, connection=conn,
                            row=lambda step: [("path", step.path or "."), *walk_row(step)[1:]])
