"""Teams: groups of users that can be given access together, with members and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import READ_ONLY, from_wire, to_wire
from ..connection import Connection
from ..errors import ForbiddenError, NotFoundError, ValidationError
from ..registry import ConnectionLike, get_connection
from ._html import Displayed
from ._stored import Stored
from ._wire import AclEntries, MemberAdminParams
from .acl import AccessType, Shareable, WellKnownPrincipal
from .ids import numeric_id
from .listing import Listing, offset_listing
from .permissions import TeamPermissions
from .principals import Principal, principal_id_by_name, resolve_principal
from .user import UserGroupHeader, current_user_id

__all__ = ["MembershipInvitation", "Team", "TeamMember", "TeamMembershipStatus"]


@attrs.define(kw_only=True)
class TeamMember(Principal, Displayed):
    """A member of a team: the user's header and whether they administer the team (it may be passed wherever a
    user is expected: ``project.grant(member, ...)``)."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("user_name", "principal_id", "is_admin", "team_id")
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("user_name", "principal_id", "is_admin")

    team_id: str
    member: UserGroupHeader
    is_admin: bool = False

    @property
    def user_name(self) -> str | None:
        """The member's user name."""
        return self.member.user_name

    @property
    def principal_id(self) -> int:
        """The member's principal id."""
        return int(self.member.owner_id)

    def _principal_id(self, field: str) -> int:
        return self.member._principal_id(field)


@attrs.define(kw_only=True)
class TeamMembershipStatus(Displayed):
    """Where a user stands with a team (member, invited, may join...)."""

    team_id: str
    user_id: str
    is_member: bool = False
    has_open_invitation: bool = False
    has_open_request: bool = False
    can_join: bool = False
    membership_approval_required: bool = False
    has_unmet_access_requirement: bool = False
    can_send_email: bool = False
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)


@attrs.define(kw_only=True)
class MembershipInvitation(Displayed):
    """An invitation to join a team, for a user (``invitee_id``) or an email address."""

    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("id", "invitee_id", "invitee_email", "message", "expires_on",
                                              "created_by")

    id: str | None = None
    team_id: str
    invitee_id: str | None = None
    invitee_email: str | None = None
    message: str | None = None
    expires_on: datetime | None = None
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    created_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)


