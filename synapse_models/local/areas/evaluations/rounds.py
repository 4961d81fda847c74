"""Evaluation rounds (REFERENCE 2.10): the rounds of an evaluation and their submission limits, and the check
of the open round when a submission is created.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, stale_etag
from ...core.ids import format_time, parse_id, parse_time
from ...core.paging import token_page
from ...core.routing import Routes
from ...core.store import dumps, fetch_or_404, loads
from ...core.txn import Txn
from .records import REPO, key_of, require_evaluation_access

routes = Routes()

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
    return fetch_or_404(
        db,
        "SELECT * FROM evaluation_rounds WHERE id = ? AND evaluation_id = ?",
        (parse_id(round_id, "round id"), evaluation_id),
        f"Evaluation {evaluation_id} has no round {round_id}",
    )


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


def current_round(txn: Txn, evaluation_id: int) -> str | None:
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


@routes.route("POST", REPO + "/evaluation/<id>/round", status=201)
def create_round(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_evaluation_access(ctx, key, "UPDATE", id)
    start, end, limits = _validate_round(ctx, key, ctx.json_object(), None)
    round_id = ctx.next_id("evaluationRound", start=1)
    ctx.db.execute(
        "INSERT INTO evaluation_rounds(id, evaluation_id, etag, round_start, round_end, limits)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (round_id, key, ctx.new_etag(), start, end, dumps(limits)),
    )
    return _round_json(_round_row(ctx.db, key, str(round_id)))


@routes.route("GET", REPO + "/evaluation/<id>/round/<round_id>")
def get_round(ctx: RequestContext, id: str, round_id: str) -> dict[str, Any]:
    key = key_of(id)
    require_evaluation_access(ctx, key, "READ", id)
    return _round_json(_round_row(ctx.db, key, round_id))


@routes.route("PUT", REPO + "/evaluation/<id>/round/<round_id>")
def update_round(ctx: RequestContext, id: str, round_id: str) -> dict[str, Any]:
    key = key_of(id)
    require_evaluation_access(ctx, key, "UPDATE", id)
    row = _round_row(ctx.db, key, round_id)
    body = ctx.json_object()
    if body.get("id") is not None and str(body["id"]) != str(row["id"]):
        raise BadRequest(f"The id in the body must match the path: {round_id}")
    if body.get("etag") != row["etag"]:
        raise stale_etag(f"round {round_id}")
    start, end, limits = _validate_round(ctx, key, body, int(row["id"]))
    ctx.db.execute(
        "UPDATE evaluation_rounds SET etag = ?, round_start = ?, round_end = ?, limits = ? WHERE id = ?",
        (ctx.new_etag(), start, end, dumps(limits), row["id"]),
    )
    return _round_json(_round_row(ctx.db, key, round_id))


@routes.route("DELETE", REPO + "/evaluation/<id>/round/<round_id>", status=204)
def delete_round(ctx: RequestContext, id: str, round_id: str) -> None:
    key = key_of(id)
    require_evaluation_access(ctx, key, "UPDATE", id)
    row = _round_row(ctx.db, key, round_id)
    ctx.db.execute("DELETE FROM evaluation_rounds WHERE id = ?", (row["id"],))


@routes.route("POST", REPO + "/evaluation/<id>/round/list")
def list_rounds(ctx: RequestContext, id: str) -> dict[str, Any]:
    key = key_of(id)
    require_evaluation_access(ctx, key, "READ", id)
    body = ctx.json_or_none() or {}
    rows = ctx.db.execute(
        "SELECT * FROM evaluation_rounds WHERE evaluation_id = ? ORDER BY round_start", (key,)
    ).fetchall()
    page, token = token_page([_round_json(r) for r in rows], body.get("nextPageToken"), default_limit=50)
    return {"page": page, "nextPageToken": token}
