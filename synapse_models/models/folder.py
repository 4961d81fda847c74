"""Folders: containers for files, tables and other folders."""

from __future__ import annotations

from typing import ClassVar

import attrs

from .entity import Entity, EntityType
from .schema_validation import SchemaContainer

__all__ = ["Folder"]


@attrs.define(kw_only=True)
class Folder(Entity, SchemaContainer):
    """A container for files, tables and other folders, inside a project or another folder.

    Example:
        >>> raw = Folder(name="raw", parent=project, annotations={"stage": "raw"}).store()
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.Folder"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.FOLDER
