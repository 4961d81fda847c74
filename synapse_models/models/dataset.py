"""Datasets and dataset collections: views of chosen entity versions (files, or datasets).

A :class:`Dataset` is a curated, versioned list of file versions with a table view over them: one row per
file version, the default columns (name, size, md5...) plus your own columns, whose cells are the files'
annotations. A :class:`DatasetCollection` is the same over dataset versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar, TypeVar

import attrs

from .._convert import READ_ONLY, from_wire
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from ._args import as_list
from ._html import Displayed
from ._view_base import ViewBase
from ._wire import EntityBundleRequest
from .entity import Entity, EntityLike, _bundle
from .ids import StandsForEntity, parse_entity_id
from .tree import EntityHeader, EntityType, children, link_target

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["Dataset", "DatasetCollection", "EntityRef"]

_FILE = "org.sagebionetworks.repo.model.FileEntity"
_FOLDER = "org.sagebionetworks.repo.model.Folder"
_DATASET = "org.sagebionetworks.repo.model.table.Dataset"

V = TypeVar("V", bound="_ItemsView")


def _positive_version(value: object, field: str = "version") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(field, value, "a version is a positive integer")
    return value


def _item_id(value: object) -> str:
    return parse_entity_id(value, "entity_id")[0]


@attrs.define(frozen=True)
class EntityRef(StandsForEntity, Displayed):
    """One item of a dataset (collection): an entity and the version of it that is included (it may be passed
    wherever an entity id is expected: ``sm.File.get(item)`` loads that version).

    Example:
        >>> EntityRef("syn123", 2)
    """

    entity_id: str = attrs.field(converter=_item_id)
    """The entity's id (``syn123``)."""
    version_number: int = attrs.field(validator=lambda _, __, v: _positive_version(v, "version_number"))
    """The version of the entity this item is."""

    def _entity_ref(self, field: str) -> tuple[str, int | None]:
        return self.entity_id, self.version_number


def _items(value: Iterable[EntityRef | tuple[str, int]] | None) -> list[EntityRef]:
    refs: list[EntityRef] = []
    for item in as_list(value, "items", one=(EntityRef,)):
        if isinstance(item, EntityRef):
            refs.append(item)
        elif isinstance(item, tuple) and len(item) == 2:
            refs.append(EntityRef(item[0], item[1]))
        else:
            raise ValidationError(
                "items",
                item,
                "expected EntityRef objects or (id, version) pairs; add entities with add_item()",
            )
    seen: set[str] = set()
    for ref in refs:
        if ref.entity_id in seen:
            raise ValidationError("items", ref.entity_id, "an entity can be included once (one version)")
        seen.add(ref.entity_id)
    return refs


@attrs.define(kw_only=True)
class _ItemsView(ViewBase):
    """What datasets and dataset collections share: items, their editing, and version-aware ``get``."""

    _ITEM_TYPE: ClassVar[str] = ""

    items: list[EntityRef] = attrs.field(factory=list, converter=_items)
    """The entity versions included, in order (``add_item``/``remove_item`` edit it; ``store()`` saves it)."""

    @classmethod
    def get(
        cls: type[V],
        id: EntityLike | None = None,
        *,
        version: int | None = None,
        name: str | None = None,
        parent: EntityLike | None = None,
        follow_link: bool = False,
        connection: ConnectionLike | None = None,
    ) -> V:
        """Load it (a snapshot version with ``"syn1.2"`` or ``version=2``: its items as they were then).

        Raises:
            ValidationError: The id is malformed or names another type; the version is not a positive integer.
            NotFoundError: No such entity or version, or you cannot see it.
        """
        conn = get_connection(connection)
        entity_id, id_version = cls._locate(conn, id, name, parent)
        if follow_link:
            entity_id, id_version = link_target(conn, entity_id, id_version)
        version = _positive_version(version) if version is not None else id_version
        where = f"/entity/{entity_id}" + (f"/version/{version}" if version else "")
        found: V = cls._from_bundle(_bundle(conn, where, EntityBundleRequest()), conn, requested=id or name)
        return found

    def _item_refs(
        self, conn: Connection, item: Entity | EntityRef | str, version: int | None
    ) -> list[EntityRef]:
        """The refs ``add_item`` adds for ``item`` (a folder's files for a dataset)."""
        if isinstance(item, EntityRef):
            return [item if version is None else EntityRef(item.entity_id, version)]
        if isinstance(item, Entity):
            if item.id is None:
                raise ValidationError("item", item.name, "store() it before adding it")
            entity_id, id_version = item.id, getattr(item, "version_number", None)
            concrete = item.CONCRETE_TYPE
        else:
            entity_id, id_version = parse_entity_id(item, "item")
            concrete = ""
        version = version or id_version
        if version is None:  # the current version (and the type, checked below) are the server's to say
            header = from_wire(EntityHeader, conn.get(f"/entity/{entity_id}/type"))
            concrete, version = header.type, header.version_number
        if concrete == _FOLDER and self._ITEM_TYPE == _FILE:
            return [EntityRef(h.id, int(h.version_number or 1)) for h in _files_under(conn, entity_id)]
        if concrete and concrete != self._ITEM_TYPE:  # an id with a version: the server checks the type
            kind = "files (or folders of files)" if self._ITEM_TYPE == _FILE else "datasets"
            raise ValidationError(
                "item",
                entity_id,
                f"a {type(self).__name__} holds {kind}, not a {concrete.rsplit('.', 1)[-1]}",
            )
        return [EntityRef(entity_id, _positive_version(version))]

    def add_item(
        self,
        item: Entity | EntityRef | str,
        version: int | None = None,
        *,
        connection: ConnectionLike | None = None,
    ) -> list[EntityRef]:
        """Include an entity version (its current version unless ``version`` or ``"syn1.2"`` says otherwise).

        An entity already included has its version replaced. Takes effect on the next ``store()``.

        Returns:
            The items added or changed.

        Raises:
            ValidationError: The item has the wrong type, is not stored, or the version is not positive.
        """
        if version is not None:
            _positive_version(version)
        refs = self._item_refs(self._conn(connection), item, version)
        positions = {ref.entity_id: i for i, ref in enumerate(self.items)}
        for ref in refs:
            if ref.entity_id in positions:
                self.items[positions[ref.entity_id]] = ref
            else:
                positions[ref.entity_id] = len(self.items)
                self.items.append(ref)
        return refs

    def remove_item(self, item: Entity | EntityRef | str) -> EntityRef:
        """Leave an entity out (whichever version is included). Takes effect on the next ``store()``.

        Raises:
            ValidationError: The entity is not included.
        """
        if isinstance(item, EntityRef):
            entity_id = item.entity_id
        elif isinstance(item, Entity):
            if item.id is None:
                raise ValidationError("item", item.name, "this entity was never stored")
            entity_id = item.id
        else:
            entity_id = parse_entity_id(item, "item")[0]
        for position, ref in enumerate(self.items):
            if ref.entity_id == entity_id:
                return self.items.pop(position)
        raise ValidationError("item", entity_id, f"is not an item of {self.id or self.name}")


def _files_under(conn: Connection, folder_id: str) -> Iterator[EntityHeader]:
    for header in children(conn, folder_id, [EntityType.FILE, EntityType.FOLDER]):
        if header.type == _FOLDER:
            yield from _files_under(conn, header.id)
        else:
            yield header


@attrs.define(kw_only=True)
class Dataset(_ItemsView):
    """A dataset: chosen file versions, one row each, with the default file columns and your own columns.

    Your columns show the files' annotations; :meth:`update` writes edited cells back to them. Snapshots
    freeze the item list and rows as numbered versions (``Dataset.get("syn1.2")``, ``FROM syn1.2``).

    Example:
        >>> ds = Dataset(name="release 1", parent=project, items=[EntityRef("syn5", 2)]).store()
        >>> ds.add_item(raw_file)          # its current version
        >>> ds.store(); ds.snapshot(label="v1")
        >>> ds.query("SELECT id, name, dataFileSizeBytes FROM {id}")
    """

    CONCRETE_TYPE: ClassVar[str] = _DATASET
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.DATASET
    VIEW_ENTITY_TYPE: ClassVar[str] = "dataset"
    _ITEM_TYPE: ClassVar[str] = _FILE

    size: int | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The bytes of all the items' files (computed by the server)."""
    count: int | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """How many items are file versions (computed by the server)."""
    checksum: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The MD5 of the sorted concatenation of the files' MD5s (computed by the server)."""


@attrs.define(kw_only=True)
class DatasetCollection(_ItemsView):
    """A collection of dataset versions, one row each (with each dataset's size, checksum and item count).

    Example:
        >>> releases = DatasetCollection(name="releases", parent=project).store()
        >>> releases.add_item(ds, version=1); releases.store()
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.table.DatasetCollection"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.DATASET_COLLECTION
    VIEW_ENTITY_TYPE: ClassVar[str] = "datasetcollection"
    _ITEM_TYPE: ClassVar[str] = _DATASET
