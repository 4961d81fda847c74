"""Messages to users and teams, sent through Synapse (which e-mails them too), and the inbox and outbox.

Example:
    >>> sm.send_message(["bob", analysts], "New counts", "The counts of run 12 are in syn123.")
    >>> for message in sm.Message.inbox():
    ...     print(message.subject, message.text())
    ...     message.mark_read()
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from .._convert import LOCAL, READ_ONLY, from_wire, to_wire
from ..connection import Connection
from ..errors import ValidationError
from ..registry import ConnectionLike, get_connection
from ..transfer.download import fetch_bytes
from ..transfer.upload import upload_bytes
from ._html import Displayed
from ._stored import guard_unknown_attributes
from ._wire import MessageBundle, MessageStatusBody
from .ids import numeric_id
from .listing import Listing, offset_listing
from .principals import Principal, resolve_principal

__all__ = ["Message", "MessageStatusType", "send_message"]

_CONTENT_TYPES = {"text/plain": "message.txt", "text/html": "message.html"}
_IDS = "message ids are numbers"


class MessageStatusType(enum.Enum):
    """Where a message stands in its recipient's inbox."""

    UNREAD = "UNREAD"
    READ = "READ"
    ARCHIVED = "ARCHIVED"


@attrs.define(kw_only=True)
class Message(Displayed):
    """A message from one user to users and teams; its body is a file (``text/plain`` or ``text/html``).

    Send one with :func:`send_message`; read yours with :meth:`inbox`, :meth:`outbox` and :meth:`get`.
    """

    id: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The message id."""
    subject: str | None = None
    """The subject line."""
    recipients: list[str] = attrs.field(factory=list)
    """The principal ids (users and teams) it was sent to."""
    file_handle_id: str | None = None
    """The file handle of the body (read it with :meth:`text`)."""
    in_reply_to: str | None = None
    """The message this one answers."""
    in_reply_to_root: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The first message of the conversation."""
    created_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The sender's principal id."""
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """When it was sent."""
    status: MessageStatusType | None = attrs.field(default=None, init=False, metadata={LOCAL: True})
    """Where it stands in your inbox (messages read from :meth:`inbox` only)."""
    _unknown_fields: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    _connection: Connection | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @classmethod
    def _load(cls, conn: Connection, data: Any) -> Message:
        message = from_wire(cls, data)
        message._connection = conn
        return message

    # -- reading -------------------------------------------------------------------------------------

    @classmethod
    def get(cls, id: int | str | Message, *, connection: ConnectionLike | None = None) -> Message:
        """Load a message you sent or received.

        Raises:
            ForbiddenError: You are neither its sender nor one of its recipients.
            NotFoundError: No such message.
        """
        conn = get_connection(connection)
        return cls._load(conn, conn.get(f"/message/{numeric_id(id, 'id', _IDS, objects=(Message,))}"))

    @classmethod
    def inbox(
        cls,
        status: Iterable[MessageStatusType | str] | MessageStatusType | str = MessageStatusType.UNREAD,
        *,
        newest_first: bool = True,
        connection: ConnectionLike | None = None,
    ) -> Listing[Message]:
        """The messages you received (unread ones by default), as a lazy listing: page by page when
        iterated; a notebook shows the first page as a table.

        Args:
            status: Which messages: ``"UNREAD"`` (default), ``"READ"``, ``"ARCHIVED"``, or several.
            newest_first: Order by the date sent, newest first (``False``: oldest first).
            connection: The connection to use.
        """
        if not isinstance(status, (str, MessageStatusType, Iterable)):
            raise ValidationError("status", status, "UNREAD, READ or ARCHIVED, or several of them")
        wanted = [status] if isinstance(status, (str, MessageStatusType)) else list(status)
        try:
            names = sorted({MessageStatusType(str(getattr(s, "value", s)).upper()).value for s in wanted})
        except ValueError:
            raise ValidationError("status", status, "UNREAD, READ or ARCHIVED") from None
        if not names:
            raise ValidationError("status", status, "name at least one status")
        conn = get_connection(connection)
        params = {"inboxFilter": ",".join(names), "descending": str(newest_first).lower()}

        def received(item: Any) -> Message:
            bundle = from_wire(MessageBundle, item)
            message = cls._load(conn, bundle.message)
            message.status = MessageStatusType(bundle.status.status)
            return message

        what = f"inbox ({', '.join(name.lower() for name in names)})"
        return offset_listing(conn, what, "/message/inbox", received, params=params)

    @classmethod
    def outbox(cls, *, newest_first: bool = True,
               connection: ConnectionLike | None = None) -> Listing[Message]:
        """The messages you sent, as a lazy listing (page by page; a notebook shows the first page)."""
        conn = get_connection(connection)
        params = {"descending": str(newest_first).lower()}
        return offset_listing(conn, "outbox", "/message/outbox", lambda item: cls._load(conn, item),
                              params=params)

    def text(self, *, connection: ConnectionLike | None = None) -> str:
        """The body, downloaded (and checked against its md5) each time it is asked for."""
        if self.id is None or self.file_handle_id is None:
            raise ValidationError("id", self.id, "only a sent message has a body to read")
        conn = get_connection(connection, bound=self._connection)
        data = fetch_bytes(conn, file_handle_id=self.file_handle_id, associate_object_id=self.id,
                           associate_object_type="MessageAttachment")
        return data.decode("utf-8", errors="replace")

    # -- writing -------------------------------------------------------------------------------------

    def mark(self, status: MessageStatusType | str, *, connection: ConnectionLike | None = None) -> None:
        """Mark the message READ, UNREAD or ARCHIVED in your inbox.

        Raises:
            ForbiddenError: The message is not in your inbox.
        """
        try:
            value = MessageStatusType(str(getattr(status, "value", status)).upper())
        except ValueError:
            raise ValidationError("status", status, "UNREAD, READ or ARCHIVED") from None
        if self.id is None:
            raise ValidationError("id", None, "this message was never sent")
        conn = get_connection(connection, bound=self._connection)
        conn.put("/message/status", to_wire(MessageStatusBody(message_id=self.id, status=value.value)))
        self.status = value

    def mark_read(self, *, connection: ConnectionLike | None = None) -> None:
        """Mark the message READ in your inbox."""
        self.mark(MessageStatusType.READ, connection=connection)

    def reply(self, body: str, *, subject: str | None = None, content_type: str = "text/plain",
              connection: ConnectionLike | None = None) -> Message:
        """Answer the sender (``Re:`` the subject unless given one)."""
        if self.id is None or self.created_by is None:
            raise ValidationError("id", self.id, "only a received message can be answered")
        subject = subject if subject is not None else f"Re: {self.subject or ''}".strip()
        return send_message([self.created_by], subject, body, content_type=content_type, in_reply_to=self.id,
                            connection=connection or self._connection)


