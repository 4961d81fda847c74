"""Listing and looking up entities: children, child by name, projects, project alias.

Children pages are keyset-paged: the next-page token carries the sort key and id of the last child
returned, and each page is one indexed range query (``WHERE (name, id) > (?, ?) ... LIMIT``) whose rows alone
are checked against ACLs, so a page costs the same at the start and at the end of a folder of 100,000
children. (Synapse's own tokens are ``<limit>a<offset>``; clients treat both as opaque.)
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ...core import acl
from ...core.constants import AUTHENTICATED_USERS_ID, ENTITY_ADMIN_ACCESS, PUBLIC_GROUP_ID, ROOT_ENTITY_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.paging import token_page
from ...core.routing import Routes
from ...core.txn import Txn
from .access import benefactor_id, entity_access, require_access
from .hooks import file_handle_info
from .records import ENTITY_TYPES, PROJECT, EntityRecord, parse_entity_id, require_entity, syn
from .wire import header_json

routes = Routes()

_SORT_COLUMNS = {"NAME": "name", "CREATED_ON": "created_on", "MODIFIED_ON": "modified_on"}
_TYPE_NAMES = {name: concrete for concrete, name in ENTITY_TYPES.items()}
PAGE_SIZE = 50
"""Children per page (Synapse's ``NextPageToken.MAX_LIMIT``)."""
_TOKEN_PREFIX = "k1."


def visible_children(
    txn: Txn, parent_id: int, concrete_types: list[str], order: str = "name", descending: bool = False
) -> list[tuple[EntityRecord, int]]:
    """Return the children of ``parent_id`` of the given types that the caller may read, with benefactors.

    A child's benefactor is itself when it has an ACL, else its parent's: one ACL check per child.
    """
    parent_benefactor = benefactor_id(txn.db, parent_id)
    parent_readable = "READ" in entity_access(txn.db, txn.user, parent_id)
    marks = ",".join("?" * len(concrete_types))
    direction = "DESC" if descending else "ASC"
    rows = txn.db.execute(
        f"SELECT * FROM entities WHERE parent_id = ? AND concrete_type IN ({marks})"
        f" ORDER BY {order} {direction}, id {direction}",
        [parent_id, *concrete_types],
    ).fetchall()
    principals = acl.principal_ids(txn.db, txn.user)
    result = []
    for row in rows:
        record = EntityRecord(**dict(row))
        own = acl.get_acl(txn.db, "entity", record.id)
        if own is None:
            if parent_readable:
                result.append((record, parent_benefactor))
            continue
        access = set(ENTITY_ADMIN_ACCESS) if txn.is_admin else acl.grants_of(own, principals)
        if txn.is_anonymous:
            access &= {"READ"}
        if "READ" in access:
            result.append((record, record.id))
    return result


def _encode_token(order: str, descending: bool, key: Any, entity_id: int) -> str:
    raw = json.dumps([order, descending, key, entity_id], separators=(",", ":")).encode()
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: Any, order: str, descending: bool) -> tuple[Any, int] | None:
    """The ``(sort key, id)`` a page starts after; 400 for a token of another listing or none at all."""
    if token is None or token == "":
        return None
    text = str(token)
    try:
        if not text.startswith(_TOKEN_PREFIX):
            raise ValueError(text)
        payload = text[len(_TOKEN_PREFIX) :]
        found = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        token_order, token_descending, key, entity_id = found
        if token_order != order or token_descending != descending or not isinstance(entity_id, int):
            raise ValueError(text)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadRequest(f"Invalid nextPageToken: {token}") from exc
    return key, entity_id


def children_page(
    txn: Txn,
    parent_id: int,
    concrete_types: list[str],
    order: str,
    descending: bool,
    after: tuple[Any, int] | None,
    limit: int = PAGE_SIZE,
) -> tuple[list[tuple[EntityRecord, int]], bool]:
    """One page of the children the caller may read (with their benefactors), and whether more follow.

    Rows come from the database in key order after ``after``, ``limit + 1`` at a time; only those rows are
    checked: a child without an ACL of its own inherits its parent's benefactor (readable when the parent
    is), one with an ACL is shown when that ACL grants READ.
    """
    parent_benefactor = benefactor_id(txn.db, parent_id)
    parent_readable = "READ" in entity_access(txn.db, txn.user, parent_id)
    principals = acl.principal_ids(txn.db, txn.user)
    marks = ",".join("?" * len(concrete_types))
    direction, beyond = ("DESC", "<") if descending else ("ASC", ">")
    kept: list[tuple[EntityRecord, int]] = []
    while len(kept) <= limit:
        where, params = "", []
        if after is not None:
            where, params = f" AND ({order}, id) {beyond} (?, ?)", [after[0], after[1]]
        rows = txn.db.execute(
            f"SELECT * FROM entities WHERE parent_id = ? AND concrete_type IN ({marks}){where}"
            f" ORDER BY {order} {direction}, id {direction} LIMIT ?",
            [parent_id, *concrete_types, *params, limit + 1],
        ).fetchall()
        records = [EntityRecord(**dict(row)) for row in rows]
        own = acl.with_acl(txn.db, "entity", [str(r.id) for r in records]) if records else set()
        for record in records:
            if str(record.id) not in own:
                if parent_readable:
                    kept.append((record, parent_benefactor))
                continue
            access = (
                set(ENTITY_ADMIN_ACCESS)
                if txn.is_admin
                else acl.grants_of(acl.get_acl(txn.db, "entity", record.id), principals)
            )
            if txn.is_anonymous:
                access &= {"READ"}
            if "READ" in access:
                kept.append((record, record.id))
        if len(records) <= limit:
            break
        last = records[-1]
        after = (getattr(last, order), last.id)
    return kept[:limit], len(kept) > limit


