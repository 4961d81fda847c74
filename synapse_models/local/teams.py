"""Teams, team members, membership invitations and requests, the team ACL (REFERENCE 2.9, 3.8).

A team is a principal (``auth.add_principal``) whose name is a TEAM_NAME alias, so team and user names share
one namespace (409 on clashes).  Membership rows live in the core's ``group_members`` table, which is what
makes ``acl.principal_ids`` include a user's teams: whatever an ACL grants a team, its members get.

Being a team *admin* means holding TEAM_MEMBERSHIP_UPDATE in the team's own ACL (object type ``"team"``):
the creator gets READ, SEND_MESSAGE, UPDATE, DELETE and TEAM_MEMBERSHIP_UPDATE, the team itself READ and
SEND_MESSAGE; ``PUT .../permission?isAdmin=`` adds or removes a member's admin entry.

Joining (``PUT /team/{id}/member/{principalId}``): a user may add themselves when the team has
``canPublicJoin`` or they hold an open invitation; an admin may add a user who has an open membership request.
Joining closes the user's open invitations and requests for that team.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, NamedTuple

from . import acl, auth
from .context import RequestContext, Txn
from .errors import BadRequest, Forbidden, NotFound, stale_etag
from .ids import format_time
from .paging import list_wrapper, offset_limit, paginate, token_page
from .routing import route
from .store import dumps, loads, register_schema
from .users import group_header

REPO = "/repo/v1"
TEAM_TYPE = "team"
ADMIN_ACCESS = ("DELETE", "READ", "SEND_MESSAGE", "TEAM_MEMBERSHIP_UPDATE", "UPDATE")
MEMBER_ACCESS = ("READ", "SEND_MESSAGE")
TEAM_MEMBER_TYPE = "org.sagebionetworks.repo.model.TeamMember"
TEAM_CLASS = "org.sagebionetworks.repo.model.Team"

register_schema(
    """
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
)


# -- helpers ------


def parse_id(text: Any, what: str = "id") -> int:
    """Parse a numeric id (path or body); 400 if malformed."""
    try:
        return int(str(text).strip())
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid {what}: {text}") from exc


def _team_row(db: sqlite3.Connection, team_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone()
    return row


def is_team(db: sqlite3.Connection, principal_id: int) -> bool:
    return _team_row(db, principal_id) is not None


def require_team(db: sqlite3.Connection, team_id: int) -> sqlite3.Row:
    row = _team_row(db, team_id)
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
        "etag": row["etag"],
        "createdOn": row["created_on"],
        "createdBy": str(row["created_by"]),
        "modifiedOn": row["modified_on"],
        "modifiedBy": str(row["modified_by"]),
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


def _team_with_access(ctx: RequestContext, raw_id: Any, access_type: str, what: str = "team id") -> int:
    """Parse a team id, check the team exists (404) and the caller holds ``access_type`` on it (403)."""
    team_id = parse_id(raw_id, what)
    require_team(ctx.db, team_id)
    require_team_access(ctx, team_id, access_type)
    return team_id


def is_member(db: sqlite3.Connection, team_id: int, principal_id: int) -> bool:
    row: sqlite3.Row | None = db.execute(
        "SELECT 1 FROM group_members WHERE group_id = ? AND member_id = ?", (team_id, principal_id)
    ).fetchone()
    return row is not None


def member_ids(db: sqlite3.Connection, team_id: int) -> list[int]:
    rows = db.execute("SELECT member_id FROM group_members WHERE group_id = ? ORDER BY member_id", (team_id,))
    return [int(row[0]) for row in rows]


def teams_of(db: sqlite3.Connection, user_id: int) -> list[int]:
    rows = db.execute(
        "SELECT g.group_id FROM group_members g JOIN teams t ON t.id = g.group_id WHERE g.member_id = ?"
        " ORDER BY g.group_id",
        (user_id,),
    )
    return [int(row[0]) for row in rows]


def _admin_principals(db: sqlite3.Connection, team_id: int) -> set[int]:
    found = acl.get_acl(db, TEAM_TYPE, team_id)
    return {
        int(entry["principalId"])
        for entry in (found or {}).get("resourceAccess", [])
        if "TEAM_MEMBERSHIP_UPDATE" in entry.get("accessType", [])
    }


def _matches(name: str, lowered_prefix: str) -> bool:
    if not lowered_prefix:
        return True
    name = name.lower()
    return name.startswith(lowered_prefix) or any(word.startswith(lowered_prefix) for word in name.split())


def _member_json(db: sqlite3.Connection, team_id: int, principal_id: int, admins: set[int]) -> dict[str, Any]:
    return {
        "teamId": str(team_id),
        "member": group_header(db, principal_id) or {"ownerId": str(principal_id), "isIndividual": True},
        "isAdmin": principal_id in admins,
    }


def _require_user(db: sqlite3.Connection, principal_id: int) -> None:
    if auth.user_row(db, principal_id) is None:
        raise NotFound(f"User id: '{principal_id}' does not exist")


def _optional_bool(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise BadRequest(f"Team.{key} must be a boolean, got {value!r}")
    return int(value)


def _validate_team_body(body: dict[str, Any]) -> tuple[str, int | None, int | None]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Team.name is required")
    public_join = _optional_bool(body, "canPublicJoin")
    can_request = _optional_bool(body, "canRequestMembership")
    if public_join and can_request:
        raise BadRequest("canPublicJoin and canRequestMembership cannot both be true")
    for key in ("description", "icon"):
        if body.get(key) is not None and not isinstance(body.get(key), (str, int)):
            raise BadRequest(f"Team.{key} must be a string")
    return name.strip(), public_join, can_request


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


def _open_invitations(txn: Txn, team_id: int | None, user_id: int) -> list[sqlite3.Row]:
    row = auth.user_row(txn.db, user_id)
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


def _open_requests(txn: Txn, team_id: int | None, user_id: int | None) -> list[sqlite3.Row]:
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


def add_member(txn: Txn, team_id: int, principal_id: int) -> None:
    """Add ``principal_id`` to the team and close its invitations/requests (no permission check)."""
    txn.db.execute(
        "INSERT OR IGNORE INTO group_members(group_id, member_id) VALUES (?, ?)", (team_id, principal_id)
    )
    row = auth.user_row(txn.db, principal_id)
    email = row["email"] if row is not None else ""
    txn.db.execute(
        "DELETE FROM membership_invitations WHERE team_id = ?"
        " AND (invitee_id = ? OR lower(invitee_email) = lower(?))",
        (team_id, principal_id, email or ""),
    )
    txn.db.execute(
        "DELETE FROM membership_requests WHERE team_id = ? AND user_id = ?", (team_id, principal_id)
    )


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


# -- teams ------


@route("POST", REPO + "/team", status=201)
def create_team(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    name, public_join, can_request = _validate_team_body(body)
    team_id = auth.add_principal(ctx, name, is_individual=False)
    auth.add_alias(ctx, team_id, name, "TEAM_NAME")
    ctx.db.execute(
        "INSERT INTO teams(id, name, description, icon, can_public_join, can_request_membership, etag,"
        " created_on, created_by, modified_on, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            team_id,
            name,
            body.get("description"),
            None if body.get("icon") is None else str(body["icon"]),
            public_join,
            can_request,
            ctx.new_etag(),
            ctx.now(),
            ctx.user_id,
            ctx.now(),
            ctx.user_id,
        ),
    )
    access = [
        {"principalId": ctx.user_id, "accessType": list(ADMIN_ACCESS)},
        {"principalId": team_id, "accessType": list(MEMBER_ACCESS)},
    ]
    acl.create_acl(ctx, TEAM_TYPE, team_id, acl.normalize_resource_access(ctx.db, access))
    add_member(ctx, team_id, ctx.user_id)
    return team_json(require_team(ctx.db, team_id))


@route("GET", REPO + "/team/<id>")
def get_team(ctx: RequestContext, id: str) -> dict[str, Any]:
    return team_json(require_team(ctx.db, parse_id(id, "team id")))


@route("PUT", REPO + "/team")
def update_team(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is None:
        raise BadRequest("Team.id is required")
    team_id = parse_id(body["id"], "team id")
    row = require_team(ctx.db, team_id)
    require_team_access(ctx, team_id, "UPDATE")
    if body.get("etag") != row["etag"]:
        raise stale_etag(str(team_id))
    name, public_join, can_request = _validate_team_body(body)
    if name != row["name"]:
        auth.remove_aliases(ctx, team_id, "TEAM_NAME")
        auth.add_alias(ctx, team_id, name, "TEAM_NAME")
        ctx.db.execute("UPDATE principals SET name = ? WHERE id = ?", (name, team_id))
    ctx.db.execute(
        "UPDATE teams SET name = ?, description = ?, icon = ?, can_public_join = ?,"
        " can_request_membership = ?, etag = ?, modified_on = ?, modified_by = ? WHERE id = ?",
        (
            name,
            body.get("description"),
            None if body.get("icon") is None else str(body["icon"]),
            public_join,
            can_request,
            ctx.new_etag(),
            ctx.now(),
            ctx.user_id,
            team_id,
        ),
    )
    return team_json(require_team(ctx.db, team_id))


@route("DELETE", REPO + "/team/<id>", status=204)
def delete_team(ctx: RequestContext, id: str) -> None:
    team_id = _team_with_access(ctx, id, "DELETE")
    for table, column in (
        ("teams", "id"),
        ("membership_invitations", "team_id"),
        ("membership_requests", "team_id"),
        ("group_members", "group_id"),
    ):
        ctx.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (team_id,))
    acl.delete_acl(ctx, TEAM_TYPE, team_id)
    _drop_from_acls(ctx, team_id)
    ctx.db.execute("DELETE FROM principal_aliases WHERE principal_id = ?", (team_id,))
    ctx.db.execute("DELETE FROM principals WHERE id = ?", (team_id,))


def _drop_from_acls(txn: Txn, principal_id: int) -> None:
    """Remove a deleted principal's entries from every ACL (new etags), so the ACLs stay valid to PUT back."""
    rows = txn.db.execute(
        "SELECT object_type, object_id, resource_access FROM acls WHERE resource_access LIKE ?",
        (f"%{principal_id}%",),
    ).fetchall()
    for row in rows:
        entries = loads(row["resource_access"]) or []
        kept = [e for e in entries if int(e["principalId"]) != principal_id]
        if len(kept) != len(entries):
            txn.db.execute(
                "UPDATE acls SET resource_access = ?, etag = ?, modified_on = ?, modified_by = ?"
                " WHERE object_type = ? AND object_id = ?",
                (dumps(kept), txn.new_etag(), txn.now(), txn.user_id, row["object_type"], row["object_id"]),
            )


@route("GET", REPO + "/teams")
def search_teams(ctx: RequestContext) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    lowered = (ctx.args.get("fragment") or "").lower()
    rows = ctx.db.execute("SELECT * FROM teams ORDER BY lower(name), id").fetchall()
    return paginate([team_json(r) for r in rows if _matches(r["name"], lowered)], offset, limit)


@route("POST", REPO + "/teamList")
def list_teams(ctx: RequestContext) -> dict[str, Any]:
    ids = _id_list(ctx)
    found = []
    for team_id in ids:
        row = _team_row(ctx.db, team_id)
        if row is None:
            raise NotFound(f"Team id: '{team_id}' does not exist")
        found.append(team_json(row))
    return list_wrapper(TEAM_CLASS, found)


def _id_list(ctx: RequestContext) -> list[int]:
    body = ctx.json_object()
    raw = body.get("list")
    if not isinstance(raw, list):
        raise BadRequest("IdList.list is required")
    return [parse_id(item) for item in raw]


@route("GET", REPO + "/user/<id>/team")
def user_teams(ctx: RequestContext, id: str) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    user_id = parse_id(id, "user id")
    rows = [_team_row(ctx.db, team_id) for team_id in teams_of(ctx.db, user_id)]
    return paginate([team_json(r) for r in rows if r is not None], offset, limit)


@route("GET", REPO + "/user/<id>/team/id")
def user_team_ids(ctx: RequestContext, id: str) -> dict[str, Any]:
    user_id = parse_id(id, "user id")
    ids = teams_of(ctx.db, user_id)
    if ctx.args.get("sort") == "TEAM_NAME":
        names = {tid: (r["name"].lower() if (r := _team_row(ctx.db, tid)) else "") for tid in ids}
        ids.sort(key=lambda tid: names[tid])
    if ctx.args.get("ascending", "true").lower() == "false":
        ids.reverse()
    page, token = token_page([str(i) for i in ids], ctx.args.get("nextPageToken"))
    return {"teamIds": page, "nextPageToken": token}


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
        if fragment and not _matches(names, fragment):
            continue
        result.append(member)
    return result


@route("GET", REPO + "/teamMembers/<id>")
def team_members(ctx: RequestContext, id: str) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    members = _filtered_members(ctx, parse_id(id, "team id"))
    return {"totalNumberOfResults": len(members), "results": members[offset : offset + limit]}


@route("GET", REPO + "/teamMembers/count/<id>")
def team_member_count(ctx: RequestContext, id: str) -> dict[str, Any]:
    return {"count": len(_filtered_members(ctx, parse_id(id, "team id")))}


@route("GET", REPO + "/team/<id>/member/<principal_id>")
def get_team_member(ctx: RequestContext, id: str, principal_id: str) -> dict[str, Any]:
    team_id, member = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    require_team(ctx.db, team_id)
    if not is_member(ctx.db, team_id, member):
        raise NotFound(f"Principal {member} is not a member of team {team_id}")
    return _member_json(ctx.db, team_id, member, _admin_principals(ctx.db, team_id))


@route("POST", REPO + "/team/<id>/memberList")
def team_member_list(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = parse_id(id, "team id")
    require_team(ctx.db, team_id)
    admins = _admin_principals(ctx.db, team_id)
    found = [
        _member_json(ctx.db, team_id, member, admins)
        for member in _id_list(ctx)
        if is_member(ctx.db, team_id, member)
    ]
    return list_wrapper(TEAM_MEMBER_TYPE, found)


@route("POST", REPO + "/user/<id>/memberList")
def user_member_list(ctx: RequestContext, id: str) -> dict[str, Any]:
    user_id = parse_id(id, "user id")
    found = [
        _member_json(ctx.db, team_id, user_id, _admin_principals(ctx.db, team_id))
        for team_id in _id_list(ctx)
        if is_member(ctx.db, team_id, user_id)
    ]
    return list_wrapper(TEAM_MEMBER_TYPE, found)


@route("PUT", REPO + "/team/<id>/member/<principal_id>", status=204)
def add_team_member(ctx: RequestContext, id: str, principal_id: str) -> None:
    ctx.require_login()
    team_id, member = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    row = require_team(ctx.db, team_id)
    _require_user(ctx.db, member)
    if is_member(ctx.db, team_id, member):
        return
    admin = is_team_admin(ctx, team_id)
    if member == ctx.user_id:
        allowed = admin or bool(row["can_public_join"]) or bool(_open_invitations(ctx, team_id, member))
    else:
        allowed = ctx.is_admin or (admin and bool(_open_requests(ctx, team_id, member)))
    if not allowed:
        raise Forbidden(
            f"Cannot add user {member} to team {team_id}: it needs an open invitation, a public team,"
            " or an administrator accepting an open membership request."
        )
    add_member(ctx, team_id, member)
    _touch_team(ctx, team_id)


@route("DELETE", REPO + "/team/<id>/member/<principal_id>", status=204)
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
    ctx.db.execute("DELETE FROM group_members WHERE group_id = ? AND member_id = ?", (team_id, member))
    _touch_team(ctx, team_id)


@route("PUT", REPO + "/team/<id>/member/<principal_id>/permission", status=204)
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


@route("GET", REPO + "/team/<id>/member/<principal_id>/membershipStatus")
def membership_status(ctx: RequestContext, id: str, principal_id: str) -> dict[str, Any]:
    team_id, user_id = parse_id(id, "team id"), parse_id(principal_id, "principal id")
    row = require_team(ctx.db, team_id)
    _require_user(ctx.db, user_id)
    member = is_member(ctx.db, team_id, user_id)
    invited = bool(_open_invitations(ctx, team_id, user_id))
    requested = bool(_open_requests(ctx, team_id, user_id))
    public = bool(row["can_public_join"])
    if user_id == ctx.user_id:
        can_join = public or invited or is_team_admin(ctx, team_id)
    else:
        can_join = ctx.is_admin or (is_team_admin(ctx, team_id) and requested)
    return {
        "teamId": str(team_id),
        "userId": str(user_id),
        "isMember": member,
        "hasOpenInvitation": invited,
        "hasOpenRequest": requested,
        "canJoin": not member and can_join,
        "membershipApprovalRequired": not public and not invited,
        "hasUnmetAccessRequirement": False,
        "canSendEmail": True,
    }


# -- invitations ------


@route("POST", REPO + "/membershipInvitation", status=201)
def create_invitation(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("teamId") is None:
        raise BadRequest("MembershipInvitation.teamId is required")
    team_id = _team_with_access(ctx, body["teamId"], "TEAM_MEMBERSHIP_UPDATE", "teamId")
    invitee, email = body.get("inviteeId"), body.get("inviteeEmail")
    if (invitee is None) == (email is None):
        raise BadRequest("Exactly one of MembershipInvitation.inviteeId and inviteeEmail is required")
    invitee_id = None
    if invitee is not None:
        invitee_id = parse_id(invitee, "inviteeId")
        _require_user(ctx.db, invitee_id)
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
    user = auth.user_row(ctx.db, ctx.user_id)
    if (
        row["invitee_email"]
        and user is not None
        and str(user["email"]).lower() == row["invitee_email"].lower()
    ):
        return
    raise Forbidden("Only the invitee or a team administrator may access this invitation")


@route("GET", REPO + "/membershipInvitation/<id>")
def get_invitation(ctx: RequestContext, id: str) -> dict[str, Any]:
    return _invitation_json(_party_row(ctx, INVITATIONS, id))


@route("DELETE", REPO + "/membershipInvitation/<id>", status=204)
def delete_invitation(ctx: RequestContext, id: str) -> None:
    _delete_membership(ctx, INVITATIONS, id)


@route("GET", REPO + "/membershipInvitation/openInvitationCount")
def open_invitation_count(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    return {"count": len(_open_invitations(ctx, None, ctx.user_id))}


@route("GET", REPO + "/team/<id>/openInvitation")
def team_open_invitations(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = _team_with_access(ctx, id, "TEAM_MEMBERSHIP_UPDATE")
    offset, limit = offset_limit(ctx, default_limit=10)
    invitee = ctx.arg_int("inviteeId")
    rows = ctx.db.execute(
        "SELECT * FROM membership_invitations WHERE team_id = ? ORDER BY id", (team_id,)
    ).fetchall()
    rows = [r for r in rows if _now_open(ctx, r["expires_on"])]
    if invitee is not None:
        rows = [r for r in rows if r["invitee_id"] == invitee]
    return paginate([_invitation_json(r) for r in rows], offset, limit)


@route("GET", REPO + "/user/<id>/openInvitation")
def user_open_invitations(ctx: RequestContext, id: str) -> dict[str, Any]:
    return _user_open(ctx, id, INVITATIONS)


# -- requests ------


@route("POST", REPO + "/membershipRequest", status=201)
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


@route("GET", REPO + "/membershipRequest/<id>")
def get_request(ctx: RequestContext, id: str) -> dict[str, Any]:
    return _request_json(_party_row(ctx, REQUESTS, id))


@route("DELETE", REPO + "/membershipRequest/<id>", status=204)
def delete_request(ctx: RequestContext, id: str) -> None:
    _delete_membership(ctx, REQUESTS, id)


@route("GET", REPO + "/membershipRequest/openRequestCount")
def open_request_count(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    teams = [t for t in teams_of(ctx.db, ctx.user_id) if is_team_admin(ctx, t)]
    return {"count": sum(len(_open_requests(ctx, t, None)) for t in teams)}


@route("GET", REPO + "/team/<id>/openRequest")
def team_open_requests(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = _team_with_access(ctx, id, "TEAM_MEMBERSHIP_UPDATE")
    offset, limit = offset_limit(ctx, default_limit=10)
    rows = _open_requests(ctx, team_id, ctx.arg_int("requestorId"))
    return paginate([_request_json(r) for r in rows], offset, limit)


@route("GET", REPO + "/user/<id>/openRequest")
def user_open_requests(ctx: RequestContext, id: str) -> dict[str, Any]:
    return _user_open(ctx, id, REQUESTS)


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


INVITATIONS = _Membership("MembershipInvitation", "membership_invitations", 3000001, _invitation_json,
                          _check_invitation_party, _open_invitations, "invitations")
REQUESTS = _Membership("MembershipRequest", "membership_requests", 4000001, _request_json,
                       _check_request_party, _open_requests, "membership requests")


def _insert_membership(ctx: RequestContext, kind: _Membership, body: dict[str, Any], team_id: int,
                       party: dict[str, Any]) -> dict[str, Any]:
    """Store a new invitation/request for ``party`` (its columns) with the body's message and expiry."""
    item_id = ctx.next_id(kind.type_name[0].lower() + kind.type_name[1:], start=kind.first_id)
    columns = ["id", "team_id", *party, "message", "expires_on", "created_on", "created_by"]
    values = [item_id, team_id, *party.values(), body.get("message"), _expires_on(body, kind.type_name),
              ctx.now(), ctx.user_id]
    ctx.db.execute(
        f"INSERT INTO {kind.table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values
    )
    return kind.to_json(_membership_row(ctx.db, kind, item_id))


def _membership_row(db: sqlite3.Connection, kind: _Membership, item_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        label = kind.type_name.replace("Membership", "Membership ").capitalize()
        raise NotFound(f"{label} {item_id} does not exist")
    return row


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


# -- team ACL ------


@route("GET", REPO + "/team/<id>/acl")
def get_team_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = _team_with_access(ctx, id, "READ")
    found = acl.get_acl(ctx.db, TEAM_TYPE, team_id)
    if found is None:
        raise NotFound(f"Team {team_id} has no ACL")
    return found


@route("PUT", REPO + "/team/acl")
def put_team_acl(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is None:
        raise BadRequest("AccessControlList.id is required")
    team_id = _team_with_access(ctx, body["id"], "TEAM_MEMBERSHIP_UPDATE")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    if not any("TEAM_MEMBERSHIP_UPDATE" in e["accessType"] for e in entries):
        raise BadRequest("The team ACL must give at least one principal TEAM_MEMBERSHIP_UPDATE")
    return acl.update_acl(ctx, TEAM_TYPE, team_id, entries, body.get("etag"))
