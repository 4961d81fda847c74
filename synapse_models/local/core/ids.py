"""Ids, etags, timestamps and tokens: generated (random or deterministic) and parsed.

In deterministic mode every value derives from persistent counters and the seed: etags are UUIDs hashed from
``(seed, n)``, the clock starts at 2024-01-01T00:00:00.000Z and advances one second per write transaction,
and tokens hash ``(seed, user name)``.  Two fresh servers with the same seed fed the same calls therefore
answer byte-identical JSON, which keeps re-recorded HTTP cassettes stable.

Entity and file-handle ids (:data:`SPREAD_SEQUENCES`) start where the data directory's own id range does:
a block of :data:`BLOCK` ids chosen at random (from the seed in deterministic mode) between 10^10 and 10^14,
far above the ids synapse.org has handed out (entities about syn70M, file handles about 200M) and below
2^53, so they stay exact as JSON numbers anywhere.  Two data directories therefore never share a file-handle
id, which the official client's download cache (keyed by file-handle id, shared by every server the user
talks to) relies on.  The block is chosen when the sequence is first used and kept in the ``settings``
table; the counter then continues from the database across restarts.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import BadRequest
from .store import current_value, get_setting, next_value, set_setting

DETERMINISTIC_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)

#: Sequences whose ids each data directory draws from its own range (see the module docstring).
SPREAD_SEQUENCES = frozenset({"entity", "fileHandle"})
#: The ids of one data directory's range, and where the ranges lie.
BLOCK = 10**7
LOWEST = 10**10
BLOCKS = (10**14 - LOWEST) // BLOCK


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

    def first_id(self, db: sqlite3.Connection, kind: str, default: int) -> int:
        """Return the first id of sequence ``kind`` in this data directory (inside a write transaction).

        ``default`` for sequences outside :data:`SPREAD_SEQUENCES`; for those, the start of the data
        directory's block, chosen (and recorded) on first use.
        """
        if kind not in SPREAD_SEQUENCES:
            return default
        name = f"idRange.{kind}"
        recorded = get_setting(db, name)
        if recorded is None:
            if self.deterministic:
                block = int.from_bytes(self._digest("idRange", kind)[:8], "big") % BLOCKS
            else:
                block = secrets.randbelow(BLOCKS)
            recorded = str(LOWEST + block * BLOCK + 1)
            set_setting(db, name, recorded)
        return int(recorded)

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
