"""Provenance: an :class:`Activity` records what an entity version was made from (``used``) and with
(``executed``).

Example:
    >>> run = Activity("align reads", used=[raw_file, "syn42.3"], executed=["https://github.com/org/aligner"])
    >>> File("aligned.bam", parent=folder, activity=run).store()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import LOCAL, READ_ONLY, UnionRoot, from_wire, to_wire
from ..connection import Connection
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from ._html import Displayed, grid, section, value_html
from ._stored import Stored
from .entity import Entity, EntityLike, Versionable
from .ids import StandsForEntity, parse_entity_id

__all__ = ["Activity", "Reference", "Used", "UsedEntity", "UsedURL"]

UsedInput = Any
"""An entity, ``"syn1"``, ``"syn1.2"``, ``(entity_or_id, version)``, a URL, or a :class:`Used`."""


@attrs.define(kw_only=True)
class Reference(Displayed):
    """A pointer to an entity, optionally to one of its versions."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("target_id", "target_version_number")

    target_id: str
    """The entity id (``syn123``)."""
    target_version_number: int | None = None
    """The version; ``None`` means the current one when it is recorded."""


@attrs.define(kw_only=True)
class Used(Displayed, UnionRoot):
    """One item of an activity's ``used`` list (see :class:`UsedEntity` and :class:`UsedURL`)."""

    CONCRETE_TYPE: ClassVar[str] = ""
    _UNION_FALLBACK: ClassVar[str] = "UnknownUsed"
    was_executed: bool = False
    """Whether the item was executed (code) rather than read (data)."""
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)


@attrs.define(kw_only=True)
class UsedEntity(Used):
    """An entity (version) that was used."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("reference", "was_executed")

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.provenance.UsedEntity"
    reference: Reference
    """The entity and version."""


@attrs.define(kw_only=True)
class UsedURL(Used):
    """A URL that was used (code on GitHub, a public dataset...)."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("url", "name", "was_executed")

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.provenance.UsedURL"
    url: str
    """The URL."""
    name: str | None = None
    """A display name; the URL by default."""


@attrs.define(kw_only=True)
class UnknownUsed(Used):
    """A used item of a type this library does not model; kept and sent back intact."""


def to_used(item: UsedInput, executed: bool, field: str) -> Used:
    """Turn one ``used``/``executed`` item into a :class:`Used`.

    Raises:
        ValidationError: The item is none of the accepted forms.
    """
    if isinstance(item, Used):
        if item.was_executed != executed and isinstance(item, (UsedEntity, UsedURL)):
            return attrs.evolve(item, was_executed=executed)
        return item
    version: object = None
    if isinstance(item, tuple):
        if len(item) != 2:
            raise ValidationError(field, item, "a tuple item is (entity or id, version)")
        item, version = item
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise ValidationError(field, version, "a version is a positive integer")
    if isinstance(item, str) and item.strip().lower().startswith(
        ("http://", "https://", "ftp://", "s3://", "file://")
    ):
        if version is not None:
            raise ValidationError(field, item, "a URL takes no version")
        return UsedURL(url=item.strip(), name=item.strip(), was_executed=executed)
    if isinstance(item, Entity):
        if item.id is None:
            raise ValidationError(field, item.name, "the entity has no id yet; store() it first")
        entity_id = item.id
        if version is None and isinstance(item, Versionable):
            version = item.version_number
    elif isinstance(item, (str, int, StandsForEntity)) and not isinstance(item, bool):
        entity_id, id_version = parse_entity_id(item, field)
        if id_version is not None:
            if version is not None and version != id_version:
                raise ValidationError(field, item, f"names version {id_version} and version {version}")
            version = id_version
    else:
        raise ValidationError(
            field,
            item,
            "expected an entity, 'syn123', 'syn123.4', (entity, version), a URL, UsedEntity or UsedURL",
        )
    return UsedEntity(
        reference=Reference(target_id=entity_id, target_version_number=version),  # type: ignore[arg-type]
        was_executed=executed,
    )


def _items(items: Iterable[UsedInput] | None, executed: bool) -> list[Used]:
    if items is None:
        return []
    single_version = isinstance(items, tuple) and len(items) == 2 and isinstance(items[1], int)
    if single_version or isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        items = [items]
    name = "executed" if executed else "used"
    return [to_used(item, executed, f"{name}[{n}]") for n, item in enumerate(items)]


def _used_items(items: Iterable[UsedInput] | None) -> list[Used]:
    return _items(items, False)


def _executed_items(items: Iterable[UsedInput] | None) -> list[Used]:
    return _items(items, True)


