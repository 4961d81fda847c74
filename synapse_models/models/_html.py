"""HTML for notebooks: the ``_repr_html_`` views of the models and of listings.

Jupyter shows ``_repr_html_()`` where a terminal shows ``repr()``. A model's view is a small table of the
fields that are set, then what its class adds (:meth:`Displayed._html_sections`: a file's size and md5, a
table's columns and first rows, a wiki's text). User ids are shown as user names: the ids on display are
resolved in one batched request (``GET /userGroupHeaders/batch``), only while a view is drawn, never when an
attribute is read; the connection's own user is known without asking. Everything that came from the server or
the user is escaped; URLs are shown without their query string.
"""

from __future__ import annotations

import enum
import html
import logging
import weakref
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import from_wire
from .._repr import Shown, clip, repr_items, scrub_url, set_fields
from ..connection import Connection
from ..errors import SynapseError

__all__ = [
    "Displayed",
    "escape",
    "grid",
    "human_size",
    "object_html",
    "principal_names",
    "section",
    "value_html",
]

log = logging.getLogger("synapse_models")

PRINCIPAL_FIELDS = frozenset(
    {
        "created_by",
        "modified_by",
        "owner_id",
        "user_id",
        "invitee_id",
        "principal_id",
        "owner_principal_id",
        "modified_by_principal_id",
    }
)
"""Fields that hold the id of a user or team, shown as its name."""
SIZE_FIELDS = frozenset({"content_size"})
_LIST_ITEMS = 8
_TEXT = 300
_NAMES_KEPT = 10_000
_known_names: weakref.WeakKeyDictionary[Connection, dict[str, str]] = weakref.WeakKeyDictionary()

_STYLE = "text-align:left;vertical-align:top;padding:1px 12px 1px 0"
_HEAD = f"{_STYLE};white-space:nowrap"
_SMALL = "color:#666;font-size:90%"


class Displayed(Shown):
    """Mixin of the models: the one-line ``repr`` of :class:`~synapse_models._repr.Shown`, and a view."""

    __slots__ = ()

    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag"})
    """Fields the view's table leaves out (shown by a section, or noise)."""
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ()
    """The columns of this object as a row of a listing (default: the ``repr`` fields)."""

    def _repr_html_(self) -> str:
        return object_html(self)

    def _html_fields(self) -> list[tuple[str, object]]:
        """(label, value) of the view's table: every public field that is set."""
        if not attrs.has(type(self)):
            return repr_items(self)
        return [(key, value) for key, value in set_fields(self) if key not in self._HTML_HIDDEN]

    def _principal_ids(self) -> set[str]:
        """The user and team ids the view shows (resolved to names in one request)."""
        ids = {str(value) for key, value in self._html_fields() if key in PRINCIPAL_FIELDS}
        if getattr(self, "user_name", None):  # a user's own id needs no name: the name is on show
            ids.discard(str(getattr(self, "owner_id", "")))
        return ids

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        """More HTML after the table (trusted: each class escapes what it shows)."""
        return []

    def _display_connection(self) -> Connection | None:
        conn = getattr(self, "_connection", None)
        return conn if isinstance(conn, Connection) else None


def object_html(obj: Displayed) -> str:
    """The view of one model: its type and title, the table of its fields, then its sections."""
    names = principal_names(obj._display_connection(), obj._principal_ids())
    title_key = next((k for k in ("name", "title", "user_name") if getattr(obj, k, None)), "")
    title = getattr(obj, title_key, None) if title_key else None
    fields = [(key, value) for key, value in obj._html_fields() if key != title_key]
    rows = "".join(
        f"<tr><th style='{_HEAD}'>{escape(key.replace('_', ' '))}</th>"
        f"<td style='{_STYLE}'>{value_html(value, key, names)}</td></tr>"
        for key, value in fields
    )
    head = f"<b>{escape(type(obj).__name__)}</b>" + (f" {escape(clip(str(title), 120))}" if title else "")
    sections = "".join(obj._html_sections(names))
    return f"<div class='synapse-models'><p>{head}</p><table>{rows}</table>{sections}</div>"


def section(title: str, body: str) -> str:
    """A titled part of a view; ``body`` is trusted HTML."""
    return f"<p style='margin-bottom:0.2em'><b>{escape(title)}</b></p>{body}"


