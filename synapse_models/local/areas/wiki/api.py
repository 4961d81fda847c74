"""The wiki endpoints (REFERENCE 2.8, 3.7): the V2 API (``.../wiki2``), the V1 facade (``.../wiki``), history,
order hints and attachments, for entity and evaluation owners alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...core.context import RequestContext
from ...core.errors import BadRequest, NotFound, stale_etag
from ...core.paging import offset_limit, paginate
from ...core.routing import Routes
from ...core.store import dumps, loads
from ..files import service as files
from .editing import (
    create_page,
    remove_page,
    update_page,
    v1_markdown_handle,
    v1_update_markdown,
    write_version,
)
from .pages import (
    OWNER_KINDS,
    history_row,
    order_hint,
    ordered_pages,
    owner_key,
    page_content,
    page_row,
    require_owner_access,
    require_root,
    v1_json,
    v2_json,
)

routes = Routes()

REPO = "/repo/v1"


# -- reading ------


def _headers(ctx: RequestContext, kind: str, owner: str) -> dict[str, Any]:
    require_owner_access(ctx, kind, owner, "READ")
    require_root(ctx.db, kind, owner)  # an owner without pages answers 404, as the real service does
    offset, limit = offset_limit(ctx, default_limit=20)
    headers = [
        {
            "id": str(r["id"]),
            "title": r["title"],
            "parentId": None if r["parent_id"] is None else str(r["parent_id"]),
        }
        for r in ordered_pages(ctx.db, kind, owner)
    ]
    return paginate(headers, offset, limit)


def _attachment_handles(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> dict[str, Any]:
    """The attachments' file handles followed by their previews (as Synapse lists them)."""
    require_owner_access(ctx, kind, owner, "READ")
    _, _, attachments = page_content(ctx, page_row(ctx.db, kind, owner, wiki_id))
    handles = [h for h in (files.get_file_handle(ctx, a) for a in attachments) if h is not None]
    previews = [files.get_file_handle(ctx, str(h["previewId"])) for h in handles if h.get("previewId")]
    return {"list": handles + [p for p in previews if p is not None]}