guard_unknown_attributes(Message)


def send_message(
    recipients: Any,
    subject: str,
    body: str,
    *,
    content_type: str = "text/plain",
    in_reply_to: Message | str | None = None,
    connection: ConnectionLike | None = None,
) -> Message:
    """Send a message to users and teams (Synapse e-mails it to them too).

    Args:
        recipients: A user or team, or a list of them: objects (``UserProfile``, ``Team``, a team member),
            principal ids or user/team names. A team reaches its members (if you may message it).
        subject: The subject line.
        body: The text of the message.
        content_type: ``"text/plain"`` (default) or ``"text/html"``.
        in_reply_to: The message this one answers.
        connection: The connection to use.

    Returns:
        The message as sent (its id, sender, date).

    Raises:
        ValidationError: No recipient, a body that is not text, or another content type (before any
            request).
        NotFoundError: A user or team name that nobody has.
        BadRequestError: More than 50 recipients, or a recipient Synapse does not know.
    """
    many = not isinstance(recipients, (str, int)) and isinstance(recipients, Iterable)
    people = list(recipients) if many else [recipients]
    if not people:
        raise ValidationError("recipients", recipients, "send to at least one user or team")
    for n, who in enumerate(people):  # all checked before the first name is looked up
        if isinstance(who, bool) or not isinstance(who, (Principal, int, str)):
            raise ValidationError(f"recipients[{n}]", who, "give a user or team: an object, an id or a name")
    if not isinstance(subject, str):
        raise ValidationError("subject", subject, "a subject is text")
    if not isinstance(body, str):
        raise ValidationError("body", type(body).__name__, "a message body is text (str)")
    if content_type not in _CONTENT_TYPES:
        raise ValidationError("content_type", content_type, f"one of {', '.join(_CONTENT_TYPES)}")
    reply_to = None
    if in_reply_to is not None:
        reply_to = numeric_id(in_reply_to, "in_reply_to", _IDS, objects=(Message,))
    conn = get_connection(connection)
    ids = [str(resolve_principal(conn, who, f"recipients[{n}]")) for n, who in enumerate(people)]
    handle = upload_bytes(conn, body.encode("utf-8"), _CONTENT_TYPES[content_type], content_type=content_type)
    message = Message(recipients=list(dict.fromkeys(ids)), subject=subject, file_handle_id=str(handle["id"]),
                      in_reply_to=reply_to)
    return Message._load(conn, conn.post("/message", to_wire(message)))
