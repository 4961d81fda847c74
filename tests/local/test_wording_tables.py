"""Refusals and leniencies of columns, table cells, CSV uploads, views and submissions, as Synapse has them.

Each test names where Synapse says or does it (Synapse-Repository-Services sources) and pins the status and
the exact reason; the leniencies are what code written against synapse.org relies on.
"""

from __future__ import annotations

from typing import Any

import pytest

from synapse_models.local.areas.views import scope

from .conftest import Api, reason, unique
from .tables_util import PKG, columns, job, job_ok, query_ok, row_set, table, transaction, upload_csv, values

ENTITY_VIEW = PKG + "EntityView"
SUBMISSION_VIEW = PKG + "SubmissionView"


def _refused(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    return reason(response)


# -- column models (ColumnModelUtils) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (999999999, "ColumnModel.maxSize for a STRING cannot exceed: 1000"),
        (0, "ColumnModel.maxSize for a STRING must be greater than 0"),
    ],
)
def test_string_column_size_out_of_range_is_400(alice: Api, size: int, expected: str) -> None:
    for column_type in ("STRING", "STRING_LIST", "LINK"):
        response = alice.post("/column", {"name": "s", "columnType": column_type, "maximumSize": size})
        assert _refused(response, 400) == expected


def test_double_column_with_maximum_size_is_accepted(alice: Api) -> None:
    """Copied column models carry a size; Synapse keeps it for a DOUBLE and does not check it."""
    (column,) = columns(alice, {"name": "n", "columnType": "DOUBLE", "maximumSize": 50})
    assert (column["columnType"], column["maximumSize"]) == ("DOUBLE", 50)
    created = table(alice, alice.project(), [column])
    appended = row_set(created["id"], [column], [{"values": ["1.25"]}])
    job_ok(alice, f"/entity/{created['id']}/table/append", appended)
    assert values(query_ok(alice, f"SELECT n FROM {created['id']}")) == [["1.25"]]


# -- JSON cells (JsonParser: org.json) -------------------------------------------------------------------


def test_json_cells_are_read_as_leniently_as_org_json(alice: Api) -> None:
    (column,) = columns(alice, {"name": "j", "columnType": "JSON"})
    created = table(alice, alice.project(), [column])
    cells = ["{'key1': 'value1', 'key2': 2}", "{a: b, ok: True,}", '[1, "x", {"y": null}]']
    appended = row_set(created["id"], [column], [{"values": [cell]} for cell in cells])
    job_ok(alice, f"/entity/{created['id']}/table/append", appended)
    assert values(query_ok(alice, f"SELECT j FROM {created['id']} ORDER BY ROW_ID")) == [
        ['{"key1":"value1","key2":2}'],
        ['{"a":"b","ok":true}'],
        ['[1,"x",{"y":null}]'],
    ]


def test_json_cell_that_is_no_object_or_array_is_400(alice: Api) -> None:
    (column,) = columns(alice, {"name": "j", "columnType": "JSON"})
    created = table(alice, alice.project(), [column])
    appended = row_set(created["id"], [column], [{"values": ["Not a json object or array"]}])
    # The refusal is the job's: poll it until it is no longer running (a busy machine may be slow).
    response = job(alice, f"/entity/{created['id']}/table/append", appended)
    assert _refused(response, 400) == (
        "Value 'Not a json object or array' is not valid for column 'j' (JSON): Invalid JSON object or array:"
        " A JSONObject text must begin with '{' at 1 [character 2 line 1],"
        " A JSONArray text must start with '[' at 1 [character 2 line 1]"
    )


# -- CSV uploads (TableModelUtils, CSVToRowIterator) -----------------------------------------------------


def _csv_table(api: Api) -> dict[str, Any]:
    cols = columns(api, {"name": "name", "columnType": "STRING"}, {"name": "n", "columnType": "INTEGER"})
    return table(api, api.project(), cols)


def test_csv_header_naming_no_column_is_400(alice: Api) -> None:
    created = _csv_table(alice)
    response = upload_csv(alice, created["id"], "name,colour\na,red\n")
    assert _refused(response, 400) == (
        "The first line is expected to be a header but the values do not match the names of of the columns"
        " of the table (colour is not a valid column name or id). Header row: name,colour"
    )


