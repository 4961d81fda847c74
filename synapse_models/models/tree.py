"""The entity tree: the kinds of entity, the light headers listings return, and walking containers.

Walking lists each folder once per page of 50 children (``POST /entity/children``), breadth first, with
sibling folders listed ahead of time on a few threads and yielded in order, so memory holds only the
folders listed ahead. Every folder gets its path relative to the walked container, built from entity names;
a name that cannot be one local file or directory name (``..``, a separator, NUL) raises
:class:`~synapse_models.ValidationError`: names from the server are names, never paths.
"""

from __future__ import annotations

import enum
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import attrs

from .._convert import LOCAL, from_wire, to_wire
from .._repr import one_line
from ..connection import Connection
from ..errors import ValidationError
from ..registry import ConnectionLike
from ._args import as_list
from ._html import Displayed
from ._wire import EntityChildrenRequest
from .ids import StandsForEntity, parse_entity_id
from .listing import Listing, stepwise_listing, token_listing

if TYPE_CHECKING:
    from .entity import Entity

__all__ = ["EntityHeader", "EntityType", "WalkStep", "check_component", "children", "link_target", "walk"]

FOLDER_TYPE = "org.sagebionetworks.repo.model.Folder"
LINK_TYPE = "org.sagebionetworks.repo.model.Link"
_WINDOW_PER_WORKER = 2


class EntityType(enum.Enum):
    """The kinds of entity, as the REST API names them (``includeTypes``, view scopes)."""

    PROJECT = "project"
    FOLDER = "folder"
    FILE = "file"
    TABLE = "table"
    LINK = "link"
    ENTITY_VIEW = "entityview"
    DOCKER_REPO = "dockerrepo"
    SUBMISSION_VIEW = "submissionview"
    DATASET = "dataset"
    DATASET_COLLECTION = "datasetcollection"
    MATERIALIZED_VIEW = "materializedview"
    VIRTUAL_TABLE = "virtualtable"


@attrs.define(kw_only=True, eq=False)
class EntityHeader(StandsForEntity, Displayed):
    """A light reference to an entity, as listings return it; :meth:`get` loads the whole entity. It may be
    passed wherever an entity id is expected."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "entity_type", "version_number")
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("name", "id", "entity_type", "version_number", "modified_on")

    id: str
    name: str
    type: str
    version_number: int | None = None
    benefactor_id: int | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
    path: str | None = attrs.field(default=None, repr=False, metadata={LOCAL: True})
    """In a walk, a folder's path relative to the walked container (``""`` for the container itself,
    ``"raw/fastq"`` below it); ``None`` elsewhere."""
    _connection: Connection | None = attrs.field(
        default=None, repr=False, alias="_connection", metadata={LOCAL: True}
    )

    def _entity_ref(self, field: str) -> tuple[str, int | None]:
        return self.id, None

    @property
    def entity_type(self) -> str:
        """The class name of the entity type (``Folder``, ``FileEntity``, ``TableEntity``...)."""
        return self.type.rsplit(".", 1)[-1]

    def get(self, *, connection: ConnectionLike | None = None) -> Entity:
        """Load the full entity."""
        from .entity import Entity  # the entity model loads on first use; it lists its children as headers

        return Entity.get(self.id, connection=connection or self._connection)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EntityHeader) and (self.id, self.name) == (other.id, other.name)

    def __hash__(self) -> int:
        return hash(self.id)


def entity_types(value: object, field: str = "types") -> list[EntityType] | None:
    """``types=`` as a list of :class:`EntityType` (``None``: not given); ValidationError naming ``field``."""
    if value is None:
        return None
    kinds: list[EntityType] = []
    for item in as_list(value, field, one=(str, EntityType)):
        try:
            kinds.append(item if isinstance(item, EntityType) else EntityType(str(item).lower()))
        except ValueError:
            raise ValidationError(field, item, "not an entity type (file, folder, table...)") from None
    return kinds or None


def children(
    conn: Connection, parent_id: str, types: list[EntityType] | None = None, *, label: str | None = None
) -> Listing[EntityHeader]:
    """The children of a container, lazily, page by page (all types but projects, unless ``types``);
    ``label`` names the container on display (its id by default)."""
    wanted = types or [t for t in EntityType if t is not EntityType.PROJECT]
    request = EntityChildrenRequest(parent_id=parent_id, include_types=[t.value for t in wanted])

    def header(item: Any) -> EntityHeader:
        found = from_wire(EntityHeader, item)
        found._connection = conn
        return found

    what = f"children of {label or parent_id}"
    return token_listing(
        conn,
        what,
        "POST",
        "/entity/children",
        to_wire(request),
        header,
        count_field="includeTotalChildCount",
        total_key="totalChildCount",
    )


class WalkStep(NamedTuple):
    """One folder of a walk (like one ``(dirpath, dirnames, filenames)`` of :func:`os.walk`)."""

    path: str
    """The folder's path relative to the walked container, ``/``-separated; ``""`` for the container."""
    folder: EntityHeader
    """The folder (the container itself at the top); its ``path`` is set too."""
    folders: list[EntityHeader]
    """Its sub-folders, in server order (by name)."""
    files: list[EntityHeader]
    """Its other children (files, tables, views, links... as the walk's types select)."""

    def __repr__(self) -> str:
        return one_line(self, walk_row(self))


def walk_row(step: WalkStep) -> list[tuple[str, object]]:
    """A step as a row (and its repr): the folder's path and id, and the names of its children."""
    return [
        ("path", step.path),
        ("folder", step.folder.id),
        ("folders", [f.name for f in step.folders]),
        ("files", [f.name for f in step.files]),
    ]


def check_component(name: str, entity_id: str | None = None) -> str:
    """Return ``name`` if it can be one local file or directory name; raise ValidationError otherwise.

    Names come from the server and are names, never paths: ``.``, ``..``, separators, NUL and empty names
    are refused.
    """
    bad = (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or os.sep in name
        or (os.altsep is not None and os.altsep in name)
    )
    if bad:
        where = f" (entity {entity_id})" if entity_id else ""
        raise ValidationError("name", name, f"cannot be used as a local file or directory name{where}")
    return name


def link_target(conn: Connection, entity_id: str, version: int | None) -> tuple[str, int | None]:
    """The entity (and version) a Link points to, one request; any other entity is itself."""
    entity = conn.get(f"/entity/{entity_id}" + (f"/version/{version}" if version else ""))
    target = entity.get("linksTo") if entity.get("concreteType") == LINK_TYPE else None
    if not target:
        return entity_id, version
    return parse_entity_id(target.get("targetId"), "linksTo")[0], target.get("targetVersionNumber")


def walk(
    conn: Connection,
    top: EntityHeader,
    types: list[EntityType] | None = None,
    *,
    max_workers: int = 8,
    on_bad_folder: Callable[[EntityHeader, str, ValidationError], None] | None = None,
) -> Iterator[WalkStep]:
    """Walk the tree under ``top`` breadth-first (see the module docstring): one :class:`WalkStep` a folder.

    Args:
        conn: The connection.
        top: The container to walk (its ``path`` becomes ``""``).
        types: The children to list besides folders (default: every type but projects; ``[]``: folders
            only).
        max_workers: Folder listings in flight at once (``2 * max_workers`` folders are listed ahead).
        on_bad_folder: Called with ``(header, parent path, error)`` for a sub-folder whose name cannot be a
            directory name; that folder is not entered. Without it the error is raised.
    """
    others = list(EntityType) if types is None else types
    wanted = [EntityType.FOLDER, *(t for t in others if t not in (EntityType.FOLDER, EntityType.PROJECT))]

    def listing(folder_id: str) -> tuple[list[EntityHeader], list[EntityHeader]]:
        folders: list[EntityHeader] = []
        others: list[EntityHeader] = []
        for header in children(conn, folder_id, wanted):
            (folders if header.type == FOLDER_TYPE else others).append(header)
        return folders, others

    window = max(1, max_workers) * _WINDOW_PER_WORKER
    top.path = ""
    queue: deque[EntityHeader] = deque([top])
    running: deque[tuple[EntityHeader, Future[Any]]] = deque()
    pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="synapse-walk")
    try:
        while queue or running:
            while queue and len(running) < window:
                header = queue.popleft()
                running.append((header, pool.submit(listing, header.id)))
            header, future = running.popleft()
            folders, others = future.result()
            path = header.path or ""
            kept: list[EntityHeader] = []
            for sub in folders:
                try:
                    name = check_component(sub.name, sub.id)
                except ValidationError as exc:
                    if on_bad_folder is None:
                        raise
                    on_bad_folder(sub, path, exc)
                    continue
                sub.path = f"{path}/{name}" if path else name
                kept.append(sub)
                queue.append(sub)
            yield WalkStep(path, header, kept, others)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def walk_listing(
    conn: Connection, top: EntityHeader, types: list[EntityType] | None, *, max_workers: int = 8
) -> Listing[tuple[EntityHeader, list[EntityHeader], list[EntityHeader]]]:
    """:func:`walk` as ``(container, folders, non_folders)`` tuples, lazily: what ``Entity.walk`` returns."""

    def steps() -> Iterator[tuple[EntityHeader, list[EntityHeader], list[EntityHeader]]]:
        for step in walk(conn, top, types, max_workers=max_workers):
            yield step.folder, step.folders, step.files

    return stepwise_listing(
        f"walk of {top.name} ({top.id})",
        steps,
        connection=conn,
        row=lambda step: [
            ("container", f"{step[0].name} ({step[0].id})"),
            ("folders", [f.name for f in step[1]]),
            ("others", [o.name for o in step[2]]),
        ],
    )
