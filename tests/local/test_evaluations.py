"""Evaluations, submissions and submission statuses of the embedded server (REFERENCE 2.10)."""

from __future__ import annotations

import json
from typing import Any

from synapse_models.local import LocalSynapse
from tests.local.conftest import Api, reason, unique


def _me(api: Api) -> str:
    return str(api.ok("GET", "/userProfile")["ownerId"])


def _evaluation(api: Api, project: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "name": unique("queue"),
        "contentSource": project["id"],
        "submissionReceiptMessage": "thanks",
    } | fields
    return dict(api.ok("POST", "/evaluation", body, status=201))


def _open_to(api: Api, evaluation: dict[str, Any], principal: int | str, access: list[str]) -> dict[str, Any]:
    acl = api.ok("GET", f"/evaluation/{evaluation['id']}/acl")
    acl["resourceAccess"].append({"principalId": int(principal), "accessType": access})
    return dict(api.ok("PUT", "/evaluation/acl", acl))


def _submit(api: Api, evaluation: dict[str, Any], entity: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "evaluationId": evaluation["id"],
        "entityId": entity["id"],
        "versionNumber": entity.get("versionNumber", 1),
    }
    return dict(api.ok("POST", "/evaluation/submission", body | fields, status=201, etag=entity["etag"]))


