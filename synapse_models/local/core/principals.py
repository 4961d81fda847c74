"""Principals: users and groups (teams), their names, and who is a member of which group.

Tables: ``principals`` (users and teams share one id space), ``principal_aliases`` (USER_NAME, TEAM_NAME,
USER_EMAIL... — one namespace, case-insensitive, so a team cannot take a user's name), ``users`` (the
account: name, email, admin flag, profile JSON) and ``group_members`` (which ``acl.principal_ids`` reads: what
an ACL grants a group, its members get).  A teams area adds its principal with :func:`add_principal`, its name
with :func:`add_alias` and its members with :func:`add_member`.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from .errors import BadRequest, Conflict
from .store import dumps
from .txn import Txn, User

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
    CREATE TABLE IF NOT EXISTS group_members (
        group_id INTEGER NOT NULL, member_id INTEGER NOT NULL, PRIMARY KEY (group_id, member_id));
    CREATE INDEX IF NOT EXISTS group_members_by_member ON group_members(member_id)
    """

USER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._\-]{3,}$")


# -- principals and aliases ------------------------------------------------------------------------------
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


def principal_row(db: sqlite3.Connection, principal_id: int) -> sqlite3.Row | None:
    """Return the ``principals`` row (``id``, ``name``, ``is_individual``...), ``None`` if unknown."""
    row: sqlite3.Row | None = db.execute("SELECT * FROM principals WHERE id = ?", (principal_id,)).fetchone()
    return row


def rename_principal(txn: Txn, principal_id: int, name: str) -> None:
    """Change the display name of a principal (its aliases change separately)."""
    txn.db.execute("UPDATE principals SET name = ? WHERE id = ?", (name, principal_id))


def delete_group(txn: Txn, group_id: int) -> None:
    """Delete a group principal: its memberships, aliases and row."""
    txn.db.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
    txn.db.execute("DELETE FROM principal_aliases WHERE principal_id = ?", (group_id,))
    txn.db.execute("DELETE FROM principals WHERE id = ?", (group_id,))


def search(db: sqlite3.Connection, prefix: str) -> list[sqlite3.Row]:
    """Principals whose user/team name, first or last name starts with ``prefix`` (case-insensitive).

    Rows (``id``, ``name``, ``is_individual``) are ordered by lower-case name, then id.
    """
    return db.execute(
        "SELECT DISTINCT p.id, p.name, p.is_individual FROM principals p"
        " LEFT JOIN principal_aliases a ON a.principal_id = p.id AND a.type IN ('USER_NAME', 'TEAM_NAME')"
        " LEFT JOIN users u ON u.id = p.id"
        " WHERE (a.alias_key LIKE ? ESCAPE '\\'"
        " OR lower(COALESCE(json_extract(u.profile, '$.firstName'), '')) LIKE ? ESCAPE '\\'"
        " OR lower(COALESCE(json_extract(u.profile, '$.lastName'), '')) LIKE ? ESCAPE '\\')"
        " ORDER BY lower(p.name), p.id",
        [_like(prefix.lower())] * 3,
    ).fetchall()


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -- users -------------------------------------------------------------------------------------------------
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


def user_row(db: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    """Return the ``users`` row (``user_name``, ``email``, ``is_admin``, ``etag``, ``profile``...)."""
    row: sqlite3.Row | None = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return row


def admin_user(db: sqlite3.Connection, user_name: str) -> User | None:
    """Return the admin user called ``user_name``, ``None`` if there is none."""
    row = db.execute("SELECT id FROM users WHERE user_name = ? AND is_admin = 1", (user_name,)).fetchone()
    return None if row is None else User(int(row["id"]), user_name, True)


def update_user(txn: Txn, user_id: int, user_name: str, profile: dict[str, Any]) -> None:
    """Store a user's name and profile JSON, with a new etag."""
    txn.db.execute(
        "UPDATE users SET user_name = ?, profile = ?, etag = ? WHERE id = ?",
        (user_name, dumps(profile), txn.new_etag(), user_id),
    )


# -- groups ------------------------------------------------------------------------------------------------
def add_member(txn: Txn, group_id: int, member_id: int) -> None:
    """Make ``member_id`` a member of ``group_id`` (no-op if it is one)."""
    txn.db.execute(
        "INSERT OR IGNORE INTO group_members(group_id, member_id) VALUES (?, ?)", (group_id, member_id)
    )


def remove_member(txn: Txn, group_id: int, member_id: int) -> None:
    txn.db.execute("DELETE FROM group_members WHERE group_id = ? AND member_id = ?", (group_id, member_id))


def is_member(db: sqlite3.Connection, group_id: int, member_id: int) -> bool:
    row = db.execute(
        "SELECT 1 FROM group_members WHERE group_id = ? AND member_id = ?", (group_id, member_id)
    ).fetchone()
    return row is not None


def member_ids(db: sqlite3.Connection, group_id: int) -> list[int]:
    """The members of a group, by id."""
    rows = db.execute(
        "SELECT member_id FROM group_members WHERE group_id = ? ORDER BY member_id", (group_id,)
    )
    return [int(row[0]) for row in rows]


def groups_of(db: sqlite3.Connection, member_id: int) -> list[int]:
    """The groups ``member_id`` belongs to, by id."""
    rows = db.execute(
        "SELECT group_id FROM group_members WHERE member_id = ? ORDER BY group_id", (member_id,)
    )
    return [int(row[0]) for row in rows]
