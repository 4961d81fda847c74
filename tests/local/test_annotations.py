"""Annotations v2: round trips, etag sharing with the entity, and every validation rule."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, reason


def _put(api: Api, entity: dict[str, Any], annotations: dict[str, Any], etag: str | None = None) -> Any:
    body = {"id": entity["id"], "etag": etag or entity["etag"], "annotations": annotations}
    return api.put(f"/entity/{entity['id']}/annotations2", body)


def test_get_annotations_of_new_entity_is_empty_map(alice: Api) -> None:
    project = alice.project()
    body = alice.ok("GET", f"/entity/{project['id']}/annotations2")
    assert body == {"id": project["id"], "etag": project["etag"], "annotations": {}}


def test_put_annotations_round_trips_all_types_and_changes_etag(alice: Api) -> None:
    project = alice.project()
    annotations = {
        "species": {"type": "STRING", "value": ["Homo sapiens"]},
        "age": {"type": "LONG", "value": ["42", "-7"]},
        "scores": {"type": "DOUBLE", "value": ["0.5", "1e-3", "NaN", "-Infinity", "inf"]},
        "collected": {"type": "TIMESTAMP_MS", "value": ["1700000000000"]},
        "isControl": {"type": "BOOLEAN", "value": ["true", "FALSE"]},
        "empty": {"type": "STRING", "value": []},
    }
    response = _put(alice, project, annotations)
    assert response.status_code == 200
    saved = response.json()
    assert saved["annotations"] == annotations
    assert saved["etag"] != project["etag"]
    entity = alice.ok("GET", f"/entity/{project['id']}")
    assert entity["etag"] == saved["etag"]
    assert alice.ok("GET", f"/entity/{project['id']}/annotations2") == saved


def test_put_annotations_replaces_whole_key_set(alice: Api) -> None:
    project = alice.project()
    first = _put(alice, project, {"a": {"type": "STRING", "value": ["1"]}}).json()
    second = _put(alice, project, {"b": {"type": "STRING", "value": ["2"]}}, etag=first["etag"]).json()
    assert list(second["annotations"]) == ["b"]


def test_put_annotations_stale_etag_returns_412(alice: Api) -> None:
    project = alice.project()
    alice.ok("PUT", f"/entity/{project['id']}", project | {"description": "changed"})
    assert _put(alice, project, {}).status_code == 412


def test_put_entity_with_annotation_etag_succeeds(alice: Api) -> None:
    project = alice.project()
    etag = _put(alice, project, {"k": {"type": "STRING", "value": ["v"]}}).json()["etag"]
    assert alice.put(f"/entity/{project['id']}", project).status_code == 412
    updated = alice.ok("PUT", f"/entity/{project['id']}", project | {"etag": etag, "description": "d"})
    assert updated["description"] == "d"


def test_put_annotations_by_other_user_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert _put(bob, project, {}).status_code == 403


def test_get_version_annotations_keep_old_values(alice: Api) -> None:
    project = alice.project()
    file = alice.file(project)
    etag = _put(alice, file, {"v": {"type": "LONG", "value": ["1"]}}).json()["etag"]
    file = alice.ok("PUT", f"/entity/{file['id']}", file | {"etag": etag}, newVersion="true")
    _put(alice, file, {"v": {"type": "LONG", "value": ["2"]}})
    old = alice.ok("GET", f"/entity/{file['id']}/version/1/annotations2")
    assert old["annotations"]["v"]["value"] == ["1"]
    assert alice.ok("GET", f"/entity/{file['id']}/annotations2")["annotations"]["v"]["value"] == ["2"]


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        (
            {"bad key!": {"type": "STRING", "value": ["x"]}},
            "Invalid annotation name: 'bad key!'."
            " Annotation names may only contain; letters, numbers, '_' and '.'",
        ),
        (
            {"_accessRequirementIds": {"type": "STRING", "value": ["x"]}},
            "Invalid annotation name: '_accessRequirementIds'."
            " The annotation name is a system reserved annotation.",
        ),
        (
            {"k": {"type": "INTEGER", "value": ["1"]}},
            "Annotation 'k': type must be one of STRING, DOUBLE, LONG, TIMESTAMP_MS, BOOLEAN, got 'INTEGER'",
        ),
        ({"k": {"value": ["1"]}}, "a value or a value type must be set for values associated with key=k"),
        ({"k": {"type": "STRING", "value": None}}, "value list for key=k can not be null"),
        ({"k": {"type": "STRING"}}, "value list for key=k can not be null"),
        (
            {"k": {"type": "STRING", "value": ["a", None]}},
            "null is not allowed. To indicate no values, use an empty list.",
        ),
        (
            {"k": {"type": "STRING", "value": [{"a": 1}]}},
            "Annotation 'k': every value must be a string, number or boolean, got {'a': 1}",
        ),
        (
            {"k": {"type": "LONG", "value": ["1.5"]}},
            "Value associated with key=k is not valid for type=LONG: 1.5",
        ),
        (
            {"k": {"type": "LONG", "value": ["9223372036854775808"]}},
            "Value associated with key=k is not valid for type=LONG: 9223372036854775808",
        ),
        (
            {"k": {"type": "TIMESTAMP_MS", "value": ["yesterday"]}},
            "Value associated with key=k is not valid for type=TIMESTAMP_MS: yesterday",
        ),
        (
            {"k": {"type": "DOUBLE", "value": ["abc"]}},
            "Value associated with key=k is not valid for type=DOUBLE: abc",
        ),
        (
            {"k": {"type": "BOOLEAN", "value": ["yes"]}},
            "Value associated with key=k is not valid for type=BOOLEAN: yes",
        ),
        (
            {"k": {"type": "STRING", "value": ["x" * 501]}},
            "Total String value too long. Can be at most 500 characters.",
        ),
        (
            {"k": {"type": "STRING", "value": ["x" * 300, "y" * 201]}},
            "Total String value too long. Can be at most 500 characters.",
        ),
        (
            {"k": {"type": "STRING", "value": ["x"] * 101}},
            "key=k has exceeded the maximum number of values allowed: 100",
        ),
        (
            {f"k{i}": {"type": "STRING", "value": ["x"]} for i in range(101)},
            "Exceeded maximum number of annotation keys: 100",
        ),
        ({"k": "just a string"}, "Annotation 'k': the value must be an object with 'type' and 'value'"),
    ],
)
def test_put_invalid_annotations_returns_400_in_synapse_words(
    alice: Api, annotations: dict[str, Any], expected: str
) -> None:
    """Synapse's texts (AnnotationsV2Utils and its value validators) where Synapse has one."""
    project = alice.project()
    response = _put(alice, project, annotations)
    assert response.status_code == 400
    assert reason(response) == expected


