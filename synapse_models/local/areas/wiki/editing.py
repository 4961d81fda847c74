"""Writing wiki pages: create, update (and restore), delete, shared by the V2 API and the V1 facade.

Every new file handle a page references must have been created by the caller (403); attachment file names
are unique per page.  Each create/update/restore writes a row of ``wiki_history``.  The V1 facade sends plain
``markdown``, stored gzipped in a new handle ``<wikiId>_markdown.txt.gz`` (``application/x-gzip``).
"""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Callable
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Conflict, Forbidden, NotFound, stale_etag
from ...core.store import dumps, loads
from ...core.txn import Txn
from ..files import service as files
from .pages import (
    ancestor_ids,
    delete_pages,
    page_row,
    read_markdown,
    require_owner_access,
    root_row,
    subtree,
)

MARKDOWN_CONTENT_TYPE = "application/x-gzip"


# -- validation ------


def _check_handles(txn: Txn, markdown: Any, attachments: Any, known: set[str]) -> tuple[str, list[str]]:
    if markdown is None or str(markdown).strip() == "":
        raise BadRequest("V2WikiPage.markdownFileHandleId is required")
    if attachments is None:
        attachments = []
    if not isinstance(attachments, list):
        raise BadRequest("attachmentFileHandleIds must be a list")
    attachments = [str(a) for a in attachments]
    names: set[str] = set()
    for handle_id in [str(markdown), *attachments]:
        handle = files.get_file_handle(txn, handle_id)
        if handle is None:
            raise NotFound(f"FileHandle {handle_id} does not exist")
        if handle_id not in known and not txn.is_admin and handle.get("createdBy") != str(txn.user_id):
            raise Forbidden(f"Only the creator of FileHandle {handle_id} may use it in a wiki page")
        if handle_id in attachments:
            name = str(handle.get("fileName"))
            if name in names:
                raise BadRequest(f"Attachment file names must be unique within a wiki page: {name}")
            names.add(name)
    return str(markdown), attachments


def _check_title(body: dict[str, Any]) -> str | None:
    title = body.get("title")
    if title is not None and not isinstance(title, str):
        raise BadRequest("Wiki title must be a string")
    return title


def _snapshot(
    txn: Txn, wiki_id: int, version: int, title: str | None, markdown: str, attachments: list[str]
) -> None:
    txn.db.execute(
        "INSERT INTO wiki_history(wiki_id, version, title, markdown_handle, attachments, modified_on,"
        " modified_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (wiki_id, version, title, markdown, dumps(attachments), txn.now(), txn.user_id),
    )


# -- operations shared by V1 and V2 ------


def create_page(
    ctx: RequestContext,
    kind: str,
    owner: str,
    body: dict[str, Any],
    markdown_for: Callable[[int], str] | None = None,
) -> sqlite3.Row:
    ctx.require_login()
    require_owner_access(ctx, kind, owner, "CREATE")
    title = _check_title(body)
    parent = body.get("parentWikiId")
    parent_id = None
    if parent is not None and str(parent) != "":
        parent_id = int(page_row(ctx.db, kind, owner, parent)["id"])
    elif root_row(ctx.db, kind, owner) is not None:
        # Synapse's words (V2DBOWikiPageDaoImpl: the owner's root entry already exists), numeric owner id
        raise Conflict(f"An owner already exists with the ownerId: {owner} and ownerType: {kind}")
    wiki_id = ctx.next_id("wiki", start=600001)
    raw_markdown = markdown_for(wiki_id) if markdown_for is not None else body.get("markdownFileHandleId")
    markdown, attachments = _check_handles(ctx, raw_markdown, body.get("attachmentFileHandleIds"), set())
    ctx.db.execute(
        "INSERT INTO wiki_pages(id, owner_type, owner_id, parent_id, title, etag, created_on, created_by,"
        " modified_on, modified_by, markdown_handle, attachments, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0)",
        (
            wiki_id,
            kind,
            owner,
            parent_id,
            title,
            ctx.new_etag(),
            ctx.now(),
            ctx.user_id,
            ctx.now(),
            ctx.user_id,
            markdown,
            dumps(attachments),
        ),
    )
    _snapshot(ctx, wiki_id, 0, title, markdown, attachments)
    if parent_id is None:
        ctx.db.execute(
            "INSERT OR REPLACE INTO wiki_order_hints(owner_type, owner_id, id_list, etag)"
            " VALUES (?, ?, NULL, ?)",
            (kind, owner, ctx.new_etag()),
        )
    return page_row(ctx.db, kind, owner, wiki_id)


