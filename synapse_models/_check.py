"""Type checks of request bodies before they are sent: a value of the wrong type is a ValidationError naming
the field and the value, not a traceback from the JSON encoder or the converter.

attrs classes do not check the types of their fields, so ``Team(name=123)`` or ``Folder.get(name=b"x")`` would
otherwise travel until ``json.dumps`` fails (or, worse, be sent). :func:`check_body` walks an object that is
about to become a request body against its annotations: ``str``, ``int``, ``float``, ``bool``, enums,
``datetime``, attrs classes, ``list``/``set``/``dict`` of those, unions and ``None`` where allowed.
Annotations it cannot resolve are not checked.
"""

from __future__ import annotations

import collections.abc as abc
import enum
import types
import typing
from datetime import date, datetime
from typing import Any

import attrs

from .errors import ValidationError

__all__ = ["check_body"]

_UNCHECKED = object()


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    known = _HINTS.get(cls)
    if known is None:
        try:
            known = typing.get_type_hints(cls)
        except Exception:  # a name only imported for type checkers: leave this class unchecked
            known = {}
        _HINTS[cls] = known
    return known


def _describe(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _problem(value: Any, hint: Any, path: str, depth: int = 0) -> tuple[str, Any, str] | None:
    """``(path, value, problem)`` of the first value that does not fit ``hint``, or ``None``."""
    if hint is Any or depth > 20:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        branches = typing.get_args(hint)
        if value is None and type(None) in branches:
            return None
        found = [_problem(value, b, path, depth + 1) for b in branches if b is not type(None)]
        if any(f is None for f in found):
            return None
        return found[0] if len(found) == 1 else (path, value, f"expected {_describe(hint)}")
    if value is None:
        return None  # an unset field is not sent
    if origin in (list, set, frozenset, tuple, abc.Sequence, abc.Iterable, abc.Set, abc.Collection):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
            return path, value, f"expected a list ({_describe(hint)})"
        args = typing.get_args(hint)
        item = args[0] if args else Any
        for n, element in enumerate(value):
            problem = _problem(element, item, f"{path}[{n}]", depth + 1)
            if problem:
                return problem
        return None
    if origin in (dict, abc.Mapping):
        if not isinstance(value, dict):
            return path, value, f"expected a mapping ({_describe(hint)})"
        key_hint, value_hint = typing.get_args(hint) or (Any, Any)
        for key, element in value.items():
            problem = _problem(key, key_hint, f"{path} key", depth + 1) or _problem(
                element, value_hint, f"{path}[{key!r}]", depth + 1
            )
            if problem:
                return problem
        return None
    if origin is typing.Literal:
        return None if value in typing.get_args(hint) else (path, value, f"one of {typing.get_args(hint)}")
    if origin is not None or not isinstance(hint, type):
        return None  # a form this check does not know: leave it to the converter
    if hint is bool:
        return None if isinstance(value, bool) else (path, value, "expected True or False")
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else (path, value, "expected a whole number")
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else (path, value, "expected a number")
    if hint is str:
        return None if isinstance(value, str) else (path, value, "expected text (a str)")
    if hint in (datetime, date):
        return None if isinstance(value, hint) else (path, value, f"expected a {hint.__name__}")
    if issubclass(hint, enum.Enum):
        return None if isinstance(value, hint) else (path, value, f"expected a {hint.__name__}")
    if attrs.has(hint):
        if not isinstance(value, hint):
            return path, value, f"expected a {hint.__name__}"
        return _fields_problem(value, path, depth + 1)
    return None


def _fields_problem(obj: Any, prefix: str, depth: int) -> tuple[str, Any, str] | None:
    hints = _hints(type(obj))
    for field in attrs.fields(type(obj)):
        hint = hints.get(field.name, _UNCHECKED)
        if hint is _UNCHECKED:
            continue
        path = f"{prefix}.{field.name}" if prefix else field.name
        problem = _problem(getattr(obj, field.name), hint, path, depth)
        if problem:
            return problem
    return None


def check_body(obj: Any) -> None:
    """Check an attrs object about to be sent against its annotations.

    Raises:
        ValidationError: A value does not fit its field's type (the field's dotted path and the value).
    """
    if attrs.has(type(obj)):
        problem = _fields_problem(obj, "", 0)
        if problem:
            raise ValidationError(*problem)
