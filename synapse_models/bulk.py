"""Storing many entities at once, concurrently, with one result per item.

Example:
    >>> results = sm.store_all([sm.File(p, parent=folder) for p in paths])
    >>> results.ok
    True
    >>> [r.error for r in results.failed]
    []
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from ._repr import Shown
from .errors import ValidationError
from .registry import ConnectionLike, get_connection

if TYPE_CHECKING:
    from .models.entity import Entity

__all__ = ["StoreResult", "StoreResults", "store_all"]

E = TypeVar("E", bound="Entity")
DEFAULT_WORKERS = 16


@attrs.frozen
class StoreResult(Shown, Generic[E]):
    """The outcome of storing one entity."""

    entity: E
    """The entity (updated in place when it was stored)."""
    error: BaseException | None = None
    """Why it was not stored, or ``None``."""

    @property
    def ok(self) -> bool:
        """Whether the entity was stored."""
        return self.error is None


class StoreResults(list[StoreResult[Any]]):
    """One :class:`StoreResult` per entity, in the order given."""

    @property
    def ok(self) -> bool:
        """Whether every entity was stored."""
        return all(r.ok for r in self)

    @property
    def failed(self) -> list[StoreResult[Any]]:
        """The results that carry an error."""
        return [r for r in self if not r.ok]

    def raise_first(self) -> None:
        """Raise the first error, if any (the others stay available on the results)."""
        for result in self:
            if result.error is not None:
                raise result.error

    def __repr__(self) -> str:
        failed = len(self.failed)
        return f"<StoreResults {len(self)} items: {len(self) - failed} stored, {failed} failed>"


def store_all(
    entities: Iterable[Entity],
    *,
    max_workers: int | None = None,
    progress: bool | None = None,
    connection: ConnectionLike | None = None,
    **store_options: Any,
) -> StoreResults:
    """Store many entities concurrently over the connection's pool; one result per entity, in order.

    A failure is recorded on its item (``result.error``) and never stops or undoes the others. Entities are
    stored independently, so store containers before what goes into them (two calls).

    Args:
        entities: The entities (files, folders...); each is updated in place as ``store()`` does.
        max_workers: Entities stored at once (default 16, at most the connection's pool size).
        progress: One overall bar (entities stored, bytes uploaded) on stderr, as ``sync_to`` shows; by
            default only when stderr is a terminal. Files show no bars of their own here.
        connection: The connection to use.
        **store_options: Passed to every ``store()`` (e.g. ``force_version=True`` for files).

    Returns:
        The results, with ``.ok``, ``.failed`` and ``.raise_first()``.
    """
    from .models.entity import Entity
    from .models.file import File
    from .transfer.progress import Overall

    if isinstance(entities, (str, bytes, dict)) or not isinstance(entities, Iterable):
        raise ValidationError("entities", entities, "expected a list of entities (File, Folder...)")
    items = list(entities)
    for n, item in enumerate(items):
        if not isinstance(item, Entity):
            raise ValidationError(f"entities[{n}]", item, "expected an entity (File, Folder...)")
    if max_workers is not None and (not isinstance(max_workers, int) or max_workers < 1):
        raise ValidationError("max_workers", max_workers, "a positive integer")
    conn = get_connection(connection)
    workers = max(1, min(max_workers or DEFAULT_WORKERS, conn.pool_size, len(items) or 1))

    def one(entity: Entity) -> tuple[StoreResult[Any], int]:
        """The result, and the bytes uploaded for it."""
        options = dict(store_options)
        handle_before = getattr(entity, "data_file_handle_id", None)
        if isinstance(entity, File):
            options["progress"] = False  # the overall bar stands for every file
        try:
            entity.store(connection=conn, **options)
        except Exception as exc:  # reported per item, never swallowed
            return StoreResult(entity, exc), 0
        uploaded = 0
        if isinstance(entity, File) and entity.file_handle is not None and \
                entity.data_file_handle_id != handle_before and entity.url is None:
            uploaded = entity.file_handle.content_size or 0
        return StoreResult(entity), uploaded

    results: list[StoreResult[Any] | None] = [None] * len(items)
    with Overall("store_all", progress) as bar:
        bar.expect(len(items))
        if workers == 1:
            for n, entity in enumerate(items):
                results[n], uploaded = one(entity)
                bar.done(1, uploaded)
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synapse-store") as pool:
                futures = {pool.submit(one, entity): n for n, entity in enumerate(items)}
                for future in as_completed(futures):
                    results[futures[future]], uploaded = future.result()
                    bar.done(1, uploaded)
    return StoreResults(r for r in results if r is not None)
