"""Sharing settings: access control lists and the verbs every shareable object has.

Entities, evaluations and teams each carry an :class:`AccessControlList` (an entity may instead inherit the
ACL of an ancestor, its *benefactor*). The :class:`Shareable` mixin gives them the same verbs::

    project.grant(bob, ["READ", "DOWNLOAD"])     # bob as a UserProfile, a principal id, or "bob"
    project.revoke("bob")
    folder.acl()                                 # the ACL that applies (maybe the benefactor's)
    folder.permissions()                         # what the server says *you* may do
    folder.restore_inheritance()                 # entities only: drop the folder's own ACL

Principals (users and teams) are given as :class:`~synapse_models.UserProfile` / :class:`~synapse_models.Team`
objects, principal ids, a :class:`WellKnownPrincipal`, or user/team names (see
:mod:`synapse_models.models.principals`); what the server computes you may do is in
:mod:`synapse_models.models.permissions`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import READ_ONLY, from_wire, to_wire
from ..connection import Connection
from ..errors import ValidationError
from ..registry import ConnectionLike
from ._args import as_list
from ._html import Displayed, grid, section, value_html
from ._stored import Stored, stored_target
from ._wire import IdRef
from .permissions import TeamPermissions, UserEntityPermissions, UserEvaluationPermissions
from .principals import PrincipalLike, resolve_principal

__all__ = [
    "AccessControlList",
    "AccessType",
    "AclHolder",
    "EntityShareable",
    "PrincipalLike",
    "ResourceAccess",
    "Shareable",
    "TeamPermissions",
    "UserEntityPermissions",
    "UserEvaluationPermissions",
    "WellKnownPrincipal",
    "resolve_principal",
    "to_access_types",
]


class AccessType(enum.Enum):
    """Every permission Synapse knows (``ACCESS_TYPE``)."""

    CREATE = "CREATE"
    READ = "READ"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    CHANGE_PERMISSIONS = "CHANGE_PERMISSIONS"
    DOWNLOAD = "DOWNLOAD"
    UPLOAD = "UPLOAD"
    PARTICIPATE = "PARTICIPATE"
    SUBMIT = "SUBMIT"
    READ_PRIVATE_SUBMISSION = "READ_PRIVATE_SUBMISSION"
    UPDATE_SUBMISSION = "UPDATE_SUBMISSION"
    DELETE_SUBMISSION = "DELETE_SUBMISSION"
    TEAM_MEMBERSHIP_UPDATE = "TEAM_MEMBERSHIP_UPDATE"
    SEND_MESSAGE = "SEND_MESSAGE"
    CHANGE_SETTINGS = "CHANGE_SETTINGS"
    MODERATE = "MODERATE"
    REVIEW_SUBMISSIONS = "REVIEW_SUBMISSIONS"
    EXEMPTION_ELIGIBLE = "EXEMPTION_ELIGIBLE"


class WellKnownPrincipal(enum.IntEnum):
    """Groups every Synapse deployment has; usable wherever a principal is expected."""

    AUTHENTICATED_USERS = 273948
    PUBLIC = 273949
    ANONYMOUS = 273950


AccessInput = Iterable[AccessType | str] | AccessType | str


def to_access_types(value: AccessInput, field: str = "access") -> set[AccessType]:
    """Read access types given as enum members or names (any case); unknown names raise ValidationError."""
    if isinstance(value, (str, AccessType)):
        items: Iterable[AccessType | str] = [value]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        choices = ", ".join(AccessType.__members__)
        raise ValidationError(field, value, f"give an access type or a list of them ({choices})")
    result: set[AccessType] = set()
    for item in items:
        if isinstance(item, AccessType):
            result.add(item)
            continue
        name = item.strip().upper() if isinstance(item, str) else None
        if name not in AccessType.__members__:
            choices = ", ".join(AccessType.__members__)
            raise ValidationError(field, item, f"not an access type; choose from {choices}")
        result.add(AccessType[name])
    return result


@attrs.define(kw_only=True)
class ResourceAccess(Displayed):
    """One ACL entry: what one principal (user or team) may do."""

    principal_id: int
    """The user or team id."""
    access_type: set[AccessType] = attrs.field(factory=set, converter=to_access_types)
    """The permissions granted."""


def _entries(value: Any) -> list[ResourceAccess]:
    entries = as_list(value, "resource_access", one=(ResourceAccess,))
    for entry in entries:
        if not isinstance(entry, ResourceAccess):
            raise ValidationError("resource_access", entry, "expected ResourceAccess entries")
    return entries


@attrs.define(kw_only=True)
class AccessControlList(Stored):
    """The sharing settings of one entity, evaluation or team.

    Change it with :meth:`grant`/:meth:`revoke` and :meth:`store` it (etag-checked), or use the same verbs on
    the object it belongs to. An entity that inherits gets its benefactor's ACL here (``inherited`` is true);
    storing it gives the entity its own ACL, starting from those entries.

    Example:
        >>> acl = project.acl()
        >>> acl.grant("bob", ["READ"])
        >>> acl.store()
    """

    _ANSWER_FIELDS: ClassVar[tuple[str, ...]] = ("owner_id", "owner_kind")
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("owner_id", "id", "inherited", "resource_access")
    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag", "resource_access"})

    id: str | None = None
    """The id of the object whose ACL this is (for an inherited ACL: the benefactor's id)."""
    etag: str | None = None
    """Sent on update; a stale one gives PreconditionFailedError."""
    resource_access: list[ResourceAccess] = attrs.field(factory=list, converter=_entries)
    """The entries, one per principal."""
    creation_date: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """When the ACL was created."""
    owner_id: str | None = attrs.field(default=None, init=False, eq=False)
    """The object these settings apply to (differs from ``id`` while inherited)."""
    owner_kind: str = attrs.field(default="entity", init=False, eq=False)
    """``entity``, ``evaluation`` or ``team``."""

    @property
    def inherited(self) -> bool:
        """Whether these are a benefactor's settings (the owner has no ACL of its own yet)."""
        return self.owner_id is not None and self.id != self.owner_id

    def __getitem__(self, principal_id: int) -> set[AccessType]:
        """The access types of one principal id (an empty set when it has no entry)."""
        for entry in self.resource_access:
            if entry.principal_id == int(principal_id):
                return set(entry.access_type)
        return set()

    def __iter__(self) -> Iterator[ResourceAccess]:
        return iter(self.resource_access)

    def __len__(self) -> int:
        return len(self.resource_access)

    def grant(
        self, principal: object, access: AccessInput, *, connection: ConnectionLike | None = None
    ) -> AccessControlList:
        """Add access types for a principal (kept locally until :meth:`store`)."""
        wanted = _wanted(access)
        pid = resolve_principal(self._conn(connection), principal)
        for entry in self.resource_access:
            if entry.principal_id == pid:
                entry.access_type = entry.access_type | wanted
                return self
        self.resource_access.append(ResourceAccess(principal_id=pid, access_type=wanted))
        return self

    def revoke(
        self,
        principal: object,
        access: AccessInput | None = None,
        *,
        connection: ConnectionLike | None = None,
    ) -> AccessControlList:
        """Remove some (with no ``access``: all) access types of a principal (kept locally until store())."""
        dropped = to_access_types(access) if access is not None else None
        pid = resolve_principal(self._conn(connection), principal)
        kept: list[ResourceAccess] = []
        for entry in self.resource_access:
            if entry.principal_id == pid:
                if dropped is None:
                    continue
                entry.access_type = entry.access_type - dropped
                if not entry.access_type:
                    continue
            kept.append(entry)
        self.resource_access = kept
        return self

    def to_body(self) -> dict[str, Any]:
        """The request body: sent under the owner's id, entries in a stable order, no etag while inherited."""
        return self._wire()

    def store(self, *, connection: ConnectionLike | None = None) -> AccessControlList:
        """Save the settings (PUT with the etag; POST when an entity stops inheriting); no-op if unchanged."""
        return self._write(self._conn(connection))

    # -- life cycle hooks (see _stored.py) ------------------------------------------------------------

    def _wire(self) -> dict[str, Any]:
        entries = as_list(self.resource_access, "resource_access")
        for n, entry in enumerate(entries):
            if not isinstance(entry, ResourceAccess):
                raise ValidationError(f"resource_access[{n}]", entry, "expected a ResourceAccess")
        entries = sorted(entries, key=lambda e: e.principal_id)
        etag = self.etag if self.etag and not self.inherited else None
        return to_wire(self, id=self.owner_id or self.id, etag=etag, resource_access=entries)

    def _send_update(self, conn: Connection, body: dict[str, Any]) -> Any:
        if self.owner_kind == "schema/organization":  # the one ACL whose PUT names its owner in the path
            return conn.put(f"/schema/organization/{self.owner_id or self.id}/acl", body)
        if self.owner_kind != "entity":
            return conn.put(f"/{self.owner_kind}/acl", body)
        owner = self.owner_id or self.id
        if self.inherited:
            return conn.post(f"/entity/{owner}/acl", body)
        return conn.put(f"/entity/{owner}/acl", body)

    def _from_answer(self, conn: Connection, data: Any) -> AccessControlList:
        return _acl_from_wire(data, conn, owner_id=str(self.owner_id or self.id), kind=self.owner_kind)

    def _principal_ids(self) -> set[str]:
        return {str(e.principal_id) for e in self.resource_access}

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        known = {**names, **{str(int(w)): w.name for w in WellKnownPrincipal}}
        rows = [(value_html(e.principal_id, "principal_id", known),
                 value_html(sorted(a.value for a in e.access_type))) for e in self.resource_access]
        return [section("access", grid(["user or team", "may"], rows))]


def _acl_from_wire(data: Any, conn: Connection, *, owner_id: str, kind: str) -> AccessControlList:
    acl = from_wire(AccessControlList, data)
    acl.owner_id = owner_id
    acl.owner_kind = kind
    return acl._loaded(conn)


def _wanted(access: AccessInput) -> set[AccessType]:
    wanted = to_access_types(access)
    if not wanted:
        raise ValidationError("access", access, "give at least one access type (revoke() removes access)")
    return wanted


class AclHolder:
    """Mixin: ``acl()``, ``grant()``, ``revoke()`` for objects that have an ACL.

    The host class sets ``ACL_KIND`` (``entity``, ``evaluation``, ``team`` or ``schema/organization``) and has
    ``id`` and ``_conn()``.
    """

    __slots__ = ()
    ACL_KIND: ClassVar[str] = "entity"

    def _acl_owner(self, connection: ConnectionLike | None) -> tuple[Connection, str]:
        return stored_target(self, connection)

    def acl(self, *, connection: ConnectionLike | None = None) -> AccessControlList:
        """The access control list that applies to this object (for an entity maybe its benefactor's)."""
        conn, oid = self._acl_owner(connection)
        if self.ACL_KIND == "entity":
            benefactor = _benefactor(conn, oid)
            return _acl_from_wire(conn.get(f"/entity/{benefactor}/acl"), conn, owner_id=oid, kind="entity")
        return _acl_from_wire(conn.get(f"/{self.ACL_KIND}/{oid}/acl"), conn, owner_id=oid, kind=self.ACL_KIND)

    def grant(
        self, principal: object, access: AccessInput, *, connection: ConnectionLike | None = None
    ) -> AccessControlList:
        """Give a user or team these access types (added to what it has); returns the stored ACL.

        On an entity that inherits its permissions this creates the entity's own ACL, starting from the
        benefactor's entries.

        Raises:
            ValidationError: An unknown access type, or a malformed principal (before any request).
            NotFoundError: No user or team has that name.
        """
        wanted = _wanted(access)
        conn, _ = self._acl_owner(connection)
        pid = resolve_principal(conn, principal)
        acl = self.acl(connection=conn)
        if wanted <= acl[pid] and not acl.inherited:
            return acl
        return acl.grant(pid, wanted, connection=conn).store(connection=conn)

    def revoke(
        self,
        principal: object,
        access: AccessInput | None = None,
        *,
        connection: ConnectionLike | None = None,
    ) -> AccessControlList:
        """Take away access types (all of them when ``access`` is None) from a user or team.

        Revoking on an entity that inherits gives it its own ACL (the benefactor's entries minus these).
        """
        dropped = to_access_types(access) if access is not None else None
        conn, _ = self._acl_owner(connection)
        pid = resolve_principal(conn, principal)
        acl = self.acl(connection=conn)
        if not acl[pid]:
            return acl
        return acl.revoke(pid, dropped, connection=conn).store(connection=conn)


class Shareable(AclHolder):
    """Mixin: :class:`AclHolder` plus ``permissions()``, what the server says the caller may do."""

    __slots__ = ()

    def permissions(self, *, connection: ConnectionLike | None = None) -> Any:
        """What the current user may do here, as the server computes it."""
        conn, oid = self._acl_owner(connection)
        kind = UserEntityPermissions if self.ACL_KIND == "entity" else UserEvaluationPermissions
        return from_wire(kind, conn.get(f"/{self.ACL_KIND}/{oid}/permissions"))


class EntityShareable(Shareable):
    """Mixin for entities: :class:`Shareable` plus ACL inheritance (benefactor)."""

    __slots__ = ()

    def permissions(self, *, connection: ConnectionLike | None = None) -> UserEntityPermissions:
        """What the current user may do with this entity, as the server computes it."""
        result: UserEntityPermissions = super().permissions(connection=connection)
        return result

    def benefactor(self, *, connection: ConnectionLike | None = None) -> str:
        """The id of the entity whose ACL applies here (this entity's own id when it has its own ACL)."""
        conn, oid = self._acl_owner(connection)
        return _benefactor(conn, oid)

    def restore_inheritance(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete this entity's own ACL so it inherits from its parent again (no-op if it already does)."""
        conn, oid = self._acl_owner(connection)
        if _benefactor(conn, oid) == oid:
            conn.delete(f"/entity/{oid}/acl")


def _benefactor(conn: Connection, entity_id: str) -> str:
    return from_wire(IdRef, conn.get(f"/entity/{entity_id}/benefactor")).id
