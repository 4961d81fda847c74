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
RESERVED_KEYS = frozenset({"_accessRequirementIds"})


def _check_value(key: str, value_type: str, value: str) -> None:
    if value_type in ("LONG", "TIMESTAMP_MS"):
        if not _INTEGER.match(value) or not -(2**63) <= int(value) < 2**63:
            raise BadRequest(
                f"Annotation '{key}': value '{value}' is not a valid {value_type} (64-bit integer)"
            )
    elif value_type == "DOUBLE":
        if not _DOUBLE.match(value):
            raise BadRequest(f"Annotation '{key}': value '{value}' is not a valid DOUBLE")
    elif value_type == "BOOLEAN" and value.lower() not in ("true", "false"):
        raise BadRequest(f"Annotation '{key}': value '{value}' is not a valid BOOLEAN (true or false)")


def validate_annotations(raw: Any) -> dict[str, dict[str, Any]]:
    """Validate an ``annotations`` map (REFERENCE 2.3); return it normalized; 400 naming the problem."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("annotations must be a map of key to AnnotationsValue")
    if len(raw) > MAX_KEYS:
        raise BadRequest(f"Too many annotation keys: {len(raw)} (at most {MAX_KEYS} are allowed)")
    result: dict[str, dict[str, Any]] = {}
    for key, entry in raw.items():
        if not KEY_PATTERN.match(key):
            raise BadRequest(
                f"Invalid annotation key '{key}': keys may only contain letters, numbers, '_', '.' and ','"
            )
        if key in RESERVED_KEYS:
            raise BadRequest(f"Annotation key '{key}' is reserved")
        if not isinstance(entry, dict):
            raise BadRequest(f"Annotation '{key}': the value must be an object with 'type' and 'value'")
        value_type = entry.get("type")
        if value_type not in VALUE_TYPES:
            raise BadRequest(
                f"Annotation '{key}': type must be one of {', '.join(VALUE_TYPES)}, got {value_type!r}"
            )
        values = entry.get("value")
        if values is None:
            raise BadRequest(f"Annotation '{key}': value cannot be null")
        if not isinstance(values, list):
            raise BadRequest(f"Annotation '{key}': value must be a list of strings")
        if len(values) > MAX_VALUES:
            raise BadRequest(
                f"Annotation '{key}': at most {MAX_VALUES} values are allowed, got {len(values)}"
            )
        for value in values:
            if value is None:
                raise BadRequest(f"Annotation '{key}': null values are not allowed")
            if not isinstance(value, str):
                raise BadRequest(f"Annotation '{key}': every value must be a JSON string, got {value!r}")
            _check_value(key, value_type, value)
        if value_type == "STRING" and sum(len(v) for v in values) > MAX_STRING_CHARS:
            raise BadRequest(
                f"Annotation '{key}': STRING values may total at most {MAX_STRING_CHARS} characters"
            )
        result[key] = {"type": value_type, "value": list(values)}
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
