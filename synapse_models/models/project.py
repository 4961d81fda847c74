"""Projects: the top-level containers of Synapse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from .._convert import from_wire
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from .entity import Entity, EntityHeader, EntityType
from .schema_validation import SchemaContainer

__all__ = ["Project"]


@attrs.define(kw_only=True)
class Project(Entity, SchemaContainer):
    """A top-level container; its name is unique across all of Synapse.

    Example:
        >>> project = Project(name="RNA-seq pilot", annotations={"grant": "U01-1234"}).store()
        >>> Project.get(name="RNA-seq pilot").id == project.id
        True
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.Project"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.PROJECT

    alias: str | None = None
    """A unique short name for friendly URLs (letters, digits and ``_``)."""

    @classmethod
    def list_mine(cls, *, created_only: bool = False,
                  connection: ConnectionLike | None = None) -> Iterator[EntityHeader]:
        """Iterate the projects you can see through your own or your teams' access, most recently active
        first, lazily, page by page (``GET /projects``); each header's ``get()`` loads the project.

        Args:
            created_only: Only the projects you created.
            connection: The connection to use.
        """
        conn = get_connection(connection)
        params = {"filter": "CREATED" if created_only else "ALL"}
        for item in conn.iter_token("GET", "/projects", items_key="results", params=params):
            header = from_wire(EntityHeader, {**item, "type": cls.CONCRETE_TYPE})
            header._connection = conn
            yield header

    def _check_storable(self) -> None:
        if self.name is None and self.id is None:
            raise ValidationError("name", None, "a new Project needs a name")
