"""Wiki pages of projects, folders, files and evaluations (the V2 wiki API).

The markdown is stored the way Synapse stores it: gzipped UTF-8 text uploaded as a file handle
(``application/x-gzip``) that the page references by ``markdownFileHandleId``; attachments are file handles
listed in ``attachmentFileHandleIds`` and addressed by file name.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import attrs

from .._convert import LOCAL, READ_ONLY, from_wire
from ..connection import Connection
from ..errors import NotFoundError, ValidationError
from ..registry import ConnectionLike, get_connection
from ..transfer.download import download_file_handle, fetch_bytes
from ..transfer.names import path_inside
from ..transfer.upload import md5_of_path, upload_bytes, upload_path
from ._args import as_list, as_path
from ._html import Displayed, escape, section
from ._stored import Stored
from ._wire import ListWrapper
from .entity import Entity
from .evaluation import Evaluation
from .file_handle import FileHandle
from .ids import numeric_id, parse_entity_id

__all__ = ["Wiki", "WikiHeader", "WikiOwner"]


def _text_or_none(value: object, field: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, value, "expected text (a str) or None")


@attrs.define(frozen=True)
class WikiOwner(Displayed):
    """The object a wiki belongs to: an entity (``syn123``) or an evaluation (numeric id)."""

    id: str
    type: str = "entity"
    """``entity`` or ``evaluation`` (the path segment of the wiki URLs)."""

    @property
    def path(self) -> str:
        """The URL prefix of the owner's wiki endpoints."""
        return f"/{self.type}/{self.id}"


def to_owner(value: object) -> WikiOwner:
    """attrs converter: an entity, an evaluation, an entity id or a :class:`WikiOwner`."""
    if isinstance(value, WikiOwner):
        return value
    if isinstance(value, Evaluation):
        if value.id is None:
            raise ValidationError("owner", value.name, "the evaluation has no id yet; store() it first")
        return WikiOwner(value.id, "evaluation")
    if isinstance(value, Entity):
        if value.id is None:
            raise ValidationError("owner", value.name, "the owner has no id yet; store() it first")
        return WikiOwner(value.id, "entity")
    return WikiOwner(parse_entity_id(value, "owner")[0], "entity")


def _wiki_id(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (Wiki, WikiHeader)):
        if value.id is None:
            raise ValidationError("parent", value.title, "the parent page has no id yet; store() it first")
        return value.id
    return numeric_id(value, "parent", "give the parent Wiki or its numeric id")


def _to_paths(value: Iterable[str | Path] | str | Path) -> list[str | Path]:
    return as_list(value, "attachments", one=(str, Path))


@attrs.define(kw_only=True)
class WikiHeader(Displayed):
    """One page of a wiki's header tree (id, title and parent page id)."""

    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("title", "id", "parent_id")

    id: str
    title: str | None = None
    parent_id: str | None = None
    owner: WikiOwner | None = attrs.field(default=None, eq=False, metadata={LOCAL: True})
    _connection: Connection | None = attrs.field(
        default=None, repr=False, eq=False, alias="_connection", metadata={LOCAL: True}
    )

    def get(self, *, connection: ConnectionLike | None = None) -> Wiki:
        """Load the whole page (with its markdown)."""
        if self.owner is None:
            raise ValidationError("owner", None, "this header does not know its owner")
        return Wiki.get(self.owner, self.id, connection=connection or self._connection)


