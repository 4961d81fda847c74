"""JSON schemas for annotations on the embedded server: organizations, registered schemas, bindings,
validation results and derived annotations.

Every answer is checked against the official REST schema of its type (strict: an invented or misspelled
field fails), and every refusal against the real service's wording.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
import requests

from tests.local.conftest import Api, reason
from tests.local.synapse_schema import SCHEMA_DIR, SynapseSchemas
from tests.local.tables_util import job

S = "org.sagebionetworks.repo.model.schema."
CREATE = S + "CreateSchemaRequest"
REGISTERED = "https://repo-prod.prod.sagebase.org/repo/v1/schema/type/registered/"
_names = itertools.count(1)

if not SCHEMA_DIR.is_dir():
    pytest.skip(f"Synapse schema directory {SCHEMA_DIR} is absent", allow_module_level=True)


@pytest.fixture(scope="module")
def rest() -> SynapseSchemas:
    return SynapseSchemas()


def conforms(rest: SynapseSchemas, response: requests.Response, type_name: str, status: int = 200) -> Any:
    """Assert the status and that the body validates against the REST type; return the body."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert rest.errors(type_name, body) == []
    return body


def org_name() -> str:
    return f"test.lab{next(_names)}x"


def new_org(api: Api) -> dict[str, Any]:
    return dict(api.ok("POST", "/schema/organization", {"organizationName": org_name()}, status=201))


def register(api: Api, schema: dict[str, Any], *, dry_run: bool = False) -> requests.Response:
    """Register a schema version: the job's answer, or the start's refusal (bad requests stop there)."""
    body = {"concreteType": CREATE, "schema": schema, "dryRun": dry_run}
    started = api.post("/schema/type/create/async/start", body)
    if started.status_code != 201:
        return started
    token = started.json()["token"]
    deadline = time.monotonic() + 30
    while True:
        answer = api.get(f"/schema/type/create/async/get/{token}")
        if answer.status_code != 202 or time.monotonic() > deadline:
            return answer
        time.sleep(0.02)


def registered(api: Api, schema: dict[str, Any]) -> dict[str, Any]:
    response = register(api, schema)
    assert response.status_code == 201, response.text
    return dict(response.json())


PRODUCT = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "productId": {"type": "integer", "const": 123},
        "productName": {"type": "string", "default": "widget"},
        "description": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}},
        "size": {"enum": ["S", "M", "L"]},
    },
}


def product(api: Api) -> tuple[dict[str, Any], str]:
    """An organization with ``<org>-product-1.0.0`` registered; returns (organization, $id)."""
    org = new_org(api)
    schema_id = f"{org['name']}-product-1.0.0"
    registered(api, PRODUCT | {"$id": schema_id})
    return org, schema_id


def annotate(api: Api, entity: dict[str, Any], **values: tuple[str, list[str]]) -> None:
    current = api.ok("GET", f"/entity/{entity['id']}")
    notes = {key: {"type": kind, "value": items} for key, (kind, items) in values.items()}
    api.ok(
        "PUT",
        f"/entity/{entity['id']}/annotations2",
        {"id": entity["id"], "etag": current["etag"], "annotations": notes},
    )


# -- organizations -------------------------------------------------------------------------------------------


def test_create_get_list_and_delete_organizations(alice: Api, anonymous: Api, rest: SynapseSchemas) -> None:
    name = org_name()
    org = conforms(
        rest, alice.post("/schema/organization", {"organizationName": name}), S + "Organization", 201
    )
    assert org["name"] == name and org["createdBy"] == alice.ok("GET", "/userProfile")["ownerId"]
    assert conforms(rest, anonymous.get("/schema/organization", name=name), S + "Organization") == org
    listed = conforms(rest, anonymous.post("/schema/organization/list", {}), S + "ListOrganizationsResponse")
    assert org in listed["page"]
    assert alice.delete(f"/schema/organization/{org['id']}").status_code == 200
    gone = alice.get("/schema/organization", name=name)
    assert (gone.status_code, reason(gone)) == (404, f"Organization with name: '{name}' not found")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("short", "Organization name must be at least 6 characters"),
        (
            "my.sagebionetworks.lab",
            "The name 'sagebionetworks' is reserved, and cannot be included in an Organziation's name",
        ),
        ("1abcdefg", "Invalid 'organizationName' : '1abcdefg'"),
        ("my-lab.name", "Invalid 'organizationName' : 'my-lab.name'"),
        ("a" * 251, "Organization name must be 250 characters or less"),
    ],
)
def test_create_organization_refuses_bad_names(alice: Api, name: str, message: str) -> None:
    response = alice.post("/schema/organization", {"organizationName": name})
    assert response.status_code == 400
    assert reason(response).startswith(message)


