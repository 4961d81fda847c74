"""JSON schemas end to end: organizations, registering versions, binding, validating, derived annotations."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import synapse_models as sm

_names = itertools.count(1)

SAMPLE = {
    "type": "object",
    "properties": {
        "species": {"enum": ["human", "mouse"]},
        "age": {"type": "integer", "minimum": 0},
        "assay": {"type": "string", "default": "rnaseq"},
    },
    "required": ["species"],
}


@pytest.fixture
def lab(alice: sm.Connection) -> sm.SchemaOrganization:
    return sm.SchemaOrganization(name=f"live.lab{next(_names)}x").store()


def _file(folder: sm.Folder, tmp_path: Path, name: str, **annotations: object) -> sm.File:
    path = tmp_path / name
    path.write_text(name)
    return sm.File(path=str(path), parent=folder, annotations=annotations).store()


def test_organization_store_get_list_share_and_delete(
    lab: sm.SchemaOrganization, alice: sm.Connection, bob: sm.Connection
) -> None:
    assert lab.id is not None and lab.created_on is not None
    assert sm.SchemaOrganization.get(lab.name).id == lab.id
    assert lab.name in [org.name for org in sm.SchemaOrganization.list()]
    again = sm.SchemaOrganization(name=lab.name).store()  # an existing name is loaded, not an error
    assert again.id == lab.id
    bob_id = int(sm.me(connection=bob).owner_id)
    acl = lab.grant(bob_id, ["CREATE"])
    assert acl[bob_id] == {sm.AccessType.CREATE}
    shared = sm.JSONSchema(organization=lab.name, name="shared", body={"type": "object"}).store(
        connection=bob
    )
    assert shared.info is not None and shared.info.organization_name == lab.name
    with pytest.raises(sm.BadRequestError, match="must be deleted before the organization"):
        lab.delete()
    with pytest.raises(sm.ForbiddenError, match="DELETE permission for ORGANIZATION"):
        shared.delete()  # bob stored it, but only alice may delete in her organization
    shared.delete(connection=alice)
    lab.delete()
    with pytest.raises(sm.NotFoundError, match="not found"):
        sm.SchemaOrganization.get(lab.name)


def test_schema_versions_store_get_and_delete(lab: sm.SchemaOrganization) -> None:
    first = sm.JSONSchema(organization=lab.name, name="sample", version="1.0.0", body=SAMPLE).store()
    assert first.uri == f"{lab.name}-sample-1.0.0" and first.info is not None
    assert first.info.semantic_version == "1.0.0" and first.info.json_sha256_hex
    again = sm.JSONSchema(organization=lab.name, name="sample", version="1.0.0", body=SAMPLE).store()
    assert again.info is not None and again.info.version_id == first.info.version_id
    with pytest.raises(sm.BadRequestError, match="already exists for this JSON schema"):
        sm.JSONSchema(organization=lab.name, name="sample", version="1.0.0", body={"type": "string"}).store()
    sm.JSONSchema(
        organization=lab.name, name="sample", version="2.0.0", body={**SAMPLE, "title": "v2"}
    ).store()
    assert sm.JSONSchema.get(f"{lab.name}-sample").body["title"] == "v2"
    assert sm.JSONSchema.get(f"{lab.name}-sample-1.0.0").body == SAMPLE
    versions = [v.semantic_version for v in first.versions()]
    assert versions == ["1.0.0", "2.0.0"]
    assert [s.name for s in lab.schemas()] == ["sample"]
    # lazy listings, shown in a notebook as a table of their first page
    assert repr(sm.SchemaOrganization.list()) == "<Listing of schema organizations: not fetched yet>"
    assert f"schemas of {lab.name}</b>: 1 in all" in lab.schemas()._repr_html_()
    assert "1.0.0" in first.versions()._repr_html_() and "2.0.0" in first.versions()._repr_html_()
    first.delete()
    assert [v.semantic_version for v in first.versions()] == ["2.0.0"]
    sm.JSONSchema(organization=lab.name, name="sample").delete()
    assert list(lab.schemas()) == []


def test_bad_names_are_refused_before_any_request() -> None:
    with pytest.raises(sm.ValidationError, match="organization"):
        sm.JSONSchema(organization="my-lab", name="x")
    with pytest.raises(sm.ValidationError, match="version"):
        sm.JSONSchema(organization="my.lab", name="x", version="1.0")
    with pytest.raises(sm.ValidationError, match="uri"):
        sm.JSONSchema.from_uri("nodash")
    with pytest.raises(sm.ValidationError, match="6 to 250"):
        sm.SchemaOrganization(name="short")


def test_references_resolve_into_the_validation_schema(lab: sm.SchemaOrganization) -> None:
    unit = sm.JSONSchema(
        organization=lab.name, name="unit", version="1.0.0", body={"enum": ["mg", "g"]}
    ).store()
    dose = sm.JSONSchema(
        organization=lab.name,
        name="dose",
        version="1.0.0",
        body={"properties": {"unit": {"$ref": unit.uri}}},
    ).store()
    full = dose.validation_schema()
    assert full["properties"]["unit"] == {"$ref": f"#/definitions/{unit.uri}"}
    assert full["definitions"][unit.uri] == {"enum": ["mg", "g"]}


def test_bind_validate_and_list_invalid_children(
    lab: sm.SchemaOrganization, project: sm.Project, tmp_path: Path
) -> None:
    schema = sm.JSONSchema(organization=lab.name, name="sample", version="1.0.0", body=SAMPLE).store()
    folder = sm.Folder(name="samples", parent=project).store()
    binding = folder.bind_schema(schema, derived_annotations=True)
    assert binding.uri == schema.uri and binding.entity_id == folder.id and binding.enable_derived_annotations
    good = _file(folder, tmp_path, "good.txt", species="human", age=30)
    bad = _file(folder, tmp_path, "bad.txt", species="cat", age="old")
    inherited = good.schema_binding()
    assert inherited is not None and inherited.entity_id == folder.id

    assert good.validate().is_valid
    result = bad.validate()
    assert not result.is_valid and result.object_id == bad.id
    assert sorted(result.messages) == [
        "#/age: expected type: Integer, found: String",
        "#/species: cat is not a valid enum value",
    ]
    assert sorted((v.pointer, v.keyword) for v in result.violations) == [
        ("#/age", "type"),
        ("#/species", "enum"),
    ]

    stats = folder.validation_statistics()
    assert (
        stats.total_number_of_children,
        stats.number_of_valid_children,
        stats.number_of_invalid_children,
    ) == (
        2,
        1,
        1,
    )
    shown = folder.invalid_children()._repr_html_()
    assert "that do not conform</b>: 1 in all" in shown and str(bad.id) in shown
    frame = folder.invalid_entities()
    assert list(frame["id"]) == [bad.id]
    assert frame.loc[0, "message"] == "2 schema violations found"

    assert good.derived_annotations() == {"assay": ["rnaseq"]}
    bad.annotations["species"] = "mouse"
    bad.annotations["age"] = 2
    bad.store()
    assert bad.validate().is_valid and folder.invalid_entities().empty

    folder.unbind_schema()
    assert good.schema_binding() is None
    with pytest.raises(sm.NotFoundError, match="ValidationResults do not exist"):
        good.validate()
    schema.delete()
