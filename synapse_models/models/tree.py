"""The entity tree: the kinds of entity, the light headers listings return, and walking containers."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..connection import Connection
from ..registry import ConnectionLike
from ._html import Displayed
from ._wire import EntityChildrenRequest
from .listing import Listing, stepwise_listing, token_listing

if TYPE_CHECKING:
    from .entity import Entity

__all__ = ["EntityHeader", "EntityType", "children", "walk"]


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
class EntityHeader(Displayed):
    """A light reference to an entity, as listings return it; :meth:`get` loads the whole entity."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "entity_type", "version_number")
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("name", "id", "entity_type", "version_number", "modified_on")

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
    return token_listing(conn, what, "POST", "/entity/children", to_wire(request), header,
                         count_field="includeTotalChildCount", total_key="totalChildCount")


Step = tuple[EntityHeader, list[EntityHeader], list[EntityHeader]]


def walk(conn: Connection, top: EntityHeader) -> Listing[Step]:
    """Walk the tree under ``top`` like :func:`os.walk`: ``(container, folders, non_folders)``, top-down."""

    def steps() -> Iterator[Step]:
        stack = [top]
        while stack:
            here = stack.pop()
            folders: list[EntityHeader] = []
            others: list[EntityHeader] = []
            for header in children(conn, here.id):
                (folders if header.entity_type == "Folder" else others).append(header)
            yield here, folders, others
            stack.extend(reversed(folders))

    return stepwise_listing(f"walk of {top.name} ({top.id})", steps, connection=conn, row=_step_row)


def _step_row(step: Step) -> list[tuple[str, object]]:
    here, folders, others = step
    return [("container", f"{here.name} ({here.id})"), ("folders", [f.name for f in folders]),
            ("others", [o.name for o in others])]
