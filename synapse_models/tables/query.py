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

from .._convert import from_wire, to_wire
from ..errors import ValidationError
from ._wire import (
    DownloadFromTableRequest,
    DownloadFromTableResult,
    Query,
    QueryBundle,
    QueryBundleRequest,
    Row,
    SelectColumn,
)
from .csv import read_table_csv
from .types import column_type_of, decode_cells

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import Connection

__all__ = ["FetchMethod", "preview", "run_query", "table_id_of"]

FetchMethod = Literal["auto", "pages", "csv"]

_QUERY_RESULT, _COUNT, _SELECT, _MAX_ROWS, _MODELS = 0x1, 0x2, 0x4, 0x8, 0x10
_FROM = re.compile(r"\bFROM\s+\"?(syn\d+)(?:\.(\d+))?\"?", re.IGNORECASE)


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


def run_query(
    conn: Connection,
    sql: str,
    *,
    include_row_metadata: bool = False,
    include_etag: bool = False,
    method: FetchMethod = "auto",
    csv_after_pages: int = 3,
) -> pd.DataFrame:
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
    query = Query(sql=sql, include_entity_etag=include_etag)
    first = QueryBundleRequest(
        entity_id=table_id, query=query, part_mask=_QUERY_RESULT | _COUNT | _SELECT | _MAX_ROWS
    )
    bundle = from_wire(QueryBundle, conn.run_async_job(prefix, to_wire(first)))
    headers = bundle.headers
    rows = list(bundle.rows)
    count = bundle.query_count
    page_size = bundle.max_rows_per_page or len(rows) or 1
    if count is not None and len(rows) < count:
        remaining_pages = -(-(count - len(rows)) // page_size)
        if method == "auto" and remaining_pages > csv_after_pages:
            frame = _via_csv(conn, table_id, sql, headers, include_row_metadata, include_etag)
            if frame is not None:
                return frame
        while len(rows) < count:
            page_query = Query(sql=sql, include_entity_etag=include_etag, offset=len(rows), limit=page_size)
            page_request = QueryBundleRequest(entity_id=table_id, query=page_query, part_mask=_QUERY_RESULT)
            page = from_wire(QueryBundle, conn.run_async_job(prefix, to_wire(page_request))).rows
            if not page:
                break
            rows.extend(page)
    return _frame(rows, headers, include_row_metadata, include_etag)


def preview(
    conn: Connection, table_id: str, rows: int = 5, *, timeout: float = 30.0
) -> tuple[pd.DataFrame, int | None]:
    """The first ``rows`` rows of a table or view and its row count, in one query job (for a notebook view).

    Raises:
        AsyncJobError: The query did not finish within ``timeout`` seconds.
        HTTPError: The server refused the query.
    """
    request = QueryBundleRequest(
        entity_id=table_id,
        query=Query(sql=f"SELECT * FROM {table_id}", limit=rows),
        part_mask=_QUERY_RESULT | _COUNT,
    )
    answer = conn.run_async_job(f"/entity/{table_id}/table/query", to_wire(request), timeout=timeout)
    bundle = from_wire(QueryBundle, answer)
    return _frame(bundle.rows, bundle.headers, False, False), bundle.query_count


def _frame(
    rows: list[Row], headers: list[SelectColumn], include_row_metadata: bool, include_etag: bool
) -> pd.DataFrame:
    import pandas as pd

    data: dict[str, Any] = {}
    if include_row_metadata:
        data["ROW_ID"] = pd.array([r.row_id for r in rows], dtype="Int64")
        data["ROW_VERSION"] = pd.array([r.version_number for r in rows], dtype="Int64")
        if include_etag:
            data["ROW_ETAG"] = pd.Series([r.etag for r in rows], dtype="str").array
    empty: list[str | None] = [None] * len(headers)
    for i, header in enumerate(headers):
        cells = [(r.values or empty)[i] for r in rows]
        data[header.name] = decode_cells(cells, column_type_of(header.column_type)).array
    frame: pd.DataFrame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    return frame


def _via_csv(
    conn: Connection,
    table_id: str,
    sql: str,
    headers: list[SelectColumn],
    include_row_metadata: bool,
    include_etag: bool,
) -> pd.DataFrame | None:
    """The whole result as CSV; ``None`` when this client has no download support (then pages are used)."""
    try:
        from ..transfer.download import download_file_handle
    except ImportError:  # pragma: no cover - the transfer package is part of the distribution
        return None
    request = DownloadFromTableRequest(
        entity_id=table_id,
        sql=sql,
        include_entity_etag=include_etag,
        include_row_id_and_row_version=include_row_metadata,
    )
    result = from_wire(
        DownloadFromTableResult,
        conn.run_async_job(f"/entity/{table_id}/table/download/csv", to_wire(request)),
    )
    with tempfile.TemporaryDirectory(prefix="synapse-models-query-") as scratch:
        path = download_file_handle(
            conn,
            file_handle_id=result.results_file_handle_id,
            associate_object_id=table_id,
            associate_object_type="TableEntity",
            destination=Path(scratch) / "result.csv",
        )
        types = {h.name: column_type_of(h.column_type) for h in result.headers or headers}
        frame = read_table_csv(Path(path), types)
    if not include_row_metadata:
        frame = frame.drop(columns=[c for c in ("ROW_ID", "ROW_VERSION", "ROW_ETAG") if c in frame.columns])
    elif not include_etag and "ROW_ETAG" in frame.columns:
        frame = frame.drop(columns=["ROW_ETAG"])
    return frame