@attrs.define
class Team(Stored, Shareable, Principal):
    """A named group of users; its id is a principal id, so it can be granted access like a user.

    Example:
        >>> team = Team(name="RNA-seq analysts", description="Pilot analysis group").store()
        >>> team.invite("bob", message="Join us")
        >>> project.grant(team, ["READ", "DOWNLOAD"])
    """

    _RESEND_AMBIGUOUS_CREATE: ClassVar[bool] = True

    ACL_KIND: ClassVar[str] = "team"
    is_individual: ClassVar[bool] = False
    """A team is a group, not a user (as ``UserGroupHeader.is_individual`` says of a principal)."""
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "description")

    name: str = attrs.field()
    """The unique team name (no user or other team may have it)."""
    id: str | None = attrs.field(default=None, kw_only=True)
    """The team id; ``None`` until stored."""
    description: str | None = attrs.field(default=None, kw_only=True)
    can_public_join: bool | None = attrs.field(default=None, kw_only=True)
    """Anyone may join without an invitation."""
    can_request_membership: bool | None = attrs.field(default=None, kw_only=True)
    """Users may ask to join (not together with ``can_public_join``)."""
    icon: str | None = attrs.field(default=None, kw_only=True)
    """The file handle id of the team's icon."""
    etag: str | None = attrs.field(default=None, kw_only=True)
    """Sent on update; a stale one gives PreconditionFailedError."""
    created_on: datetime | None = attrs.field(
        default=None, kw_only=True, init=False, metadata={READ_ONLY: True}
    )
    modified_on: datetime | None = attrs.field(
        default=None, kw_only=True, init=False, metadata={READ_ONLY: True}
    )
    created_by: str | None = attrs.field(default=None, kw_only=True, init=False, metadata={READ_ONLY: True})
    modified_by: str | None = attrs.field(default=None, kw_only=True, init=False, metadata={READ_ONLY: True})

    @name.validator
    def _check_name(self, _: attrs.Attribute[Any], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("name", value, "a team needs a non-empty name")

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def get(
        cls,
        id: int | str | Team | None = None,
        *,
        name: str | None = None,
        connection: ConnectionLike | None = None,
    ) -> Team:
        """Load a team by id, or by exact name.

        Raises:
            ValidationError: Neither (or a malformed) id nor name was given.
            NotFoundError: No such team.
        """
        conn = get_connection(connection)
        if id is None:
            if not name:
                raise ValidationError("id", None, "give a team id or name=")
            id = str(principal_id_by_name(conn, name, ["TEAM_NAME"]))
        team_id = numeric_id(id, "id", "team ids are numbers", objects=(Team,))
        return cls._load(conn, conn.get(f"/team/{team_id}"))

    def members(self, *, connection: ConnectionLike | None = None) -> Listing[TeamMember]:
        """The members (with their admin flag), lazily, page by page."""
        conn, team_id = self._acl_owner(connection)
        return offset_listing(conn, f"members of {self.name}", f"/teamMembers/{team_id}",
                              lambda item: from_wire(TeamMember, item))

    def membership_status(
        self,
        user: object,
        *,
        connection: ConnectionLike | None = None,
    ) -> TeamMembershipStatus:
        """Where a user (object, id or user name) stands with this team."""
        conn, team_id = self._acl_owner(connection)
        pid = resolve_principal(conn, user, "user")
        return from_wire(TeamMembershipStatus, conn.get(f"/team/{team_id}/member/{pid}/membershipStatus"))

    def permissions(self, *, connection: ConnectionLike | None = None) -> TeamPermissions:
        """What the current user may do with this team (from its ACL and the user's membership)."""
        conn, team_id = self._acl_owner(connection)
        me = current_user_id(conn)
        try:
            acl = from_wire(AclEntries, conn.get(f"/team/{team_id}/acl"))
        except ForbiddenError:
            acl = AclEntries()
        groups = {int(me), int(WellKnownPrincipal.PUBLIC), int(WellKnownPrincipal.AUTHENTICATED_USERS)}
        access = {
            AccessType(a)
            for entry in acl.resource_access
            if entry.principal_id in groups
            for a in entry.access_type
            if a in AccessType.__members__
        }
        try:
            member = from_wire(TeamMember, conn.get(f"/team/{team_id}/member/{me}"))
            is_member, is_admin = True, member.is_admin
        except NotFoundError:
            is_member, is_admin = False, False
        return TeamPermissions(
            is_member=is_member,
            is_admin=is_admin or AccessType.TEAM_MEMBERSHIP_UPDATE in access,
            can_view=True,
            can_edit=AccessType.UPDATE in access,
            can_delete=AccessType.DELETE in access,
            can_send_message=AccessType.SEND_MESSAGE in access or is_member,
            access=access,
        )

    # -- writing -------------------------------------------------------------------------------------

    def store(self, *, connection: ConnectionLike | None = None, create_or_update: bool = True) -> Team:
        """Create the team, or update it (etag-checked); nothing is sent when nothing changed.

        Args:
            connection: The connection to use (object or registered name).
            create_or_update: When creating and a team of that name exists, update that team instead
                (values left unset here keep the team's). ``False`` raises ConflictError.

        Raises:
            ConflictError: A user has the name, or a team has it and ``create_or_update`` is False.
            ForbiddenError: The existing team of that name is not yours to change.
            PreconditionFailedError: The team changed since you read it.
        """
        return self._write(self._conn(connection), create_or_update=create_or_update)

    def _create_path(self) -> str:
        return "/team"

    def _update_path(self) -> str:
        return "/team"

    def _find_existing(self, conn: Connection) -> Team | None:
        """The team that has this name (``None`` when the name belongs to a user)."""
        try:
            team_id = principal_id_by_name(conn, self.name, ["TEAM_NAME"])
        except NotFoundError:
            return None  # the name belongs to a user
        return self._load(conn, conn.get(f"/team/{team_id}"))

    def _principal_id(self, field: str) -> int:
        if self.id is None:
            raise ValidationError(field, self.name, "the team has no id yet; store() it first")
        return int(self.id)

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete the team (admins only)."""
        conn, team_id = self._acl_owner(connection)
        conn.delete(f"/team/{team_id}")
        self._forget()

    def invite(
        self, user_or_email: object, *, message: str | None = None, connection: ConnectionLike | None = None
    ) -> MembershipInvitation:
        """Invite a user (object, id or user name) or an email address to join."""
        conn, team_id = self._acl_owner(connection)
        invitation = MembershipInvitation(team_id=team_id, message=message)
        if isinstance(user_or_email, str) and "@" in user_or_email:
            invitation.invitee_email = user_or_email.strip()
        else:
            invitation.invitee_id = str(resolve_principal(conn, user_or_email, "user_or_email"))
        return from_wire(MembershipInvitation, conn.post("/membershipInvitation", to_wire(invitation)))

    def invitations(self, *, connection: ConnectionLike | None = None) -> Listing[MembershipInvitation]:
        """The open invitations of this team, lazily."""
        conn, team_id = self._acl_owner(connection)
        return offset_listing(conn, f"open invitations to {self.name}", f"/team/{team_id}/openInvitation",
                              lambda item: from_wire(MembershipInvitation, item))

    def join(self, *, connection: ConnectionLike | None = None) -> None:
        """Join the team as the current user (needs an open invitation, or a team anyone may join)."""
        conn, team_id = self._acl_owner(connection)
        conn.put(f"/team/{team_id}/member/{current_user_id(conn)}")

    def add(self, user: object, *, connection: ConnectionLike | None = None) -> None:
        """Add a user as an admin (the user must have asked to join, or be invited)."""
        conn, team_id = self._acl_owner(connection)
        conn.put(f"/team/{team_id}/member/{resolve_principal(conn, user, 'user')}")

    def set_admin(
        self, user: object, is_admin: bool = True, *, connection: ConnectionLike | None = None
    ) -> None:
        """Make a member an admin of the team, or take that away."""
        conn, team_id = self._acl_owner(connection)
        pid = resolve_principal(conn, user, "user")
        params = to_wire(MemberAdminParams(is_admin=is_admin))
        conn.put(f"/team/{team_id}/member/{pid}/permission", params=params)

    def remove(self, user: object, *, connection: ConnectionLike | None = None) -> None:
        """Remove a member (admins only; anyone may remove themself)."""
        conn, team_id = self._acl_owner(connection)
        conn.delete(f"/team/{team_id}/member/{resolve_principal(conn, user, 'user')}")

    def leave(self, *, connection: ConnectionLike | None = None) -> None:
        """Leave the team as the current user."""
        conn, team_id = self._acl_owner(connection)
        conn.delete(f"/team/{team_id}/member/{current_user_id(conn)}")
