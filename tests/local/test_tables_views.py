"""Entity views on the embedded server: scope, default and annotation columns, write-back, snapshots."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, reason, unique
from .tables_util import PKG, columns, job_ok, partial, query_ok, row_set, transaction, transaction_ok, values


def _annotate(api: Api, entity: dict[str, Any], **annotations: tuple[str, list[str]]) -> None:
    current = api.ok("GET", f"/entity/{entity['id']}/annotations2")
    current["annotations"] = {k: {"type": t, "value": v} for k, (t, v) in annotations.items()}
    api.ok("PUT", f"/entity/{entity['id']}/annotations2", current)


def _view(
    api: Api, parent: dict[str, Any], scope: list[str], mask: int, cols: list[dict[str, Any]]
) -> dict[str, Any]:
    body = {
        "concreteType": PKG + "EntityView",
        "name": unique("view"),
        "parentId": parent["id"],
        "scopeIds": scope,
        "viewTypeMask": mask,
        "columnIds": [c["id"] for c in cols],
    }
    return dict(api.ok("POST", "/entity", body, status=201))


@pytest.fixture(scope="module")
def tree(alice: Api) -> dict[str, Any]:
    project = alice.project()
    folder = alice.folder(project)
    sub = alice.folder(folder)
    first = alice.file(folder, name="a.txt")
    second = alice.file(sub, name="b.txt")
    _annotate(alice, first, tissue=("STRING", ["liver"]), count=("LONG", ["3"]), tags=("STRING", ["x", "y"]))
    _annotate(alice, second, tissue=("STRING", ["brain"]), when=("TIMESTAMP_MS", ["1000"]))
    return {"project": project, "folder": folder, "sub": sub, "first": first, "second": second}


def _view_columns(api: Api) -> list[dict[str, Any]]:
    defaults = api.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=1)[
        "list"
    ]
    by_name = {c["name"]: c for c in defaults}
    extra = columns(
        api,
        {"name": "tissue", "columnType": "STRING", "maximumSize": 20},
        {"name": "count", "columnType": "INTEGER"},
        {"name": "tags", "columnType": "STRING_LIST", "maximumSize": 5},
        {"name": "when", "columnType": "DATE"},
    )
    return [by_name["id"], by_name["name"], by_name["parentId"], by_name["currentVersion"], *extra]


def test_view_rows_come_from_files_in_scope_with_annotations(alice: Api, tree: dict[str, Any]) -> None:
    view = _view(alice, tree["project"], [tree["folder"]["id"]], 0x01, _view_columns(alice))

    bundle = query_ok(alice, f"SELECT * FROM {view['id']} ORDER BY name", includeEntityEtag=True)

    first, second = tree["first"], tree["second"]
    assert values(bundle) == [
        [first["id"], "a.txt", tree["folder"]["id"], "1", "liver", "3", '["x","y"]', None],
        [second["id"], "b.txt", tree["sub"]["id"], "1", "brain", None, None, "1000"],
    ]
    row = bundle["queryResult"]["queryResults"]["rows"][0]
    assert row["rowId"] == int(first["id"][3:])
    assert row["versionNumber"] == 1
    assert row["etag"] == alice.ok("GET", f"/entity/{first['id']}")["etag"]


def test_view_mask_selects_folders(alice: Api, tree: dict[str, Any]) -> None:
    defaults = alice.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=8)[
        "list"
    ]
    view = _view(alice, tree["project"], [tree["project"]["id"]], 0x08, defaults)

    rows = values(query_ok(alice, f"SELECT id FROM {view['id']} ORDER BY id"))

    assert sorted(r[0] for r in rows) == sorted([tree["folder"]["id"], tree["sub"]["id"]])


def test_project_view_lists_the_scope_projects(alice: Api, tree: dict[str, Any]) -> None:
    other = alice.project()
    defaults = alice.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=2)[
        "list"
    ]
    view = _view(alice, tree["project"], [tree["project"]["id"], other["id"]], 0x02, defaults)

    rows = values(query_ok(alice, f"SELECT name FROM {view['id']} ORDER BY name"))

    assert sorted(r[0] for r in rows) == sorted([tree["project"]["name"], other["name"]])


@pytest.mark.parametrize(
    ("mask", "fragment"), [(0x03, "Project"), (0, "viewTypeMask"), (None, "viewTypeMask")]
)
def test_invalid_view_mask_is_400(alice: Api, tree: dict[str, Any], mask: int | None, fragment: str) -> None:
    body = {
        "concreteType": PKG + "EntityView",
        "name": unique("view"),
        "parentId": tree["project"]["id"],
        "scopeIds": [tree["project"]["id"]],
        "viewTypeMask": mask,
    }

    response = alice.post("/entity", body)

    assert response.status_code == 400
    assert fragment in reason(response)


def test_legacy_view_type_sets_the_mask(alice: Api, tree: dict[str, Any]) -> None:
    body = {
        "concreteType": PKG + "EntityView",
        "name": unique("view"),
        "parentId": tree["project"]["id"],
        "scopeIds": [tree["folder"]["id"]],
        "type": "file",
    }

    created = alice.ok("POST", "/entity", body, status=201)

    assert created["viewTypeMask"] == 1


def test_view_write_back_updates_annotations_and_reports_stale_etags(
    alice: Api, tree: dict[str, Any]
) -> None:
    project = alice.project()
    folder = alice.folder(project)
    one = alice.file(folder, name="one.txt")
    two = alice.file(folder, name="two.txt")
    cols = _view_columns(alice)
    view = _view(alice, project, [folder["id"]], 0x01, cols)
    by_name = {c["name"]: c for c in cols}
    fresh_etag = alice.ok("GET", f"/entity/{one['id']}")["etag"]
    change = partial(
        view["id"],
        [
            {
                "rowId": int(one["id"][3:]),
                "etag": fresh_etag,
                "values": {
                    by_name["tissue"]["id"]: "heart",
                    by_name["tags"]["id"]: '["a","b"]',
                    by_name["name"]["id"]: "ignored",
                },
            },
            {"rowId": int(two["id"][3:]), "etag": "stale-etag", "values": {by_name["tissue"]["id"]: "lung"}},
        ],
    )

    result = transaction_ok(alice, view["id"], change)

    updates = result["results"][0]["updateResults"]
    assert updates[0] == {"entityId": one["id"]}
    assert updates[1]["failureCode"] == "CONCURRENT_UPDATE"
    annotations = alice.ok("GET", f"/entity/{one['id']}/annotations2")["annotations"]
    assert annotations["tissue"] == {"type": "STRING", "value": ["heart"]}
    assert annotations["tags"] == {"type": "STRING", "value": ["a", "b"]}
    assert alice.ok("GET", f"/entity/{one['id']}")["name"] == "one.txt"
    assert "tissue" not in alice.ok("GET", f"/entity/{two['id']}/annotations2")["annotations"]
    rows = values(query_ok(alice, f"SELECT name, tissue FROM {view['id']} ORDER BY name"))
    assert rows == [["one.txt", "heart"], ["two.txt", None]]


def test_view_row_set_write_clears_annotation_with_null(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    one = alice.file(folder)
    _annotate(alice, one, count=("LONG", ["5"]))
    cols = _view_columns(alice)
    view = _view(alice, project, [folder["id"]], 0x01, cols)
    count = next(c for c in cols if c["name"] == "count")
    etag = alice.ok("GET", f"/entity/{one['id']}")["etag"]

    result = transaction_ok(
        alice,
        view["id"],
        row_set(view["id"], [count], [{"rowId": int(one["id"][3:]), "etag": etag, "values": [None]}]),
    )

    assert result["results"][0]["updateResults"] == [{"entityId": one["id"]}]
    assert "count" not in alice.ok("GET", f"/entity/{one['id']}/annotations2")["annotations"]


def test_view_rows_only_show_readable_entities(alice: Api, bob: Api, tree: dict[str, Any]) -> None:
    project = bob.project()
    view = _view(bob, project, [tree["folder"]["id"]], 0x01, _view_columns(bob))

    assert values(query_ok(bob, f"SELECT name FROM {view['id']}")) == []


def test_view_snapshot_freezes_rows(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.file(folder, name="early.txt")
    view = _view(alice, project, [folder["id"]], 0x01, _view_columns(alice))

    result = transaction_ok(alice, view["id"], createSnapshot=True, snapshotOptions={"snapshotComment": "c"})
    alice.file(folder, name="late.txt")

    version = result["snapshotVersionNumber"]
    assert values(query_ok(alice, f"SELECT name FROM {view['id']}.{version}")) == [["early.txt"]]
    assert len(values(query_ok(alice, f"SELECT name FROM {view['id']}"))) == 2


def test_view_snapshot_with_other_changes_is_400(alice: Api, tree: dict[str, Any]) -> None:
    view = _view(alice, tree["project"], [tree["folder"]["id"]], 0x01, _view_columns(alice))

    response = alice.post(
        f"/entity/{view['id']}/table/transaction/async/start",
        {
            "concreteType": PKG + "TableUpdateTransactionRequest",
            "createSnapshot": True,
            "changes": [partial(view["id"], [])],
        },
    )

    assert response.status_code == 400
    assert transaction(alice, view["id"]).status_code == 201


def test_scope_columns_suggest_annotation_columns(alice: Api, tree: dict[str, Any]) -> None:
    body = {
        "concreteType": PKG + "ViewColumnModelRequest",
        "viewScope": {"scope": [tree["folder"]["id"]], "viewTypeMask": 1},
    }

    result = job_ok(alice, "/column/view/scope", body)

    by_name = {c["name"]: c for c in result["results"]}
    assert by_name["tissue"]["columnType"] == "STRING"
    assert by_name["count"]["columnType"] == "INTEGER"
    assert by_name["tags"]["columnType"] == "STRING_LIST"
    assert by_name["when"]["columnType"] == "DATE"


def test_submission_view_rows_come_from_submissions_and_status_annotations(alice: Api, bob: Api) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("queue"), "contentSource": project["id"]}, status=201
    )
    entry = alice.file(project, name="entry.txt")
    body = {"evaluationId": evaluation["id"], "entityId": entry["id"], "versionNumber": 1, "name": "my entry"}
    submission = alice.ok("POST", "/evaluation/submission", body, status=201, etag=entry["etag"])
    status = alice.ok("GET", f"/evaluation/submission/{submission['id']}/status")
    status["status"] = "SCORED"
    status["submissionAnnotations"] = {"annotations": {"score": {"type": "DOUBLE", "value": ["0.75"]}}}
    alice.ok("PUT", f"/evaluation/submission/{submission['id']}/status", status)
    defaults = alice.ok("GET", "/column/tableview/defaults", viewEntityType="submissionview")["list"]
    (score,) = columns(alice, {"name": "score", "columnType": "DOUBLE"})
    view_body = {
        "concreteType": PKG + "SubmissionView",
        "name": unique("subview"),
        "parentId": project["id"],
        "scopeIds": [evaluation["id"]],
        "columnIds": [c["id"] for c in defaults] + [score["id"]],
    }
    view = alice.ok("POST", "/entity", view_body, status=201)

    bundle = query_ok(alice, f"SELECT id, name, status, evaluationid, entityid, score FROM {view['id']}")
    outsider = bob.post(
        f"/entity/{view['id']}/table/query/async/start",
        {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT * FROM {view['id']}"}},
    )

    assert values(bundle) == [[submission["id"], "my entry", "SCORED", evaluation["id"], entry["id"], "0.75"]]
    assert bundle["queryResult"]["queryResults"]["rows"][0]["rowId"] == int(submission["id"])
    assert outsider.status_code == 403