@routes.route("POST", "/repo/v1/entity/children")
def post_children(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    types = body.get("includeTypes")
    if not types or not isinstance(types, list):
        raise BadRequest("EntityChildrenRequest.includeTypes is required and must include at least one type")
    # Newer clients also ask for types this server does not know (e.g. "searchindex"): none can exist here.
    malformed = [t for t in types if not isinstance(t, str) or not t.isalpha() or not t.islower()]
    if malformed:
        raise BadRequest(f"Invalid EntityType: {malformed[0]}")
    sort_by = body.get("sortBy") or "NAME"
    direction = body.get("sortDirection") or "ASC"
    if sort_by not in _SORT_COLUMNS or direction not in ("ASC", "DESC"):
        raise BadRequest("sortBy must be NAME, CREATED_ON or MODIFIED_ON and sortDirection ASC or DESC")
    if body.get("parentId") is None:
        parent_id, concrete_types = ROOT_ENTITY_ID, [PROJECT]
    else:
        parent_id = parse_entity_id(body["parentId"])
        require_entity(ctx.db, parent_id)
        require_access(ctx, parent_id, "READ")
        concrete_types = [_TYPE_NAMES[t] for t in types if t in _TYPE_NAMES]
    order, descending = _SORT_COLUMNS[sort_by], direction == "DESC"
    after = _decode_token(body.get("nextPageToken"), order, descending)
    page, more = children_page(ctx, parent_id, concrete_types, order, descending, after)
    next_token = None
    if more:
        last = page[-1][0]
        next_token = _encode_token(order, descending, getattr(last, order), last.id)
    response: dict[str, Any] = {
        "page": [header_json(ctx.db, record, benefactor=benefactor) for record, benefactor in page],
        "nextPageToken": next_token,
    }
    if body.get("includeTotalChildCount") or body.get("includeSumFileSizes"):
        # the whole listing, only when a count over it is asked for
        children = visible_children(ctx, parent_id, concrete_types, order, descending)
    if body.get("includeTotalChildCount"):
        response["totalChildCount"] = len(children)
    if body.get("includeSumFileSizes"):
        total = 0
        for record, _ in children:
            row = ctx.db.execute(
                "SELECT file_handle_id FROM entity_versions WHERE entity_id = ? AND version = ?",
                (record.id, record.current_version),
            ).fetchone()
            total += int((file_handle_info(ctx, row[0]) or {}).get("contentSize") or 0)
        response["sumFileSizesBytes"] = total
    return response


@routes.route("POST", "/repo/v1/entity/child")
def lookup_child(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    name = body.get("entityName")
    if not name:
        raise BadRequest("EntityLookupRequest.entityName is required")
    parent_id = ROOT_ENTITY_ID if body.get("parentId") is None else parse_entity_id(body["parentId"])
    if parent_id != ROOT_ENTITY_ID:
        require_entity(ctx.db, parent_id)
        require_access(ctx, parent_id, "READ")
    row = ctx.db.execute(
        "SELECT id FROM entities WHERE parent_id = ? AND name = ?", (parent_id, name)
    ).fetchone()
    if row is None:
        shown = syn(parent_id) if body.get("parentId") is None else body["parentId"]
        raise NotFound(f"Child not found for parent: '{shown}' with name: '{name}'")  # NodeDAOImpl's words
    if parent_id == ROOT_ENTITY_ID and "READ" not in entity_access(ctx.db, ctx.user, int(row[0])):
        raise Forbidden("You do not have READ permission for the requested entity.")
    return {"id": syn(row[0])}


@routes.route("GET", "/repo/v1/entity/alias/<alias>")
def get_by_alias(ctx: RequestContext, alias: str) -> dict[str, Any]:
    row = ctx.db.execute("SELECT id FROM entities WHERE alias = ?", (alias,)).fetchone()
    if row is None:
        raise NotFound(f"No project has the alias '{alias}'")
    require_access(ctx, int(row[0]), "READ")
    return {"id": syn(row[0])}


@routes.route("GET", "/repo/v1/projects")
def list_projects(ctx: RequestContext) -> dict[str, Any]:
    """Projects the caller can read through its own or its groups' grants (``filter=CREATED`` narrows)."""
    sort = _SORT_COLUMNS.get(ctx.args.get("sort", "").replace("LAST_ACTIVITY", "MODIFIED_ON"), "modified_on")
    descending = ctx.args.get("sortDirection", "DESC" if sort == "modified_on" else "ASC") == "DESC"
    projects = visible_children(ctx, ROOT_ENTITY_ID, [PROJECT], sort, descending)
    mine = acl.principal_ids(ctx.db, ctx.user) - {PUBLIC_GROUP_ID, AUTHENTICATED_USERS_ID}
    chosen = []
    for record, _ in projects:
        if ctx.args.get("filter") == "CREATED":
            keep = record.created_by == ctx.user_id
        else:
            keep = ctx.is_admin or bool(acl.grants_of(acl.get_acl(ctx.db, "entity", record.id), mine))
        if keep:
            chosen.append(record)
    page, next_token = token_page(chosen, ctx.args.get("nextPageToken"))
    results = [
        {
            "id": r.syn_id,
            "name": r.name,
            "lastActivity": r.modified_on,
            "modifiedOn": r.modified_on,
            "modifiedBy": r.modified_by,
        }
        for r in page
    ]
    return {"results": results, "nextPageToken": next_token}
