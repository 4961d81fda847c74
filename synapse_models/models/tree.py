"""The entity tree: the kinds of entity, the light headers listings return, and walking containers."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..connection import Connection
from ..registry import ConnectionLike
from ._wire import EntityChildrenRequest
from .ids import StandsForEntity, parse_entity_id

if TYPE_CHECKING:
    from .entity import Entity

__all__ = ["EntityHeader", "EntityType", "children", "link_target", "walk"]

LINK_TYPE = "org.sagebionetworks.repo.model.Link"


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
class EntityHeader(StandsForEntity):
    """A light reference to an entity, as listings return it; :meth:`get` loads the whole entity. It may be
    passed wherever an entity id is expected."""

    id: str
    name: str
    type: str
    version_number: int | None = None
    benefactor_id: int | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
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


def children(
    conn: Connection, parent_id: str, types: list[EntityType] | None = None
) -> Iterator[EntityHeader]:
    """The children of a container, lazily, page by page (all types but projects, unless ``types``)."""
    wanted = types or [t for t in EntityType if t is not EntityType.PROJECT]
    request = EntityChildrenRequest(parent_id=parent_id, include_types=[t.value for t in wanted])
    for item in conn.iter_token("POST", "/entity/children", to_wire(request)):
        header = from_wire(EntityHeader, item)
        header._connection = conn
        yield header


def link_target(conn: Connection, entity_id: str, version: int | None) -> tuple[str, int | None]:
    """The entity (and version) a Link points to, one request; any other entity is itself."""
    entity = conn.get(f"/entity/{entity_id}" + (f"/version/{version}" if version else ""))
    target = entity.get("linksTo") if entity.get("concreteType") == LINK_TYPE else None
    if not target:
        return entity_id, version
    return parse_entity_id(target.get("targetId"), "linksTo")[0], target.get("targetVersionNumber")


def walk(
    conn: Connection, top: EntityHeader
) -> Iterator[tuple[EntityHeader, list[EntityHeader], list[EntityHeader]]]:
    """Walk the tree under ``top`` like :func:`os.walk`: ``(container, folders, non_folders)``, top-down."""
    stack = [top]
    while stack:
        here = stack.pop()
        folders: list[EntityHeader] = []
        others: list[EntityHeader] = []
        for header in children(conn, here.id):
            (folders if header.entity_type == "Folder" else others).append(header)
        yield here, folders, others
        stack.extend(reversed(folders))
