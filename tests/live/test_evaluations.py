"""Evaluation queues, submissions from a second user, and scoring, against LocalSynapse."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

import synapse_models as sm
from synapse_models.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    ValidationError,
)


@pytest.fixture
def queue(alice: sm.Connection, project: sm.Project) -> Iterator[sm.Evaluation]:
    made = sm.Evaluation(
        f"queue {uuid.uuid4().hex[:8]}",
        content_source=project,
        submission_instructions="Submit a folder",
        submission_receipt="Thanks!",
    ).store()
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete(connection=alice)


@pytest.fixture
def bobs_entry(bob: sm.Connection) -> Iterator[sm.Folder]:
    """A folder bob owns, in his own project, to submit."""
    bobs_project = sm.Project(name=f"bob entries {uuid.uuid4().hex[:8]}").store(connection=bob)
    entry = sm.Folder(name="predictions", parent=bobs_project, annotations={"model": "rf"})
    entry.store(connection=bob)
    yield entry
    bobs_project.delete(connection=bob)


def test_store_and_get_by_id_and_name(
    alice: sm.Connection, project: sm.Project, queue: sm.Evaluation
) -> None:
    assert queue.id and queue.etag and queue.owner_id == alice.user_id and queue.created_on is not None
    by_id = sm.Evaluation.get(queue.id)
    assert by_id.content_source == project.id
    assert by_id.submission_instructions == "Submit a folder" and by_id.submission_receipt == "Thanks!"
    assert sm.Evaluation.get(name=queue.name).id == queue.id


def test_update_is_etag_checked_and_no_op_is_skipped(alice: sm.Connection, queue: sm.Evaluation) -> None:
    etag = queue.etag
    queue.store()
    assert queue.etag == etag
    stale = sm.Evaluation.get(queue.id)
    queue.description = "round 1"
    queue.store()
    assert queue.etag != etag and sm.Evaluation.get(queue.id).description == "round 1"
    stale.description = "overwrite"
    with pytest.raises(PreconditionFailedError):
        stale.store()


def test_storing_a_new_queue_with_a_taken_name_updates_it(
    alice: sm.Connection, project: sm.Project, queue: sm.Evaluation
) -> None:
    again = sm.Evaluation(queue.name, content_source=project, description="same queue").store()
    assert again.id == queue.id and again.submission_instructions == "Submit a folder"
    assert sm.Evaluation.get(queue.id).description == "same queue"
    with pytest.raises(ConflictError):
        sm.Evaluation(queue.name, content_source=project).store(create_or_update=False)


def test_delete_removes_the_queue(alice: sm.Connection, queue: sm.Evaluation) -> None:
    queue.delete()
    with pytest.raises(NotFoundError):
        sm.Evaluation.get(queue.id)


def test_bob_submits_alice_scores_bob_sees_the_score(
    alice: sm.Connection, bob: sm.Connection, queue: sm.Evaluation, bobs_entry: sm.Folder
) -> None:
    with pytest.raises(BLOCKED):
        sm.Evaluation.get(queue.id, connection=bob).submit(bobs_entry, name="attempt 1")
    queue.grant("bob", ["READ", "SUBMIT"])
    bobs_queue = sm.Evaluation.get(queue.id, connection=bob)
    submission = bobs_queue.submit(bobs_entry, name="attempt 1")
    assert submission.id and submission.user_id == bob.user_id and submission.entity_id == bobs_entry.id
    assert submission.name == "attempt 1" and submission.entity_bundle_json

    received = list(queue.submissions(status="RECEIVED"))
    assert [s.id for s in received] == [submission.id]
    assert list(queue.submissions(status=sm.SubmissionStatusEnum.SCORED)) == []
    assert [s.id for s in bobs_queue.submissions(mine=True)] == [submission.id]

    status = received[0].status()
    assert status.status is sm.SubmissionStatusEnum.RECEIVED and not status.submission_annotations
    status.status = sm.SubmissionStatusEnum.SCORED
    status.submission_annotations = sm.Annotations({"auc": 0.87, "rank": 1, "passed": True, "notes": "good"})
    status.store()
    assert [s.id for s in queue.submissions(status="SCORED")] == [submission.id]

    seen_by_bob = sm.Submission.get(submission.id, connection=bob).status()
    assert seen_by_bob.status is sm.SubmissionStatusEnum.SCORED
    expected = {"auc": [0.87], "rank": [1], "passed": [True], "notes": ["good"]}
    assert seen_by_bob.submission_annotations == expected
    assert isinstance(seen_by_bob.submission_annotations["rank"][0], int)
    with pytest.raises(ForbiddenError):
        seen_by_bob.status = sm.SubmissionStatusEnum.ACCEPTED
        seen_by_bob.store()


def test_stale_submission_status_etag_is_rejected(
    alice: sm.Connection, bob: sm.Connection, queue: sm.Evaluation, bobs_entry: sm.Folder
) -> None:
    queue.grant("bob", ["READ", "SUBMIT"])
    submission = sm.Evaluation.get(queue.id, connection=bob).submit(bobs_entry)
    first = sm.Submission.get(submission.id, connection=alice).status()
    second = sm.Submission.get(submission.id, connection=alice).status()
    first.status = "VALIDATED"  # type: ignore[assignment]
    first.store()
    etag = first.etag
    first.store()  # nothing changed: nothing sent
    assert first.etag == etag
    second.status = "INVALID"  # type: ignore[assignment]
    with pytest.raises(PreconditionFailedError):
        second.store()
    final = sm.Submission.get(submission.id, connection=alice).status()
    assert final.status is sm.SubmissionStatusEnum.VALIDATED


def test_submit_sends_the_current_etag_so_changes_after_a_read_are_seen(
    alice: sm.Connection, bob: sm.Connection, queue: sm.Evaluation, bobs_entry: sm.Folder
) -> None:
    queue.grant("bob", ["READ", "SUBMIT"])
    stale_copy = sm.Folder.get(bobs_entry.id, connection=bob)
    bobs_entry.description = "changed after the read"
    bobs_entry.store()
    submission = sm.Evaluation.get(queue.id, connection=bob).submit(stale_copy)
    assert "changed after the read" in str(submission.entity_bundle_json)


def test_team_submission_lists_contributors(
    alice: sm.Connection, bob: sm.Connection, queue: sm.Evaluation, bobs_entry: sm.Folder
) -> None:
    team = sm.Team(f"challengers {uuid.uuid4().hex[:8]}", can_public_join=True).store(connection=bob)
    try:
        queue.grant(team, ["READ", "SUBMIT"])
        submission = sm.Evaluation.get(queue.id, connection=bob).submit(bobs_entry, team=team)
        assert submission.team_id == team.id
        assert [c["principalId"] for c in submission.contributors or []] == [bob.user_id]
    finally:
        team.delete()


def test_bad_input_fails_before_any_request(alice: sm.Connection, queue: sm.Evaluation) -> None:
    with pytest.raises(ValidationError):
        queue.submit("not-an-id")
    with pytest.raises(ValidationError):
        list(queue.submissions(status="FINISHED"))
    with pytest.raises(ValidationError):
        sm.Evaluation.get("abc")


def test_submitting_something_you_cannot_read_is_refused(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project, queue: sm.Evaluation
) -> None:
    queue.grant("bob", ["READ", "SUBMIT"])
    secret = sm.Folder(name="secret", parent=project).store(connection=alice)
    with pytest.raises((ForbiddenError, NotFoundError, BadRequestError)):
        sm.Evaluation.get(queue.id, connection=bob).submit(secret.id or "")


BLOCKED = (ForbiddenError, NotFoundError)
