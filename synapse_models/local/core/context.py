"""Per-transaction and per-request state handed to handlers.

* :class:`User` — the caller (``id``, ``user_name``, ``is_admin``, ``is_anonymous``).
* :class:`Txn` — one database transaction on behalf of one user: ``db``, ``user``, ``now()`` (one timestamp
  per transaction), ``new_etag()``, ``next_id(kind)``, ``require_login()``.  Async jobs get one too.
* :class:`RequestContext` — a ``Txn`` plus the HTTP request: ``json()``, ``args``, ``arg_int()``,
  ``arg_bool()``, ``base_url`` (for URLs pointing back at this server, e.g. presigned URLs).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from .constants import ANONYMOUS_USER_ID, SEQUENCE_STARTS
from .errors import BadRequest, login_required
from .store import Store, next_value

if TYPE_CHECKING:
    from .app import SynapseApp


@dataclass(frozen=True)
class User:
    """An authenticated (or anonymous) caller."""

    id: int
    user_name: str
    is_admin: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.id == ANONYMOUS_USER_ID


ANONYMOUS = User(ANONYMOUS_USER_ID, "anonymous")


class Txn:
    """A unit of work: one database transaction run for one user."""

    def __init__(self, app: SynapseApp, db: sqlite3.Connection, user: User, *, writable: bool) -> None:
        self.app = app
        self.db = db
        self.user = user
        self.writable = writable
        self._now: str | None = None
        self.after_commit: list[Callable[[], None]] = []

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def is_anonymous(self) -> bool:
        return self.user.is_anonymous

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin

    def require_login(self) -> None:
        """Raise 403 for the anonymous user."""
        if self.user.is_anonymous:
            raise login_required()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after this transaction commits (not at all if it fails)."""
        self.after_commit.append(callback)

    def now(self) -> str:
        """Return the timestamp of this transaction (the same value for every call)."""
        if self._now is None:
            self._now = self.app.ids.now(self.db, advance=self.writable)
        return self._now

    def new_etag(self) -> str:
        """Return a fresh etag."""
        return self.app.ids.etag(self.db)

    def next_id(self, kind: str, *, start: int | None = None) -> int:
        """Return the next id of sequence ``kind`` (e.g. ``"entity"``, ``"fileHandle"``)."""
        first = start if start is not None else SEQUENCE_STARTS.get(kind, 1)
        return next_value(self.db, kind, first)


class RequestContext(Txn):
    """A transaction bound to one HTTP request."""

    def __init__(
        self,
        app: SynapseApp,
        db: sqlite3.Connection,
        user: User,
        request: Request,
        *,
        writable: bool,
    ) -> None:
        super().__init__(app, db, user, writable=writable)
        self.request = request

    @property
    def args(self) -> MultiDict[str, str]:
        return self.request.args

    @property
    def base_url(self) -> str:
        """The scheme+host this request reached, e.g. ``http://127.0.0.1:8080`` (no trailing slash)."""
        return self.request.host_url.rstrip("/")

    def json(self) -> Any:
        """Return the parsed JSON body; 400 if missing or unparsable."""
        value = self.json_or_none()
        if value is None:
            raise BadRequest("The request body is required and must be JSON")
        return value

    def json_object(self) -> dict[str, Any]:
        """Return the JSON body, which must be an object."""
        value = self.json()
        if not isinstance(value, dict):
            raise BadRequest("The request body must be a JSON object")
        return value

    def json_or_none(self) -> Any:
        """Return the parsed JSON body, or ``None`` when the body is empty."""
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            return None
        charset = self.request.mimetype_params.get("charset", "utf-8")
        try:
            return json.loads(raw.decode(charset))
        except (ValueError, LookupError) as exc:
            raise BadRequest(f"Could not parse the JSON body: {exc}") from exc

    def arg_int(self, name: str, default: int | None = None) -> int | None:
        """Return an integer query parameter; 400 if it is not an integer."""
        raw = self.request.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise BadRequest(f"Query parameter {name} must be an integer, got {raw!r}") from exc

    def arg_bool(self, name: str, default: bool = False) -> bool:
        """Return a boolean query parameter (``true``/``false``, case-insensitive)."""
        raw = self.request.args.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise BadRequest(f"Query parameter {name} must be true or false, got {raw!r}")
        return lowered == "true"
