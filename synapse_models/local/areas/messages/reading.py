"""Reading messages: the inbox (with each message's status), the outbox, one message, its body, and marking
a message READ, UNREAD or ARCHIVED. Only the sender and the intended recipients may see a message."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.paging import exact_paginated, offset_limit
from ...core.routing import Routes
from ...core.txn import Txn
from ..files import service as files
from .records import STATUSES, message_json, readable_message

routes = Routes()

_ORDER = {"SEND_DATE": "m.created_on, m.id", "SUBJECT": "m.subject, m.id"}


def _order(ctx: RequestContext) -> str:
    order_by = ctx.args.get("orderBy", "SEND_DATE").upper()
    if order_by not in _ORDER:
        raise BadRequest(f"No enum constant org.sagebionetworks.repo.model.message.MessageSortBy.{order_by}")
    descending = ctx.arg_bool("descending", True)
    return ", ".join(f"{column} {'DESC' if descending else 'ASC'}" for column in _ORDER[order_by].split(", "))


def _statuses(ctx: RequestContext) -> list[str]:
    wanted = [s.strip().upper() for s in ctx.args.get("inboxFilter", "UNREAD").split(",") if s.strip()]
    for status in wanted:
        if status not in STATUSES:
            raise BadRequest(
                f"No enum constant org.sagebionetworks.repo.model.message.MessageStatusType.{status}")
    return wanted


@routes.route("GET", "/repo/v1/message/inbox")
def inbox(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    wanted = _statuses(ctx)
    offset, limit = offset_limit(ctx)
    where = (f" FROM messages m JOIN message_status s ON s.message_id = m.id WHERE s.recipient_id = ?"
             f" AND s.status IN ({', '.join('?' * len(wanted))})")
    params = (ctx.user_id, *wanted)
    total = ctx.db.execute("SELECT COUNT(*)" + where, params).fetchone()[0]
    rows = ctx.db.execute(f"SELECT m.*, s.status AS status{where} ORDER BY {_order(ctx)} LIMIT ? OFFSET ?",
                          (*params, limit, offset)).fetchall()
    me = str(ctx.user_id)
    page = [{"message": message_json(row),
             "status": {"messageId": str(row["id"]), "recipientId": me, "status": row["status"]}}
            for row in rows]  # fmt: skip
    return exact_paginated(page, int(total))


@routes.route("GET", "/repo/v1/message/outbox")
def outbox(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    offset, limit = offset_limit(ctx)
    total = ctx.db.execute("SELECT COUNT(*) FROM messages WHERE created_by = ?", (ctx.user_id,)).fetchone()[0]
    rows = ctx.db.execute(f"SELECT m.* FROM messages m WHERE m.created_by = ? ORDER BY {_order(ctx)}"
                          " LIMIT ? OFFSET ?", (ctx.user_id, limit, offset)).fetchall()
    return exact_paginated([message_json(row) for row in rows], int(total))


@routes.route("GET", "/repo/v1/message/<message_id>")
def get_message(ctx: RequestContext, message_id: str) -> dict[str, Any]:
    ctx.require_login()
    return message_json(readable_message(ctx, message_id))


@routes.route("GET", "/repo/v1/message/<message_id>/file")
def message_body(ctx: RequestContext, message_id: str) -> Response:
    ctx.require_login()
    row = readable_message(ctx, message_id)
    return files.redirect_or_text(ctx, files.presigned_url(ctx, row["file_handle_id"]))


@routes.route("PUT", "/repo/v1/message/status")
def update_status(ctx: RequestContext) -> None:
    ctx.require_login()
    body = ctx.json_object()
    row = readable_message(ctx, str(body.get("messageId")))  # Synapse checks access before the status
    status = str(body.get("status") or "").upper()
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    changed = ctx.db.execute("UPDATE message_status SET status = ? WHERE message_id = ? AND recipient_id = ?",
                             (status, row["id"], ctx.user_id)).rowcount
    if not changed:
        raise Forbidden(f"Cannot change status of message ({row['id']})")


def _check_attachment(txn: Txn, handle: dict[str, Any], object_id: str) -> str | None:
    """Authorize a download of a message's body through a ``MessageAttachment`` association."""
    try:
        row = readable_message(txn, object_id)
    except Forbidden:
        return "UNAUTHORIZED"
    except NotFound:
        return "NOT_FOUND"
    return None if str(row["file_handle_id"]) == str(handle["id"]) else "NOT_FOUND"


MESSAGE_ATTACHMENT = files.Association("MessageAttachment", _check_attachment)
