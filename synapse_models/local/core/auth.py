"""Principals, users and bearer tokens.

Tables: ``principals`` (users and teams share one id space), ``principal_aliases`` (USER_NAME, TEAM_NAME,
USER_EMAIL... — one namespace, case-insensitive, so a team cannot take a user's name), ``users`` and
``tokens`` (SHA-256 of each token; tokens are opaque strings).  A teams area adds its principal with
:func:`add_principal` and its name with :func:`add_alias`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from typing import Any

from .constants import ANONYMOUS_USER_ID
from .errors import BadRequest, Conflict, Unauthorized
from .store import get_setting, loads, set_setting
from .txn import ANONYMOUS, Server, Txn, User

SCHEMA = """
    CREATE TABLE IF NOT EXISTS principals (
        id INTEGER PRIMARY KEY, is_individual INTEGER NOT NULL, name TEXT NOT NULL, created_on TEXT);
    CREATE TABLE IF NOT EXISTS principal_aliases (
        alias_key TEXT PRIMARY KEY, alias TEXT NOT NULL, type TEXT NOT NULL,
        principal_id INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE);
    CREATE INDEX IF NOT EXISTS principal_aliases_by_principal ON principal_aliases(principal_id);
    CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY REFERENCES principals(id) ON DELETE CASCADE,
        user_name TEXT NOT NULL, email TEXT, is_admin INTEGER NOT NULL DEFAULT 0,
        created_on TEXT NOT NULL, etag TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '{}');
    CREATE TABLE IF NOT EXISTS tokens (
        token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT, created_on TEXT NOT NULL)
    """

ADMIN_USER_NAME = "admin"
USER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._\-]{3,}$")
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
    row = db.execute(
        "SELECT u.id, u.user_name, u.is_admin FROM tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = ?",
        (hash_token(token),),
    ).fetchone()
    if row is None:
        raise Unauthorized("Invalid access token")
    return User(int(row["id"]), str(row["user_name"]), bool(row["is_admin"]))


def add_principal(txn: Txn, name: str, *, is_individual: bool) -> int:
    """Create a principal (user or team) and return its id."""
    principal_id = txn.next_id("principal")
    txn.db.execute(
        "INSERT INTO principals(id, is_individual, name, created_on) VALUES (?, ?, ?, ?)",
        (principal_id, int(is_individual), name, txn.now()),
    )
    return principal_id


def add_alias(txn: Txn, principal_id: int, alias: str, alias_type: str) -> None:
    """Reserve ``alias`` for a principal; 409 if any principal already uses it."""
    key = alias.lower()
    if txn.db.execute("SELECT 1 FROM principal_aliases WHERE alias_key = ?", (key,)).fetchone():
        raise Conflict(f"The name '{alias}' is already used.")
    txn.db.execute(
        "INSERT INTO principal_aliases(alias_key, alias, type, principal_id) VALUES (?, ?, ?, ?)",
        (key, alias, alias_type, principal_id),
    )


def remove_aliases(txn: Txn, principal_id: int, alias_type: str) -> None:
    txn.db.execute(
        "DELETE FROM principal_aliases WHERE principal_id = ? AND type = ?", (principal_id, alias_type)
    )


def lookup_alias(db: sqlite3.Connection, alias: str, alias_type: str | None = None) -> int | None:
    """Return the principal owning ``alias`` (optionally of one alias type)."""
    row = db.execute(
        "SELECT principal_id, type FROM principal_aliases WHERE alias_key = ?", (alias.lower(),)
    ).fetchone()
    if row is None or (alias_type is not None and row["type"] != alias_type):
        return None
    return int(row["principal_id"])


def principal_exists(db: sqlite3.Connection, principal_id: int) -> bool:
    return db.execute("SELECT 1 FROM principals WHERE id = ?", (principal_id,)).fetchone() is not None


def validate_user_name(user_name: str) -> None:
    if not USER_NAME_PATTERN.match(user_name):
        raise BadRequest(
            "Username may only contain letters, numbers, dot (.), dash (-) and underscore (_)"
            " and must be at least 3 characters long."
        )


def create_user(txn: Txn, user_name: str, *, email: str | None = None, is_admin: bool = False) -> User:
    """Create a user (principal, aliases, profile); 409 if the name or email is taken."""
    validate_user_name(user_name)
    email = email or f"{user_name}@localhost.localdomain"
    principal_id = add_principal(txn, user_name, is_individual=True)
    add_alias(txn, principal_id, user_name, "USER_NAME")
    add_alias(txn, principal_id, email, "USER_EMAIL")
    txn.db.execute(
        "INSERT INTO users(id, user_name, email, is_admin, created_on, etag) VALUES (?, ?, ?, ?, ?, ?)",
        (principal_id, user_name, email, int(is_admin), txn.now(), txn.new_etag()),
    )
    return User(principal_id, user_name, is_admin)


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
    user = create_user(txn, user_name, email=email)
    return user, issue_token(txn, user)


def user_row(db: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return row


def initialize(app: Server, db: sqlite3.Connection, admin_token: str | None) -> str:
    """Create the built-in admin user on first start and return the admin token.

    The token is kept in the settings table, so a restart on the same data dir keeps it valid; passing a
    different ``admin_token`` replaces (and revokes) the stored one.
    """
    txn = Txn(app, db, ANONYMOUS, writable=True)
    row = db.execute(
        "SELECT id FROM users WHERE user_name = ? AND is_admin = 1", (ADMIN_USER_NAME,)
    ).fetchone()
    admin = (
        create_user(txn, ADMIN_USER_NAME, is_admin=True)
        if row is None
        else User(int(row["id"]), ADMIN_USER_NAME, True)
    )
    stored = get_setting(db, _ADMIN_TOKEN_SETTING)
    token = admin_token or stored or app.ids.token(ADMIN_USER_NAME)
    if stored and stored != token:
        revoke_token(txn, stored)
    if stored != token:
        issue_token(txn, admin, token=token, name="admin")
        set_setting(db, _ADMIN_TOKEN_SETTING, token)
    return token


def profile_of(db: sqlite3.Connection, user_id: int, *, private: bool) -> dict[str, Any] | None:
    """Return the UserProfile JSON of a user (``private`` adds the emails), ``None`` if unknown."""
    if user_id == ANONYMOUS_USER_ID:
        return {"ownerId": str(ANONYMOUS_USER_ID), "userName": "anonymous"}
    row = user_row(db, user_id)
    if row is None:
        return None
    profile: dict[str, Any] = dict(loads(row["profile"]) or {})
    profile.update(
        ownerId=str(row["id"]),
        userName=row["user_name"],
        etag=row["etag"],
        createdOn=row["created_on"],
    )
    if private and row["email"]:
        profile["emails"] = [row["email"]]
        profile["email"] = row["email"]
    return profile
