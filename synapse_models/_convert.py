"""THE converter between model objects and Synapse's JSON.

One place owns the wire format, for models and for the private request and response classes alike:

* snake_case attribute names <-> camelCase keys (``metadata={WIRE_NAME: ...}`` where Synapse differs);
* ``datetime`` <-> ISO-8601 UTC strings with milliseconds; enums as their values; sets as sorted lists;
* ``concreteType`` unions (entities, file handles, provenance items), at any depth, with a fallback class
  for types we do not model; the modules that define the members load on first need
  (:func:`set_union_loader`);
* fields marked read-only (``metadata={READ_ONLY: True}``) are read from responses but never sent;
* fields marked client-side (``metadata={LOCAL: True}``) never travel;
* keys a model does not know are kept on the object and sent back on update, so a PUT never drops data;
* ``None`` is never sent (the server treats absent and null alike).

Classes join a union with :func:`register_union` (an ``Entity`` subclass does so as it is defined); everything
else is automatic for any attrs class.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ._check import check_body
from .errors import SynapseError, ValidationError

__all__ = [
    "LOCAL",
    "READ_ONLY",
    "WIRE_NAME",
    "UnionRoot",
    "concrete_type",
    "converter",
    "format_datetime",
    "from_wire",
    "parse_datetime",
    "register_union",
    "set_union_loader",
    "to_wire",
    "union_members",
    "wire_field_names",
]

READ_ONLY = "synapse_models.read_only"
"""Field metadata: set by the server, read from responses, never sent."""
WIRE_NAME = "synapse_models.wire_name"
"""Field metadata: the JSON key, where it is not the camelCase of the attribute name."""
LOCAL = "synapse_models.local_only"
"""Field metadata: client-side state (a local path, pending rows...) or a part the model converts itself."""
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


def _sorted_list(values: set[Any] | frozenset[Any]) -> list[Any]:
    # a JSON array needs an order; a stable one keeps bodies (and snapshots of them) comparable
    return sorted(converter.unstructure(v) for v in values)


converter.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
converter.register_unstructure_hook(datetime, format_datetime)
converter.register_unstructure_hook(enum.Enum, lambda e: e.value)
converter.register_unstructure_hook(set, _sorted_list)
converter.register_unstructure_hook(frozenset, _sorted_list)


def _is_wire(a: attrs.Attribute[Any]) -> bool:
    return not a.metadata.get(LOCAL) and (a.init or bool(a.metadata.get(READ_ONLY)))


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


_PLAIN = frozenset({str, int, float, bool})
_hooks: dict[type, Callable[[Any], Any]] = {}


def _unstructure_value(value: Any) -> Any:
    """One value for JSON; plain values and lists of them without a dispatch (table rows have many)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [_unstructure_value(v) for v in value]
    hook = _hooks.get(kind)
    if hook is None:
        hook = _hooks[kind] = converter.get_unstructure_hook(kind)
    return hook(value)


def _unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
    fields = attrs.fields(cls)
    sent = [(a.name, _wire_name(a)) for a in fields if _is_wire(a) and not a.metadata.get(READ_ONLY)]
    concrete = getattr(cls, "CONCRETE_TYPE", None)
    keeps_unknown = any(a.name == _UNKNOWN for a in fields)

    def unstructure(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = dict(getattr(obj, _UNKNOWN) or {}) if keeps_unknown else {}
        for name, key in sent:
            value = getattr(obj, name)
            if value is None:
                if keeps_unknown:
                    out.pop(key, None)
            else:
                out[key] = value if type(value) in _PLAIN else _unstructure_value(value)
        if concrete:
            out["concreteType"] = concrete
        return out

    return unstructure


converter.register_structure_hook_factory(attrs.has, _structure_factory)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_factory)

# -- concreteType unions ---------------------------------------------------------------------------------

_unions: dict[type, dict[str, type]] = {}
_fallbacks: dict[type, type] = {}
_loaders: dict[type, Callable[[], None]] = {}
_loading = threading.Lock()


