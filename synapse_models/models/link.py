"""Links: entities that point to another entity, like a shortcut to a file or folder kept elsewhere.

Example:
    >>> shortcut = Link(target=counts, parent=shared_folder).store()   # named after its target
    >>> shortcut.follow()                                               # the File it points to
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from .._convert import from_wire
from ..connection import Connection
from ..errors import ValidationError
from ..registry import ConnectionLike
from ._wire import EntityBundleRequest, EntityVersion
from .activity import Reference
from .entity import Entity, EntityLike, _bundle
from .ids import parse_entity_id
from .tree import EntityType

__all__ = ["Link"]


def _reference(value: Reference | EntityLike | None) -> Reference | None:
    """``target=``: an entity, its header or ``"syn123"`` (current version), or ``"syn123.4"``."""
    if value is None or isinstance(value, Reference):
        return value
    entity_id, version = parse_entity_id(value, "target")
    return Reference(target_id=entity_id, target_version_number=version)


@attrs.define(kw_only=True)
class Link(Entity):
    """An entity that points to another one (a file, folder, table... anywhere you can read).

    A link is named after its target unless given a name, and records the target's type. It points to the
    target's current version, or to a fixed one with ``target="syn123.4"``.

    Example:
        >>> Link(target="syn123", parent=folder).store().follow()
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.Link"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.LINK

    links_to: Reference | None = attrs.field(default=None, alias="target", converter=_reference)
    """What the link points to; ``target=`` takes an entity, its header, ``"syn123"`` or ``"syn123.4"``."""
    links_to_class_name: str | None = None
    """The target's type (its ``concreteType``), recorded when the link is created."""

    @property
    def target_id(self) -> str | None:
        """The id of the entity the link points to."""
        return self.links_to.target_id if self.links_to is not None else None

    @property
    def target_version(self) -> int | None:
        """The version the link points to, or ``None`` for the target's current version."""
        return self.links_to.target_version_number if self.links_to is not None else None

    def follow(self, *, download: bool = False, connection: ConnectionLike | None = None) -> Entity:
        """The entity this link points to (the version it names, if any).

        Args:
            download: For a file, download its content too (as ``File.get`` does).
            connection: The connection to use.

        Raises:
            ValidationError: The link has no target.
            NotFoundError: The target no longer exists, or you cannot see it.
        """
        if self.links_to is None:
            raise ValidationError("target", None, "this Link points nowhere yet")
        conn = self._conn(connection)
        from .file import File  # links to files are the common case; File.get loads their parts

        if self.links_to_class_name == File.CONCRETE_TYPE:
            return File.get(self.links_to.target_id, version=self.target_version, download=download,
                            connection=conn)
        version = self.target_version
        where = f"/entity/{self.links_to.target_id}" + (f"/version/{version}" if version else "")
        found = Entity._from_bundle(_bundle(conn, where, EntityBundleRequest()), conn)
        if isinstance(found, File):
            found = File.get(found.id, version=version, download=download, connection=conn)
        return found

    def _check_storable(self) -> None:
        super()._check_storable()
        if self.links_to is None:
            raise ValidationError("target", None, "a Link needs a target (an entity or its id)")

    def _before_store(self, conn: Connection) -> None:
        if self.id is not None or self.links_to is None:
            return
        # a new link records its target's type and, unless named, its name (as the official client does)
        version = self.links_to.target_version_number
        target = conn.get(f"/entity/{self.links_to.target_id}" + (f"/version/{version}" if version else ""))
        self.links_to_class_name = str(target.get("concreteType") or "") or None
        if self.name is None:
            if target.get("parentId") == self.parent_id:
                raise ValidationError("name", None, "a link next to its target needs a name of its own")
            self.name = str(target.get("name"))
        if version is not None:
            self.links_to.target_version_number = from_wire(EntityVersion, target).version_number
