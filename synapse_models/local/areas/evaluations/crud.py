"""Evaluation queues, submissions and submission statuses (REFERENCE 2.10, 3.9).

* An evaluation has its own ACL (object type ``"evaluation"``); the creator gets the nine access types of
  REFERENCE 2.10.  Creating one needs CREATE on its ``contentSource`` project.
* A submission freezes one entity version: the request's ``?etag=`` must equal the entity's current etag
  (400 otherwise), and ``entityBundleJSON`` keeps the entity and its annotations as they were.  Each
  submission gets a SubmissionStatus (``RECEIVED``, ``statusVersion`` 0) that evaluation admins update
  with etag checks (412); ``submissionAnnotations`` are validated like entity annotations.
* Team submissions: ``GET .../team/{teamId}/submissionEligibility`` returns an ``eligibilityStateHash``
  that the submission must echo as ``submissionEligibilityHash``.

This module holds the evaluations themselves, their ACLs and the shared helpers; submissions live in
``evaluation_submissions.py``, status updates in ``evaluation_statuses.py`` and rounds in
``evaluation_rounds.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl
from ...core.constants import ACCESS_TYPES, ANONYMOUS_USER_ID, PUBLIC_GROUP_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Conflict, Forbidden, Gone, NotFound, stale_etag
from ...core.paging import offset_limit, paginate
from ...core.routing import Routes
from ...core.store import dumps, loads
from ...core.txn import Txn
from ..entities.service import parse_entity_id, require_access, require_entity
from .hooks import EVALUATION_DELETED

routes = Routes()

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


SCHEMA = """
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


@routes.route("POST", REPO + "/evaluation", status=201)
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


@routes.route("GET", REPO + "/evaluation")
def list_evaluations(ctx: RequestContext) -> dict[str, Any]:
    return _list_evaluations(ctx, _access_type_arg(ctx))


@routes.route("GET", REPO + "/evaluation/available")
def available_evaluations(ctx: RequestContext) -> dict[str, Any]:
    return _list_evaluations(ctx, "SUBMIT")


@routes.route("GET", REPO + "/entity/<id>/evaluation")
def entity_evaluations(ctx: RequestContext, id: str) -> dict[str, Any]:
    return _list_evaluations(ctx, _access_type_arg(ctx), content_source=f"syn{parse_entity_id(id)}")


@routes.route("GET", REPO + "/evaluation/name/<path:name>")
def get_evaluation_by_name(ctx: RequestContext, name: str) -> dict[str, Any]:
    row = ctx.db.execute("SELECT * FROM evaluations WHERE name_key = ?", (name.lower(),)).fetchone()
    if row is None or "READ" not in evaluation_access(ctx, row["id"]):
        raise NotFound(f"No evaluation named '{name}' is visible to you")
    return _eval_json(row)


@routes.route("GET", REPO + "/evaluation/<int:id>")
def get_evaluation(ctx: RequestContext, id: int) -> dict[str, Any]:
    return _eval_json(require_evaluation_access(ctx, id, "READ"))


@routes.route("PUT", REPO + "/evaluation/<int:id>")
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


@routes.route("DELETE", REPO + "/evaluation/<int:id>", status=204)
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
    for hook in ctx.app.hooks.all(EVALUATION_DELETED):
        hook(ctx, id)


# -- evaluation ACL and permissions ------


@routes.route("GET", REPO + "/evaluation/<int:id>/acl")
def get_evaluation_acl(ctx: RequestContext, id: int) -> dict[str, Any]:
    require_evaluation_access(ctx, id, "READ")
    found = acl.get_acl(ctx.db, EVAL_TYPE, id)
    if found is None:
        raise NotFound(f"Evaluation {id} has no ACL")
    return found


@routes.route("PUT", REPO + "/evaluation/acl")
def put_evaluation_acl(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    if body.get("id") is None:
        raise BadRequest("AccessControlList.id is required")
    evaluation_id = _parse_id(body["id"], "evaluation id")
    require_evaluation_access(ctx, evaluation_id, "CHANGE_PERMISSIONS")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    return acl.update_acl(ctx, EVAL_TYPE, evaluation_id, entries, body.get("etag"))


@routes.route("POST", REPO + "/evaluation/acl")
def post_evaluation_acl(ctx: RequestContext) -> None:
    raise Gone("POST /evaluation/acl has been removed; use PUT /evaluation/acl")


@routes.route("DELETE", REPO + "/evaluation/<int:id>/acl")
def delete_evaluation_acl(ctx: RequestContext, id: int) -> None:
    raise Gone("DELETE /evaluation/{evalId}/acl has been removed")


@routes.route("GET", REPO + "/evaluation/<int:id>/permissions")
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
