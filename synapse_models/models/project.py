"""Projects: the top-level containers of Synapse."""

from __future__ import annotations

from typing import ClassVar

import attrs

from ..errors import ValidationError
from .entity import Entity, EntityType
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

    def _check_storable(self) -> None:
        if self.name is None and self.id is None:
            raise ValidationError("name", None, "a new Project needs a name")
