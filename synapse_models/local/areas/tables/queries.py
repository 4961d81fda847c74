"""Tables (REFERENCE 2.6): the query and nextPage jobs (QueryBundleRequest, QueryNextPageToken) and the CSV
download job (DownloadFromTableRequest)."""

from __future__ import annotations

import base64
import csv
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from ...core.async_endpoints import async_endpoints
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden
from ...core.jobs import Job, JobWork
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import can_read
from ..files import service as files
from .cells import cell_text
from .csv_upload import csv_dialect
from .hooks import view_kind
from .sources import (
    ALL_PARTS,
    DOWNLOAD_REQUEST,
    PKG,
    QUERY_BUNDLE_REQUEST,
    QUERY_NEXT_PAGE,
    REPO,
    ROW_SET,
    TableSource,
    empty_guard,
    opened,
    table_record,
)
from .sql import Source, Translated, filters_condition, parse_source, translate
from .storage import max_rows_per_page

routes = Routes()

# -- queries ------------------------------------------------------------------------------------------


def _encode_token(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _decode_token(token: Any) -> dict[str, Any]:
    if isinstance(token, dict):
        token = token.get("token")
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (ValueError, TypeError) as exc:
        raise BadRequest("Invalid nextPageToken") from exc
    if not isinstance(data, dict):
        raise BadRequest("Invalid nextPageToken")
    return data


def _execute(source: TableSource, what: str) -> sqlite3.Cursor:
    try:
        return source.db.execute(empty_guard(source, what))
    except sqlite3.Error as exc:
        raise BadRequest(f"Invalid SQL: {exc}") from exc


def _translate(
    source: TableSource,
    query: dict[str, Any],
    *,
    meta: str,
    offset: int | None = None,
    limit: int | None = None,
) -> Translated:
    return translate(
        query["sql"],
        source.columns,
        source.table_name,
        physical=source.physical,
        is_view=source.is_view,
        meta=meta if source.row_ids else "none",
        include_etag=bool(query.get("includeEntityEtag")),
        sort=query.get("sort"),
        offset=offset,
        limit=limit,
        filters=query.get("additionalFilters"),
    )


def _query_page(source: TableSource, query: dict[str, Any]) -> tuple[dict[str, Any], Translated, int]:
    offset = query.get("offset")
    limit = query.get("limit")
    if offset is not None and (not isinstance(offset, int) or offset < 0):
        raise BadRequest(f"Query.offset must be a non-negative integer, got {offset!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise BadRequest(f"Query.limit must be a non-negative integer, got {limit!r}")
    probe = _translate(source, query, meta="none")
    selected = [c for c in source.columns if any(h.get("id") == c.id for h in probe.headers)]
    max_rows = max_rows_per_page(selected or source.columns)
    page = max_rows if limit is None else min(limit, max_rows)
    translated = _translate(source, query, meta="last", offset=offset, limit=page + 1)
    rows = _execute(source, translated.sql).fetchall()
    more = len(rows) > page
    rows = rows[:page]
    n_meta = len(translated.meta_columns)
    out = []
    for row in rows:
        cells = list(row)
        values = cells[: len(cells) - n_meta] if n_meta else cells
        entry: dict[str, Any] = {"values": [cell_text(v) for v in values]}
        if n_meta:
            meta = cells[len(cells) - n_meta :]
            entry["rowId"], entry["versionNumber"] = meta[0], meta[1]
            if n_meta > 2:
                entry["etag"] = meta[2]
        out.append(entry)
    result: dict[str, Any] = {
        "concreteType": PKG + "QueryResult",
        "queryResults": {
            "concreteType": ROW_SET,
            "tableId": source.record.syn_id,
            "etag": source.etag,
            "headers": translated.headers,
            "rows": out,
        },
    }
    if more and (limit is None or page < limit):
        next_query = dict(query)
        next_query["offset"] = (offset or 0) + page
        if limit is not None:
            next_query["limit"] = limit - page
        result["nextPageToken"] = {
            "concreteType": QUERY_NEXT_PAGE,
            "entityId": source.record.syn_id,
            "token": _encode_token(next_query),
        }
    return result, translated, max_rows


def run_query(txn: Txn, query: dict[str, Any], part_mask: int) -> dict[str, Any]:
    """Answer a QueryBundleRequest."""
    with opened(txn, parse_source(query.get("sql"))) as source:
        return _bundle(source, query, part_mask)


def _bundle(source: TableSource, query: dict[str, Any], part_mask: int) -> dict[str, Any]:
    result, translated, max_rows = _query_page(source, query)
    bundle: dict[str, Any] = {"concreteType": PKG + "QueryResultBundle"}
    if part_mask & 0x1:
        bundle["queryResult"] = result
    if part_mask & 0x2:
        bundle["queryCount"] = int(_execute(source, translated.count_sql).fetchone()[0])
    if part_mask & 0x4:
        bundle["selectColumns"] = translated.headers
    if part_mask & 0x8:
        bundle["maxRowsPerPage"] = max_rows
    if part_mask & 0x10:
        bundle["columnModels"] = [c.body for c in source.columns]
    if part_mask & 0x20:
        bundle["facets"] = []
    if part_mask & 0x40:
        bundle["sumFileSizes"] = {"sumFileSizesBytes": 0, "greaterThan": False}
    if part_mask & 0x80:
        bundle["lastUpdatedOn"] = source.last_updated
    if part_mask & 0x100:
        bundle["combinedSql"] = query.get("sql")
    return bundle


def _check_query(query: Any) -> dict[str, Any]:
    if not isinstance(query, dict) or not isinstance(query.get("sql"), str):
        raise BadRequest("Query.sql is required")
    parse_source(query["sql"])
    if query.get("selectedFacets"):
        raise BadRequest("Query.selectedFacets is not supported by the local server")
    filters_condition(query.get("additionalFilters"))
    return query


def start_query(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a QueryBundleRequest")
    query = _check_query(body.get("query"))
    mask = body.get("partMask")
    part_mask = ALL_PARTS if mask is None else int(mask)
    source = parse_source(query["sql"])
    open_check(ctx, source)

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn:
            return run_query(txn, query, part_mask)

    return work


def open_check(ctx: Txn, source: Source) -> None:
    """Answer 404/403 at start time for a missing or unreadable table; let its kind prepare it."""
    record = table_record(ctx, source.entity_id)
    if not can_read(ctx.db, ctx.user, record.id):
        raise Forbidden(f"You do not have READ permission for the requested entity, {record.syn_id}.")
    kind = view_kind(ctx, record.concrete_type)
    if kind is not None and kind.prepare is not None and ctx.writable and source.version is None:
        kind.prepare(ctx, record)


def start_next_page(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    query = _check_query(_decode_token(body))
    open_check(ctx, parse_source(query["sql"]))

    def work(job: Job) -> dict[str, Any]:
        with job.txn() as txn, opened(txn, parse_source(query["sql"])) as source:
            return _query_page(source, query)[0]

    return work


async_endpoints(routes, REPO + "/entity/<id>/table/query/async", start_query)
async_endpoints(routes, REPO + "/entity/<id>/table/query/nextPage/async", start_next_page)


# -- CSV download ---------------------------------------------------------------------------------------


def download_csv(job: Job, request: dict[str, Any]) -> dict[str, Any]:
    """Run the query of a DownloadFromTableRequest and store the CSV as a file handle."""
    descriptor = request.get("csvTableDescriptor") or {}
    options = csv_dialect(descriptor)
    line_end = descriptor.get("lineEnd") or "\n"
    write_header = request.get("writeHeader", True) is not False
    include_meta = request.get("includeRowIdAndRowVersion", True) is not False
    tmp_dir = Path(job.app.store.data_dir) / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".csv", dir=tmp_dir)
    try:
        with job.txn() as txn, opened(txn, parse_source(request.get("sql"))) as source:
            query = {**request, "offset": request.get("offset"), "limit": request.get("limit")}
            translated = _translate(
                source,
                query,
                meta="first" if include_meta else "none",
                offset=query.get("offset"),
                limit=query.get("limit"),
            )
            cursor = _execute(source, translated.sql)
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL, **options)
                if write_header:
                    writer.writerow(translated.meta_columns + [h["name"] for h in translated.headers])
                while True:
                    chunk = cursor.fetchmany(10000)
                    if not chunk:
                        break
                    writer.writerows(chunk)
            table_id, etag = source.record.syn_id, source.etag
        file_name = request.get("fileName") or f"Job-{job.id}.csv"
        with job.txn(write=True) as wtxn:
            handle = files.create_file_handle(wtxn, wtxn.user_id, file_name, "text/csv", tmp_name, move=True)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return {
        "concreteType": PKG + "DownloadFromTableResult",
        "resultsFileHandleId": str(handle["id"]),
        "tableId": table_id,
        "etag": etag,
        "headers": translated.headers,
    }


def start_download(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a DownloadFromTableRequest")
    ctx.require_login()
    _check_query(body)
    open_check(ctx, parse_source(body["sql"]))
    return lambda job: download_csv(job, body)


async_endpoints(routes, REPO + "/entity/<id>/table/download/csv/async", start_download)
async_endpoints(routes, REPO + "/table/download/csv/async", start_download)
jobs = {
    QUERY_BUNDLE_REQUEST: start_query,
    QUERY_NEXT_PAGE: start_next_page,
    DOWNLOAD_REQUEST: start_download,
}
