"""Request and response bodies of tables and views (transactions, row sets, queries, CSV), for the converter.

Names follow the REST reference (``TableUpdateTransactionRequest``...); :mod:`synapse_models._convert` writes
and reads them, so no table code builds a JSON dictionary by hand. Classes with a ``CONCRETE_TYPE`` send it as
``concreteType``.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from .._convert import UnionRoot

__all__ = [
    "AppendableRowSetRequest",
    "ColumnChange",
    "CsvTableDescriptor",
    "DownloadFromTableRequest",
    "DownloadFromTableResult",
    "EntityUpdateResult",
    "PartialRow",
    "PartialRowSet",
    "Query",
    "QueryBundle",
    "QueryBundleRequest",
    "Row",
    "RowRef",
    "SelectColumn",
    "SnapshotOptions",
    "SnapshotRequest",
    "SnapshotResponse",
    "TableChange",
    "TableSchemaChangeRequest",
    "TableUpdateTransactionRequest",
    "TableUpdateTransactionResponse",
    "UploadToTableRequest",
    "ViewColumnModelRequest",
    "ViewDefaultColumnsQuery",
    "ViewScope",
]

_T = "org.sagebionetworks.repo.model.table."


# -- columns -----------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class ViewScope:
    scope: list[str]
    view_entity_type: str
    view_type_mask: int | None = None


@attrs.define(kw_only=True)
class ViewColumnModelRequest:
    """``POST /column/view/scope/async/start``: columns for the annotations found in a view's scope."""

    CONCRETE_TYPE: ClassVar[str] = _T + "ViewColumnModelRequest"

    view_scope: ViewScope
    next_page_token: str | None = None


@attrs.define(kw_only=True)
class ViewDefaultColumnsQuery:
    """The query of ``GET /column/tableview/defaults``."""

    view_entity_type: str
    view_type_mask: int | None = None


# -- transactions --------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class TableChange(UnionRoot):
    """One change of a table transaction (its class, sent as ``concreteType``, says which)."""

    entity_id: str


@attrs.define(kw_only=True)
class ColumnChange:
    """Replace a column by another (``None`` old: add; ``None`` new: remove)."""

    old_column_id: str | None = None
    new_column_id: str | None = None


@attrs.define(kw_only=True)
class TableSchemaChangeRequest(TableChange):
    CONCRETE_TYPE: ClassVar[str] = _T + "TableSchemaChangeRequest"

    changes: list[ColumnChange]
    ordered_column_ids: list[str]


@attrs.define(kw_only=True)
class CellValue:
    key: str
    """The column id."""
    value: str | None = None
    """The cell as wire text; ``None`` clears it."""


@attrs.define(kw_only=True)
class RowRef:
    """What names a row: its id and, in a view, the etag of the entity it is."""

    row_id: int | None = None
    etag: str | None = None


@attrs.define(kw_only=True)
class PartialRow(RowRef):
    """A row to add (no id), change (``values``) or delete (an id and no ``values``)."""

    values: list[CellValue] | None = None


@attrs.define(kw_only=True)
class PartialRowSet:
    CONCRETE_TYPE: ClassVar[str] = _T + "PartialRowSet"

    table_id: str
    rows: list[PartialRow]


@attrs.define(kw_only=True)
class AppendableRowSetRequest(TableChange):
    CONCRETE_TYPE: ClassVar[str] = _T + "AppendableRowSetRequest"

    to_append: PartialRowSet


@attrs.define(kw_only=True)
class CsvTableDescriptor:
    """The CSV dialect of table uploads and downloads."""

    separator: str = ","
    quote_character: str = '"'
    escape_character: str = "\\"
    line_end: str = "\n"
    is_first_line_header: bool = True


@attrs.define(kw_only=True)
class UploadToTableRequest(TableChange):
    CONCRETE_TYPE: ClassVar[str] = _T + "UploadToTableRequest"

    table_id: str
    upload_file_handle_id: str
    lines_to_skip: int = 0
    csv_table_descriptor: CsvTableDescriptor = attrs.field(factory=CsvTableDescriptor)