def test_csv_short_rows_and_blank_lines_are_accepted(alice: Api) -> None:
    """Synapse fills a short row's missing cells with nothing; the official client's chunked uploads
    send a blank line after the header and a last line without its newline."""
    created = _csv_table(alice)
    response = upload_csv(alice, created["id"], "name,n\n\na,1\nb\nc,3,extra")
    assert response.status_code == 201, response.text
    rows = values(query_ok(alice, f"SELECT name, n FROM {created['id']} ORDER BY ROW_ID"))
    assert rows == [["a", "1"], ["b", None], ["c", "3"]]


# -- views (EntityMetadataIndexProvider, SubmissionMetadataIndexProvider, TableViewManagerImpl) ---------


def _view_body(parent: dict[str, Any], scope_ids: list[Any], **fields: Any) -> dict[str, Any]:
    body = {
        "concreteType": ENTITY_VIEW,
        "name": unique("view"),
        "parentId": parent["id"],
        "scopeIds": scope_ids,
    }
    return body | fields


def test_view_scope_comes_back_as_numbers_and_is_not_checked_for_containers(alice: Api) -> None:
    project = alice.project()
    folder, file = alice.folder(project), alice.file(project)
    body = _view_body(project, [folder["id"], file["id"], "999999999"], type="project")
    view = alice.ok("POST", "/entity", body, status=201)
    assert view["scopeIds"] == [folder["id"][3:], file["id"][3:], "999999999"]
    assert view["viewTypeMask"] == 0x02


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"scopeIds": ["folder"], "viewTypeMask": 1}, "folder is not a valid Synapse ID."),
        ({"viewTypeMask": 0x03}, "The Project type cannot be combined with any other type."),
        ({}, "Either 'viewType' or 'viewTypeMask' must be provided"),
    ],
)
def test_invalid_entity_view_is_400(alice: Api, fields: dict[str, Any], expected: str) -> None:
    project = alice.project()
    response = alice.post("/entity", _view_body(project, [project["id"]]) | fields)
    assert _refused(response, 400) == expected


def test_view_scope_over_the_limit_is_400(alice: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scope, "MAX_SCOPE", 2)  # Synapse's limit is 35,000; the server runs in this process
    project = alice.project()
    alice.folder(alice.folder(project))
    response = alice.post("/entity", _view_body(project, [project["id"]], viewTypeMask=1))
    assert _refused(response, 400) == (
        "The view's scope exceeds the maximum number of 2 projects and/or folders."
        " Note: The sub-folders of each project and folder in the scope count towards the limit."
    )
    projects = [alice.project()["id"] for _ in range(3)]
    response = alice.post("/entity", _view_body(project, projects, viewTypeMask=2))
    assert _refused(response, 400) == "The view's scope exceeds the maximum number of 2 projects."
    body = _view_body(project, ["1", "2", "3"], concreteType=SUBMISSION_VIEW)
    response = alice.post("/entity", body)
    assert _refused(response, 400) == "The view's scope exceeds the maximum number of 2 evaluations."


def test_submission_view_scope_is_checked_only_for_size(alice: Api) -> None:
    project = alice.project()
    defaults = alice.ok("GET", "/column/tableview/defaults", viewEntityType="submissionview")["list"]
    body = _view_body(
        project, [project["id"], "123"], concreteType=SUBMISSION_VIEW, columnIds=[c["id"] for c in defaults]
    )
    view = alice.ok("POST", "/entity", body, status=201)
    assert view["scopeIds"] == [project["id"][3:], "123"]
    assert values(query_ok(alice, f"SELECT id FROM {view['id']}")) == []


@pytest.mark.parametrize("concrete_type", [ENTITY_VIEW, SUBMISSION_VIEW])
def test_snapshot_of_view_without_scope_is_400(alice: Api, concrete_type: str) -> None:
    project = alice.project()
    body = _view_body(project, [], concreteType=concrete_type, viewTypeMask=1)
    view = alice.ok("POST", "/entity", body, status=201)
    response = transaction(alice, view["id"], createSnapshot=True)
    assert _refused(response, 400) == "You cannot create a version of a view that has no scope."


# -- submissions (EvaluationController) -------------------------------------------------------------------


def test_unknown_submission_status_filter_is_400_no_enum_constant(alice: Api) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("queue"), "contentSource": project["id"]}, status=201
    )
    for path in ("submission/bundle/all", "submission/all", "submission/status/all"):
        response = alice.get(f"/evaluation/{evaluation['id']}/{path}", status="nonexistent_status")
        assert _refused(response, 400) == (
            "No enum constant org.sagebionetworks.evaluation.model.SubmissionStatusEnum.NONEXISTENT_STATUS"
        )
    lenient = alice.get(f"/evaluation/{evaluation['id']}/submission/all", status=" scored ")
    assert (lenient.status_code, lenient.json()["results"]) == (200, [])


