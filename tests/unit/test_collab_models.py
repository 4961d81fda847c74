"""Teams, users, evaluations, submissions and wikis against a scripted Connection (no network)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.errors import NotFoundError, ValidationError
from tests.unit.test_collab_acl import FakeConnection, _alias

TEAM_JSON = {
    "id": "4000",
    "name": "analysts",
    "description": "d",
    "canPublicJoin": False,
    "etag": "t1",
    "createdOn": "2024-01-01T00:00:00.000Z",
    "createdBy": "100",
    "icon": None,
    "futureField": 1,
}


def test_team_store_creates_then_updates_with_etag_and_skips_no_op() -> None:
    conn = FakeConnection(
        {
            ("POST", "/team"): lambda _, body: TEAM_JSON,
            ("PUT", "/team"): lambda _, body: {**body, "etag": "t2"},
        }
    )
    team = sm.Team("analysts", description="d", can_public_join=False).store(connection=conn)
    assert conn.bodies("POST") == [{"name": "analysts", "description": "d", "canPublicJoin": False}]
    assert team.id == "4000" and team.created_on == datetime(2024, 1, 1, tzinfo=timezone.utc)
    team.store()
    assert len(conn.calls) == 1
    team.description = "new"
    team.store()
    body = conn.bodies("PUT")[0]
    assert body["etag"] == "t1" and body["id"] == "4000"
    assert body["futureField"] == 1 and "createdOn" not in body
    assert team.etag == "t2"


def test_team_get_by_exact_name_uses_principal_alias() -> None:
    conn = FakeConnection(
        {
            ("POST", "/principal/alias"): _alias({("analysts", "TEAM_NAME"): 4000}),
            ("GET", "/team/4000"): TEAM_JSON,
        }
    )
    team = sm.Team.get(name="analysts", connection=conn)
    assert team.name == "analysts" and team.id == "4000"
    with pytest.raises(NotFoundError, match="no team is named 'ghosts'"):
        sm.Team.get(name="ghosts", connection=conn)


def test_team_rejects_an_empty_name_and_a_bad_id() -> None:
    with pytest.raises(ValidationError):
        sm.Team("  ")
    with pytest.raises(ValidationError):
        sm.Team.get("abc", connection=FakeConnection())


def test_team_members_are_typed_and_paged() -> None:
    def page(params: Any, _: Any) -> Any:
        start = int(params["offset"])
        items = [
            {
                "teamId": "4000",
                "isAdmin": i == 0,
                "member": {"ownerId": str(100 + i), "userName": f"u{i}", "isIndividual": True},
            }
            for i in range(start, min(start + int(params["limit"]), 60))
        ]
        return {"totalNumberOfResults": 60, "results": items}

    conn = FakeConnection({("GET", "/teamMembers/4000"): page})
    team = sm.Team("analysts", id="4000")
    team._connection = conn
    members = list(team.members())
    assert len(members) == 60 and members[0].is_admin and not members[1].is_admin
    assert members[5].user_name == "u5" and members[5].principal_id == 105
    assert len([c for c in conn.calls if c[0] == "GET"]) == 2


def test_team_invite_by_name_and_by_email() -> None:
    conn = FakeConnection(
        {
            ("POST", "/principal/alias"): _alias({("bob", "USER_NAME"): 200}),
            ("POST", "/membershipInvitation"): lambda _, body: {**body, "id": "1"},
        }
    )
    team = sm.Team("analysts", id="4000")
    team._connection = conn
    invitation = team.invite("bob", message="join us")
    invites = conn.bodies("POST", "/membershipInvitation")
    assert invites[0] == {"teamId": "4000", "inviteeId": "200", "message": "join us"}
    assert invitation.invitee_id == "200"
    team.invite("carol@example.org")
    invites = conn.bodies("POST", "/membershipInvitation")
    assert invites[1] == {"teamId": "4000", "inviteeEmail": "carol@example.org"}


def test_team_join_and_leave_use_the_current_user() -> None:
    conn = FakeConnection({("PUT", "/team/4000/member/100"): None, ("DELETE", "/team/4000/member/100"): None})
    team = sm.Team("analysts", id="4000")
    team._connection = conn
    team.join()
    team.leave()
    assert conn.paths() == ["PUT /team/4000/member/100", "DELETE /team/4000/member/100"]


def test_user_profile_get_by_name_and_me() -> None:
    profile = {"ownerId": "200", "userName": "bob", "etag": "u1", "firstName": "Bob"}
    conn = FakeConnection(
        {
            ("POST", "/principal/alias"): _alias({("bob", "USER_NAME"): 200}),
            ("GET", "/userProfile/200"): profile,
            ("GET", "/userProfile"): {"ownerId": "100", "emails": ["a@x"]},
        }
    )
    bob = sm.UserProfile.get("bob", connection=conn)
    assert bob.owner_id == "200" and bob.first_name == "Bob"
    assert sm.UserProfile.get(200, connection=conn).user_name == "bob"
    assert sm.me(connection=conn).emails == ["a@x"]
    with pytest.raises(NotFoundError, match="no user is named 'zed'"):
        sm.UserProfile.get("zed", connection=conn)


EVAL_JSON = {
    "id": "9",
    "name": "challenge",
    "contentSource": "syn1",
    "etag": "v1",
    "ownerId": "100",
    "submissionInstructionsMessage": "how",
    "submissionReceiptMessage": "thanks",
    "createdOn": "2024-01-01T00:00:00.000Z",
}


def test_evaluation_uses_the_rest_wire_names() -> None:
    conn = FakeConnection({("POST", "/evaluation"): EVAL_JSON})
    project = sm.Project(name="p", id="syn1")
    evaluation = sm.Evaluation(
        "challenge", content_source=project, submission_instructions="how", submission_receipt="thanks"
    ).store(connection=conn)
    assert conn.bodies("POST")[0] == {
        "name": "challenge",
        "contentSource": "syn1",
        "submissionInstructionsMessage": "how",
        "submissionReceiptMessage": "thanks",
    }
    assert evaluation.owner_id == "100" and evaluation.submission_receipt == "thanks"


def test_evaluation_without_content_source_fails_before_any_request() -> None:
    conn = FakeConnection()
    with pytest.raises(ValidationError) as err:
        sm.Evaluation("challenge").store(connection=conn)
    assert err.value.field == "content_source" and conn.calls == []


def test_evaluation_get_by_name_quotes_it() -> None:
    conn = FakeConnection({("GET", "/evaluation/name/my%20challenge"): EVAL_JSON})
    assert sm.Evaluation.get(name="my challenge", connection=conn).id == "9"


def test_submit_reads_the_entity_and_sends_its_etag_and_version() -> None:
    posted: list[Any] = []

    def submission(params: Any, body: Any) -> Any:
        posted.append((params, body))
        return {**body, "id": "77", "userId": "100", "createdOn": "2024-01-02T00:00:00.000Z"}

    conn = FakeConnection(
        {
            ("GET", "/entity/syn3"): {"id": "syn3", "etag": "E3", "versionNumber": 2},
            ("POST", "/evaluation/submission"): submission,
        }
    )
    evaluation = sm.Evaluation._load(conn, EVAL_JSON)
    result = evaluation.submit("syn3", name="try 1")
    assert conn.paths() == ["GET /entity/syn3", "POST /evaluation/submission"]
    params, body = posted[0]
    assert params == {"etag": "E3"}
    assert body == {"evaluationId": "9", "entityId": "syn3", "versionNumber": 2, "name": "try 1"}
    assert result.id == "77" and result.user_id == "100"


def test_submissions_filter_by_status_and_reject_unknown_status() -> None:
    conn = FakeConnection(
        {
            ("GET", "/evaluation/9/submission/all"): lambda params, _: {
                "results": [{"id": "77", "evaluationId": "9", "entityId": "syn3", "versionNumber": 1}]
                if params.get("status") == "SCORED"
                else []
            }
        }
    )
    evaluation = sm.Evaluation._load(conn, EVAL_JSON)
    assert [s.id for s in evaluation.submissions(status="scored")] == ["77"]
    assert list(evaluation.submissions(status=sm.SubmissionStatusEnum.RECEIVED)) == []
    with pytest.raises(ValidationError, match="not a submission status"):
        list(evaluation.submissions(status="DONE"))


STATUS_JSON = {
    "id": "77",
    "etag": "s1",
    "status": "RECEIVED",
    "entityId": "syn3",
    "versionNumber": 1,
    "statusVersion": 0,
    "modifiedOn": "2024-01-02T00:00:00.000Z",
    "submissionAnnotations": {"id": "77", "etag": "s1", "annotations": {}},
}


def test_submission_status_store_sends_typed_annotations_with_the_etag() -> None:
    sent: list[Any] = []

    def put(_: Any, body: Any) -> Any:
        sent.append(body)
        return {**body, "etag": "s2", "statusVersion": 1}

    conn = FakeConnection(
        {
            ("GET", "/evaluation/submission/77/status"): STATUS_JSON,
            ("PUT", "/evaluation/submission/77/status"): put,
        }
    )
    submission = sm.Submission._load(
        conn, {"id": "77", "evaluationId": "9", "entityId": "syn3", "versionNumber": 1}
    )
    status = submission.status()
    assert status.status is sm.SubmissionStatusEnum.RECEIVED and status.status_version == 0
    status.store()
    assert sent == []
    status.status = "SCORED"  # type: ignore[assignment]
    status.submission_annotations["auc"] = 0.91
    status.submission_annotations["rank"] = 1
    status.store()
    body = sent[0]
    assert body["etag"] == "s1" and body["status"] == "SCORED"
    assert body["submissionAnnotations"]["annotations"] == {
        "auc": {"type": "DOUBLE", "value": ["0.91"]},
        "rank": {"type": "LONG", "value": ["1"]},
    }
    assert "statusVersion" not in body and "modifiedOn" not in body
    assert status.etag == "s2" and status.submission_annotations["auc"] == [0.91]
    assert status.status is sm.SubmissionStatusEnum.SCORED


def test_submission_status_get_by_submission_id_is_one_request() -> None:
    conn = FakeConnection({("GET", "/evaluation/submission/77/status"): STATUS_JSON})
    status = sm.SubmissionStatus.get(77, connection=conn)
    assert status.id == "77" and status.etag == "s1"
    assert conn.paths() == ["GET /evaluation/submission/77/status"]
    with pytest.raises(ValidationError):
        sm.SubmissionStatus.get("abc", connection=conn)


def test_submission_status_rejects_an_unknown_status() -> None:
    with pytest.raises(ValidationError):
        sm.SubmissionStatus(id="1", status="FINISHED")


def test_wiki_owner_and_parent_are_checked_before_any_request(tmp_path: Any) -> None:
    conn = FakeConnection()
    with pytest.raises(ValidationError, match="owner"):
        sm.Wiki(title="x", markdown="y").store(connection=conn)
    with pytest.raises(ValidationError, match="parent"):
        sm.Wiki(owner="syn1", parent=sm.Wiki(owner="syn1", title="unsaved"))
    with pytest.raises(ValidationError, match="not a readable file"):
        sm.Wiki(owner="syn1", title="x", attachments=[tmp_path / "missing.png"]).store(connection=conn)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.txt").write_text("1")
    (tmp_path / "b" / "same.txt").write_text("2")
    with pytest.raises(ValidationError, match="share this file name"):
        sm.Wiki(
            owner="syn1", title="x", attachments=[tmp_path / "a" / "same.txt", tmp_path / "b" / "same.txt"]
        ).store(connection=conn)
    assert conn.calls == []


def test_wiki_owner_accepts_entities_ids_and_evaluations() -> None:
    assert sm.Wiki(owner=sm.Project(name="p", id="syn1")).where.path == "/entity/syn1"
    assert sm.Wiki(owner="syn2").where.path == "/entity/syn2"
    assert sm.Wiki(owner=sm.Evaluation("q", id="9")).where.path == "/evaluation/9"
    assert sm.Wiki(owner="syn2", parent="12").parent == "12"
