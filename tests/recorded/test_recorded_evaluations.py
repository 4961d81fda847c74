"""Evaluations: a queue by id and name, a submission, its status scored and read back, a leaderboard view."""

from __future__ import annotations

import pytest

import synapse_models as sm

from .conftest import Made, Recording


@pytest.mark.vcr
def test_queue_submit_score_and_leaderboard(
    recording: Recording, connection: sm.Connection, made: Made
) -> None:
    project = made(sm.Project(name=recording.name("challenge")).store())
    queue = made(
        sm.Evaluation(
            recording.name("pilot challenge"),
            content_source=project,
            submission_instructions="Submit a folder of predictions",
            submission_receipt="Thanks!",
        ).store()
    )
    assert sm.Evaluation.get(name=recording.name("pilot challenge")).id == queue.id
    loaded = sm.Evaluation.get(str(queue.id))
    assert (loaded.submission_instructions, loaded.content_source) == (
        "Submit a folder of predictions",
        project.id,
    )
    assert queue.permissions().can_submit

    entry = sm.Folder(name="predictions v1", parent=project, annotations={"model": "random forest"}).store()
    submission = queue.submit(entry, name="first try")
    assert submission.entity_id == entry.id
    assert [s.id for s in queue.submissions(status="RECEIVED")] == [submission.id]

    status = submission.status()
    assert status.status is sm.SubmissionStatusEnum.RECEIVED
    stale = sm.SubmissionStatus.get(str(submission.id))
    status.status = sm.SubmissionStatusEnum.SCORED
    status.submission_annotations = sm.Annotations({"auc": 0.87, "rank": 1, "passed": True})
    status.store()
    scored = sm.Submission.get(str(submission.id)).status()
    assert scored.status is sm.SubmissionStatusEnum.SCORED
    assert scored.submission_annotations == {"auc": [0.87], "rank": [1], "passed": [True]}
    assert [s.id for s in queue.submissions(status="SCORED", mine=True)] == [submission.id]
    stale.status = sm.SubmissionStatusEnum.INVALID
    with pytest.raises(sm.PreconditionFailedError):
        stale.store()

    board = sm.SubmissionView(name="leaderboard", parent=project, scope=[queue]).store()
    sql = f"SELECT id, status, auc FROM {board.id}"
    rows = recording.eventually(lambda: board.query(sql), until=lambda df: list(df["status"]) == ["SCORED"])
    assert rows["id"].tolist() == [submission.id] and rows["auc"].tolist() == [0.87]

    queue.description = "the pilot's challenge"
    queue.store()
    assert sm.Evaluation.get(str(queue.id)).description == "the pilot's challenge"
