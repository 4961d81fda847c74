"""Run a Synapse SQL query into a DataFrame: paged JSON for small results, a CSV download for big ones.

The first request asks for the first page, the row count and the page size (``maxRowsPerPage``). If that page
holds everything, done; if a few more pages are needed they are fetched with limit/offset; beyond
``csv_after_pages`` pages the result is fetched as one CSV file instead (a download job, then a file
download), which is much faster and lighter for large tables.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ValidationError
from ..models.column import ColumnType
from .csv import DESCRIPTOR, read_table_csv
from .types import decode_cells

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection

__all__ = ["FetchMethod", "run_query", "table_id_of"]

FetchMethod = Literal["auto", "pages", "csv"]

_QUERY_RESULT, _COUNT, _SELECT, _MAX_ROWS, _MODELS = 0x1, 0x2, 0x4, 0x8, 0x10
_FROM = re.compile(r"\bFROM\s+\"?(syn\d+)(?:\.(\d+))?\"?", re.IGNORECASE)
QUERY_RESULT_BUNDLE = "org.sagebionetworks.repo.model.table.QueryBundleRequest"
DOWNLOAD_REQUEST = "org.sagebionetworks.repo.model.table.DownloadFromTableRequest"


def table_id_of(sql: str) -> str:
    """The table id of a query's ``FROM`` clause (``FROM syn1.3`` -> ``syn1``).

    Raises:
        ValidationError: The query names no ``FROM synNNN``.
    """
    if not isinstance(sql, str):
        raise ValidationError("sql", sql, "a query is a string like 'SELECT * FROM syn123'")
    match = _FROM.search(sql)
    if not match:
        raise ValidationError("sql", sql, "the query needs a 'FROM syn123' clause naming a table or view")
    return match.group(1)


def run_query(conn: Connection, sql: str, *, include_row_metadata: bool = False, include_etag: bool = False,
              method: FetchMethod = "auto", csv_after_pages: int = 3) -> pd.DataFrame:
    """Run ``sql`` and return all its rows as a DataFrame typed by the select columns.

    Args:
        conn: The connection.
        sql: Synapse SQL (``SELECT ... FROM syn123[.version] ...``).
        include_row_metadata: Add ``ROW_ID`` and ``ROW_VERSION`` (and ``ROW_ETAG`` when ``include_etag``)
            as the first columns.
        include_etag: Ask for entity etags (views).
        method: ``"auto"`` picks by result size; ``"pages"`` always pages with limit/offset; ``"csv"`` always
            downloads the result as CSV.
        csv_after_pages: Switch to a CSV download when more than this many further pages would be needed.

    Raises:
        BadRequestError: The server rejected the SQL (its reason says why).
    """
    table_id = table_id_of(sql)
    if method not in ("auto", "pages", "csv"):
        raise ValidationError("method", method, "choose 'auto', 'pages' or 'csv'")
    if method == "csv":
        frame = _via_csv(conn, table_id, sql, [], include_row_metadata, include_etag)
        if frame is not None:
            return frame
    prefix = f"/entity/{table_id}/table/query"
    body: dict[str, Any] = {
        "concreteType": QUERY_RESULT_BUNDLE, "entityId": table_id,
        "query": {"sql": sql, "includeEntityEtag": include_etag},
        "partMask": _QUERY_RESULT | _COUNT | _SELECT | _MAX_ROWS,
    }
    bundle = conn.run_async_job(prefix, body)
    headers: list[dict[str, Any]] = bundle.get("selectColumns") or _rowset(bundle).get("headers") or []
    rows: list[dict[str, Any]] = list(_rowset(bundle).get("rows") or [])
    count = bundle.get("queryCount")
    page_size = int(bundle.get("maxRowsPerPage") or len(rows) or 1)
    if count is not None and len(rows) < count:
        remaining_pages = -(-(count - len(rows)) // page_size)
        if method == "auto" and remaining_pages > csv_after_pages:
            frame = _via_csv(conn, table_id, sql, headers, include_row_metadata, include_etag)
            if frame is not None:
                return frame
        while len(rows) < count:
            page_body = {**body, "partMask": _QUERY_RESULT,
                         "query": {**body["query"], "offset": len(rows), "limit": page_size}}
            page = _rowset(conn.run_async_job(prefix, page_body)).get("rows") or []
            if not page:
                break
            rows.extend(page)
    return _frame(rows, headers, include_row_metadata, include_etag)


def _rowset(bundle: dict[str, Any]) -> dict[str, Any]:
    return ((bundle.get("queryResult") or {}).get("queryResults")) or {}


def _frame(rows: list[dict[str, Any]], headers: list[dict[str, Any]], include_row_metadata: bool,
           include_etag: bool) -> pd.DataFrame:
    import pandas as pd

    data: dict[str, Any] = {}
    if include_row_metadata:
        data["ROW_ID"] = pd.array([r.get("rowId") for r in rows], dtype="Int64")
        data["ROW_VERSION"] = pd.array([r.get("versionNumber") for r in rows], dtype="Int64")
        if include_etag:
            data["ROW_ETAG"] = pd.Series([r.get("etag") for r in rows], dtype="str").array
    for i, header in enumerate(headers):
        cells = [(r.get("values") or [None] * len(headers))[i] for r in rows]
        data[header["name"]] = decode_cells(cells, _type(header)).array
    frame: pd.DataFrame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    return frame


def _type(header: dict[str, Any]) -> ColumnType | None:
    try:
        return ColumnType(header["columnType"]) if header.get("columnType") else None
    except ValueError:
        return None


def _via_csv(conn: Connection, table_id: str, sql: str, headers: list[dict[str, Any]],
             include_row_metadata: bool, include_etag: bool) -> pd.DataFrame | None:
    """The whole result as CSV; ``None`` when this client has no download support (then pages are used)."""
    try:
        from ..transfer.download import download_file_handle
    except ImportError:  # pragma: no cover - the transfer package is part of the distribution
        return None
    body = {"concreteType": DOWNLOAD_REQUEST, "entityId": table_id, "sql": sql, "writeHeader": True,
            "includeRowIdAndRowVersion": include_row_metadata, "includeEntityEtag": include_etag,
            "csvTableDescriptor": {**DESCRIPTOR}}
    result = conn.run_async_job(f"/entity/{table_id}/table/download/csv", body)
    with tempfile.TemporaryDirectory(prefix="synapse-models-query-") as scratch:
        path = download_file_handle(
            conn, file_handle_id=str(result["resultsFileHandleId"]), associate_object_id=table_id,
            associate_object_type="TableEntity", destination=Path(scratch) / "result.csv")
        frame = read_table_csv(Path(path), result.get("headers") or headers)
    if not include_row_metadata:
        frame = frame.drop(columns=[c for c in ("ROW_ID", "ROW_VERSION", "ROW_ETAG") if c in frame.columns])
    elif not include_etag and "ROW_ETAG" in frame.columns:
        frame = frame.drop(columns=["ROW_ETAG"])
    return frame
