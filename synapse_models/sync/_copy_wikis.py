"""Copying wikis: pages parent first, markdown and attachments by file handle copy (no bytes move), then the
links rewritten once every page of every copied owner exists.

Rewriting: ``synOLD/wiki/P`` and ``synOLD/ENTITY/P`` (the portal's page links) become the copied owner and
page; then every ``synOLD`` of a copied entity becomes its copy's id.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

from ..errors import ConflictError, NotFoundError
from . import _internals
from .results import CopyResult

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["WikiCopied", "WikiRewrite", "WikiTask", "copy_wiki", "rewrite", "rewrite_page"]

_PAGE_LINK = re.compile(r"\b(syn\d+)/(wiki|ENTITY)/(\d+)\b", re.IGNORECASE)
_ENTITY = re.compile(r"\bsyn(\d+)\b", re.IGNORECASE)


@attrs.frozen
class WikiTask:
    source_owner: str
    target_owner: str
    on_clash: str


@attrs.frozen
class WikiCopied:
    """What copying one owner's wiki did: results, old page id -> new, and the pages' original markdown."""

    results: list[CopyResult]
    pages: dict[str, str]
    texts: dict[str, str]
    """New page id -> the markdown it was created with (the source's, links not rewritten yet)."""


@attrs.frozen
class WikiRewrite:
    owner: str
    page_id: str
    markdown: str


def _ordered(headers: list[tuple[str, str | None]]) -> list[str]:
    """Page ids, every parent before its children."""
    children: dict[str | None, list[str]] = {}
    known = {page for page, _ in headers}
    for page, parent in headers:
        children.setdefault(parent if parent in known else None, []).append(page)
    out: list[str] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        page = stack.pop()
        out.append(page)
        stack.extend(reversed(children.get(page, [])))
    return out


def copy_wiki(conn: Connection, task: WikiTask) -> WikiCopied:
    """Copy every page of ``source_owner``'s wiki to ``target_owner`` (links are rewritten afterwards)."""
    from ..models.wiki import Wiki

    where = f"{task.source_owner}/wiki"
    try:
        headers = Wiki.headers(task.source_owner, connection=conn)
    except NotFoundError:
        return WikiCopied([], {}, {})
    if not headers:
        return WikiCopied([], {}, {})
    try:
        existing = Wiki.headers(task.target_owner, connection=conn)
    except NotFoundError:
        existing = []
    if existing:
        root = next((h for h in headers if not h.parent_id), headers[0])
        result = CopyResult(
            f"{where}/{root.id}", "Wiki", "exists", new_id=f"{task.target_owner}/wiki/{existing[0].id}"
        )
        if task.on_clash == "error":
            result.status, result.new_id = "failed", None
            result.error = ConflictError(
                409,
                f"{task.target_owner} already has a wiki",
                "POST",
                conn.url(f"/entity/{task.target_owner}/wiki2"),
            )
        return WikiCopied([result], {}, {})
    results: list[CopyResult] = []
    pages: dict[str, str] = {}
    texts: dict[str, str] = {}
    for page_id in _ordered([(h.id, h.parent_id) for h in headers]):
        result = CopyResult(f"{where}/{page_id}", "Wiki", "failed")
        results.append(result)
        try:
            page = Wiki.get(task.source_owner, page_id, connection=conn)
            wanted = [_internals.handle_copy(str(page.markdown_file_handle_id), page_id, "WikiMarkdown")]
            wanted += [
                _internals.handle_copy(str(a), page_id, "WikiAttachment")
                for a in page.attachment_file_handle_ids
            ]
            copies = _internals.copy_file_handles(conn, wanted)
            ids = [str(c.new_file_handle.id) for c in copies if c.new_file_handle is not None]
            if len(ids) != len(copies):
                code = next((c.failure_code for c in copies if c.new_file_handle is None), None)
                raise NotFoundError(
                    404,
                    f"wiki page {page_id}: a file could not be copied ({code or 'NOT_FOUND'})",
                    "POST",
                    conn.url("/filehandles/copy", "file"),
                )
            parent = pages.get(str(page.parent_wiki_id)) if page.parent_wiki_id else None
            if page.parent_wiki_id and parent is None:
                # the parent failed above (its own result says why); this page cannot hang anywhere
                raise NotFoundError(
                    404,
                    f"the parent page {page.parent_wiki_id} was not copied",
                    "POST",
                    conn.url(f"/entity/{task.target_owner}/wiki2"),
                )
            new = Wiki(
                owner=task.target_owner,
                title=page.title,
                parent=parent,
                markdown_file_handle_id=ids[0],
                attachment_file_handle_ids=ids[1:],
            )
            new.store(connection=conn, create_or_update=False)
            pages[page_id] = str(new.id)
            texts[str(new.id)] = page.markdown or ""
            result.status, result.new_id = "copied", f"{task.target_owner}/wiki/{new.id}"
        except Exception as exc:  # recorded on the page, never swallowed
            result.error = exc
    return WikiCopied(results, pages, texts)


def rewrite(text: str, entities: dict[str, str], pages: dict[tuple[str, str], tuple[str, str]]) -> str:
    """Point the links of copied markdown at the copies (see the module docstring)."""

    def page_link(match: re.Match[str]) -> str:
        found = pages.get((match.group(1).lower(), match.group(3)))
        return f"{found[0]}/{match.group(2)}/{found[1]}" if found else match.group(0)

    def entity(match: re.Match[str]) -> str:
        return entities.get(f"syn{match.group(1)}", match.group(0))

    return _ENTITY.sub(entity, _PAGE_LINK.sub(page_link, text))


def rewrite_page(conn: Connection, task: WikiRewrite) -> CopyResult:
    """Store the rewritten markdown of one copied page."""
    from ..models.wiki import Wiki

    result = CopyResult(
        f"{task.owner}/wiki/{task.page_id}", "Wiki", "failed", new_id=f"{task.owner}/wiki/{task.page_id}"
    )
    try:
        page = Wiki.get(task.owner, task.page_id, connection=conn)
        page.markdown = task.markdown
        page.store(connection=conn)
        result.status = "updated"
    except Exception as exc:
        result.error = exc
    return result
