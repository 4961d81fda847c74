"""The base of every entity (Project, Folder, File, Table, View...) and its verbs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar

import attrs

from .._convert import (
    LOCAL,
    READ_ONLY,
    concrete_type,
    from_wire,
    register_union,
    set_union_loader,
    to_wire,
)
from .._repr import clip
from ..connection import Connection
from ..credentials import resolve_endpoints
from ..errors import PreconditionFailedError, ValidationError
from ..registry import ConnectionLike, get_connection, known_connection
from . import tree
from ._entity_fields import check_description, check_name, optional_id, parent_id_of
from ._entity_update import rebase, send_changes
from ._html import escape, grid, section, value_html
from ._stored import Stored, guard_unknown_attributes
from ._wire import (
    AnnotationsBody,
    EntityBundle,
    EntityBundleCreate,
    EntityBundleRequest,
    EntityChildRequest,
    IdRef,
)
from .acl import EntityShareable
from .annotations import Annotations, to_annotations
from .ids import StandsForEntity, parse_entity_id
from .listing import Listing
from .schema_validation import SchemaBound
from .tree import EntityHeader, EntityType

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..sync.copy import CopyOptions
    from ..sync.results import CopyResults

__all__ = [
    "Entity",
    "EntityHeader",
    "EntityLike",
    "EntityType",
    "UnknownEntity",
    "Versionable",
    "parse_entity_id",
]

E = TypeVar("E", bound="Entity")

EntityLike: TypeAlias = "Entity | EntityHeader | str"
"""What a verb taking an entity accepts: the entity, its header (from a listing) or its id (``"syn123"``)."""


@attrs.define(kw_only=True)
class Entity(Stored, EntityShareable, SchemaBound, StandsForEntity):
    """Fields and verbs shared by every entity.

    Use a concrete class (:class:`~synapse_models.Project`, :class:`~synapse_models.Folder`, ...);
    ``Entity.get("syn1")`` returns whichever type the id is.
    """

    CONCRETE_TYPE: ClassVar[str] = ""
    ENTITY_TYPE: ClassVar[EntityType | None] = None
    _RESEND_AMBIGUOUS_CREATE: ClassVar[bool] = True
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "version_number", "parent_id")
    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag", "annotations"})

    id: str | None = attrs.field(default=None, converter=optional_id)
    """The Synapse id (``syn123``); ``None`` until stored."""
    name: str | None = attrs.field(default=None, validator=check_name)
    """The name, unique among the parent's children."""
    description: str | None = attrs.field(default=None, validator=check_description)
    """Free text, at most 1000 characters."""
    parent_id: str | None = attrs.field(default=None, alias="parent", converter=parent_id_of)
    """The container's id; ``parent=`` takes the container object or its id. Change it to move the entity."""
    etag: str | None = None
    """The version of the server state this object reflects; sent on update to detect conflicts."""
    annotations: Annotations = attrs.field(
        factory=Annotations, converter=to_annotations, metadata={LOCAL: True}
    )
    """Typed annotations, stored and loaded with the entity."""
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """When the entity was created (UTC)."""
    created_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The principal id of the creator."""
    modified_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """When the entity was last changed (UTC)."""
    modified_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The principal id of the last modifier."""

    @classmethod
    def __attrs_init_subclass__(cls) -> None:
        super().__attrs_init_subclass__()
        register_union(Entity, cls, fallback=cls.__name__ == "UnknownEntity")

    def _entity_ref(self, field: str) -> tuple[str, int | None]:
        if self.id is None:
            raise ValidationError(
                field, self.name, f"this {type(self).__name__} has no id yet; store() it first"
            )
        return self.id, None

    @property
    def parent(self) -> str | None:
        """The parent's id (set it to an entity or an id to move this entity on the next store())."""
        return self.parent_id

    @parent.setter
    def parent(self, value: EntityLike | None) -> None:
        self.parent_id = parent_id_of(value)

    @property
    def connection(self) -> Connection | None:
        """The connection this object was loaded or stored through."""
        return self._connection

    @property
    def web_url(self) -> str | None:
        """The address of the entity's page on the Synapse web site (what ``synapse-models onweb`` prints), on
        the site of the connection it came from; ``None`` until stored. No request is made."""
        if self.id is None:
            return None
        conn = known_connection(self._connection)
        endpoints = conn.endpoints if conn is not None else resolve_endpoints()
        return endpoints.entity_page(self.id)

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def get(
        cls: type[E],
        id: EntityLike | None = None,
        *,
        name: str | None = None,
        parent: EntityLike | None = None,
        follow_link: bool = False,
        connection: ConnectionLike | None = None,
    ) -> E:
        """Load an entity by id, or by name (and parent; no parent means a project name).

        Args:
            id: The entity (``"syn123"``, or an entity object or header).
            name: Look the entity up by name instead (with ``parent``; no parent means a project name).
            parent: The container to look ``name`` up in.
            follow_link: When the entity is a :class:`~synapse_models.Link`, load the entity it points to
                instead (one more request).
            connection: The connection to use.

        Raises:
            ValidationError: The id is malformed, or it names an entity of another type.
            NotFoundError: No such entity, or you cannot see it.
        """
        conn = get_connection(connection)
        entity_id, _ = cls._locate(conn, id, name, parent)
        version = None
        if follow_link:
            entity_id, version = tree.link_target(conn, entity_id, None)
        where = f"/entity/{entity_id}" + (f"/version/{version}" if version else "")
        bundle = _bundle(conn, where, EntityBundleRequest())
        return cls._from_bundle(bundle, conn, requested=id or name)

    @classmethod
    def _locate(
        cls, conn: Connection, id: EntityLike | None, name: str | None, parent: EntityLike | None
    ) -> tuple[str, int | None]:
        """The id (and the version an id names) of the entity a ``get()`` asks for."""
        if id is not None:
            return parse_entity_id(id)
        if name is None:
            raise ValidationError("id", None, "give an id, or a name (and parent)")
        return cls._lookup(conn, name, parent_id_of(parent)), None

    @classmethod
    def _from_bundle(cls: type[E], bundle: EntityBundle, conn: Connection, requested: object = None) -> E:
        obj = from_wire(Entity, bundle.entity)
        if not isinstance(obj, cls):
            raise ValidationError("id", requested, f"is a {type(obj).__name__}, not a {cls.__name__}")
        obj.annotations = Annotations.from_body(bundle.annotations)
        obj._loaded(conn)
        return obj

    @staticmethod
    def _lookup(conn: Connection, name: str, parent_id: str | None) -> str:
        found = conn.post("/entity/child", to_wire(EntityChildRequest(parent_id=parent_id, entity_name=name)))
        return from_wire(IdRef, found).id

    def children(
        self,
        types: Iterable[EntityType | str] | None = None,
        *,
        connection: ConnectionLike | None = None,
    ) -> Listing[EntityHeader]:
        """The direct children, lazily, page by page (all types unless ``types`` is given); in a notebook, a
        table of the first page with the number of children."""
        conn = self._conn(connection)
        if self.id is None:
            raise ValidationError("id", None, f"this {type(self).__name__} is not stored yet")
        wanted = tree.entity_types(types)
        label = f"{clip(self.name, 40)} ({self.id})" if self.name else None
        return tree.children(conn, self.id, wanted, label=label)

    def walk(
        self,
        types: Iterable[EntityType | str] | None = None,
        *,
        max_workers: int = 8,
        connection: ConnectionLike | None = None,
    ) -> Listing[tuple[EntityHeader, list[EntityHeader], list[EntityHeader]]]:
        """Walk the tree like :func:`os.walk`: ``(container, folders, non_folders)``, top-down.

        Breadth first, one ``POST /entity/children`` per 50 children, sibling folders listed ahead on
        ``max_workers`` threads. Each container's ``path`` is its path relative to this entity (``""``,
        ``"raw"``, ``"raw/fastq"``); :func:`synapse_models.walk` is the same walk with the path first.
        Nothing is fetched until it is iterated; in a notebook it shows its first step.

        Args:
            types: The children to list besides folders (default: every type but projects).
            max_workers: Folder listings in flight at once.
            connection: The connection to use.

        Raises:
            ValidationError: This entity is not stored, or a folder's name cannot be a local directory
                name (``..``): names from the server are never used as paths.
        """
        conn = self._conn(connection)
        if self.id is None:
            raise ValidationError("id", None, f"this {type(self).__name__} is not stored yet")
        top = EntityHeader(id=self.id, name=str(self.name), type=self.CONCRETE_TYPE, _connection=conn)
        return tree.walk_listing(conn, top, tree.entity_types(types), max_workers=max_workers)

    def copy(self, destination: Entity | str, **options: Unpack[CopyOptions]) -> CopyResults:
        """Copy this entity (a folder or project with everything in it) into ``destination``; no file bytes
        move. The same as :func:`synapse_models.copy` with this entity as the source: the same options
        (``versions``, ``wikis``, ``tables``, ``on_clash``, ``executor``...) and one result per item.
        """
        from ..sync.copy import copy  # the bulk layer builds on this model

        return copy(self, destination, **options)

    # -- writing -------------------------------------------------------------------------------------

    def store(self: E, *, connection: ConnectionLike | None = None, create_or_update: bool = True) -> E:
        """Create the entity, or update it if it has an id (or a same-named sibling exists).

        Annotations are stored with it. Nothing is sent when nothing changed since the last
        ``get()``/``store()``.

        Args:
            connection: The connection to use (object or registered name).
            create_or_update: When creating and a sibling has the same name, update that one (the
                official client's default). ``False`` raises ConflictError instead.

        Raises:
            ValidationError: A required field is missing or a value is invalid (before any request).
            PreconditionFailedError: Someone changed the entity since you read it (stale etag).
            ConflictError: The name is taken and ``create_or_update`` is False.
        """
        conn = self._conn(connection)
        self._check_storable()
        self._before_store(conn)
        self._write(conn, create_or_update=create_or_update)
        self._after_store(conn)
        return self._loaded(conn)

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Move the entity (and everything under it) to the trash can."""
        conn = self._conn(connection)
        if self.id is None:
            raise ValidationError("id", None, "cannot delete an entity that was never stored")
        conn.delete(f"/entity/{self.id}")
        self._forget()

    def _check_storable(self) -> None:
        if self.parent_id is None:
            raise ValidationError(
                "parent", None, f"a {type(self).__name__} needs a parent (a project or folder)"
            )

    def _before_store(self, conn: Connection) -> None:
        """Hook: work to do before the entity itself is written (e.g. uploading file content)."""

    def _after_store(self, conn: Connection) -> None:
        """Hook: work to do after the entity is written (e.g. provenance)."""

    def _store_params(self) -> dict[str, Any]:
        """Hook: query parameters for the entity POST/PUT (``newVersion``, ``generatedBy``)."""
        return {}

    # -- life cycle hooks (see _stored.py): an entity and its annotations are two server objects ----------

    def _state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return to_wire(self), self.annotations.to_dict()

    def _is_new(self) -> bool:
        return self.id is None

    def _create(self, conn: Connection) -> None:
        body = to_wire(self)
        if self.annotations:
            request = EntityBundleCreate(entity=body, annotations=self.annotations.to_body(None, None))
            created = from_wire(
                EntityBundle,
                conn.post("/entity/bundle2/create", to_wire(request), params=self._store_params()),
            )
            self._apply(created.entity, created.annotations)
        else:
            self._apply(conn.post("/entity", body, params=self._store_params()), None)

    def _find_existing(self, conn: Connection) -> Entity | None:
        """The same-named sibling a create collided with (its type is checked by the life cycle)."""
        if self.name is None:
            return None
        existing_id = self._lookup(conn, self.name, self.parent_id)
        return Entity._from_bundle(_bundle(conn, f"/entity/{existing_id}", EntityBundleRequest()), conn)

    def _merge_existing(self, remote: Entity) -> None:
        merged = remote.annotations.copy()
        for key, values in self.annotations.items():
            merged[key] = values
        self.annotations = merged

    def _update(self, conn: Connection) -> None:
        try:
            send_changes(self, conn)
        except PreconditionFailedError as stale:
            landed = rebase(self, conn, stale)
            send_changes(self, conn, with_params=not landed)

    def _apply(self, entity_json: dict[str, Any], annotations: AnnotationsBody | None) -> None:
        """Take the server's answer as the new state of the wire fields (and unknown ones); client-side
        fields (local files, pending rows, annotations unless the server sent some) are left as they are."""
        self._take(from_wire(type(self), entity_json))
        if annotations is not None:
            self.annotations = Annotations.from_body(annotations)
            self.etag = annotations.etag or self.etag
        self._snapshot()

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        if not self.annotations:
            return []
        rows = [(escape(key), value_html(values)) for key, values in self.annotations.items()]
        return [section("annotations", grid(["key", "values"], rows))]


guard_unknown_attributes(Entity)  # its subclasses are guarded as they are defined


@attrs.define(kw_only=True)
class Versionable(Entity):
    """Fields of entities that keep versions (files, tables, views)."""

    version_number: int | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The version this object reflects (1-based)."""
    version_label: str | None = None
    """A label for the version; defaults to its number."""
    version_comment: str | None = None
    """A comment on the version."""
    is_latest_version: bool | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """Whether this is the current version."""


@attrs.define(kw_only=True)
class UnknownEntity(Entity):
    """An entity of a type this library does not model yet; its fields are kept and sent back intact."""

    def _check_storable(self) -> None:
        if concrete_type(self) is None:
            raise ValidationError("concreteType", None, "an unknown entity can only be stored after get()")


def _bundle(conn: Connection, where: str, request: EntityBundleRequest) -> EntityBundle:
    """``POST {where}/bundle2``: the entity (or entity version) with the parts ``request`` asks for."""
    return from_wire(EntityBundle, conn.post(f"{where}/bundle2", to_wire(request)))


def _load_entity_types() -> None:
    """Import every model module, so that each entity class there joins the concreteType union."""
    import importlib
    import pkgutil

    package = importlib.import_module(__package__ or "synapse_models.models")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")


# Entity types load on first use (see synapse_models/__init__.py); the first concreteType nobody has
# registered yet imports them all.
set_union_loader(Entity, _load_entity_types)
