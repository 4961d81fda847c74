"""The trash can (REFERENCE 2.13).

Trashing re-parents the entity under the trash folder, renames it to its id (freeing the name in its old
parent) and deletes every ACL of the moved subtree, so the whole subtree answers 404 "in the trash can".
Restoring puts it back under its original (or another) parent with its old name; a restored Project gets a
fresh creator ACL.  Purging deletes the rows for good after running the ``PURGE`` hooks.
"""

from __future__ import annotations

from typing import Any

from ...core import acl
from ...core.constants import ENTITY_ADMIN_ACCESS, ROOT_ENTITY_ID, TRASH_FOLDER_ID
from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound
from ...core.paging import offset_limit, paginated
from ...core.routing import Routes
from ...core.txn import Txn
from .access import require_access
from .hooks import PURGE
from .records import ENTITY_TYPES, PROJECT, descendants, get_record, is_trashed, parse_entity_id, syn
from .writes import check_name_available

routes = Routes()

_REPARENT = (
    "UPDATE entities SET parent_id = ?, name = ?, etag = ?, modified_on = ?, modified_by = ? WHERE id = ?"
)

SCHEMA = """
    CREATE TABLE IF NOT EXISTS trash (
        entity_id INTEGER PRIMARY KEY, original_parent_id INTEGER NOT NULL, original_name TEXT NOT NULL,
        deleted_by INTEGER NOT NULL, deleted_on TEXT NOT NULL, concrete_type TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS trash_by_user ON trash(deleted_by)
    """


def trash_entity(txn: Txn, entity_id: int, *, purge: bool = False) -> None:
    """Move an entity and its subtree to the trash (no-op if missing or already trashed)."""
    txn.require_login()
    record = get_record(txn.db, entity_id)
    if record is None or is_trashed(txn.db, entity_id):
        return
    if entity_id in (ROOT_ENTITY_ID, TRASH_FOLDER_ID):
        raise Forbidden(f"{syn(entity_id)} cannot be deleted")
    require_access(txn, entity_id, "DELETE")
    if purge:
        purge_subtree(txn, entity_id)
        return
    for node in [entity_id, *descendants(txn.db, entity_id)]:
        acl.delete_acl(txn, "entity", node)
    assert record.parent_id is not None
    txn.db.execute(
        "INSERT OR REPLACE INTO trash(entity_id, original_parent_id, original_name, deleted_by, deleted_on,"
        " concrete_type) VALUES (?, ?, ?, ?, ?, ?)",
        (entity_id, record.parent_id, record.name, txn.user_id, txn.now(), record.concrete_type),
    )
    txn.db.execute(
        _REPARENT,
        (TRASH_FOLDER_ID, str(entity_id), txn.new_etag(), txn.now(), txn.user_id, entity_id),
    )


def purge_subtree(txn: Txn, entity_id: int) -> None:
    """Delete an entity, its descendants, their versions, ACLs and trash records for good."""
    nodes = [entity_id, *descendants(txn.db, entity_id)]
    for hook in txn.app.hooks.all(PURGE):
        hook(txn, nodes)
    marks = ",".join("?" * len(nodes))
    acl.delete_acls(txn, "entity", [str(n) for n in nodes])
    txn.db.execute(f"DELETE FROM trash WHERE entity_id IN ({marks})", nodes)
    txn.db.execute(f"DELETE FROM entity_versions WHERE entity_id IN ({marks})", nodes)
    txn.db.execute(f"DELETE FROM entities WHERE id IN ({marks})", nodes)


def _own_trash_item(txn: Txn, entity_id: int, given_id: str) -> Any:
    """Return the trash record of ``entity_id`` deleted by the caller (Synapse's refusals otherwise)."""
    txn.require_login()
    row = txn.db.execute("SELECT * FROM trash WHERE entity_id = ?", (entity_id,)).fetchone()
    if row is None:
        raise NotFound(f"The node {given_id} is not in the trash can.")
    if row["deleted_by"] != txn.user_id and not txn.is_admin:
        raise Forbidden(
            f"User {txn.user_id} not allowed to restore {given_id}. The node was deleted by a different user."
        )
    return row


