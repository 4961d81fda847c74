"""Projects: the top-level containers of Synapse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs

from .._convert import from_wire
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from .entity import Entity, EntityHeader, EntityType
from .listing import Listing, Page
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
                  connection: ConnectionLike | None = None) -> Listing[EntityHeader]:
        """The projects you can see through your own or your teams' access, most recently active first, as
        a lazy listing (``GET /projects``, page by page; a notebook shows the first page as a table); each
        header's ``get()`` loads the project.

        Args:
            created_only: Only the projects you created.
            connection: The connection to use.
        """
        conn = get_connection(connection)
        params = {"filter": "CREATED" if created_only else "ALL"}

        def header(item: dict[str, object]) -> EntityHeader:
            found = from_wire(EntityHeader, {**item, "type": cls.CONCRETE_TYPE})
            found._connection = conn
            return found

        def pages(count: bool) -> Iterator[Page[EntityHeader]]:
            for answer in conn.token_pages("GET", "/projects", params=params):
                items = [header(item) for item in answer.get("results") or []]
                yield Page(items, None, bool(answer.get("nextPageToken")))

        what = "projects you created" if created_only else "projects you can see"
        return Listing(what, pages, connection=conn)

    def _check_storable(self) -> None:
        if self.name is None and self.id is None:
            raise ValidationError("name", None, "a new Project needs a name")
