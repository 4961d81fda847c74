"""Wiki pages (REFERENCE 2.8, 3.7): storage, owners and permissions, the page JSON of both APIs, and how
the wiki plugs into other areas.  Writes are in ``editing.py``, the endpoints in ``api.py``.

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
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.store import fetch_or_404, ids_below, loads, stamps
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


def owner_key(kind: str, raw_owner: str) -> str:
    if kind == "ENTITY":
        return str(parse_entity_id(raw_owner))
    try:
        return str(int(raw_owner))
    except ValueError as exc:
        raise BadRequest(f"Invalid evaluation id: {raw_owner}") from exc


def display_owner(kind: str, owner: str) -> str:
    return f"syn{owner}" if kind == "ENTITY" else owner


def owner_access(txn: Txn, kind: str, owner: str) -> set[str]:
    """What the caller may do on the owner of a wiki (404 if the owner does not exist)."""
    if kind == "ENTITY":
        require_entity(txn.db, int(owner))
        return entity_access(txn.db, txn.user, int(owner))
    if not evaluation_exists(txn.db, int(owner)):
        raise NotFound(f"Evaluation {owner} does not exist")
    return evaluation_access(txn, int(owner))


def require_owner_access(txn: Txn, kind: str, owner: str, access_type: str) -> None:
    if access_type not in owner_access(txn, kind, owner):
        if txn.is_anonymous and access_type != "READ":
            raise Forbidden("Must login to perform this action")
        raise Forbidden(
            f"You do not have {access_type} permission on {kind.lower()} {display_owner(kind, owner)}"
        )


# -- rows ------


def page_row(db: sqlite3.Connection, kind: str, owner: str, wiki_id: str | int) -> sqlite3.Row:
    try:
        key = int(wiki_id)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid wiki id: {wiki_id}") from exc
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_pages WHERE id = ? AND owner_type = ? AND owner_id = ?", (key, kind, owner)
    ).fetchone()
    if row is None:
        require_root(db, kind, owner)  # Synapse looks the owner's root up first
        raise NotFound(f"No wiki page found with id: {wiki_id}")  # Synapse's V2DBOWikiPageDaoImpl
    return row


def root_row(db: sqlite3.Connection, kind: str, owner: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_pages WHERE owner_type = ? AND owner_id = ? AND parent_id IS NULL", (kind, owner)
    ).fetchone()
    return row


def require_root(db: sqlite3.Connection, kind: str, owner: str) -> sqlite3.Row:
    row = root_row(db, kind, owner)
    if row is None:
        # Synapse's V2DBOWikiPageDaoImpl, with the owner's numeric id
        raise NotFound(f"A root wiki does not exist for ownerId: {owner} and ownerType: {kind}")
    return row


def history_row(db: sqlite3.Connection, wiki_id: int, version: int) -> sqlite3.Row:
    return fetch_or_404(
        db,
        "SELECT * FROM wiki_history WHERE wiki_id = ? AND version = ?",
        (wiki_id, version),
        f"Wiki page {wiki_id} has no version {version}",
    )


def page_content(ctx: RequestContext, row: sqlite3.Row) -> tuple[str | None, str, list[str]]:
    """Return ``(title, markdown handle, attachments)`` at ``?wikiVersion=`` (default current)."""
    version = ctx.arg_int("wikiVersion")
    if version is None:
        return row["title"], row["markdown_handle"], list(loads(row["attachments"]))
    snapshot = history_row(ctx.db, row["id"], version)
    return snapshot["title"], snapshot["markdown_handle"], list(loads(snapshot["attachments"]))


def v2_json(ctx: RequestContext, row: sqlite3.Row) -> dict[str, Any]:
    title, markdown, attachments = page_content(ctx, row)
    return {
        "id": str(row["id"]),
        **stamps(row),
        "parentWikiId": None if row["parent_id"] is None else str(row["parent_id"]),
        "title": title,
        "markdownFileHandleId": markdown,
        "attachmentFileHandleIds": attachments,
    }


def read_markdown(txn: Txn, handle_id: str) -> str:
    path = files.blob_of(txn.db, txn.store, handle_id)
    if path is None or not path.exists():
        return ""
    data = path.read_bytes()
    with contextlib.suppress(OSError, EOFError):
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def v1_json(ctx: RequestContext, row: sqlite3.Row) -> dict[str, Any]:
    body = v2_json(ctx, row)
    body["markdown"] = read_markdown(ctx, body.pop("markdownFileHandleId"))
    return body


def ancestor_ids(db: sqlite3.Connection, wiki_id: int) -> list[int]:
    result: list[int] = []
    current: int | None = wiki_id
    while current is not None and len(result) < 1000:
        row = db.execute("SELECT parent_id FROM wiki_pages WHERE id = ?", (current,)).fetchone()
        current = None if row is None or row[0] is None else int(row[0])
        if current is not None:
            result.append(current)
    return result


def subtree(db: sqlite3.Connection, wiki_id: int) -> list[int]:
    """The page and every page below it."""
    return [wiki_id, *ids_below(db, "wiki_pages", wiki_id)]


def delete_pages(txn: Txn, wiki_ids: list[int]) -> None:
    """Delete pages and their history (no permission check)."""
    for wiki_id in wiki_ids:
        txn.db.execute("DELETE FROM wiki_history WHERE wiki_id = ?", (wiki_id,))
        txn.db.execute("DELETE FROM wiki_pages WHERE id = ?", (wiki_id,))


def ordered_pages(db: sqlite3.Connection, kind: str, owner: str) -> list[sqlite3.Row]:
    rows = db.execute(
        "SELECT * FROM wiki_pages WHERE owner_type = ? AND owner_id = ? ORDER BY id", (kind, owner)
    ).fetchall()
    hint = db.execute(
        "SELECT id_list FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner)
    ).fetchone()
    order = [str(i) for i in (loads(hint["id_list"]) if hint is not None and hint["id_list"] else [])]
    rank = {wiki_id: i for i, wiki_id in enumerate(order)}
    return sorted(rows, key=lambda r: (rank.get(str(r["id"]), len(rank)), r["id"]))


def order_hint(db: sqlite3.Connection, kind: str, owner: str) -> dict[str, Any]:
    require_root(db, kind, owner)
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM wiki_order_hints WHERE owner_type = ? AND owner_id = ?", (kind, owner)
    ).fetchone()
    if row is None:
        raise NotFound(f"No wiki order hint for {kind.lower()} {display_owner(kind, owner)}")
    return {
        "ownerId": display_owner(kind, owner),
        "ownerObjectType": kind,
        "idList": None if row["id_list"] is None else loads(row["id_list"]),
        "etag": row["etag"],
    }


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
