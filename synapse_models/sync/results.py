"""Per-item results of bulk work, and the error that lists every bad row of a manifest.

Every bulk call returns one result per item (file, folder, table...) in a list subclass with ``.ok``,
``.failed``, ``.counts()`` and ``.raise_first()``; a failure is recorded on its item and never hides the
others.
"""

from __future__ import annotations

from collections import Counter
from typing import Generic, TypeVar

import attrs

from .._repr import Shown

__all__ = ["CopyResult", "CopyResults", "SyncResult", "SyncResults"]

R = TypeVar("R", "SyncResult", "CopyResult")


@attrs.define(slots=True, eq=False)
class SyncResult(Shown):
    """What happened to one file (or folder) of a sync.

    ``status`` is one of: ``downloaded``, ``from_cache`` (copied from another cached copy, no transfer),
    ``unchanged``, ``kept_local``, ``external`` (an external URL not downloaded), ``created``, ``updated``
    (new content, new version), ``metadata`` (annotations or provenance only), ``folder`` (a folder created),
    ``failed``; in a dry run the planned action (``create``, ``update``, ``metadata``, ``unchanged``,
    ``download``, ``folder``).
    """

    path: str
    """The local path (relative to the sync root for ``sync_from``; absolute for ``sync_to``)."""
    status: str
    entity_id: str | None = None
    """The Synapse id."""
    version: int | None = None
    """The entity version the local file matches."""
    local_path: str | None = None
    """The absolute local path of the file."""
    bytes: int = 0
    """Bytes transferred over the network for this item."""
    line: int | None = None
    """The manifest line (``sync_to`` of a manifest)."""
    error: BaseException | None = attrs.field(default=None, repr=lambda e: repr(e) if e else "None")
    """Why it failed, or ``None``."""

    @property
    def ok(self) -> bool:
        """Whether the item succeeded."""
        return self.error is None


@attrs.define(slots=True, eq=False)
class CopyResult(Shown):
    """What happened to one item of a copy.

    ``status``: ``copied``, ``exists`` (a same-named entity was already at the destination and left as it
    is), ``updated`` (a new version of an existing copy), ``skipped`` (a type not copied, or excluded), or
    ``failed``.
    """

    source_id: str
    kind: str
    """``File``, ``Folder``, ``Project``, ``Table``, ``View``, ``Wiki``, ``Link``..."""
    status: str
    new_id: str | None = None
    path: str = ""
    """The item's path below the copied container."""
    error: BaseException | None = attrs.field(default=None, repr=lambda e: repr(e) if e else "None")

    @property
    def ok(self) -> bool:
        """Whether the item succeeded."""
        return self.error is None


class _Results(list[R], Generic[R]):
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """Whether every item succeeded."""
        return all(r.ok for r in self)

    @property
    def failed(self) -> list[R]:
        """The results that carry an error."""
        return [r for r in self if not r.ok]

    def counts(self) -> dict[str, int]:
        """How many items ended in each status."""
        return dict(Counter(r.status for r in self))

    def raise_first(self) -> None:
        """Raise the first error, if any (the others stay available on the results)."""
        for result in self:
            if result.error is not None:
                raise result.error

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts().items()))
        return f"<{type(self).__name__} {len(self)} items: {parts or 'none'}>"


class SyncResults(_Results[SyncResult]):
    """One :class:`SyncResult` per item; ``dry_run`` is True for a plan."""


class CopyResults(_Results[CopyResult]):
    """One :class:`CopyResult` per item."""

    @property
    def mapping(self) -> dict[str, str]:
        """Source id -> id of its copy, for every item that has one."""
        return {r.source_id: r.new_id for r in self if r.new_id is not None}
