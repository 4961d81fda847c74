"""Evaluation submissions (REFERENCE 2.10, 3.9): creating, reading, deleting and cancelling submissions,
team submission eligibility, the ``SubmissionAttachment`` file association and the submission listings.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.ids import parse_id
from ...core.paging import offset_limit
from ...core.routing import Routes
from ...core.store import dumps, loads, row_by_id
from ...core.txn import Txn
from ..entities.service import entity_access, entity_json, get_version, parse_entity_id, require_entity
from ..files import service as files
from ..files.service import Association
from ..teams.service import is_member, member_ids, require_team
from .records import (
    REPO,
    eval_row,
    evaluation_access,
    key_of,
    parse_status,
    require_evaluation_access,
    require_submissions_access,
)
from .rounds import current_round

routes = Routes()

# -- submissions ------


def submission_row(db: sqlite3.Connection, submission_id: int, shown: str | None = None) -> sqlite3.Row:
    """The submission's row; 404 in Synapse's words naming the id as given (``shown``)."""
    return row_by_id(
        db,
        "submissions",
        submission_id,
        f"Submission '{submission_id if shown is None else shown}' does not exist",
    )


def _submission_json(row: sqlite3.Row) -> dict[str, Any]:
    return dict(loads(row["body"]))


def status_row(db: sqlite3.Connection, submission_id: int) -> sqlite3.Row:
    return row_by_id(
        db, "submission_statuses", submission_id, f"Submission status: '{submission_id}' does not exist"
    )


def status_json(txn: Txn, status: sqlite3.Row, submission: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = dict(loads(status["fields"]) or {})
    private = "READ_PRIVATE_SUBMISSION" in evaluation_access(txn, submission["evaluation_id"])
    if not private and isinstance(body.get("annotations"), dict):
        body["annotations"] = _public_v1_annotations(body["annotations"])
    annotations = body.get("submissionAnnotations")
    if annotations is not None:
        body["submissionAnnotations"] = {
            "id": str(status["id"]),
            "etag": status["etag"],
            "annotations": annotations,
        }
    body.update(
        id=str(status["id"]),
        etag=status["etag"],
        modifiedOn=status["modified_on"],
        status=status["status"],
        statusVersion=status["status_version"],
        entityId=submission["entity_id"],
        versionNumber=submission["version_number"],
    )
    body.setdefault("canCancel", False)
    body.setdefault("cancelRequested", False)
    return body


def _public_v1_annotations(annotations: dict[str, Any]) -> dict[str, Any]:
    result = dict(annotations)
    for key in ("stringAnnos", "longAnnos", "doubleAnnos"):
        if isinstance(result.get(key), list):
            result[key] = [a for a in result[key] if not (isinstance(a, dict) and a.get("isPrivate", True))]
    return result


def can_see_submission(txn: Txn, row: sqlite3.Row) -> bool:
    if row["user_id"] == txn.user_id:
        return True
    if row["team_id"] is not None and is_member(txn.db, row["team_id"], txn.user_id):
        return True
    return "READ_PRIVATE_SUBMISSION" in evaluation_access(txn, row["evaluation_id"])


def eligibility(db: sqlite3.Connection, evaluation_id: int, team_id: int) -> dict[str, Any]:
    """Return the TeamSubmissionEligibility of a team for an evaluation (no quotas: always eligible)."""
    members = member_ids(db, team_id)
    state = {"eval": evaluation_id, "team": team_id, "members": members}
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).digest()
    state_hash = int.from_bytes(digest[:4], "big")
    ok = {"isEligible": True, "isRegistered": True, "isQuotaFilled": False}
    return {
        "teamId": str(team_id),
        "evaluationId": str(evaluation_id),
        "teamEligibility": ok,
        "membersEligibility": [dict(ok, principalId=m, hasConflictingSubmission=False) for m in members],
        "eligibilityStateHash": state_hash,
    }


def _check_submission_file(txn: Txn, handle: dict[str, Any], object_id: str) -> str | None:
    """Authorize a download through a ``SubmissionAttachment`` association (the submitted file)."""
    try:
        row = submission_row(txn.db, int(object_id))
    except (ValueError, NotFound):
        return "NOT_FOUND"
    bundle = json.loads(loads(row["body"]).get("entityBundleJSON") or "{}")
    if str(handle["id"]) not in [str(h.get("id")) for h in bundle.get("fileHandles", [])]:
        return "NOT_FOUND"
    return None if can_see_submission(txn, row) else "UNAUTHORIZED"


SUBMISSION_ATTACHMENT = Association("SubmissionAttachment", _check_submission_file)


@routes.route("GET", REPO + "/evaluation/<id>/team/<team_id>/submissionEligibility")
def submission_eligibility(ctx: RequestContext, id: str, team_id: str) -> dict[str, Any]:
    key = key_of(id)
    ctx.require_login()
    eval_row(ctx.db, key, id)
    team = parse_id(team_id, "team id")
    require_team(ctx.db, team)
    return eligibility(ctx.db, key, team)


def _entity_bundle_json(txn: Txn, entity: dict[str, Any], annotations: dict[str, Any]) -> str:
    bundle: dict[str, Any] = {"entity": entity, "annotations": annotations, "fileHandles": []}
    handle_id = entity.get("dataFileHandleId")
    if handle_id is not None:
        handle = files.get_file_handle(txn.db, str(handle_id))
        if handle is not None:
            bundle["fileHandles"] = [handle]
    return json.dumps(bundle, separators=(",", ":"))


@routes.route("POST", REPO + "/evaluation/submission", status=201)
def create_submission(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    if body.get("evaluationRoundId") is not None:
        raise BadRequest("Submission.evaluationRoundId is set by the server and must not be sent")
    for key in ("evaluationId", "entityId", "versionNumber"):
        if body.get(key) is None:
            raise BadRequest(f"Submission.{key} is required")
    evaluation_id = parse_id(body["evaluationId"], "evaluationId")
    require_evaluation_access(ctx, evaluation_id, "SUBMIT")
    entity_id = parse_entity_id(body["entityId"])
    record = require_entity(ctx.db, entity_id)
    if "READ" not in entity_access(ctx.db, ctx.user, entity_id):
        raise Forbidden(f"You do not have READ permission for the requested entity, syn{entity_id}.")
    etag = ctx.args.get("etag")
    if not etag:
        raise BadRequest("Query parameter etag (the entity's current etag) is required")
    if etag != record.etag:
        raise BadRequest(f"The supplied etag does not match the current etag of entity syn{entity_id}")
    version_number = parse_id(body["versionNumber"], "versionNumber")
    version = get_version(ctx.db, entity_id, version_number)
    if version is None:
        raise BadRequest(f"Entity syn{entity_id} has no version {version_number}")
    round_id = current_round(ctx, evaluation_id)
    team_id = None
    if body.get("teamId") is not None:
        team_id = parse_id(body["teamId"], "teamId")
        require_team(ctx.db, team_id)
        if not is_member(ctx.db, team_id, ctx.user_id):
            raise Forbidden(f"You are not a member of team {team_id}")
        expected = eligibility(ctx.db, evaluation_id, team_id)["eligibilityStateHash"]
        given = ctx.args.get("submissionEligibilityHash")
        if given is None or str(given) != str(expected):
            raise BadRequest(
                "submissionEligibilityHash is missing or out of date; fetch submissionEligibility again"
            )
    entity = entity_json(ctx.db, record, version)
    annotations = {"id": record.syn_id, "etag": record.etag, "annotations": version.annotations}
    submission_id = ctx.next_id("submission", start=9700001)
    contributors = [
        {"principalId": str(c.get("principalId")), "createdOn": ctx.now()}
        for c in body.get("contributors") or []
        if isinstance(c, dict) and c.get("principalId") is not None
    ] or [{"principalId": str(ctx.user_id), "createdOn": ctx.now()}]
    submission: dict[str, Any] = {
        "id": str(submission_id),
        "userId": str(ctx.user_id),
        "submitterAlias": body.get("submitterAlias"),
        "evaluationId": str(evaluation_id),
        "evaluationRoundId": round_id,
        "entityId": record.syn_id,
        "versionNumber": version_number,
        "name": body.get("name") or record.name,
        "createdOn": ctx.now(),
        "teamId": None if team_id is None else str(team_id),
        "contributors": contributors,
        "dockerRepositoryName": body.get("dockerRepositoryName"),
        "dockerDigest": body.get("dockerDigest"),
        "entityBundleJSON": _entity_bundle_json(ctx, entity, annotations),
    }
    submission = {k: v for k, v in submission.items() if v is not None}
    ctx.db.execute(
        "INSERT INTO submissions(id, evaluation_id, user_id, entity_id, version_number, team_id, created_on,"
        " body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            submission_id,
            evaluation_id,
            ctx.user_id,
            record.syn_id,
            version_number,
            team_id,
            ctx.now(),
            dumps(submission),
        ),
    )
    ctx.db.execute(
        "INSERT INTO submission_statuses(id, etag, modified_on, status, status_version, fields)"
        " VALUES (?, ?, ?, 'RECEIVED', 0, ?)",
        (submission_id, ctx.new_etag(), ctx.now(), dumps({"canCancel": False, "cancelRequested": False})),
    )
    return submission


@routes.route("GET", REPO + "/evaluation/submission/<id>")
def get_submission(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    row = submission_row(ctx.db, key, id)
    if not can_see_submission(ctx, row):
        raise Forbidden(f"You may not read submission {id}")
    return _submission_json(row)


@routes.route("DELETE", REPO + "/evaluation/submission/<id>", status=204)
def delete_submission(ctx: RequestContext, id: str) -> None:
    key = key_of(id)
    row = submission_row(ctx.db, key, id)
    require_evaluation_access(ctx, row["evaluation_id"], "DELETE_SUBMISSION")
    ctx.db.execute("DELETE FROM submission_statuses WHERE id = ?", (key,))
    ctx.db.execute("DELETE FROM submissions WHERE id = ?", (key,))


@routes.route("PUT", REPO + "/evaluation/submission/<id>/cancellation", status=204)
def cancel_submission(ctx: RequestContext, id: str) -> None:
    key = key_of(id)
    ctx.require_login()
    row = submission_row(ctx.db, key, id)
    if row["user_id"] != ctx.user_id:
        raise Forbidden("Only the submitter may request cancellation")
    status = status_row(ctx.db, key)
    fields = dict(loads(status["fields"]) or {})
    if not fields.get("canCancel"):
        raise BadRequest(f"Submission {id} cannot be cancelled")
    fields["cancelRequested"] = True
    ctx.db.execute(
        "UPDATE submission_statuses SET etag = ?, modified_on = ?, fields = ? WHERE id = ?",
        (ctx.new_etag(), ctx.now(), dumps(fields), key),
    )


# -- listings ------


@dataclass(frozen=True)
class SubmissionRow:
    """A submission with its current status (``body`` is the Submission JSON, ``fields`` the status's)."""

    id: int
    user_id: int
    team_id: int | None
    entity_id: str
    version_number: int
    created_on: str
    body: dict[str, Any]
    etag: str
    modified_on: str
    status: str
    status_version: int
    fields: dict[str, Any]


def submissions_with_status(db: sqlite3.Connection, evaluation_id: int) -> list[SubmissionRow]:
    """Every submission of an evaluation with its status, by submission id (no permission check)."""
    found = db.execute(
        "SELECT s.id, s.user_id, s.team_id, s.entity_id, s.version_number, s.created_on, s.body, t.etag,"
        " t.modified_on, t.status, t.status_version, t.fields FROM submissions s"
        " JOIN submission_statuses t ON t.id = s.id WHERE s.evaluation_id = ? ORDER BY s.id",
        (evaluation_id,),
    ).fetchall()
    return [
        SubmissionRow(**{**dict(row), "body": loads(row["body"]) or {}, "fields": loads(row["fields"]) or {}})
        for row in found
    ]


def _submissions(
    ctx: RequestContext, evaluation_id: int, *, own: bool
) -> list[tuple[sqlite3.Row, sqlite3.Row]]:
    sql = (
        "SELECT s.*, st.status AS current_status FROM submissions s"
        " JOIN submission_statuses st ON st.id = s.id WHERE s.evaluation_id = ?"
    )
    args: list[Any] = [evaluation_id]
    if own:
        sql += " AND s.user_id = ?"
        args.append(ctx.user_id)
    wanted = ctx.args.get("status")
    if wanted:
        wanted = parse_status(wanted.upper().strip())  # Synapse is lenient about case and blanks here
        sql += " AND st.status = ?"
        args.append(wanted)
    rows = ctx.db.execute(sql + " ORDER BY s.id", args).fetchall()
    return [(row, status_row(ctx.db, row["id"])) for row in rows]


def _page(ctx: RequestContext, items: list[Any]) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    page = items[offset : offset + limit]
    return {"totalNumberOfResults": len(items), "results": page}


@routes.route("GET", REPO + "/evaluation/<id>/submission/all")
def all_submissions(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_submissions_access(ctx, key, "READ_PRIVATE_SUBMISSION", id)
    return _page(ctx, [_submission_json(s) for s, _ in _submissions(ctx, key, own=False)])


@routes.route("GET", REPO + "/evaluation/<id>/submission/status/all")
def all_statuses(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_submissions_access(ctx, key, "READ", id)
    return _page(ctx, [status_json(ctx, st, s) for s, st in _submissions(ctx, key, own=False)])


@routes.route("GET", REPO + "/evaluation/<id>/submission/bundle/all")
def all_bundles(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_submissions_access(ctx, key, "READ_PRIVATE_SUBMISSION", id)
    return _page(
        ctx,
        [
            {"submission": _submission_json(s), "submissionStatus": status_json(ctx, st, s)}
            for s, st in _submissions(ctx, key, own=False)
        ],
    )


@routes.route("GET", REPO + "/evaluation/<id>/submission")
def own_submissions(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    ctx.require_login()
    eval_row(ctx.db, key, id)
    return _page(ctx, [_submission_json(s) for s, _ in _submissions(ctx, key, own=True)])


@routes.route("GET", REPO + "/evaluation/<id>/submission/bundle")
def own_bundles(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    ctx.require_login()
    eval_row(ctx.db, key, id)
    return _page(
        ctx,
        [
            {"submission": _submission_json(s), "submissionStatus": status_json(ctx, st, s)}
            for s, st in _submissions(ctx, key, own=True)
        ],
    )


@routes.route("GET", REPO + "/evaluation/<id>/submission/count")
def submission_count(ctx: RequestContext, id: str) -> int:
    key = key_of(id)
    require_submissions_access(ctx, key, "READ", id)
    return len(_submissions(ctx, key, own=False))