def test_create_organization_refuses_a_taken_name_and_anonymous(alice: Api, bob: Api, anonymous: Api) -> None:
    org = new_org(alice)
    taken = bob.post("/schema/organization", {"organizationName": org["name"]})
    assert (taken.status_code, reason(taken)) == (
        400,
        f"An Organization with the name: '{org['name']}' already exists",
    )
    refused = anonymous.post("/schema/organization", {"organizationName": org_name()})
    assert (refused.status_code, reason(refused)) == (403, "Must login to perform this action")


def test_organization_acl_grants_the_creator_and_is_guarded(
    alice: Api, bob: Api, rest: SynapseSchemas
) -> None:
    org = new_org(alice)
    acl = conforms(
        rest,
        alice.get(f"/schema/organization/{org['id']}/acl"),
        "org.sagebionetworks.repo.model.AccessControlList",
    )
    me = int(alice.ok("GET", "/userProfile")["ownerId"])
    assert [(e["principalId"], set(e["accessType"])) for e in acl["resourceAccess"]] == [
        (me, {"READ", "CREATE", "CHANGE_PERMISSIONS", "UPDATE", "DELETE"})
    ]
    denied = bob.get(f"/schema/organization/{org['id']}/acl")
    assert (denied.status_code, reason(denied)) == (
        403,
        f"You do not have READ permission for ORGANIZATION : {org['id']}",
    )
    mine = acl["resourceAccess"][0]
    public = {"principalId": 273949, "accessType": ["READ"]}
    updated = alice.ok(
        "PUT", f"/schema/organization/{org['id']}/acl", acl | {"resourceAccess": [mine, public]}
    )
    assert len(updated["resourceAccess"]) == 2
    assert bob.ok("GET", f"/schema/organization/{org['id']}/acl")["etag"] == updated["etag"]
    too_much = alice.put(
        f"/schema/organization/{org['id']}/acl",
        updated | {"resourceAccess": [mine, public | {"accessType": ["READ", "CREATE"]}]},
    )
    assert (too_much.status_code, reason(too_much)) == (
        400,
        "Only READ permissions can be assigned to the public group",
    )
    locked_out = alice.put(f"/schema/organization/{org['id']}/acl", updated | {"resourceAccess": [public]})
    assert reason(locked_out) == "Caller is trying to revoke their own ACL editing permissions."
    stale = alice.put(f"/schema/organization/{org['id']}/acl", acl | {"resourceAccess": [mine]})
    assert stale.status_code == 412


def test_delete_organization_needs_permission_and_no_schemas(alice: Api, bob: Api) -> None:
    org, schema_id = product(alice)
    denied = bob.delete(f"/schema/organization/{org['id']}")
    assert (denied.status_code, reason(denied)) == (
        403,
        f"You do not have DELETE permission for ORGANIZATION : {org['id']}",
    )
    busy = alice.delete(f"/schema/organization/{org['id']}")
    assert (busy.status_code, reason(busy)) == (
        400,
        "All schemas defined under an organization must be deleted before the organization can be deleted.",
    )
    assert alice.delete(f"/schema/type/registered/{schema_id}").status_code == 204
    assert alice.delete(f"/schema/organization/{org['id']}").status_code == 200


# -- registered schemas ------------------------------------------------------------------------------------


