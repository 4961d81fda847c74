"""The base of every entity (Project, Folder, File, Table, View...) and its verbs."""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import attrs

from .._convert import READ_ONLY, from_wire, register_lazy, register_union, to_wire, wire_field_names
from ..connection import Connection
from ..errors import ConflictError, ValidationError
from ..registry import ConnectionLike, get_connection
from .acl import EntityShareable
from .annotations import Annotations, to_annotations

__all__ = ["Entity", "EntityHeader", "EntityType", "UnknownEntity", "Versionable", "parse_entity_id"]

E = TypeVar("E", bound="Entity")

_ID = re.compile(r"^(?:syn)?(\d+)(?:\.(\d+))?$", re.IGNORECASE)
_NAME = re.compile(r"^[a-zA-Z0-9,_. \-+()']+$")
LOCAL = "synapse_models.local_only"
_BUNDLE_PARTS = {"includeEntity": True, "includeAnnotations": True}


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


def parse_entity_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """``"syn123.4"`` -> ``("syn123", 4)``; raises ValidationError for anything that is not an entity id."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"syn{value}", None
    match = _ID.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValidationError(
            field, value, "not a Synapse id (expected 'syn' followed by digits, e.g. 'syn123')"
        )
    version = int(match.group(2)) if match.group(2) else None
    return f"syn{match.group(1)}", version


def _optional_id(value: object) -> str | None:
    if value is None:
        return None
    entity_id, version = parse_entity_id(value)
    if version is not None:
        raise ValidationError("id", value, "an entity id here takes no version; use version=...")
    return entity_id


def entity_id_of(value: Entity | str | None, field: str) -> str | None:
    """An entity or an id (``"syn1"``, ``"SYN1"``, ``"1"``) as ``"syn1"``; ``field`` names it in errors."""
    if value is None:
        return None
    if isinstance(value, Entity):
        if value.id is None:
            raise ValidationError(field, value.name, f"the {field} has no id yet; store() it first")
        return value.id
    return parse_entity_id(value, field)[0]


def _parent_id(value: Entity | str | None) -> str | None:
    return entity_id_of(value, "parent")


def _check_name(_: object, __: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    stripped = value.strip()
    if not stripped or len(stripped) > 256:
        raise ValidationError("name", value, "names have 1 to 256 characters")
    if not _NAME.match(stripped):
        raise ValidationError(
            "name", value, "names may contain only letters, digits, spaces and , _ . - + ( ) '"
        )


def _check_description(_: object, __: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and len(value) > 1000:
        raise ValidationError("description", f"<{len(value)} characters>", "at most 1000 characters")


@attrs.define(kw_only=True, eq=False)
class EntityHeader:
    """A light reference to an entity, as listings return it; :meth:`get` loads the whole entity."""

    id: str
    name: str
    type: str
    version_number: int | None = None
    benefactor_id: int | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
    _connection: Connection | None = attrs.field(default=None, repr=False, alias="_connection")

    @property
    def entity_type(self) -> str:
        """The class name of the entity type (``Folder``, ``FileEntity``, ``TableEntity``...)."""
        return self.type.rsplit(".", 1)[-1]

    def get(self, *, connection: ConnectionLike | None = None) -> Entity:
        """Load the full entity."""
        return Entity.get(self.id, connection=connection or self._connection)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EntityHeader) and (self.id, self.name) == (other.id, other.name)

    def __hash__(self) -> int:
        return hash(self.id)


@attrs.define(kw_only=True)
class Entity(EntityShareable):
    """Fields and verbs shared by every entity.

    Use a concrete class (:class:`~synapse_models.Project`, :class:`~synapse_models.Folder`, ...);
    ``Entity.get("syn1")`` returns whichever type the id is.
    """

    CONCRETE_TYPE: ClassVar[str] = ""
    ENTITY_TYPE: ClassVar[EntityType | None] = None

    id: str | None = attrs.field(default=None, converter=_optional_id)
    """The Synapse id (``syn123``); ``None`` until stored."""
    name: str | None = attrs.field(default=None, validator=_check_name)
    """The name, unique among the parent's children."""
    description: str | None = attrs.field(default=None, validator=_check_description)
    """Free text, at most 1000 characters."""
    parent_id: str | None = attrs.field(default=None, alias="parent", converter=_parent_id)
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

    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    _connection: Connection | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _stored: tuple[dict[str, Any], dict[str, Any]] | None = attrs.field(
        default=None, init=False, repr=False, eq=False
    )

    @classmethod
    def __attrs_init_subclass__(cls) -> None:
        register_union(Entity, cls, fallback=cls.__name__ == "UnknownEntity")

    @property
    def parent(self) -> str | None:
        """The parent's id (set it to an entity or an id to move this entity on the next store())."""
        return self.parent_id

    @parent.setter
    def parent(self, value: Entity | str | None) -> None:
        self.parent_id = _parent_id(value)

    @property
    def connection(self) -> Connection | None:
        """The connection this object was loaded or stored through."""
        return self._connection

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def get(
        cls: type[E],
        id: str | None = None,
        *,
        name: str | None = None,
        parent: Entity | str | None = None,
        connection: ConnectionLike | None = None,
    ) -> E:
        """Load an entity by id, or by name (and parent; no parent means a project name).

        Raises:
            ValidationError: The id is malformed, or it names an entity of another type.
            NotFoundError: No such entity, or you cannot see it.
        """
        conn = get_connection(connection)
        if id is None:
            if name is None:
                raise ValidationError("id", None, "give an id, or a name (and parent)")
            entity_id = cls._lookup(conn, name, _parent_id(parent))
        else:
            entity_id = parse_entity_id(id)[0]
        bundle = conn.post(f"/entity/{entity_id}/bundle2", _BUNDLE_PARTS)
        return cls._from_bundle(bundle, conn, requested=id or name)

    @classmethod
    def _from_bundle(cls: type[E], bundle: dict[str, Any], conn: Connection, requested: object = None) -> E:
        obj = from_wire(Entity, bundle["entity"])
        if not isinstance(obj, cls):
            raise ValidationError("id", requested, f"is a {type(obj).__name__}, not a {cls.__name__}")
        obj.annotations = Annotations.from_wire(bundle.get("annotations"))
        obj._bind(conn)
        return obj

    @staticmethod
    def _lookup(conn: Connection, name: str, parent_id: str | None) -> str:
        found = conn.post("/entity/child", {"parentId": parent_id, "entityName": name})
        return str(found["id"])

    def children(
        self,
        types: Iterable[EntityType | str] | None = None,
        *,
        connection: ConnectionLike | None = None,
    ) -> Iterator[EntityHeader]:
        """Iterate the direct children, lazily, page by page (all types unless ``types`` is given)."""
        conn = self._conn(connection)
        if self.id is None:
            raise ValidationError("id", None, f"this {type(self).__name__} is not stored yet")
        wanted = [
            EntityType(t).value if not isinstance(t, EntityType) else t.value
            for t in (types or [t for t in EntityType if t is not EntityType.PROJECT])
        ]
        body = {"parentId": self.id, "includeTypes": wanted}
        for item in conn.iter_token("POST", "/entity/children", body):
            yield _header(item, conn)

    def walk(
        self,
        *,
        connection: ConnectionLike | None = None,
    ) -> Iterator[tuple[EntityHeader, list[EntityHeader], list[EntityHeader]]]:
        """Walk the tree like :func:`os.walk`: ``(container, folders, non_folders)``, top-down."""
        conn = self._conn(connection)
        top = EntityHeader(id=str(self.id), name=str(self.name), type=self.CONCRETE_TYPE, _connection=conn)
        stack = [top]
        while stack:
            here = stack.pop()
            folders: list[EntityHeader] = []
            others: list[EntityHeader] = []
            body = {
                "parentId": here.id,
                "includeTypes": [t.value for t in EntityType if t is not EntityType.PROJECT],
            }
            for item in conn.iter_token("POST", "/entity/children", body):
                header = _header(item, conn)
                (folders if header.entity_type == "Folder" else others).append(header)
            yield here, folders, others
            stack.extend(reversed(folders))

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
        if self.id is None:
            self._create(conn, create_or_update)
        else:
            self._update(conn)
        self._after_store(conn)
        self._bind(conn)
        return self

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Move the entity (and everything under it) to the trash can."""
        conn = self._conn(connection)
        if self.id is None:
            raise ValidationError("id", None, "cannot delete an entity that was never stored")
        conn.delete(f"/entity/{self.id}")
        self.etag = None
        self._stored = None

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

    def _create(self, conn: Connection, create_or_update: bool) -> None:
        body = to_wire(self)
        try:
            if self.annotations:
                bundle = conn.post(
                    "/entity/bundle2/create",
                    {"entity": body, "annotations": self.annotations.to_wire(None, None)},
                    params=self._store_params(),
                )
                self._apply(bundle["entity"], bundle.get("annotations"))
            else:
                self._apply(conn.post("/entity", body, params=self._store_params()), None)
        except ConflictError:
            if not create_or_update or self.name is None:
                raise
            self._adopt_existing(conn)
            self._update(conn)

    def _adopt_existing(self, conn: Connection) -> None:
        """Take over the same-named sibling: its id and etag, and its values for fields left unset here."""
        existing_id = self._lookup(conn, str(self.name), self.parent_id)
        bundle = conn.post(f"/entity/{existing_id}/bundle2", _BUNDLE_PARTS)
        remote = from_wire(Entity, bundle["entity"])
        if type(remote) is not type(self):
            raise ConflictError(
                409,
                f"{existing_id} named {self.name!r} is a {type(remote).__name__}, "
                f"not a {type(self).__name__}",
                "POST",
                "/entity",
            )
        mine = attrs.asdict(self, recurse=False)
        for field in attrs.fields(type(self)):
            if (
                field.init and mine.get(field.name) is None and field.name != "annotations"
            ) or field.metadata.get(READ_ONLY):  # server-set fields (version, dates) come along
                object.__setattr__(self, field.name, getattr(remote, field.name))
        merged = Annotations.from_wire(bundle.get("annotations"))
        for key, values in self.annotations.items():
            merged[key] = values
        self.annotations = merged
        self.id = remote.id
        self.etag = remote.etag
        self._unknown_fields = {**remote._unknown_fields, **self._unknown_fields}
        self._stored = (to_wire(remote), Annotations.from_wire(bundle.get("annotations")).to_dict())

    def _update(self, conn: Connection) -> None:
        body = to_wire(self)
        notes = self.annotations.to_dict()
        params = self._store_params()
        entity_changed = self._stored is None or self._stored[0] != body or bool(params)
        notes_changed = self._stored is None or self._stored[1] != notes
        if entity_changed:
            self._apply(conn.put(f"/entity/{self.id}", body, params=params), None)
        if notes_changed:
            # PUT annotations2 replaces the whole key set (a bundle update would merge, keeping removed keys)
            result = conn.put(f"/entity/{self.id}/annotations2", self.annotations.to_wire(self.id, self.etag))
            self.etag = result.get("etag", self.etag)
            self._snapshot()

    def _apply(self, entity_json: dict[str, Any], annotations_json: dict[str, Any] | None) -> None:
        """Take the server's answer as the new state of the wire fields (and unknown ones); client-side
        fields (local files, pending rows, annotations unless the server sent some) are left as they are."""
        fresh = from_wire(type(self), entity_json)
        for name in [*wire_field_names(type(self)), "_unknown_fields"]:
            object.__setattr__(self, name, getattr(fresh, name))
        if annotations_json is not None:
            self.annotations = Annotations.from_wire(annotations_json)
            self.etag = annotations_json.get("etag") or self.etag
        self._snapshot()

    def _snapshot(self) -> None:
        self._stored = (to_wire(self), self.annotations.to_dict())

    def _bind(self, conn: Connection) -> None:
        self._connection = conn
        if self._stored is None:
            self._snapshot()

    def _conn(self, connection: ConnectionLike | None) -> Connection:
        return get_connection(connection, bound=self._connection)

    # -- display -------------------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        rows = [
            ("type", type(self).__name__),
            ("id", self.id),
            ("name", self.name),
            ("parent", self.parent_id),
        ]
        rows += [
            (f.name, getattr(self, f.name))
            for f in attrs.fields(type(self))
            if f.repr
            and f.name not in ("id", "name", "parent_id", "annotations", "etag")
            and getattr(self, f.name) is not None
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        if self.annotations:
            notes = "".join(
                f"<li><code>{html.escape(k)}</code>: {html.escape(repr(v))}</li>"
                for k, v in self.annotations.items()
            )
            body += f"<tr><th style='text-align:left'>annotations</th><td><ul>{notes}</ul></td></tr>"
        return f"<table>{body}</table>"


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
        if "concreteType" not in self._unknown_fields:
            raise ValidationError("concreteType", None, "an unknown entity can only be stored after get()")


def _header(item: dict[str, Any], conn: Connection) -> EntityHeader:
    created = item.get("createdOn")
    modified = item.get("modifiedOn")
    from .._convert import parse_datetime

    return EntityHeader(
        id=item["id"],
        name=item["name"],
        type=item.get("type", ""),
        version_number=item.get("versionNumber"),
        benefactor_id=item.get("benefactorId"),
        created_on=parse_datetime(created) if created else None,
        modified_on=parse_datetime(modified) if modified else None,
        _connection=conn,
    )


# Entity types whose models load on first use (see synapse_models/__init__.py).
for _tag, _module in {
    "org.sagebionetworks.repo.model.FileEntity": "synapse_models.models.file",
    "org.sagebionetworks.repo.model.table.TableEntity": "synapse_models.models.table",
    "org.sagebionetworks.repo.model.table.EntityView": "synapse_models.models.view",
    "org.sagebionetworks.repo.model.table.SubmissionView": "synapse_models.models.view",
}.items():
    register_lazy(Entity, _tag, _module)
