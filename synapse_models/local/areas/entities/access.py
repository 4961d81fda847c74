"""Who may do what on an entity (REFERENCE 2.11): the benefactor whose ACL applies, the access types a user
holds through it (admins hold all; nothing in the trash), and the UserEntityPermissions answer.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl
from ...core.constants import (
    ANONYMOUS_USER_ID,
    ENTITY_ADMIN_ACCESS,
    PUBLIC_GROUP_ID,
    ROOT_ENTITY_ID,
    TRASH_FOLDER_ID,
)
from ...core.errors import Forbidden
from ...core.txn import Txn, User
from .records import PROJECT, EntityRecord, ancestors, syn


def benefactor_id(db: sqlite3.Connection, entity_id: int) -> int:
    """Return the id of the entity whose ACL applies to ``entity_id``."""
    chain = ancestors(db, entity_id)
    owners = {int(i) for i in acl.with_acl(db, "entity", [str(i) for i in chain])}
    for candidate in chain:
        if candidate in owners:
            return candidate
    return ROOT_ENTITY_ID


def entity_access(db: sqlite3.Connection, user: User, entity_id: int) -> set[str]:
    """Return the access types ``user`` holds on an entity (through its benefactor's ACL)."""
    benefactor = benefactor_id(db, entity_id)
    if benefactor == TRASH_FOLDER_ID:
        return set()
    if user.is_admin:
        return set(ENTITY_ADMIN_ACCESS)
    access = acl.granted(db, user, "entity", benefactor)
    if not user.is_anonymous and "CHANGE_SETTINGS" not in access:
        # Synapse grants CHANGE_SETTINGS to an entity's creator whatever its ACL says.
        row = db.execute("SELECT created_by FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if row is not None and row[0] == user.id:
            access.add("CHANGE_SETTINGS")
    return access


def require_access(txn: Txn, entity_id: int, access_type: str) -> None:
    """Raise 403 unless the caller holds ``access_type`` on the entity."""
    if access_type not in entity_access(txn.db, txn.user, entity_id):
        if txn.is_anonymous and access_type != "READ":
            raise Forbidden("Must login to perform this action")
        raise Forbidden(
            f"You do not have {access_type} permission for the requested entity, {syn(entity_id)}."
        )


def can_read(db: sqlite3.Connection, user: User, entity_id: int) -> bool:
    return "READ" in entity_access(db, user, entity_id)


def permissions_json(txn: Txn, user: User, record: EntityRecord) -> dict[str, Any]:
    """Return the UserEntityPermissions of ``user`` on ``record``."""
    access = entity_access(txn.db, user, record.id)
    benefactor = benefactor_id(txn.db, record.id)
    public = acl.grants_of(acl.get_acl(txn.db, "entity", benefactor), {PUBLIC_GROUP_ID, ANONYMOUS_USER_ID})
    logged_in = not user.is_anonymous
    return {
        "canView": "READ" in access,
        "canEdit": "UPDATE" in access,
        "canMove": "UPDATE" in access,
        "canAddChild": "CREATE" in access,
        "canCertifiedUserEdit": "UPDATE" in access,
        "canCertifiedUserAddChild": "CREATE" in access,
        "isCertifiedUser": logged_in,
        "canChangePermissions": "CHANGE_PERMISSIONS" in access,
        "canChangeSettings": "CHANGE_SETTINGS" in access,
        "canDelete": "DELETE" in access,
        "canDownload": {"READ", "DOWNLOAD"} <= access,
        "canUpload": logged_in and "CREATE" in access,
        "canEnableInheritance": "CHANGE_PERMISSIONS" in access
        and benefactor == record.id
        and record.concrete_type != PROJECT,
        "ownerPrincipalId": record.created_by,
        "canPublicRead": "READ" in public,
        "canModerate": "MODERATE" in access,
        "isCertificationRequired": False,
        "isEntityOpenData": "READ" in public,
        "isDataContributor": "UPDATE" in access,
    }
