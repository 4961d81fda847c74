"""Membership invitations and membership requests of teams (REFERENCE 2.9, 3.8): creating, reading,
deleting and listing the open ones.  An invitation or a request closes when its user joins the team.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, NamedTuple

from ...core import principals
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden
from ...core.ids import format_time, parse_id
from ...core.paging import offset_limit, paginate
from ...core.routing import Routes
from ...core.store import row_by_id
from ...core.txn import Txn
from .records import (
    REPO,
    is_member,
    is_team_admin,
    require_team,
    require_user,
    team_with_access,
    teams_of,
)

routes = Routes()


def _expires_on(body: dict[str, Any], what: str) -> str | None:
    """Return ``expiresOn`` normalized to the server's timestamp format; 400 if it is not a date-time."""
    raw = body.get("expiresOn")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{what}.expiresOn is not an ISO-8601 date-time: {raw!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return format_time(moment)


def _now_open(txn: Txn, expires_on: str | None) -> bool:
    return expires_on is None or expires_on > txn.now()


def open_invitations(txn: Txn, team_id: int | None, user_id: int) -> list[sqlite3.Row]:
    row = principals.user_row(txn.db, user_id)
    email = row["email"] if row is not None else None
    sql = (
        "SELECT * FROM membership_invitations WHERE (invitee_id = ?"
        " OR (invitee_email IS NOT NULL AND lower(invitee_email) = lower(?)))"
    )
    args: list[Any] = [user_id, email or ""]
    if team_id is not None:
        sql += " AND team_id = ?"
        args.append(team_id)
    rows = txn.db.execute(sql + " ORDER BY id", args).fetchall()
    return [
        r for r in rows if _now_open(txn, r["expires_on"]) and not is_member(txn.db, r["team_id"], user_id)
    ]


def open_requests(txn: Txn, team_id: int | None, user_id: int | None) -> list[sqlite3.Row]:
    sql = "SELECT * FROM membership_requests WHERE 1 = 1"
    args: list[Any] = []
    if team_id is not None:
        sql += " AND team_id = ?"
        args.append(team_id)
    if user_id is not None:
        sql += " AND user_id = ?"
        args.append(user_id)
    rows = txn.db.execute(sql + " ORDER BY id", args).fetchall()
    return [
        r
        for r in rows
        if _now_open(txn, r["expires_on"]) and not is_member(txn.db, r["team_id"], r["user_id"])
    ]


def _membership_json(row: sqlite3.Row, party: dict[str, Any]) -> dict[str, Any]:
    """The JSON of an invitation or a request: the fields they share around ``party`` (who it is for)."""
    return {
        "id": str(row["id"]),
        "teamId": str(row["team_id"]),
        **party,
        "message": row["message"],
        "expiresOn": row["expires_on"],
        "createdOn": row["created_on"],
        "createdBy": str(row["created_by"]),
    }


def _invitation_json(row: sqlite3.Row) -> dict[str, Any]:
    invitee = None if row["invitee_id"] is None else str(row["invitee_id"])
    return _membership_json(row, {"inviteeId": invitee, "inviteeEmail": row["invitee_email"]})


def _request_json(row: sqlite3.Row) -> dict[str, Any]:
    return _membership_json(row, {"userId": str(row["user_id"])})


# -- invitations ------


@routes.route("POST", REPO + "/membershipInvitation", status=201)
def create_invitation(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("teamId") is None:
        raise BadRequest("MembershipInvitation.teamId is required")
    team_id = team_with_access(ctx, body["teamId"], "TEAM_MEMBERSHIP_UPDATE", "teamId")
    invitee, email = body.get("inviteeId"), body.get("inviteeEmail")
    if (invitee is None) == (email is None):
        raise BadRequest("Exactly one of MembershipInvitation.inviteeId and inviteeEmail is required")
    invitee_id = None
    if invitee is not None:
        invitee_id = parse_id(invitee, "inviteeId")
        require_user(ctx.db, invitee_id)
        if is_member(ctx.db, team_id, invitee_id):
            raise BadRequest(f"User {invitee_id} is already a member of team {team_id}")
    elif not isinstance(email, str) or "@" not in email:
        raise BadRequest(f"MembershipInvitation.inviteeEmail is not an email address: {email!r}")
    party = {"invitee_id": invitee_id, "invitee_email": email}
    return _insert_membership(ctx, INVITATIONS, body, team_id, party)


def _check_invitation_party(ctx: RequestContext, row: sqlite3.Row) -> None:
    ctx.require_login()
    if is_team_admin(ctx, row["team_id"]) or row["invitee_id"] == ctx.user_id:
        return
    user = principals.user_row(ctx.db, ctx.user_id)
    if (
        row["invitee_email"]
        and user is not None
        and str(user["email"]).lower() == row["invitee_email"].lower()
    ):
        return
    raise Forbidden("Only the invitee or a team administrator may access this invitation")


@routes.route("GET", REPO + "/membershipInvitation/openInvitationCount")
def open_invitation_count(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    return {"count": len(open_invitations(ctx, None, ctx.user_id))}


@routes.route("GET", REPO + "/team/<id>/openInvitation")
def team_open_invitations(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = team_with_access(ctx, id, "TEAM_MEMBERSHIP_UPDATE")
    offset, limit = offset_limit(ctx, default_limit=10)
    invitee = ctx.arg_int("inviteeId")
    rows = ctx.db.execute(
        "SELECT * FROM membership_invitations WHERE team_id = ? ORDER BY id", (team_id,)
    ).fetchall()
    rows = [r for r in rows if _now_open(ctx, r["expires_on"])]
    if invitee is not None:
        rows = [r for r in rows if r["invitee_id"] == invitee]
    return paginate([_invitation_json(r) for r in rows], offset, limit)


# -- requests ------


@routes.route("POST", REPO + "/membershipRequest", status=201)
def create_request(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    if body.get("teamId") is None:
        raise BadRequest("MembershipRequest.teamId is required")
    team_id = parse_id(body["teamId"], "teamId")
    require_team(ctx.db, team_id)
    if is_member(ctx.db, team_id, ctx.user_id):
        raise BadRequest(f"You are already a member of team {team_id}")
    return _insert_membership(ctx, REQUESTS, body, team_id, {"user_id": ctx.user_id})


def _check_request_party(ctx: RequestContext, row: sqlite3.Row) -> None:
    ctx.require_login()
    if row["user_id"] != ctx.user_id and not is_team_admin(ctx, row["team_id"]):
        raise Forbidden("Only the requester or a team administrator may access this request")


@routes.route("GET", REPO + "/membershipRequest/openRequestCount")
def open_request_count(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    teams = [t for t in teams_of(ctx.db, ctx.user_id) if is_team_admin(ctx, t)]
    return {"count": sum(len(open_requests(ctx, t, None)) for t in teams)}


@routes.route("GET", REPO + "/team/<id>/openRequest")
def team_open_requests(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = team_with_access(ctx, id, "TEAM_MEMBERSHIP_UPDATE")
    offset, limit = offset_limit(ctx, default_limit=10)
    rows = open_requests(ctx, team_id, ctx.arg_int("requestorId"))
    return paginate([_request_json(r) for r in rows], offset, limit)


# -- what invitations and requests share ------


class _Membership(NamedTuple):
    """How one kind of membership record (invitation or request) is stored, shown and guarded."""

    type_name: str
    """``MembershipInvitation`` or ``MembershipRequest`` (in messages, and as the id counter's name)."""
    table: str
    first_id: int
    to_json: Callable[[sqlite3.Row], dict[str, Any]]
    check_party: Callable[[RequestContext, sqlite3.Row], None]
    open_rows: Callable[[Txn, int | None, int], list[sqlite3.Row]]
    """The open records of (team or all teams, user)."""
    listed: str
    """What ``/user/{id}/open...`` lists, for its 403."""


INVITATIONS = _Membership(
    "MembershipInvitation",
    "membership_invitations",
    3000001,
    _invitation_json,
    _check_invitation_party,
    open_invitations,
    "invitations",
)
REQUESTS = _Membership(
    "MembershipRequest",
    "membership_requests",
    4000001,
    _request_json,
    _check_request_party,
    open_requests,
    "membership requests",
)


def _insert_membership(
    ctx: RequestContext, kind: _Membership, body: dict[str, Any], team_id: int, party: dict[str, Any]
) -> dict[str, Any]:
    """Store a new invitation/request for ``party`` (its columns) with the body's message and expiry."""
    item_id = ctx.next_id(kind.type_name[0].lower() + kind.type_name[1:], start=kind.first_id)
    columns = ["id", "team_id", *party, "message", "expires_on", "created_on", "created_by"]
    values = [
        item_id,
        team_id,
        *party.values(),
        body.get("message"),
        _expires_on(body, kind.type_name),
        ctx.now(),
        ctx.user_id,
    ]
    ctx.db.execute(
        f"INSERT INTO {kind.table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values
    )
    return kind.to_json(_membership_row(ctx.db, kind, item_id))


def _membership_row(db: sqlite3.Connection, kind: _Membership, item_id: int) -> sqlite3.Row:
    label = kind.type_name.replace("Membership", "Membership ").capitalize()
    return row_by_id(db, kind.table, item_id, f"{label} {item_id} does not exist")


def _party_row(ctx: RequestContext, kind: _Membership, id: str) -> sqlite3.Row:
    """The invitation/request with this id, if the caller is a party to it (else 403)."""
    row = _membership_row(ctx.db, kind, parse_id(id))
    kind.check_party(ctx, row)
    return row


def _delete_membership(ctx: RequestContext, kind: _Membership, id: str) -> None:
    row = _party_row(ctx, kind, id)
    ctx.db.execute(f"DELETE FROM {kind.table} WHERE id = ?", (row["id"],))


def _user_open(ctx: RequestContext, id: str, kind: _Membership) -> dict[str, Any]:
    """A page of a user's own open invitations/requests (``teamId=`` narrows to one team)."""
    user_id = parse_id(id, "user id")
    ctx.require_login()
    if user_id != ctx.user_id and not ctx.is_admin:
        raise Forbidden(f"You may only list your own {kind.listed}")
    offset, limit = offset_limit(ctx, default_limit=10)
    rows = kind.open_rows(ctx, ctx.arg_int("teamId"), user_id)
    return paginate([kind.to_json(r) for r in rows], offset, limit)


def _declare_routes(kind: _Membership) -> None:
    """Declare what invitations and requests share: read one, delete one, list a user's open ones."""
    path = kind.type_name[0].lower() + kind.type_name[1:]

    @routes.route("GET", f"{REPO}/{path}/<id>")
    def get_one(ctx: RequestContext, id: str) -> dict[str, Any]:
        return kind.to_json(_party_row(ctx, kind, id))

    @routes.route("DELETE", f"{REPO}/{path}/<id>", status=204)
    def delete_one(ctx: RequestContext, id: str) -> None:
        _delete_membership(ctx, kind, id)

    @routes.route("GET", f"{REPO}/user/<id>/open{kind.type_name.removeprefix('Membership')}")
    def user_open(ctx: RequestContext, id: str) -> dict[str, Any]:
        return _user_open(ctx, id, kind)


for _kind in (INVITATIONS, REQUESTS):
    _declare_routes(_kind)
