"""Bearer tokens and authentication, and the built-in admin user.

Table ``tokens`` holds only the SHA-256 of each token salted with a random per-data-dir salt (tokens are
opaque strings): a copy of the database gives no usable token.  :func:`authenticate` maps an
``Authorization`` header to a ``txn.User``; :func:`initialize` creates the admin user on first start.  The
admin token is never stored in clear: ``serve`` prints it once; a restart that is not given it issues a new
one (the old one stops working).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

from . import principals
from .errors import Unauthorized
from .store import delete_setting, get_setting, set_setting
from .txn import ANONYMOUS, Server, Txn, User

SCHEMA = """
    CREATE TABLE IF NOT EXISTS tokens (
        token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT, created_on TEXT NOT NULL)
    """

ADMIN_USER_NAME = "admin"
_LEGACY_ADMIN_TOKEN_SETTING = "admin_token"  # the token in clear, as data dirs before hashing kept it
_SALT_SETTING = "token_salt"


def _salt(db: sqlite3.Connection) -> str:
    return get_setting(db, _SALT_SETTING) or ""


def hash_token(db: sqlite3.Connection, token: str) -> str:
    """The stored form of ``token``: SHA-256 of the data dir's salt and the token."""
    return hashlib.sha256(f"{_salt(db)}:{token}".encode()).hexdigest()


def authenticate(db: sqlite3.Connection, authorization: str | None) -> User:
    """Map an ``Authorization`` header to a user: none -> anonymous, unknown bearer token -> 401."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Invalid access token")
    found = db.execute("SELECT user_id FROM tokens WHERE token_hash = ?", (hash_token(db, token),)).fetchone()
    row = None if found is None else principals.user_row(db, int(found[0]))
    if row is None:
        raise Unauthorized("Invalid access token")
    return User(int(row["id"]), str(row["user_name"]), bool(row["is_admin"]))


def issue_token(txn: Txn, user: User, *, token: str | None = None, name: str | None = None) -> str:
    """Register a bearer token for ``user`` and return it."""
    token = token or txn.app.ids.token(user.user_name if name is None else f"{user.user_name}/{name}")
    txn.db.execute(
        "INSERT OR REPLACE INTO tokens(token_hash, user_id, name, created_on) VALUES (?, ?, ?, ?)",
        (hash_token(txn.db, token), user.id, name, txn.now()),
    )
    return token


def revoke_token(txn: Txn, token: str) -> None:
    txn.db.execute("DELETE FROM tokens WHERE token_hash = ?", (hash_token(txn.db, token),))


def create_user_with_token(
    app: Server, db: sqlite3.Connection, user_name: str, *, email: str | None = None
) -> tuple[User, str]:
    """Create a user and its first token (used by the admin API and ``LocalSynapse.create_user``)."""
    txn = Txn(app, db, ANONYMOUS, writable=True)
    user = principals.create_user(txn, user_name, email=email)
    return user, issue_token(txn, user)


def initialize(app: Server, db: sqlite3.Connection, admin_token: str | None) -> str:
    """Create the built-in admin user and return a valid admin token.

    ``admin_token`` (when given) becomes the admin's token; otherwise a new one is issued.  Either way the
    admin's earlier tokens are revoked: the token returned is the only one, and it is stored only hashed.
    """
    txn = Txn(app, db, ANONYMOUS, writable=True)
    legacy = get_setting(db, _LEGACY_ADMIN_TOKEN_SETTING)
    if get_setting(db, _SALT_SETTING) is None:
        fresh = db.execute("SELECT 1 FROM tokens LIMIT 1").fetchone() is None
        # A data dir from before salting keeps its unsalted hashes valid (salt ""); a new one gets a salt.
        set_setting(db, _SALT_SETTING, secrets.token_hex(16) if fresh else "")
    admin = principals.admin_user(db, ADMIN_USER_NAME) or principals.create_user(
        txn, ADMIN_USER_NAME, is_admin=True
    )
    token = admin_token or legacy or app.ids.token(ADMIN_USER_NAME)
    db.execute("DELETE FROM tokens WHERE user_id = ? AND name = 'admin'", (admin.id,))
    issue_token(txn, admin, token=token, name="admin")
    delete_setting(db, _LEGACY_ADMIN_TOKEN_SETTING)
    return token