def register_union(base: type, cls: type, *, fallback: bool = False) -> None:
    """Make ``cls`` a member of the ``concreteType`` union rooted at ``base``.

    Structuring ``base`` (``from_wire(base, data)``, or a field typed ``base`` or ``list[base]``) then
    builds the class whose ``CONCRETE_TYPE`` matches ``data["concreteType"]`` (or one of its
    ``CONCRETE_ALIASES``), or the fallback class for types nobody registered.
    """
    if base not in _unions:
        _unions[base] = {}
        converter.register_structure_hook_func(
            lambda t: t is base, lambda data, _: _structure_member(base, data)
        )
    if fallback:
        _fallbacks[base] = cls
        return
    for tag in (getattr(cls, "CONCRETE_TYPE", None), *getattr(cls, "CONCRETE_ALIASES", ())):
        if tag:
            _unions[base][tag] = cls


class UnionRoot:
    """Base of a ``concreteType`` union: every attrs subclass registers itself (:func:`register_union`).

    The first class below ``UnionRoot`` is the union's root; its subclass named ``_UNION_FALLBACK`` (if any)
    is what types nobody registered are read as.
    """

    __slots__ = ()
    _UNION_FALLBACK: ClassVar[str] = ""

    @classmethod
    def __attrs_init_subclass__(cls) -> None:
        root = next(c for c in reversed(cls.__mro__) if c is not UnionRoot and issubclass(c, UnionRoot))
        register_union(root, cls, fallback=cls.__name__ == root._UNION_FALLBACK)


def set_union_loader(base: type, loader: Callable[[], None]) -> None:
    """Say how to load the modules that define members of ``base``'s union.

    ``loader`` runs once, the first time a ``concreteType`` nobody has registered yet is read; this keeps
    ``import synapse_models`` cheap while ``Entity.get("syn1")`` still returns a ``File`` for a FileEntity
    even when nothing has imported the file model yet.
    """
    _loaders[base] = loader


def union_members(base: type) -> dict[str, type]:
    """The classes registered in a union so far, by concreteType."""
    return dict(_unions.get(base, {}))


def _structure_member(base: type, data: Any) -> Any:
    members = _unions[base]
    tag = data.get("concreteType")
    target = members.get(tag) if tag else None
    if target is None and tag:
        # the lock, not a look at _loaders: a second thread must wait while the first is still importing
        with _loading:
            loader = _loaders.pop(base, None)
            if loader is not None:
                loader()
        target = members.get(tag)
    if target is None:
        target = _fallbacks.get(base)
        if target is None:  # no fallback class: the base itself, built field by field
            return _structure_factory(base)(data, base)
    return converter.structure(data, target)


def concrete_type(obj: Any) -> str | None:
    """The ``concreteType`` an object is sent with: its class's, or the one a fallback object came with."""
    tag = getattr(obj, "CONCRETE_TYPE", None) or (getattr(obj, _UNKNOWN, None) or {}).get("concreteType")
    return str(tag) if tag else None


def from_wire(cls: type[T], data: Any) -> T:
    """Build a model (or a wire class) from a response body, dispatching on ``concreteType`` for unions.

    Raises:
        ValidationError: ``data`` is not a body of that class (a JSON object with fields of the right types).
    """
    if attrs.has(cls) and not isinstance(data, dict):
        raise ValidationError(cls.__name__, data, f"expected a {cls.__name__} body (a JSON object)")
    try:
        result: T = converter.structure(data, cls)
    except SynapseError:
        raise
    except Exception as exc:  # cattrs' errors, or a converter of ours refusing a value
        raise ValidationError(cls.__name__, data, f"not a valid {cls.__name__} body: {exc!r}"[:300]) from exc
    return result


def to_wire(obj: Any, **changes: Any) -> dict[str, Any]:
    """The request body of a model: camelCase, no read-only fields, no ``None``, unknown fields kept.

    ``changes`` replace attribute values in the body only (the object is not touched), e.g. an ACL sent under
    its owner's id.
    """
    check_body(obj)
    data: dict[str, Any] = converter.unstructure(obj)
    if changes:
        fields = attrs.fields_dict(type(obj))
        for name, value in changes.items():
            key = _wire_name(fields[name])
            if value is None:
                data.pop(key, None)
            else:
                data[key] = converter.unstructure(value)
    return data
