"""Table rows on the embedded server: encodings, row sets, versions, deletes, schema changes, snapshots."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, reason
from .tables_util import (
    PKG,
    columns,
    job,
    partial,
    query,
    query_ok,
    row_set,
    table,
    transaction,
    transaction_ok,
    values,
)

ROUND_TRIPS = [
    ("STRING", 'héllo, "world"', 'héllo, "world"'),
    ("INTEGER", "-9007199254740993", "-9007199254740993"),
    ("DOUBLE", "1.25", "1.25"),
    ("DOUBLE", "NaN", "NaN"),
    ("DOUBLE", "-Infinity", "-Infinity"),
    ("BOOLEAN", "TRUE", "true"),
    ("DATE", "-86400000", "-86400000"),
    ("DATE", "1969-12-31T00:00:00.000Z", "-86400000"),
    ("ENTITYID", "syn42", "syn42"),
    ("SUBMISSIONID", "7", "7"),
    ("EVALUATIONID", "8", "8"),
    ("USERID", "3350001", "3350001"),
    ("LINK", "https://example.org/x", "https://example.org/x"),
    ("MEDIUMTEXT", "m" * 1500, "m" * 1500),
    ("LARGETEXT", "l" * 5000, "l" * 5000),
    ("JSON", '{"a": [1, 2]}', '{"a":[1,2]}'),
    ("STRING_LIST", '["a", "b"]', '["a","b"]'),
    ("STRING_LIST", "['a', 'b c']", '["a","b c"]'),
    ("STRING_LIST", "[a, b]", '["a","b"]'),
    ("INTEGER_LIST", "[1, -2]", "[1,-2]"),
    ("BOOLEAN_LIST", '[true, "false"]', "[true,false]"),
    ("DATE_LIST", '[-1000, "1970-01-01T00:00:01Z"]', "[-1000,1000]"),
    ("ENTITYID_LIST", '["syn1", "2"]', '["syn1","syn2"]'),
    ("USERID_LIST", "[1, 2]", "[1,2]"),
]


@pytest.mark.parametrize(("column_type", "sent", "expected"), ROUND_TRIPS)
def test_cell_round_trips_with_its_encoding(alice: Api, column_type: str, sent: str, expected: str) -> None:
    project = alice.project()
    (col,) = columns(alice, {"name": "v", "columnType": column_type})
    created = table(alice, project, [col])
    transaction_ok(
        alice, created["id"], partial(created["id"], [{"values": {col["id"]: sent}}, {"values": {}}])
    )

    bundle = query_ok(alice, f"SELECT v FROM {created['id']} ORDER BY ROW_ID")

    assert values(bundle) == [[expected], [None]]
    assert bundle["selectColumns"] == [{"name": "v", "columnType": column_type, "id": col["id"]}]


@pytest.mark.parametrize(
    ("column", "sent"),
    [
        ({"name": "v", "columnType": "INTEGER"}, "1.5"),
        ({"name": "v", "columnType": "BOOLEAN"}, "yes"),
        ({"name": "v", "columnType": "STRING", "maximumSize": 3}, "toolong"),
        ({"name": "v", "columnType": "STRING", "enumValues": ["a"]}, "b"),
        ({"name": "v", "columnType": "STRING_LIST", "maximumListLength": 1}, '["a","b"]'),
        ({"name": "v", "columnType": "ENTITYID"}, "abc"),
    ],
)
def test_invalid_cell_fails_the_transaction_naming_column_and_value(
    alice: Api, column: dict, sent: str
) -> None:
    project = alice.project()
    (col,) = columns(alice, column)
    created = table(alice, project, [col])

    response = transaction(alice, created["id"], partial(created["id"], [{"values": {col["id"]: sent}}]))

    assert response.status_code == 400
    assert "'v'" in reason(response) and sent in reason(response)
    assert values(query_ok(alice, f"SELECT * FROM {created['id']}")) == []


def _two_column_table(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    cols = columns(
        api,
        {"name": "name", "columnType": "STRING"},
        {"name": "n", "columnType": "INTEGER", "defaultValue": "0"},
    )
    return table(api, api.project(), cols), cols


def test_partial_rows_insert_update_and_delete(alice: Api) -> None:
    created, (name, n) = _two_column_table(alice)
    tid = created["id"]
    first = transaction_ok(
        alice, tid, partial(tid, [{"values": {name["id"]: "a"}}, {"values": {name["id"]: "b", n["id"]: "2"}}])
    )
    refs = first["results"][0]["rowReferenceSet"]["rows"]
    assert refs == [{"rowId": 1, "versionNumber": 1}, {"rowId": 2, "versionNumber": 1}]

    second = transaction_ok(
        alice, tid, partial(tid, [{"rowId": 1, "values": {n["id"]: "5"}}, {"rowId": 2, "values": None}])
    )

    assert second["results"][0]["rowReferenceSet"]["rows"][0] == {"rowId": 1, "versionNumber": 2}
    bundle = query_ok(alice, f"SELECT name, n FROM {tid}")
    assert values(bundle) == [["a", "5"]]
    row = bundle["queryResult"]["queryResults"]["rows"][0]
    assert (row["rowId"], row["versionNumber"]) == (1, 2)


def test_partial_update_of_unknown_row_is_400(alice: Api) -> None:
    created, (name, _) = _two_column_table(alice)

    response = transaction(
        alice, created["id"], partial(created["id"], [{"rowId": 77, "values": {name["id"]: "x"}}])
    )

    assert response.status_code == 400
    assert "77" in reason(response)


def test_full_row_set_update_needs_current_version_else_412(alice: Api) -> None:
    created, cols = _two_column_table(alice)
    tid = created["id"]
    transaction_ok(alice, tid, row_set(tid, cols, [{"values": ["a", "1"]}]))
    transaction_ok(alice, tid, row_set(tid, cols, [{"rowId": 1, "versionNumber": 1, "values": ["b", "2"]}]))

    stale = transaction(
        alice, tid, row_set(tid, cols, [{"rowId": 1, "versionNumber": 1, "values": ["c", "3"]}])
    )
    missing = transaction(alice, tid, row_set(tid, cols, [{"rowId": 1, "values": ["c", "3"]}]))

    assert stale.status_code == 412
    assert missing.status_code == 400 and "versionNumber" in reason(missing)
    assert values(query_ok(alice, f"SELECT name, n FROM {tid}")) == [["b", "2"]]


def test_delete_rows_and_ids_are_not_reused(alice: Api) -> None:
    created, (name, _) = _two_column_table(alice)
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {name["id"]: v}} for v in "abc"]))

    deleted = alice.ok(
        "POST", f"/entity/{tid}/table/deleteRows", {"tableId": tid, "rowIds": [2, 3]}, status=201
    )
    transaction_ok(alice, tid, partial(tid, [{"values": {name["id"]: "d"}}]))

    assert [r["rowId"] for r in deleted["rows"]] == [2, 3]
    rows = query_ok(alice, f"SELECT name FROM {tid} ORDER BY ROW_ID")["queryResult"]["queryResults"]["rows"]
    assert [(r["rowId"], r["values"]) for r in rows] == [(1, ["a"]), (4, ["d"])]


def test_default_value_fills_missing_cells(alice: Api) -> None:
    created, (name, _) = _two_column_table(alice)
    transaction_ok(alice, created["id"], partial(created["id"], [{"values": {name["id"]: "a"}}]))

    assert values(query_ok(alice, f"SELECT n FROM {created['id']}")) == [["0"]]


def test_schema_change_with_data_adds_retypes_removes_and_reorders(alice: Api) -> None:
    project = alice.project()
    text, number = columns(
        alice, {"name": "code", "columnType": "STRING"}, {"name": "x", "columnType": "DOUBLE"}
    )
    created = table(alice, project, [text, number])
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {text["id"]: "12", number["id"]: "1.5"}}]))
    code_int, extra = columns(
        alice, {"name": "code", "columnType": "INTEGER"}, {"name": "extra", "columnType": "BOOLEAN"}
    )
    change = {
        "concreteType": PKG + "TableSchemaChangeRequest",
        "entityId": tid,
        "changes": [
            {"oldColumnId": text["id"], "newColumnId": code_int["id"]},
            {"oldColumnId": number["id"], "newColumnId": None},
            {"oldColumnId": None, "newColumnId": extra["id"]},
        ],
        "orderedColumnIds": [extra["id"], code_int["id"]],
    }

    result = transaction_ok(alice, tid, change)

    assert [c["name"] for c in result["results"][0]["schema"]] == ["extra", "code"]
    bundle = query_ok(alice, f"SELECT * FROM {tid}")
    assert values(bundle) == [[None, "12"]]
    assert alice.ok("GET", f"/entity/{tid}")["columnIds"] == [extra["id"], code_int["id"]]


def test_schema_retype_that_cannot_convert_is_400_and_changes_nothing(alice: Api) -> None:
    project = alice.project()
    (text,) = columns(alice, {"name": "code", "columnType": "STRING"})
    created = table(alice, project, [text])
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {text["id"]: "not a number"}}]))
    (as_int,) = columns(alice, {"name": "code", "columnType": "INTEGER"})
    change = {
        "concreteType": PKG + "TableSchemaChangeRequest",
        "entityId": tid,
        "changes": [{"oldColumnId": text["id"], "newColumnId": as_int["id"]}],
    }

    response = transaction(alice, tid, change)

    assert response.status_code == 400
    assert "not a number" in reason(response) and "code" in reason(response)
    assert values(query_ok(alice, f"SELECT code FROM {tid}")) == [["not a number"]]


def test_snapshot_freezes_rows_for_versioned_queries(alice: Api) -> None:
    created, (name, _) = _two_column_table(alice)
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {name["id"]: "old"}}]))

    snap = alice.ok(
        "POST",
        f"/entity/{tid}/table/snapshot",
        {"snapshotComment": "first", "snapshotLabel": "v1"},
        status=201,
    )
    transaction_ok(alice, tid, partial(tid, [{"rowId": 1, "values": {name["id"]: "new"}}]))
    through_txn = transaction_ok(
        alice, tid, createSnapshot=True, snapshotOptions={"snapshotComment": "second"}
    )

    version = snap["snapshotVersionNumber"]
    assert version == 1
    assert values(query_ok(alice, f"SELECT name FROM {tid}.{version}")) == [["old"]]
    assert values(query_ok(alice, f"SELECT name FROM {tid}")) == [["new"]]
    assert through_txn["snapshotVersionNumber"] == 2
    assert values(query_ok(alice, f"SELECT name FROM {tid}.2")) == [["new"]]
    frozen = alice.ok("GET", f"/entity/{tid}/version/1")
    assert (frozen["versionLabel"], frozen["versionComment"]) == ("v1", "first")
    assert alice.ok("GET", f"/entity/{tid}")["versionNumber"] == 3


def test_query_of_missing_snapshot_is_404(alice: Api) -> None:
    created, _ = _two_column_table(alice)

    response = job(
        alice,
        f"/entity/{created['id']}/table/query",
        {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT * FROM {created['id']}.9"}},
    )

    assert response.status_code == 404


def test_deprecated_append_job_returns_row_references(alice: Api) -> None:
    created, (name, _) = _two_column_table(alice)
    tid = created["id"]

    response = job(alice, f"/entity/{tid}/table/append", partial(tid, [{"values": {name["id"]: "z"}}]))

    assert response.status_code == 201
    assert response.json()["rowReferenceSet"]["rows"] == [{"rowId": 1, "versionNumber": 1}]


def test_async_job_tokens_are_private_and_unknown_ones_404(alice: Api, bob: Api) -> None:
    created, _ = _two_column_table(alice)
    tid = created["id"]
    body = {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT * FROM {tid}"}}
    token = alice.ok("POST", f"/entity/{tid}/table/query/async/start", body, status=201)["token"]

    assert bob.get(f"/entity/{tid}/table/query/async/get/{token}").status_code == 403
    assert alice.get(f"/entity/{tid}/table/query/async/get/999999").status_code == 404
    status = alice.ok("GET", f"/asynchronous/job/{token}")
    assert status["jobState"] in ("PROCESSING", "COMPLETE")


def test_writes_need_update_permission(alice: Api, bob: Api) -> None:
    created, (name, _) = _two_column_table(alice)
    tid = created["id"]
    body = {
        "concreteType": PKG + "TableUpdateTransactionRequest",
        "changes": [partial(tid, [{"values": {name["id"]: "x"}}])],
    }

    response = bob.post(f"/entity/{tid}/table/transaction/async/start", body)
    query = bob.post(
        f"/entity/{tid}/table/query/async/start",
        {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT * FROM {tid}"}},
    )

    assert response.status_code == 403
    assert query.status_code == 403


def test_file_handle_cells_resolve_to_handles(alice: Api) -> None:
    project = alice.project()
    handle_id = alice.handle("cell.txt")
    name, handle = columns(
        alice, {"name": "label", "columnType": "STRING"}, {"name": "data", "columnType": "FILEHANDLEID"}
    )
    created = table(alice, project, [name, handle])
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {name["id"]: "a", handle["id"]: handle_id}}]))
    body = {
        "tableId": tid,
        "headers": [{"id": name["id"]}, {"id": handle["id"]}],
        "rows": [{"rowId": 1, "versionNumber": 1}],
    }

    result = alice.ok("POST", f"/entity/{tid}/table/filehandles", body)
    url = alice.get(f"/entity/{tid}/table/column/{handle['id']}/row/1/version/1/file", redirect="false")

    assert result["rows"][0]["list"][0] is None
    assert result["rows"][0]["list"][1]["id"] == handle_id
    assert url.status_code == 200 and url.text.startswith("http")


def test_purged_table_drops_its_rows(server: Any, alice: Api) -> None:
    created, (name, _) = _two_column_table(alice)
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {name["id"]: "a"}}]))
    alice.ok("POST", f"/entity/{tid}/table/snapshot", {}, status=201)

    alice.ok("DELETE", f"/entity/{tid}", skipTrashCan="true")

    with server.app.store.read() as db:
        left = db.execute("SELECT name FROM sqlite_master WHERE name LIKE ?", (f"tbl_{tid[3:]}%",)).fetchall()
    assert left == []


def test_put_entity_with_new_column_ids_changes_the_schema_and_keeps_other_data(alice: Api) -> None:
    created, (name, n) = _two_column_table(alice)
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {name["id"]: "kept", n["id"]: "4"}}]))
    (extra,) = columns(alice, {"name": "extra", "columnType": "STRING"})
    entity = alice.ok("GET", f"/entity/{tid}")
    entity["columnIds"] = [extra["id"], name["id"]]

    alice.ok("PUT", f"/entity/{tid}", entity)

    bundle = query_ok(alice, f"SELECT * FROM {tid}")
    assert [h["name"] for h in bundle["selectColumns"]] == ["extra", "name"]
    assert values(bundle) == [[None, "kept"]]
    assert query(alice, f"SELECT n FROM {tid}").status_code == 400
