"""Validating an entity against a schema, and the annotations a schema derives for it.

The validator is ``jsonschema``'s draft 7 (Synapse validates with draft 7 when a schema names no
``$schema``, and its model of a schema has draft-7 keywords), with two adjustments so the answers match
Synapse's validator:

* ``integer`` means an integral value: a DOUBLE annotation is never an integer, even ``3.0``;
* formats are checked (``date-time``, ``date``, ``time``, ``email``, ``hostname``, ``ipv4``, ``ipv6``,
  ``uri``, ``uri-reference``, ``regex``, ``json-pointer``) without optional packages.

What is validated (:func:`subject`) is the entity as Synapse presents it to the validator: its annotations
as a JSON object (a single value as a scalar, several values -- or a key the schema declares an array -- as
a list; LONG as integers, DOUBLE as numbers, TIMESTAMP_MS as ISO date-times, BOOLEAN as booleans) with the
entity's own fields (``id``, ``name``, ``concreteType``...) written over them.

Derived annotations (:meth:`Compiled.derived`): for a valid subject, every property of a matching object
schema (the root, the branches of ``allOf``/``anyOf``/``oneOf``, the ``then``/``else`` branch its ``if``
selects) whose key the subject lacks and whose schema has a ``const`` or a ``default``.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema import Draft7Validator

from .violations import Violation, violation_of

_TYPES = Draft7Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)
_Validator = jsonschema.validators.extend(Draft7Validator, type_checker=_TYPES)
FORMATS = jsonschema.FormatChecker(formats=())

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def _date_ok(text: str) -> bool:
    try:
        datetime.strptime(text[:10], "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _regex_ok(text: str) -> bool:
    try:
        re.compile(text)
    except re.error:
        return False
    return True


def _ip_ok(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


_CHECKS: dict[str, Any] = {
    "date-time": lambda s: bool(re.fullmatch(rf"{_DATE}T{_TIME}", s)) and _date_ok(s),
    "date": lambda s: bool(re.fullmatch(_DATE, s)) and _date_ok(s),
    "time": lambda s: bool(re.fullmatch(_TIME, s)),
    "email": lambda s: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", s)),
    "hostname": lambda s: bool(_HOSTNAME.match(s)),
    "ipv4": lambda s: _ip_ok(s, 4),
    "ipv6": lambda s: _ip_ok(s, 6),
    "uri": lambda s: bool(urlsplit(s).scheme) and " " not in s,
    "uri-reference": lambda s: " " not in s,
    "regex": _regex_ok,
    "json-pointer": lambda s: s == "" or bool(re.fullmatch(r"(/([^~/]|~[01])*)+", s)),
}
for _name, _check in _CHECKS.items():
    FORMATS.checks(_name)(lambda value, check=_check: not isinstance(value, str) or check(value))


def check_schema(schema: Any) -> str | None:
    """Why ``schema`` is not a valid draft-7 JSON schema (``None`` when it is)."""
    error = jsonschema.exceptions.best_match(Draft7Validator(Draft7Validator.META_SCHEMA).iter_errors(schema))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message} (at '{where}')" if where else error.message


# -- the subject ---------------------------------------------------------------------------------------------


def _value(kind: str, text: str) -> Any:
    if kind == "LONG":
        return int(text)
    if kind == "DOUBLE":
        number = float(text)
        if math.isfinite(number):
            return number
        # NaN and infinities are not JSON numbers: Synapse hands them to the validator as Java prints them
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    if kind == "BOOLEAN":
        return text.lower() == "true"
    if kind == "TIMESTAMP_MS":
        moment = datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return text


def subject(entity: dict[str, Any], annotations: dict[str, Any], arrays: set[str]) -> dict[str, Any]:
    """The JSON object Synapse validates: annotations, then the entity's fields over them."""
    result: dict[str, Any] = {}
    for key, entry in annotations.items():
        kind, values = entry.get("type", "STRING"), entry.get("value") or []
        if not values:
            result[key] = ""
        elif len(values) > 1 or key in arrays:
            result[key] = [_value(kind, v) for v in values]
        else:
            result[key] = _value(kind, values[0])
    result.update({key: value for key, value in entity.items() if value is not None})
    return result


# -- a compiled schema ---------------------------------------------------------------------------------------


