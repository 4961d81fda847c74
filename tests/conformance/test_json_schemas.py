"""The official ``synapseclient`` 4.14 against LocalSynapse: JSON schemas for annotations.

The peer registers a schema in an organization (``synapseclient.models``), binds it to a folder, stores
annotated files, and reads validation results, statistics, invalid children and derived keys; a schema
registered by this library is then used by the peer and vice versa.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.local import LocalSynapse

synapseclient = pytest.importorskip("synapseclient")
models = pytest.importorskip("synapseclient.models")

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

_counter = itertools.count(1)
SAMPLE = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "species": {"type": "string", "enum": ["human", "mouse"]},
        "age": {"type": "integer"},
        "lab": {"type": "string", "const": "north"},
    },
}


def _org_name() -> str:
    return f"peer.lab{next(_counter)}x"


def _files(syn: Any, folder: Any, tmp_path: Path, **annotations: dict[str, Any]) -> dict[str, Any]:
    stored = {}
    for name, notes in annotations.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(name)
        stored[name] = models.File(path=str(path), parent_id=folder.id, annotations=notes).store(
            synapse_client=syn
        )
    return stored


def test_peer_registers_binds_and_validates(syn: Any, tmp_path: Path) -> None:
    org = models.SchemaOrganization(_org_name())
    org.store(synapse_client=syn)
    schema = models.JSONSchema("sample", org.name)
    schema.store(schema_body=dict(SAMPLE), version="1.0.0", synapse_client=syn)
    uri = f"{org.name}-sample-1.0.0"
    assert [v.semantic_version for v in schema.get_versions(synapse_client=syn)] == ["1.0.0"]

    project = models.Project(name=f"schema project {next(_counter)}").store(synapse_client=syn)
    folder = models.Folder(name="samples", parent_id=project.id).store(synapse_client=syn)
    binding = folder.bind_schema(json_schema_uri=uri, enable_derived_annotations=True, synapse_client=syn)
    assert binding.json_schema_version_info.id == uri and binding.enable_derived_annotations is True
    files = _files(
        syn, folder, tmp_path, good={"species": "human", "age": 3}, bad={"species": "cat", "age": "x"}
    )

    assert files["good"].validate_schema(synapse_client=syn).is_valid is True
    invalid = files["bad"].validate_schema(synapse_client=syn)
    assert invalid.validation_response.is_valid is False
    assert sorted(invalid.all_validation_messages) == [
        "#/age: expected type: Integer, found: String",
        "#/species: cat is not a valid enum value",
    ]
    stats = folder.get_schema_validation_statistics(synapse_client=syn)
    assert (stats.number_of_valid_children, stats.number_of_invalid_children) == (1, 1)
    listed = list(folder.get_invalid_validation(synapse_client=syn))
    assert [item.validation_response.object_id for item in listed] == [files["bad"].id]
    assert {c.pointer_to_violation for c in listed[0].validation_exception.causing_exceptions} == {
        "#/age",
        "#/species",
    }
    assert asyncio.run(files["good"].get_schema_derived_keys_async(synapse_client=syn)).keys == ["lab"]

    folder.unbind_schema(synapse_client=syn)
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError, match="No JSON schema found"):
        files["good"].get_schema(synapse_client=syn)
    schema.delete(version="1.0.0", synapse_client=syn)
    org.delete(synapse_client=syn)


def test_a_schema_registered_here_is_used_by_the_peer_and_back(
    server: LocalSynapse, syn: Any, tmp_path: Path
) -> None:
    ours = sm.connect(
        server.create_user(f"schemas{next(_counter)}"), endpoint=server.endpoint, name="schemas"
    )
    lab = sm.SchemaOrganization(name=_org_name()).store(connection=ours)
    lab.grant(int(syn.getUserProfile()["ownerId"]), ["CREATE"], connection=ours)
    mine = sm.JSONSchema(organization=lab.name, name="mine", version="1.0.0", body=dict(SAMPLE)).store(
        connection=ours
    )

    # the peer reads our schema and registers one of its own in our organization
    peer_body = models.JSONSchema("mine", lab.name).get_body(version="1.0.0", synapse_client=syn)
    assert peer_body["properties"] == SAMPLE["properties"]
    models.JSONSchema("theirs", lab.name).store(
        schema_body={"type": "object"}, version="0.0.1", synapse_client=syn
    )
    assert sorted(s.name for s in lab.schemas(connection=ours)) == ["mine", "theirs"]

    # the peer binds our schema; this library sees the binding and the result
    project = models.Project(name=f"shared schema {next(_counter)}").store(synapse_client=syn)
    project.bind_schema(json_schema_uri=mine.uri, synapse_client=syn)
    stored = _files(syn, project, tmp_path, sample={"species": "mouse", "age": "old"})["sample"]
    result = sm.File.get(stored.id, connection=syn_connection(server, syn)).validate()
    assert result.messages == ["#/age: expected type: Integer, found: String"]


def syn_connection(server: LocalSynapse, syn: Any) -> sm.Connection:
    """This library connected as the peer's user (reads what the peer may read)."""
    return sm.connect(syn.credentials.secret, endpoint=server.endpoint, name=f"peer{next(_counter)}")
