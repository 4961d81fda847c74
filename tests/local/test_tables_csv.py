"""CSV upload (UploadToTableRequest) and CSV download (DownloadFromTableRequest) on the embedded server."""

from __future__ import annotations

import csv
import io
from typing import Any

from .conftest import Api, reason
from .tables_util import columns, download_csv, query_ok, table, upload_csv, values


def _table(api: Api) -> dict[str, Any]:
    cols = columns(
        api,
        {"name": "name", "columnType": "STRING"},
        {"name": "n", "columnType": "INTEGER"},
        {"name": "x", "columnType": "DOUBLE"},
        {"name": "ok", "columnType": "BOOLEAN"},
        {"name": "day", "columnType": "DATE"},
        {"name": "tags", "columnType": "STRING_LIST"},
    )
    return table(api, api.project(), cols)


def test_csv_upload_maps_header_by_name_and_converts_values(alice: Api) -> None:
    created = _table(alice)
    text = 'ok,name,n,x,day,tags\nTRUE,"a, b",1,NaN,2020-01-01,"[""p"",""q""]"\nfalse,c,,-inf,5,\n'

    response = upload_csv(alice, created["id"], text)

    assert response.status_code == 201, response.text
    assert response.json()["results"][0]["rowsProcessed"] == 2
    rows = values(query_ok(alice, f"SELECT name, n, x, ok, day, tags FROM {created['id']} ORDER BY ROW_ID"))
    assert rows == [
        ["a, b", "1", "NaN", "true", "1577836800000", '["p","q"]'],
        ["c", None, "-Infinity", "false", "5", None],
    ]


def test_csv_upload_with_row_ids_updates_rows(alice: Api) -> None:
    created = _table(alice)
    upload_csv(alice, created["id"], "name,n\na,1\nb,2\n")

    response = upload_csv(alice, created["id"], "ROW_ID,ROW_VERSION,name,n\n2,1,B,20\n,,c,3\n")

    assert response.status_code == 201, response.text
    bundle = query_ok(alice, f"SELECT name, n FROM {created['id']} ORDER BY ROW_ID")
    assert values(bundle) == [["a", "1"], ["B", "20"], ["c", "3"]]
    assert [r["versionNumber"] for r in bundle["queryResult"]["queryResults"]["rows"]] == [1, 2, 1]


def test_csv_upload_skips_lines_and_accepts_other_separators(alice: Api) -> None:
    created = _table(alice)

    response = upload_csv(
        alice,
        created["id"],
        "junk line\nname\tn\nz\t9\n",
        linesToSkip=1,
        csvTableDescriptor={"separator": "\t", "isFirstLineHeader": True},
    )

    assert response.status_code == 201, response.text
    assert values(query_ok(alice, f"SELECT name, n FROM {created['id']}")) == [["z", "9"]]


def test_csv_upload_bad_value_is_400_and_loads_nothing(alice: Api) -> None:
    created = _table(alice)

    response = upload_csv(alice, created["id"], "name,n\na,1\nb,two\n")

    assert response.status_code == 400
    assert "two" in reason(response) and "'n'" in reason(response)
    assert values(query_ok(alice, f"SELECT * FROM {created['id']}")) == []


def test_csv_upload_unknown_column_is_400(alice: Api) -> None:
    created = _table(alice)

    response = upload_csv(alice, created["id"], "name,colour\na,red\n")

    assert response.status_code == 400
    assert "colour" in reason(response)


def test_csv_download_has_row_metadata_then_columns(alice: Api) -> None:
    created = _table(alice)
    upload_csv(alice, created["id"], 'name,n,x,ok,tags\n"q""uote",1,0.1,true,"[""a""]"\nb,,,,\n')

    result, text = download_csv(alice, f"SELECT name, n, x, ok, tags FROM {created['id']} ORDER BY ROW_ID")

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ROW_ID", "ROW_VERSION", "name", "n", "x", "ok", "tags"]
    assert rows[1] == ["1", "1", 'q"uote', "1", "0.1", "true", '["a"]']
    assert rows[2] == ["2", "1", "b", "", "", "", ""]
    assert [h["name"] for h in result["headers"]] == ["name", "n", "x", "ok", "tags"]
    assert result["tableId"] == created["id"]


