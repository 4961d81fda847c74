"""The one life cycle of everything stored on Synapse: entities, records (teams, evaluations, wikis, profiles,
submission statuses, ACLs) and activities.

A stored model is an attrs class deriving from :class:`Stored`, which holds the bookkeeping (the connection it
came from, the fields the server sent that the class does not know, the snapshot of its last stored state)
and runs the life cycle:

* **read**: :meth:`Stored._load` builds the object from a response body and :meth:`Stored._loaded` binds the
  connection and snapshots the state;
* **write**: :meth:`Stored._write` creates (POST) a new object, or updates (etag-checked PUT) a stored one;
  an update whose body equals the snapshot is not sent; a create that conflicts (409) with an existing object
  of the same name adopts that object (its id, etag, and its values for fields left unset here) and updates
  it, unless ``create_or_update`` is False;
* **take**: the server's answer becomes the new state of the wire fields, and the new snapshot;
* **forget**: after a delete the object is no longer stored.

Each class states only what differs, in small hooks: the paths (:meth:`Stored._create_path`,
:meth:`Stored._update_path`), the body (:meth:`Stored._wire`), how to find the object a conflicting create
collides with (:meth:`Stored._find_existing`) and what to merge from it (:meth:`Stored._merge_existing`).
Entities override :meth:`Stored._create` and :meth:`Stored._update` (an entity and its annotations are two
server objects) but share the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs

from .._convert import LOCAL, READ_ONLY, from_wire, to_wire, wire_field_names
from ..connection import Connection
from ..errors import ConflictError
from ..registry import ConnectionLike, get_connection
from ._html import Displayed

__all__ = ["Stored"]

S = TypeVar("S", bound="Stored")


@attrs.define(kw_only=True)
class Stored(Displayed):
    """Base of the models stored with etag-checked create/update, skipping no-op updates.

    The subclass defines ``etag`` (and ``id``) where it wants them in its fields and repr.
    """

    if TYPE_CHECKING:
        etag: str | None = None

    _ANSWER_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields the model reads from a server answer itself (besides the converter's wire fields)."""

    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    """Fields the server sent that this class does not know (sent back unchanged)."""
    _connection: Connection | None = attrs.field(default=None, init=False, repr=False, eq=False)
    """The connection the object was read or written with."""
    _stored: Any = attrs.field(default=None, init=False, repr=False, eq=False)
    """The state as last read or written (see :meth:`_state`); ``None``: not stored."""

    # -- hooks ---------------------------------------------------------------------------------------

    def _wire(self) -> dict[str, Any]:
        """The request body of a create or an update."""
        return to_wire(self)

    def _state(self) -> Any:
        """What the snapshot holds: what a write would send."""
        return self._wire()

    def _create_path(self) -> str | None:
        """Where a new object is POSTed; ``None`` when the client never creates such objects."""
        return None

    def _update_path(self) -> str:
        """Where the object is PUT."""
        raise NotImplementedError

    def _send_update(self, conn: Connection, body: dict[str, Any]) -> Any:
        """Send a changed body; returns the server's answer."""
        return conn.put(self._update_path(), body)

    def _find_existing(self, conn: Connection) -> Stored | None:
        """The stored object a conflicting create collides with (``None``: do not adopt one)."""
        return None

    def _merge_existing(self, remote: Any) -> None:
        """After adopting ``remote``: merge what both sides hold (annotations, attachments...)."""

    def _from_answer(self: S, conn: Connection, data: Any) -> S:
        """A fresh copy of this object from a server answer."""
        return type(self)._load(conn, data)

    def _is_new(self) -> bool:
        """Whether a write creates the object."""
        return self._create_path() is not None and getattr(self, "id", None) is None

    # -- the life cycle ------------------------------------------------------------------------------

    @classmethod
    def _load(cls: type[S], conn: Connection, data: Any) -> S:
        """Build the object from a response body, bound to ``conn``, with its snapshot."""
        return from_wire(cls, data)._loaded(conn)

    def _loaded(self: S, conn: Connection) -> S:
        """Bind the connection; snapshot the state if there is no snapshot yet (right after reading)."""
        self._connection = conn
        if self._stored is None:
            self._snapshot()
        return self

    def _snapshot(self) -> None:
        self._stored = self._state()

    def _changed(self, state: Any) -> bool:
        """Whether writing ``state`` would change anything since the last read or write."""
        return self._stored is None or self._stored != state

    def _write(self: S, conn: Connection, *, create_or_update: bool = True) -> S:
        """Create or update the object (see the module docstring); returns it, bound to ``conn``."""
        if not self._is_new():
            self._update(conn)
        else:
            try:
                self._create(conn)
            except ConflictError as conflict:
                remote = self._find_existing(conn) if create_or_update else None
                if remote is None:
                    raise
                self._adopt(remote, conflict)
                self._update(conn)
        self._connection = conn
        return self

    def _create(self, conn: Connection) -> None:
        self._accept(conn, conn.post(str(self._create_path()), self._wire()))

    def _update(self, conn: Connection) -> None:
        body = self._wire()
        if self._changed(body):
            self._accept(conn, self._send_update(conn, body))

    def _accept(self, conn: Connection, answer: Any) -> None:
        """Take the server's answer as the new state, and snapshot it."""
        self._take(self._from_answer(conn, answer))
        self._snapshot()

    def _take(self, fresh: Stored) -> None:
        """Copy the server state (wire fields, unknown fields) from a fresh copy; client-side fields stay."""
        for name in [*wire_field_names(type(self)), *self._ANSWER_FIELDS, "_unknown_fields"]:
            object.__setattr__(self, name, getattr(fresh, name))

    def _adopt(self, remote: Stored, conflict: ConflictError) -> None:
        """Become ``remote`` (the object a create collided with), keeping the values set here."""
        if type(remote) is not type(self):
            name = getattr(self, "name", None)
            raise ConflictError(
                conflict.status,
                f"{getattr(remote, 'id', None)} named {name!r} is a {type(remote).__name__}, "
                f"not a {type(self).__name__}",
                conflict.method,
                conflict.url,
            ) from conflict
        for field in attrs.fields(type(self)):
            if field.metadata.get(LOCAL):
                continue
            if (field.init and getattr(self, field.name) is None) or field.metadata.get(READ_ONLY):
                object.__setattr__(self, field.name, getattr(remote, field.name))
        object.__setattr__(self, "etag", remote.etag)  # the subclass's field
        self._unknown_fields = {**remote._unknown_fields, **self._unknown_fields}
        self._stored = remote._stored
        self._merge_existing(remote)

    def _forget(self) -> None:
        """After a delete: the object is no longer stored."""
        object.__setattr__(self, "etag", None)  # the subclass's field
        self._stored = None

    def _conn(self, connection: ConnectionLike | None) -> Connection:
        return get_connection(connection, bound=self._connection)