def restore(txn: Txn, given_id: str, new_parent: str | None = None) -> None:
    """Move a trashed entity back under its original parent (or ``new_parent``).

    Refusals in Synapse's order and words (ids as the caller wrote them).
    """
    entity_id = parse_entity_id(given_id)
    item = _own_trash_item(txn, entity_id, given_id)
    parent_id = int(item["original_parent_id"]) if new_parent is None else parse_entity_id(new_parent)
    if get_record(txn.db, parent_id) is None or parent_id == TRASH_FOLDER_ID or is_trashed(txn.db, parent_id):
        shown = syn(parent_id) if new_parent is None else new_parent
        raise Forbidden(f"The intended parent {shown} is in the trash can and cannot be restored to.")
    is_project = item["concrete_type"] == PROJECT
    if parent_id == ROOT_ENTITY_ID and not is_project:
        # Synapse checks CREATE on the root first, which every user holds there.
        raise BadRequest("Ony projects can be restored to root")  # sic, Synapse's text
    if is_project != (parent_id == ROOT_ENTITY_ID):
        raise BadRequest(f"{syn(entity_id)} cannot be restored into {syn(parent_id)}")
    if not is_project:
        require_access(txn, parent_id, "CREATE")
    check_name_available(txn.db, parent_id, item["original_name"], exclude=entity_id)
    txn.db.execute(
        _REPARENT,
        (parent_id, item["original_name"], txn.new_etag(), txn.now(), txn.user_id, entity_id),
    )
    txn.db.execute("DELETE FROM trash WHERE entity_id = ?", (entity_id,))
    if is_project:
        entries = [{"principalId": int(item["deleted_by"]), "accessType": sorted(ENTITY_ADMIN_ACCESS)}]
        acl.create_acl(txn, "entity", entity_id, entries, display_id=syn(entity_id))


@routes.route("PUT", "/repo/v1/trashcan/trash/<id>")
def put_in_trash(ctx: RequestContext, id: str) -> None:
    trash_entity(ctx, parse_entity_id(id))


@routes.route("GET", "/repo/v1/trashcan/view")
def view_trash(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    offset, limit = offset_limit(ctx)
    rows = ctx.db.execute(
        "SELECT * FROM trash WHERE deleted_by = ? ORDER BY deleted_on DESC, entity_id DESC LIMIT ? OFFSET ?",
        (ctx.user_id, limit, offset),
    ).fetchall()
    items = [
        {
            "entityId": syn(row["entity_id"]),
            "entityName": row["original_name"],
            "entityType": ENTITY_TYPES.get(row["concrete_type"]),
            "deletedByPrincipalId": str(row["deleted_by"]),
            "deletedOn": row["deleted_on"],
            "originalParentId": syn(row["original_parent_id"]),
        }
        for row in rows
    ]
    return paginated(items, offset, limit)


@routes.route("PUT", "/repo/v1/trashcan/restore/<id>")
def restore_entity(ctx: RequestContext, id: str) -> None:
    restore(ctx, id)


@routes.route("PUT", "/repo/v1/trashcan/restore/<id>/<parent_id>")
def restore_entity_to(ctx: RequestContext, id: str, parent_id: str) -> None:
    restore(ctx, id, parent_id)


@routes.route("PUT", "/repo/v1/trashcan/purge/<id>")
def purge_entity(ctx: RequestContext, id: str) -> None:
    entity_id = parse_entity_id(id)
    ctx.require_login()
    row = ctx.db.execute("SELECT deleted_by FROM trash WHERE entity_id = ?", (entity_id,)).fetchone()
    if row is None:
        return  # Synapse: purging what is not in the trash does nothing
    if row["deleted_by"] != ctx.user_id and not ctx.is_admin:
        raise Forbidden(f"Insufficient permissions for user {ctx.user_id}")
    purge_subtree(ctx, entity_id)