def test_submission_view_column_suggestions_come_from_submission_annotations(alice: Api) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("queue"), "contentSource": project["id"]}, status=201
    )
    entry = alice.file(project)
    body = {"evaluationId": evaluation["id"], "entityId": entry["id"], "versionNumber": 1}
    submission = alice.ok("POST", "/evaluation/submission", body, status=201, etag=entry["etag"])
    status = alice.ok("GET", f"/evaluation/submission/{submission['id']}/status")
    status["submissionAnnotations"] = {
        "annotations": {
            "foo": {"type": "DOUBLE", "value": [0.5]},
            "bogosity": {"type": "STRING", "value": ["x"]},
        }
    }
    alice.ok("PUT", f"/evaluation/submission/{submission['id']}/status", status)
    request = {
        "concreteType": PKG + "ViewColumnModelRequest",
        "viewScope": {"scope": [evaluation["id"]], "viewEntityType": "submissionview"},
    }
    result = job_ok(alice, "/column/view/scope", request)
    assert {c["name"]: c["columnType"] for c in result["results"]} == {"foo": "DOUBLE", "bogosity": "STRING"}


def test_unknown_evaluation_and_submission_ids_are_refused_in_synapse_words(alice: Api, bob: Api) -> None:
    """EvaluationDAOImpl, EvaluationManagerImpl, SubmissionManagerImpl, SubmissionDAOImpl: ids are looked up
    as given, so ``syn123`` is simply not found."""
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("queue"), "contentSource": project["id"]}, status=201
    )
    bob_id = bob.ok("GET", "/userProfile")["ownerId"]
    refusals = [
        (
            alice.get("/evaluation/syn999999999999"),
            404,
            "Evaluation could not be found with id :syn999999999999",
        ),
        (
            bob.get(f"/evaluation/{evaluation['id']}"),
            403,
            f"User {bob_id} is not authorized to READ evaluation {evaluation['id']} ({evaluation['name']})",
        ),
        (
            alice.get("/evaluation/syn999999999999/submission/bundle/all"),
            403,
            "User lacks READ_PRIVATE_SUBMISSION access to Evaluation syn999999999999",
        ),
        (
            alice.get("/evaluation/submission/syn999999999999/status"),
            404,
            "Cannot find submission or status for id syn999999999999",
        ),
        (alice.get("/evaluation/submission/999999999"), 404, "Submission '999999999' does not exist"),
    ]
    for response, status, expected in refusals:
        assert _refused(response, status) == expected


def test_csv_upload_to_a_view_updates_the_annotations(alice: Api) -> None:
    """A view's query CSV, edited and uploaded again, changes the entities' annotations (as on Synapse)."""
    project = alice.project()
    folder = alice.folder(project)
    file = alice.file(folder, name="image.jpg")
    annotations = alice.ok("GET", f"/entity/{file['id']}/annotations2")
    annotations["annotations"] = {"fileFormat": {"type": "STRING", "value": ["jpg"]}}
    alice.ok("PUT", f"/entity/{file['id']}/annotations2", annotations)
    (format_column,) = columns(alice, {"name": "fileFormat", "columnType": "STRING"})
    defaults = alice.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=1)[
        "list"
    ]
    name_column = next(c for c in defaults if c["name"] == "name")
    body = _view_body(
        project, [folder["id"]], viewTypeMask=1, columnIds=[name_column["id"], format_column["id"]]
    )
    view = alice.ok("POST", "/entity", body, status=201)
    etag = alice.ok("GET", f"/entity/{file['id']}")["etag"]
    csv_text = f'ROW_ID,ROW_VERSION,ROW_ETAG,name,fileFormat\n{file["id"][3:]},1,{etag},"image.jpg","PNG"\n'

    response = upload_csv(alice, view["id"], csv_text)

    assert response.status_code == 201, response.text
    assert response.json()["results"][0]["rowsProcessed"] == 1
    stored = alice.ok("GET", f"/entity/{file['id']}/annotations2")["annotations"]
    assert stored["fileFormat"] == {"type": "STRING", "value": ["PNG"]}
    assert values(query_ok(alice, f"SELECT fileFormat FROM {view['id']}")) == [["PNG"]]