def _attachment(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> dict[str, Any]:
    require_owner_access(ctx, kind, owner, "READ")
    file_name = ctx.args.get("fileName")
    if not file_name:
        raise BadRequest("Query parameter fileName is required")
    _, _, attachments = page_content(ctx, page_row(ctx.db, kind, owner, wiki_id))
    for handle_id in attachments:
        handle = files.get_file_handle(ctx, handle_id)
        if handle is not None and handle.get("fileName") == file_name:
            return handle
    raise NotFound(f"Wiki page {wiki_id} has no attachment named {file_name}")


def _attachment_preview(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> Response:
    """The URL of the attachment's preview file handle (``preview.txt`` for text), made on first request."""
    handle = _attachment(ctx, kind, owner, wiki_id)
    preview = files.preview_of(ctx, handle)
    if preview is None:
        raise NotFound(f"A preview does not exist for file {handle['id']}")  # Synapse's words
    return files.redirect_or_text(ctx, files.url_for_handle(ctx, preview))


def _markdown_url(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> Response:
    require_owner_access(ctx, kind, owner, "READ")
    _, markdown, _ = page_content(ctx, page_row(ctx.db, kind, owner, wiki_id))
    return files.redirect_or_text(ctx, files.presigned_url(ctx, markdown))


# -- routes ------


def _register_pages(
    pages: str, header_tree: str, kind: str, to_json: Callable[[RequestContext, sqlite3.Row], dict[str, Any]]
) -> None:
    """Routes V1 (``.../wiki``) and V2 (``.../wiki2``) share but for the page JSON: read, delete, headers,
    attachments."""

    def key(owner: str) -> str:
        return owner_key(kind, owner)

    @routes.route("GET", pages)
    def get_root(ctx: RequestContext, owner: str) -> dict[str, Any]:
        require_owner_access(ctx, kind, key(owner), "READ")
        return to_json(ctx, require_root(ctx.db, kind, key(owner)))

    @routes.route("GET", pages + "/<wiki_id>")
    def get_page(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        require_owner_access(ctx, kind, key(owner), "READ")
        return to_json(ctx, page_row(ctx.db, kind, key(owner), wiki_id))

    @routes.route("DELETE", pages + "/<wiki_id>")
    def delete_page(ctx: RequestContext, owner: str, wiki_id: str) -> None:
        remove_page(ctx, kind, key(owner), wiki_id)

    @routes.route("GET", header_tree)
    def get_header_tree(ctx: RequestContext, owner: str) -> dict[str, Any]:
        return _headers(ctx, kind, key(owner))

    @routes.route("GET", pages + "/<wiki_id>/attachmenthandles")
    def attachment_handles(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        return _attachment_handles(ctx, kind, key(owner), wiki_id)

    @routes.route("GET", pages + "/<wiki_id>/attachment")
    def attachment(ctx: RequestContext, owner: str, wiki_id: str) -> Response:
        handle = _attachment(ctx, kind, key(owner), wiki_id)
        return files.redirect_or_text(ctx, files.url_for_handle(ctx, handle))

    # A write transaction: the first request makes the preview.
    @routes.route("GET", pages + "/<wiki_id>/attachmentpreview", transaction="write")
    def attachment_preview(ctx: RequestContext, owner: str, wiki_id: str) -> Response:
        return _attachment_preview(ctx, kind, key(owner), wiki_id)


def _register(segment: str, kind: str) -> None:
    base = f"{REPO}/{segment}/<owner>"

    def key(owner: str) -> str:
        return owner_key(kind, owner)

    _register_pages(base + "/wiki2", base + "/wikiheadertree2", kind, v2_json)
    _register_pages(base + "/wiki", base + "/wikiheadertree", kind, v1_json)

    # V2 only
    @routes.route("POST", base + "/wiki2", status=201)
    def create_v2(ctx: RequestContext, owner: str) -> dict[str, Any]:
        return v2_json(ctx, create_page(ctx, kind, key(owner), ctx.json_object()))

    @routes.route("PUT", base + "/wiki2/<wiki_id>")
    def put_v2(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        return v2_json(ctx, update_page(ctx, kind, key(owner), wiki_id, ctx.json_object()))

    @routes.route("PUT", base + "/wiki2/<wiki_id>/<int:version>")
    def restore_v2(ctx: RequestContext, owner: str, wiki_id: str, version: int) -> dict[str, Any]:
        ctx.require_login()
        row = page_row(ctx.db, kind, key(owner), wiki_id)
        require_owner_access(ctx, kind, key(owner), "UPDATE")
        old = history_row(ctx.db, int(row["id"]), version)
        write_version(
            ctx, row, row["parent_id"], old["title"], old["markdown_handle"], list(loads(old["attachments"]))
        )
        return v2_json(ctx, page_row(ctx.db, kind, key(owner), wiki_id))

    @routes.route("GET", base + "/wiki2/<wiki_id>/wikihistory")
    def history_v2(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        require_owner_access(ctx, kind, key(owner), "READ")
        row = page_row(ctx.db, kind, key(owner), wiki_id)
        offset, limit = offset_limit(ctx, default_limit=10)
        rows = ctx.db.execute(
            "SELECT * FROM wiki_history WHERE wiki_id = ? ORDER BY version DESC", (row["id"],)
        ).fetchall()
        snapshots = [
            {
                "version": str(r["version"]),
                "modifiedOn": r["modified_on"],
                "modifiedBy": str(r["modified_by"]),
            }
            for r in rows
        ]
        return paginate(snapshots, offset, limit)

    @routes.route("GET", base + "/wiki2orderhint")
    def get_order_hint(ctx: RequestContext, owner: str) -> dict[str, Any]:
        require_owner_access(ctx, kind, key(owner), "READ")
        return order_hint(ctx.db, kind, key(owner))

    @routes.route("PUT", base + "/wiki2orderhint")
    def put_order_hint(ctx: RequestContext, owner: str) -> dict[str, Any]:
        ctx.require_login()
        require_owner_access(ctx, kind, key(owner), "UPDATE")
        current = order_hint(ctx.db, kind, key(owner))
        body = ctx.json_object()
        if body.get("etag") != current["etag"]:
            raise stale_etag(f"wiki order hint of {segment} {owner}")
        id_list = body.get("idList")
        if id_list is not None and (
            not isinstance(id_list, list) or not all(isinstance(i, (str, int)) for i in id_list)
        ):
            raise BadRequest("V2WikiOrderHint.idList must be a list of wiki ids")
        ctx.db.execute(
            "UPDATE wiki_order_hints SET id_list = ?, etag = ? WHERE owner_type = ? AND owner_id = ?",
            (None if id_list is None else dumps([str(i) for i in id_list]), ctx.new_etag(), kind, key(owner)),
        )
        return order_hint(ctx.db, kind, key(owner))

    @routes.route("GET", base + "/wiki2/<wiki_id>/markdown")
    def markdown_v2(ctx: RequestContext, owner: str, wiki_id: str) -> Response:
        return _markdown_url(ctx, kind, key(owner), wiki_id)

    # V1 facade only (it speaks plain markdown)
    @routes.route("POST", base + "/wiki", status=201)
    def create_v1(ctx: RequestContext, owner: str) -> dict[str, Any]:
        body = ctx.json_object()
        row = create_page(
            ctx,
            kind,
            key(owner),
            body,
            lambda wiki_id: v1_markdown_handle(ctx, wiki_id, body.get("markdown")),
        )
        return v1_json(ctx, row)

    @routes.route("PUT", base + "/wiki/<wiki_id>")
    def put_v1(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        body = ctx.json_object()
        row = update_page(
            ctx, kind, key(owner), wiki_id, body, lambda old: v1_update_markdown(ctx, old, body)
        )
        return v1_json(ctx, row)

    @routes.route("GET", base + "/wikikey")
    def wiki_key(ctx: RequestContext, owner: str) -> dict[str, Any]:
        require_owner_access(ctx, kind, key(owner), "READ")
        root = require_root(ctx.db, kind, key(owner))
        return {"wikiPageId": str(root["id"]), "ownerObjectId": key(owner), "ownerObjectType": kind}


for _segment, _kind in OWNER_KINDS.items():
    _register(_segment, _kind)