def grid(headers: Iterable[str], rows: Iterable[Iterable[str]], *, caption: str = "") -> str:
    """A table with a header row; cells are trusted HTML (escape them with :func:`value_html`)."""
    head = "".join(f"<th style='{_HEAD}'>{escape(h.replace('_', ' '))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='{_STYLE}'>{c}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<p style='margin:0.3em 0'>{caption}</p>" if caption else ""
    return f"{cap}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def value_html(value: object, key: str = "", names: Mapping[str, str] | None = None) -> str:
    """One value, escaped: user ids as names, sizes in units, dates to the second, a few items of a list."""
    if value is None:
        return ""
    if key in PRINCIPAL_FIELDS and names and str(value) in names:
        return f"{escape(names[str(value)])} <span style='{_SMALL}'>({escape(value)})</span>"
    if key in SIZE_FIELDS and isinstance(value, (int, str)) and str(value).isdigit():
        return escape(human_size(int(value)))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return escape(value.value if isinstance(value.value, str) else value.name)
    if isinstance(value, datetime):
        return escape(value.strftime("%Y-%m-%d %H:%M:%S %Z").strip())
    if isinstance(value, Shown):  # a model inside a model: its name and id, or else its repr
        name, ident = getattr(value, "name", None), getattr(value, "id", None)
        if ident is not None:
            return escape(f"{name} ({ident})" if name else ident)
        return f"<code>{escape(repr(value))}</code>"
    if isinstance(value, Mapping):
        return "; ".join(f"{escape(k)}: {value_html(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        shown = ", ".join(value_html(v, key, names) for v in items[:_LIST_ITEMS])
        more = len(items) - _LIST_ITEMS
        return shown + (f" <span style='{_SMALL}'>and {more} more</span>" if more > 0 else "")
    return escape(clip(scrub_url(str(value)), _TEXT))


def human_size(size: int) -> str:
    """``1536`` -> ``'1.5 KiB (1,536 bytes)'``."""
    if size < 1024:
        return f"{size} bytes"
    value, units = size / 1024, ["KiB", "MiB", "GiB", "TiB", "PiB"]
    while value >= 1024 and len(units) > 1:
        value, units = value / 1024, units[1:]
    return f"{value:.1f} {units[0]} ({size:,} bytes)"


def principal_names(conn: Connection | None, ids: Iterable[object]) -> dict[str, str]:
    """The user (or team) name of each principal id that can be named: the connection's own user from what
    it knows, the others from one ``GET /userGroupHeaders/batch``; a failure leaves the ids as they are."""
    wanted = {str(i) for i in ids if str(i).isdigit()}
    if conn is None or not wanted:
        return {}
    known = _known_names.setdefault(conn, {})
    if conn.user_id and conn.user_name:
        known[str(conn.user_id)] = conn.user_name
    missing = sorted(wanted - known.keys())
    if missing:
        from ._wire import PrincipalHeaders  # _wire's bodies carry file handles, which are shown models

        try:
            answer = from_wire(
                PrincipalHeaders, conn.get("/userGroupHeaders/batch", params={"ids": ",".join(missing)})
            )
        except SynapseError as err:  # names are a courtesy of the view: without them it shows the ids
            log.debug("could not name principals %s: %s", missing, err)
            answer = PrincipalHeaders()
        if len(known) > _NAMES_KEPT:
            known.clear()
        known.update({str(h.owner_id): h.user_name for h in answer.children if h.user_name})
    return {i: known[i] for i in wanted if i in known}


def rows_html(
    items: list[Any], names: Mapping[str, str], row: Any = None
) -> tuple[list[str], list[list[str]]]:
    """Headers and cells of listing rows: ``row(item)`` gives (label, value) pairs, or the row fields."""
    pairs = [row(item) if row else row_items(item) for item in items]
    headers: list[str] = []
    for item_pairs in pairs:
        headers += [k for k, _ in item_pairs if k not in headers]
    cells = [[value_html(dict(p).get(h), h, names) for h in headers] for p in pairs]
    return headers, cells


def row_items(item: object) -> list[tuple[str, object]]:
    """An object as a row of a listing: its ``_ROW_FIELDS``, or the fields its ``repr`` shows."""
    fields: tuple[str, ...] = getattr(type(item), "_ROW_FIELDS", ())
    if fields:
        return [(f, getattr(item, f, None)) for f in fields]
    return repr_items(item) or [("item", item)]


def content_section(handle: Any) -> str:
    """A file's content: its name, size, md5, content type, and the URL of an external file."""
    rows: list[tuple[str, object]] = []
    if handle is not None:
        rows += [
            ("file name", handle.file_name),
            ("size", handle.content_size),
            ("md5", handle.content_md5),
            ("content type", handle.content_type),
            ("url", getattr(handle, "external_url", None)),
        ]
    cells = [
        (escape(k), value_html(v, "content_size" if k == "size" else k)) for k, v in rows if v is not None
    ]
    if not cells:
        return ""
    return section(
        "content",
        "<table>"
        + "".join(f"<tr><th style='{_HEAD}'>{k}</th><td style='{_STYLE}'>{v}</td></tr>" for k, v in cells)
        + "</table>",
    )
