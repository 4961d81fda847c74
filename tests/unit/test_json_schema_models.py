"""The JSON-schema models without a server: request bodies match the REST schemas, answers are read into typed
results, bad input is refused before any request."""

from __future__ import annotations

from typing import Any

import pytest

import synapse_models as sm
from synapse_models._convert import from_wire, to_wire
from synapse_models.models import _schema_wire as sw
from tests.local.synapse_schema import SCHEMA_DIR, SynapseSchemas

S = "org.sagebionetworks.repo.model.schema."
REQUESTS: list[tuple[str, Any, str]] = [
    (
        "organization",
        sw.CreateOrganizationRequest(organization_name="my.lab"),
        S + "CreateOrganizationRequest",
    ),
    ("organizations", sw.ListOrganizationsRequest(), S + "ListOrganizationsRequest"),
    (
        "create schema",
        sw.CreateSchemaRequest(schema={"$id": "my.lab-s-1.0.0", "type": "object"}, dry_run=True),
        S + "CreateSchemaRequest",
    ),
    ("validation schema", sw.GetValidationSchemaRequest(id="my.lab-s"), S + "GetValidationSchemaRequest"),
    ("schemas", sw.ListJsonSchemaInfoRequest(organization_name="my.lab"), S + "ListJsonSchemaInfoRequest"),
    (
        "versions",
        sw.ListJsonSchemaVersionInfoRequest(organization_name="my.lab", schema_name="s"),
        S + "ListJsonSchemaVersionInfoRequest",
    ),
    (
        "bind",
        sw.BindSchemaToEntityRequest(entity_id="syn1", schema_id="my.lab-s", enable_derived_annotations=True),
        "org.sagebionetworks.repo.model.entity.BindSchemaToEntityRequest",
    ),
    (
        "invalid children",
        sw.ListValidationResultsRequest(container_id="syn1"),
        S + "ListValidationResultsRequest",
    ),
]

RESULT = {
    "objectId": "syn9",
    "objectType": "entity",
    "objectEtag": "e1",
    "schema$id": "https://repo-prod.prod.sagebase.org/repo/v1/schema/type/registered/my.lab-s-1.0.0",
    "isValid": False,
    "validatedOn": "2024-01-02T03:04:05.678Z",
    "validationErrorMessage": "2 schema violations found",
    "allValidationMessages": [
        "#/age: expected type: Integer, found: String",
        "#: required key [species] not found",
    ],
    "validationException": {
        "pointerToViolation": "#",
        "message": "2 schema violations found",
        "schemaLocation": "#",
        "causingExceptions": [
            {
                "keyword": "type",
                "pointerToViolation": "#/age",
                "message": "expected type: Integer, found: String",
                "schemaLocation": "#/properties/age",
                "causingExceptions": [],
            },
            {
                "keyword": "required",
                "pointerToViolation": "#",
                "message": "required key [species] not found",
                "schemaLocation": "#",
                "causingExceptions": [],
            },
        ],
    },
}


@pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason=f"Synapse schema directory {SCHEMA_DIR} is absent")
@pytest.mark.parametrize(("what", "request_body", "schema"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_request_bodies_validate_against_the_rest_schema(what: str, request_body: Any, schema: str) -> None:
    assert SynapseSchemas().errors(schema, to_wire(request_body)) == []


def test_a_validation_result_is_read_into_typed_violations() -> None:
    result = from_wire(sm.ValidationResult, RESULT)
    assert (
        not result.is_valid and result.schema_uri is not None and result.schema_uri.endswith("my.lab-s-1.0.0")
    )
    assert result.validated_on is not None and result.validated_on.year == 2024
    assert [(v.pointer, v.keyword, v.schema_location) for v in result.violations] == [
        ("#/age", "type", "#/properties/age"),
        ("#", "required", "#"),
    ]
    assert result.messages == RESULT["allValidationMessages"]
    valid = from_wire(sm.ValidationResult, {"objectId": "syn9", "isValid": True})
    assert valid.violations == [] and valid.messages == []


def test_a_binding_names_its_version_and_where_it_was_made() -> None:
    info = {
        "organizationName": "my.lab",
        "schemaName": "s",
        "$id": "my.lab-s-1.0.0",
        "semanticVersion": "1.0.0",
        "jsonSHA256Hex": "ab",
        "versionId": "7",
    }
    binding = from_wire(
        sm.SchemaBinding,
        {
            "jsonSchemaVersionInfo": info,
            "objectId": 42,
            "objectType": "entity",
            "enableDerivedAnnotations": True,
        },
    )
    assert (binding.uri, binding.entity_id, binding.enable_derived_annotations) == (
        "my.lab-s-1.0.0",
        "syn42",
        True,
    )
    assert binding.json_schema_version_info.json_sha256_hex == "ab"


def test_uris_and_names() -> None:
    schema = sm.JSONSchema.from_uri(
        "https://x.org/repo/v1/schema/type/registered/my.lab-sample.v2-1.2.3-rc.1"
    )
    assert (schema.organization, schema.name, schema.version) == ("my.lab", "sample.v2", "1.2.3-rc.1")
    assert schema.uri == "my.lab-sample.v2-1.2.3-rc.1"
    assert sm.JSONSchema(organization="my.lab", name="s").uri == "my.lab-s"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: sm.JSONSchema(organization="1lab.name", name="s"), "organization"),
        (lambda: sm.JSONSchema(organization="my.sagebionetworks", name="s"), "organization"),
        (lambda: sm.JSONSchema(organization="my.lab", name="s-1"), "name"),
        (lambda: sm.JSONSchema(organization="my.lab", name="s", version="01.0.0"), "version"),
        (lambda: sm.SchemaOrganization(name="ab"), "organization"),
        (lambda: sm.Folder(id="syn1").bind_schema("nodash"), "uri"),
        (lambda: sm.Folder(name="not stored", parent="syn1").validate(), "id"),
        (
            lambda: sm.Folder(id="syn1").bind_schema("my.lab-s", derived_annotations="yes"),
            "derived_annotations",
        ),
    ],
)
def test_bad_input_is_refused_before_any_request(make: Any, field: str) -> None:
    with pytest.raises(sm.ValidationError) as caught:
        make()
    assert caught.value.field == field
