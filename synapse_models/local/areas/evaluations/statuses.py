"""Submission statuses (REFERENCE 2.10, 3.9): reading a SubmissionStatus and updating it, one at a time or
in batches, with etag checks (412) and validated ``submissionAnnotations``.
"""

from __future__ import annotations

from typing import Any

from ...core.context import RequestContext, nonempty_list
from ...core.errors import BadRequest, Forbidden, NotFound, stale_etag
from ...core.ids import parse_id
from ...core.routing import Routes
from ...core.store import dumps, loads
from ...core.txn import Txn
from ..entities.service import validate_annotations
from .records import (
    REPO,
    evaluation_access,
    key_of,
    parse_status,
    require_evaluation_access,
    require_submissions_access,
)
from .submissions import can_see_submission, status_json, status_row, submission_row

routes = Routes()

STATUS_FIELDS = ("score", "report", "annotations", "canCancel", "cancelRequested", "submissionAnnotations")


@routes.route("GET", REPO + "/evaluation/submission/<id>/status")
def get_submission_status(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    found = ctx.db.execute("SELECT 1 FROM submission_statuses WHERE id = ?", (key,)).fetchone()
    if found is None:
        raise NotFound(f"Cannot find submission or status for id {id}")  # Synapse's words
    row = submission_row(ctx.db, key)
    if not can_see_submission(ctx, row) and "READ" not in evaluation_access(ctx, row["evaluation_id"]):
        raise Forbidden(f"You may not read the status of submission {id}")
    return status_json(ctx, status_row(ctx.db, key), row)


def _apply_status(txn: Txn, body: dict[str, Any], submission_id: int | None = None) -> dict[str, Any]:
    if body.get("id") is None and submission_id is None:
        raise BadRequest("SubmissionStatus.id is required")
    if (
        submission_id is not None
        and body.get("id") is not None
        and parse_id(body["id"], "submission id") != submission_id
    ):
        raise BadRequest(f"The id in the body must match the path: {submission_id}")
    sid = submission_id if submission_id is not None else parse_id(body["id"], "submission id")
    row = submission_row(txn.db, sid)
    require_evaluation_access(txn, row["evaluation_id"], "UPDATE_SUBMISSION")
    status = status_row(txn.db, sid)
    if body.get("etag") != status["etag"]:
        raise stale_etag(str(sid))
    new_status = parse_status(str(body.get("status") or status["status"]))
    fields = dict(loads(status["fields"]) or {})
    for key in STATUS_FIELDS:
        if key in body:
            fields[key] = body[key]
    raw_annotations = body.get("submissionAnnotations")
    if raw_annotations is not None:
        if not isinstance(raw_annotations, dict):
            raise BadRequest("submissionAnnotations must be an Annotations object")
        fields["submissionAnnotations"] = validate_annotations(raw_annotations.get("annotations"))
    else:
        fields.pop("submissionAnnotations", None)
    if fields.get("score") is not None and not isinstance(fields["score"], (int, float)):
        raise BadRequest(f"SubmissionStatus.score must be a number, got {fields['score']!r}")
    for key in ("canCancel", "cancelRequested"):
        if fields.get(key) is not None and not isinstance(fields[key], bool):
            raise BadRequest(f"SubmissionStatus.{key} must be a boolean")
    fields = {k: v for k, v in fields.items() if v is not None}
    txn.db.execute(
        "UPDATE submission_statuses SET etag = ?, modified_on = ?, status = ?,"
        " status_version = status_version + 1, fields = ? WHERE id = ?",
        (txn.new_etag(), txn.now(), new_status, dumps(fields), sid),
    )
    return status_json(txn, status_row(txn.db, sid), row)


@routes.route("PUT", REPO + "/evaluation/submission/<id>/status")
def put_submission_status(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    return _apply_status(ctx, ctx.json_object(), key)


@routes.route("PUT", REPO + "/evaluation/<id>/statusBatch")
def put_status_batch(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_submissions_access(ctx, key, "UPDATE_SUBMISSION", id)
    body = ctx.json_object()
    statuses = nonempty_list(
        body.get("statuses"),
        limit=500,
        missing="SubmissionStatusBatch.statuses is required",
        too_many="A batch may hold at most 500 statuses",
    )
    if body.get("isFirstBatch") is None or body.get("isLastBatch") is None:
        raise BadRequest("SubmissionStatusBatch.isFirstBatch and isLastBatch are required")
    for item in statuses:
        if not isinstance(item, dict):
            raise BadRequest("Each status must be a SubmissionStatus object")
        sid = parse_id(item.get("id"), "submission id")
        if submission_row(ctx.db, sid)["evaluation_id"] != key:
            raise BadRequest(f"Submission {sid} does not belong to evaluation {id}")
        _apply_status(ctx, item, sid)
    if body.get("isLastBatch"):
        return {}
    return {"nextUploadToken": ctx.app.ids.random_hex(ctx.db, "statusBatch", 16)}
