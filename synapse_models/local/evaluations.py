"""Evaluation queues, submissions and submission statuses (REFERENCE 2.10, 3.9).

* An evaluation has its own ACL (object type ``"evaluation"``); the creator gets the nine access types of
  REFERENCE 2.10.  Creating one needs CREATE on its ``contentSource`` project.
* A submission freezes one entity version: the request's ``?etag=`` must equal the entity's current etag
  (400 otherwise), and ``entityBundleJSON`` keeps the entity and its annotations as they were.  Each
  submission gets a SubmissionStatus (``RECEIVED``, ``statusVersion`` 0) that evaluation admins update
  with etag checks (412); ``submissionAnnotations`` are validated like entity annotations.
* Team submissions: ``GET .../team/{teamId}/submissionEligibility`` returns an ``eligibilityStateHash``
  that the submission must echo as ``submissionEligibilityHash``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from . import acl, files
from .annotations import validate_annotations
from .constants import ACCESS_TYPES, ANONYMOUS_USER_ID, PUBLIC_GROUP_ID
from .context import RequestContext, Txn
from .entity_store import (
    entity_access,
    entity_json,
    get_version,
    parse_entity_id,
    require_access,
    require_entity,
)
from .errors import BadRequest, Conflict, Forbidden, Gone, NotFound, stale_etag
from .ids import format_time, parse_time
from .paging import offset_limit, paginate, token_page
from .routing import route
from .store import dumps, loads, register_schema
from .teams import is_member, member_ids, require_team

REPO = "/repo/v1"
EVAL_TYPE = "evaluation"
CREATOR_ACCESS = (
    "CHANGE_PERMISSIONS",
    "CREATE",
    "DELETE",
    "DELETE_SUBMISSION",
    "READ",
    "READ_PRIVATE_SUBMISSION",
    "SUBMIT",
    "UPDATE",
    "UPDATE_SUBMISSION",
)
STATUSES = frozenset(
    {
        "OPEN",
        "CLOSED",
        "SCORED",
        "INVALID",
        "VALIDATED",
        "EVALUATION_IN_PROGRESS",
        "RECEIVED",
        "REJECTED",
        "ACCEPTED",
    }
)
EVALUATION_FIELDS = (
    "description",
    "submissionInstructionsMessage",
    "submissionReceiptMessage",
    "quota",
    "status",
)
#: Called with ``(txn, evaluation_id)`` when an evaluation is deleted (the wiki area drops its pages).
DELETE_HOOKS: list[Callable[[Txn, int], None]] = []
STATUS_FIELDS = ("score", "report", "annotations", "canCancel", "cancelRequested", "submissionAnnotations")

register_schema(
    """
    CREATE TABLE IF NOT EXISTS evaluations (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, owner_id INTEGER NOT NULL,
        content_source TEXT NOT NULL, etag TEXT NOT NULL, created_on TEXT NOT NULL, fields TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS submissions (
        id INTEGER PRIMARY KEY, evaluation_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
        entity_id TEXT NOT NULL, version_number INTEGER NOT NULL, team_id INTEGER, created_on TEXT NOT NULL,
        body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS submissions_by_evaluation ON submissions(evaluation_id);
    CREATE TABLE IF NOT EXISTS evaluation_rounds (
        id INTEGER PRIMARY KEY, evaluation_id INTEGER NOT NULL, etag TEXT NOT NULL, round_start TEXT NOT NULL,
        round_end TEXT NOT NULL, limits TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS submission_statuses (
        id INTEGER PRIMARY KEY, etag TEXT NOT NULL, modified_on TEXT NOT NULL, status TEXT NOT NULL,
        status_version INTEGER NOT NULL, fields TEXT NOT NULL)
    """
)


# -- helpers ------


def _parse_id(text: Any, what: str) -> int:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid {what}: {text}") from exc


def _eval_row(db: sqlite3.Connection, evaluation_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM evaluations WHERE id = ?", (evaluation_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"Evaluation {evaluation_id} does not exist")
    return row


def evaluation_exists(db: sqlite3.Connection, evaluation_id: int) -> bool:
    return db.execute("SELECT 1 FROM evaluations WHERE id = ?", (evaluation_id,)).fetchone() is not None


def _eval_json(row: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = dict(loads(row["fields"]) or {})
    body.update(
        id=str(row["id"]),
        etag=row["etag"],
        name=row["name"],
        ownerId=str(row["owner_id"]),
        createdOn=row["created_on"],
        contentSource=row["content_source"],
    )
    return body


def evaluation_access(txn: Txn, evaluation_id: int) -> set[str]:
    """The access types the caller holds on an evaluation (site admins hold all)."""
    if txn.is_admin:
        return set(CREATOR_ACCESS)
    return acl.granted(txn.db, txn.user, EVAL_TYPE, evaluation_id)


def require_evaluation_access(txn: Txn, evaluation_id: int, access_type: str) -> sqlite3.Row:
    """Return the evaluation row; 404 if missing, 403 unless the caller holds ``access_type``."""
    row = _eval_row(txn.db, evaluation_id)
    if access_type not in evaluation_access(txn, evaluation_id):
        if txn.is_anonymous and access_type != "READ":
            raise Forbidden("Must login to perform this action")
        raise Forbidden(f"You lack {access_type} permission for evaluation {evaluation_id}")
    return row


def _validate_eval_body(txn: Txn, body: dict[str, Any], exclude: int | None = None) -> tuple[str, str]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Evaluation.name is required")
    source = body.get("contentSource")
    if not isinstance(source, str) or not source.strip():
        raise BadRequest("Evaluation.contentSource is required")
    source_id = parse_entity_id(source)
    clash = txn.db.execute("SELECT id FROM evaluations WHERE name_key = ?", (name.lower(),)).fetchone()
    if clash is not None and clash["id"] != exclude:
        raise Conflict(f"An evaluation named '{name}' already exists")
    return name, f"syn{source_id}"


def _eval_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in EVALUATION_FIELDS if body.get(key) is not None}


def _list_evaluations(
    ctx: RequestContext, access_type: str, content_source: str | None = None
) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    wanted_ids: set[int] | None = None
    raw_ids = ctx.args.get("evaluationIds")
    if raw_ids:
        wanted_ids = {_parse_id(part, "evaluation id") for part in raw_ids.split(",") if part.strip()}
    rows = ctx.db.execute("SELECT * FROM evaluations ORDER BY id").fetchall()
    found = [
        _eval_json(row)
        for row in rows
        if (wanted_ids is None or row["id"] in wanted_ids)
        and (content_source is None or row["content_source"] == content_source)
        and access_type in evaluation_access(ctx, row["id"])
    ]
    return paginate(found, offset, limit)


def _access_type_arg(ctx: RequestContext, default: str = "READ") -> str:
    access_type = ctx.args.get("accessType") or default
    if access_type not in ACCESS_TYPES:
        raise BadRequest(f"Unknown ACCESS_TYPE: {access_type}")
    return access_type


# -- evaluations ------


@route("POST", REPO + "/evaluation", status=201)
def create_evaluation(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    name, source = _validate_eval_body(ctx, body)
    record = require_entity(ctx.db, parse_entity_id(source))
    require_access(ctx, record.id, "CREATE")
    evaluation_id = ctx.next_id("evaluation", start=9600001)
    ctx.db.execute(
        "INSERT INTO evaluations(id, name, name_key, owner_id, content_source, etag, created_on, fields)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            evaluation_id,
            name,
            name.lower(),
            ctx.user_id,
            source,
            ctx.new_etag(),
            ctx.now(),
            dumps(_eval_fields(body)),
        ),
    )
    acl.create_acl(
        ctx, EVAL_TYPE, evaluation_id, [{"principalId": ctx.user_id, "accessType": sorted(CREATOR_ACCESS)}]
    )
    return _eval_json(_eval_row(ctx.db, evaluation_id))


@route("GET", REPO + "/evaluation")
def list_evaluations(ctx: RequestContext) -> dict[str, Any]:
    return _list_evaluations(ctx, _access_type_arg(ctx))


@route("GET", REPO + "/evaluation/available")
def available_evaluations(ctx: RequestContext) -> dict[str, Any]:
    return _list_evaluations(ctx, "SUBMIT")


@route("GET", REPO + "/entity/<id>/evaluation")
def entity_evaluations(ctx: RequestContext, id: str) -> dict[str, Any]:
    return _list_evaluations(ctx, _access_type_arg(ctx), content_source=f"syn{parse_entity_id(id)}")


@route("GET", REPO + "/evaluation/name/<path:name>")
def get_evaluation_by_name(ctx: RequestContext, name: str) -> dict[str, Any]:
    row = ctx.db.execute("SELECT * FROM evaluations WHERE name_key = ?", (name.lower(),)).fetchone()
    if row is None or "READ" not in evaluation_access(ctx, row["id"]):
        raise NotFound(f"No evaluation named '{name}' is visible to you")
    return _eval_json(row)


@route("GET", REPO + "/evaluation/<int:id>")
def get_evaluation(ctx: RequestContext, id: int) -> dict[str, Any]:
    return _eval_json(require_evaluation_access(ctx, id, "READ"))


@route("PUT", REPO + "/evaluation/<int:id>")
def update_evaluation(ctx: RequestContext, id: int) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is not None and _parse_id(body["id"], "evaluation id") != id:
        raise BadRequest(f"The id in the body must match the path: {id}")
    row = require_evaluation_access(ctx, id, "UPDATE")
    if body.get("etag") != row["etag"]:
        raise stale_etag(str(id))
    name, source = _validate_eval_body(ctx, body, exclude=id)
    if source != row["content_source"]:
        require_access(ctx, require_entity(ctx.db, parse_entity_id(source)).id, "CREATE")
    ctx.db.execute(
        "UPDATE evaluations SET name = ?, name_key = ?, content_source = ?, etag = ?, fields = ?"
        " WHERE id = ?",
        (name, name.lower(), source, ctx.new_etag(), dumps(_eval_fields(body)), id),
    )
    return _eval_json(_eval_row(ctx.db, id))


@route("DELETE", REPO + "/evaluation/<int:id>", status=204)
def delete_evaluation(ctx: RequestContext, id: int) -> None:
    require_evaluation_access(ctx, id, "DELETE")
    ctx.db.execute(
        "DELETE FROM submission_statuses WHERE id IN (SELECT id FROM submissions WHERE evaluation_id = ?)",
        (id,),
    )
    ctx.db.execute("DELETE FROM submissions WHERE evaluation_id = ?", (id,))
    ctx.db.execute("DELETE FROM evaluation_rounds WHERE evaluation_id = ?", (id,))
    ctx.db.execute("DELETE FROM evaluations WHERE id = ?", (id,))
    acl.delete_acl(ctx, EVAL_TYPE, id)
    for hook in DELETE_HOOKS:
        hook(ctx, id)


# -- evaluation ACL and permissions ------


@route("GET", REPO + "/evaluation/<int:id>/acl")
def get_evaluation_acl(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ")
    found = acl.get_acl(ctx.db, EVAL_TYPE, id)
    if found is None:
        raise NotFound(f"Evaluation {id} has no ACL")
    return found


@route("PUT", REPO + "/evaluation/acl")
def put_evaluation_acl(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is None:
        raise BadRequest("AccessControlList.id is required")
    evaluation_id = _parse_id(body["id"], "evaluation id")
    require_evaluation_access(ctx, evaluation_id, "CHANGE_PERMISSIONS")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    return acl.update_acl(ctx, EVAL_TYPE, evaluation_id, entries, body.get("etag"))


@route("POST", REPO + "/evaluation/acl")
def post_evaluation_acl(ctx: RequestContext) -> None:
    raise Gone("POST /evaluation/acl has been removed; use PUT /evaluation/acl")


@route("DELETE", REPO + "/evaluation/<int:id>/acl")
def delete_evaluation_acl(ctx: RequestContext, id: int) -> None:
    raise Gone("DELETE /evaluation/{evalId}/acl has been removed")


@route("GET", REPO + "/evaluation/<int:id>/permissions")
def evaluation_permissions(ctx: RequestContext, id: int) -> dict[str, Any]:
    row = _eval_row(ctx.db, id)
    access = evaluation_access(ctx, id)
    found = acl.get_acl(ctx.db, EVAL_TYPE, id) or {}
    public = any(
        int(e["principalId"]) in (PUBLIC_GROUP_ID, ANONYMOUS_USER_ID) and "READ" in e.get("accessType", [])
        for e in found.get("resourceAccess", [])
    )
    return {
        "canView": "READ" in access,
        "canEdit": "UPDATE" in access,
        "canDelete": "DELETE" in access,
        "canSubmit": "SUBMIT" in access,
        "canChangePermissions": "CHANGE_PERMISSIONS" in access,
        "canPublicRead": public,
        "canParticipate": "PARTICIPATE" in access or "SUBMIT" in access,
        "canViewPrivateSubmissionStatusAnnotations": "READ_PRIVATE_SUBMISSION" in access,
        "canEditSubmissionStatuses": "UPDATE_SUBMISSION" in access,
        "canDeleteSubmissions": "DELETE_SUBMISSION" in access,
        "ownerPrincipalId": int(row["owner_id"]),
    }


# -- submissions ------


def _submission_row(db: sqlite3.Connection, submission_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM submissions WHERE id = ?", (submission_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"Submission {submission_id} does not exist")
    return row


def _submission_json(row: sqlite3.Row) -> dict[str, Any]:
    return dict(loads(row["body"]))


def _status_row(db: sqlite3.Connection, submission_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM submission_statuses WHERE id = ?", (submission_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"SubmissionStatus {submission_id} does not exist")
    return row


def _status_json(txn: Txn, status: sqlite3.Row, submission: sqlite3.Row) -> dict[str, Any]:
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


def _can_see_submission(txn: Txn, row: sqlite3.Row) -> bool:
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
        row = _submission_row(txn.db, int(object_id))
    except (ValueError, NotFound):
        return "NOT_FOUND"
    bundle = json.loads(loads(row["body"]).get("entityBundleJSON") or "{}")
    if str(handle["id"]) not in [str(h.get("id")) for h in bundle.get("fileHandles", [])]:
        return "NOT_FOUND"
    return None if _can_see_submission(txn, row) else "UNAUTHORIZED"


files.register_association("SubmissionAttachment", _check_submission_file)


@route("GET", REPO + "/evaluation/<int:id>/team/<team_id>/submissionEligibility")
def submission_eligibility(ctx: RequestContext, id: int, team_id: str) -> dict[str, Any]:
    ctx.require_login()
    _eval_row(ctx.db, id)
    team = _parse_id(team_id, "team id")
    require_team(ctx.db, team)
    return eligibility(ctx.db, id, team)


def _entity_bundle_json(txn: Txn, entity: dict[str, Any], annotations: dict[str, Any]) -> str:
    bundle: dict[str, Any] = {"entity": entity, "annotations": annotations, "fileHandles": []}
    handle_id = entity.get("dataFileHandleId")
    if handle_id is not None:
        from .entity_store import file_handle_info

        handle = file_handle_info(txn.db, str(handle_id))
        if handle is not None:
            bundle["fileHandles"] = [handle]
    return json.dumps(bundle, separators=(",", ":"))


@route("POST", REPO + "/evaluation/submission", status=201)
def create_submission(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    if body.get("evaluationRoundId") is not None:
        raise BadRequest("Submission.evaluationRoundId is set by the server and must not be sent")
    for key in ("evaluationId", "entityId", "versionNumber"):
        if body.get(key) is None:
            raise BadRequest(f"Submission.{key} is required")
    evaluation_id = _parse_id(body["evaluationId"], "evaluationId")
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
    version_number = _parse_id(body["versionNumber"], "versionNumber")
    version = get_version(ctx.db, entity_id, version_number)
    if version is None:
        raise BadRequest(f"Entity syn{entity_id} has no version {version_number}")
    round_id = _current_round(ctx, evaluation_id)
    team_id = None
    if body.get("teamId") is not None:
        team_id = _parse_id(body["teamId"], "teamId")
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


@route("GET", REPO + "/evaluation/submission/<int:id>")
def get_submission(ctx: RequestContext, id: int) -> dict[str, Any]:
    row = _submission_row(ctx.db, id)
    if not _can_see_submission(ctx, row):
        raise Forbidden(f"You may not read submission {id}")
    return _submission_json(row)


@route("DELETE", REPO + "/evaluation/submission/<int:id>", status=204)
def delete_submission(ctx: RequestContext, id: int) -> None:
    row = _submission_row(ctx.db, id)
    require_evaluation_access(ctx, row["evaluation_id"], "DELETE_SUBMISSION")
    ctx.db.execute("DELETE FROM submission_statuses WHERE id = ?", (id,))
    ctx.db.execute("DELETE FROM submissions WHERE id = ?", (id,))


@route("PUT", REPO + "/evaluation/submission/<int:id>/cancellation", status=204)
def cancel_submission(ctx: RequestContext, id: int) -> None:
    ctx.require_login()
    row = _submission_row(ctx.db, id)
    if row["user_id"] != ctx.user_id:
        raise Forbidden("Only the submitter may request cancellation")
    status = _status_row(ctx.db, id)
    fields = dict(loads(status["fields"]) or {})
    if not fields.get("canCancel"):
        raise BadRequest(f"Submission {id} cannot be cancelled")
    fields["cancelRequested"] = True
    ctx.db.execute(
        "UPDATE submission_statuses SET etag = ?, modified_on = ?, fields = ? WHERE id = ?",
        (ctx.new_etag(), ctx.now(), dumps(fields), id),
    )


@route("GET", REPO + "/evaluation/submission/<int:id>/status")
def get_submission_status(ctx: RequestContext, id: int) -> dict[str, Any]:
    row = _submission_row(ctx.db, id)
    if not _can_see_submission(ctx, row) and "READ" not in evaluation_access(ctx, row["evaluation_id"]):
        raise Forbidden(f"You may not read the status of submission {id}")
    return _status_json(ctx, _status_row(ctx.db, id), row)


def _apply_status(txn: Txn, body: dict[str, Any], submission_id: int | None = None) -> dict[str, Any]:
    if body.get("id") is None and submission_id is None:
        raise BadRequest("SubmissionStatus.id is required")
    if (
        submission_id is not None
        and body.get("id") is not None
        and _parse_id(body["id"], "submission id") != submission_id
    ):
        raise BadRequest(f"The id in the body must match the path: {submission_id}")
    sid = submission_id if submission_id is not None else _parse_id(body["id"], "submission id")
    row = _submission_row(txn.db, sid)
    require_evaluation_access(txn, row["evaluation_id"], "UPDATE_SUBMISSION")
    status = _status_row(txn.db, sid)
    if body.get("etag") != status["etag"]:
        raise stale_etag(str(sid))
    new_status = body.get("status") or status["status"]
    if new_status not in STATUSES:
        raise BadRequest(f"Unknown SubmissionStatusEnum: {new_status}")
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
    return _status_json(txn, _status_row(txn.db, sid), row)


@route("PUT", REPO + "/evaluation/submission/<int:id>/status")
def put_submission_status(ctx: RequestContext, id: int) -> dict[str, Any]:
    return _apply_status(ctx, ctx.json_object(), id)


@route("PUT", REPO + "/evaluation/<int:id>/statusBatch")
def put_status_batch(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "UPDATE_SUBMISSION")
    body = ctx.json_object()
    statuses = body.get("statuses")
    if not isinstance(statuses, list) or not statuses:
        raise BadRequest("SubmissionStatusBatch.statuses is required")
    if len(statuses) > 500:
        raise BadRequest("A batch may hold at most 500 statuses")
    if body.get("isFirstBatch") is None or body.get("isLastBatch") is None:
        raise BadRequest("SubmissionStatusBatch.isFirstBatch and isLastBatch are required")
    for item in statuses:
        if not isinstance(item, dict):
            raise BadRequest("Each status must be a SubmissionStatus object")
        sid = _parse_id(item.get("id"), "submission id")
        if _submission_row(ctx.db, sid)["evaluation_id"] != id:
            raise BadRequest(f"Submission {sid} does not belong to evaluation {id}")
        _apply_status(ctx, item, sid)
    if body.get("isLastBatch"):
        return {}
    return {"nextUploadToken": ctx.app.ids.random_hex(ctx.db, "statusBatch", 16)}


# -- listings ------


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
        if wanted not in STATUSES:
            raise BadRequest(f"Unknown SubmissionStatusEnum: {wanted}")
        sql += " AND st.status = ?"
        args.append(wanted)
    rows = ctx.db.execute(sql + " ORDER BY s.id", args).fetchall()
    return [(row, _status_row(ctx.db, row["id"])) for row in rows]


def _page(ctx: RequestContext, items: list[Any]) -> dict[str, Any]:
    offset, limit = offset_limit(ctx, default_limit=10)
    page = items[offset : offset + limit]
    return {"totalNumberOfResults": len(items), "results": page}


@route("GET", REPO + "/evaluation/<int:id>/submission/all")
def all_submissions(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ_PRIVATE_SUBMISSION")
    return _page(ctx, [_submission_json(s) for s, _ in _submissions(ctx, id, own=False)])


@route("GET", REPO + "/evaluation/<int:id>/submission/status/all")
def all_statuses(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ")
    return _page(ctx, [_status_json(ctx, st, s) for s, st in _submissions(ctx, id, own=False)])


@route("GET", REPO + "/evaluation/<int:id>/submission/bundle/all")
def all_bundles(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ_PRIVATE_SUBMISSION")
    return _page(
        ctx,
        [
            {"submission": _submission_json(s), "submissionStatus": _status_json(ctx, st, s)}
            for s, st in _submissions(ctx, id, own=False)
        ],
    )


@route("GET", REPO + "/evaluation/<int:id>/submission")
def own_submissions(ctx: RequestContext, id: int) -> dict[str, Any]:
    ctx.require_login()
    _eval_row(ctx.db, id)
    return _page(ctx, [_submission_json(s) for s, _ in _submissions(ctx, id, own=True)])


@route("GET", REPO + "/evaluation/<int:id>/submission/bundle")
def own_bundles(ctx: RequestContext, id: int) -> dict[str, Any]:
    ctx.require_login()
    _eval_row(ctx.db, id)
    return _page(
        ctx,
        [
            {"submission": _submission_json(s), "submissionStatus": _status_json(ctx, st, s)}
            for s, st in _submissions(ctx, id, own=True)
        ],
    )


@route("GET", REPO + "/evaluation/<int:id>/submission/count")
def submission_count(ctx: RequestContext, id: int) -> int:
    require_evaluation_access(ctx, id, "READ")
    return len(_submissions(ctx, id, own=False))


# -- rounds -------------------------------------------------------------------------------------------------
ROUND_LIMIT_TYPES = frozenset({"TOTAL", "DAILY", "WEEKLY", "MONTHLY"})


def _timestamp(raw: Any, field: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise BadRequest(f"EvaluationRound.{field} is required")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"EvaluationRound.{field} is not an ISO-8601 date-time: {raw!r}") from exc
    return format_time(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


def _round_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "etag": row["etag"],
        "evaluationId": str(row["evaluation_id"]),
        "roundStart": row["round_start"],
        "roundEnd": row["round_end"],
        "limits": loads(row["limits"]),
    }


def _round_row(db: sqlite3.Connection, evaluation_id: int, round_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM evaluation_rounds WHERE id = ? AND evaluation_id = ?",
        (_parse_id(round_id, "round id"), evaluation_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"Evaluation {evaluation_id} has no round {round_id}")
    return row


def _validate_round(
    txn: Txn, evaluation_id: int, body: dict[str, Any], exclude: int | None
) -> tuple[str, str, Any]:
    if body.get("evaluationId") is not None and str(body["evaluationId"]) != str(evaluation_id):
        raise BadRequest(f"EvaluationRound.evaluationId must be {evaluation_id}")
    start, end = (
        _timestamp(body.get("roundStart"), "roundStart"),
        _timestamp(body.get("roundEnd"), "roundEnd"),
    )
    if start >= end:
        raise BadRequest("EvaluationRound.roundStart must be before roundEnd")
    limits = body.get("limits") or []
    if not isinstance(limits, list):
        raise BadRequest("EvaluationRound.limits must be a list")
    seen: set[str] = set()
    for limit in limits:
        kind = limit.get("limitType") if isinstance(limit, dict) else None
        if kind not in ROUND_LIMIT_TYPES or kind in seen:
            raise BadRequest(f"EvaluationRound.limits: unknown or repeated limitType {kind!r}")
        maximum = limit.get("maximumSubmissions")
        if not isinstance(maximum, int) or isinstance(maximum, bool) or maximum < 0:
            raise BadRequest("EvaluationRound.limits: maximumSubmissions must be a non-negative integer")
        seen.add(kind)
    overlap = txn.db.execute(
        "SELECT id FROM evaluation_rounds WHERE evaluation_id = ? AND id IS NOT ? AND round_start < ?"
        " AND round_end > ?",
        (evaluation_id, exclude, end, start),
    ).fetchone()
    if overlap is not None:
        raise BadRequest(f"EvaluationRound overlaps round {overlap['id']} of evaluation {evaluation_id}")
    return start, end, limits


def _current_round(txn: Txn, evaluation_id: int) -> str | None:
    """The id of the round open now (``None`` without rounds), after checking the caller's round limits.

    403 when rounds exist but none is open, or when a limit of the open round is reached: TOTAL counts the
    caller's submissions in the round, DAILY/WEEKLY/MONTHLY those of the same UTC day, ISO week or month.
    """
    rows = txn.db.execute(
        "SELECT * FROM evaluation_rounds WHERE evaluation_id = ?", (evaluation_id,)
    ).fetchall()
    if not rows:
        return None
    now = txn.now()
    current = next((row for row in rows if row["round_start"] <= now < row["round_end"]), None)
    if current is None:
        raise Forbidden(f"Evaluation {evaluation_id} is not accepting submissions: no round is open now")
    mine = [
        str(r[0])
        for r in txn.db.execute(
            "SELECT created_on FROM submissions WHERE evaluation_id = ? AND user_id = ? AND created_on >= ?"
            " AND created_on < ?",
            (evaluation_id, txn.user_id, current["round_start"], current["round_end"]),
        )
    ]
    moment = parse_time(now)
    same_period: dict[str, Callable[[datetime], object]] = {
        "TOTAL": lambda t: True,
        "DAILY": lambda t: t.date(),
        "WEEKLY": lambda t: t.isocalendar()[:2],
        "MONTHLY": lambda t: (t.year, t.month),
    }
    for limit in loads(current["limits"]) or []:
        key = same_period[limit["limitType"]]
        used = sum(1 for created in mine if key(parse_time(created)) == key(moment))
        if used >= int(limit["maximumSubmissions"]):
            raise Forbidden(
                f"Submission limit reached: {limit['limitType']} allows {limit['maximumSubmissions']}"
                f" submissions in round {current['id']}"
            )
    return str(current["id"])


@route("POST", REPO + "/evaluation/<int:id>/round", status=201)
def create_round(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "UPDATE")
    start, end, limits = _validate_round(ctx, id, ctx.json_object(), None)
    round_id = ctx.next_id("evaluationRound", start=1)
    ctx.db.execute(
        "INSERT INTO evaluation_rounds(id, evaluation_id, etag, round_start, round_end, limits)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (round_id, id, ctx.new_etag(), start, end, dumps(limits)),
    )
    return _round_json(_round_row(ctx.db, id, str(round_id)))


@route("GET", REPO + "/evaluation/<int:id>/round/<round_id>")
def get_round(ctx: RequestContext, id: int, round_id: str) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ")
    return _round_json(_round_row(ctx.db, id, round_id))


@route("PUT", REPO + "/evaluation/<int:id>/round/<round_id>")
def update_round(ctx: RequestContext, id: int, round_id: str) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "UPDATE")
    row = _round_row(ctx.db, id, round_id)
    body = ctx.json_object()
    if body.get("id") is not None and str(body["id"]) != str(row["id"]):
        raise BadRequest(f"The id in the body must match the path: {round_id}")
    if body.get("etag") != row["etag"]:
        raise stale_etag(f"round {round_id}")
    start, end, limits = _validate_round(ctx, id, body, int(row["id"]))
    ctx.db.execute(
        "UPDATE evaluation_rounds SET etag = ?, round_start = ?, round_end = ?, limits = ? WHERE id = ?",
        (ctx.new_etag(), start, end, dumps(limits), row["id"]),
    )
    return _round_json(_round_row(ctx.db, id, round_id))


@route("DELETE", REPO + "/evaluation/<int:id>/round/<round_id>", status=204)
def delete_round(ctx: RequestContext, id: int, round_id: str) -> None:
    require_evaluation_access(ctx, id, "UPDATE")
    row = _round_row(ctx.db, id, round_id)
    ctx.db.execute("DELETE FROM evaluation_rounds WHERE id = ?", (row["id"],))


@route("POST", REPO + "/evaluation/<int:id>/round/list")
def list_rounds(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ")
    body = ctx.json_or_none() or {}
    rows = ctx.db.execute(
        "SELECT * FROM evaluation_rounds WHERE evaluation_id = ? ORDER BY round_start", (id,)
    ).fetchall()
    page, token = token_page([_round_json(r) for r in rows], body.get("nextPageToken"), default_limit=50)
    return {"page": page, "nextPageToken": token}
