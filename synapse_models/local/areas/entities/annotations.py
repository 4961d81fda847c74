"""Annotations v2 (REFERENCE 2.3): validation and the ``/annotations2`` endpoints.

Annotations live on each entity version and share the entity's etag: a PUT needs the current entity
etag (412 otherwise) and gives the entity a new one.  :func:`validate_annotations` is reusable by other
areas (e.g. submission status annotations).
"""

from __future__ import annotations

import re
from typing import Any

from ...core.constants import ZERO_ETAG
from ...core.context import RequestContext
from ...core.errors import BadRequest, stale_etag
from ...core.routing import Routes
from ...core.store import dumps
from ...core.txn import Txn
from .access import require_access
from .crud import readable_version
from .hooks import DERIVED_ANNOTATIONS
from .records import EntityRecord, current_version, parse_entity_id, require_entity, touch

routes = Routes()

VALUE_TYPES = ("STRING", "DOUBLE", "LONG", "TIMESTAMP_MS", "BOOLEAN")
KEY_PATTERN = re.compile(r"^[a-zA-Z0-9,_.]+$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)\s*$", re.I)
MAX_KEYS = 100
MAX_VALUES = 100
MAX_STRING_CHARS = 500
RESERVED_KEYS = frozenset({"_accessrequirementids"})  # compared in lower case


def _illegal(key: str, value_type: str, value: str) -> BadRequest:
    return BadRequest(f"Value associated with key={key} is not valid for type={value_type}: {value}")


def _check_value(key: str, value_type: str, value: str) -> None:
    if value_type in ("LONG", "TIMESTAMP_MS"):
        if not _INTEGER.match(value) or not -(2**63) <= int(value) < 2**63:
            raise _illegal(key, value_type, value)
    elif value_type == "DOUBLE":
        if not _DOUBLE.match(value):
            raise _illegal(key, value_type, value)
    elif value_type == "BOOLEAN" and value.lower() not in ("true", "false"):
        raise _illegal(key, value_type, value)


def _as_text(key: str, value: Any) -> str:
    """Return one annotation value as the string Synapse stores.

    Synapse's JSON reader takes numbers and booleans where the schema says string (the official client
    sends LONG and DOUBLE values as JSON numbers) and keeps their text, which is what it returns.
    """
    if value is None:
        raise BadRequest("null is not allowed. To indicate no values, use an empty list.")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if not isinstance(value, str):
        raise BadRequest(
            f"Annotation '{key}': every value must be a string, number or boolean, got {value!r}"
        )
    return value


def _check_key(key: str) -> None:
    name = key.strip()
    if not name:
        raise BadRequest("Annotation names cannot be empty strings")
    if not KEY_PATTERN.match(name):
        raise BadRequest(
            f"Invalid annotation name: '{name}'."
            " Annotation names may only contain; letters, numbers, '_' and '.'"  # sic
        )
    if name.lower() in RESERVED_KEYS:
        raise BadRequest(
            f"Invalid annotation name: '{name}'. The annotation name is a system reserved annotation."
        )


def validate_annotations(raw: Any) -> dict[str, dict[str, Any]]:
    """Validate an ``annotations`` map (REFERENCE 2.3); return it normalized; 400 in Synapse's words."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("annotations must be a map of key to AnnotationsValue")
    if len(raw) > MAX_KEYS:
        raise BadRequest(f"Exceeded maximum number of annotation keys: {MAX_KEYS}")
    result: dict[str, dict[str, Any]] = {}
    for key, entry in raw.items():
        _check_key(key)
        if not isinstance(entry, dict):
            raise BadRequest(f"Annotation '{key}': the value must be an object with 'type' and 'value'")
        values = entry.get("value")
        if values is None:
            raise BadRequest(f"value list for key={key} can not be null")
        if not isinstance(values, list):
            raise BadRequest(f"Annotation '{key}': value must be a list of strings")
        if len(values) > MAX_VALUES:
            raise BadRequest(f"key={key} has exceeded the maximum number of values allowed: {MAX_VALUES}")
        value_type = entry.get("type")
        if value_type is None:
            raise BadRequest(f"a value or a value type must be set for values associated with key={key}")
        if value_type not in VALUE_TYPES:
            raise BadRequest(
                f"Annotation '{key}': type must be one of {', '.join(VALUE_TYPES)}, got {value_type!r}"
            )
        texts = [_as_text(key, value) for value in values]
        for text in texts:
            _check_value(key, value_type, text)
        if value_type == "STRING" and sum(len(v) for v in texts) > MAX_STRING_CHARS:
            raise BadRequest(f"Total String value too long. Can be at most {MAX_STRING_CHARS} characters.")
        result[key] = {"type": value_type, "value": texts}
    return result


def annotations_json(
    record: EntityRecord, annotations: dict[str, Any], *, current: bool = True
) -> dict[str, Any]:
    return {"id": record.syn_id, "etag": record.etag if current else ZERO_ETAG, "annotations": annotations}


def replace_annotations(txn: Txn, record: EntityRecord, annotations: dict[str, Any]) -> dict[str, Any]:
    """Store validated annotations on the current version; new entity etag; return Annotations JSON."""
    version = current_version(txn.db, record)
    txn.db.execute(
        "UPDATE entity_versions SET annotations = ? WHERE entity_id = ? AND version = ?",
        (dumps(annotations), record.id, version.number),
    )
    touch(txn, record)
    return annotations_json(record, annotations)


def put_annotations(txn: Txn, entity_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Handle an Annotations PUT body: id/etag checks, UPDATE permission, validation."""
    txn.require_login()
    record = require_entity(txn.db, entity_id)
    if body.get("id") is not None and parse_entity_id(body["id"]) != entity_id:
        raise BadRequest(f"The id in the body must match the entity: {record.syn_id}")
    require_access(txn, entity_id, "UPDATE")
    if body.get("etag") != record.etag:
        raise stale_etag(record.syn_id)
    return replace_annotations(txn, record, validate_annotations(body.get("annotations")))


@routes.route("GET", "/repo/v1/entity/<id>/annotations2")
@routes.route("GET", "/repo/v1/entity/<id>/version/<version>/annotations2")
def get_annotations(ctx: RequestContext, id: str, version: str | None = None) -> dict[str, Any]:
    record, found = readable_version(ctx, id, version)
    current = found.number == record.current_version
    annotations = found.annotations
    provider = ctx.app.hooks.last(DERIVED_ANNOTATIONS)
    if current and provider is not None and ctx.arg_bool("includeDerived"):
        # derived values fill in keys the entity has no value for; the entity's own values win
        annotations = {**provider(ctx, record), **annotations}
    return annotations_json(record, annotations, current=current)


@routes.route("PUT", "/repo/v1/entity/<id>/annotations2")
def update_annotations(ctx: RequestContext, id: str) -> dict[str, Any]:
    return put_annotations(ctx, parse_entity_id(id), ctx.json_object())
