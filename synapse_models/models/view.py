"""Views: tables computed by the server from the entities in a scope, with their annotations as columns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from .._convert import LOCAL, from_wire, to_wire
from ..errors import NotFoundError, ValidationError
from ..registry import ConnectionLike
from ..tables._wire import ViewColumnModelRequest, ViewDefaultColumnsQuery, ViewScope
from ._args import as_list
from ._table_base import TableBase
from ._view_base import ViewBase
from ._wire import AnnotationsBody, Page, StatusScores
from .column import Column, ColumnType
from .entity import Entity, EntityLike
from .ids import parse_entity_id
from .tree import EntityType, children

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["SubmissionView", "View"]

_MASKS = {EntityType.FILE: 0x01, EntityType.PROJECT: 0x02, EntityType.TABLE: 0x04, EntityType.FOLDER: 0x08,
          EntityType.ENTITY_VIEW: 0x10, EntityType.DOCKER_REPO: 0x20, EntityType.SUBMISSION_VIEW: 0x40,
          EntityType.DATASET: 0x80, EntityType.DATASET_COLLECTION: 0x100, EntityType.MATERIALIZED_VIEW: 0x200}
_ANNOTATION_COLUMN = {"STRING": ColumnType.STRING, "LONG": ColumnType.INTEGER, "DOUBLE": ColumnType.DOUBLE,
                      "BOOLEAN": ColumnType.BOOLEAN, "TIMESTAMP_MS": ColumnType.DATE}


def _scope(value: Iterable[EntityLike] | None) -> list[str]:
    ids = []
    for item in as_list(value, "scope", one=(str, int, Entity)):
        if isinstance(item, Entity):
            if item.id is None:
                raise ValidationError("scope", item.name, "a scope container must be stored first")
            ids.append(item.id)
        else:
            ids.append(parse_entity_id(item, "scope")[0])
    return ids


def _include(value: Iterable[EntityType | str] | None) -> list[EntityType] | None:
    if value is None:
        return None
    types = []
    for item in as_list(value, "include", one=(str, EntityType)):
        try:
            kind = item if isinstance(item, EntityType) else EntityType(str(item).lower())
        except ValueError:
            raise ValidationError("include", item, "not an entity type") from None
        if kind not in _MASKS:
            raise ValidationError("include", kind.value, "views cannot include this type")
        types.append(kind)
    if not types:
        raise ValidationError("include", [], "include at least one entity type")
    if EntityType.PROJECT in types and len(set(types)) > 1:
        raise ValidationError("include", [t.value for t in types],
                              "a project view cannot include other types")
    return types


@attrs.define
class _AnnotationKeys:
    """What the annotations seen in a scope say about columns for them: types, longest values, lists."""

    kinds: dict[str, set[str]] = attrs.field(factory=dict)
    longest: dict[str, int] = attrs.field(factory=dict)
    many: set[str] = attrs.field(factory=set)

    def add(self, body: AnnotationsBody | None) -> None:
        for key, entry in (body.annotations if body else {}).items():
            self.kinds.setdefault(key, set()).add(entry.type)
            self.longest[key] = max([self.longest.get(key, 0), *(len(v) for v in entry.value)])
            if len(entry.value) > 1:
                self.many.add(key)

    def columns(self) -> list[Column]:
        """Columns for the keys, typed by the annotation types seen (STRING when they differ)."""
        columns = []
        for key, found in self.kinds.items():
            kind = ColumnType.STRING
            if len(found) == 1:
                kind = _ANNOTATION_COLUMN.get(next(iter(found)), ColumnType.STRING)
            if key in self.many and kind is not ColumnType.DOUBLE:
                kind = ColumnType(kind.value + "_LIST")
            sized = kind in (ColumnType.STRING, ColumnType.STRING_LIST)
            size = min(1000, max(50, self.longest[key])) if sized else None
            columns.append(Column(key, kind, maximum_size=size))
        return columns


def _roomy(column: Column) -> Column:
    fresh = Column.from_wire({**column.spec()})
    if fresh.type in (ColumnType.STRING, ColumnType.STRING_LIST) and (fresh.maximum_size or 0) < 50:
        fresh.maximum_size = 50
    return fresh


@attrs.define(kw_only=True)
class View(ViewBase):
    """An entity view: one row per entity of the chosen types in the scope containers (and their folders).

    Columns are the default entity fields plus, by default, one per annotation found in the scope.
    :meth:`update` writes edited cells back to the entities' annotations.

    Example:
        >>> view = View(name="all files", parent=project, scope=[project], include=[EntityType.FILE]).store()
        >>> df = view.query(include_row_metadata=True)
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.table.EntityView"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.ENTITY_VIEW
    VIEW_ENTITY_TYPE: ClassVar[str] = "entityview"

    scope_ids: list[str] = attrs.field(factory=list, alias="scope", converter=_scope)
    """The containers whose entities are rows (``scope=`` takes entities or ids)."""
    view_type_mask: int | None = None
    """The bit mask of included types (set from :attr:`include`)."""
    include: list[EntityType] | None = attrs.field(default=None, converter=_include, metadata={LOCAL: True})
    """The entity types that become rows (default: files)."""
    include_annotation_columns: bool = attrs.field(default=True, metadata={LOCAL: True})
    """On creation, add a column per annotation key found on the entities in scope."""

    def __attrs_post_init__(self) -> None:
        if self.include is None:
            mask = self.view_type_mask or 0x01
            if not isinstance(mask, int) or isinstance(mask, bool):
                raise ValidationError("view_type_mask", mask, "a whole number (a mask of entity types)")
            self.include = [t for t, bit in _MASKS.items() if mask & bit] or [EntityType.FILE]
        self.view_type_mask = sum(_MASKS[t] for t in set(self.include))

    def _check_storable(self) -> None:
        super()._check_storable()
        if not self.scope_ids:
            raise ValidationError("scope", self.scope_ids, "a view needs at least one scope container")
        self.view_type_mask = sum(_MASKS[t] for t in set(self.include or [EntityType.FILE]))

    def _initial_columns(self, conn: Connection) -> list[Column]:
        chosen = {c.name: c for c in super()._initial_columns(conn)}
        if self.include_annotation_columns:
            for column in self.annotation_columns(connection=conn):
                chosen.setdefault(column.name, column)
        return list(chosen.values())

    def _default_query(self) -> ViewDefaultColumnsQuery:
        return ViewDefaultColumnsQuery(
            view_entity_type=self.VIEW_ENTITY_TYPE, view_type_mask=self.view_type_mask
        )

    def annotation_columns(self, *, connection: ConnectionLike | None = None) -> list[Column]:
        """Columns for the annotation keys in the scope.

        Asks the server (``POST /column/view/scope/async/start``); a server without that job gets the
        columns derived here from the annotations of the entities in scope (one request per entity).
        STRING columns get room for at least 50 characters (Synapse's default size), so that values a bit
        longer than today's longest can be written back.
        """
        conn = self._conn(connection)
        scope = ViewScope(scope=self.scope_ids, view_entity_type=self.VIEW_ENTITY_TYPE,
                          view_type_mask=self.view_type_mask)
        request = ViewColumnModelRequest(view_scope=scope)
        columns: list[Column] = []
        try:
            while True:
                page = from_wire(Page[Column], conn.run_async_job("/column/view/scope", to_wire(request)))
                columns += [_roomy(c) for c in page.results]
                if not page.next_page_token:
                    return columns
                request.next_page_token = page.next_page_token
        except NotFoundError:
            return self._derive_annotation_columns(conn)

    def _derive_annotation_columns(self, conn: Connection) -> list[Column]:
        keys = _AnnotationKeys()
        wanted = {t.value for t in self.include or [EntityType.FILE]}
        for entity_id in self._entities_in_scope(conn, wanted):
            keys.add(from_wire(AnnotationsBody, conn.get(f"/entity/{entity_id}/annotations2")))
        return keys.columns()

    def _entities_in_scope(self, conn: Connection, wanted: set[str]) -> Iterable[str]:
        containers = list(self.scope_ids)
        seen: set[str] = set()
        types = [EntityType(t) for t in sorted(wanted | {"folder"})]
        while containers:
            container = containers.pop()
            if container in seen:
                continue
            seen.add(container)
            for child in children(conn, container, types):
                kind = child.entity_type.lower()
                if kind == "folder":
                    containers.append(child.id)
                kind = {"fileentity": "file", "tableentity": "table"}.get(kind, kind)
                if kind in wanted:
                    yield child.id


