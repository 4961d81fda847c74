"""Users: profiles, the light headers listings return, and ``sm.me()``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import READ_ONLY, from_wire
from ..connection import Connection
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from ._html import Displayed
from ._stored import Stored
from ._wire import UserBundle
from .ids import numeric_id
from .principals import Principal, principal_id_by_name

__all__ = ["UserGroupHeader", "UserProfile", "current_user_id", "me"]

_CERTIFIED_MASK = 0x8  # the UserBundle part that says whether the user is certified


@attrs.define(kw_only=True)
class UserGroupHeader(Displayed, Principal):
    """A light reference to a user or a team, as member lists and searches return it."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("owner_id", "user_name", "is_individual")

    owner_id: str
    """The principal id."""
    user_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    display_name: str | None = None
    is_individual: bool | None = None
    """True for a user, False for a team."""
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def _principal_id(self, field: str) -> int:
        return _owner_principal(self.owner_id, self, field)


@attrs.define(kw_only=True)
class UserProfile(Stored, Principal):
    """A Synapse user's public profile (your own profile also carries private fields such as ``emails``).

    Example:
        >>> bob = UserProfile.get("bob")
        >>> project.grant(bob, ["READ"])
    """

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("owner_id", "user_name", "first_name", "last_name")

    owner_id: str | None = None
    """The user's principal id."""
    user_name: str | None = None
    """The unique user name."""
    etag: str | None = None
    """Sent on update; a stale one gives PreconditionFailedError."""
    first_name: str | None = None
    last_name: str | None = None
    emails: list[str] | None = None
    """Only present in your own profile."""
    display_name: str | None = None
    company: str | None = None
    position: str | None = None
    location: str | None = None
    industry: str | None = None
    summary: str | None = None
    url: str | None = None
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """When the account was created."""

    @property
    def id(self) -> str | None:
        """The principal id (same as ``owner_id``)."""
        return self.owner_id

    def _principal_id(self, field: str) -> int:
        return _owner_principal(self.owner_id, self, field)

    @classmethod
    def get(cls, id_or_username: int | str | Principal, *,
            connection: ConnectionLike | None = None) -> UserProfile:
        """Load a profile by principal id or by exact user name (or of a user object: a profile, a member...).

        Raises:
            ValidationError: The argument is empty or not an id/name (before any request).
            NotFoundError: No such user.
        """
        conn = get_connection(connection)
        user = id_or_username
        if isinstance(user, Principal) and getattr(user, "is_individual", None) is not False:  # not a team
            id_or_username = user._principal_id("id_or_username")
        if isinstance(id_or_username, bool) or not isinstance(id_or_username, (int, str)):
            raise ValidationError("id_or_username", id_or_username, "give a principal id or a user name")
        text = str(id_or_username).strip()
        if not text:
            raise ValidationError("id_or_username", id_or_username, "an empty name names nobody")
        if not text.isdigit():
            text = str(principal_id_by_name(conn, text, ["USER_NAME"]))
        return cls._load(conn, conn.get(f"/userProfile/{text}"))

    def is_certified(self, *, connection: ConnectionLike | None = None) -> bool:
        """Whether the user is a certified Synapse user (passed the quiz, or was certified by Synapse):
        certified users may upload content and create tables (one request, ``GET /user/{id}/bundle``).
        """
        conn = self._conn(connection)
        bundle = conn.get(f"/user/{self._principal_id('user')}/bundle", params={"mask": _CERTIFIED_MASK})
        return bool(from_wire(UserBundle, bundle).is_certified)

    def store(self, *, connection: ConnectionLike | None = None) -> UserProfile:
        """Save changes to your own profile (etag-checked; nothing is sent when nothing changed).

        Raises:
            PreconditionFailedError: The profile changed since you read it.
            ForbiddenError: It is not your profile.
        """
        return self._write(self._conn(connection))

    def _update_path(self) -> str:
        return "/userProfile"


def me(*, connection: ConnectionLike | None = None) -> UserProfile:
    """The profile of the user the connection is logged in as."""
    conn = get_connection(connection)
    return UserProfile._load(conn, conn.get("/userProfile"))


def current_user_id(conn: Connection) -> str:
    """The principal id of the user ``conn`` is logged in as (asked once, then kept on the connection)."""
    if conn.user_id is None:
        conn.user_id = str(me(connection=conn)._principal_id("user"))
    return conn.user_id


def _owner_principal(owner_id: str | None, user: object, field: str) -> int:
    if owner_id is None:
        raise ValidationError(field, user, "this user has no owner id")
    return int(numeric_id(owner_id, "owner_id", "a user id is a number"))
