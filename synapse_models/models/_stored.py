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

Setting an attribute a model does not have (``f.foo = "x"``) raises an AttributeError that says where such a
value goes (``f.annotations["foo"]``) or which field was meant (:func:`guard_unknown_attributes`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs

from .._convert import LOCAL, READ_ONLY, from_wire, to_wire, wire_field_names
from ..connection import Connection
from ..errors import ConflictError, ServerError, TransportError, ValidationError
from ..registry import ConnectionLike, get_connection
from ._html import Displayed

__all__ = ["Stored", "ambiguous", "conflicting_keys", "guard_unknown_attributes"]

log = logging.getLogger("synapse_models")
_RESENDS = 3
"""Times a create whose outcome is unknown is sent again (see :attr:`Stored._RESEND_AMBIGUOUS_CREATE`)."""


def conflicting_keys(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any], *,
                     whole: bool = True, skip: tuple[str, ...] = ()) -> list[str]:
    """The keys someone else changed where this write would overwrite them (a three-way compare).

    A key is in conflict when the server's value (``theirs``) differs both from the one last read (``base``)
    and from the one being written (``mine``); an absent key counts as ``None``. With ``whole=False`` a key
    ``mine`` lacks is one this write leaves as the server has it, never a conflict (an entity body: unset
    fields are taken from the server); ``whole=True`` is for a write that replaces the whole key set
    (annotations), where a key added by someone else would be dropped.
    """
    conflicts = []
    for key in sorted({*base, *mine, *theirs} - set(skip)):
        if key not in mine and not whole:
            continue
        value, held = mine.get(key), theirs.get(key)
        if value != held and held != base.get(key):
            conflicts.append(key)
    return conflicts


def ambiguous(exc: BaseException) -> bool:
    """Whether a write that raised ``exc`` may nevertheless have been applied by the server: the connection
    broke after the request was sent, or a 5xx other than 503 (by which the server says it did nothing)."""
    if isinstance(exc, TransportError):
        return exc.sent
    return isinstance(exc, ServerError) and exc.status != 503

S = TypeVar("S", bound="Stored")


@attrs.define(kw_only=True)
class Stored(Displayed):
    """Base of the models stored with etag-checked create/update, skipping no-op updates.

    The subclass defines ``etag`` (and ``id``) where it wants them in its fields and repr.
    """

    if TYPE_CHECKING:
        etag: str | None = None

    @classmethod
    def __attrs_init_subclass__(cls) -> None:
        guard_unknown_attributes(cls)

    _ANSWER_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields the model reads from a server answer itself (besides the converter's wire fields)."""
    _RESEND_AMBIGUOUS_CREATE: ClassVar[bool] = False
    """Whether a create whose outcome is unknown (:func:`ambiguous`) may be sent again. True where names are
    unique (entities, teams, evaluations): if the first create did happen, the second is refused with 409 and
    the life cycle adopts the object the first one made, so nothing is created twice."""

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
            self._create_or_adopt(conn, create_or_update)
        self._connection = conn
        return self

    def _create_or_adopt(self, conn: Connection, create_or_update: bool) -> None:
        """Create the object; on a conflict adopt the existing one (``create_or_update``); after a create
        whose outcome is unknown, send it again where a duplicate would conflict (and adopt the first one,
        made by this user, even when not ``create_or_update``)."""
        resent = 0
        while True:
            try:
                self._create(conn)
                return
            except ConflictError as conflict:
                remote = self._find_existing(conn) if create_or_update or resent else None
                if remote is None or (not create_or_update and not self._made_by(remote, conn)):
                    raise
                if resent:
                    log.info("%s %r: the create that seemed to fail had happened; using it",
                             type(self).__name__, getattr(self, "name", None))
                self._adopt(remote, conflict)
                self._update(conn)
                return
            except (TransportError, ServerError) as exc:
                if resent >= _RESENDS or not (self._RESEND_AMBIGUOUS_CREATE and ambiguous(exc)):
                    raise
                resent += 1
                log.warning("%s %r: the create may or may not have happened (%s); sending it again "
                            "(a duplicate is refused and the first one used)", type(self).__name__,
                            getattr(self, "name", None), exc)

    @staticmethod
    def _made_by(remote: Stored, conn: Connection) -> bool:
        """Whether ``remote`` was created by this connection's user (then a resent create may adopt it)."""
        creator = getattr(remote, "created_by", None)
        return creator is not None and str(creator) == str(conn.user_id)

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

    def _adopt(self, remote: Stored, conflict: ConflictError | None, *, merge: bool = True) -> None:
        """Become ``remote`` (the object a create collided with, or this object as the server now holds it),
        keeping the values set here; ``merge``: then merge what both sides hold (:meth:`_merge_existing`)."""
        if type(remote) is not type(self) and conflict is not None:
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
        if merge:
            self._merge_existing(remote)

    def _forget(self) -> None:
        """After a delete: the object is no longer stored."""
        object.__setattr__(self, "etag", None)  # the subclass's field
        self._stored = None

    def _conn(self, connection: ConnectionLike | None) -> Connection:
        return get_connection(connection, bound=self._connection)


def stored_target(obj: object, connection: ConnectionLike | None) -> tuple[Connection, str]:
    """The connection and the id of a stored object, for a request about something it owns (its ACL, its
    schema binding); an object not stored yet has none."""
    object_id = getattr(obj, "id", None)
    if object_id is None:
        raise ValidationError("id", None, f"this {type(obj).__name__} is not stored yet")
    conn: Connection = obj._conn(connection)  # type: ignore[attr-defined]
    return conn, str(object_id)


_ANNOTATION_FIELDS = ("annotations", "submission_annotations")


def guard_unknown_attributes(cls: type) -> None:
    """Make ``obj.unknown = value`` on instances of the attrs class ``cls`` raise a helpful AttributeError.

    attrs classes with slots refuse unknown attributes with a bare "object has no attribute"; this one says
    that an annotation goes in ``.annotations[...]`` or names the field that was probably meant. Only names
    the class does not have are checked (one ``hasattr`` on the class); nothing else changes.
    """
    setter: Callable[[Any, str, Any], None] = cls.__setattr__  # type: ignore[assignment]
    if getattr(setter, "_guarded", False):  # inherited from a guarded base
        return

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if not hasattr(type(self), name):  # fields (slots) and properties are attributes of the class
            raise AttributeError(_unknown_attribute(self, name, value), name=name, obj=self)
        setter(self, name, value)

    __setattr__._guarded = True  # type: ignore[attr-defined]
    cls.__setattr__ = __setattr__  # type: ignore[assignment]


def _unknown_attribute(obj: Any, name: str, value: Any) -> str:
    import difflib
    import re

    kind = type(obj)
    public = [a.name for a in attrs.fields(kind) if not a.name.startswith("_")]
    public += [n for c in kind.__mro__ for n, v in vars(c).items()
               if isinstance(v, property) and not n.startswith("_")]
    message = f"{kind.__name__} has no attribute {name!r}"
    close = difflib.get_close_matches(name, public, n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    notes = next((f for f in _ANNOTATION_FIELDS if f in public), None)
    if notes is not None:
        shown = repr(value) if len(repr(value)) <= 40 else f"{type(value).__name__}(...)"
        variable = re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()  # submission_status
        message += f"; to annotate it, use {variable}.{notes}[{name!r}] = {shown}"
    return message
