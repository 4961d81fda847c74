"""The private request and response classes: they round-trip through the converter, and every request body
they write validates against the official Synapse schema of the class it is named after (schemas are strict:
a misspelled or invented field fails)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

import synapse_models as sm
from synapse_models._convert import from_wire, to_wire
from synapse_models.models import _wire as w
from synapse_models.models.annotations import Annotations
from synapse_models.tables import _wire as tw
from tests.local.synapse_schema import SCHEMA_DIR, SynapseSchemas

M = "org.sagebionetworks.repo.model."
T = M + "table."

_ROWS = tw.PartialRowSet(
    table_id="syn9",
    rows=[
        tw.PartialRow(values=[tw.CellValue(key="11", value="a"), tw.CellValue(key="12", value=None)]),
        tw.PartialRow(row_id=3, etag="e3", values=[tw.CellValue(key="11", value="b")]),
        tw.PartialRow(row_id=4),
    ],
)

# (what, request object, the REST class its body is)
REQUESTS: list[tuple[str, Any, str]] = [
    (
        "bundle request",
        w.EntityBundleRequest(include_file_handles=True, include_activity=True),
        M + "entitybundle.v2.EntityBundleRequest",
    ),
    (
        "bundle create",
        w.EntityBundleCreate(
            entity=to_wire(sm.Folder(name="raw", parent="syn2")),
            annotations=Annotations({"n": 3, "when": datetime(2024, 1, 1, tzinfo=timezone.utc)}).to_body(
                None, None
            ),
        ),
        M + "entitybundle.v2.EntityBundleCreate",
    ),
    (
        "children",
        w.EntityChildrenRequest(parent_id="syn2", include_types=["file", "folder"]),
        M + "EntityChildrenRequest",
    ),
    (
        "annotations",
        Annotations({"s": ["x", "y"], "f": 0.5, "b": True}).to_body("syn2", "e1"),
        M + "annotation.v2.Annotations",
    ),
    ("principal alias", w.AliasRequest(alias="bob", type="USER_NAME"), M + "principal.PrincipalAliasRequest"),
    (
        "submission",
        w.SubmissionRequest(
            evaluation_id="9",
            entity_id="syn3",
            version_number=2,
            name="try",
            team_id="40",
            contributors=[w.PrincipalRef(principal_id="100")],
        ),
        "org.sagebionetworks.evaluation.model.Submission",
    ),
    (
        "invitation",
        sm.MembershipInvitation(team_id="40", invitee_id="200", message="join"),
        M + "MembershipInvitation",
    ),
    (
        "external file handle",
        sm.ExternalFileHandle(
            external_url="https://x.org/a.csv",
            file_name="a.csv",
            content_type="text/csv",
            content_md5="0" * 32,
        ),
        M + "file.ExternalFileHandle",
    ),
    (
        "activity",
        sm.Activity("align", used=["syn3.2", "https://x.org/data"], executed=["https://x.org/code"]),
        M + "provenance.Activity",
    ),
    ("link", sm.Link(name="counts", target="syn3.2", parent="syn2", links_to_class_name=M + "FileEntity"),
     M + "Link"),
    ("message", sm.Message(recipients=["100", "40"], subject="hi", file_handle_id="7", in_reply_to="9"),
     M + "message.MessageToUser"),
    ("message status", w.MessageStatusBody(message_id="9", status="READ"), M + "message.MessageStatus"),
    (
        "schema change",
        tw.TableUpdateTransactionRequest(
            entity_id="syn9",
            changes=[
                tw.TableSchemaChangeRequest(
                    entity_id="syn9",
                    ordered_column_ids=["12", "13"],
                    changes=[
                        tw.ColumnChange(old_column_id="11", new_column_id="13"),
                        tw.ColumnChange(old_column_id="10"),
                    ],
                ),
            ],
        ),
        T + "TableUpdateTransactionRequest",
    ),
    (
        "row changes and an upload",
        tw.TableUpdateTransactionRequest(
            entity_id="syn9",
            changes=[
                tw.AppendableRowSetRequest(entity_id="syn9", to_append=_ROWS),
                tw.UploadToTableRequest(entity_id="syn9", table_id="syn9", upload_file_handle_id="77"),
            ],
        ),
        T + "TableUpdateTransactionRequest",
    ),
    (
        "view snapshot",
        tw.TableUpdateTransactionRequest(
            entity_id="syn9", create_snapshot=True, snapshot_options=tw.SnapshotOptions(snapshot_comment="c")
        ),
        T + "TableUpdateTransactionRequest",
    ),
    (
        "table snapshot",
        tw.SnapshotRequest(snapshot_comment="c", snapshot_label="v1", snapshot_activity_id="5"),
        T + "SnapshotRequest",
    ),
    (
        "query",
        tw.QueryBundleRequest(
            entity_id="syn9",
            part_mask=0xF,
            query=tw.Query(sql="SELECT * FROM syn9", include_entity_etag=True, offset=10, limit=5),
        ),
        T + "QueryBundleRequest",
    ),
    (
        "csv download",
        tw.DownloadFromTableRequest(
            entity_id="syn9", sql="SELECT * FROM syn9", include_row_id_and_row_version=True
        ),
        T + "DownloadFromTableRequest",
    ),
    (
        "view columns",
        tw.ViewColumnModelRequest(
            view_scope=tw.ViewScope(scope=["syn2"], view_entity_type="entityview", view_type_mask=1),
            next_page_token="t",
        ),
        T + "ViewColumnModelRequest",
    ),
    (
        "column batch",
        w.ListWrapper(items=[sm.Column("age", "INTEGER"), sm.Column("tissue", "STRING", maximum_size=40)]),
        "ListWrapper<org.sagebionetworks.repo.model.table.ColumnModel>",
    ),
]

# answers, as a server sends them
RESPONSES: list[tuple[type, dict[str, Any]]] = [
    (
        w.EntityBundle,
        {
            "entity": {"concreteType": M + "Folder", "id": "syn5", "name": "raw"},
            "annotations": {
                "id": "syn5",
                "etag": "e",
                "annotations": {"n": {"type": "LONG", "value": ["3"]}},
            },
            "fileHandles": [{"concreteType": M + "file.S3FileHandle", "id": "7", "fileName": "a"}],
        },
    ),
    (w.PrincipalRef, {"principalId": 273948}),
    (
        w.TeamEligibility,
        {
            "teamId": "40",
            "evaluationId": "9",
            "eligibilityStateHash": 123,
            "membersEligibility": [
                {"principalId": 100, "isEligible": True, "hasConflictingSubmission": False}
            ],
        },
    ),
    (
        tw.QueryBundle,
        {
            "queryCount": 2,
            "maxRowsPerPage": 50,
            "selectColumns": [{"name": "a", "columnType": "STRING", "id": "11"}],
            "queryResult": {
                "queryResults": {
                    "headers": [{"name": "a", "columnType": "STRING"}],
                    "rows": [
                        {"rowId": 1, "versionNumber": 2, "values": ["x"]},
                        {"rowId": 2, "values": [None]},
                    ],
                }
            },
        },
    ),
    (
        tw.TableUpdateTransactionResponse,
        {
            "snapshotVersionNumber": 4,
            "results": [
                {
                    "concreteType": M + "table.EntityUpdateResults",
                    "updateResults": [
                        {"entityId": "syn3", "failureCode": "CONCURRENT_UPDATE", "failureMessage": "etag"}
                    ],
                }
            ],
        },
    ),
    (w.Page[sm.Column], {"results": [{"name": "a", "columnType": "INTEGER"}], "nextPageToken": "n"}),
]


@pytest.mark.parametrize(("what", "request_body", "_"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_request_classes_round_trip(what: str, request_body: Any, _: str) -> None:
    body = to_wire(request_body)
    read_as = w.ListWrapper[sm.Column] if isinstance(request_body, w.ListWrapper) else type(request_body)
    assert to_wire(from_wire(read_as, body)) == body


@pytest.mark.parametrize(("cls", "answer"), RESPONSES, ids=[r[0].__name__ for r in RESPONSES])
def test_response_classes_read_every_field_they_name(cls: type, answer: dict[str, Any]) -> None:
    obj = from_wire(cls, answer)
    again = from_wire(cls, to_wire(obj))
    assert again == obj


def test_nested_unions_and_camel_case_are_read() -> None:
    bundle = from_wire(w.EntityBundle, RESPONSES[0][1])
    assert isinstance(bundle.file_handles[0], sm.S3FileHandle)
    assert bundle.annotations is not None and Annotations.from_body(bundle.annotations) == {"n": [3]}
    query = from_wire(tw.QueryBundle, RESPONSES[3][1])
    assert [r.row_id for r in query.rows] == [1, 2] and query.rows[1].values == [None]
    assert query.headers[0].column_type == "STRING" and query.max_rows_per_page == 50
    result = from_wire(tw.TableUpdateTransactionResponse, RESPONSES[4][1])
    assert result.results[0].update_results[0].failure_code == "CONCURRENT_UPDATE"
    page = from_wire(w.Page[sm.Column], {"results": [{"name": "a", "columnType": "INTEGER", "id": "3"}]})
    assert page.results[0].id == "3" and page.results[0].type is sm.ColumnType.INTEGER  # id: read, never sent


def test_a_cell_cleared_travels_as_an_absent_value_and_a_deleted_row_without_values() -> None:
    rows = to_wire(_ROWS)["rows"]
    assert rows[0]["values"][1] == {"key": "12"}
    assert rows[2] == {"rowId": 4}


@pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason=f"Synapse schema directory {SCHEMA_DIR} is absent")
@pytest.mark.parametrize(("what", "request_body", "schema"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_request_bodies_validate_against_the_rest_schema(what: str, request_body: Any, schema: str) -> None:
    body = request_body.to_wire() if isinstance(request_body, sm.Activity) else to_wire(request_body)
    assert SynapseSchemas().errors(schema, body) == []