def test_register_read_and_list_versions(alice: Api, anonymous: Api, rest: SynapseSchemas) -> None:
    org = new_org(alice)
    first = conforms(
        rest,
        register(alice, {"$id": f"{org['name']}-sample-0.0.1", "type": "object"}),
        S + "CreateSchemaResponse",
        201,
    )
    info = first["newVersionInfo"]
    assert (info["$id"], info["semanticVersion"], info["schemaName"]) == (
        f"{org['name']}-sample-0.0.1",
        "0.0.1",
        "sample",
    )
    assert first["validationSchema"]["$id"] == REGISTERED + f"{org['name']}-sample-0.0.1"
    registered(alice, {"$id": f"https://anywhere.example/x/{org['name']}-sample", "description": "latest"})
    body = conforms(rest, anonymous.get(f"/schema/type/registered/{org['name']}-sample"), S + "JsonSchema")
    assert body == {"$id": REGISTERED + f"{org['name']}-sample", "description": "latest"}
    assert anonymous.ok("GET", f"/schema/type/registered/{org['name']}-sample-0.0.1")["type"] == "object"
    schemas = conforms(
        rest,
        anonymous.post("/schema/list", {"organizationName": org["name"]}),
        S + "ListJsonSchemaInfoResponse",
    )
    assert [s["schemaName"] for s in schemas["page"]] == ["sample"]
    versions = conforms(
        rest,
        anonymous.post("/schema/version/list", {"organizationName": org["name"], "schemaName": "sample"}),
        S + "ListJsonSchemaVersionInfoResponse",
    )
    assert [v.get("semanticVersion") for v in versions["page"]] == ["0.0.1", None]
    none = anonymous.ok(
        "POST", "/schema/version/list", {"organizationName": org["name"], "schemaName": "nothing"}
    )
    assert none["page"] == []


@pytest.mark.parametrize(
    ("schema", "status", "message"),
    [
        ({"type": "object"}, 400, "schema.$id is required."),
        ({"$id": "nodash"}, 400, "Invalid '$id' : 'nodash'"),
        ({"$id": "{org}-s-1.0"}, 400, "Invalid '$id' : '{org}-s-1.0'"),
        ({"$id": "no.such.org-s"}, 404, "Organization with name: 'no.such.org' not found"),
        (
            {"$id": "{org}-s-1.0.0", "properties": {"a": {"$ref": "{org}-other"}}},
            400,
            "The schema $id includes a semantic version, therefore all sub-schema references ($ref) must"
            " also include a semantic version.  The following $ref does not include a semantic version:"
            " '{org}-other'",
        ),
        (
            {"$id": "{org}-s", "properties": {"a": {"$ref": "#/definitions/x"}}},
            400,
            "Invalid '$id' : '#/definitions/x'",
        ),
        (
            {"$id": "{org}-s", "properties": {"a": {"$ref": "{org}-missing"}}},
            404,
            "JSON Schema not found for organizationName: '{org}' and schemaName: 'missing'",
        ),
        ({"$id": "{org}-s", "type": "no-such-type"}, 400, "The schema is not a valid JSON schema"),
    ],
)
def test_register_refuses_bad_schemas(alice: Api, schema: dict[str, Any], status: int, message: str) -> None:
    org = new_org(alice)
    filled = eval_org(schema, org["name"])
    response = register(alice, filled)
    assert response.status_code == status, response.text
    assert reason(response).startswith(message.replace("{org}", org["name"]))


