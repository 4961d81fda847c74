"""Lazy listings: what ``children()``, ``walk()``, ``members()``, ``submissions()``... return.

A :class:`Listing` is an iterator: ``for``, ``list()`` and ``next()`` fetch page by page, and nothing is asked
of the server before the first item is wanted. In a notebook it shows itself as a table: displaying it fetches
its first page only (asking for the total where the server can count, as for children), keeps that page for
the iteration that follows, and shows the first rows with the count.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Literal, TypeVar

import attrs

from .._repr import LIMIT, clip
from ..connection import Connection
from ..errors import SynapseError
from ._html import PRINCIPAL_FIELDS, escape, grid, principal_names, row_items, rows_html

__all__ = ["Listing", "Page", "offset_listing", "stepwise_listing", "token_listing"]

T = TypeVar("T")
Row = Callable[[Any], list[tuple[str, object]]]


@attrs.frozen
class Page(Generic[T]):
    """One answer of a listing."""

    items: list[T]
    total: int | None = None
    """How many items the whole listing has, when the server said."""
    more: bool | None = None
    """Whether another page follows (``None``: not known until it is asked for)."""


class Listing(Generic[T]):
    """A lazy listing from Synapse: iterate it, ``list()`` it, or show it in a notebook.

    Example:
        >>> kids = project.children()        # nothing is fetched yet
        >>> kids                             # in a notebook: the first page, as a table with the count
        >>> [h.name for h in kids]           # every child, the shown page included, page by page
    """

    PREVIEW_ROWS: int = 10
    """How many rows a notebook shows."""

    def __init__(
        self,
        what: str,
        pages: Callable[[bool], Iterator[Page[T]]],
        *,
        connection: Connection | None = None,
        row: Row | None = None,
    ) -> None:
        self._what = what
        self._source = pages
        self._connection = connection
        self._row = row
        self._pages: Iterator[Page[T]] | None = None
        self._buffer: deque[T] = deque()
        self._taken = 0
        self._total: int | None = None
        self._more: bool | None = None
        self._done = False
        self._failed: SynapseError | None = None

    def __iter__(self) -> Listing[T]:
        return self

    def __next__(self) -> T:
        while not self._buffer:
            if not self._fetch(count=False):
                raise StopIteration
        self._taken += 1
        return self._buffer.popleft()

    def _fetch(self, *, count: bool) -> bool:
        """Fetch the next page into the buffer (``count``: ask for the total, if this is the first page)."""
        if self._failed is not None:  # a display met it; the iteration must not end as if complete
            raise self._failed
        if self._done:
            return False
        if self._pages is None:
            self._pages = self._source(count)
        page = next(self._pages, None)
        if page is None:
            self._done = True
            return False
        self._buffer.extend(page.items)
        self._total = page.total if page.total is not None else self._total
        self._more = page.more
        if page.more is False:
            self._done = True
        return True

    def __repr__(self) -> str:
        if self._pages is None:
            state = "not fetched yet"
        else:
            state = f"{self._taken} taken, {len(self._buffer)} fetched ahead" + (
                ", done" if self._done else ""
            )
        return f"<Listing of {clip(self._what, LIMIT - 15 - len(state))}: {state}>"

    def _repr_html_(self) -> str:
        fresh = self._pages is None
        try:
            while not self._buffer and self._fetch(count=fresh):
                pass
        except SynapseError as err:
            if fresh:  # iterating starts again from the beginning, and raises there
                self._pages = None
            else:
                self._failed = err
            return f"<p>{escape(self._what)}: could not be listed: {escape(err)}</p>"
        shown = list(self._buffer)[: self.PREVIEW_ROWS]
        names = principal_names(self._connection, _principals(shown, self._row))
        headers, cells = rows_html(shown, names, self._row)
        return grid(
            headers, cells, caption=f"<b>{escape(self._what)}</b>: {escape(self._count_text(len(shown)))}"
        )

    def _count_text(self, shown: int) -> str:
        ahead, taken = len(self._buffer), self._taken
        if not ahead:
            return "none left" if taken else "none"
        if self._total is not None and not taken:
            text = f"{self._total} in all"
        elif self._done:
            text = f"{ahead} left after the {taken} taken" if taken else f"{ahead} in all"
        elif self._more is None:  # each item costs its own requests: the rest is known only by going on
            after = f" after the {taken} taken" if taken else ""
            return f"{ahead} so far{after}; iterate for the rest"
        else:
            text = f"{ahead} fetched" + (f" after the {taken} taken" if taken else "") + ", more to come"
        return text + (f"; the first {shown} shown" if shown < ahead or not self._done else "")


def _principals(items: list[Any], row: Row | None) -> set[str]:
    ids: set[str] = set()
    for item in items:
        if getattr(item, "user_name", None):  # names itself already
            continue
        ids.update(str(v) for k, v in (row(item) if row else row_items(item)) if k in PRINCIPAL_FIELDS and v)
    return ids


def token_listing(
    conn: Connection,
    what: str,
    method: Literal["GET", "POST"],
    path: str,
    body: Mapping[str, Any] | None,
    convert: Callable[[Any], T],
    *,
    items_key: str = "page",
    count_field: str | None = None,
    total_key: str | None = None,
    row: Row | None = None,
) -> Listing[T]:
    """A ``nextPageToken`` listing; ``count_field`` is the body field that asks for ``total_key`` (only the
    first page of a listing on display asks for it)."""

    def pages(count: bool) -> Iterator[Page[T]]:
        first = {count_field: True} if count and count_field else None
        for answer in conn.token_pages(method, path, body, first=first):
            total = answer.get(total_key) if total_key else None
            yield Page(
                [convert(item) for item in answer.get(items_key) or []],
                total if isinstance(total, int) else None,
                bool(answer.get("nextPageToken")),
            )

    return Listing(what, pages, connection=conn, row=row)


def offset_listing(
    conn: Connection,
    what: str,
    path: str,
    convert: Callable[[Any], T],
    *,
    params: Mapping[str, Any] | None = None,
    limit: int = 50,
    row: Row | None = None,
) -> Listing[T]:
    """An offset/limit listing (a short page ends it)."""

    def pages(count: bool) -> Iterator[Page[T]]:
        for answer in conn.offset_pages(path, params=params, limit=limit):
            items = [convert(item) for item in answer.get("results") or []]
            yield Page(items, None, len(items) >= limit)

    return Listing(what, pages, connection=conn, row=row)


def stepwise_listing(
    what: str,
    steps: Callable[[], Iterator[T]],
    *,
    connection: Connection | None = None,
    row: Row | None = None,
) -> Listing[T]:
    """A listing whose every item costs its own requests (a walk: one folder per step); displaying it takes
    the first item only."""

    def pages(count: bool) -> Iterator[Page[T]]:
        for item in steps():
            yield Page([item])

    return Listing(what, pages, connection=connection, row=row)
