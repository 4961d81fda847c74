"""Column models (REFERENCE 2.6) and default view columns (2.7) on the embedded server."""

from __future__ import annotations

import pytest

from .conftest import Api, reason, unique
from .tables_util import PKG, columns, table


def test_post_column_is_idempotent_for_identical_definitions(alice: Api) -> None:
    name = unique("col").replace(" ", "_")
    first = alice.ok("POST", "/column", {"name": name, "columnType": "STRING"}, status=201)
    again = alice.ok("POST", "/column", {"name": name, "columnType": "STRING", "maximumSize": 50}, status=201)
    other = alice.ok("POST", "/column", {"name": name, "columnType": "STRING", "maximumSize": 60}, status=201)

    assert first["id"] == again["id"]
    assert other["id"] != first["id"]
    assert first["maximumSize"] == 50
    assert alice.ok("GET", f"/column/{first['id']}") == first


def test_column_batch_keeps_the_order(alice: Api) -> None:
    made = columns(
        alice, {"name": "zeta", "columnType": "INTEGER"}, {"name": "alpha", "columnType": "DOUBLE"}
    )

    assert [c["name"] for c in made] == ["zeta", "alpha"]
    assert [c["columnType"] for c in made] == ["INTEGER", "DOUBLE"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "s", "columnType": "TEXTY"}, "columnType"),
        ({"columnType": "STRING"}, "name"),
        ({"name": "e", "columnType": "ENTITYID", "defaultValue": "syn1"}, "defaultValue"),
        ({"name": "l", "columnType": "LARGETEXT", "defaultValue": "x"}, "defaultValue"),
        ({"name": "i", "columnType": "INTEGER", "defaultValue": "abc"}, "abc"),
        ({"name": "s", "columnType": "STRING", "enumValues": ["a", "b"], "defaultValue": "c"}, "enumValues"),
        ({"name": "l", "columnType": "STRING_LIST", "maximumListLength": 101}, "maximumListLength"),
        ({"name": "i", "columnType": "INTEGER", "maximumListLength": 3}, "maximumListLength"),
        ({"name": "ROW_ID", "columnType": "INTEGER"}, "reserved"),
    ],
)
def test_invalid_column_model_is_400_naming_the_problem(alice: Api, body: dict, fragment: str) -> None:
    response = alice.post("/column", body)

    assert response.status_code == 400
    assert fragment in reason(response)


def test_list_columns_by_prefix(alice: Api) -> None:
    prefix = unique("pfx").replace(" ", "")
    columns(
        alice, {"name": prefix + "_a", "columnType": "INTEGER"}, {"name": prefix + "_b", "columnType": "DATE"}
    )

    page = alice.ok("GET", "/column", prefix=prefix, limit=10)

    assert page["totalNumberOfResults"] == 2
    assert [c["name"] for c in page["results"]] == [prefix + "_a", prefix + "_b"]


def test_entity_columns_follow_column_ids(alice: Api) -> None:
    project = alice.project()
    made = columns(alice, {"name": "a", "columnType": "STRING"}, {"name": "b", "columnType": "BOOLEAN"})
    created = table(alice, project, made)

    listed = alice.ok("GET", f"/entity/{created['id']}/column")

    assert [c["id"] for c in listed["results"]] == [c["id"] for c in made]
    assert created["columnIds"] == [c["id"] for c in made]


def test_table_with_unknown_column_id_is_404(alice: Api) -> None:
    project = alice.project()
    body = {
        "concreteType": PKG + "TableEntity",
        "name": unique("t"),
        "parentId": project["id"],
        "columnIds": ["999999999"],
    }

    response = alice.post("/entity", body)

    # Synapse's ColumnModelManagerImpl.getAndValidateColumnModels: a NotFoundException
    assert (response.status_code, reason(response)) == (404, "Column does not exist for id: 999999999")


def test_unknown_and_repeated_columns_are_refused_in_synapse_words(alice: Api) -> None:
    project = alice.project()
    model = alice.ok("POST", "/column", {"name": unique("c"), "columnType": "INTEGER"}, status=201)
    twin = alice.ok("POST", "/column", {"name": model["name"], "columnType": "STRING"}, status=201)
    missing = alice.get("/column/999999999")
    assert (missing.status_code, reason(missing)) == (404, "Column model: '999999999' does not exist")
    base = {"concreteType": PKG + "TableEntity", "parentId": project["id"]}
    same_id = alice.post("/entity", base | {"name": unique("t"), "columnIds": [model["id"], model["id"]]})
    assert (same_id.status_code, reason(same_id)) == (400, f"Duplicate column: '{model['name']}'")
    same_name = alice.post("/entity", base | {"name": unique("t"), "columnIds": [model["id"], twin["id"]]})
    assert (same_name.status_code, reason(same_name)) == (400, f"Duplicate column name: '{model['name']}'")


def test_view_defaults_for_files_include_file_columns(alice: Api) -> None:
    files = alice.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=1)
    projects = alice.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=2)
    legacy = alice.ok("GET", "/column/tableview/defaults/file")

    names = [c["name"] for c in files["list"]]
    assert names[:9] == [
        "id",
        "name",
        "description",
        "createdOn",
        "createdBy",
        "etag",
        "modifiedOn",
        "modifiedBy",
        "path",
    ]
    assert "dataFileHandleId" in names and "currentVersion" in names
    assert [c["name"] for c in projects["list"]] == names[:9]
    assert [c["id"] for c in legacy["list"]] == [c["id"] for c in files["list"]]
    by_name = {c["name"]: c for c in files["list"]}
    assert by_name["id"]["columnType"] == "ENTITYID"
    assert by_name["dataFileKey"]["maximumSize"] == 700
    assert files["concreteType"] == PKG + "ColumnModel"


def test_entity_bundle_table_part_lists_the_schema(alice: Api) -> None:
    made = columns(alice, {"name": "a", "columnType": "STRING", "maximumSize": 1000})
    created = table(alice, alice.project(), made)

    bundle = alice.ok("POST", f"/entity/{created['id']}/bundle2", {"includeTableBundle": True})

    assert bundle["tableBundle"]["columnModels"] == made
    assert bundle["tableBundle"]["maxRowsPerPage"] > 0
