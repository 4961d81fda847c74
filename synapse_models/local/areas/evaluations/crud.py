"""Evaluation endpoints (REFERENCE 2.10): create, list, read, update and delete evaluation queues, their ACLs
and permissions.  What an evaluation is and who may do what is explained in ``records.py``.
"""

from __future__ import annotations

from typing import Any

from ...core import acl
from ...core.constants import ACCESS_TYPES, ANONYMOUS_USER_ID, PUBLIC_GROUP_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Conflict, Gone, NotFound, stale_etag
from ...core.ids import parse_id
from ...core.paging import offset_limit, paginate
from ...core.routing import Routes
from ...core.store import dumps
from ...core.txn import Txn
from ..entities.service import parse_entity_id, require_access, require_entity
from .hooks import EVALUATION_DELETED
from .records import (
    CREATOR_ACCESS,
    EVAL_TYPE,
    EVALUATION_FIELDS,
    REPO,
    eval_json,
    eval_row,
    evaluation_access,
    key_of,
    require_evaluation_access,
)

routes = Routes()


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
        wanted_ids = {parse_id(part, "evaluation id") for part in raw_ids.split(",") if part.strip()}
    rows = ctx.db.execute("SELECT * FROM evaluations ORDER BY id").fetchall()
    found = [
        eval_json(row)
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
    return eval_json(eval_row(ctx.db, evaluation_id))


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
    return eval_json(row)


@routes.route("GET", REPO + "/evaluation/<id>")
def get_evaluation(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    return eval_json(require_evaluation_access(ctx, key, "READ", id))


@routes.route("PUT", REPO + "/evaluation/<id>")
def update_evaluation(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    body = ctx.json_object()
    if body.get("id") is not None and parse_id(body["id"], "evaluation id") != key:
        raise BadRequest(f"The id in the body must match the path: {id}")
    row = require_evaluation_access(ctx, key, "UPDATE", id)
    if body.get("etag") != row["etag"]:
        raise stale_etag(str(key))
    name, source = _validate_eval_body(ctx, body, exclude=key)
    if source != row["content_source"]:
        require_access(ctx, require_entity(ctx.db, parse_entity_id(source)).id, "CREATE")
    ctx.db.execute(
        "UPDATE evaluations SET name = ?, name_key = ?, content_source = ?, etag = ?, fields = ?"
        " WHERE id = ?",
        (name, name.lower(), source, ctx.new_etag(), dumps(_eval_fields(body)), key),
    )
    return eval_json(eval_row(ctx.db, key))


@routes.route("DELETE", REPO + "/evaluation/<id>", status=204)
def delete_evaluation(ctx: RequestContext, id: str) -> None:
    key = key_of(id)
    require_evaluation_access(ctx, key, "DELETE", id)
    ctx.db.execute(
        "DELETE FROM submission_statuses WHERE id IN (SELECT id FROM submissions WHERE evaluation_id = ?)",
        (key,),
    )
    ctx.db.execute("DELETE FROM submissions WHERE evaluation_id = ?", (key,))
    ctx.db.execute("DELETE FROM evaluation_rounds WHERE evaluation_id = ?", (key,))
    ctx.db.execute("DELETE FROM evaluations WHERE id = ?", (key,))
    acl.delete_acl(ctx, EVAL_TYPE, key)
    for hook in ctx.app.hooks.all(EVALUATION_DELETED):
        hook(ctx, key)


@routes.route("GET", REPO + "/evaluation/<id>/acl")
def get_evaluation_acl(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_evaluation_access(ctx, key, "READ", id)
    return acl.require_acl(ctx.db, EVAL_TYPE, key, f"Evaluation {id}")


@routes.route("PUT", REPO + "/evaluation/acl")
def put_evaluation_acl(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    evaluation_id = parse_id(acl.acl_id(body), "evaluation id")
    require_evaluation_access(ctx, evaluation_id, "CHANGE_PERMISSIONS")
    entries = acl.normalize_resource_access(ctx.db, body.get("resourceAccess"))
    return acl.update_acl(ctx, EVAL_TYPE, evaluation_id, entries, body.get("etag"))


@routes.route("POST", REPO + "/evaluation/acl")
def post_evaluation_acl(ctx: RequestContext) -> None:
    raise Gone("POST /evaluation/acl has been removed; use PUT /evaluation/acl")


@routes.route("DELETE", REPO + "/evaluation/<id>/acl")
def delete_evaluation_acl(ctx: RequestContext, id: str) -> None:
    raise Gone("DELETE /evaluation/{evalId}/acl has been removed")


@routes.route("GET", REPO + "/evaluation/<id>/permissions")
def evaluation_permissions(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    row = eval_row(ctx.db, key, id)
    access = evaluation_access(ctx, key)
    found = acl.get_acl(ctx.db, EVAL_TYPE, key) or {}
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
