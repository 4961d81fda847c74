"""Request bodies of the JSON-schema endpoints, as attrs classes for the converter (named after the REST
classes; :mod:`synapse_models._convert` writes them, so no model builds a JSON dictionary by hand)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from .._convert import WIRE_NAME

__all__ = [
    "BindSchemaToEntityRequest",
    "CreateOrganizationRequest",
    "CreateSchemaRequest",
    "GetValidationSchemaRequest",
    "ListJsonSchemaInfoRequest",
    "ListJsonSchemaVersionInfoRequest",
    "ListOrganizationsRequest",
    "ListValidationResultsRequest",
]


@attrs.define(kw_only=True)
class CreateOrganizationRequest:
    """``POST /schema/organization``."""

    organization_name: str


@attrs.define(kw_only=True)
class ListOrganizationsRequest:
    """``POST /schema/organization/list`` (the page token is added by the paging)."""


@attrs.define(kw_only=True)
class CreateSchemaRequest:
    """The asynchronous job registering a schema version (its ``$id`` is in the body)."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.schema.CreateSchemaRequest"

    schema: dict[str, Any]
    dry_run: bool = False


@attrs.define(kw_only=True)
class GetValidationSchemaRequest:
    """The asynchronous job building a version's self-contained validation schema."""

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.schema.GetValidationSchemaRequest"

    id: str = attrs.field(metadata={WIRE_NAME: "$id"})


@attrs.define(kw_only=True)
class ListJsonSchemaInfoRequest:
    """``POST /schema/list``: the schemas of an organization."""

    organization_name: str


@attrs.define(kw_only=True)
class ListJsonSchemaVersionInfoRequest:
    """``POST /schema/version/list``: the versions of a schema."""

    organization_name: str
    schema_name: str


@attrs.define(kw_only=True)
class BindSchemaToEntityRequest:
    """``PUT /entity/{id}/schema/binding``."""

    entity_id: str
    schema_id: str = attrs.field(metadata={WIRE_NAME: "schema$id"})
    enable_derived_annotations: bool = False


@attrs.define(kw_only=True)
class ListValidationResultsRequest:
    """``POST /entity/{id}/schema/validation/invalid``."""

    container_id: str
