"""Message rows and their JSON: ``messages`` (one per message, the MessageToUser as sent) and
``message_status`` (one per delivered recipient: UNREAD, READ or ARCHIVED)."""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl
from ...core.errors import Forbidden, NotFound
from ...core.store import dumps, loads
from ...core.txn import Txn

SCHEMA = """
    CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY, created_by INTEGER NOT NULL, created_on TEXT NOT NULL,
        file_handle_id TEXT NOT NULL, subject TEXT, root_id INTEGER NOT NULL, body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS messages_by_sender ON messages(created_by);
    CREATE TABLE IF NOT EXISTS message_status (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        recipient_id INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'UNREAD',
        PRIMARY KEY (message_id, recipient_id));
    CREATE INDEX IF NOT EXISTS message_status_by_recipient ON message_status(recipient_id)
    """

STATUSES = ("READ", "UNREAD", "ARCHIVED")
FIRST_MESSAGE_ID = 7000001

#: MessageToUser fields kept as the sender gave them (the flags default to false, as Synapse stores them).
SENT_FIELDS = ("subject", "inReplyTo", "notificationUnsubscribeEndpoint", "userProfileSettingEndpoint",
               "to", "cc", "bcc")
FLAGS = ("withUnsubscribeLink", "withProfileSettingLink", "isNotificationMessage")


def message_json(row: sqlite3.Row) -> dict[str, Any]:
    """The MessageToUser of a ``messages`` row."""
    sent = loads(row["body"])
    message: dict[str, Any] = {
        "id": str(row["id"]),
        "createdBy": str(row["created_by"]),
        "fileHandleId": str(row["file_handle_id"]),
        "createdOn": row["created_on"],
        "inReplyToRoot": str(row["root_id"]),
        "recipients": sent["recipients"],
    }
    message.update({k: sent[k] for k in SENT_FIELDS if sent.get(k) is not None})
    message.update({k: bool(sent.get(k)) for k in FLAGS})
    return message


def insert_message(txn: Txn, body: dict[str, Any], recipients: list[str], root_id: int | None) -> sqlite3.Row:
    """Store a new message sent by the caller; returns its row."""
    message_id = txn.next_id("message", start=FIRST_MESSAGE_ID)
    sent = {k: body.get(k) for k in (*SENT_FIELDS, *FLAGS)}
    sent["recipients"] = recipients
    txn.db.execute(
        "INSERT INTO messages(id, created_by, created_on, file_handle_id, subject, root_id, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (message_id, txn.user_id, txn.now(), str(body["fileHandleId"]), body.get("subject"),
         root_id or message_id, dumps(sent)),
    )  # fmt: skip
    return message_row(txn.db, message_id)


def message_row(db: sqlite3.Connection, message_id: int | str) -> sqlite3.Row:
    """The row of a message; 404 with Synapse's wording when there is none."""
    try:
        row = db.execute("SELECT * FROM messages WHERE id = ?", (int(message_id),)).fetchone()
    except ValueError:
        row = None
    if row is None:
        raise NotFound(f"Message ({message_id}) not found")
    return row  # type: ignore[no-any-return]


def readable_message(txn: Txn, message_id: int | str) -> sqlite3.Row:
    """A message the caller sent or was meant to receive (directly or through a group); 404/403 otherwise."""
    row = message_row(txn.db, message_id)
    if txn.is_admin or int(row["created_by"]) == txn.user_id:
        return row
    mine = {str(p) for p in acl.principal_ids(txn.db, txn.user)}
    if not mine & set(loads(row["body"])["recipients"]):
        raise Forbidden(f"You are not the sender or receiver of this message ({row['id']})")
    return row


def deliver(txn: Txn, message_id: int, user_ids: set[int]) -> None:
    """Put the message in these users' inboxes, unread."""
    txn.db.executemany(
        "INSERT OR IGNORE INTO message_status(message_id, recipient_id, status) VALUES (?, ?, 'UNREAD')",
        [(message_id, user_id) for user_id in sorted(user_ids)],
    )
