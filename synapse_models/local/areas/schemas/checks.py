"""Validation results of entities and containers, derived annotations, and an entity's JSON.

**When validation happens.** Synapse validates an entity in the background after it (or its binding, or
its schema) changes; clients poll until the result shows up. This server computes the result when it is
asked for, from the current state: the entity's fields and annotations, the binding that applies, and the
version the binding means now. A result is therefore never stale, never missing for a bound entity, and
needs no bookkeeping on writes (moves, trash, new schema versions and re-bindings are all reflected at
once). ``validatedOn`` is when that state came to be: the latest of the entity's modification, the
binding's creation and the schema version's creation. Derived annotations are computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.context import RequestContext
from ...core.errors import NotFound
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import (
    ENTITY_TYPES,
    EntityRecord,
    can_read,
    children_of,
    current_version,
    entity_json,
    get_record,
    parse_entity_id,
    require_access,
    require_entity,
)
from .bindings import bound_version, nearest_binding
from .naming import absolute_id
from .organizations import token_page, token_window
from .records import Binding, Version
from .validation import Compiled, subject
from .versions import validation_schema
from .violations import Violation

routes = Routes()
REPO = "/repo/v1"


@dataclass
class Result:
    """One entity validated against the schema bound to it."""

    record: EntityRecord
    binding: Binding
    version: Version
    compiled: Compiled
    instance: dict[str, Any]
    violation: Violation | None

    @property
    def valid(self) -> bool:
        return self.violation is None

    def json(self) -> dict[str, Any]:
        """The ValidationResults."""
        body: dict[str, Any] = {
            "objectId": self.record.syn_id,
            "objectType": "entity",
            "objectEtag": self.record.etag,
            "schema$id": absolute_id(self.version.relative_id),
            "isValid": self.valid,
            "validatedOn": max(self.record.modified_on, self.binding.created_on, self.version.created_on),
        }
        if self.violation is not None:
            body["validationErrorMessage"] = self.violation.message
            body["allValidationMessages"] = self.violation.all_messages()
            body["validationException"] = self.violation.json()
        return body

    def derived(self) -> dict[str, dict[str, Any]]:
        """The derived annotations (none unless the binding enables them and the entity is valid)."""
        if not self.binding.enable_derived or not self.valid:
            return {}
        return self.compiled.derived(self.instance)


class Checker:
    """Validates entities, compiling each schema version once per request."""

    def __init__(self, txn: Txn) -> None:
        self.txn = txn
        self._compiled: dict[int, Compiled] = {}

    def compiled(self, version: Version) -> Compiled:
        if version.id not in self._compiled:
            self._compiled[version.id] = Compiled(validation_schema(self.txn, version.relative_id))
        return self._compiled[version.id]

    def result(self, record: EntityRecord) -> Result | None:
        """The entity validated against its binding (``None`` when no schema applies)."""
        db = self.txn.db
        binding = nearest_binding(db, record.id)
        if binding is None:
            return None
        version = bound_version(db, binding)
        compiled = self.compiled(version)
        current = current_version(db, record)
        instance = subject(entity_json(db, record, current), current.annotations, compiled.arrays)
        return Result(record, binding, version, compiled, instance, compiled.check(instance))

    def children(self, container_id: int) -> list[Result | None]:
        """The results of the container's children the caller may read, by id."""
        db = self.txn.db
        ids = sorted(children_of(db, [container_id], list(ENTITY_TYPES)))
        results = []
        for child in ids:
            record = get_record(db, child)
            if record is not None and can_read(db, self.txn.user, child):
                results.append(self.result(record))
        return results


def derived_annotations(txn: Txn, record: EntityRecord) -> dict[str, dict[str, Any]]:
    """The annotations the schema bound to ``record`` derives for it (empty when none)."""
    result = Checker(txn).result(record)
    return {} if result is None else result.derived()


def _readable(ctx: RequestContext, id: str) -> EntityRecord:
    record = require_entity(ctx.db, parse_entity_id(id))
    require_access(ctx, record.id, "READ")
    return record


@routes.route("GET", REPO + "/entity/<id>/schema/validation")
def get_validation(ctx: RequestContext, id: str) -> dict[str, Any]:
    result = Checker(ctx).result(_readable(ctx, id))
    if result is None:
        raise NotFound(f"ValidationResults do not exist for objectId: '{id}' and objectType: 'entity'")
    return result.json()


@routes.route("GET", REPO + "/entity/<id>/schema/validation/statistics")
def get_statistics(ctx: RequestContext, id: str) -> dict[str, Any]:
    results = Checker(ctx).children(_readable(ctx, id).id)
    valid = sum(1 for r in results if r is not None and r.valid)
    invalid = sum(1 for r in results if r is not None and not r.valid)
    return {
        "containerId": id,
        "totalNumberOfChildren": len(results),
        "numberOfValidChildren": valid,
        "numberOfInvalidChildren": invalid,
        "numberOfUnknownChildren": len(results) - valid - invalid,
        "generatedOn": ctx.now(),
    }


@routes.route("POST", REPO + "/entity/<id>/schema/validation/invalid")
def list_invalid(ctx: RequestContext, id: str) -> dict[str, Any]:
    limit, offset = token_window((ctx.json_or_none() or {}).get("nextPageToken"))
    results = Checker(ctx).children(_readable(ctx, id).id)
    invalid = [r.json() for r in results if r is not None and not r.valid]
    return token_page(invalid[offset : offset + limit + 1], limit, offset)


@routes.route("GET", REPO + "/entity/<id>/derivedKeys")
def get_derived_keys(ctx: RequestContext, id: str) -> dict[str, Any]:
    return {"keys": list(derived_annotations(ctx, _readable(ctx, id)))}


@routes.route("GET", REPO + "/entity/<id>/json")
def get_entity_json(ctx: RequestContext, id: str) -> dict[str, Any]:
    """The entity as schemas see it: annotations and fields in one object (with derived ones if asked)."""
    record = _readable(ctx, id)
    checker = Checker(ctx)
    result = checker.result(record)
    current = current_version(ctx.db, record)
    annotations = dict(current.annotations)
    if result is not None and ctx.arg_bool("includeDerivedAnnotations"):
        annotations = {**result.derived(), **annotations}
    arrays = result.compiled.arrays if result is not None else set()
    return subject(entity_json(ctx.db, record, current), annotations, arrays)
