"""Datasets and dataset collections on the embedded server: items, computed size/count/checksum, default
columns, rows of the chosen versions, annotation writes, schema changes, snapshots and Synapse's refusals."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from .conftest import Api, reason, unique
from .files_util import upload
from .tables_util import PKG, columns, partial, query_ok, transaction, transaction_ok, values

DATASET = PKG + "Dataset"
COLLECTION = PKG + "DatasetCollection"
FILE_DEFAULTS = [
    "id", "name", "description", "createdOn", "createdBy", "etag", "modifiedOn", "modifiedBy", "path", "type",
    "currentVersion", "parentId", "benefactorId", "projectId", "dataFileHandleId", "dataFileName",
    "dataFileSizeBytes", "dataFileMD5Hex", "dataFileConcreteType", "dataFileBucket", "dataFileKey",
]  # fmt: skip


def ref(entity: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {"entityId": entity["id"], "versionNumber": version}


def defaults(api: Api, view_entity_type: str) -> list[dict[str, Any]]:
    return list(api.ok("GET", "/column/tableview/defaults", viewEntityType=view_entity_type)["list"])


def create(api: Api, parent: dict[str, Any], concrete: str, items: Any, **fields: Any) -> Any:
    body = {"concreteType": concrete, "name": unique("dataset"), "parentId": parent["id"], "items": items}
    return api.post("/entity", body | fields)


def dataset(
    api: Api, parent: dict[str, Any], items: list[dict[str, Any]], cols: Any = None
) -> dict[str, Any]:
    ids = [c["id"] for c in cols or defaults(api, "dataset")]
    response = create(api, parent, DATASET, items, columnIds=ids)
    assert response.status_code == 201, response.text
    return dict(response.json())


def content_file(api: Api, parent: dict[str, Any], data: bytes) -> dict[str, Any]:
    return dict(api.file(parent, handle_id=upload(api, data, name="data.txt")["id"]))


@pytest.fixture(scope="module")
def project(alice: Api) -> dict[str, Any]:
    return alice.project()


def test_default_columns_of_datasets_and_collections(alice: Api) -> None:
    assert [c["name"] for c in defaults(alice, "dataset")] == FILE_DEFAULTS
    names = [c["name"] for c in defaults(alice, "datasetcollection")]
    assert names == [*FILE_DEFAULTS[:9], "datasetSizeInBytes", "datasetMD5Hex", "datasetItemCount"]


def test_dataset_gets_size_count_and_checksum(alice: Api, project: dict[str, Any]) -> None:
    first, second = content_file(alice, project, b"one"), content_file(alice, project, b"second")
    created = dataset(alice, project, [ref(second), ref(first)])
    expected = hashlib.md5(
        "".join(sorted([hashlib.md5(b"one").hexdigest(), hashlib.md5(b"second").hexdigest()])).encode()
    )
    assert (created["size"], created["count"], created["checksum"]) == (9, 2, expected.hexdigest())
    assert created["items"] == [ref(second), ref(first)]
    stored = alice.ok("GET", f"/entity/{created['id']}")
    emptied = alice.ok("PUT", f"/entity/{created['id']}", stored | {"items": []})
    assert (emptied["size"], emptied["count"], emptied["items"]) == (0, 0, [])
    assert "checksum" not in emptied


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([{"versionNumber": 1}], "Each dataset item must have a non-null entity ID."),
        ([{"entityId": "syn1"}], "Each dataset item must have a non-null version number"),
    ],
)
def test_dataset_item_refusals(alice: Api, project: dict[str, Any], items: Any, expected: str) -> None:
    response = create(alice, project, DATASET, items)
    assert (response.status_code, reason(response)) == (400, expected)


def test_dataset_items_are_unique_files(alice: Api, project: dict[str, Any]) -> None:
    file = alice.file(project)
    twice = create(alice, project, DATASET, [ref(file), ref(file, 2)])
    assert reason(twice) == f"Each dataset item must have a unique entity ID.  Duplicate: {file['id']}"
    folder = alice.folder(project)
    response = create(alice, project, DATASET, [ref(folder)])
    assert (response.status_code, reason(response)) == (
        400,
        f"Currently, only files can be included in a dataset. {folder['id']} is "
        "'org.sagebionetworks.repo.model.Folder'",
    )
    refused = create(alice, project, COLLECTION, [ref(file)])
    assert reason(refused) == (
        f"Only dataset entities can be included in a dataset collection. {file['id']} is "
        "'org.sagebionetworks.repo.model.FileEntity'"
    )


def test_rows_show_the_chosen_versions(alice: Api, project: dict[str, Any]) -> None:
    file = alice.file(project)
    alice.ok("PUT", f"/entity/{file['id']}/annotations2", {"id": file["id"], "etag": file["etag"],
             "annotations": {"stage": {"type": "STRING", "value": ["raw"]}}})  # fmt: skip
    current = alice.ok("GET", f"/entity/{file['id']}")
    alice.ok(
        "PUT", f"/entity/{file['id']}", current | {"dataFileHandleId": alice.handle()}, newVersion="true"
    )
    (stage,) = columns(alice, {"name": "stage", "columnType": "STRING"})
    created = dataset(alice, project, [ref(file, 1)], [*defaults(alice, "dataset"), stage])
    bundle = query_ok(alice, f"SELECT id, currentVersion, stage FROM {created['id']}")
    assert values(bundle) == [[file["id"], "1", "raw"]]
    (row,) = bundle["queryResult"]["queryResults"]["rows"]
    assert (row["rowId"], row["versionNumber"]) == (int(file["id"][3:]), 1)


def test_row_writes_change_the_item_annotations(alice: Api, project: dict[str, Any]) -> None:
    file = alice.file(project)
    (note,) = columns(alice, {"name": "note", "columnType": "STRING"})
    created = dataset(alice, project, [ref(file)], [note])
    change = partial(created["id"], [{"rowId": int(file["id"][3:]), "values": {note["id"]: "checked"}}])
    result = transaction_ok(alice, created["id"], change)
    assert result["results"][0]["updateResults"] == [{"entityId": file["id"]}]
    annotations = alice.ok("GET", f"/entity/{file['id']}/annotations2")["annotations"]
    assert annotations["note"] == {"type": "STRING", "value": ["checked"]}
    assert values(query_ok(alice, f"SELECT note FROM {created['id']}")) == [["checked"]]


def test_schema_changes_and_snapshots(alice: Api, project: dict[str, Any]) -> None:
    first, second = alice.file(project), alice.file(project)
    empty = dataset(alice, project, [])
    refused = transaction(alice, empty["id"], createSnapshot=True)
    assert (refused.status_code, reason(refused)) == (
        400,
        "You cannot create a version of an empty Dataset. Add files to this Dataset before creating a "
        "version.",
    )
    created = dataset(alice, project, [ref(first)])
    (extra,) = columns(alice, {"name": "extra", "columnType": "INTEGER"})
    change = {"concreteType": PKG + "TableSchemaChangeRequest", "changes": [{"newColumnId": extra["id"]}]}
    answer = transaction_ok(alice, created["id"], change)
    assert answer["results"][0]["schema"][-1]["name"] == "extra"
    snapshot = transaction_ok(alice, created["id"], createSnapshot=True)
    assert snapshot["snapshotVersionNumber"] == 1
    current = alice.ok("GET", f"/entity/{created['id']}")
    alice.ok("PUT", f"/entity/{created['id']}", current | {"items": [ref(first), ref(second)]})
    assert alice.ok("GET", f"/entity/{created['id']}/version/1")["items"] == [ref(first)]
    assert len(values(query_ok(alice, f"SELECT id FROM {created['id']}.1"))) == 1
    assert len(values(query_ok(alice, f"SELECT id FROM {created['id']}"))) == 2


def test_collection_rows_are_dataset_versions(alice: Api, project: dict[str, Any]) -> None:
    content = content_file(alice, project, b"abc")
    inner = dataset(alice, project, [ref(content)])
    names = defaults(alice, "datasetcollection")
    response = create(alice, project, COLLECTION, [ref(inner)], columnIds=[c["id"] for c in names])
    assert response.status_code == 201, response.text
    collection = response.json()
    assert "checksum" not in collection and "size" not in collection
    sql = f"SELECT id, datasetSizeInBytes, datasetMD5Hex, datasetItemCount FROM {collection['id']}"
    assert values(query_ok(alice, sql)) == [[inner["id"], "3", inner["checksum"], "1"]]
    empty = create(alice, project, COLLECTION, [])
    refused = transaction(alice, empty.json()["id"], createSnapshot=True)
    assert reason(refused) == (
        "You cannot create a version of an empty Dataset Collection. Add Datasets to this Dataset Collection "
        "before creating a version."
    )


def test_rows_of_unreadable_items_are_left_out(alice: Api, bob: Api, project: dict[str, Any]) -> None:
    bob_id = int(bob.ok("GET", "/userProfile")["ownerId"])
    alice_id = int(alice.ok("GET", "/userProfile")["ownerId"])
    shared = alice.folder(project)
    alice.ok("POST", f"/entity/{shared['id']}/acl", {"resourceAccess": [
        {"principalId": alice_id, "accessType": ["READ", "CREATE", "UPDATE", "DELETE", "CHANGE_PERMISSIONS"]},
        {"principalId": bob_id, "accessType": ["READ"]}]})  # fmt: skip
    visible, hidden = alice.file(shared), alice.file(project)
    created = dataset(alice, shared, [ref(visible), ref(hidden)])
    assert values(query_ok(bob, f"SELECT id FROM {created['id']}")) == [[visible["id"]]]
    assert len(values(query_ok(alice, f"SELECT id FROM {created['id']}"))) == 2
