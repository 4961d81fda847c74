"""What the current user may do with an entity, an evaluation queue or a team, as Synapse computes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .acl import AccessType

__all__ = ["TeamPermissions", "UserEntityPermissions", "UserEvaluationPermissions"]


@attrs.define(kw_only=True)
class _Permissions:
    """What every kind of permissions says."""

    can_view: bool = False
    can_edit: bool = False
    can_delete: bool = False


@attrs.define(kw_only=True)
class _ServerPermissions(_Permissions):
    """The answer of ``GET /{entity,evaluation}/{id}/permissions``: what both kinds share."""

    can_change_permissions: bool = False
    can_public_read: bool = False
    owner_principal_id: int | None = None
    """The creator."""
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)


@attrs.define(kw_only=True)
class UserEntityPermissions(_ServerPermissions):
    """What the current user may do with an entity, as the server computes it."""

    can_move: bool = False
    can_add_child: bool = False
    can_certified_user_edit: bool = False
    can_certified_user_add_child: bool = False
    is_certified_user: bool = False
    can_change_settings: bool = False
    can_download: bool = False
    can_upload: bool = False
    can_enable_inheritance: bool = False
    can_moderate: bool = False
    is_certification_required: bool = False
    is_entity_open_data: bool = False
    is_data_contributor: bool = False


@attrs.define(kw_only=True)
class UserEvaluationPermissions(_ServerPermissions):
    """What the current user may do with an evaluation queue, as the server computes it."""

    can_submit: bool = False
    can_participate: bool = False
    can_view_private_submission_status_annotations: bool = False
    can_edit_submission_statuses: bool = False
    can_delete_submissions: bool = False


@attrs.define(kw_only=True)
class TeamPermissions(_Permissions):
    """What the current user may do with a team (from the team's ACL and the user's membership)."""

    can_view: bool = True
    """Teams are visible to everyone."""
    is_member: bool = False
    is_admin: bool = False
    """Holds TEAM_MEMBERSHIP_UPDATE: may invite, add and remove members."""
    can_send_message: bool = False
    access: set[AccessType] = attrs.field(factory=set)
    """The access types the ACL gives the user directly or through PUBLIC / AUTHENTICATED_USERS."""
