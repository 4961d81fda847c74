"""Arguments as users pass them: one item or a list, a path, text. Anything else is a ValidationError naming
the argument and the value, before any request."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ..errors import ValidationError

__all__ = ["as_list", "as_path", "as_text"]


def as_list(value: Any, field: str, *, one: tuple[type, ...] = (str,)) -> list[Any]:
    """``value`` as a list: ``None`` is empty, an instance of ``one`` is a list of itself, other iterables are
    listed (bytes and mappings are refused)."""
    if value is None:
        return []
    if isinstance(value, one):
        return [value]
    if isinstance(value, (str, bytes, bytearray, dict)) or not isinstance(value, Iterable):
        raise ValidationError(field, value, "expected a list")
    return list(value)


def as_path(value: Any, field: str = "path") -> str:
    """A local path given as a ``str`` or ``os.PathLike`` (``~`` expanded)."""
    if not isinstance(value, (str, os.PathLike)):
        raise ValidationError(field, value, "a path is a str or a pathlib.Path")
    path = os.fspath(value)
    if not isinstance(path, str) or not path or "\x00" in path:
        raise ValidationError(field, value, "a path is non-empty text without NUL characters")
    return os.path.expanduser(path)


def as_text(value: Any, field: str, *, empty: bool = True) -> str:
    """``value`` if it is a ``str`` (non-empty unless ``empty``)."""
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ValidationError(field, value, "expected text (a str)" + ("" if empty else ", not empty"))
    return value