def test_put_numeric_and_boolean_annotation_values_are_stored_as_strings(alice: Api) -> None:
    """Synapse takes JSON numbers and booleans where the schema says string (the official client sends
    numbers for LONG and DOUBLE) and returns their text."""
    project = alice.project()
    annotations = {
        "score": {"type": "DOUBLE", "value": [85.5, 1]},
        "count": {"type": "LONG", "value": [42]},
        "done": {"type": "BOOLEAN", "value": [True]},
    }
    assert _put(alice, project, annotations).status_code == 200
    stored = alice.ok("GET", f"/entity/{project['id']}/annotations2")["annotations"]
    assert stored == {
        "score": {"type": "DOUBLE", "value": ["85.5", "1"]},
        "count": {"type": "LONG", "value": ["42"]},
        "done": {"type": "BOOLEAN", "value": ["true"]},
    }


def test_put_annotations_at_the_limits_succeeds(alice: Api) -> None:
    project = alice.project()
    annotations = {f"k{i}": {"type": "STRING", "value": ["x"]} for i in range(100)}
    annotations["k0"] = {"type": "STRING", "value": ["x" * 5] * 100}
    annotations["long"] = {"type": "LONG", "value": ["9223372036854775807", "-9223372036854775808"]}
    del annotations["k1"]
    assert _put(alice, project, annotations).status_code == 200
