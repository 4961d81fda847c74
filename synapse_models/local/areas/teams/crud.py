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

This module holds the teams themselves, the team ACL and the shared helpers; members live in
``team_members.py``, membership invitations and requests in ``team_membership.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl, principals
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound, stale_etag
from ...core.paging import list_wrapper, offset_limit, paginate, token_page
from ...core.routing import Routes
from ...core.txn import Txn

routes = Routes()

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
    return principals.is_member(db, team_id, principal_id)


def member_ids(db: sqlite3.Connection, team_id: int) -> list[int]:
    return principals.member_ids(db, team_id)


def teams_of(db: sqlite3.Connection, user_id: int) -> list[int]:
    """The teams ``user_id`` is a member of, by id."""
    return [group for group in principals.groups_of(db, user_id) if _team_row(db, group) is not None]


def _matches(name: str, lowered_prefix: str) -> bool:
    if not lowered_prefix:
        return True
    name = name.lower()
    return name.startswith(lowered_prefix) or any(word.startswith(lowered_prefix) for word in name.split())


def _require_user(db: sqlite3.Connection, principal_id: int) -> None:
    if principals.user_row(db, principal_id) is None:
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


# -- teams ------


@routes.route("POST", REPO + "/team", status=201)
def create_team(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    name, public_join, can_request = _validate_team_body(body)
    team_id = principals.add_principal(ctx, name, is_individual=False)
    principals.add_alias(ctx, team_id, name, "TEAM_NAME")
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


@routes.route("GET", REPO + "/team/<id>")
def get_team(ctx: RequestContext, id: str) -> dict[str, Any]:
    return team_json(require_team(ctx.db, parse_id(id, "team id")))


@routes.route("PUT", REPO + "/team")
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
        principals.remove_aliases(ctx, team_id, "TEAM_NAME")
        principals.add_alias(ctx, team_id, name, "TEAM_NAME")
        principals.rename_principal(ctx, team_id, name)
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


@routes.route("DELETE", REPO + "/team/<id>", status=204)
def delete_team(ctx: RequestContext, id: str) -> None:
    team_id = _team_with_access(ctx, id, "DELETE")
    for table, column in (
        ("teams", "id"),
        ("membership_invitations", "team_id"),
        ("membership_requests", "team_id"),
    ):
        ctx.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (team_id,))
    acl.delete_acl(ctx, TEAM_TYPE, team_id)
    acl.remove_principal(ctx, team_id)
    principals.delete_group(ctx, team_id)


@routes.route("GET", REPO + "/teams")
def search_teams(ctx: RequestContext) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    lowered = (ctx.args.get("fragment") or "").lower()
    rows = ctx.db.execute("SELECT * FROM teams ORDER BY lower(name), id").fetchall()
    return paginate([team_json(r) for r in rows if _matches(r["name"], lowered)], offset, limit)


@routes.route("POST", REPO + "/teamList")
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


@routes.route("GET", REPO + "/user/<id>/team")
def user_teams(ctx: RequestContext, id: str) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    user_id = parse_id(id, "user id")
    rows = [_team_row(ctx.db, team_id) for team_id in teams_of(ctx.db, user_id)]
    return paginate([team_json(r) for r in rows if r is not None], offset, limit)


@routes.route("GET", REPO + "/user/<id>/team/id")
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


# -- team ACL ------


@routes.route("GET", REPO + "/team/<id>/acl")
def get_team_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = _team_with_access(ctx, id, "READ")
    found = acl.get_acl(ctx.db, TEAM_TYPE, team_id)
    if found is None:
        raise NotFound(f"Team {team_id} has no ACL")
    return found


@routes.route("PUT", REPO + "/team/acl")
def put_team_acl(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is None:
        raise BadRequest("AccessControlList.id is required")
    team_id = _team_with_access(ctx, body["id"], "TEAM_MEMBERSHIP_UPDATE")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    if not any("TEAM_MEMBERSHIP_UPDATE" in e["accessType"] for e in entries):
        raise BadRequest("The team ACL must give at least one principal TEAM_MEMBERSHIP_UPDATE")
    return acl.update_acl(ctx, TEAM_TYPE, team_id, entries, body.get("etag"))
