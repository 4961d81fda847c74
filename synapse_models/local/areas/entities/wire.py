"""The JSON of entities: the Entity itself (at a version), its EntityHeader and its EntityPath."""

from __future__ import annotations

import sqlite3
from typing import Any

from .access import benefactor_id
from .records import PROJECT, EntityRecord, VersionRecord, ancestors, current_version, get_record, syn


def entity_json(
    db: sqlite3.Connection, record: EntityRecord, version: VersionRecord | None = None
) -> dict[str, Any]:
    """Return the Entity JSON of ``record`` at ``version`` (default: current)."""
    version = version or current_version(db, record)
    is_current = version.number == record.current_version
    body: dict[str, Any] = dict(version.fields)
    body.update(
        {
            "concreteType": record.concrete_type,
            "id": record.syn_id,
            "name": record.name,
            "description": record.description,
            "parentId": syn(record.parent_id) if record.parent_id is not None else None,
            "etag": record.etag if is_current else "00000000-0000-0000-0000-000000000000",
            "createdOn": record.created_on,
            "createdBy": str(record.created_by),
            "modifiedOn": record.modified_on if is_current else version.modified_on,
            "modifiedBy": str(record.modified_by if is_current else version.modified_by),
        }
    )
    if record.concrete_type == PROJECT:
        body["alias"] = record.alias
    if record.versionable:
        body.update(
            versionNumber=version.number,
            versionLabel=version.label,
            versionComment=version.comment,
            isLatestVersion=is_current,
        )
    return body


def header_json(
    db: sqlite3.Connection,
    record: EntityRecord,
    version: VersionRecord | None = None,
    *,
    benefactor: int | None = None,
) -> dict[str, Any]:
    """Return the EntityHeader of ``record`` (at ``version``; ``benefactor`` saves its lookup)."""
    version = version or current_version(db, record)
    return {
        "id": record.syn_id,
        "name": record.name,
        "type": record.concrete_type,
        "versionNumber": version.number,
        "versionLabel": version.label or str(version.number),
        "isLatestVersion": version.number == record.current_version,
        "benefactorId": benefactor if benefactor is not None else benefactor_id(db, record.id),
        "createdOn": record.created_on,
        "modifiedOn": record.modified_on,
        "createdBy": str(record.created_by),
        "modifiedBy": str(record.modified_by),
    }


def path_json(db: sqlite3.Connection, entity_id: int) -> dict[str, Any]:
    """Return the EntityPath (root first) of an entity."""
    headers = []
    for node_id in reversed(ancestors(db, entity_id)):
        record = get_record(db, node_id)
        assert record is not None
        headers.append({"id": record.syn_id, "name": record.name, "type": record.concrete_type})
    return {"path": headers}
