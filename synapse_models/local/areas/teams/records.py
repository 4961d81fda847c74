"""Teams, team members, membership invitations and requests, the team ACL (REFERENCE 2.9, 3.8).

A team is a principal (``principals.add_principal``) whose name is a TEAM_NAME alias, so team and user names
share one namespace (409 on clashes).  Members are the core's group members (``principals.add_member``),
which is what makes ``acl.principal_ids`` include a user's teams: whatever an ACL grants a team, its members
get.

Being a team *admin* means holding TEAM_MEMBERSHIP_UPDATE in the team's own ACL (object type ``"team"``):
the creator gets READ, SEND_MESSAGE, UPDATE, DELETE and TEAM_MEMBERSHIP_UPDATE, the team itself READ and
SEND_MESSAGE; ``PUT .../permission?isAdmin=`` adds or removes a member's admin entry.

Joining (``PUT /team/{id}/member/{principalId}``): a user may add themselves when the team has
``canPublicJoin`` or they hold an open invitation; an admin may add a user who has an open membership request.
Joining closes the user's open invitations and requests for that team.

This module holds the teams' rows and the rules the team modules share; the endpoints of teams and their ACL
live in ``crud.py``, members in ``members.py``, membership invitations and requests in ``invitations.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl, principals
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.ids import parse_id
from ...core.store import stamps
from ...core.txn import Txn

REPO = "/repo/v1"


TEAM_TYPE = "team"


ADMIN_ACCESS = ("DELETE", "READ", "SEND_MESSAGE", "TEAM_MEMBERSHIP_UPDATE", "UPDATE")


MEMBER_ACCESS = ("READ", "SEND_MESSAGE")


TEAM_MEMBER_TYPE = "org.sagebionetworks.repo.model.TeamMember"


TEAM_CLASS = "org.sagebionetworks.repo.model.Team"


SCHEMA = """
    CREATE TABLE IF NOT EXISTS teams (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT, icon TEXT,
        can_public_join INTEGER, can_request_membership INTEGER, etag TEXT NOT NULL,
        created_on TEXT NOT NULL, created_by INTEGER NOT NULL, modified_on TEXT NOT NULL,
        modified_by INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS membership_invitations (
        id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL, invitee_id INTEGER, invitee_email TEXT,
        message TEXT, expires_on TEXT, created_on TEXT NOT NULL, created_by INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS membership_requests (
        id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
        message TEXT, expires_on TEXT, created_on TEXT NOT NULL, created_by INTEGER NOT NULL)
    """


def team_row(db: sqlite3.Connection, team_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone()
    return row


def is_team(db: sqlite3.Connection, principal_id: int) -> bool:
    return team_row(db, principal_id) is not None


def require_team(db: sqlite3.Connection, team_id: int) -> sqlite3.Row:
    row = team_row(db, team_id)
    if row is None:
        raise NotFound(f"Team id: '{team_id}' does not exist")
    return row


def team_json(row: sqlite3.Row) -> dict[str, Any]:
    def flag(value: Any) -> bool | None:
        return None if value is None else bool(value)

    return {
        "id": str(row["id"]),
        "name": row["name"],
        "description": row["description"],
        "icon": row["icon"],
        "canPublicJoin": flag(row["can_public_join"]),
        "canRequestMembership": flag(row["can_request_membership"]),
        **stamps(row),
    }


def team_access(txn: Txn, team_id: int) -> set[str]:
    if txn.is_admin:
        return set(ADMIN_ACCESS)
    return acl.granted(txn.db, txn.user, TEAM_TYPE, team_id)


def is_team_admin(txn: Txn, team_id: int) -> bool:
    return "TEAM_MEMBERSHIP_UPDATE" in team_access(txn, team_id)


def require_team_access(txn: Txn, team_id: int, access_type: str) -> None:
    txn.require_login()
    if access_type not in team_access(txn, team_id):
        raise Forbidden(f"You do not have {access_type} permission for team {team_id}.")


def team_with_access(ctx: RequestContext, raw_id: Any, access_type: str, what: str = "team id") -> int:
    """Parse a team id, check the team exists (404) and the caller holds ``access_type`` on it (403)."""
    team_id = parse_id(raw_id, what)
    require_team(ctx.db, team_id)
    require_team_access(ctx, team_id, access_type)
    return team_id


def is_member(db: sqlite3.Connection, team_id: int, principal_id: int) -> bool:
    return principals.is_member(db, team_id, principal_id)


def member_ids(db: sqlite3.Connection, team_id: int) -> list[int]:
    return principals.member_ids(db, team_id)


def teams_of(db: sqlite3.Connection, user_id: int) -> list[int]:
    """The teams ``user_id`` is a member of, by id."""
    return [group for group in principals.groups_of(db, user_id) if team_row(db, group) is not None]


def matches(name: str, lowered_prefix: str) -> bool:
    if not lowered_prefix:
        return True
    name = name.lower()
    return name.startswith(lowered_prefix) or any(word.startswith(lowered_prefix) for word in name.split())


def require_user(db: sqlite3.Connection, principal_id: int) -> None:
    if principals.user_row(db, principal_id) is None:
        raise NotFound(f"User id: '{principal_id}' does not exist")


def add_member(txn: Txn, team_id: int, principal_id: int) -> None:
    """Add ``principal_id`` to the team and close its invitations/requests (no permission check)."""
    principals.add_member(txn, team_id, principal_id)
    row = principals.user_row(txn.db, principal_id)
    email = row["email"] if row is not None else ""
    txn.db.execute(
        "DELETE FROM membership_invitations WHERE team_id = ?"
        " AND (invitee_id = ? OR lower(invitee_email) = lower(?))",
        (team_id, principal_id, email or ""),
    )
    txn.db.execute(
        "DELETE FROM membership_requests WHERE team_id = ? AND user_id = ?", (team_id, principal_id)
    )


def id_list(ctx: RequestContext) -> list[int]:
    body = ctx.json_object()
    raw = body.get("list")
    if not isinstance(raw, list):
        raise BadRequest("IdList.list is required")
    return [parse_id(item) for item in raw]