@attrs.define(kw_only=True)
class Wiki(Stored):
    """A wiki page: markdown text, sub-pages and file attachments.

    Example:
        >>> home = Wiki(owner=project, title="About", markdown="# RNA-seq pilot\\n...",
        ...             attachments=["design.png"]).store()
        >>> Wiki(owner=project, title="Methods", markdown="...", parent=home).store()
        >>> Wiki.get(project).markdown
        '# RNA-seq pilot\\n...'
    """

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "title", "owner", "parent_wiki_id")
    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag", "markdown"})

    owner: WikiOwner | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_owner), metadata={LOCAL: True}
    )
    """The project, folder, file or evaluation the wiki belongs to (or its id)."""
    title: str | None = None
    markdown: str | None = attrs.field(
        default=None, validator=lambda _, __, v: _text_or_none(v, "markdown"), metadata={LOCAL: True}
    )
    """The page's markdown text (uploaded gzipped on store(), downloaded on get())."""
    parent_wiki_id: str | None = attrs.field(default=None, alias="parent", converter=_wiki_id)
    """The parent page's id for a sub-page (``parent=`` takes the parent Wiki); ``None`` for the root."""
    attachments: list[str | Path] = attrs.field(factory=list, converter=_to_paths, metadata={LOCAL: True})
    """Local files to attach on the next store() (a file replaces the attachment of the same name)."""
    id: str | None = None
    etag: str | None = None
    """Sent on update; a stale one gives PreconditionFailedError."""
    markdown_file_handle_id: str | None = None
    """The file handle holding the gzipped markdown."""
    attachment_file_handle_ids: list[str] = attrs.field(factory=list)
    """The file handles of the attachments."""
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    created_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    modified_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    modified_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})

    _stored_markdown: str | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _replacing: set[str] = attrs.field(factory=set, init=False, repr=False, eq=False)

    @property
    def where(self) -> WikiOwner:
        """The owner (raises ValidationError when the page has none)."""
        if self.owner is None:
            raise ValidationError("owner", None, "a wiki page needs owner= (a project, entity or evaluation)")
        return self.owner

    @property
    def parent(self) -> str | None:
        """The parent page's id."""
        return self.parent_wiki_id

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def get(
        cls, owner: object, id: int | str | None = None, *, connection: ConnectionLike | None = None
    ) -> Wiki:
        """Load a page with its markdown: the root page of ``owner``, or page ``id``.

        Raises:
            NotFoundError: The owner has no wiki (or no such page), or you cannot see it.
        """
        conn = get_connection(connection)
        where = to_owner(owner)
        page_id = _wiki_id(id) if id is not None else None
        data = conn.get(f"{where.path}/wiki2" + (f"/{page_id}" if page_id else ""))
        wiki = cls._load_page(conn, where, data)
        wiki.markdown = wiki._fetch_markdown(conn)
        wiki._stored_markdown = wiki.markdown
        return wiki

    @classmethod
    def _load_page(cls, conn: Connection, owner: WikiOwner, data: dict[str, Any]) -> Wiki:
        wiki = from_wire(cls, data)
        wiki.owner = owner
        return wiki._loaded(conn)

    def _fetch_markdown(self, conn: Connection) -> str:
        if not self.markdown_file_handle_id:
            return ""
        data = fetch_bytes(
            conn,
            file_handle_id=self.markdown_file_handle_id,
            associate_object_id=str(self.id),
            associate_object_type="WikiMarkdown",
        )
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.decode("utf-8")

    @classmethod
    def headers(cls, owner: object, *, connection: ConnectionLike | None = None) -> list[WikiHeader]:
        """The header tree of an owner's wiki: every page, flat, each with its parent's id."""
        conn = get_connection(connection)
        where = to_owner(owner)
        pages = conn.iter_offset(f"{where.path}/wikiheadertree2", limit=50)
        headers = [from_wire(WikiHeader, item) for item in pages]
        for header in headers:
            header.owner, header._connection = where, conn
        return headers

    def children(self, *, connection: ConnectionLike | None = None) -> list[WikiHeader]:
        """The direct sub-pages of this page."""
        self._require_id()
        pages = self.headers(self.where, connection=self._conn(connection))
        return [h for h in pages if h.parent_id == self.id]

    def attachment_handles(self, *, connection: ConnectionLike | None = None) -> dict[str, dict[str, Any]]:
        """The attachments' file handles (JSON) by file name."""
        return {name: raw for name, (_, raw) in self._attachments(self._conn(connection)).items()}

    def _attachments(self, conn: Connection) -> dict[str, tuple[FileHandle, dict[str, Any]]]:
        """The attachments' file handles (read, and as JSON) by file name."""
        self._require_id()
        answer = conn.get(f"{self.where.path}/wiki2/{self.id}/attachmenthandles")
        found = from_wire(ListWrapper[dict[str, Any]], answer).items
        wanted = set(self.attachment_file_handle_ids)
        handles = [(from_wire(FileHandle, raw), raw) for raw in found]
        return {str(h.file_name): (h, raw) for h, raw in handles if h.id in wanted}

    def attachment_names(self, *, connection: ConnectionLike | None = None) -> list[str]:
        """The file names of the attachments."""
        return sorted(self.attachment_handles(connection=connection))

    def download_attachment(
        self, name: str, destination: str | Path = ".", *, connection: ConnectionLike | None = None
    ) -> Path:
        """Download one attachment by file name into a directory (or to a file path); returns the path.

        Raises:
            NotFoundError: The page has no attachment of that name.
        """
        conn = self._conn(connection)
        attachments = self._attachments(conn)
        if name not in attachments:  # the listing answered without it: its not-found, with its URL
            listing = conn.url(f"{self.where.path}/wiki2/{self.id}/attachmenthandles")
            raise NotFoundError(
                404,
                f"wiki {self.id} has no attachment named {name!r} "
                f"(it has: {', '.join(sorted(attachments)) or 'none'})",
                "GET",
                listing,
            )
        target = Path(as_path(destination, "destination"))
        if target.is_dir():  # a name from the server is a name, never a path (see transfer/names.py)
            target = path_inside(target, name, fallback=f"attachment-{self.id}")
        handle, _ = attachments[name]
        return download_file_handle(
            conn,
            file_handle_id=str(handle.id),
            associate_object_id=str(self.id),
            associate_object_type="WikiAttachment",
            destination=target,
            expected_md5=handle.content_md5,
        )

    # -- writing -------------------------------------------------------------------------------------

    def store(self, *, connection: ConnectionLike | None = None, create_or_update: bool = True) -> Wiki:
        """Create the page or update it (etag-checked), uploading changed markdown and new attachments.

        Nothing is uploaded or written when nothing changed since the last get()/store().

        Args:
            connection: The connection to use (object or registered name).
            create_or_update: When creating a root page and the owner already has one, update that page
                instead (its attachments are kept unless one of yours has the same file name; an unset title
                keeps its title). ``False`` raises ConflictError.

        Raises:
            ValidationError: An attachment is not a readable file, or two share a name (before any request).
            PreconditionFailedError: Someone changed the page since you read it.
            ConflictError: The owner already has a root page and ``create_or_update`` is False.
        """
        conn = self._conn(connection)
        paths = _check_attachments(self.attachments)
        if self.markdown is None and self.markdown_file_handle_id is None:
            self.markdown = ""
        upload_parent = self.where.id if self.where.type == "entity" else None
        if self.markdown is not None and (
            self.markdown != self._stored_markdown or self.markdown_file_handle_id is None
        ):
            packed = gzip.compress(self.markdown.encode("utf-8"), mtime=0)
            handle = upload_bytes(
                conn, packed, "markdown.txt.gz", content_type="application/x-gzip", parent_id=upload_parent
            )
            self.markdown_file_handle_id = str(from_wire(FileHandle, handle).id)
        if paths:
            self._upload_attachments(conn, paths, upload_parent)
        self._replacing = {p.name for p in paths}
        self._write(conn, create_or_update=create_or_update)
        self._stored_markdown = self.markdown
        return self

    # -- life cycle hooks (see _stored.py) -----------------------------------------------------------

    def _create_path(self) -> str:
        return f"{self.where.path}/wiki2"

    def _update_path(self) -> str:
        return f"{self.where.path}/wiki2/{self.id}"

    def _from_answer(self, conn: Connection, data: Any) -> Wiki:
        return self._load_page(conn, self.where, data)

    def _find_existing(self, conn: Connection) -> Wiki | None:
        """The owner's root page, which a new root page collides with (sub-pages do not adopt)."""
        if self.parent_wiki_id is not None:
            return None
        return self._load_page(conn, self.where, conn.get(f"{self.where.path}/wiki2"))

    def _merge_existing(self, remote: Wiki) -> None:
        """Keep the root page's attachments, except those replaced by a file of the same name."""
        kept = [
            str(h.id)
            for name, (h, _) in remote._attachments(remote._conn(None)).items()
            if name not in self._replacing
        ]
        self.attachment_file_handle_ids = kept + [i for i in self.attachment_file_handle_ids if i not in kept]

    def _upload_attachments(self, conn: Connection, paths: list[Path], upload_parent: str | None) -> None:
        existing = {name: handle for name, (handle, _) in self._attachments(conn).items()} if self.id else {}
        ids = list(self.attachment_file_handle_ids)
        for path in paths:
            old = existing.get(path.name)
            if old is not None and old.content_md5 == md5_of_path(path):
                continue
            handle = from_wire(FileHandle, upload_path(conn, path, parent_id=upload_parent))
            if old is not None and str(old.id) in ids:
                ids.remove(str(old.id))
            ids.append(str(handle.id))
        self.attachment_file_handle_ids = ids
        self.attachments = []

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete the page and all its sub-pages."""
        conn = self._conn(connection)
        self._require_id()
        conn.delete(f"{self.where.path}/wiki2/{self.id}")
        self._forget()

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        if not self.markdown:
            return []
        return [section("markdown", f"<pre style='white-space:pre-wrap'>{escape(self.markdown)}</pre>")]

    def _require_id(self) -> None:
        if self.id is None:
            raise ValidationError("id", None, "this wiki page is not stored yet")


def _check_attachments(items: Sequence[str | Path]) -> list[Path]:
    paths = [Path(as_path(item, "attachments")) for item in as_list(items, "attachments", one=(str, Path))]
    seen: set[str] = set()
    for path in paths:
        if not path.is_file():
            raise ValidationError("attachments", str(path), "not a readable file")
        if path.name in seen:
            raise ValidationError("attachments", str(path), "two attachments share this file name")
        seen.add(path.name)
    return paths


def iter_pages(owner: object, *, connection: ConnectionLike | None = None) -> Iterator[Wiki]:
    """Load every page of an owner's wiki (one request per page plus its markdown)."""
    for header in Wiki.headers(owner, connection=connection):
        yield header.get(connection=connection)
