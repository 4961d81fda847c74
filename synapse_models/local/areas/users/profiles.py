"""User profiles, user/group headers and principal aliases (REFERENCE 2.12)."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import principals
from ...core.constants import ANONYMOUS_USER_ID, INDIVIDUAL_PRINCIPALS, WELL_KNOWN_PRINCIPALS
from ...core.context import RequestContext
from ...core.errors import BadRequest, NotFound, stale_etag
from ...core.paging import list_wrapper, offset_limit
from ...core.routing import Routes
from ...core.store import loads

routes = Routes()

PROFILE_TYPE = "org.sagebionetworks.repo.model.UserProfile"
ALIAS_TYPES = ("USER_NAME", "TEAM_NAME", "USER_EMAIL", "USER_ORCID")
#: UserProfile fields a user may change with PUT /userProfile (userName handled separately).
EDITABLE_FIELDS = (
    "firstName", "lastName", "summary", "position", "location", "industry", "company", "url", "teamName",
    "rStudioUrl", "profilePicureFileHandleId", "notificationSettings", "preferences", "openIds",
)  # fmt: skip


def _profile(ctx: RequestContext, user_id: int) -> dict[str, Any]:
    profile = profile_of(ctx.db, user_id, private=user_id == ctx.user_id)
    if profile is None:
        raise NotFound(f"UserProfile cannot be found for: {user_id}")  # Synapse's DBOUserProfileDAOImpl
    return profile


def profile_of(db: sqlite3.Connection, user_id: int, *, private: bool) -> dict[str, Any] | None:
    """Return the UserProfile JSON of a user (``private`` adds the emails), ``None`` if unknown."""
    if user_id in INDIVIDUAL_PRINCIPALS:  # the anonymous user and the bootstrap admin exist everywhere
        return {"ownerId": str(user_id), "userName": WELL_KNOWN_PRINCIPALS[user_id]}
    row = principals.user_row(db, user_id)
    if row is None:
        return None
    profile: dict[str, Any] = dict(loads(row["profile"]) or {})
    profile.update(
        ownerId=str(row["id"]),
        userName=row["user_name"],
        etag=row["etag"],
        createdOn=row["created_on"],
    )
    if private and row["email"]:
        profile["emails"] = [row["email"]]
        profile["email"] = row["email"]
    return profile


def _principal_id(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise BadRequest(f"Invalid principal id: {text}") from exc


def group_header(db: sqlite3.Connection, principal_id: int) -> dict[str, Any] | None:
    """Return the UserGroupHeader of a user or team, ``None`` if unknown."""
    if principal_id in WELL_KNOWN_PRINCIPALS:
        return {
            "ownerId": str(principal_id),
            "userName": WELL_KNOWN_PRINCIPALS[principal_id],
            "isIndividual": principal_id in INDIVIDUAL_PRINCIPALS,
        }
    row = principals.principal_row(db, principal_id)
    if row is None:
        return None
    header: dict[str, Any] = {
        "ownerId": str(principal_id),
        "userName": row["name"],
        "isIndividual": bool(row["is_individual"]),
    }
    if row["is_individual"]:
        user = principals.user_row(db, principal_id)
        if user is not None:
            profile = loads(user["profile"]) or {}
            header.update(
                userName=user["user_name"],
                firstName=profile.get("firstName"),
                lastName=profile.get("lastName"),
            )
    return header


@routes.route("GET", "/repo/v1/userProfile")
def get_my_profile(ctx: RequestContext) -> dict[str, Any]:
    return _profile(ctx, ctx.user_id)


@routes.route("GET", "/repo/v1/userProfile/<profile_id>")
def get_profile(ctx: RequestContext, profile_id: str) -> dict[str, Any]:
    return _profile(ctx, _principal_id(profile_id))


@routes.route("PUT", "/repo/v1/userProfile")
def update_my_profile(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    row = principals.user_row(ctx.db, ctx.user_id)
    assert row is not None
    if body.get("ownerId") is not None and str(body["ownerId"]) != str(ctx.user_id):
        raise BadRequest("A user may only update their own profile")
    if body.get("etag") != row["etag"]:
        raise stale_etag(str(ctx.user_id))
    new_name = body.get("userName") or row["user_name"]
    if new_name != row["user_name"]:
        principals.validate_user_name(new_name)
        principals.remove_aliases(ctx, ctx.user_id, "USER_NAME")
        principals.add_alias(ctx, ctx.user_id, new_name, "USER_NAME")
        principals.rename_principal(ctx, ctx.user_id, new_name)
    profile = {key: body[key] for key in EDITABLE_FIELDS if body.get(key) is not None}
    principals.update_user(ctx, ctx.user_id, new_name, profile)
    return _profile(ctx, ctx.user_id)


@routes.route("POST", "/repo/v1/userProfile")
def list_profiles(ctx: RequestContext) -> dict[str, Any]:
    ids = ctx.json_object().get("list")
    if not isinstance(ids, list):
        raise BadRequest("IdList.list is required")
    profiles = []
    for raw in ids:
        profile = profile_of(ctx.db, _principal_id(str(raw)), private=str(raw) == str(ctx.user_id))
        if profile is not None:
            profiles.append(profile)
    return list_wrapper(PROFILE_TYPE, profiles)


@routes.route("GET", "/repo/v1/userGroupHeaders")
def headers_by_prefix(ctx: RequestContext) -> dict[str, Any]:
    prefix = (ctx.args.get("prefix") or "").lower()
    type_filter = ctx.args.get("typeFilter") or "ALL"
    if type_filter not in ("ALL", "USERS_ONLY", "TEAMS_ONLY"):
        raise BadRequest(f"typeFilter must be ALL, USERS_ONLY or TEAMS_ONLY, got {type_filter}")
    offset, limit = offset_limit(ctx)
    rows = principals.search(ctx.db, prefix)
    wanted = [
        row
        for row in rows
        if type_filter == "ALL" or bool(row["is_individual"]) == (type_filter == "USERS_ONLY")
    ]
    page = wanted[offset : offset + limit]
    children = [h for h in (group_header(ctx.db, int(row["id"])) for row in page) if h is not None]
    return {
        "children": children,
        "prefixFilter": ctx.args.get("prefix") or "",
        "totalNumberOfResults": len(wanted),
    }


@routes.route("GET", "/repo/v1/userGroupHeaders/batch")
def headers_by_ids(ctx: RequestContext) -> dict[str, Any]:
    raw = ctx.args.get("ids")
    if not raw:
        raise BadRequest("The ids parameter is required")
    headers = [group_header(ctx.db, _principal_id(part.strip())) for part in raw.split(",") if part.strip()]
    return {"children": [h for h in headers if h is not None]}


@routes.route("POST", "/repo/v1/principal/alias")
def lookup_alias(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    alias, alias_type = body.get("alias"), body.get("type")
    if not alias or alias_type not in ALIAS_TYPES:
        raise BadRequest(f"PrincipalAliasRequest needs an alias and a type among {', '.join(ALIAS_TYPES)}")
    principal = principals.lookup_alias(ctx.db, str(alias), str(alias_type))
    if principal is None:
        raise NotFound(f"No principal has the {alias_type} alias '{alias}'")
    return {"principalId": principal}


def _bundle(ctx: RequestContext, user_id: int) -> dict[str, Any]:
    mask = ctx.arg_int("mask", 0) or 0
    profile = _profile(ctx, user_id)
    logged_in = user_id != ANONYMOUS_USER_ID
    return {
        "userId": str(user_id),
        "userProfile": profile if mask & 0x1 else None,
        "isCertified": logged_in if mask & 0x8 else None,
        "isVerified": False if mask & 0x10 else None,
        "isACTMember": False if mask & 0x20 else None,
        "isARReviewer": False if mask & 0x40 else None,
    }


@routes.route("GET", "/repo/v1/user/bundle")
def my_bundle(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    return _bundle(ctx, ctx.user_id)


@routes.route("GET", "/repo/v1/user/<user_id>/bundle")
def user_bundle(ctx: RequestContext, user_id: str) -> dict[str, Any]:
    return _bundle(ctx, _principal_id(user_id))


#: The id of Synapse's certification quiz.
CERTIFICATION_QUIZ_ID = 1


@routes.route("GET", "/repo/v1/user/<user_id>/certifiedUserPassingRecord")
def certified_user_passing_record(ctx: RequestContext, user_id: str) -> dict[str, Any]:
    """The certification quiz's passing record, which no user of the local server has.

    Users here count as certified (as members of CERTIFIED_USERS would on Synapse: their permissions say
    ``isCertifiedUser``) without having taken the quiz, which is how Synapse answers for an account an
    administrator certified, like the official client's own test account: 404 "No quiz results".
    """
    principal_id = _principal_id(user_id)
    raise NotFound(f"No quiz results for quiz {CERTIFICATION_QUIZ_ID} and user {principal_id}")
