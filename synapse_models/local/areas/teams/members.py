"""Team members (REFERENCE 2.9, 3.8): listing and counting members, adding and removing them, admin
permissions and membership status.  Who may join is explained in the docstring of ``teams.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl, principals
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.ids import parse_id
from ...core.paging import list_wrapper, offset_limit
from ...core.routing import Routes
from ...core.txn import Txn, User
from ..users.service import group_header
from .invitations import open_invitations, open_requests
from .records import (
    ADMIN_ACCESS,
    REPO,
    TEAM_MEMBER_TYPE,
    TEAM_TYPE,
    add_member,
    id_list,
    is_member,
    is_team_admin,
    matches,
    member_ids,
    require_team,
    require_team_access,
    require_user,
)

routes = Routes()


def _admin_principals(db: sqlite3.Connection, team_id: int) -> set[int]:
    found = acl.get_acl(db, TEAM_TYPE, team_id)
    return {
        int(entry["principalId"])
        for entry in (found or {}).get("resourceAccess", [])
        if "TEAM_MEMBERSHIP_UPDATE" in entry.get("accessType", [])
    }


def _member_json(db: sqlite3.Connection, team_id: int, principal_id: int, admins: set[int]) -> dict[str, Any]:
    return {
        "teamId": str(team_id),
        "member": group_header(db, principal_id) or {"ownerId": str(principal_id), "isIndividual": True},
        "isAdmin": principal_id in admins,
    }


def _set_admin(txn: Txn, team_id: int, principal_id: int, admin: bool) -> None:
    current = acl.get_acl(txn.db, TEAM_TYPE, team_id)
    entries = [
        dict(e) for e in (current or {}).get("resourceAccess", []) if int(e["principalId"]) != principal_id
    ]
    if admin:
        entries.append({"principalId": principal_id, "accessType": list(ADMIN_ACCESS)})
    if not any("TEAM_MEMBERSHIP_UPDATE" in e["accessType"] for e in entries):
        raise BadRequest("A team must have at least one administrator")
    normalized = acl.normalize_resource_access(txn.db, entries)
    if current is None:
        acl.create_acl(txn, TEAM_TYPE, team_id, normalized)
    else:
        acl.update_acl(txn, TEAM_TYPE, team_id, normalized, current["etag"])


def _touch_team(txn: Txn, team_id: int) -> None:
    txn.db.execute(
        "UPDATE teams SET etag = ?, modified_on = ?, modified_by = ? WHERE id = ?",
        (txn.new_etag(), txn.now(), txn.user_id, team_id),
    )


# -- members ------


def _filtered_members(ctx: RequestContext, team_id: int) -> list[dict[str, Any]]:
    require_team(ctx.db, team_id)
    admins = _admin_principals(ctx.db, team_id)
    member_type = (ctx.args.get("memberType") or "ALL").upper()
    if member_type not in ("ALL", "ADMIN", "MEMBER"):
        raise BadRequest(f"memberType must be ADMIN, MEMBER or ALL, got {member_type}")
    fragment = (ctx.args.get("fragment") or "").lower()
    result = []
    for principal_id in member_ids(ctx.db, team_id):
        admin = principal_id in admins
        if (member_type == "ADMIN" and not admin) or (member_type == "MEMBER" and admin):
            continue
        member = _member_json(ctx.db, team_id, principal_id, admins)
        header = member["member"]
        names = " ".join(str(header.get(k) or "") for k in ("userName", "firstName", "lastName"))
        if fragment and not matches(names, fragment):
            continue
        result.append(member)
    return result


@routes.route("GET", REPO + "/teamMembers/<id>")
def team_members(ctx: RequestContext, id: str) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    members = _filtered_members(ctx, parse_id(id, "team id"))
    return {"totalNumberOfResults": len(members), "results": members[offset : offset + limit]}


@routes.route("GET", REPO + "/teamMembers/count/<id>")
def team_member_count(ctx: RequestContext, id: str) -> dict[str, Any]:
    return {"count": len(_filtered_members(ctx, parse_id(id, "team id")))}


@routes.route("GET", REPO + "/team/<id>/member/<principal_id>")
def get_team_member(ctx: RequestContext, id: str, principal_id: str) -> dict[str, Any]:
    team_id, member = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    require_team(ctx.db, team_id)
    if not is_member(ctx.db, team_id, member):
        raise NotFound(f"Principal {member} is not a member of team {team_id}")
    return _member_json(ctx.db, team_id, member, _admin_principals(ctx.db, team_id))


@routes.route("POST", REPO + "/team/<id>/memberList")
def team_member_list(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = parse_id(id, "team id")
    require_team(ctx.db, team_id)
    admins = _admin_principals(ctx.db, team_id)
    found = [
        _member_json(ctx.db, team_id, member, admins)
        for member in id_list(ctx)
        if is_member(ctx.db, team_id, member)
    ]
    return list_wrapper(TEAM_MEMBER_TYPE, found)


@routes.route("POST", REPO + "/user/<id>/memberList")
def user_member_list(ctx: RequestContext, id: str) -> dict[str, Any]:
    user_id = parse_id(id, "user id")
    found = [
        _member_json(ctx.db, team_id, user_id, _admin_principals(ctx.db, team_id))
        for team_id in id_list(ctx)
        if is_member(ctx.db, team_id, user_id)
    ]
    return list_wrapper(TEAM_MEMBER_TYPE, found)


@routes.route("PUT", REPO + "/team/<id>/member/<principal_id>", status=204)
def add_team_member(ctx: RequestContext, id: str, principal_id: str) -> None:
    ctx.require_login()
    team_id, member = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    row = require_team(ctx.db, team_id)
    require_user(ctx.db, member)
    if is_member(ctx.db, team_id, member):
        return
    admin = is_team_admin(ctx, team_id)
    if member == ctx.user_id:
        allowed = admin or bool(row["can_public_join"]) or bool(open_invitations(ctx, team_id, member))
    else:
        allowed = ctx.is_admin or (admin and bool(open_requests(ctx, team_id, member)))
    if not allowed:
        raise Forbidden(
            f"Cannot add user {member} to team {team_id}: it needs an open invitation, a public team,"
            " or an administrator accepting an open membership request."
        )
    add_member(ctx, team_id, member)
    _touch_team(ctx, team_id)


@routes.route("DELETE", REPO + "/team/<id>/member/<principal_id>", status=204)
def remove_team_member(ctx: RequestContext, id: str, principal_id: str) -> None:
    ctx.require_login()
    team_id, member = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    require_team(ctx.db, team_id)
    if member != ctx.user_id and not is_team_admin(ctx, team_id):
        raise Forbidden(f"Only a team administrator can remove members of team {team_id}")
    if not is_member(ctx.db, team_id, member):
        return
    if member in _admin_principals(ctx.db, team_id):
        _set_admin(ctx, team_id, member, False)
    principals.remove_member(ctx, team_id, member)
    _touch_team(ctx, team_id)


@routes.route("PUT", REPO + "/team/<id>/member/<principal_id>/permission", status=204)
def set_member_admin(ctx: RequestContext, id: str, principal_id: str) -> None:
    team_id, member = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    require_team(ctx.db, team_id)
    require_team_access(ctx, team_id, "TEAM_MEMBERSHIP_UPDATE")
    raw = ctx.args.get("isAdmin")
    if raw is None:
        raise BadRequest("Query parameter isAdmin is required")
    if not is_member(ctx.db, team_id, member):
        raise NotFound(f"Principal {member} is not a member of team {team_id}")
    _set_admin(ctx, team_id, member, ctx.arg_bool("isAdmin"))


@routes.route("GET", REPO + "/team/<id>/member/<principal_id>/membershipStatus")
def membership_status(ctx: RequestContext, id: str, principal_id: str) -> dict[str, Any]:
    """TeamMembershipStatus, by Synapse's rules (TeamManagerImpl.getTeamMembershipStatus).

    ``canJoin``: whether the caller could add the principal now (always once a member);
    ``membershipApprovalRequired``: false for a site or team admin principal, else unless the team is
    public; ``canSendEmail``: whether the principal holds SEND_MESSAGE on the team.
    """
    team_id, user_id = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    row = require_team(ctx.db, team_id)
    require_user(ctx.db, user_id)
    member = is_member(ctx.db, team_id, user_id)
    invited = bool(open_invitations(ctx, team_id, user_id))
    requested = bool(open_requests(ctx, team_id, user_id))
    public = bool(row["can_public_join"])
    caller_is_team_admin = is_team_admin(ctx, team_id)
    if ctx.is_admin or member:
        can_join = True
    elif user_id == ctx.user_id:
        can_join = caller_is_team_admin or public or invited
    else:
        can_join = caller_is_team_admin and requested
    principal_row = principals.user_row(ctx.db, user_id)
    principal = User(user_id, "", bool(principal_row and principal_row["is_admin"]))
    if principal.is_admin:
        principal_access = set(ADMIN_ACCESS)
    else:
        principal_access = acl.granted(ctx.db, principal, TEAM_TYPE, team_id)
    return {
        "teamId": str(team_id),
        "userId": str(user_id),
        "isMember": member,
        "hasOpenInvitation": invited,
        "hasOpenRequest": requested,
        "canJoin": can_join,
        "membershipApprovalRequired": not (
            principal.is_admin or "TEAM_MEMBERSHIP_UPDATE" in principal_access or public
        ),
        "hasUnmetAccessRequirement": False,
        "canSendEmail": "SEND_MESSAGE" in principal_access,
    }