def test_create_evaluation_gives_creator_full_acl(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    assert evaluation["ownerId"] == _me(alice)
    assert evaluation["contentSource"] == project["id"]
    acl = alice.ok("GET", f"/evaluation/{evaluation['id']}/acl")
    assert set(acl["resourceAccess"][0]["accessType"]) == {
        "CREATE", "READ", "SUBMIT", "READ_PRIVATE_SUBMISSION", "UPDATE_SUBMISSION", "CHANGE_PERMISSIONS",
        "UPDATE", "DELETE", "DELETE_SUBMISSION",
    }  # fmt: skip
    permissions = alice.ok("GET", f"/evaluation/{evaluation['id']}/permissions")
    assert permissions["canEdit"] and permissions["canSubmit"] and permissions["canEditSubmissionStatuses"]
    assert permissions["ownerPrincipalId"] == int(_me(alice))


def test_create_evaluation_validates_input(alice: Api, bob: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    assert (
        alice.post("/evaluation", {"name": evaluation["name"], "contentSource": project["id"]}).status_code
        == 409
    )
    assert alice.post("/evaluation", {"name": unique("queue")}).status_code == 400
    assert alice.post("/evaluation", {"contentSource": project["id"]}).status_code == 400
    assert (
        bob.post("/evaluation", {"name": unique("queue"), "contentSource": project["id"]}).status_code == 403
    )


def test_get_evaluation_by_id_name_and_lists(alice: Api, bob: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    assert alice.ok("GET", f"/evaluation/{evaluation['id']}")["name"] == evaluation["name"]
    assert alice.ok("GET", f"/evaluation/name/{evaluation['name']}")["id"] == evaluation["id"]
    assert [e["id"] for e in alice.ok("GET", f"/entity/{project['id']}/evaluation")["results"]] == [
        evaluation["id"]
    ]
    listed = alice.ok("GET", "/evaluation", accessType="UPDATE", limit=100)
    assert evaluation["id"] in [e["id"] for e in listed["results"]]
    assert evaluation["id"] in [
        e["id"] for e in alice.ok("GET", "/evaluation/available", limit=100)["results"]
    ]
    assert evaluation["id"] not in [e["id"] for e in bob.ok("GET", "/evaluation", limit=100)["results"]]
    assert alice.get("/evaluation", accessType="FLY").status_code == 400


def test_second_user_cannot_see_evaluation_until_shared(alice: Api, bob: Api) -> None:
    evaluation = _evaluation(alice, alice.project())
    assert bob.get(f"/evaluation/{evaluation['id']}").status_code == 403
    assert bob.get(f"/evaluation/name/{evaluation['name']}").status_code == 404
    assert bob.ok("GET", f"/evaluation/{evaluation['id']}/permissions")["canView"] is False
    _open_to(alice, evaluation, _me(bob), ["READ"])
    assert bob.ok("GET", f"/evaluation/{evaluation['id']}")["id"] == evaluation["id"]
    assert bob.ok("GET", f"/evaluation/{evaluation['id']}/permissions")["canView"] is True


def test_update_evaluation_checks_etag(alice: Api, bob: Api) -> None:
    evaluation = _evaluation(alice, alice.project())
    updated = alice.ok("PUT", f"/evaluation/{evaluation['id']}", evaluation | {"description": "new"})
    assert updated["description"] == "new" and updated["etag"] != evaluation["etag"]
    assert updated["submissionReceiptMessage"] == "thanks"
    assert (
        alice.put(f"/evaluation/{evaluation['id']}", evaluation | {"description": "old"}).status_code == 412
    )
    assert alice.put(f"/evaluation/{evaluation['id']}", updated | {"id": "1"}).status_code == 400
    _open_to(alice, updated, _me(bob), ["READ"])
    current = alice.ok("GET", f"/evaluation/{evaluation['id']}")
    assert bob.put(f"/evaluation/{evaluation['id']}", current | {"description": "bob"}).status_code == 403


def test_delete_evaluation(alice: Api) -> None:
    evaluation = _evaluation(alice, alice.project())
    assert alice.delete(f"/evaluation/{evaluation['id']}").status_code == 204
    assert alice.get(f"/evaluation/{evaluation['id']}").status_code == 404


def test_removed_acl_services_answer_410(alice: Api) -> None:
    evaluation = _evaluation(alice, alice.project())
    acl = alice.ok("GET", f"/evaluation/{evaluation['id']}/acl")
    assert alice.post("/evaluation/acl", acl).status_code == 410
    assert alice.delete(f"/evaluation/{evaluation['id']}/acl").status_code == 410


def test_evaluation_acl_rejects_bad_input_and_stale_etag(alice: Api) -> None:
    evaluation = _evaluation(alice, alice.project())
    acl = alice.ok("GET", f"/evaluation/{evaluation['id']}/acl")
    bad_type = acl | {
        "resourceAccess": acl["resourceAccess"] + [{"principalId": 273948, "accessType": ["FLY"]}]
    }
    assert "FLY" in reason(alice.put("/evaluation/acl", bad_type))
    unknown = acl | {
        "resourceAccess": acl["resourceAccess"] + [{"principalId": 999999999, "accessType": ["READ"]}]
    }
    assert alice.put("/evaluation/acl", unknown).status_code == 400
    alice.ok("PUT", "/evaluation/acl", acl)
    assert alice.put("/evaluation/acl", acl).status_code == 412


def test_submit_snapshots_entity_and_creates_received_status(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    alice.ok("PUT", f"/entity/{folder['id']}/annotations2", {
        "id": folder["id"], "etag": folder["etag"], "annotations": {"k": {"type": "STRING", "value": ["v"]}},
    })  # fmt: skip
    folder = alice.ok("GET", f"/entity/{folder['id']}")
    evaluation = _evaluation(alice, project)
    submission = _submit(alice, evaluation, folder, name="my entry")
    assert submission["name"] == "my entry"
    assert submission["userId"] == _me(alice)
    assert submission["versionNumber"] == 1
    bundle = json.loads(submission["entityBundleJSON"])
    assert bundle["entity"]["id"] == folder["id"]
    assert bundle["annotations"]["annotations"]["k"]["value"] == ["v"]
    status = alice.ok("GET", f"/evaluation/submission/{submission['id']}/status")
    assert status["status"] == "RECEIVED"
    assert status["entityId"] == folder["id"]
    assert alice.ok("GET", f"/evaluation/submission/{submission['id']}")["id"] == submission["id"]
    assert alice.ok("GET", f"/evaluation/{evaluation['id']}/submission/count") == 1


def test_submit_requires_current_entity_etag(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    evaluation = _evaluation(alice, project)
    body = {"evaluationId": evaluation["id"], "entityId": folder["id"], "versionNumber": 1}
    response = alice.post("/evaluation/submission", body, etag="not-the-etag")
    assert response.status_code == 400
    assert "etag" in reason(response)
    assert alice.post("/evaluation/submission", body).status_code == 400
    no_version = {"evaluationId": evaluation["id"], "entityId": folder["id"]}
    assert alice.post("/evaluation/submission", no_version, etag=folder["etag"]).status_code == 400
    round_id = body | {"evaluationRoundId": "1"}
    assert alice.post("/evaluation/submission", round_id, etag=folder["etag"]).status_code == 400


def test_submit_needs_submit_permission(alice: Api, bob: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    bob_project = bob.project()
    bob_folder = bob.folder(bob_project)
    body = {"evaluationId": evaluation["id"], "entityId": bob_folder["id"], "versionNumber": 1}
    assert bob.post("/evaluation/submission", body, etag=bob_folder["etag"]).status_code == 403
    _open_to(alice, evaluation, _me(bob), ["READ", "SUBMIT"])
    submission = _submit(bob, evaluation, bob_folder)
    mine = bob.ok("GET", f"/evaluation/{evaluation['id']}/submission")
    assert [s["id"] for s in mine["results"]] == [submission["id"]]
    assert bob.get(f"/evaluation/{evaluation['id']}/submission/all").status_code == 403
    everything = alice.ok("GET", f"/evaluation/{evaluation['id']}/submission/all")
    assert [s["id"] for s in everything["results"]] == [submission["id"]]


def test_status_update_checks_etag_and_validates_annotations(alice: Api, bob: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    submission = _submit(alice, evaluation, alice.folder(project))
    path = f"/evaluation/submission/{submission['id']}/status"
    status = alice.ok("GET", path)
    scored = status | {
        "status": "SCORED",
        "submissionAnnotations": {"annotations": {"score": {"type": "DOUBLE", "value": ["0.75"]}}},
    }
    updated = alice.ok("PUT", path, scored)
    assert updated["status"] == "SCORED"
    assert updated["statusVersion"] == status["statusVersion"] + 1
    assert updated["submissionAnnotations"]["annotations"]["score"] == {"type": "DOUBLE", "value": ["0.75"]}
    assert alice.put(path, scored).status_code == 412
    bad = updated | {
        "submissionAnnotations": {"annotations": {"score": {"type": "DOUBLE", "value": ["high"]}}}
    }
    assert alice.put(path, bad).status_code == 400
    assert alice.put(path, updated | {"status": "WINNING"}).status_code == 400
    assert alice.put(path, updated | {"id": "1"}).status_code == 400
    _open_to(alice, evaluation, _me(bob), ["READ"])
    assert bob.put(path, updated | {"status": "REJECTED"}).status_code == 403
    assert bob.ok("GET", path)["status"] == "SCORED"


def test_list_statuses_and_bundles_filtered_by_status(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    first = _submit(alice, evaluation, alice.folder(project))
    second = _submit(alice, evaluation, alice.folder(project))
    status = alice.ok("GET", f"/evaluation/submission/{second['id']}/status")
    alice.ok("PUT", f"/evaluation/submission/{second['id']}/status", status | {"status": "ACCEPTED"})
    base = f"/evaluation/{evaluation['id']}/submission"
    accepted = alice.get(base + "/all", status="ACCEPTED").json()
    assert [s["id"] for s in accepted["results"]] == [second["id"]]
    received = alice.get(base + "/status/all", status="RECEIVED").json()
    assert [s["id"] for s in received["results"]] == [first["id"]]
    bundles = alice.ok("GET", base + "/bundle/all")
    assert [(b["submission"]["id"], b["submissionStatus"]["status"]) for b in bundles["results"]] == [
        (first["id"], "RECEIVED"),
        (second["id"], "ACCEPTED"),
    ]
    assert len(alice.ok("GET", base + "/bundle")["results"]) == 2
    assert alice.get(base + "/all", status="WINNING").status_code == 400


def test_status_batch_updates_many(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    subs = [_submit(alice, evaluation, alice.folder(project)) for _ in range(2)]
    statuses = [
        alice.ok("GET", f"/evaluation/submission/{s['id']}/status") | {"status": "VALIDATED"} for s in subs
    ]
    batch = {"statuses": statuses, "isFirstBatch": True, "isLastBatch": True}
    alice.ok("PUT", f"/evaluation/{evaluation['id']}/statusBatch", batch)
    assert {alice.ok("GET", f"/evaluation/submission/{s['id']}/status")["status"] for s in subs} == {
        "VALIDATED"
    }
    assert alice.put(f"/evaluation/{evaluation['id']}/statusBatch", batch).status_code == 412


def test_cancellation_only_when_allowed(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    submission = _submit(alice, evaluation, alice.folder(project))
    path = f"/evaluation/submission/{submission['id']}"
    assert alice.put(path + "/cancellation").status_code == 400
    status = alice.ok("GET", path + "/status")
    alice.ok("PUT", path + "/status", status | {"canCancel": True})
    assert alice.put(path + "/cancellation").status_code == 204
    assert alice.ok("GET", path + "/status")["cancelRequested"] is True


def test_delete_submission(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    submission = _submit(alice, evaluation, alice.folder(project))
    assert alice.delete(f"/evaluation/submission/{submission['id']}").status_code == 204
    assert alice.get(f"/evaluation/submission/{submission['id']}").status_code == 404


def test_team_submission_needs_eligibility_hash(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    team = alice.ok("POST", "/team", {"name": unique("challengers")}, status=201)
    folder = alice.folder(project)
    eligibility = alice.ok("GET", f"/evaluation/{evaluation['id']}/team/{team['id']}/submissionEligibility")
    assert eligibility["teamEligibility"]["isEligible"] is True
    assert [m["principalId"] for m in eligibility["membersEligibility"]] == [int(_me(alice))]
    body = {
        "evaluationId": evaluation["id"],
        "entityId": folder["id"],
        "versionNumber": 1,
        "teamId": team["id"],
    }
    assert alice.post("/evaluation/submission", body, etag=folder["etag"]).status_code == 400
    submission = alice.ok(
        "POST",
        "/evaluation/submission",
        body,
        status=201,
        etag=folder["etag"],
        submissionEligibilityHash=str(eligibility["eligibilityStateHash"]),
    )
    assert submission["teamId"] == team["id"]


def test_submitted_file_download_is_authorized_by_the_submission(
    alice: Api, bob: Api, server: LocalSynapse
) -> None:
    evaluation = _evaluation(alice, alice.project())
    _open_to(alice, evaluation, _me(bob), ["READ", "SUBMIT"])
    carol = Api(server.endpoint, server.create_user(unique("carol").replace(" ", "")))
    _open_to(alice, alice.ok("GET", f"/evaluation/{evaluation['id']}"), _me(carol), ["READ"])
    handle_id = bob.handle("prediction.csv")
    file = bob.file(bob.project(), handle_id)
    submission = _submit(bob, evaluation, file)

    def fetch(api: Api, handle: str) -> dict[str, Any]:
        association = {"fileHandleId": handle, "associateObjectId": submission["id"]}
        request = {
            "requestedFiles": [association | {"associateObjectType": "SubmissionAttachment"}],
            "includePreSignedURLs": True,
        }
        return dict(api.ok("POST", "/file/v1/fileHandle/batch", request)["requestedFiles"][0])

    assert fetch(alice, handle_id)["preSignedURL"] == "https://example.org/prediction.csv"
    assert fetch(carol, handle_id)["failureCode"] == "UNAUTHORIZED"
    # A handle not attached to the submission: refused to others; its creator may always read it (Synapse).
    assert "failureCode" not in fetch(alice, alice.handle())
    assert fetch(carol, alice.handle())["failureCode"] in ("NOT_FOUND", "UNAUTHORIZED")


def test_status_batch_is_all_or_nothing(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    first, second = (_submit(alice, evaluation, alice.folder(project)) for _ in range(2))
    paths = [f"/evaluation/submission/{s['id']}/status" for s in (first, second)]
    statuses = [alice.ok("GET", path) | {"status": "INVALID"} for path in paths]
    alice.ok("PUT", paths[1], statuses[1] | {"status": "ACCEPTED"})  # the batch's copy of #2 is now stale
    batch = {"statuses": statuses, "isFirstBatch": True, "isLastBatch": True}
    assert alice.put(f"/evaluation/{evaluation['id']}/statusBatch", batch).status_code == 412
    assert alice.ok("GET", paths[0])["status"] == "RECEIVED"
    assert alice.ok("GET", paths[1])["status"] == "ACCEPTED"


def test_rounds_gate_submissions_and_tag_them(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    base = f"/evaluation/{evaluation['id']}/round"
    past = {"roundStart": "2000-01-01T00:00:00.000Z", "roundEnd": "2001-01-01T00:00:00.000Z"}
    created = alice.ok(
        "POST", base, past | {"limits": [{"limitType": "TOTAL", "maximumSubmissions": 3}]}, status=201
    )
    assert created["evaluationId"] == evaluation["id"]
    folder = alice.folder(project)
    body = {"evaluationId": evaluation["id"], "entityId": folder["id"], "versionNumber": 1}
    closed = alice.post("/evaluation/submission", body, etag=folder["etag"])
    assert closed.status_code == 403 and "round" in reason(closed)
    overlapping = {"roundStart": "2000-06-01T00:00:00.000Z", "roundEnd": "2100-01-01T00:00:00.000Z"}
    assert alice.post(base, overlapping).status_code == 400
    assert (
        alice.post(base, {"roundStart": past["roundEnd"], "roundEnd": past["roundStart"]}).status_code == 400
    )
    assert (
        alice.post(base, past | {"limits": [{"limitType": "HOURLY", "maximumSubmissions": 1}]}).status_code
        == 400
    )
    extended = alice.ok("PUT", f"{base}/{created['id']}", created | {"roundEnd": "2100-01-01T00:00:00.000Z"})
    assert alice.put(f"{base}/{created['id']}", created).status_code == 412
    submission = alice.ok("POST", "/evaluation/submission", body, status=201, etag=folder["etag"])
    assert submission["evaluationRoundId"] == created["id"]
    listed = alice.ok("POST", f"{base}/list", {})
    assert [r["roundEnd"] for r in listed["page"]] == [extended["roundEnd"]]
    assert alice.delete(f"{base}/{created['id']}").status_code == 204
    assert alice.get(f"{base}/{created['id']}").status_code == 404


def test_round_limit_caps_submissions_per_user(alice: Api) -> None:
    project = alice.project()
    evaluation = _evaluation(alice, project)
    window = {"roundStart": "2000-01-01T00:00:00.000Z", "roundEnd": "2100-01-01T00:00:00.000Z"}
    limits = [
        {"limitType": "TOTAL", "maximumSubmissions": 3},
        {"limitType": "DAILY", "maximumSubmissions": 1},
    ]
    alice.ok("POST", f"/evaluation/{evaluation['id']}/round", window | {"limits": limits}, status=201)
    _submit(alice, evaluation, alice.folder(project))
    folder = alice.folder(project)
    body = {"evaluationId": evaluation["id"], "entityId": folder["id"], "versionNumber": 1}
    refused = alice.post("/evaluation/submission", body, etag=folder["etag"])
    assert refused.status_code == 403 and "DAILY" in reason(refused)
