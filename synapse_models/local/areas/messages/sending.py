"""``POST /message``: Synapse's checks (MessageManagerImpl.createMessage), then delivery to each recipient.

Checks, in Synapse's order: recipients are given; the sender is signed in; at most 50 recipients (admins
excepted); the body's file handle is the sender's own (or the body of a message they received); every
recipient exists; ``inReplyTo`` names a message. Delivery expands a team into its members when the sender may
message it (SEND_MESSAGE on the team, which every signed-in user has by default); a team the sender may not
message is skipped, as Synapse's worker skips it (it reports that to the sender by e-mail, which is not done
here).
"""

from __future__ import annotations

from typing import Any

from ...core import acl, principals
from ...core.constants import AUTHENTICATED_USERS_ID, PUBLIC_GROUP_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.routing import Routes
from ...core.txn import Txn
from ..files import service as files
from .records import deliver, insert_message, message_json, message_row

routes = Routes()

MAX_RECIPIENTS = 50
_WELL_KNOWN_GROUPS = (AUTHENTICATED_USERS_ID, PUBLIC_GROUP_ID)


def _recipients(body: dict[str, Any]) -> list[str]:
    raw = body.get("recipients")
    if not isinstance(raw, list) or not raw:
        raise BadRequest("recipients must be set.")
    return sorted({str(r) for r in raw}, key=lambda r: (len(r), r))


def _check_body(txn: Txn, file_handle_id: Any) -> None:
    if file_handle_id in (None, ""):
        raise BadRequest("Message content must have a file handle")
    handle = files.get_file_handle(txn, str(file_handle_id))
    if txn.is_admin or (handle is not None and str(handle.get("createdBy")) == str(txn.user_id)):
        return
    received = txn.db.execute(
        "SELECT 1 FROM messages m JOIN message_status s ON s.message_id = m.id"
        " WHERE m.file_handle_id = ? AND s.recipient_id = ? LIMIT 1", (str(file_handle_id), txn.user_id)
    ).fetchone()  # fmt: skip
    if received is None:
        raise Forbidden("Invalid file handle given")


def _check_recipients(txn: Txn, recipients: list[str]) -> list[int]:
    ids = []
    for recipient in recipients:
        known = recipient.isdigit() and (
            int(recipient) in _WELL_KNOWN_GROUPS or principals.principal_exists(txn.db, int(recipient))
        )
        if not known:
            listed = ", ".join(recipients)
            raise BadRequest(f"One or more of the following IDs are not recognized: [{listed}]")
        ids.append(int(recipient))
    return ids


def _root_of(txn: Txn, in_reply_to: Any) -> int | None:
    if in_reply_to in (None, ""):
        return None
    try:
        return int(message_row(txn.db, str(in_reply_to))["root_id"])
    except NotFound:  # a malformed or unknown id: Synapse's wording for both
        raise BadRequest(f"Cannot reply to a message ({in_reply_to}) that does not exist") from None


def individuals(txn: Txn, recipient_ids: list[int]) -> set[int]:
    """The users a message reaches: individuals, and the members of teams the sender may message (the
    well-known groups reach nobody here: Synapse lets only administrators message every user)."""
    users: set[int] = set()
    for principal_id in recipient_ids:
        row = principals.principal_row(txn.db, principal_id)
        if row is None:
            continue
        if row["is_individual"]:
            users.add(principal_id)
        elif txn.is_admin or "SEND_MESSAGE" in acl.granted(txn.db, txn.user, "team", principal_id):
            users.update(principals.member_ids(txn.db, principal_id))
    return users


@routes.route("POST", "/repo/v1/message", status=201)
def send_message(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    recipients = _recipients(body)
    if ctx.is_anonymous:
        raise Forbidden("Anonymous user may not send messages.")
    if len(recipients) > MAX_RECIPIENTS and not ctx.is_admin:
        raise BadRequest(f"May not message more than {MAX_RECIPIENTS} at once.  Consider grouping the "
                         "recipients in a Team if possible.")
    _check_body(ctx, body.get("fileHandleId"))
    recipient_ids = _check_recipients(ctx, recipients)
    row = insert_message(ctx, body, recipients, _root_of(ctx, body.get("inReplyTo")))
    deliver(ctx, int(row["id"]), individuals(ctx, recipient_ids))
    return message_json(row)
