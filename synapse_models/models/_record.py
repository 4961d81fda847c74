"""The etag-checked life cycle shared by stored records (teams, evaluations, wikis, profiles, statuses...).

A record is an attrs class deriving from :class:`Record` (which holds the ``_unknown_fields``,
``_connection`` and ``_stored`` bookkeeping fields) with an ``etag`` field of its own. It is read with
:meth:`Record._load` (which keeps a snapshot of its request body), written with :meth:`Record._write`
(create with POST, or update with an etag-checked PUT; nothing is sent when the body equals the snapshot),
and forgotten with :meth:`Record._forget` after a delete. Each class states only what differs: the paths
(:meth:`_create_path`, :meth:`_update_path`), the body (:meth:`_wire`) and how to find the existing record
of the same name when a create conflicts (:meth:`_find_existing`). Classes with their own way of reading
(a wiki page needs its owner, an ACL its owner object) build the object and call :meth:`_loaded`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._convert import from_wire, to_wire
from ..connection import Connection
from ..errors import ConflictError
from ..registry import ConnectionLike, get_connection

R = TypeVar("R", bound="Record")


@attrs.define(kw_only=True)
class Record:
    """Base of the attrs models stored with etag-checked create/update and a no-op-skipping snapshot.

    It holds the bookkeeping fields; the subclass defines ``etag`` (where it wants it in its repr).
    """

    if TYPE_CHECKING:
        etag: str | None = None

    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    """Fields the server sent that this class does not know (sent back unchanged)."""
    _connection: Connection | None = attrs.field(default=None, init=False, repr=False, eq=False)
    """The connection the record was read or written with."""
    _stored: dict[str, Any] | None = attrs.field(default=None, init=False, repr=False, eq=False)
    """The request body as last read or written (``None``: not stored)."""

    # -- hooks ---------------------------------------------------------------------------------------

    def _wire(self) -> dict[str, Any]:
        """The request body (also what the snapshot holds)."""
        return to_wire(self)

    def _create_path(self) -> str | None:
        """Where a new record is POSTed; ``None`` when records are never created by the client."""
        return None

    def _update_path(self) -> str:
        """Where the record is PUT."""
        raise NotImplementedError

    def _find_existing(self, conn: Connection) -> Record | None:
        """The stored record a conflicting create collides with (``None``: do not adopt one)."""
        return None

    # -- life cycle ----------------------------------------------------------------------------------

    @classmethod
    def _load(cls: type[R], conn: Connection, data: dict[str, Any]) -> R:
        return from_wire(cls, data)._loaded(conn)

    def _loaded(self: R, conn: Connection) -> R:
        """Bind the connection and snapshot the body (right after reading the record from the server)."""
        self._connection = conn
        self._stored = self._wire()
        return self

    def _unchanged(self, body: dict[str, Any]) -> bool:
        """Whether writing ``body`` would change nothing since the last read or write."""
        return self._stored is not None and body == self._stored

    def _take(self: R, fresh: R, *, keep: Collection[str] = ()) -> R:
        """Copy every field (but those in ``keep``) from a freshly loaded copy of this record."""
        for field in attrs.fields(type(self)):
            if field.name not in keep:
                object.__setattr__(self, field.name, getattr(fresh, field.name))
        return self

    def _conn(self, connection: ConnectionLike | None) -> Connection:
        return get_connection(connection, bound=self._connection)

    def _forget(self) -> None:
        """After a delete: the record is no longer stored."""
        object.__setattr__(self, "etag", None)  # the subclass's field
        self._stored = None

    def _adopt_existing(self, conn: Connection) -> bool:
        """Take over the existing record (its id, etag, and its values for fields unset here)."""
        remote = self._find_existing(conn)
        if remote is None:
            return False
        for field in attrs.fields(type(self)):
            if field.init and getattr(self, field.name) is None:  # the id, and the values unset here
                object.__setattr__(self, field.name, getattr(remote, field.name))
        object.__setattr__(self, "etag", remote.etag)  # the subclass's field
        self._unknown_fields = {**remote._unknown_fields, **self._unknown_fields}
        self._stored = remote._stored
        return True

    def _write(self: R, conn: Connection, *, create_or_update: bool = True) -> R:
        """Create (POST) or update (etag-checked PUT) the record; nothing is sent when nothing changed.

        A create that conflicts adopts the existing record (see :meth:`_find_existing`) and updates it,
        unless ``create_or_update`` is False.
        """
        body = self._wire()
        create_path = self._create_path()
        if create_path is not None and getattr(self, "id", None) is None:
            try:
                answer = conn.post(create_path, body)
            except ConflictError:
                if not create_or_update or not self._adopt_existing(conn):
                    raise
                return self._write(conn)
        elif self._unchanged(body):
            return self
        else:
            answer = conn.put(self._update_path(), body)
        return self._take(self._load(conn, answer))
