"""Turn the official Synapse JSON schemas into strict JSON Schema (draft 7) for response validation.

Synapse schemas are not plain JSON Schema: classes ``implements`` interfaces and ``extends`` other classes
(their properties are merged), ``$ref`` values are dotted class names (one file per class), enums list
``{"name": ...}`` objects, ``"type": "map"`` has ``key``/``value`` schemas, ``"type": "tuplearraymap"`` is a
list of ``{key, value}`` pairs, and ``"type": "interface"`` objects are resolved through their
``concreteType`` to one of the classes implementing them.  Objects are closed (``additionalProperties:
false``) so a misspelled field fails validation.  ``PaginatedResults``, ``ListWrapper`` and ``BooleanResult``
have no schema file and are built here.
"""

from __future__ import annotations

import json
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema

DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "synapse-rest" / "schema"
SCHEMA_DIR = Path(os.environ.get("SYNAPSE_REST_SCHEMA_DIR", str(DEFAULT_DIR))).resolve()
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_GENERIC = re.compile(r"^(PaginatedResults|ListWrapper)<(.+)>$")


class SynapseSchemas:
    """Lazily converted definitions of every class under a schema directory."""

    def __init__(self, root: Path = SCHEMA_DIR) -> None:
        self.root = root
        self.definitions: dict[str, Any] = {}
        self.format_checker = jsonschema.FormatChecker()
        self.format_checker.checks("date-time")(
            lambda value: not isinstance(value, str) or bool(_DATE_TIME.match(value))
        )

    def _path(self, name: str) -> Path:
        return self.root / (name.replace(".", "/") + ".json")

    def load(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self._path(name).read_text())
        return data

    @cached_property
    def implementations(self) -> dict[str, set[str]]:
        """Map each interface to the concrete classes implementing it, directly or transitively."""
        parents: dict[str, list[str]] = {}
        kinds: dict[str, str] = {}
        for path in self.root.rglob("*.json"):
            name = ".".join(path.relative_to(self.root).with_suffix("").parts)
            data = json.loads(path.read_text())
            kinds[name] = data.get("type", "object")
            parents[name] = [ref["$ref"] for ref in data.get("implements", []) + _extends(data)]
        result: dict[str, set[str]] = {}
        for name, kind in kinds.items():
            if kind == "interface":
                continue
            stack, seen = list(parents.get(name, [])), set()
            while stack:
                parent = stack.pop()
                if parent in seen:
                    continue
                seen.add(parent)
                result.setdefault(parent, set()).add(name)
                stack.extend(parents.get(parent, []))
        return result

    def _merged(self, name: str) -> tuple[dict[str, Any], list[str]]:
        """Properties (and required names) of a class including all interfaces and superclasses."""
        data = self.load(name)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for ref in data.get("implements", []) + _extends(data):
            if not self._path(ref["$ref"]).is_file():
                continue
            inherited, needed = self._merged(ref["$ref"])
            properties.update(inherited)
            required.extend(needed)
        for key, prop in data.get("properties", {}).items():
            properties[key] = prop
            if prop.get("required") is True:
                required.append(key)
        return properties, required

    def ref(self, name: str) -> dict[str, Any]:
        """Return a ``$ref`` to the definition of ``name`` (converting it on first use)."""
        generic = _GENERIC.match(name)
        if generic:
            self._define_generic(name, generic.group(1), generic.group(2))
        elif name == "BooleanResult":
            self.definitions.setdefault(name, _closed({"result": {"type": "boolean"}}, ["result"]))
        elif name not in self.definitions:
            self.definitions[name] = {}
            if self._path(name).is_file():
                self.definitions[name] = self._convert_class(name)
            # else: no schema file for it (e.g. ColumnType is inlined elsewhere): accept anything
        return {"$ref": f"#/definitions/{name}"}

    def _define_generic(self, name: str, kind: str, element: str) -> None:
        if name in self.definitions:
            return
        items = {"type": "array", "items": self.ref(element)}
        if kind == "PaginatedResults":
            shape = _closed({"totalNumberOfResults": {"type": "integer"}, "results": items}, ["results"])
        else:
            shape = _closed({"concreteType": {"type": "string"}, "list": items}, ["list"])
        self.definitions[name] = shape

    def _convert_class(self, name: str) -> dict[str, Any]:
        data = self.load(name)
        if "enum" in data:
            return _enum(data)
        properties, required = self._merged(name)
        converted = {key: self.convert(prop) for key, prop in properties.items()}
        closed = _closed(converted, sorted(set(required)))
        if data.get("type") != "interface":
            return closed
        concrete = sorted(self.implementations.get(name, set()))
        if not concrete:
            return closed
        return {
            "type": "object",
            "required": ["concreteType"],
            "properties": {"concreteType": {"enum": concrete}},
            "allOf": [
                {"if": {"properties": {"concreteType": {"const": c}}}, "then": self.ref(c)} for c in concrete
            ],
        }

    def convert(self, prop: dict[str, Any]) -> dict[str, Any]:
        """Convert one property schema."""
        if "$ref" in prop:
            return self.ref(prop["$ref"])
        if "$recursiveRef" in prop:
            return {}
        kind = prop.get("type")
        if "enum" in prop:
            return _enum(prop)
        if kind == "array":
            return {"type": "array", "items": self.convert(prop.get("items", {}))}
        if kind == "map":
            return {"type": "object", "additionalProperties": self.convert(prop.get("value", {}))}
        if kind == "tuplearraymap":
            pair = {"key": self.convert(prop.get("key", {})), "value": self.convert(prop.get("value", {}))}
            return {"type": "array", "items": _closed(pair, ["key"])}
        if kind == "object" and "properties" in prop:
            return _closed({key: self.convert(value) for key, value in prop["properties"].items()}, [])
        if kind in ("string", "integer", "boolean", "number", "object"):
            converted: dict[str, Any] = {"type": kind}
            if prop.get("format") == "date-time":
                converted["format"] = "date-time"
            return converted
        return {}

    def validator(self, type_name: str) -> jsonschema.Draft7Validator:
        root = self.ref(type_name)
        schema = {**root, "definitions": self.definitions}
        return jsonschema.Draft7Validator(schema, format_checker=self.format_checker)

    def errors(self, type_name: str, instance: Any) -> list[str]:
        """Return readable validation errors of ``instance`` against ``type_name`` (empty when valid)."""
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in self.validator(type_name).iter_errors(instance)
        ]


def _extends(data: dict[str, Any]) -> list[dict[str, Any]]:
    extends = data.get("extends")
    if extends is None:
        return []
    return extends if isinstance(extends, list) else [extends]


def _enum(data: dict[str, Any]) -> dict[str, Any]:
    values = [item["name"] if isinstance(item, dict) else item for item in data["enum"]]
    return {"type": "string", "enum": values}


def _closed(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema
