"""Tables (REFERENCE 2.6): row-set application (RowSet, PartialRowSet, AppendableRowSetRequest) and the
write jobs and endpoints: the transaction, append and legacy CSV upload jobs, deleteRows and snapshots."""

from __future__ import annotations

from typing import Any

from ...core.async_endpoints import async_endpoints
from ...core.context import RequestContext
from ...core.errors import BadRequest, PreconditionFailed
from ...core.jobs import Job, JobWork
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import (
    EntityRecord,
    current_version,
    parse_entity_id,
    require_access,
    snapshot,
    touch,
)
from .cells import Column, row_id_of, to_storage
from .csv_upload import upload_csv
from .file_cells import check_file_handles
from .hooks import view_kind
from .schema import apply_schema_change
from .sources import (
    APPEND_REQUEST,
    PARTIAL_ROW_SET,
    PKG,
    REPO,
    ROW_SET,
    SCHEMA_CHANGE,
    TABLE_ENTITY,
    TRANSACTION_REQUEST,
    UPLOAD_REQUEST,
    freeze_rows,
    prepared_table,
    require_transactions,
    schema_of,
    table_record,
)
from .storage import mark_changed, row_table, table_state

routes = Routes()

# -- row sets -----------------------------------------------------------------------------------------


class _RowWriter:
    """Applies inserts/updates/deletes to one table inside the job's write transaction."""

    def __init__(self, txn: Txn, record: EntityRecord) -> None:
        self.txn = txn
        self.record = record
        self.columns, self.table = prepared_table(txn, record)
        self.by_id = {c.id: c for c in self.columns}
        self.by_name = {c.name: c for c in self.columns}
        self.next_row_id = table_state(txn.db, record.id)["next_row_id"]
        self.changed = False

    def check_files(self, rows: list[dict[str, Any]]) -> None:
        """Before anything is written: 403 unless every file handle the rows name may go into the table
        (see :func:`.file_cells.check_file_handles`)."""
        files = [c.id for c in self.columns if c.type == "FILEHANDLEID"]
        handles = {str(row[i]) for row in rows for i in files if row.get(i) is not None}
        if handles:
            check_file_handles(self.txn, self.columns, self.table, handles)

    def column_for(self, key: Any) -> Column:
        column = self.by_id.get(str(key))
        if column is None:
            raise BadRequest(f"Column {key} is not in the schema of {self.record.syn_id}")
        return column

    def current_version(self, row_id: int) -> int:
        found = self.txn.db.execute(
            f'SELECT ROW_VERSION FROM "{self.table}" WHERE ROW_ID = ?', (row_id,)
        ).fetchone()
        if found is None:
            raise BadRequest(f"Row id {row_id} does not exist in {self.record.syn_id}")
        return int(found[0])

    def insert(self, values: dict[str, Any]) -> tuple[int, int]:
        row_id = self.next_row_id
        self.next_row_id += 1
        names = ["ROW_ID", "ROW_VERSION"] + [c.sql_name for c in self.columns]
        cells = [row_id, 1]
        for column in self.columns:
            value = values.get(column.id)
            cells.append(column.default if value is None else value)
        marks = ", ".join("?" * len(names))
        quoted = ", ".join(f'"{n}"' for n in names)
        self.txn.db.execute(f'INSERT INTO "{self.table}" ({quoted}) VALUES ({marks})', cells)
        self.changed = True
        return row_id, 1

    def update(self, row_id: int, values: dict[str, Any]) -> tuple[int, int]:
        version = self.current_version(row_id)
        if not values:
            return row_id, version
        sets = ", ".join(f'"{self.by_id[k].sql_name}" = ?' for k in values)
        self.txn.db.execute(
            f'UPDATE "{self.table}" SET {sets}, ROW_VERSION = ROW_VERSION + 1 WHERE ROW_ID = ?',
            [*values.values(), row_id],
        )
        self.changed = True
        return row_id, version + 1

    def delete(self, row_id: int) -> tuple[int, int]:
        version = self.current_version(row_id)
        self.txn.db.execute(f'DELETE FROM "{self.table}" WHERE ROW_ID = ?', (row_id,))
        self.changed = True
        return row_id, version + 1

    def finish(self) -> str:
        state = table_state(self.txn.db, self.record.id)
        etag = state["etag"] or self.txn.new_etag()
        if self.changed:
            etag = self.txn.new_etag()
            mark_changed(self.txn.db, self.record.id, etag, self.txn.now(), self.next_row_id)
            touch(self.txn, self.record)  # as Synapse: a row change gives the table entity a new etag
        return str(etag)


def apply_partial_rows(txn: Txn, record: EntityRecord, row_set: dict[str, Any]) -> dict[str, Any]:
    """PartialRowSet: insert (no rowId), update listed cells, delete (values null)."""
    writer = _RowWriter(txn, record)
    changes: list[tuple[int | None, dict[str, Any] | None]] = []  # (row id, values): None values = delete
    for row in row_set.get("rows") or []:
        if not isinstance(row, dict):
            raise BadRequest("PartialRow items must be objects")
        row_id = row_id_of(row.get("rowId"))
        raw_values = row.get("values")
        values: dict[str, Any] = {}
        if isinstance(raw_values, dict):
            raw_values = [{"key": k, "value": v} for k, v in raw_values.items()]
        for pair in raw_values or []:
            if not isinstance(pair, dict) or "key" not in pair:
                raise BadRequest("PartialRow.values must be a list of {key, value} objects")
            column = writer.column_for(pair["key"])
            values[column.id] = to_storage(column, pair.get("value"))
        changes.append((row_id, None if row_id is not None and raw_values is None else values))
    writer.check_files([values for _, values in changes if values])
    refs = []
    for row_id, change in changes:
        if row_id is None:
            refs.append(writer.insert(change or {}))
        elif change is None:
            refs.append(writer.delete(row_id))
        else:
            refs.append(writer.update(row_id, change))
    return _row_refs(record, writer, refs)


def _rowset_columns(writer: _RowWriter, headers: Any) -> list[Column]:
    if not isinstance(headers, list) or not headers:
        raise BadRequest("RowSet.headers is required")
    columns = []
    for header in headers:
        key = header.get("id") if isinstance(header, dict) else header
        if key is None and isinstance(header, dict) and header.get("name") in writer.by_name:
            columns.append(writer.by_name[header["name"]])
            continue
        columns.append(writer.column_for(key))
    return columns


def apply_row_set(txn: Txn, record: EntityRecord, row_set: dict[str, Any]) -> dict[str, Any]:
    """RowSet (full rows): insert, update (versionNumber checked, 412 when stale), delete (values [])."""
    writer = _RowWriter(txn, record)
    columns = _rowset_columns(writer, row_set.get("headers"))
    changes: list[tuple[int | None, dict[str, Any] | None, Any]] = []  # (row id, values, versionNumber)
    for row in row_set.get("rows") or []:
        if not isinstance(row, dict):
            raise BadRequest("Row items must be objects")
        row_id = row_id_of(row.get("rowId"))
        raw = row.get("values")
        if row_id is not None and not raw:
            changes.append((row_id, None, None))
            continue
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise BadRequest(f"Each row must have {len(columns)} values, one per header")
        values = {c.id: to_storage(c, v) for c, v in zip(columns, raw, strict=True)}
        changes.append((row_id, values, row.get("versionNumber")))
    writer.check_files([values for _, values, _ in changes if values])
    refs = []
    for row_id, change, version in changes:
        if change is None:
            assert row_id is not None  # a row without values is a delete only when it names its row
            refs.append(writer.delete(row_id))
        elif row_id is None:
            refs.append(writer.insert(change))
        else:
            if version is None:
                raise BadRequest(f"Row {row_id}: versionNumber is required to update a row")
            if int(version) < writer.current_version(row_id):
                raise PreconditionFailed(
                    f"Row id: {row_id} has been changed since last read.  Please get the latest value for"
                    " this row and then attempt to update it again."
                )
            refs.append(writer.update(row_id, change))
    return _row_refs(record, writer, refs)


def _row_refs(record: EntityRecord, writer: _RowWriter, refs: list[tuple[int, int]]) -> dict[str, Any]:
    etag = writer.finish()
    headers = [{"name": c.name, "columnType": c.type, "id": c.id} for c in writer.columns]
    return {
        "concreteType": PKG + "RowReferenceSetResults",
        "rowReferenceSet": {
            "tableId": record.syn_id,
            "etag": etag,
            "headers": headers,
            "rows": [{"rowId": r, "versionNumber": v} for r, v in refs],
        },
    }


def apply_appendable(txn: Txn, record: EntityRecord, request: dict[str, Any]) -> dict[str, Any]:
    to_append = request.get("toAppend")
    if not isinstance(to_append, dict):
        raise BadRequest("AppendableRowSetRequest.toAppend is required")
    kind = to_append.get("concreteType")
    require_transactions(txn, record)
    computed = view_kind(txn, record.concrete_type)
    if computed is not None and computed.write is not None:
        return computed.write(txn, record, schema_of(txn.db, record), to_append)
    if kind == PARTIAL_ROW_SET:
        return apply_partial_rows(txn, record, to_append)
    if kind == ROW_SET or (kind is None and "headers" in to_append):
        return apply_row_set(txn, record, to_append)
    raise BadRequest(f"Unsupported AppendableRowSet type: {kind}")


# -- transactions -------------------------------------------------------------------------------------


def _check_writable(ctx: Txn, entity_id: int) -> EntityRecord:
    ctx.require_login()
    record = table_record(ctx, entity_id)
    require_access(ctx, record.id, "UPDATE")
    return record