@attrs.define(kw_only=True)
class SnapshotOptions:
    snapshot_comment: str | None = None
    snapshot_label: str | None = None
    snapshot_activity_id: str | None = None


@attrs.define(kw_only=True)
class TableUpdateTransactionRequest:
    """``POST /entity/{id}/table/transaction/async/start``: changes applied together (maybe a snapshot)."""

    CONCRETE_TYPE: ClassVar[str] = _T + "TableUpdateTransactionRequest"

    entity_id: str
    changes: list[TableChange] = attrs.field(factory=list)
    create_snapshot: bool | None = None
    snapshot_options: SnapshotOptions | None = None


@attrs.define(kw_only=True)
class EntityUpdateResult:
    """What a view update did to one entity (a failure code when it did not change it)."""

    entity_id: str
    failure_code: str | None = None
    failure_message: str | None = None


@attrs.define(kw_only=True)
class ChangeResult:
    update_results: list[EntityUpdateResult] = attrs.field(factory=list)
    rows_processed: int | None = None
    """Rows a CSV upload (``UploadToTableResult``) loaded."""


@attrs.define(kw_only=True)
class TableUpdateTransactionResponse:
    results: list[ChangeResult] = attrs.field(factory=list)
    snapshot_version_number: int | None = None


@attrs.define(kw_only=True)
class SnapshotRequest(SnapshotOptions):
    """``POST /entity/{id}/table/snapshot``."""


@attrs.define(kw_only=True)
class SnapshotResponse:
    snapshot_version_number: int


# -- queries -----------------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class Query:
    sql: str
    include_entity_etag: bool | None = None
    offset: int | None = None
    limit: int | None = None


@attrs.define(kw_only=True)
class QueryBundleRequest:
    """``POST /entity/{id}/table/query/async/start``: a query and the parts of the answer wanted."""

    CONCRETE_TYPE: ClassVar[str] = _T + "QueryBundleRequest"

    entity_id: str
    query: Query
    part_mask: int


@attrs.define(kw_only=True)
class SelectColumn:
    """A column of a query result (``column_type`` is ``None`` for an untyped expression)."""

    name: str
    column_type: str | None = None


@attrs.define(kw_only=True)
class Row(RowRef):
    """A row of a query result: its cells as wire text, in the order of the select columns."""

    version_number: int | None = None
    values: list[str | None] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class RowSet:
    headers: list[SelectColumn] = attrs.field(factory=list)
    rows: list[Row] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class QueryResult:
    query_results: RowSet | None = None


@attrs.define(kw_only=True)
class QueryBundle:
    """The answer of a query job (the parts the request's mask asked for)."""

    query_result: QueryResult | None = None
    query_count: int | None = None
    select_columns: list[SelectColumn] | None = None
    max_rows_per_page: int | None = None

    @property
    def rows(self) -> list[Row]:
        """The rows of this page."""
        results = self.query_result.query_results if self.query_result else None
        return results.rows if results else []

    @property
    def headers(self) -> list[SelectColumn]:
        """The select columns (from ``selectColumns``, or the row set's headers)."""
        results = self.query_result.query_results if self.query_result else None
        return self.select_columns or (results.headers if results else [])


@attrs.define(kw_only=True)
class DownloadFromTableRequest:
    """``POST /entity/{id}/table/download/csv/async/start``: a query's result as one CSV file."""

    CONCRETE_TYPE: ClassVar[str] = _T + "DownloadFromTableRequest"

    entity_id: str
    sql: str
    write_header: bool = True
    include_row_id_and_row_version: bool = False
    include_entity_etag: bool = False
    csv_table_descriptor: CsvTableDescriptor = attrs.field(factory=CsvTableDescriptor)


@attrs.define(kw_only=True)
class DownloadFromTableResult:
    results_file_handle_id: str
    headers: list[SelectColumn] | None = None
