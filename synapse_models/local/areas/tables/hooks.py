"""The hook point of the tables area: table-like entity types whose rows are computed, not stored.

A :class:`ViewKind` plugged into :data:`VIEW_KINDS` (the views area plugs in EntityView, SubmissionView,
Dataset and DatasetCollection; the derived area MaterializedView and VirtualTable) makes its entity type
queryable like a table: the tables area validates its body with ``validate``, queries the kind's
``computed`` rows in SQL when it offers them, else materializes ``rows`` for each query (and freezes them
for a snapshot), and hands row sets written to it to ``write``.  Without a kind for its type an entity is
not a table (400).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.hooks import HookPoint
from ...core.txn import Txn
from ..entities.service import EntityRecord
from .cells import Column


@dataclass(frozen=True)
class ComputedRows:
    """Rows a view kind computes inside the database, read lazily page by page: the name of a temporary
    view on the request's connection laid out like a row table (``ROW_ID``, ``ROW_VERSION``, ``ROW_ETAG``,
    one column per schema column, cells in stored form), and what removes it when the query is done."""

    name: str
    drop: Callable[[], None]


@dataclass(frozen=True)
class ViewKind:
    """How the tables area serves one entity type whose rows are computed.

    Attributes:
        concrete_type: the entity type, e.g. ``org.sagebionetworks.repo.model.table.EntityView``.
        validate: ``(txn, body)`` checks (and may normalize) the entity body of a create or update.
        rows: ``(txn, record, columns)`` the rows the caller may read: ``(ROW_ID, ROW_VERSION, ROW_ETAG,
            cells...)`` with cells in stored form.
        write: ``(txn, record, columns, row_set)`` applies a (Partial)RowSet and returns the result JSON;
            ``None`` when the type takes no table transaction at all (Synapse: ``Unsupported type: <type>``).
        row_etags: whether rows are entities (``ROW_ETAG`` exists, ``includeEntityEtag`` applies).
        row_ids: whether query results carry ``ROW_ID``/``ROW_VERSION`` (a VirtualTable's do not).
        check_snapshot: ``(txn, record)`` refuses a snapshot the type does not allow (400).
        prepare: ``(txn, record)`` run in the write transaction that starts a query of the type (e.g. to
            bind a schema that follows other tables).
        computed: ``(txn, record, columns)`` the same rows as a :class:`ComputedRows` over the request's own
            database connection, so that a query pages them in SQL instead of materializing them all
            (``None``, or no function: materialize ``rows``).
    """

    concrete_type: str
    validate: Callable[[Txn, dict[str, Any]], None]
    rows: Callable[[Txn, EntityRecord, list[Column]], list[tuple[Any, ...]]]
    write: Callable[[Txn, EntityRecord, list[Column], dict[str, Any]], dict[str, Any]] | None
    row_etags: bool = True
    row_ids: bool = True
    check_snapshot: Callable[[Txn, EntityRecord], None] | None = None
    prepare: Callable[[Txn, EntityRecord], None] | None = None
    computed: Callable[[Txn, EntityRecord, list[Column]], ComputedRows | None] | None = None


VIEW_KINDS: HookPoint[ViewKind] = HookPoint("view_kinds")


def view_kind(txn: Txn, concrete_type: str | None) -> ViewKind | None:
    """Return the view kind serving ``concrete_type`` (``None`` for a TableEntity or a non-table)."""
    return next((k for k in txn.app.hooks.all(VIEW_KINDS) if k.concrete_type == concrete_type), None)