def test_csv_download_without_header_or_row_ids(alice: Api) -> None:
    created = _table(alice)
    upload_csv(alice, created["id"], "name,n\na,1\n")

    _, text = download_csv(
        alice,
        f"SELECT name, n FROM {created['id']}",
        writeHeader=False,
        includeRowIdAndRowVersion=False,
        csvTableDescriptor={"separator": ";"},
    )

    assert text.splitlines() == ["a;1"]


def test_csv_download_of_aggregate_has_no_row_ids(alice: Api) -> None:
    created = _table(alice)
    upload_csv(alice, created["id"], "name,n\na,1\na,2\n")

    _, text = download_csv(alice, f"SELECT name, SUM(n) AS total FROM {created['id']} GROUP BY name")

    assert text.splitlines() == ["name,total", "a,3"]


def test_csv_with_only_row_ids_deletes_those_rows(alice: Api) -> None:
    created = _table(alice)
    upload_csv(alice, created["id"], "name,n\na,1\nb,2\nc,3\n")

    response = upload_csv(alice, created["id"], "ROW_ID,ROW_VERSION\n1,1\n3,1\n")

    assert response.status_code == 201, response.text
    assert values(query_ok(alice, f"SELECT name FROM {created['id']}")) == [["b"]]


def test_csv_preview_suggests_columns(alice: Api) -> None:
    from .files_util import upload
    from .tables_util import PKG, job_ok

    handle = upload(alice, b"name,n,x,ok\nann,1,1.5,true\nbob,22,2,false\n", name="preview.csv")
    body = {"concreteType": PKG + "UploadToTablePreviewRequest", "uploadFileHandleId": handle["id"]}

    result = job_ok(alice, "/table/upload/csv/preview", body)

    assert [(c["name"], c["columnType"]) for c in result["suggestedColumns"]] == [
        ("name", "STRING"),
        ("n", "INTEGER"),
        ("x", "DOUBLE"),
        ("ok", "BOOLEAN"),
    ]
    assert result["suggestedColumns"][0]["maximumSize"] == 3
    assert result["rowsScanned"] == 2
    assert result["sampleRows"][0]["values"] == ["ann", "1", "1.5", "true"]


def test_csv_append_after_deleting_the_last_rows_does_not_reuse_ids(alice: Api) -> None:
    created = _table(alice)
    tid = created["id"]
    upload_csv(alice, tid, "name\na\nb\nc\n")
    alice.ok("POST", f"/entity/{tid}/table/deleteRows", {"tableId": tid, "rowIds": [2, 3]}, status=201)

    upload_csv(alice, tid, "name\nd\ne\n")

    rows = query_ok(alice, f"SELECT name FROM {tid} ORDER BY ROW_ID")["queryResult"]["queryResults"]["rows"]
    assert [(r["rowId"], r["values"][0]) for r in rows] == [(1, "a"), (4, "d"), (5, "e")]


def test_csv_upload_applies_column_defaults(alice: Api) -> None:
    name, level = columns(
        alice,
        {"name": "name", "columnType": "STRING"},
        {"name": "level", "columnType": "INTEGER", "defaultValue": "7"},
    )
    created = table(alice, alice.project(), [name, level])

    upload_csv(alice, created["id"], "name,level\na,\nb,2\n")
    upload_csv(alice, created["id"], "name\nc\n")

    assert values(query_ok(alice, f"SELECT name, level FROM {created['id']} ORDER BY ROW_ID")) == [
        ["a", "7"],
        ["b", "2"],
        ["c", "7"],
    ]
