"""Binding JSON schemas to entities and reading how well their annotations conform.

Every entity can be bound to a :class:`~synapse_models.JSONSchema` (``bind_schema``); everything below a
bound project or folder inherits the binding. ``validate()`` then says whether an entity's annotations (and
fields) conform, with every violation and a JSON pointer to it; a container's ``validation_statistics()``
and ``invalid_entities()`` sum up its children::

    folder.bind_schema("my.lab-sample-1.0.0", derived_annotations=True)
    result = file.validate()
    if not result.is_valid:
        print(result.messages)        # ['#/age: expected type: Integer, found: String']
    folder.invalid_entities()         # a DataFrame, one row per invalid child

Synapse validates in the background after a change, so right after a store a result may still describe the
previous state (compare ``result.object_etag`` with the entity's ``etag``); the embedded server answers from
the current state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from .._convert import WIRE_NAME, from_wire, to_wire
from ..connection import Connection
from ..errors import NotFoundError, ValidationError
from ..registry import ConnectionLike
from ._html import Displayed
from ._schema_wire import BindSchemaToEntityRequest, ListValidationResultsRequest
from ._stored import stored_target
from ._wire import AnnotationsBody
from .annotations import Annotations
from .json_schema import JSONSchema, SchemaVersion
from .listing import Listing, token_listing

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SchemaBinding", "SchemaBound", "SchemaContainer", "SchemaViolation", "ValidationResult",
           "ValidationStatistics"]  # fmt: skip


@attrs.define(kw_only=True)
class SchemaBinding(Displayed):
    """Which schema applies to an entity, and where it was bound (maybe an ancestor)."""

    json_schema_version_info: SchemaVersion
    """The version the binding means now (the schema's latest when it was bound without a version)."""
    object_id: int
    """The numeric id of the entity the binding was made on."""
    object_type: str = "entity"
    created_on: datetime | None = None
    created_by: str | None = None
    enable_derived_annotations: bool = False
    """Whether the schema's ``const`` and ``default`` values become annotations of entities that lack them."""

    @property
    def uri(self) -> str:
        """The ``$id`` of the bound version."""
        return self.json_schema_version_info.uri

    @property
    def entity_id(self) -> str:
        """The entity the binding was made on (``syn...``)."""
        return f"syn{self.object_id}"


@attrs.define(kw_only=True)
class SchemaViolation(Displayed):
    """One way an entity fails its schema: where (a JSON pointer), what, and the failures it groups."""

    pointer: str = attrs.field(metadata={WIRE_NAME: "pointerToViolation"})
    """Where in the entity's JSON, e.g. ``#/age`` (``#`` for the whole entity)."""
    message: str
    """What is wrong, e.g. ``expected type: Integer, found: String``."""
    keyword: str | None = None
    """The schema keyword that failed (``type``, ``required``, ``enum``...); ``None`` for a group."""
    schema_location: str | None = None
    """Where in the schema, e.g. ``#/properties/age``."""
    causes: list[SchemaViolation] = attrs.field(factory=list, metadata={WIRE_NAME: "causingExceptions"})
    """The failures this one groups (``2 schema violations found``)."""

    def leaves(self) -> Iterator[SchemaViolation]:
        """The individual failures (this one when it groups none)."""
        if not self.causes:
            yield self
        for cause in self.causes:
            yield from cause.leaves()


@attrs.define(kw_only=True)
class ValidationResult(Displayed):
    """Whether one entity conforms to the schema bound to it."""

    object_id: str
    """The entity (``syn...``)."""
    is_valid: bool
    object_type: str = "entity"
    object_etag: str | None = None
    """The etag of the entity state that was validated."""
    schema_uri: str | None = attrs.field(default=None, metadata={WIRE_NAME: "schema$id"})
    """The ``$id`` (a URL) of the schema version validated against."""
    validated_on: datetime | None = None
    validation_error_message: str | None = None
    """The summary, e.g. ``2 schema violations found``."""
    all_validation_messages: list[str] = attrs.field(factory=list)
    """Every failure as ``<pointer>: <message>``."""
    validation_exception: SchemaViolation | None = None
    """The failures as a tree."""

    @property
    def messages(self) -> list[str]:
        """Every failure as ``<pointer>: <message>`` (empty when valid)."""
        return list(self.all_validation_messages)

    @property
    def violations(self) -> list[SchemaViolation]:
        """The individual failures, each with its pointer and keyword (empty when valid)."""
        return list(self.validation_exception.leaves()) if self.validation_exception else []


@attrs.define(kw_only=True)
class ValidationStatistics(Displayed):
    """How many children of a container conform to their schema."""

    container_id: str
    total_number_of_children: int = 0
    number_of_valid_children: int = 0
    number_of_invalid_children: int = 0
    number_of_unknown_children: int = 0
    """Children without a result (no schema applies, or not validated yet)."""
    generated_on: datetime | None = None


def _schema_uri(schema: JSONSchema | str) -> str:
    if isinstance(schema, JSONSchema):
        return schema.uri
    if isinstance(schema, str) and schema.strip():
        return JSONSchema.from_uri(schema).uri
    raise ValidationError("schema", schema, "give a JSONSchema or its uri, e.g. 'my.lab-sample-1.0.0'")


class SchemaBound:
    """Mixin for entities: bind a schema, read the binding, validate, derived annotations.

    The host class has ``id`` and ``_conn()``.
    """

    __slots__ = ()

    def _schema_target(self, connection: ConnectionLike | None) -> tuple[Connection, str]:
        return stored_target(self, connection)

    def bind_schema(
        self,
        schema: JSONSchema | str,
        *,
        derived_annotations: bool = False,
        connection: ConnectionLike | None = None,
    ) -> SchemaBinding:
        """Bind a schema (or its uri) to this entity; everything below it inherits the binding.

        Args:
            schema: The schema; a uri without a version means the latest version at every validation.
            derived_annotations: Give entities the schema's ``const``/``default`` values they lack.
        """
        uri = _schema_uri(schema)
        if not isinstance(derived_annotations, bool):
            raise ValidationError("derived_annotations", derived_annotations, "expected True or False")
        conn, entity_id = self._schema_target(connection)
        request = BindSchemaToEntityRequest(
            entity_id=entity_id, schema_id=uri, enable_derived_annotations=derived_annotations
        )
        return from_wire(SchemaBinding, conn.put(f"/entity/{entity_id}/schema/binding", to_wire(request)))

    def unbind_schema(self, *, connection: ConnectionLike | None = None) -> None:
        """Remove this entity's own binding (an ancestor's binding, if any, then applies)."""
        conn, entity_id = self._schema_target(connection)
        conn.delete(f"/entity/{entity_id}/schema/binding")

    def schema_binding(self, *, connection: ConnectionLike | None = None) -> SchemaBinding | None:
        """The binding that applies here (this entity's or an ancestor's), or ``None``."""
        conn, entity_id = self._schema_target(connection)
        try:
            return from_wire(SchemaBinding, conn.get(f"/entity/{entity_id}/schema/binding"))
        except NotFoundError as error:
            if "No JSON schema found" in error.reason:
                return None
            raise

    def validate(self, *, connection: ConnectionLike | None = None) -> ValidationResult:
        """How this entity conforms to the schema that applies to it.

        Raises:
            NotFoundError: No schema applies to this entity (or Synapse has not validated it yet).
        """
        conn, entity_id = self._schema_target(connection)
        return from_wire(ValidationResult, conn.get(f"/entity/{entity_id}/schema/validation"))

    def derived_annotations(self, *, connection: ConnectionLike | None = None) -> Annotations:
        """The annotations the bound schema derives for this entity (only keys it has no value for)."""
        conn, entity_id = self._schema_target(connection)
        keys = conn.get(f"/entity/{entity_id}/derivedKeys").get("keys") or []
        if not keys:
            return Annotations()
        body = from_wire(AnnotationsBody, conn.get(f"/entity/{entity_id}/annotations2",
                                                   params={"includeDerived": True}))  # fmt: skip
        everything = Annotations.from_body(body)
        return Annotations({key: everything[key] for key in keys if key in everything})


class SchemaContainer(SchemaBound):
    """Mixin for projects and folders: how their children conform."""

    __slots__ = ()

    def validation_statistics(self, *, connection: ConnectionLike | None = None) -> ValidationStatistics:
        """Counts of valid, invalid and unknown children (direct children only)."""
        conn, entity_id = self._schema_target(connection)
        return from_wire(ValidationStatistics, conn.get(f"/entity/{entity_id}/schema/validation/statistics"))

    def invalid_children(self, *, connection: ConnectionLike | None = None) -> Listing[ValidationResult]:
        """The validation results of the direct children that do not conform, as a lazy listing."""
        conn, entity_id = self._schema_target(connection)
        body = to_wire(ListValidationResultsRequest(container_id=entity_id))
        path = f"/entity/{entity_id}/schema/validation/invalid"
        return token_listing(conn, f"children of {entity_id} that do not conform", "POST", path, body,
                             lambda item: from_wire(ValidationResult, item))

    def invalid_entities(self, *, connection: ConnectionLike | None = None) -> pd.DataFrame:
        """The direct children that do not conform, one row each: ``id``, ``message`` (the summary),
        ``messages`` (every failure), ``schema``, ``validated_on`` and ``etag``."""
        import pandas as pd

        rows: list[dict[str, Any]] = [
            {"id": r.object_id, "message": r.validation_error_message, "messages": r.messages,
             "schema": r.schema_uri, "validated_on": r.validated_on, "etag": r.object_etag}
            for r in self.invalid_children(connection=connection)
        ]  # fmt: skip
        columns = ["id", "message", "messages", "schema", "validated_on", "etag"]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame
