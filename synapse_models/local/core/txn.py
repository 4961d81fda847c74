"""Units of work: the caller (:class:`User`) and one database transaction on their behalf (:class:`Txn`).

* :class:`User` — the caller (``id``, ``user_name``, ``is_admin``, ``is_anonymous``).
* :class:`Txn` — one database transaction on behalf of one user: ``db``, ``user``, ``now()`` (one timestamp
  per transaction), ``new_etag()``, ``next_id(kind)``, ``require_login()``, ``on_commit(fn)``, and ``app``,
  the :class:`Server` it runs in (its store, id policy and hooks).  Request handlers get a
  ``context.RequestContext`` (a ``Txn`` plus the HTTP request); asynchronous jobs open plain ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .constants import ANONYMOUS_USER_ID, SEQUENCE_STARTS
from .errors import login_required
from .hooks import Hooks
from .ids import IdPolicy
from .limits import Limits
from .store import Store, current_value, next_value


@dataclass(frozen=True)
class User:
    """An authenticated (or anonymous) caller."""

    id: int
    user_name: str
    is_admin: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.id == ANONYMOUS_USER_ID


ANONYMOUS = User(ANONYMOUS_USER_ID, "anonymous")


class Server(Protocol):
    """What a transaction uses of the server it runs in (``core.app.SynapseApp`` is the one)."""

    store: Store
    ids: IdPolicy
    deterministic: bool
    hooks: Hooks
    limits: Limits


class Txn:
    """A unit of work: one database transaction run for one user."""

    app: Server

    def __init__(self, app: Server, db: sqlite3.Connection, user: User, *, writable: bool) -> None:
        self.app = app
        self.db = db
        self.user = user
        self.writable = writable
        self._now: str | None = None
        self.after_commit: list[Callable[[], None]] = []

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def is_anonymous(self) -> bool:
        return self.user.is_anonymous

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    def require_login(self) -> None:
        """Raise 403 for the anonymous user."""
        if self.user.is_anonymous:
            raise login_required()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after this transaction commits (not at all if it fails)."""
        self.after_commit.append(callback)

    def now(self) -> str:
        """Return the timestamp of this transaction (the same value for every call)."""
        if self._now is None:
            self._now = self.app.ids.now(self.db, advance=self.writable)
        return self._now

    def new_etag(self) -> str:
        """Return a fresh etag."""
        return self.app.ids.etag(self.db)

    def next_id(self, kind: str, *, start: int | None = None) -> int:
        """Return the next id of sequence ``kind`` (e.g. ``"entity"``, ``"fileHandle"``).

        Entity and file-handle ids start in the data directory's own range (``ids.IdPolicy.first_id``).
        """
        first = start if start is not None else SEQUENCE_STARTS.get(kind, 1)
        if current_value(self.db, kind) is None:
            first = self.app.ids.first_id(self.db, kind, first)
        return next_value(self.db, kind, first)
