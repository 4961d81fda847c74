"""What failed, in the shape and words Synapse reports it: a tree of :class:`Violation`\\ s.

The validating is done by ``jsonschema`` (see ``validation.py``); this module regroups its flat errors into
the tree Synapse's validator (everit-org/json-schema 1.12, which the real service uses) builds, and words
each failure as that validator does, because users and the official client match on these texts
(``#/age: expected type: Integer, found: String``):

* every schema a value is checked against on its own (a property's, an array item's, a ``$ref``'s, a branch
  of ``allOf``/``anyOf``/``oneOf``, ``then``/``else``) reports at most one failure: its only failure, or
  ``N schema violations found`` wrapping several;
* a failure's pointer is ``#`` plus the path to the offending value (``#/samples/0/age``);
* combinators, conditionals and ``not`` have their own texts (``#: no subschema matched out of the total 2
  subschemas``, ``input is invalid against the "then" schema``...).

Types are named as Synapse's validator sees an entity's annotations: a LONG is a ``Long``, a DOUBLE a
``DoubleJSONStringWrapper``, a STRING a ``String``, lists a ``JSONArray``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

_JAVA_TYPE = {"string": "String", "integer": "Integer", "number": "Number", "boolean": "Boolean",
              "object": "JSONObject", "array": "JSONArray"}  # fmt: skip
_TEMPORAL = {
    "date-time": "[yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,9}Z, yyyy-MM-dd'T'HH:mm:ss[+-]HH:mm,"
    " yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,9}[+-]HH:mm]",
    "date": "[yyyy-MM-dd]",
    "time": "[HH:mm:ssZ, HH:mm:ss.[0-9]{1,9}Z, HH:mm:ss[+-]HH:mm, HH:mm:ss.[0-9]{1,9}[+-]HH:mm]",
}
_FORMAT_WORDS = {"email": "email address", "hostname": "hostname", "ipv4": "ipv4 address",
                 "ipv6": "ipv6 address", "uri": "URI", "uri-reference": "URI reference",
                 "regex": "regular expression", "json-pointer": "JSON pointer"}  # fmt: skip


@dataclass
class Violation:
    """One failure (Synapse's ``ValidationException``): where, what, which keyword, and its causes."""

    pointer: str
    message: str
    keyword: str | None
    schema_location: str
    causes: list[Violation] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many failures this one stands for (its leaves; at least 1)."""
        return max(1, sum(cause.count for cause in self.causes))

    def full_message(self) -> str:
        return f"{self.pointer}: {self.message}"

    def all_messages(self) -> list[str]:
        """Every leaf failure's full message: direct leaves first, then those of nested causes."""
        if not self.causes:
            return [self.full_message()]
        messages = [cause.full_message() for cause in self.causes if not cause.causes]
        for cause in self.causes:
            if cause.causes:
                messages += cause.all_messages()
        return messages

    def json(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "pointerToViolation": self.pointer,
            "message": self.message,
            "schemaLocation": self.schema_location,
            "causingExceptions": [cause.json() for cause in self.causes],
        }


def java_type(value: Any) -> str:
    """The class name Synapse's validator reports for a value of an entity's JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long"
    if isinstance(value, float):
        return "DoubleJSONStringWrapper"
    if isinstance(value, str):
        return "String"
    return "JSONArray" if isinstance(value, list) else "JSONObject"


def java_text(value: Any) -> str:
    """A value as Java prints it in a message (``true``, ``5``, ``["a","b"]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _pointer(parts: Iterable[Any]) -> str:
    return "".join(["#", *(f"/{_escape(p)}" for p in parts)])


@dataclass(frozen=True)
class _Item:
    """One jsonschema error, with its schema path and instance path relative to the current context."""

    schema_path: list[Any]
    path: list[Any]
    error: jsonschema.ValidationError


@dataclass
class _Context:
    """A schema a value is checked against on its own, and where both are."""

    node: Any
    instance: Any
    at: list[Any]
    location: str
    resolve: Callable[[str], tuple[Any, str]]
    errors_of: Callable[[Any, Any], list[jsonschema.ValidationError]]

    def child(self, node: Any, instance: Any, at: list[Any], location: str) -> _Context:
        # a schema that is a $ref is its target (draft 7 ignores a $ref's siblings); jsonschema's error
        # paths go straight on inside the target
        while isinstance(node, dict) and "$ref" in node:
            node, location = self.resolve(node["$ref"])
        return _Context(node, instance, at, location, self.resolve, self.errors_of)

    def fail(self, message: str, keyword: str | None, causes: list[Violation] | None = None) -> Violation:
        return Violation(_pointer(self.at), message, keyword, self.location, causes or [])


def violation_of(
    errors: list[jsonschema.ValidationError],
    schema: Any,
    instance: Any,
    *,
    resolve: Callable[[str], tuple[Any, str]],
    errors_of: Callable[[Any, Any], list[jsonschema.ValidationError]],
) -> Violation | None:
    """The failure tree of ``instance`` against ``schema`` from jsonschema's ``errors`` (``None``: valid).

    ``resolve(ref)`` returns the schema a local ``$ref`` names and its location; ``errors_of(schema, value)``
    validates a value against a subschema (for the ``if`` of a failed ``else`` and ``oneOf`` matches).
    """
    context = _Context(None, None, [], "#", resolve, errors_of).child(schema, instance, [], "#")
    return _wrap(_failures([_Item(list(e.relative_schema_path), list(e.relative_path), e) for e in errors],
                           context), context)  # fmt: skip


def _wrap(failures: list[Violation], context: _Context) -> Violation | None:
    if not failures:
        return None
    if len(failures) == 1:
        return failures[0]
    total = sum(f.count for f in failures)
    return context.fail(f"{total} schema violations found", None, failures)


def _sub(items: list[_Item], schema_drop: int, path_drop: int) -> list[_Item]:
    return [_Item(i.schema_path[schema_drop:], i.path[path_drop:], i.error) for i in items]


def _group_key(item: _Item) -> tuple[Any, ...]:
    if item.error.validator is None:  # a false schema: jsonschema gives no path into it
        return ("leaf", None, id(item.error))
    token, rest = item.schema_path[0], item.schema_path[1:]
    if token in ("properties", "patternProperties") and rest and item.path:
        return (token, rest[0], item.path[0])
    if token in ("additionalProperties", "additionalItems") and rest and item.path:
        return (token, item.path[0])
    if token == "items" and rest and item.path:
        return (token, rest[0]) if isinstance(rest[0], int) else (token, "*", item.path[0])
    if token == "dependencies" and rest:
        return (token, rest[0])
    if token == "propertyNames":
        return (token, item.error.instance if not item.path else item.path[0])
    if token in ("allOf", "then", "else"):
        return (token,)
    return ("leaf", token, id(item.error))


def _failures(items: list[_Item], context: _Context) -> list[Violation]:
    groups: dict[tuple[Any, ...], list[_Item]] = {}
    for item in items:
        groups.setdefault(_group_key(item), []).append(item)
    failures: list[Violation] = []
    done: set[str] = set()
    for key, members in groups.items():
        if key[0] == "leaf":
            failures += _leaf(members[0], context, done)
        else:
            failure = _branch(key, members, context)
            if failure is not None:
                failures.append(failure)
    return failures


def _branch(key: tuple[Any, ...], items: list[_Item], c: _Context) -> Violation | None:
    token = key[0]
    loc = f"{c.location}/{token}"
    if token in ("properties", "patternProperties"):
        name, value_key = key[1], key[2]
        where = f"{loc}/{_escape(name)}"
        child = c.child(c.node[token][name], c.instance[value_key], [*c.at, value_key], where)
        return _wrap(_failures(_sub(items, 2, 1), child), child)
    if token in ("additionalProperties", "additionalItems"):
        child = c.child(c.node[token], c.instance[key[1]], [*c.at, key[1]], loc)
        return _wrap(_failures(_sub(items, 1, 1), child), child)
    if token == "items":
        if key[1] == "*":
            child = c.child(c.node["items"], c.instance[key[2]], [*c.at, key[2]], loc)
            return _wrap(_failures(_sub(items, 1, 1), child), child)
        child = c.child(c.node["items"][key[1]], c.instance[key[1]], [*c.at, key[1]], f"{loc}/{key[1]}")
        return _wrap(_failures(_sub(items, 2, 1), child), child)
    if token == "dependencies":
        child = c.child(c.node[token][key[1]], c.instance, c.at, f"{loc}/{_escape(key[1])}")
        return _wrap(_failures(_sub(items, 2, 0), child), child)
    if token == "propertyNames":
        child = c.child(c.node[token], key[1], [*c.at, key[1]], loc)
        return _wrap(_failures(_sub(items, 1, 0), child), child)
    if token == "allOf":
        branches = _branches(_sub(items, 1, 0), c, "allOf")
        total = len(c.node["allOf"])
        return c.fail(f"#: only {total - len(branches)} subschema matches out of {total}", "allOf", branches)
    if token == "then":
        child = c.child(c.node["then"], c.instance, c.at, loc)
        then = _wrap(_failures(_sub(items, 1, 0), child), child)
        return c.fail('input is invalid against the "then" schema', "then", [then] if then else [])
    # else: Synapse's validator reports why the "if" failed next to why the "else" failed
    child = c.child(c.node["else"], c.instance, c.at, loc)
    otherwise = _wrap(_failures(_sub(items, 1, 0), child), child)
    condition = _fresh(c.node["if"], c, f"{c.location}/if")
    causes = [v for v in (condition, otherwise) if v is not None]
    return c.fail('input is invalid against both the "if" and "else" schema', "else", causes)


def _branches(items: list[_Item], c: _Context, keyword: str) -> list[Violation]:
    """The failures of each branch of a combinator (items' schema paths start with the branch index)."""
    by_index: dict[int, list[_Item]] = {}
    for item in items:
        by_index.setdefault(int(item.schema_path[0]), []).append(item)
    failures = []
    for index, members in sorted(by_index.items()):
        child = c.child(c.node[keyword][index], c.instance, c.at, f"{c.location}/{keyword}/{index}")
        failure = _wrap(_failures(_sub(members, 1, 0), child), child)
        if failure is not None:
            failures.append(failure)
    return failures


def _fresh(schema: Any, c: _Context, location: str) -> Violation | None:
    child = c.child(schema, c.instance, c.at, location)
    errors = c.errors_of(schema, c.instance)
    return _wrap(_failures([_Item(list(e.relative_schema_path), list(e.relative_path), e) for e in errors],
                           child), child)  # fmt: skip


def _leaf(item: _Item, c: _Context, done: set[str]) -> list[Violation]:
    keyword = item.error.validator
    value, instance = item.error.validator_value, c.instance
    if keyword in ("required", "additionalProperties", "dependencies"):
        if keyword in done:  # jsonschema reports these once per missing/extra key; answer them all once
            return []
        done.add(keyword)
    if keyword == "required":
        missing = [name for name in value if name not in instance]
        return [c.fail(f"required key [{name}] not found", "required") for name in missing]
    if keyword == "additionalProperties":
        known, patterns = c.node.get("properties", {}), list(c.node.get("patternProperties", {}))
        extra = [k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)]
        return [c.fail(f"extraneous key [{k}] is not permitted", "additionalProperties") for k in extra]
    if keyword == "dependencies":
        return [
            c.fail(f"property [{needed}] is required", "dependencies")
            for name, needs in value.items() if isinstance(needs, list) and name in instance
            for needed in needs if needed not in instance
        ]  # fmt: skip
    if keyword in ("anyOf", "oneOf"):
        return [_choice(item, c, keyword)]
    if keyword == "type":
        return [_type(value, instance, c)]
    return [c.fail(_message(keyword, value, instance, item.error), keyword or "false")]


def _choice(item: _Item, c: _Context, keyword: str) -> Violation:
    total = len(c.node[keyword])
    context = [_Item(list(e.relative_schema_path), list(e.relative_path), e) for e in item.error.context]
    failures = _branches(context, c, keyword)
    if keyword == "anyOf":
        return c.fail(f"#: no subschema matched out of the total {total} subschemas", "anyOf", failures)
    if not context:  # several branches matched: name the ones that did not
        failures = [f for i, sub in enumerate(c.node[keyword])
                    if (f := _fresh(sub, c, f"{c.location}/{keyword}/{i}")) is not None]  # fmt: skip
    return c.fail(f"#: {total - len(failures)} subschemas matched instead of one", "oneOf", failures)


def _type_text(expected: str, instance: Any) -> str:
    if expected == "null":
        return f"expected: null, found: {java_type(instance)}"
    return f"expected type: {_JAVA_TYPE.get(expected, expected)}, found: {java_type(instance)}"


def _type(expected: Any, instance: Any, c: _Context) -> Violation:
    if isinstance(expected, list):  # Synapse's validator checks each type as a branch of an anyOf
        causes = [c.fail(_type_text(t, instance), "type") for t in expected]
        return c.fail(f"#: no subschema matched out of the total {len(expected)} subschemas", "anyOf", causes)
    return c.fail(_type_text(str(expected), instance), "type")


def _message(keyword: str | None, value: Any, instance: Any, error: jsonschema.ValidationError) -> str:
    size = len(instance) if isinstance(instance, (str, list, dict)) else 0
    texts: dict[str | None, Callable[[], str]] = {
        None: lambda: "false schema always fails",
        "enum": lambda: f"{java_text(instance)} is not a valid enum value",
        "const": lambda: "",
        "pattern": lambda: f"string [{instance}] does not match pattern {value}",
        "minLength": lambda: f"expected minLength: {value}, actual: {size}",
        "maxLength": lambda: f"expected maxLength: {value}, actual: {size}",
        "minimum": lambda: f"{java_text(instance)} is not greater or equal to {java_text(value)}",
        "maximum": lambda: f"{java_text(instance)} is not less or equal to {java_text(value)}",
        "exclusiveMinimum": lambda: f"{java_text(instance)} is not greater than {java_text(value)}",
        "exclusiveMaximum": lambda: f"{java_text(instance)} is not less than {java_text(value)}",
        "multipleOf": lambda: f"{java_text(instance)} is not a multiple of {java_text(value)}",
        "minItems": lambda: f"expected minimum item count: {value}, found: {size}",
        "maxItems": lambda: f"expected maximum item count: {value}, found: {size}",
        "uniqueItems": lambda: "array items are not unique",
        "contains": lambda: "expected at least one array item to match 'contains' schema",
        "minProperties": lambda: f"minimum size: [{value}], found: [{size}]",
        "maxProperties": lambda: f"maximum size: [{value}], found: [{size}]",
        "additionalItems": lambda: (
            f"expected: [{len(error.schema.get('items', []))}] array items, found: [{size}]"
        ),
        "not": lambda: "subject must not be valid against schema " + json.dumps(value, separators=(",", ":")),
        "format": lambda: _format_text(str(value), instance),
    }
    text = texts.get(keyword)
    return text() if text is not None else error.message


def _format_text(name: str, instance: Any) -> str:
    if name in _TEMPORAL:
        return f"[{instance}] is not a valid {name}. Expected {_TEMPORAL[name]}"
    return f"[{instance}] is not a valid {_FORMAT_WORDS.get(name, name)}"
