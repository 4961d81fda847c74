"""Wiki pages: the V2 API, the V1 facade, history, order hints and attachments (REFERENCE 2.8, 3.7).

A page belongs to an owner (an entity or an evaluation) and may have a parent page; each owner has at most
one root (a second root -> 409).  Pages hold no text: ``markdownFileHandleId`` names a file handle (by
convention gzipped UTF-8 markdown) and ``attachmentFileHandleIds`` the attachments, addressed by file name
(unique per page).  Every new handle a page references must have been created by the caller (403).

Each create/update/restore writes a row of ``wiki_history`` (version 0, 1, ...), which
``GET .../wikihistory`` lists newest first and ``?wikiVersion=`` reads.  The V1 facade (``/wiki``) speaks
plain ``markdown``: the server gzips it into a new handle ``<wikiId>_markdown.txt.gz``
(``application/x-gzip``) and gunzips it on read; both APIs show the same pages.

Permissions are those of the owner: READ to read, CREATE to add a page, UPDATE to change one, DELETE to
delete one (which deletes its sub-pages too).  Downloads through ``POST /file/v1/fileHandle/batch`` with
``WikiMarkdown``/``WikiAttachment`` associations are authorized by READ on the owner of the page.
"""

from __future__ import annotations

import contextlib
import gzip
import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...core.context import RequestContext
from ...core.errors import BadRequest, Conflict, Forbidden, NotFound, stale_etag
from ...core.paging import offset_limit, paginate
from ...core.routing import Routes
from ...core.store import dumps, loads
from ...core.txn import Txn
from ..entities.service import (
    BundlePart,
    EntityRecord,
    VersionRecord,
    entity_access,
    parse_entity_id,
    require_entity,
)
from ..evaluations.service import evaluation_access, evaluation_exists
from ..files import service as files
from ..files.service import Association

routes = Routes()

REPO = "/repo/v1"
MARKDOWN_CONTENT_TYPE = "application/x-gzip"

SCHEMA = """
    CREATE TABLE IF NOT EXISTS wiki_pages (
        id INTEGER PRIMARY KEY, owner_type TEXT NOT NULL, owner_id TEXT NOT NULL, parent_id INTEGER,
        title TEXT, etag TEXT NOT NULL, created_on TEXT NOT NULL, created_by INTEGER NOT NULL,
        modified_on TEXT NOT NULL, modified_by INTEGER NOT NULL, markdown_handle TEXT NOT NULL,
        attachments TEXT NOT NULL, version INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS wiki_pages_by_owner ON wiki_pages(owner_type, owner_id);
    CREATE TABLE IF NOT EXISTS wiki_history (
        wiki_id INTEGER NOT NULL, version INTEGER NOT NULL, title TEXT, markdown_handle TEXT NOT NULL,
        attachments TEXT NOT NULL, modified_on TEXT NOT NULL, modified_by INTEGER NOT NULL,
        PRIMARY KEY (wiki_id, version));
    CREATE TABLE IF NOT EXISTS wiki_order_hints (
        owner_type TEXT NOT NULL, owner_id TEXT NOT NULL, id_list TEXT, etag TEXT NOT NULL,
        PRIMARY KEY (owner_type, owner_id))
    """

#: URL segment -> (ObjectType name, owner id parser).
OWNER_KINDS: dict[str, str] = {"entity": "ENTITY", "evaluation": "EVALUATION"}


# -- owners and permissions ------


def _owner_key(kind: str, raw_owner: str) -> str:
    if kind == "ENTITY":
        return str(parse_entity_id(raw_owner))
    try:
        return str(int(raw_owner))
    except ValueError as exc:
        raise BadRequest(f"Invalid evaluation id: {raw_owner}") from exc


def _display_owner(kind: str, owner: str) -> str:
    return f"syn{owner}" if kind == "ENTITY" else owner


def owner_access(txn: Txn, kind: str, owner: str) -> set[str]:
    """What the caller may do on the owner of a wiki (404 if the owner does not exist)."""
    if kind == "ENTITY":
        require_entity(txn.db, int(owner))
        return entity_access(txn.db, txn.user, int(owner))
    if not evaluation_exists(txn.db, int(owner)):
        raise NotFound(f"Evaluation {owner} does not exist")
    return evaluation_access(txn, int(owner))


def _require_owner_access(txn: Txn, kind: str, owner: str, access_type: str) -> None:
    if access_type not in owner_access(txn, kind, owner):
        if txn.is_anonymous and access_type != "READ":
            raise Forbidden("Must login to perform this action")
        raise Forbidden(
            f"You do not have {access_type} permission on {kind.lower()} {_display_owner(kind, owner)}"
        )


# -- rows ------


def _page_row(db: sqlite3.Connection, kind: str, owner: str, wiki_id: str | int) -> sqlite3.Row:
    try:
        key = int(wiki_id)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid wiki id: {wiki_id}") from exc
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_pages WHERE id = ? AND owner_type = ? AND owner_id = ?", (key, kind, owner)
    ).fetchone()
    if row is None:
        raise NotFound(f"Wiki page {wiki_id} of {kind.lower()} {_display_owner(kind, owner)} does not exist")
    return row


def root_row(db: sqlite3.Connection, kind: str, owner: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_pages WHERE owner_type = ? AND owner_id = ? AND parent_id IS NULL", (kind, owner)
    ).fetchone()
    return row


def _require_root(db: sqlite3.Connection, kind: str, owner: str) -> sqlite3.Row:
    row = root_row(db, kind, owner)
    if row is None:
        raise NotFound(f"{kind.title()} {_display_owner(kind, owner)} has no root wiki page")
    return row


def _history_row(db: sqlite3.Connection, wiki_id: int, version: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_history WHERE wiki_id = ? AND version = ?", (wiki_id, version)
    ).fetchone()
    if row is None:
        raise NotFound(f"Wiki page {wiki_id} has no version {version}")
    return row


def _content(ctx: RequestContext, row: sqlite3.Row) -> tuple[str | None, str, list[str]]:
    """Return ``(title, markdown handle, attachments)`` at ``?wikiVersion=`` (default current)."""
    version = ctx.arg_int("wikiVersion")
    if version is None:
        return row["title"], row["markdown_handle"], list(loads(row["attachments"]))
    snapshot = _history_row(ctx.db, row["id"], version)
    return snapshot["title"], snapshot["markdown_handle"], list(loads(snapshot["attachments"]))


def _v2_json(ctx: RequestContext, row: sqlite3.Row) -> dict[str, Any]:
    title, markdown, attachments = _content(ctx, row)
    return {
        "id": str(row["id"]),
        "etag": row["etag"],
        "createdOn": row["created_on"],
        "createdBy": str(row["created_by"]),
        "modifiedOn": row["modified_on"],
        "modifiedBy": str(row["modified_by"]),
        "parentWikiId": None if row["parent_id"] is None else str(row["parent_id"]),
        "title": title,
        "markdownFileHandleId": markdown,
        "attachmentFileHandleIds": attachments,
    }


def _read_markdown(txn: Txn, handle_id: str) -> str:
    path = files.blob_of(txn.db, txn.store, handle_id)
    if path is None or not path.exists():
        return ""
    data = path.read_bytes()
    with contextlib.suppress(OSError, EOFError):
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def _v1_json(ctx: RequestContext, row: sqlite3.Row) -> dict[str, Any]:
    body = _v2_json(ctx, row)
    body["markdown"] = _read_markdown(ctx, body.pop("markdownFileHandleId"))
    return body


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


def _create(
    ctx: RequestContext,
    kind: str,
    owner: str,
    body: dict[str, Any],
    markdown_for: Callable[[int], str] | None = None,
) -> sqlite3.Row:
    ctx.require_login()
    _require_owner_access(ctx, kind, owner, "CREATE")
    title = _check_title(body)
    parent = body.get("parentWikiId")
    parent_id = None
    if parent is not None and str(parent) != "":
        parent_id = int(_page_row(ctx.db, kind, owner, parent)["id"])
    elif root_row(ctx.db, kind, owner) is not None:
        raise Conflict(f"{kind.title()} {_display_owner(kind, owner)} already has a root wiki page")
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
    return _page_row(ctx.db, kind, owner, wiki_id)


def _update(
    ctx: RequestContext,
    kind: str,
    owner: str,
    wiki_id: str,
    body: dict[str, Any],
    markdown_for: Callable[[sqlite3.Row], str] | None = None,
) -> sqlite3.Row:
    ctx.require_login()
    row = _page_row(ctx.db, kind, owner, wiki_id)
    _require_owner_access(ctx, kind, owner, "UPDATE")
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
        new_parent = int(_page_row(ctx.db, kind, owner, parent)["id"])
        if new_parent == row["id"] or row["id"] in _ancestor_ids(ctx.db, new_parent):
            raise BadRequest("A wiki page cannot be moved under itself")
        parent_id = new_parent
    title = _check_title(body)
    _write_version(ctx, row, parent_id, title, markdown, attachments)
    return _page_row(ctx.db, kind, owner, wiki_id)