@attrs.define
class Activity(Stored):
    """How an entity version was made: the inputs it ``used`` and the code it ``executed``.

    Items may be entities, ``"syn1"``, ``"syn1.2"``, ``(entity, version)``, URLs, :class:`UsedEntity` or
    :class:`UsedURL`; bad items raise :class:`~synapse_models.ValidationError` immediately. An activity is
    stored with the entity it belongs to (``File(..., activity=...).store()``).
    """

    _ANSWER_FIELDS: ClassVar[tuple[str, ...]] = ("executed",)
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "used", "executed")
    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag", "used", "executed"})

    name: str | None = None
    """A short name for the step (``"align reads"``)."""
    description: str | None = None
    """Free text."""
    used: list[Used] = attrs.field(factory=list, converter=_used_items, kw_only=True)
    """What was read (data)."""
    executed: list[Used] = attrs.field(
        factory=list, converter=_executed_items, kw_only=True, metadata={LOCAL: True}
    )
    """What was run (code)."""
    id: str | None = attrs.field(default=None, kw_only=True)
    """The activity id; ``None`` until stored."""
    etag: str | None = attrs.field(default=None, kw_only=True, eq=False)
    """The version of the server state, sent on update."""
    created_on: datetime | None = attrs.field(default=None, init=False, eq=False, metadata={READ_ONLY: True})
    """When it was created (UTC)."""
    created_by: str | None = attrs.field(default=None, init=False, eq=False, metadata={READ_ONLY: True})
    """Its creator's principal id."""
    modified_on: datetime | None = attrs.field(default=None, init=False, eq=False, metadata={READ_ONLY: True})
    """When it was last changed (UTC)."""
    modified_by: str | None = attrs.field(default=None, init=False, eq=False, metadata={READ_ONLY: True})
    """The principal id of the last modifier."""

    # -- wire ----------------------------------------------------------------------------------------

    def to_wire(self) -> dict[str, Any]:
        """The request body (``used`` holds both lists, told apart by ``wasExecuted``)."""
        return to_wire(self, used=self.check())

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Activity:
        """Build an activity from a response body."""
        activity: Activity = from_wire(cls, data)
        items = from_wire(_UsedItems, data).used  # the converter of ``used`` takes every item as read
        activity.used = [i for i in items if not i.was_executed]
        activity.executed = [i for i in items if i.was_executed]
        activity._snapshot()
        return activity

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        both = (("used", self.used), ("executed", self.executed))
        rows = [(kind, value_html(_label(item))) for kind, items in both for item in items]
        return [section("inputs and code", grid(["", "entity or URL"], rows))] if rows else []

    def check(self) -> list[Used]:
        """Validate every item (also those appended after construction) and return the wire order."""
        used = _used_items(self.used)
        executed = _executed_items(self.executed)
        return [*used, *executed]

    @property
    def changed(self) -> bool:
        """Whether it differs from what was last read from or written to the server."""
        return self._changed(self.to_wire())

    # -- verbs ---------------------------------------------------------------------------------------

    @classmethod
    def get(
        cls, entity: EntityLike, version: int | None = None, *, connection: ConnectionLike | None = None
    ) -> Activity:
        """The activity that generated an entity (a given version, or the one the id or object names).

        Raises:
            NotFoundError: The entity (version) has no provenance, or does not exist.
        """
        bound = entity.connection if isinstance(entity, Entity) else None
        conn = get_connection(connection, bound=bound)
        if isinstance(entity, Entity):
            if entity.id is None:
                raise ValidationError("entity", entity.name, "the entity has no id yet; store() it first")
            entity_id = entity.id
            if version is None and isinstance(entity, Versionable):
                version = entity.version_number
        else:
            entity_id, version_in_id = parse_entity_id(entity, "entity")
            version = version or version_in_id
        path = f"/entity/{entity_id}" + (f"/version/{version}" if version else "") + "/generatedBy"
        return cls.from_wire(conn.get(path))._loaded(conn)

    def store(self, *, connection: ConnectionLike | None = None) -> Activity:
        """Create the activity, or update it when it has an id (nothing is sent when unchanged)."""
        return self._write(get_connection(connection))

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete the activity; Synapse refuses (400) while an entity version still names it as provenance."""
        if self.id is None:
            raise ValidationError("id", None, "the activity was never stored")
        get_connection(connection).delete(f"/activity/{self.id}")
        self.id = None
        self._forget()

    # -- life cycle hooks (see _stored.py) -----------------------------------------------------------

    def _wire(self) -> dict[str, Any]:
        return self.to_wire()

    def _create_path(self) -> str:
        return "/activity"

    def _update_path(self) -> str:
        return f"/activity/{self.id}"

    def _from_answer(self, conn: Connection, data: Any) -> Activity:
        return Activity.from_wire(data)


def _label(item: Used) -> str:
    if isinstance(item, UsedEntity):
        version = item.reference.target_version_number
        return item.reference.target_id + (f" (version {version})" if version else "")
    if isinstance(item, UsedURL):
        return item.url if item.name in (None, item.url) else f"{item.name}: {item.url}"
    return type(item).__name__


@attrs.define(kw_only=True)
class _UsedItems:
    """The ``used`` list of an activity body, each item as its own class (``wasExecuted`` as sent)."""

    used: list[Used] = attrs.field(factory=list)