def update_page(
    ctx: RequestContext,
    kind: str,
    owner: str,
    wiki_id: str,
    body: dict[str, Any],
    markdown_for: Callable[[sqlite3.Row], str] | None = None,
) -> sqlite3.Row:
    ctx.require_login()
    row = page_row(ctx.db, kind, owner, wiki_id)
    require_owner_access(ctx, kind, owner, "UPDATE")
    if body.get("id") is not None and str(body["id"]) != str(row["id"]):
        raise BadRequest(f"The id in the body must match the path: {wiki_id}")
    if body.get("etag") != row["etag"]:
        raise stale_etag(str(row["id"]))
    known = {row["markdown_handle"], *loads(row["attachments"])}
    raw_markdown = markdown_for(row) if markdown_for is not None else body.get("markdownFileHandleId")
    markdown, attachments = _check_handles(ctx, raw_markdown, body.get("attachmentFileHandleIds"), known)
    parent = body.get("parentWikiId")
    parent_id = row["parent_id"]
    if row["parent_id"] is not None and parent is not None and str(parent) != str(row["parent_id"]):
        new_parent = int(page_row(ctx.db, kind, owner, parent)["id"])
        if new_parent == row["id"] or row["id"] in ancestor_ids(ctx.db, new_parent):
            raise BadRequest("A wiki page cannot be moved under itself")
        parent_id = new_parent
    title = _check_title(body)
    write_version(ctx, row, parent_id, title, markdown, attachments)
    return page_row(ctx.db, kind, owner, wiki_id)


def write_version(
    txn: Txn,
    row: sqlite3.Row,
    parent_id: int | None,
    title: str | None,
    markdown: str,
    attachments: list[str],
) -> None:
    version = int(row["version"]) + 1
    txn.db.execute(
        "UPDATE wiki_pages SET parent_id = ?, title = ?, etag = ?, modified_on = ?, modified_by = ?,"
        " markdown_handle = ?, attachments = ?, version = ? WHERE id = ?",
        (
            parent_id,
            title,
            txn.new_etag(),
            txn.now(),
            txn.user_id,
            markdown,
            dumps(attachments),
            version,
            row["id"],
        ),
    )
    _snapshot(txn, int(row["id"]), version, title, markdown, attachments)


def remove_page(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> None:
    ctx.require_login()
    row = page_row(ctx.db, kind, owner, wiki_id)
    require_owner_access(ctx, kind, owner, "DELETE")
    delete_pages(ctx, subtree(ctx.db, int(row["id"])))
    if row["parent_id"] is None:
        ctx.db.execute("DELETE FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner))


# -- V1 markdown ------


def v1_markdown_handle(ctx: RequestContext, wiki_id: int, markdown: Any) -> str:
    if markdown is None:
        markdown = ""
    if not isinstance(markdown, str):
        raise BadRequest("WikiPage.markdown must be a string")
    data = gzip.compress(markdown.encode("utf-8"), mtime=0)
    handle = files.create_file_handle(
        ctx, ctx.user_id, f"{wiki_id}_markdown.txt.gz", MARKDOWN_CONTENT_TYPE, data
    )
    return str(handle["id"])


def v1_update_markdown(ctx: RequestContext, row: sqlite3.Row, body: dict[str, Any]) -> str:
    if "markdown" not in body or read_markdown(ctx, row["markdown_handle"]) == (body.get("markdown") or ""):
        return str(row["markdown_handle"])
    return v1_markdown_handle(ctx, int(row["id"]), body.get("markdown"))
