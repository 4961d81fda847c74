"""Bearer tokens and authentication, and the built-in admin user.

Table ``tokens`` holds the SHA-256 of each token (tokens are opaque strings).  :func:`authenticate` maps an
``Authorization`` header to a ``txn.User``; :func:`initialize` creates the admin user on first start.
"""

from __future__ import annotations

import hashlib
import sqlite3

from . import principals
from .errors import Unauthorized
from .store import get_setting, set_setting
from .txn import ANONYMOUS, Server, Txn, User

SCHEMA = """
    CREATE TABLE IF NOT EXISTS tokens (
        token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT, created_on TEXT NOT NULL)
    """

ADMIN_USER_NAME = "admin"
_ADMIN_TOKEN_SETTING = "admin_token"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(db: sqlite3.Connection, authorization: str | None) -> User:
    """Map an ``Authorization`` header to a user: none -> anonymous, unknown bearer token -> 401."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Invalid access token")
    found = db.execute("SELECT user_id FROM tokens WHERE token_hash = ?", (hash_token(token),)).fetchone()
    row = None if found is None else principals.user_row(db, int(found[0]))
    if row is None:
        raise Unauthorized("Invalid access token")
    return User(int(row["id"]), str(row["user_name"]), bool(row["is_admin"]))


def issue_token(txn: Txn, user: User, *, token: str | None = None, name: str | None = None) -> str:
    """Register a bearer token for ``user`` and return it."""
    token = token or txn.app.ids.token(user.user_name if name is None else f"{user.user_name}/{name}")
    txn.db.execute(
        "INSERT OR REPLACE INTO tokens(token_hash, user_id, name, created_on) VALUES (?, ?, ?, ?)",
        (hash_token(token), user.id, name, txn.now()),
    )
    return token


def revoke_token(txn: Txn, token: str) -> None:
    txn.db.execute("DELETE FROM tokens WHERE token_hash = ?", (hash_token(token),))


def create_user_with_token(
    app: Server, db: sqlite3.Connection, user_name: str, *, email: str | None = None
) -> tuple[User, str]:
    """Create a user and its first token (used by the admin API and ``LocalSynapse.create_user``)."""
    txn = Txn(app, db, ANONYMOUS, writable=True)
    user = principals.create_user(txn, user_name, email=email)
    return user, issue_token(txn, user)


def initialize(app: Server, db: sqlite3.Connection, admin_token: str | None) -> str:
    """Create the built-in admin user on first start and return the admin token.

    The token is kept in the settings table, so a restart on the same data dir keeps it valid; passing a
    different ``admin_token`` replaces (and revokes) the stored one.
    """
    txn = Txn(app, db, ANONYMOUS, writable=True)
    admin = principals.admin_user(db, ADMIN_USER_NAME) or principals.create_user(
        txn, ADMIN_USER_NAME, is_admin=True
    )
    stored = get_setting(db, _ADMIN_TOKEN_SETTING)
    token = admin_token or stored or app.ids.token(ADMIN_USER_NAME)
    if stored and stored != token:
        revoke_token(txn, stored)
    if stored != token:
        issue_token(txn, admin, token=token, name="admin")
        set_setting(db, _ADMIN_TOKEN_SETTING, token)
    return token