def _write_version(
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


def _ancestor_ids(db: sqlite3.Connection, wiki_id: int) -> list[int]:
    result: list[int] = []
    current: int | None = wiki_id
    while current is not None and len(result) < 1000:
        row = db.execute("SELECT parent_id FROM wiki_pages WHERE id = ?", (current,)).fetchone()
        current = None if row is None or row[0] is None else int(row[0])
        if current is not None:
            result.append(current)
    return result


def _subtree(db: sqlite3.Connection, wiki_id: int) -> list[int]:
    rows = db.execute(
        "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL"
        " SELECT w.id FROM wiki_pages w JOIN sub s ON w.parent_id = s.id) SELECT id FROM sub",
        (wiki_id,),
    ).fetchall()
    return [int(r[0]) for r in rows]


def delete_pages(txn: Txn, wiki_ids: list[int]) -> None:
    """Delete pages and their history (no permission check)."""
    for wiki_id in wiki_ids:
        txn.db.execute("DELETE FROM wiki_history WHERE wiki_id = ?", (wiki_id,))
        txn.db.execute("DELETE FROM wiki_pages WHERE id = ?", (wiki_id,))


def _delete(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> None:
    ctx.require_login()
    row = _page_row(ctx.db, kind, owner, wiki_id)
    _require_owner_access(ctx, kind, owner, "DELETE")
    delete_pages(ctx, _subtree(ctx.db, int(row["id"])))
    if row["parent_id"] is None:
        ctx.db.execute("DELETE FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner))


def _ordered_pages(db: sqlite3.Connection, kind: str, owner: str) -> list[sqlite3.Row]:
    rows = db.execute(
        "SELECT * FROM wiki_pages WHERE owner_type = ? AND owner_id = ? ORDER BY id", (kind, owner)
    ).fetchall()
    hint = db.execute(
        "SELECT id_list FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner)
    ).fetchone()
    order = [str(i) for i in (loads(hint["id_list"]) if hint is not None and hint["id_list"] else [])]
    rank = {wiki_id: i for i, wiki_id in enumerate(order)}
    return sorted(rows, key=lambda r: (rank.get(str(r["id"]), len(rank)), r["id"]))


def _headers(ctx: RequestContext, kind: str, owner: str) -> dict[str, Any]:
    _require_owner_access(ctx, kind, owner, "READ")
    _require_root(ctx.db, kind, owner)  # an owner without pages answers 404, as the real service does
    offset, limit = offset_limit(ctx, default_limit=20)
    headers = [
        {
            "id": str(r["id"]),
            "title": r["title"],
            "parentId": None if r["parent_id"] is None else str(r["parent_id"]),
        }
        for r in _ordered_pages(ctx.db, kind, owner)
    ]
    return paginate(headers, offset, limit)


def _attachment_handles(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> dict[str, Any]:
    _require_owner_access(ctx, kind, owner, "READ")
    _, _, attachments = _content(ctx, _page_row(ctx.db, kind, owner, wiki_id))
    handles = [files.get_file_handle(ctx, a) for a in attachments]
    return {"list": [h for h in handles if h is not None]}


def _attachment_url(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> Response:
    _require_owner_access(ctx, kind, owner, "READ")
    file_name = ctx.args.get("fileName")
    if not file_name:
        raise BadRequest("Query parameter fileName is required")
    _, _, attachments = _content(ctx, _page_row(ctx.db, kind, owner, wiki_id))
    for handle_id in attachments:
        handle = files.get_file_handle(ctx, handle_id)
        if handle is not None and handle.get("fileName") == file_name:
            return files.redirect_or_text(ctx, files.url_for_handle(ctx, handle))
    raise NotFound(f"Wiki page {wiki_id} has no attachment named {file_name}")


def _markdown_url(ctx: RequestContext, kind: str, owner: str, wiki_id: str) -> Response:
    _require_owner_access(ctx, kind, owner, "READ")
    _, markdown, _ = _content(ctx, _page_row(ctx.db, kind, owner, wiki_id))
    return files.redirect_or_text(ctx, files.presigned_url(ctx, markdown))


# -- V1 markdown ------


def _v1_markdown_handle(ctx: RequestContext, wiki_id: int, markdown: Any) -> str:
    if markdown is None:
        markdown = ""
    if not isinstance(markdown, str):
        raise BadRequest("WikiPage.markdown must be a string")
    data = gzip.compress(markdown.encode("utf-8"), mtime=0)
    handle = files.create_file_handle(
        ctx, ctx.user_id, f"{wiki_id}_markdown.txt.gz", MARKDOWN_CONTENT_TYPE, data
    )
    return str(handle["id"])


def _v1_update_markdown(ctx: RequestContext, row: sqlite3.Row, body: dict[str, Any]) -> str:
    if "markdown" not in body or _read_markdown(ctx, row["markdown_handle"]) == (body.get("markdown") or ""):
        return str(row["markdown_handle"])
    return _v1_markdown_handle(ctx, int(row["id"]), body.get("markdown"))


# -- routes ------


def _register_pages(
    pages: str, header_tree: str, kind: str, to_json: Callable[[RequestContext, sqlite3.Row], dict[str, Any]]
) -> None:
    """Routes V1 (``.../wiki``) and V2 (``.../wiki2``) share but for the page JSON: read, delete, headers,
    attachments."""

    def key(owner: str) -> str:
        return _owner_key(kind, owner)

    @routes.route("GET", pages)
    def get_root(ctx: RequestContext, owner: str) -> dict[str, Any]:
        _require_owner_access(ctx, kind, key(owner), "READ")
        return to_json(ctx, _require_root(ctx.db, kind, key(owner)))

    @routes.route("GET", pages + "/<wiki_id>")
    def get_page(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        _require_owner_access(ctx, kind, key(owner), "READ")
        return to_json(ctx, _page_row(ctx.db, kind, key(owner), wiki_id))

    @routes.route("DELETE", pages + "/<wiki_id>")
    def delete_page(ctx: RequestContext, owner: str, wiki_id: str) -> None:
        _delete(ctx, kind, key(owner), wiki_id)

    @routes.route("GET", header_tree)
    def get_header_tree(ctx: RequestContext, owner: str) -> dict[str, Any]:
        return _headers(ctx, kind, key(owner))

    @routes.route("GET", pages + "/<wiki_id>/attachmenthandles")
    def attachment_handles(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        return _attachment_handles(ctx, kind, key(owner), wiki_id)

    @routes.route("GET", pages + "/<wiki_id>/attachment")
    @routes.route("GET", pages + "/<wiki_id>/attachmentpreview")
    def attachment(ctx: RequestContext, owner: str, wiki_id: str) -> Response:
        return _attachment_url(ctx, kind, key(owner), wiki_id)


def _register(segment: str, kind: str) -> None:
    base = f"{REPO}/{segment}/<owner>"

    def key(owner: str) -> str:
        return _owner_key(kind, owner)

    _register_pages(base + "/wiki2", base + "/wikiheadertree2", kind, _v2_json)
    _register_pages(base + "/wiki", base + "/wikiheadertree", kind, _v1_json)

    # V2 only
    @routes.route("POST", base + "/wiki2", status=201)
    def create_v2(ctx: RequestContext, owner: str) -> dict[str, Any]:
        return _v2_json(ctx, _create(ctx, kind, key(owner), ctx.json_object()))

    @routes.route("PUT", base + "/wiki2/<wiki_id>")
    def put_v2(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        return _v2_json(ctx, _update(ctx, kind, key(owner), wiki_id, ctx.json_object()))

    @routes.route("PUT", base + "/wiki2/<wiki_id>/<int:version>")
    def restore_v2(ctx: RequestContext, owner: str, wiki_id: str, version: int) -> dict[str, Any]:
        ctx.require_login()
        row = _page_row(ctx.db, kind, key(owner), wiki_id)
        _require_owner_access(ctx, kind, key(owner), "UPDATE")
        old = _history_row(ctx.db, int(row["id"]), version)
        _write_version(
            ctx, row, row["parent_id"], old["title"], old["markdown_handle"], list(loads(old["attachments"]))
        )
        return _v2_json(ctx, _page_row(ctx.db, kind, key(owner), wiki_id))

    @routes.route("GET", base + "/wiki2/<wiki_id>/wikihistory")
    def history_v2(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        _require_owner_access(ctx, kind, key(owner), "READ")
        row = _page_row(ctx.db, kind, key(owner), wiki_id)
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
        _require_owner_access(ctx, kind, key(owner), "READ")
        return _order_hint(ctx.db, kind, key(owner))

    @routes.route("PUT", base + "/wiki2orderhint")
    def put_order_hint(ctx: RequestContext, owner: str) -> dict[str, Any]:
        ctx.require_login()
        _require_owner_access(ctx, kind, key(owner), "UPDATE")
        current = _order_hint(ctx.db, kind, key(owner))
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
        return _order_hint(ctx.db, kind, key(owner))

    @routes.route("GET", base + "/wiki2/<wiki_id>/markdown")
    def markdown_v2(ctx: RequestContext, owner: str, wiki_id: str) -> Response:
        return _markdown_url(ctx, kind, key(owner), wiki_id)

    # V1 facade only (it speaks plain markdown)
    @routes.route("POST", base + "/wiki", status=201)
    def create_v1(ctx: RequestContext, owner: str) -> dict[str, Any]:
        body = ctx.json_object()
        row = _create(
            ctx,
            kind,
            key(owner),
            body,
            lambda wiki_id: _v1_markdown_handle(ctx, wiki_id, body.get("markdown")),
        )
        return _v1_json(ctx, row)

    @routes.route("PUT", base + "/wiki/<wiki_id>")
    def put_v1(ctx: RequestContext, owner: str, wiki_id: str) -> dict[str, Any]:
        body = ctx.json_object()
        row = _update(ctx, kind, key(owner), wiki_id, body, lambda old: _v1_update_markdown(ctx, old, body))
        return _v1_json(ctx, row)

    @routes.route("GET", base + "/wikikey")
    def wiki_key(ctx: RequestContext, owner: str) -> dict[str, Any]:
        _require_owner_access(ctx, kind, key(owner), "READ")
        root = _require_root(ctx.db, kind, key(owner))
        return {"wikiPageId": str(root["id"]), "ownerObjectId": key(owner), "ownerObjectType": kind}


def _order_hint(db: sqlite3.Connection, kind: str, owner: str) -> dict[str, Any]:
    _require_root(db, kind, owner)
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner)
    ).fetchone()
    if row is None:
        raise NotFound(f"No wiki order hint for {kind.lower()} {_display_owner(kind, owner)}")
    return {
        "ownerId": _display_owner(kind, owner),
        "ownerObjectType": kind,
        "idList": None if row["id_list"] is None else loads(row["id_list"]),
        "etag": row["etag"],
    }


for _segment, _kind in OWNER_KINDS.items():
    _register(_segment, _kind)


# -- hooks into other areas ------


def _page_of_handle(txn: Txn, object_id: str, handle_id: str, attachment: bool) -> str | None:
    try:
        wiki_id = int(object_id)
    except ValueError:
        return "NOT_FOUND"
    row = txn.db.execute("SELECT * FROM wiki_pages WHERE id = ?", (wiki_id,)).fetchone()
    if row is None:
        return "NOT_FOUND"
    column = "attachments" if attachment else "markdown_handle"
    history = txn.db.execute(f"SELECT {column} FROM wiki_history WHERE wiki_id = ?", (wiki_id,)).fetchall()
    values = [h[0] for h in history]
    linked = any(handle_id in loads(v) for v in values) if attachment else handle_id in values
    if not linked:
        return "NOT_FOUND"
    try:
        access = owner_access(txn, row["owner_type"], row["owner_id"])
    except NotFound:
        return "NOT_FOUND"
    return None if "READ" in access else "UNAUTHORIZED"


MARKDOWN_ASSOCIATION = Association(
    "WikiMarkdown", lambda txn, handle, oid: _page_of_handle(txn, oid, str(handle["id"]), False)
)
ATTACHMENT_ASSOCIATION = Association(
    "WikiAttachment", lambda txn, handle, oid: _page_of_handle(txn, oid, str(handle["id"]), True)
)


def root_page_id(db: sqlite3.Connection, owner_type: str, owner_id: str) -> str | None:
    """The id of the root wiki page of an owner (``"ENTITY"``/``"EVALUATION"`` + numeric id), or ``None``."""
    row = root_row(db, owner_type, owner_id)
    return None if row is None else str(row["id"])


def _root_wiki_id(txn: Txn, record: EntityRecord, version: VersionRecord) -> str | None:
    return root_page_id(txn.db, "ENTITY", str(record.id))


ROOT_WIKI_PART = BundlePart("includeRootWikiId", "rootWikiId", _root_wiki_id)


def delete_owner_pages(txn: Txn, kind: str, owner: str) -> None:
    """Delete every page (and the order hint) of one owner."""
    rows = txn.db.execute(
        "SELECT id FROM wiki_pages WHERE owner_type = ? AND owner_id = ?", (kind, owner)
    ).fetchall()
    delete_pages(txn, [int(r[0]) for r in rows])
    txn.db.execute("DELETE FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner))


def purge_entity_pages(txn: Txn, entity_ids: list[int]) -> None:
    """The entities' ``PURGE`` hook: entities purged for good lose their pages."""
    for entity_id in entity_ids:
        delete_owner_pages(txn, "ENTITY", str(entity_id))


def delete_evaluation_pages(txn: Txn, evaluation_id: int) -> None:
    """The evaluations' ``EVALUATION_DELETED`` hook: a deleted evaluation loses its pages."""
    delete_owner_pages(txn, "EVALUATION", str(evaluation_id))