class Compiled:
    """A validation schema (self-contained: every ``$ref`` points into its ``definitions``), ready to use."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.validator = _Validator(schema, format_checker=FORMATS)
        self.arrays = {
            key for key, sub in self._properties(schema) if self._deref(sub).get("type") == "array"
        }

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            node, _ = self.resolve(str(node["$ref"]))
            seen += 1
        return node if isinstance(node, dict) else {}

    def resolve(self, ref: str) -> tuple[Any, str]:
        """The subschema a local ``$ref`` (``#/definitions/...``) names, and its location."""
        node: Any = self.schema
        for part in ref.removeprefix("#").split("/")[1:]:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(key)] if key.isdigit() and int(key) < len(node) else {}
            else:
                node = node.get(key, {}) if isinstance(node, dict) else {}
        return node, ref

    def _properties(self, node: Any) -> Iterator[tuple[str, Any]]:
        """Every (key, schema) of every ``properties`` anywhere in the schema."""
        if isinstance(node, dict):
            yield from (node.get("properties") or {}).items()
            for value in node.values():
                yield from self._properties(value)
        elif isinstance(node, list):
            for value in node:
                yield from self._properties(value)

    def errors(self, schema: Any, instance: Any) -> list[jsonschema.ValidationError]:
        return list(self.validator.evolve(schema=schema).iter_errors(instance))

    def check(self, instance: Any) -> Violation | None:
        """Why ``instance`` is invalid, in Synapse's shape (``None`` when it is valid)."""
        return violation_of(
            list(self.validator.iter_errors(instance)), self.schema, instance,
            resolve=self.resolve, errors_of=self.errors,
        )  # fmt: skip

    def derived(self, instance: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The annotations this schema derives for a valid ``instance`` (an Annotations v2 map)."""
        found: dict[str, dict[str, Any]] = {}
        for node in self._matching(self.schema, instance, depth=0):
            for key, sub in (node.get("properties") or {}).items():
                if key in instance:
                    continue
                for leaf in self._leaves(sub, depth=0):
                    value = leaf["const"] if "const" in leaf else leaf.get("default")
                    annotation = annotation_of(value)
                    if annotation is not None:
                        found[key] = _merge(found.get(key), annotation)
        return found

    def _matching(self, node: Any, instance: Any, depth: int) -> Iterator[dict[str, Any]]:
        node = self._deref(node)
        if depth > 50:
            return
        yield node
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(keyword) or []:
                yield from self._matching(sub, instance, depth + 1)
        if "if" in node:
            branch = "then" if self.validator.evolve(schema=node["if"]).is_valid(instance) else "else"
            if branch in node:
                yield from self._matching(node[branch], instance, depth + 1)

    def _leaves(self, node: Any, depth: int) -> Iterator[dict[str, Any]]:
        node = self._deref(node)
        if depth > 50:
            return
        combined = [sub for keyword in ("allOf", "anyOf", "oneOf") for sub in node.get(keyword) or []]
        if isinstance(node.get("items"), dict):
            combined.append(node["items"])
        yield node
        for sub in combined:
            yield from self._leaves(sub, depth + 1)


def annotation_of(value: Any) -> dict[str, Any] | None:
    """A JSON value as an annotation (``{"type", "value"}``) the way Synapse reads derived values."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    kinds, texts = set(), []
    for item in items:
        if item is None or isinstance(item, (dict, list)):
            return None
        kind, text = _scalar(item)
        kinds.add(kind)
        texts.append(text)
    if kinds == {"LONG", "DOUBLE"}:
        kinds = {"DOUBLE"}
    if len(kinds) > 1:
        return None  # Synapse refuses lists of mixed types
    return {"type": kinds.pop() if kinds else "STRING", "value": texts}


def _scalar(item: Any) -> tuple[str, str]:
    if isinstance(item, bool):
        return "BOOLEAN", "true" if item else "false"
    if isinstance(item, int):
        return "LONG", str(item)
    if isinstance(item, float):
        return "DOUBLE", repr(item)
    text = str(item)
    if FORMATS.conforms(text, "date-time"):
        # fromisoformat (3.10) takes exactly six fraction digits and no "Z"
        normal = re.sub(r"\.(\d{1,9})", lambda m: "." + (m.group(1) + "00000")[:6], text)
        moment = datetime.fromisoformat(normal.replace("Z", "+00:00"))
        return "TIMESTAMP_MS", str(int(moment.timestamp() * 1000))
    return "STRING", text


def _merge(existing: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Two derived values of one key: their union, as STRING when their types differ."""
    if existing is None:
        return new
    kind = existing["type"] if existing["type"] == new["type"] else "STRING"
    values = list(dict.fromkeys([*existing["value"], *new["value"]]))
    return {"type": kind, "value": values}