def _evaluation_ids(value: Iterable[Any] | None) -> list[str]:
    ids = []
    for item in as_list(value, "scope", one=(str, int, Entity)):
        raw = item if isinstance(item, (str, int)) else getattr(item, "id", None)
        if raw is None:
            raise ValidationError("scope", item, "a scope evaluation must be stored first")
        text = str(raw).strip()
        if not text.isdigit():
            raise ValidationError("scope", item, "a submission view's scope lists evaluation ids (digits)")
        ids.append(text)
    return ids


@attrs.define(kw_only=True)
class SubmissionView(View):
    """A view with one row per submission to the scope evaluations.

    Columns are the default submission fields (id, status, submitterid, entityid...) plus, by default, one per
    score annotation (``SubmissionStatus.submission_annotations``) found in the scope. :meth:`update` sends
    edits like an entity view's (the embedded LocalSynapse answers 400: its submission views are read-only).

    Example:
        >>> board = SubmissionView(name="leaderboard", parent=project, scope=[queue]).store()
        >>> board.query(f"SELECT id, status, auc FROM {board.id} ORDER BY auc DESC")
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.table.SubmissionView"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.SUBMISSION_VIEW
    VIEW_ENTITY_TYPE: ClassVar[str] = "submissionview"

    scope_ids: list[str] = attrs.field(factory=list, alias="scope", converter=_evaluation_ids)
    """The evaluation queues whose submissions are rows (``scope=`` takes Evaluations or their ids)."""

    def __attrs_post_init__(self) -> None:
        self.include = None
        self.view_type_mask = None

    def _check_storable(self) -> None:
        TableBase._check_storable(self)
        if not self.scope_ids:
            raise ValidationError("scope", self.scope_ids, "a submission view needs at least one evaluation")

    def annotation_columns(self, *, connection: ConnectionLike | None = None) -> list[Column]:
        """Columns for the score annotation keys on the submissions of the scope evaluations.

        Derived here from the submission statuses (the server's column-suggestion job covers entity views
        only); needs read access to the statuses (queue administrators).
        """
        conn = self._conn(connection)
        keys = _AnnotationKeys()
        for evaluation_id in self.scope_ids:
            for status in conn.iter_offset(f"/evaluation/{evaluation_id}/submission/status/all", limit=50):
                keys.add(from_wire(StatusScores, status).submission_annotations)
        return keys.columns()