def eval_org(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return {k: eval_org(v, name) for k, v in value.items()}
    return value.replace("{org}", name) if isinstance(value, str) else value


def test_register_needs_create_on_the_organization(alice: Api, bob: Api) -> None:
    org = new_org(alice)
    refused = register(bob, {"$id": f"{org['name']}-s"})
    assert (refused.status_code, reason(refused)) == (
        403,
        f"You do not have CREATE permission for ORGANIZATION : {org['id']}",
    )


def test_a_semantic_version_is_registered_once_and_a_dry_run_keeps_nothing(alice: Api) -> None:
    org = new_org(alice)
    registered(alice, {"$id": f"{org['name']}-s-1.0.0"})
    again = register(alice, {"$id": f"{org['name']}-s-1.0.0", "type": "string"})
    assert (again.status_code, reason(again)) == (
        400,
        "Semantic version: '1.0.0' already exists for this JSON schema",
    )
    dry = register(alice, {"$id": f"{org['name']}-s-2.0.0"}, dry_run=True)
    assert dry.status_code == 201 and dry.json()["newVersionInfo"]["semanticVersion"] == "2.0.0"
    missing = alice.get(f"/schema/type/registered/{org['name']}-s-2.0.0")
    assert (missing.status_code, reason(missing)) == (
        404,
        f"JSON Schema not found for organizationName: '{org['name']}' and schemaName: 's'"
        " and semanticVersion: '2.0.0'",
    )


def test_references_become_definitions_of_the_validation_schema(alice: Api, rest: SynapseSchemas) -> None:
    org = new_org(alice)
    name = org["name"]
    registered(alice, {"$id": f"{name}-unit-1.0.0", "enum": ["mg", "g"]})
    registered(alice, {"$id": f"{name}-dose-1.0.0", "properties": {"unit": {"$ref": f"{name}-unit-1.0.0"}}})
    registered(alice, {"$id": f"{name}-trial", "properties": {"dose": {"$ref": f"{name}-dose-1.0.0"}}})
    response = job(
        alice,
        "/schema/type/validation",
        {"concreteType": S + "GetValidationSchemaRequest", "$id": f"{name}-trial"},
    )
    schema = conforms(rest, response, S + "GetValidationSchemaResponse", 201)["validationSchema"]
    assert schema["properties"]["dose"] == {"$ref": f"#/definitions/{name}-dose-1.0.0"}
    assert schema["definitions"][f"{name}-dose-1.0.0"] == {
        "properties": {"unit": {"$ref": f"#/definitions/{name}-unit-1.0.0"}}
    }
    assert schema["definitions"][f"{name}-unit-1.0.0"] == {"enum": ["mg", "g"]}
    referenced = alice.delete(f"/schema/type/registered/{name}-unit-1.0.0")
    assert (referenced.status_code, reason(referenced)) == (
        400,
        "Cannot delete a schema version that is referenced by another schema",
    )


def test_a_circular_reference_is_refused(alice: Api) -> None:
    org = new_org(alice)
    name = org["name"]
    registered(alice, {"$id": f"{name}-a"})
    registered(alice, {"$id": f"{name}-b", "properties": {"a": {"$ref": f"{name}-a"}}})
    loop = register(alice, {"$id": f"{name}-a", "properties": {"b": {"$ref": f"{name}-b"}}})
    assert (loop.status_code, reason(loop)) == (400, f"Schema $id: '{name}-a' has a circular dependency")
    assert alice.ok("GET", f"/schema/type/registered/{name}-a") == {"$id": REGISTERED + f"{name}-a"}


def test_delete_a_version_then_the_last_one_deletes_the_schema(alice: Api, bob: Api) -> None:
    org = new_org(alice)
    name = org["name"]
    registered(alice, {"$id": f"{name}-s-1.0.0"})
    registered(alice, {"$id": f"{name}-s-2.0.0"})
    denied = bob.delete(f"/schema/type/registered/{name}-s-1.0.0")
    assert (denied.status_code, reason(denied)) == (
        403,
        f"You do not have DELETE permission for ORGANIZATION : {org['id']}",
    )
    assert alice.delete(f"/schema/type/registered/{name}-s-1.0.0").status_code == 204
    assert alice.ok("GET", f"/schema/type/registered/{name}-s")["$id"].endswith(f"{name}-s")
    assert alice.delete(f"/schema/type/registered/{name}-s-2.0.0").status_code == 204
    assert alice.ok("POST", "/schema/list", {"organizationName": name})["page"] == []
    gone = alice.delete(f"/schema/type/registered/{name}-s")
    assert (gone.status_code, reason(gone)) == (
        404,
        f"JSON Schema not found for organizationName: '{name}' and schemaName: 's'",
    )


# -- bindings and validation -------------------------------------------------------------------------------


def test_bind_is_inherited_and_unbind_removes_it(alice: Api, bob: Api, rest: SynapseSchemas) -> None:
    org, schema_id = product(alice)
    project = alice.project()
    folder = alice.folder(project)
    file = alice.file(folder)
    binding = conforms(
        rest,
        alice.put(
            f"/entity/{folder['id']}/schema/binding", {"entityId": folder["id"], "schema$id": schema_id}
        ),
        S + "JsonSchemaObjectBinding",
    )
    assert (
        binding["jsonSchemaVersionInfo"]["$id"] == schema_id and binding["enableDerivedAnnotations"] is False
    )
    inherited = conforms(
        rest, alice.get(f"/entity/{file['id']}/schema/binding"), S + "JsonSchemaObjectBinding"
    )
    assert inherited["objectId"] == int(folder["id"][3:])
    denied = bob.put(f"/entity/{folder['id']}/schema/binding", {"schema$id": schema_id})
    assert (denied.status_code, reason(denied)) == (
        403,
        f"You do not have UPDATE permission for the requested entity, {folder['id']}.",
    )
    bound = alice.delete(f"/schema/type/registered/{schema_id}")
    assert (bound.status_code, reason(bound)) == (
        400,
        "Cannot delete a schema version that is bound to an object",
    )
    assert alice.delete(f"/entity/{folder['id']}/schema/binding").status_code == 204
    for entity in (folder, file):
        gone = alice.get(f"/entity/{entity['id']}/schema/binding")
        assert (gone.status_code, reason(gone)) == (404, f"No JSON schema found for '{entity['id']}'")
    unknown = alice.put(f"/entity/{folder['id']}/schema/binding", {"schema$id": f"{org['name']}-nothing"})
    assert (unknown.status_code, reason(unknown)) == (
        404,
        f"JSON schema not found for organization name '{org['name']}' and schema name: 'nothing'",
    )


def test_validation_reports_each_violation_in_synapse_words(alice: Api, rest: SynapseSchemas) -> None:
    _, schema_id = product(alice)
    project = alice.project()
    alice.ok("PUT", f"/entity/{project['id']}/schema/binding", {"schema$id": schema_id})
    file = alice.file(project)
    annotate(
        alice, file, description=("LONG", ["1000"]), quantity=("STRING", ["many"]), size=("STRING", ["XL"])
    )
    result = conforms(rest, alice.get(f"/entity/{file['id']}/schema/validation"), S + "ValidationResults")
    assert (
        result["isValid"] is False and result["objectId"] == file["id"] and result["objectType"] == "entity"
    )
    assert result["schema$id"] == REGISTERED + schema_id
    assert result["validationErrorMessage"] == "3 schema violations found"
    assert sorted(result["allValidationMessages"]) == [
        "#/description: expected type: String, found: Long",
        "#/quantity: expected type: Integer, found: String",
        "#/size: XL is not a valid enum value",
    ]
    causes = result["validationException"]["causingExceptions"]
    assert {(c["pointerToViolation"], c["keyword"], c["schemaLocation"]) for c in causes} == {
        ("#/description", "type", "#/properties/description"),
        ("#/quantity", "type", "#/properties/quantity"),
        ("#/size", "enum", "#/properties/size"),
    }
    annotate(alice, file, quantity=("LONG", ["-1"]))
    one = alice.ok("GET", f"/entity/{file['id']}/schema/validation")
    assert one["allValidationMessages"] == ["#/quantity: -1 is not greater or equal to 0"]
    assert one["validationErrorMessage"] == "-1 is not greater or equal to 0"
    annotate(alice, file, quantity=("DOUBLE", ["3.0"]), tags=("STRING", ["one"]))
    double = alice.ok("GET", f"/entity/{file['id']}/schema/validation")
    assert double["allValidationMessages"] == [
        "#/quantity: expected type: Integer, found: DoubleJSONStringWrapper"
    ]
    annotate(alice, file, quantity=("LONG", ["3"]), tags=("STRING", ["one"]), size=("STRING", ["M"]))
    assert alice.ok("GET", f"/entity/{file['id']}/schema/validation")["isValid"] is True


def test_required_and_nested_violations(alice: Api) -> None:
    org = new_org(alice)
    schema_id = f"{org['name']}-strict"
    registered(
        alice,
        {
            "$id": schema_id,
            "required": ["species"],
            "properties": {
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "code": {"type": "string", "pattern": "^[A-Z]+$"},
            },
        },
    )
    folder = alice.folder(alice.project())
    alice.ok("PUT", f"/entity/{folder['id']}/schema/binding", {"schema$id": schema_id})
    annotate(alice, folder, age=("STRING", ["old"]), code=("STRING", ["ab1"]))
    result = alice.ok("GET", f"/entity/{folder['id']}/schema/validation")
    assert sorted(result["allValidationMessages"]) == [
        "#/age: expected type: Integer, found: String",
        "#/code: string [ab1] does not match pattern ^[A-Z]+$",
        "#: required key [species] not found",
    ]


def test_unbound_entity_has_no_results(alice: Api) -> None:
    folder = alice.folder(alice.project())
    missing = alice.get(f"/entity/{folder['id']}/schema/validation")
    assert (missing.status_code, reason(missing)) == (
        404,
        f"ValidationResults do not exist for objectId: '{folder['id']}' and objectType: 'entity'",
    )


def test_container_statistics_and_invalid_children(alice: Api, bob: Api, rest: SynapseSchemas) -> None:
    _, schema_id = product(alice)
    project = alice.project()
    folder = alice.folder(project)
    good, bad, worse = (alice.file(folder) for _ in range(3))
    annotate(alice, good, quantity=("LONG", ["4"]))
    annotate(alice, bad, quantity=("STRING", ["four"]))
    annotate(alice, worse, productId=("LONG", ["7"]))
    before = alice.ok("GET", f"/entity/{folder['id']}/schema/validation/statistics")
    assert (before["totalNumberOfChildren"], before["numberOfUnknownChildren"]) == (3, 3)
    alice.ok("PUT", f"/entity/{folder['id']}/schema/binding", {"schema$id": schema_id})
    stats = conforms(
        rest,
        alice.get(f"/entity/{folder['id']}/schema/validation/statistics"),
        S + "ValidationSummaryStatistics",
    )
    assert (
        stats["containerId"],
        stats["totalNumberOfChildren"],
        stats["numberOfValidChildren"],
        stats["numberOfInvalidChildren"],
        stats["numberOfUnknownChildren"],
    ) == (folder["id"], 3, 1, 2, 0)
    first = conforms(
        rest,
        alice.post(f"/entity/{folder['id']}/schema/validation/invalid", {"nextPageToken": "1a0"}),
        S + "ListValidationResultsResponse",
    )
    second = alice.ok(
        "POST", f"/entity/{folder['id']}/schema/validation/invalid", {"nextPageToken": first["nextPageToken"]}
    )
    assert [r["objectId"] for r in first["page"] + second["page"]] == [bad["id"], worse["id"]]
    assert "nextPageToken" not in second
    assert second["page"][0]["allValidationMessages"] == ["#/productId: "]
    denied = bob.get(f"/entity/{folder['id']}/schema/validation/statistics")
    assert denied.status_code == 403


def test_derived_annotations_fill_in_missing_keys(alice: Api, rest: SynapseSchemas) -> None:
    _, schema_id = product(alice)
    folder = alice.folder(alice.project())
    file = alice.file(folder)
    alice.ok(
        "PUT",
        f"/entity/{folder['id']}/schema/binding",
        {"schema$id": schema_id, "enableDerivedAnnotations": True},
    )
    annotate(alice, file, productName=("STRING", ["gadget"]))
    keys = conforms(
        rest,
        alice.get(f"/entity/{file['id']}/derivedKeys"),
        "org.sagebionetworks.repo.model.annotation.v2.Keys",
    )
    assert keys == {"keys": ["productId"]}
    with_derived = alice.ok("GET", f"/entity/{file['id']}/annotations2", includeDerived="true")["annotations"]
    assert with_derived == {
        "productName": {"type": "STRING", "value": ["gadget"]},
        "productId": {"type": "LONG", "value": ["123"]},
    }
    assert "productId" not in alice.ok("GET", f"/entity/{file['id']}/annotations2")["annotations"]
    assert alice.ok("GET", f"/entity/{folder['id']}/derivedKeys") == {"keys": ["productId", "productName"]}
    entity_json = alice.ok("GET", f"/entity/{folder['id']}/json", includeDerivedAnnotations="true")
    assert (entity_json["productId"], entity_json["productName"], entity_json["id"]) == (
        123,
        "widget",
        folder["id"],
    )
    annotate(alice, file, quantity=("STRING", ["lots"]))  # invalid: nothing is derived
    assert alice.ok("GET", f"/entity/{file['id']}/derivedKeys") == {"keys": []}


def test_a_multi_valued_annotation_is_an_array(alice: Api) -> None:
    _, schema_id = product(alice)
    file = alice.file(alice.folder(alice.project()))
    alice.ok("PUT", f"/entity/{file['id']}/schema/binding", {"schema$id": schema_id})
    annotate(alice, file, tags=("STRING", ["a"]), description=("STRING", ["x", "y"]))
    result = alice.ok("GET", f"/entity/{file['id']}/schema/validation")
    assert result["allValidationMessages"] == ["#/description: expected type: String, found: JSONArray"]
    assert alice.ok("GET", f"/entity/{file['id']}/json")["tags"] == ["a"]
