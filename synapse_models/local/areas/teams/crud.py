"""Team endpoints (REFERENCE 2.9): create, read, update, delete and search teams, a user's teams, the team
ACL.  What a team is and who may do what is explained in ``records.py``.
"""

from __future__ import annotations

from typing import Any

from ...core import acl, principals
from ...core.constants import AUTHENTICATED_USERS_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, NotFound, stale_etag
from ...core.ids import parse_id
from ...core.paging import list_wrapper, offset_limit, paginate, token_page
from ...core.routing import Routes
from .records import (
    ADMIN_ACCESS,
    MEMBER_ACCESS,
    REPO,
    TEAM_CLASS,
    TEAM_TYPE,
    add_member,
    id_list,
    matches,
    require_team,
    require_team_access,
    team_json,
    team_row,
    team_with_access,
    teams_of,
)

routes = Routes()


def _optional_bool(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise BadRequest(f"Team.{key} must be a boolean, got {value!r}")
    return int(value)


def _validate_team_body(body: dict[str, Any]) -> tuple[str, Any, str | None, int | None, int | None]:
    """Check a Team body; return its stored fields: name, description, icon, canPublicJoin, canRequest..."""
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
    icon = None if body.get("icon") is None else str(body["icon"])
    return name.strip(), body.get("description"), icon, public_join, can_request


@routes.route("POST", REPO + "/team", status=201)
def create_team(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    fields = _validate_team_body(body)
    name = fields[0]
    team_id = principals.add_principal(ctx, name, is_individual=False)
    principals.add_alias(ctx, team_id, name, "TEAM_NAME")
    ctx.db.execute(
        "INSERT INTO teams(id, name, description, icon, can_public_join, can_request_membership, etag,"
        " created_on, created_by, modified_on, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (team_id, *fields, ctx.new_etag(), ctx.now(), ctx.user_id, ctx.now(), ctx.user_id),
    )
    # Synapse's initial team ACL (TeamManagerImpl.createInitialAcl): every signed-in user may message a team.
    access = [
        {"principalId": ctx.user_id, "accessType": list(ADMIN_ACCESS)},
        {"principalId": team_id, "accessType": list(MEMBER_ACCESS)},
        {"principalId": AUTHENTICATED_USERS_ID, "accessType": list(MEMBER_ACCESS)},
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
    fields = _validate_team_body(body)
    name = fields[0]
    if name != row["name"]:
        principals.remove_aliases(ctx, team_id, "TEAM_NAME")
        principals.add_alias(ctx, team_id, name, "TEAM_NAME")
        principals.rename_principal(ctx, team_id, name)
    ctx.db.execute(
        "UPDATE teams SET name = ?, description = ?, icon = ?, can_public_join = ?,"
        " can_request_membership = ?, etag = ?, modified_on = ?, modified_by = ? WHERE id = ?",
        (*fields, ctx.new_etag(), ctx.now(), ctx.user_id, team_id),
    )
    return team_json(require_team(ctx.db, team_id))


@routes.route("DELETE", REPO + "/team/<id>", status=204)
def delete_team(ctx: RequestContext, id: str) -> None:
    team_id = team_with_access(ctx, id, "DELETE")
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
    return paginate([team_json(r) for r in rows if matches(r["name"], lowered)], offset, limit)


@routes.route("POST", REPO + "/teamList")
def list_teams(ctx: RequestContext) -> dict[str, Any]:
    ids = id_list(ctx)
    found = []
    for team_id in ids:
        row = team_row(ctx.db, team_id)
        if row is None:
            raise NotFound(f"Team id: '{team_id}' does not exist")
        found.append(team_json(row))
    return list_wrapper(TEAM_CLASS, found)


@routes.route("GET", REPO + "/user/<id>/team")
def user_teams(ctx: RequestContext, id: str) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    user_id = parse_id(id, "user id")
    rows = [team_row(ctx.db, team_id) for team_id in teams_of(ctx.db, user_id)]
    return paginate([team_json(r) for r in rows if r is not None], offset, limit)


@routes.route("GET", REPO + "/user/<id>/team/id")
def user_team_ids(ctx: RequestContext, id: str) -> dict[str, Any]:
    user_id = parse_id(id, "user id")
    ids = teams_of(ctx.db, user_id)
    if ctx.args.get("sort") == "TEAM_NAME":
        names = {tid: (r["name"].lower() if (r := team_row(ctx.db, tid)) else "") for tid in ids}
        ids.sort(key=lambda tid: names[tid])
    if ctx.args.get("ascending", "true").lower() == "false":
        ids.reverse()
    page, token = token_page([str(i) for i in ids], ctx.args.get("nextPageToken"))
    return {"teamIds": page, "nextPageToken": token}


@routes.route("GET", REPO + "/team/<id>/acl")
def get_team_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    team_id = team_with_access(ctx, id, "READ")
    return acl.require_acl(ctx.db, TEAM_TYPE, team_id, f"Team {team_id}")


@routes.route("PUT", REPO + "/team/acl")
def put_team_acl(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    team_id = team_with_access(ctx, acl.acl_id(body), "TEAM_MEMBERSHIP_UPDATE")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    if not any("TEAM_MEMBERSHIP_UPDATE" in e["accessType"] for e in entries):
        raise BadRequest("The team ACL must give at least one principal TEAM_MEMBERSHIP_UPDATE")
    return acl.update_acl(ctx, TEAM_TYPE, team_id, entries, body.get("etag"))
