"""One-line reprs: what ``repr()`` of a model shows, short enough for a log line or a traceback.

A model deriving from :class:`Shown` gets a ``repr`` of one line, at most :data:`LIMIT` characters, naming the
fields that identify it (``File(id='syn5', name='counts.tsv', version_number=2, parent_id='syn3')``). It never
makes a request, and never shows a token or a URL's query string (where presigned signatures live). The rich
view for notebooks is ``_repr_html_`` (``models/_html.py``).

attrs writes a ``__repr__`` for every class it decorates unless the class body has its own (its
``auto_detect``); :meth:`Shown.__init_subclass__` gives each subclass this one before the decorator runs, so a
new model gets it by deriving from a model, with nothing to remember.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar

import attrs

__all__ = ["LIMIT", "Shown", "clip", "one_line", "repr_items", "scrub_url", "set_fields", "short_value"]

LIMIT = 119
"""The longest ``repr`` of a model, in characters."""

_TEXT = 40
_ITEMS = 3
_COLLECTION = 60
# scheme://, then user info (dropped), then host and path up to a query, a fragment or the end of the URL
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)(?:[^\s/?#@]*@)?([^\s?#]*)(?:[?#]\S*)?")
_ITEMS = 3


class Shown:
    """Mixin: a one-line ``repr`` of the fields in :attr:`_REPR_FIELDS` (default: the fields that are set)."""

    __slots__ = ()

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ()
    """The fields (or properties) ``repr()`` names, in order; empty: every attrs field shown that is set."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = Shown.__repr__  # type: ignore[method-assign]

    def __repr__(self) -> str:
        return one_line(self)


def one_line(obj: object, items: Iterable[tuple[str, object]] | None = None) -> str:
    """``Name(field=value, ...)`` in at most :data:`LIMIT` characters (fields that do not fit: ``...``)."""
    name = type(obj).__name__
    parts = [
        f"{key}={short_value(value, key)}" for key, value in (repr_items(obj) if items is None else items)
    ]
    line = f"{name}({', '.join(parts)})"
    while len(line) > LIMIT and parts:
        parts.pop()
        line = f"{name}({', '.join([*parts, '...'])})"
    return line if len(line) <= LIMIT else f"{line[: LIMIT - 4]}...)"


def repr_items(obj: object) -> list[tuple[str, object]]:
    """The (field, value) pairs ``repr()`` shows: the class's :attr:`Shown._REPR_FIELDS` that are not
    ``None``, or else every public attrs field with a value other than its default."""
    chosen: tuple[str, ...] = getattr(type(obj), "_REPR_FIELDS", ())
    if chosen:
        return [(key, value) for key in chosen if (value := getattr(obj, key, None)) is not None]
    return set_fields(obj)


def set_fields(obj: object) -> list[tuple[str, object]]:
    """(field, value) of the public attrs fields of ``obj`` that are set: not ``None``, not empty, not the
    default."""
    cls = type(obj)
    if not attrs.has(cls):
        return []
    items: list[tuple[str, object]] = []
    for field in attrs.fields(cls):
        if not field.repr or field.name.startswith("_"):
            continue
        value = getattr(obj, field.name)
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = None if default.takes_self else default.factory()
        if value is None or value == default or (isinstance(value, (list, dict, set)) and not value):
            continue
        items.append((field.name, value))
    return items


def short_value(value: object, key: str = "") -> str:
    """A value as ``repr()`` shows it: text clipped, URLs without their query, a few items of a collection."""
    if isinstance(value, Shown):
        first = repr_items(value)[:1]
        inner = f"{first[0][0]}={short_value(first[0][1], first[0][0])}" if first else ""
        return f"{type(value).__name__}({inner})"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, datetime):
        return repr(value.isoformat(sep=" ", timespec="seconds"))
    if isinstance(value, date):
        return repr(value.isoformat())
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        return repr(clip(scrub_url(text), tail=key.endswith("path") or isinstance(value, os.PathLike)))
    if isinstance(value, Mapping):
        pairs = (f"{short_value(k)}: {short_value(v)}" for k, v in value.items())
        return "{" + _some(pairs, len(value)) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return "[" + _some((short_value(v) for v in items), len(items)) + "]"
    return clip(scrub_url(repr(value)))


def _some(texts: Iterable[str], count: int) -> str:
    """The first few of ``count`` texts, joined, in about :data:`_COLLECTION` characters; ``+N more``."""
    shown: list[str] = []
    used = 0
    for text in texts:
        if len(shown) >= _ITEMS or (shown and used + len(text) > _COLLECTION):
            break
        shown.append(text)
        used += len(text) + 2
    more = count - len(shown)
    return ", ".join(shown) + (f", +{more} more" if more > 0 else "")


def clip(text: str, width: int = _TEXT, *, tail: bool = False) -> str:
    """``text`` cut to ``width`` characters with ``...`` (keeping the end with ``tail``, for paths)."""
    if len(text) <= width:
        return text
    return f"...{text[-(width - 3) :]}" if tail else f"{text[: width - 3]}..."


def scrub_url(text: str) -> str:
    """``text`` with every URL in it cut before its query string or fragment, and without user info."""
    return _URL.sub(r"\1\2", text) if "://" in text else text
