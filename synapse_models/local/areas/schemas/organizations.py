"""Organizations: the namespaces schemas are registered in, each with an ACL (JsonSchemaController).

Whoever creates an organization gets READ, CREATE, CHANGE_PERMISSIONS, UPDATE and DELETE on it; CREATE lets
a user register schemas in it, DELETE delete them. Anyone may look an organization up or list them.
"""

from __future__ import annotations

from typing import Any

from ...core import acl
from ...core.constants import ANONYMOUS_USER_ID, PUBLIC_GROUP_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.paging import decode_page_token, encode_page_token
from ...core.routing import Reply, Routes
from ...core.txn import Txn
from .naming import organization_name
from .records import ORGANIZATION_ACL, organization_by_id, organization_by_name, organization_has_schemas
from .records import organizations_page as _organizations_page

routes = Routes()
REPO = "/repo/v1"
ADMIN_ACCESS = ("CHANGE_PERMISSIONS", "CREATE", "DELETE", "READ", "UPDATE")
PAGE_LIMIT = 50


def organization_access(txn: Txn, organization_id: int) -> set[str]:
    """What the caller may do with an organization (admins: everything)."""
    if txn.is_admin:
        return set(ADMIN_ACCESS)
    return acl.granted(txn.db, txn.user, ORGANIZATION_ACL, organization_id)


def require_organization_access(txn: Txn, organization_id: int, access_type: str) -> None:
    """403 in Synapse's words unless the caller holds ``access_type`` on the organization."""
    if access_type not in organization_access(txn, organization_id):
        raise Forbidden(f"You do not have {access_type} permission for ORGANIZATION : {organization_id}")


def token_window(token: Any) -> tuple[int, int]:
    """``(limit, offset)`` of a ``nextPageToken`` (at most 50 per page, as Synapse's NextPageToken)."""
    limit, offset = decode_page_token(None if token is None else str(token), PAGE_LIMIT)
    return min(limit, PAGE_LIMIT), offset


def token_page(page: list[Any], limit: int, offset: int) -> dict[str, Any]:
    """``{"page", "nextPageToken"}`` from up to ``limit + 1`` rows (the extra row says there is more)."""
    more = len(page) > limit
    return {"page": page[:limit], "nextPageToken": encode_page_token(limit, offset + limit) if more else None}


def _id_of(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise BadRequest(f"Invalid organziationId: {text}") from exc


@routes.route("POST", REPO + "/schema/organization", status=201)
def create_organization(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    name = organization_name(ctx.json_object().get("organizationName"), is_admin=ctx.is_admin)
    if ctx.db.execute("SELECT 1 FROM schema_organizations WHERE name = ?", (name,)).fetchone():
        raise BadRequest(f"An Organization with the name: '{name}' already exists")
    organization_id = ctx.next_id("schemaOrganization")
    ctx.db.execute(
        "INSERT INTO schema_organizations(id, name, created_on, created_by) VALUES (?, ?, ?, ?)",
        (organization_id, name, ctx.now(), ctx.user_id),
    )
    entries = [{"principalId": ctx.user_id, "accessType": list(ADMIN_ACCESS)}]
    acl.create_acl(ctx, ORGANIZATION_ACL, organization_id, entries)
    found = organization_by_id(ctx.db, organization_id)
    assert found is not None
    return found.json()


@routes.route("GET", REPO + "/schema/organization")
def get_organization(ctx: RequestContext) -> dict[str, Any]:
    name = organization_name(ctx.args.get("name"), is_admin=ctx.is_admin)
    return organization_by_name(ctx.db, name).json()


@routes.route("POST", REPO + "/schema/organization/list")
def list_organizations(ctx: RequestContext) -> dict[str, Any]:
    limit, offset = token_window((ctx.json_or_none() or {}).get("nextPageToken"))
    page = [o.json() for o in _organizations_page(ctx.db, limit + 1, offset)]
    return token_page(page, limit, offset)


@routes.route("DELETE", REPO + "/schema/organization/<id>")
def delete_organization(ctx: RequestContext, id: str) -> Reply:
    ctx.require_login()
    if not ctx.is_admin:
        require_organization_access(ctx, _id_of(id), "DELETE")
    found = organization_by_id(ctx.db, _id_of(id))
    if found is None:
        raise NotFound(f"Organization with id: '{id}' not found")
    if organization_has_schemas(ctx.db, found.id):
        raise BadRequest(
            "All schemas defined under an organization must be deleted before the organization can be"
            " deleted."
        )
    ctx.db.execute("DELETE FROM schema_organizations WHERE id = ?", (found.id,))
    acl.delete_acl(ctx, ORGANIZATION_ACL, found.id)
    return Reply(None, 200)


@routes.route("GET", REPO + "/schema/organization/<id>/acl")
def get_organization_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    organization_id = _id_of(id)
    require_organization_access(ctx, organization_id, "READ")
    return acl.require_acl(ctx.db, ORGANIZATION_ACL, organization_id, f"Organization {id}")


def _check_entries(ctx: RequestContext, entries: Any) -> None:
    """Synapse's checks of an ACL's content (``PermissionsManagerUtils.validateACLContent``)."""
    keeps_control = False
    mine = acl.principal_ids(ctx.db, ctx.user)
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("principalId") is None:
            raise BadRequest("Group ID is null")
        if not entry.get("accessType"):
            raise BadRequest("No access types specified.")
        principal, access = int(entry["principalId"]), set(entry["accessType"])
        if principal in mine and "CHANGE_PERMISSIONS" in access:
            keeps_control = True
        if principal == ANONYMOUS_USER_ID:
            raise BadRequest(
                "Cannot assign permissions to anonymous. To share resources with anonymous users, use the"
                f" PUBLIC group id ({PUBLIC_GROUP_ID})"
            )
        if principal == PUBLIC_GROUP_ID and access - {"READ"}:
            raise BadRequest("Only READ permissions can be assigned to the public group")
    if not keeps_control and not ctx.is_admin:
        raise BadRequest("Caller is trying to revoke their own ACL editing permissions.")


@routes.route("PUT", REPO + "/schema/organization/<id>/acl")
def update_organization_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    ctx.require_login()
    organization_id = _id_of(id)
    body = ctx.json_object()
    _check_entries(ctx, body.get("resourceAccess"))
    require_organization_access(ctx, organization_id, "CHANGE_PERMISSIONS")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    return acl.update_acl(ctx, ORGANIZATION_ACL, organization_id, entries, body.get("etag"))
