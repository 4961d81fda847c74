"""Helpers of the table tests: columns, tables, async jobs, queries and CSV transfer over raw REST."""

from __future__ import annotations

import time
from typing import Any

import requests

from .conftest import Api, unique
from .files_util import batch_url, upload

PKG = "org.sagebionetworks.repo.model.table."


def columns(api: Api, *specs: dict[str, Any]) -> list[dict[str, Any]]:
    body = {"concreteType": "org.sagebionetworks.repo.model.ListWrapper", "list": list(specs)}
    return list(api.ok("POST", "/column/batch", body, status=201)["list"])


def table(
    api: Api, parent: dict[str, Any], cols: list[dict[str, Any]], name: str | None = None
) -> dict[str, Any]:
    body = {
        "concreteType": PKG + "TableEntity",
        "name": name or unique("table"),
        "parentId": parent["id"],
        "columnIds": [c["id"] for c in cols],
    }
    return dict(api.ok("POST", "/entity", body, status=201))


def job(api: Api, prefix: str, body: dict[str, Any], timeout: float = 60) -> requests.Response:
    """Start an async job and return the final ``get`` response (the result or the error)."""
    token = api.ok("POST", f"{prefix}/async/start", body, status=201)["token"]
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"{prefix}/async/get/{token}")
        if response.status_code != 202:
            return response
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.02)


def job_ok(api: Api, prefix: str, body: dict[str, Any]) -> dict[str, Any]:
    response = job(api, prefix, body)
    assert response.status_code == 201, (response.status_code, response.text)
    return dict(response.json())


def transaction(api: Api, table_id: str, *changes: dict[str, Any], **extra: Any) -> requests.Response:
    body = {
        "concreteType": PKG + "TableUpdateTransactionRequest",
        "entityId": table_id,
        "changes": list(changes),
    }
    return job(api, f"/entity/{table_id}/table/transaction", body | extra)


def transaction_ok(api: Api, table_id: str, *changes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = transaction(api, table_id, *changes, **extra)
    assert response.status_code == 201, (response.status_code, response.text)
    return dict(response.json())


def partial(table_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """An AppendableRowSetRequest with a PartialRowSet; rows use ``{"values": {colId: value}}`` shorthand."""
    wire = []
    for row in rows:
        entry = {k: v for k, v in row.items() if k != "values"}
        if "values" in row:
            values = row["values"]
            entry["values"] = None if values is None else [{"key": k, "value": v} for k, v in values.items()]
        wire.append(entry)
    return {
        "concreteType": PKG + "AppendableRowSetRequest",
        "entityId": table_id,
        "toAppend": {"concreteType": PKG + "PartialRowSet", "tableId": table_id, "rows": wire},
    }


def row_set(table_id: str, headers: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "concreteType": PKG + "AppendableRowSetRequest",
        "entityId": table_id,
        "toAppend": {
            "concreteType": PKG + "RowSet",
            "tableId": table_id,
            "headers": [{"id": h["id"], "name": h["name"]} for h in headers],
            "rows": rows,
        },
    }


def query(api: Api, sql: str, part_mask: int = 0x3FF, **query_fields: Any) -> requests.Response:
    table_id = sql.split("FROM", 1)[1].split()[0].split(".")[0] if "FROM" in sql else "syn1"
    body = {
        "concreteType": PKG + "QueryBundleRequest",
        "entityId": table_id,
        "query": {"sql": sql, **query_fields},
        "partMask": part_mask,
    }
    return job(api, f"/entity/{table_id}/table/query", body)


def query_ok(api: Api, sql: str, part_mask: int = 0x3FF, **query_fields: Any) -> dict[str, Any]:
    response = query(api, sql, part_mask, **query_fields)
    assert response.status_code == 201, (response.status_code, response.text)
    return dict(response.json())


def values(bundle: dict[str, Any]) -> list[list[Any]]:
    return [row["values"] for row in bundle["queryResult"]["queryResults"]["rows"]]


def upload_csv(api: Api, table_id: str, text: str, **extra: Any) -> requests.Response:
    handle = upload(api, text.encode(), name="rows.csv")
    change = {
        "concreteType": PKG + "UploadToTableRequest",
        "entityId": table_id,
        "tableId": table_id,
        "uploadFileHandleId": handle["id"],
        "csvTableDescriptor": {"isFirstLineHeader": True},
    } | extra
    return transaction(api, table_id, change)


def download_csv(api: Api, sql: str, **extra: Any) -> tuple[dict[str, Any], str]:
    table_id = sql.split("FROM", 1)[1].split()[0].split(".")[0]
    body = {"concreteType": PKG + "DownloadFromTableRequest", "entityId": table_id, "sql": sql} | extra
    result = job_ok(api, f"/entity/{table_id}/table/download/csv", body)
    found = batch_url(api, result["resultsFileHandleId"], table_id, kind="TableEntity")
    text = requests.get(found["preSignedURL"], timeout=30).text
    return result, text
