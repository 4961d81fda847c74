"""Generic access control lists: ``(object_type, object_id) -> AccessControlList``.

Entities use object type ``"entity"`` with the numeric id as ``object_id``; a teams or evaluations area uses
its own object type (``"team"``, ``"evaluation"``) with the same functions:

* :func:`get_acl`, :func:`create_acl`, :func:`update_acl` (etag-checked, 412), :func:`delete_acl`;
* :func:`normalize_resource_access` validates a request's ``resourceAccess`` (400 on bad input);
* :func:`principal_ids` is the set of principals a user acts as (self, PUBLIC, AUTHENTICATED_USERS when
  logged in, and every group it is a member of — ``principals.groups_of``; the teams area adds members);
* :func:`with_acl` (which of some objects have an ACL of their own), :func:`delete_acls` (many at once),
  :func:`remove_principal` (a deleted principal leaves every ACL);
* :func:`granted` is the set of access types an ACL grants a user.

Admins bypass ACLs; that rule lives in the callers (e.g. ``entities.access.entity_access``) so it stays
visible.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from . import principals
from .constants import (
    ACCESS_TYPES,
    ANONYMOUS_USER_ID,
    AUTHENTICATED_USERS_ID,
    PUBLIC_GROUP_ID,
    WELL_KNOWN_PRINCIPALS,
)
from .errors import BadRequest, NotFound, stale_etag
from .store import dumps, loads
from .txn import Txn, User

SCHEMA = """
    CREATE TABLE IF NOT EXISTS acls (
        object_type TEXT NOT NULL, object_id TEXT NOT NULL, etag TEXT NOT NULL, creation_date TEXT NOT NULL,
        created_by INTEGER, modified_on TEXT, modified_by INTEGER, resource_access TEXT NOT NULL,
        PRIMARY KEY (object_type, object_id))
    """


def principal_ids(db: sqlite3.Connection, user: User) -> set[int]:
    """Return the principals whose grants apply to ``user``."""
    ids = {user.id, PUBLIC_GROUP_ID}
    if not user.is_anonymous:
        ids.add(AUTHENTICATED_USERS_ID)
        ids.update(principals.groups_of(db, user.id))
    return ids


def normalize_resource_access(db: sqlite3.Connection, raw: Any) -> list[dict[str, Any]]:
    """Validate ``resourceAccess`` and return it merged per principal and sorted."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise BadRequest("resourceAccess must be a list")
    merged: dict[int, set[str]] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            raise BadRequest("Each ResourceAccess must be an object")
        try:
            principal = int(entry["principalId"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequest("ResourceAccess.principalId is required and must be an integer") from exc
        access = entry.get("accessType") or []
        if not isinstance(access, list):
            raise BadRequest("ResourceAccess.accessType must be a list")
        unknown = [a for a in access if a not in ACCESS_TYPES]
        if unknown:
            raise BadRequest(f"Unknown ACCESS_TYPE: {unknown[0]}")
        if principal not in WELL_KNOWN_PRINCIPALS and not principals.principal_exists(db, principal):
            raise BadRequest(f"Principal ID {principal} does not exist")
        if principal == ANONYMOUS_USER_ID and set(access) - {"READ"}:
            raise BadRequest("Anonymous users may only have READ access permission")
        merged.setdefault(principal, set()).update(access)
    return [
        {"principalId": principal, "accessType": sorted(access)}
        for principal, access in sorted(merged.items())
        if access
    ]


def _row(db: sqlite3.Connection, object_type: str, object_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM acls WHERE object_type = ? AND object_id = ?", (object_type, str(object_id))
    ).fetchone()
    return row


def _to_json(row: sqlite3.Row, display_id: str) -> dict[str, Any]:
    return {
        "id": display_id,
        "etag": row["etag"],
        "creationDate": row["creation_date"],
        "resourceAccess": loads(row["resource_access"]),
    }


def has_acl(db: sqlite3.Connection, object_type: str, object_id: str | int) -> bool:
    return _row(db, object_type, str(object_id)) is not None


def get_acl(
    db: sqlite3.Connection, object_type: str, object_id: str | int, *, display_id: str | None = None
) -> dict[str, Any] | None:
    """Return the AccessControlList JSON, or ``None`` when the object has no ACL of its own."""
    row = _row(db, object_type, str(object_id))
    return None if row is None else _to_json(row, display_id or str(object_id))


def ensure_acl(
    db: sqlite3.Connection, object_type: str, object_id: str | int, etag: str, created_on: str
) -> None:
    """Give an object every server has (e.g. the root entity) an empty ACL with fixed values, once."""
    db.execute(
        "INSERT OR IGNORE INTO acls(object_type, object_id, etag, creation_date, resource_access)"
        " VALUES (?, ?, ?, ?, '[]')",
        (object_type, str(object_id), etag, created_on),
    )


def require_acl(db: sqlite3.Connection, object_type: str, object_id: str | int, shown: str) -> dict[str, Any]:
    """Return the ACL of an object; 404 "``shown`` has no ACL" when it has none."""
    found = get_acl(db, object_type, object_id)
    if found is None:
        raise NotFound(f"{shown} has no ACL")
    return found


def acl_id(body: dict[str, Any]) -> Any:
    """Return the ``id`` of an AccessControlList request body; 400 when it is missing."""
    if body.get("id") is None:
        raise BadRequest("AccessControlList.id is required")
    return body["id"]


def create_acl(
    txn: Txn,
    object_type: str,
    object_id: str | int,
    resource_access: list[dict[str, Any]],
    *,
    display_id: str | None = None,
) -> dict[str, Any]:
    """Store a new ACL (replacing any) and return its JSON. ``resource_access`` must be normalized."""
    txn.db.execute(
        "INSERT OR REPLACE INTO acls(object_type, object_id, etag, creation_date, created_by, modified_on,"
        " modified_by, resource_access) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            object_type,
            str(object_id),
            txn.new_etag(),
            txn.now(),
            txn.user_id,
            txn.now(),
            txn.user_id,
            dumps(resource_access),
        ),
    )
    acl = get_acl(txn.db, object_type, object_id, display_id=display_id)
    assert acl is not None
    return acl


def update_acl(
    txn: Txn,
    object_type: str,
    object_id: str | int,
    resource_access: list[dict[str, Any]],
    etag: str | None,
    *,
    display_id: str | None = None,
) -> dict[str, Any]:
    """Replace the entries of an existing ACL; 404 if none, 412 if ``etag`` is stale."""
    row = _row(txn.db, object_type, str(object_id))
    shown = display_id or str(object_id)
    if row is None:
        raise NotFound(f"No ACL exists for {shown}")
    if etag != row["etag"]:
        raise stale_etag(shown)
    txn.db.execute(
        "UPDATE acls SET etag = ?, modified_on = ?, modified_by = ?, resource_access = ?"
        " WHERE object_type = ? AND object_id = ?",
        (txn.new_etag(), txn.now(), txn.user_id, dumps(resource_access), object_type, str(object_id)),
    )
    acl = get_acl(txn.db, object_type, object_id, display_id=display_id)
    assert acl is not None
    return acl


def delete_acl(txn: Txn, object_type: str, object_id: str | int) -> bool:
    """Delete an ACL; return whether one existed."""
    cursor = txn.db.execute(
        "DELETE FROM acls WHERE object_type = ? AND object_id = ?", (object_type, str(object_id))
    )
    return cursor.rowcount > 0


def with_acl(db: sqlite3.Connection, object_type: str, object_ids: list[str]) -> set[str]:
    """Return which of ``object_ids`` have an ACL of their own."""
    marks = ",".join("?" * len(object_ids))
    rows = db.execute(
        f"SELECT object_id FROM acls WHERE object_type = ? AND object_id IN ({marks})",
        [object_type, *object_ids],
    )
    return {str(row[0]) for row in rows}


def objects_with_acl(db: sqlite3.Connection, object_type: str) -> set[str]:
    """Every object of ``object_type`` that has an ACL of its own (for entities: those that are their own
    benefactor)."""
    rows = db.execute("SELECT object_id FROM acls WHERE object_type = ?", (object_type,))
    return {str(row[0]) for row in rows}


def delete_acls(txn: Txn, object_type: str, object_ids: list[str]) -> None:
    """Delete the ACLs of many objects (those without one are skipped)."""
    marks = ",".join("?" * len(object_ids))
    txn.db.execute(
        f"DELETE FROM acls WHERE object_type = ? AND object_id IN ({marks})", [object_type, *object_ids]
    )


def remove_principal(txn: Txn, principal_id: int) -> None:
    """Remove a deleted principal's entries from every ACL (new etags), so the ACLs stay valid to PUT back."""
    rows = txn.db.execute(
        "SELECT object_type, object_id, resource_access FROM acls WHERE resource_access LIKE ?",
        (f"%{principal_id}%",),
    ).fetchall()
    for row in rows:
        entries = loads(row["resource_access"]) or []
        kept = [e for e in entries if int(e["principalId"]) != principal_id]
        if len(kept) != len(entries):
            txn.db.execute(
                "UPDATE acls SET resource_access = ?, etag = ?, modified_on = ?, modified_by = ?"
                " WHERE object_type = ? AND object_id = ?",
                (dumps(kept), txn.new_etag(), txn.now(), txn.user_id, row["object_type"], row["object_id"]),
            )


def grants_of(acl: dict[str, Any] | None, principals: set[int]) -> set[str]:
    """Return the access types ``acl`` grants to any of ``principals``."""
    if acl is None:
        return set()
    result: set[str] = set()
    for entry in acl.get("resourceAccess", []):
        if int(entry["principalId"]) in principals:
            result.update(entry.get("accessType", []))
    return result


def granted(db: sqlite3.Connection, user: User, object_type: str, object_id: str | int) -> set[str]:
    """Return what the ACL of one object grants ``user`` (no admin bypass, no inheritance)."""
    access = grants_of(get_acl(db, object_type, object_id), principal_ids(db, user))
    if user.is_anonymous:
        access &= {"READ"}
    return access
