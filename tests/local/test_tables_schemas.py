"""Responses of the tables and views area validate against the official (strict) Synapse JSON schemas.

The one accepted deviation: a null cell travels as JSON ``null`` inside ``Row.values`` (REFERENCE 3.5,
``values [str|null]``), which the schema's ``string`` item type does not express.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, unique
from .files_util import upload
from .synapse_schema import SCHEMA_DIR, SynapseSchemas
from .tables_util import PKG, columns, job_ok, partial, query_ok, row_set, table, transaction_ok, upload_csv

if not SCHEMA_DIR.is_dir():
    pytest.skip(f"Synapse schema directory {SCHEMA_DIR} is absent", allow_module_level=True)


@pytest.fixture(scope="module")
def schemas() -> SynapseSchemas:
    return SynapseSchemas()


@pytest.fixture(scope="module")
def answers(alice: Api) -> dict[str, Any]:
    """One answer of every response type the area produces."""
    project = alice.project()
    cols = columns(alice, {"name": "s", "columnType": "STRING"}, {"name": "n", "columnType": "INTEGER"})
    created = table(alice, project, cols)
    tid = created["id"]
    out: dict[str, Any] = {"column": cols[0], "table": alice.ok("GET", f"/entity/{tid}")}
    out["partial"] = transaction_ok(alice, tid, partial(tid, [{"values": {cols[0]["id"]: "a"}}]))
    out["rowset"] = transaction_ok(alice, tid, row_set(tid, cols, [{"values": ["b", "2"]}]))
    (extra,) = columns(alice, {"name": "x", "columnType": "DOUBLE"})
    schema_change = {
        "concreteType": PKG + "TableSchemaChangeRequest",
        "changes": [{"newColumnId": extra["id"]}],
    }
    out["schema"] = transaction_ok(alice, tid, schema_change, createSnapshot=True)
    loaded = upload_csv(alice, tid, "s,n\nc,3\n")
    assert loaded.status_code == 201, loaded.text
    out["upload"] = loaded.json()
    out["query"] = query_ok(alice, f"SELECT * FROM {tid}")
    out["aggregate"] = query_ok(alice, f"SELECT s, COUNT(*) FROM {tid} GROUP BY s")
    out["download"] = job_ok(
        alice,
        f"/entity/{tid}/table/download/csv",
        {"concreteType": PKG + "DownloadFromTableRequest", "sql": f"SELECT * FROM {tid}"},
    )
    out["delete"] = alice.ok(
        "POST", f"/entity/{tid}/table/deleteRows", {"tableId": tid, "rowIds": [1]}, status=201
    )
    out["snapshot"] = alice.ok("POST", f"/entity/{tid}/table/snapshot", {"snapshotComment": "c"}, status=201)
    out["columns"] = alice.ok("GET", f"/entity/{tid}/column")
    handle = upload(alice, b"a,b\n1,x\n", name="preview.csv")
    out["preview"] = job_ok(
        alice,
        "/table/upload/csv/preview",
        {"concreteType": PKG + "UploadToTablePreviewRequest", "uploadFileHandleId": handle["id"]},
    )
    out["defaults"] = alice.ok(
        "GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=1
    )
    folder = alice.folder(project)
    alice.file(folder)
    body = {
        "concreteType": PKG + "EntityView",
        "name": unique("view"),
        "parentId": project["id"],
        "scopeIds": [folder["id"]],
        "viewTypeMask": 1,
        "columnIds": [c["id"] for c in out["defaults"]["list"]],
    }
    view = alice.ok("POST", "/entity", body, status=201)
    out["view"] = view
    out["view_query"] = query_ok(alice, f"SELECT * FROM {view['id']}", includeEntityEtag=True)
    row = out["view_query"]["queryResult"]["queryResults"]["rows"][0]
    out["view_write"] = transaction_ok(
        alice, view["id"], partial(view["id"], [{"rowId": row["rowId"], "etag": row["etag"], "values": {}}])
    )
    return out


CASES = [
    ("column", PKG + "ColumnModel"),
    ("table", PKG + "TableEntity"),
    ("partial", PKG + "TableUpdateTransactionResponse"),
    ("rowset", PKG + "TableUpdateTransactionResponse"),
    ("schema", PKG + "TableUpdateTransactionResponse"),
    ("upload", PKG + "TableUpdateTransactionResponse"),
    ("query", PKG + "QueryResultBundle"),
    ("aggregate", PKG + "QueryResultBundle"),
    ("download", PKG + "DownloadFromTableResult"),
    ("delete", PKG + "RowReferenceSet"),
    ("snapshot", PKG + "SnapshotResponse"),
    ("preview", PKG + "UploadToTablePreviewResult"),
    ("columns", PKG + "PaginatedColumnModels"),
    ("view", PKG + "EntityView"),
    ("view_query", PKG + "QueryResultBundle"),
    ("view_write", PKG + "TableUpdateTransactionResponse"),
]


@pytest.mark.parametrize(("key", "type_name"), CASES)
def test_table_answer_matches_its_schema(
    schemas: SynapseSchemas, answers: dict[str, Any], key: str, type_name: str
) -> None:
    errors = schemas.errors(type_name, answers[key])

    assert [e for e in errors if not (e.endswith("None is not of type 'string'") and "/values/" in e)] == []


def test_default_columns_are_column_models(schemas: SynapseSchemas, answers: dict[str, Any]) -> None:
    for model in answers["defaults"]["list"]:
        assert schemas.errors(PKG + "ColumnModel", model) == []
