"""THE converter between model objects and Synapse's JSON.

One place owns the wire format:

* snake_case attribute names <-> camelCase keys;
* ``datetime`` <-> ISO-8601 UTC strings with milliseconds;
* ``concreteType`` unions (entities, and later file handles) with a fallback class for types we do not model;
* fields marked read-only (``metadata={READ_ONLY: True}``) are read from responses but never sent;
* keys a model does not know are kept on the object and sent back on update, so a PUT never drops data;
* ``None`` is never sent (the server treats absent and null alike).

Models register themselves with :func:`register_union` (for concreteType dispatch); everything else is
automatic for any attrs class.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

__all__ = [
    "READ_ONLY",
    "WIRE_NAME",
    "converter",
    "format_datetime",
    "from_wire",
    "parse_datetime",
    "register_union",
    "to_wire",
]

READ_ONLY = "synapse_models.read_only"
WIRE_NAME = "synapse_models.wire_name"
_UNKNOWN = "_unknown_fields"

T = TypeVar("T")

converter = cattrs.Converter(omit_if_default=False)


def camel(name: str) -> str:
    """``parent_id`` -> ``parentId``."""
    head, *rest = name.lstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_datetime(value: str | int | float | datetime) -> datetime:
    """Read Synapse's ISO timestamps (or epoch milliseconds) as aware UTC datetimes."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime) -> str:
    """Write a datetime the way Synapse does: ``2024-01-01T00:00:00.000Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


converter.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
converter.register_unstructure_hook(datetime, format_datetime)


def _is_wire(a: attrs.Attribute[Any]) -> bool:
    return not a.metadata.get("synapse_models.local_only") and (a.init or bool(a.metadata.get(READ_ONLY)))


def wire_field_names(cls: type) -> list[str]:
    """The attributes of a model that travel on the wire (what a server answer can set)."""
    return [a.name for a in attrs.fields(cls) if _is_wire(a)]


def _wire_name(a: attrs.Attribute[Any]) -> str:
    return str(a.metadata.get(WIRE_NAME) or camel(a.name))


def _structure_factory(cls: type) -> Callable[[Any, Any], Any]:
    wire = [a for a in attrs.fields(cls) if _is_wire(a)]
    overrides = {a.name: override(rename=_wire_name(a)) for a in wire}
    skipped = {a.name: override(omit=True) for a in attrs.fields(cls) if not _is_wire(a)}
    all_overrides: dict[str, Any] = {**overrides, **skipped}
    inner: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, converter, **all_overrides)
    # a class with its own CONCRETE_TYPE writes the tag itself; a fallback class keeps the tag it was given
    known = {_wire_name(a) for a in wire} | ({"concreteType"} if getattr(cls, "CONCRETE_TYPE", "") else set())
    init_names = {_wire_name(a) for a in wire if a.init}
    late = [a for a in wire if not a.init]

    def structure(data: Any, _: Any) -> Any:
        payload = {k: v for k, v in data.items() if k in init_names and v is not None}
        obj = inner(payload, cls)
        for a in late:  # read-only fields set by the server, not constructor arguments
            if data.get(_wire_name(a)) is not None:
                object.__setattr__(obj, a.name, converter.structure(data[_wire_name(a)], a.type))
        extra = {k: v for k, v in data.items() if k not in known}
        if extra and hasattr(obj, _UNKNOWN):
            object.__setattr__(obj, _UNKNOWN, extra)
        return obj

    return structure


def _unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
    wire = [a for a in attrs.fields(cls) if _is_wire(a)]
    concrete = getattr(cls, "CONCRETE_TYPE", None)

    def unstructure(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = dict(getattr(obj, _UNKNOWN, None) or {})
        for a in wire:
            value = getattr(obj, a.name)
            if value is None:
                out.pop(_wire_name(a), None)
                continue
            out[_wire_name(a)] = converter.unstructure(value)
        if concrete:
            out["concreteType"] = concrete
        return out

    return unstructure


converter.register_structure_hook_factory(attrs.has, _structure_factory)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_factory)
converter.register_unstructure_hook(enum.Enum, lambda e: e.value)

_unions: dict[str, dict[str, type]] = {}
_fallbacks: dict[str, type] = {}
_lazy: dict[str, dict[str, str]] = {}


def register_lazy(base: type, tag: str, module: str) -> None:
    """Say which module defines the union member for ``tag``; it is imported the first time that tag is seen.

    This keeps ``import synapse_models`` cheap while ``Entity.get("syn1")`` still returns a ``File`` for a
    FileEntity even when nothing has imported the file model yet.
    """
    _lazy.setdefault(base.__qualname__, {})[tag] = module


def lazy_members(base: type) -> dict[str, str]:
    """The lazily imported members of a union: concreteType -> module."""
    return dict(_lazy.get(base.__qualname__, {}))


def register_union(base: type, cls: type, *, fallback: bool = False) -> None:
    """Make ``cls`` a member of the ``concreteType`` union rooted at ``base``.

    ``from_wire(base, data)`` then builds the class whose ``CONCRETE_TYPE`` matches ``data["concreteType"]``
    (and its aliases in ``CONCRETE_ALIASES``), or the fallback class for unknown types.
    """
    members = _unions.setdefault(base.__qualname__, {})
    if fallback:
        _fallbacks[base.__qualname__] = cls
        return
    for tag in (getattr(cls, "CONCRETE_TYPE", None), *getattr(cls, "CONCRETE_ALIASES", ())):
        if tag:
            members[tag] = cls


def union_members(base: type) -> dict[str, type]:
    """The classes registered in a union, by concreteType."""
    return dict(_unions.get(base.__qualname__, {}))


def from_wire(cls: type[T], data: dict[str, Any]) -> T:
    """Build a model from a response body (dispatching on ``concreteType`` for union bases)."""
    members = _unions.get(cls.__qualname__)
    if members is not None:
        tag = data.get("concreteType")
        target = members.get(tag) if tag else None
        if target is None and tag in _lazy.get(cls.__qualname__, {}):
            import importlib

            importlib.import_module(_lazy[cls.__qualname__][tag])
            target = members.get(tag)
        if target is None:
            target = _fallbacks.get(cls.__qualname__, cls)
        return converter.structure(data, target)
    return converter.structure(data, cls)


def to_wire(obj: Any) -> dict[str, Any]:
    """The request body of a model: camelCase, no read-only fields, no ``None``, unknown fields kept."""
    data: dict[str, Any] = converter.unstructure(obj)
    for a in attrs.fields(type(obj)):
        if a.metadata.get(READ_ONLY):
            data.pop(_wire_name(a), None)
    return data


def full_wire(obj: Any) -> dict[str, Any]:
    """Every field, read-only ones included (for comparisons and caches)."""
    result: dict[str, Any] = converter.unstructure(obj)
    return result