def _snapshot(txn: Txn, record: EntityRecord, options: dict[str, Any] | None) -> int:
    """Freeze the current version (rows copied to ``tbl_<id>_v<n>``) and start a new in-progress version."""
    options = options or {}
    version = current_version(txn.db, record)
    number = version.number
    frozen = row_table(record.id, number)
    kind = view_kind(txn, record.concrete_type)
    if kind is not None and kind.check_snapshot is not None:
        kind.check_snapshot(txn, record)
    if kind is not None:
        columns = schema_of(txn.db, record)
        freeze_rows(txn, columns, frozen, kind.rows(txn, record, columns))
    else:
        columns, live = prepared_table(txn, record)
        txn.db.execute(f'DROP TABLE IF EXISTS "{frozen}"')
        txn.db.execute(f'CREATE TABLE "{frozen}" AS SELECT * FROM "{live}"')
    label = options.get("snapshotLabel") or str(number)
    return snapshot(txn, record, label, options.get("snapshotComment"), options.get("snapshotActivityId"))


def start_transaction(ctx: RequestContext, body: Any, id: str) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a TableUpdateTransactionRequest")
    entity_id = parse_entity_id(id)
    if body.get("entityId") is not None and parse_entity_id(body["entityId"]) != entity_id:
        raise BadRequest("entityId in the body does not match the path")
    record = _check_writable(ctx, entity_id)
    changes = body.get("changes") or []
    if not isinstance(changes, list):
        raise BadRequest("changes must be a list")
    for change in changes:
        kind = change.get("concreteType") if isinstance(change, dict) else None
        if kind not in (SCHEMA_CHANGE, APPEND_REQUEST, UPLOAD_REQUEST):
            raise BadRequest(f"Unsupported TableUpdateRequest type: {kind}")
    snapshot = bool(body.get("createSnapshot"))
    if snapshot and view_kind(ctx, record.concrete_type) is not None and changes:
        raise BadRequest("A view snapshot transaction cannot contain other changes")

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            current = table_record(txn, record.id)
            require_transactions(txn, current)
            results = []
            for change in changes:
                kind = change["concreteType"]
                if kind == SCHEMA_CHANGE:
                    results.append(apply_schema_change(txn, current, change))
                elif kind == APPEND_REQUEST:
                    results.append(apply_appendable(txn, current, change))
                else:
                    results.append(upload_csv(txn, current, change))
                current = table_record(txn, record.id)
            response: dict[str, Any] = {
                "concreteType": PKG + "TableUpdateTransactionResponse",
                "results": results,
            }
            if snapshot:
                response["snapshotVersionNumber"] = _snapshot(txn, current, body.get("snapshotOptions"))
            return response

    return work


def start_append(ctx: RequestContext, body: Any, id: str) -> JobWork:
    record = _check_writable(ctx, parse_entity_id(id))
    if not isinstance(body, dict):
        raise BadRequest("The request body must be an AppendableRowSetRequest")

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            return apply_appendable(txn, table_record(txn, record.id), body)

    return work


def start_upload(ctx: RequestContext, body: Any, id: str | None = None) -> JobWork:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be an UploadToTableRequest")
    raw = id if id is not None else body.get("tableId") or body.get("entityId")
    record = _check_writable(ctx, parse_entity_id(raw))

    def work(job: Job) -> dict[str, Any]:
        with job.txn(write=True) as txn:
            current = table_record(txn, record.id)
            require_transactions(txn, current)
            return upload_csv(txn, current, body)

    return work


async_endpoints(routes, REPO + "/entity/<id>/table/transaction/async", start_transaction)
async_endpoints(routes, REPO + "/entity/<id>/table/append/async", start_append)
async_endpoints(routes, REPO + "/entity/<id>/table/upload/csv/async", start_upload)


@routes.route("POST", REPO + "/entity/<id>/table/deleteRows", status=201)
def delete_rows(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = _check_writable(ctx, parse_entity_id(id))
    require_transactions(ctx, record)
    if view_kind(ctx, record.concrete_type) is not None:
        raise BadRequest("Rows of a view cannot be deleted; delete the entities instead")
    body = ctx.json_object()
    row_ids = body.get("rowIds")
    if not isinstance(row_ids, list):
        raise BadRequest("RowSelection.rowIds is required")
    writer = _RowWriter(ctx, record)
    refs = [writer.delete(int(row_id)) for row_id in row_ids]
    result = _row_refs(record, writer, refs)["rowReferenceSet"]
    return dict(result)


@routes.route("POST", REPO + "/entity/<id>/table/snapshot", status=201)
def post_snapshot(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = _check_writable(ctx, parse_entity_id(id))
    if record.concrete_type != TABLE_ENTITY:
        raise BadRequest("Only a TableEntity can be snapshot this way; use a transaction for views")
    body = ctx.json_or_none() or {}
    return {"snapshotVersionNumber": _snapshot(ctx, record, body)}


jobs = {TRANSACTION_REQUEST: lambda ctx, body: start_transaction(ctx, body, str(body.get("entityId")))}
