"""What the current user may do with an entity, an evaluation queue or a team, as Synapse computes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ._html import Displayed

if TYPE_CHECKING:
    from .acl import AccessType

__all__ = ["TeamPermissions", "UserEntityPermissions", "UserEvaluationPermissions"]


@attrs.define(kw_only=True)
class _Permissions(Displayed):
    """What every kind of permissions says."""

    can_view: bool = False
    """May read it."""
    can_edit: bool = False
    """May change it."""
    can_delete: bool = False
    """May delete it."""


@attrs.define(kw_only=True)
class _ServerPermissions(_Permissions):
    """The answer of ``GET /{entity,evaluation}/{id}/permissions``: what both kinds share."""

    can_change_permissions: bool = False
    """May change its access control list."""
    can_public_read: bool = False
    """Anyone may read it (it is public)."""
    owner_principal_id: int | None = None
    """The creator."""
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)


@attrs.define(kw_only=True)
class UserEntityPermissions(_ServerPermissions):
    """What the current user may do with an entity, as the server computes it."""

    can_move: bool = False
    """May give the entity another parent."""
    can_add_child: bool = False
    """May create entities in this container."""
    can_certified_user_edit: bool = False
    """Would be allowed to edit once certified."""
    can_certified_user_add_child: bool = False
    """Would be allowed to add children once certified."""
    is_certified_user: bool = False
    """Has passed the certification quiz."""
    can_change_settings: bool = False
    """May change the entity's settings (such as its storage location)."""
    can_download: bool = False
    """No unmet access requirement stands in the way of a download."""
    can_upload: bool = False
    """Has accepted the current terms of service."""
    can_enable_inheritance: bool = False
    """May delete the entity's own ACL, so that it inherits its benefactor's again."""
    can_moderate: bool = False
    """May moderate the project's discussion forum."""
    is_certification_required: bool = False
    """The project asks its contributors to be certified."""
    is_entity_open_data: bool = False
    """The data is marked as open (safe to publish)."""
    is_data_contributor: bool = False
    """Counts as a contributor of the data (may update and delete it)."""


@attrs.define(kw_only=True)
class UserEvaluationPermissions(_ServerPermissions):
    """What the current user may do with an evaluation queue, as the server computes it."""

    can_submit: bool = False
    """May submit entities to the queue."""
    can_participate: bool = False
    """No longer used by the server; kept because it still answers it."""
    can_view_private_submission_status_annotations: bool = False
    """May read the private score annotations of the statuses."""
    can_edit_submission_statuses: bool = False
    """May score submissions (change their statuses)."""
    can_delete_submissions: bool = False
    """May delete submissions."""


@attrs.define(kw_only=True)
class TeamPermissions(_Permissions):
    """What the current user may do with a team (from the team's ACL and the user's membership)."""

    can_view: bool = True
    """Teams are visible to everyone."""
    is_member: bool = False
    """Is a member of the team."""
    is_admin: bool = False
    """Holds TEAM_MEMBERSHIP_UPDATE: may invite, add and remove members."""
    can_send_message: bool = False
    """May message the team (members, and holders of SEND_MESSAGE)."""
    access: set[AccessType] = attrs.field(factory=set)
    """The access types the ACL gives the user directly or through PUBLIC / AUTHENTICATED_USERS."""
