"""Ids, etags, timestamps and tokens: generated (random or deterministic) and parsed.

In deterministic mode every value derives from persistent counters and the seed: etags are UUIDs hashed from
``(seed, n)``, the clock starts at 2024-01-01T00:00:00.000Z and advances one second per write transaction,
and tokens hash ``(seed, user name)``.  Two fresh servers with the same seed fed the same calls therefore
answer byte-identical JSON, which keeps re-recorded HTTP cassettes stable.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import BadRequest
from .store import current_value, next_value

DETERMINISTIC_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def parse_id(text: Any, what: str = "id") -> int:
    """Parse a numeric id (from a path or a body); 400 naming ``what`` if malformed."""
    try:
        return int(str(text).strip())
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Invalid {what}: {text}") from exc


def format_time(moment: datetime) -> str:
    """Format a datetime as Synapse does: ISO-8601 UTC with milliseconds and a ``Z``."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse a timestamp written by :func:`format_time`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class IdPolicy:
    """Source of etags, timestamps and tokens for one server."""

    def __init__(self, *, deterministic: bool = False, seed: int = 0) -> None:
        self.deterministic = deterministic
        self.seed = seed

    def _digest(self, *parts: object) -> bytes:
        text = ":".join(str(part) for part in (self.seed, *parts))
        return hashlib.sha256(text.encode()).digest()

    def etag(self, db: sqlite3.Connection) -> str:
        """Return a new etag (inside a write transaction)."""
        if not self.deterministic:
            return str(uuid.uuid4())
        n = next_value(db, "etag")
        return str(uuid.UUID(bytes=self._digest("etag", n)[:16], version=4))

    def now(self, db: sqlite3.Connection, *, advance: bool) -> str:
        """Return the current time; in deterministic mode ``advance`` moves the fake clock by 1 s."""
        if not self.deterministic:
            return format_time(datetime.now(timezone.utc))
        seconds = next_value(db, "clock", start=0) if advance else current_value(db, "clock") or 0
        return format_time(DETERMINISTIC_EPOCH + timedelta(seconds=seconds))

    def token(self, user_name: str) -> str:
        """Return a new bearer token for ``user_name``."""
        if not self.deterministic:
            return "lsyn-" + secrets.token_urlsafe(32)
        return "lsyn-" + self._digest("token", user_name).hex()[:40]

    def random_hex(self, db: sqlite3.Connection, purpose: str, length: int = 32) -> str:
        """Return an unguessable hex string (derived from a counter in deterministic mode)."""
        if not self.deterministic:
            return secrets.token_hex(length // 2)
        n = next_value(db, f"random.{purpose}")
        return self._digest(purpose, n).hex()[:length]
