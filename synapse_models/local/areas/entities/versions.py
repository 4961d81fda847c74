"""What other areas keep on entity versions: file handles, provenance, table schemas and snapshots.

Each version row carries the file handle (``file_handle_id``, mirroring ``fields.dataFileHandleId``), the
activity that generated it (``activity_id``) and the type's other fields (a table's ``columnIds``...).
The functions here read and change exactly those, so the files, provenance and tables areas never touch
``entity_versions`` themselves.  Writes give the entity a new etag, as the REST API does.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core.store import dumps
from ...core.txn import Txn
from .records import EntityRecord, VersionRecord, current_version, touch
from .writes import IN_PROGRESS


# -- file handles --------------------------------------------------------------------------------------------
def file_handle_in_use(db: sqlite3.Connection, handle_id: str, *, entity_id: int | None = None) -> bool:
    """Whether a version (of ``entity_id``, or of any entity) uses the file handle."""
    if entity_id is None:
        row = db.execute("SELECT 1 FROM entity_versions WHERE file_handle_id = ? LIMIT 1", (handle_id,))
    else:
        row = db.execute(
            "SELECT 1 FROM entity_versions WHERE entity_id = ? AND file_handle_id = ? LIMIT 1",
            (entity_id, handle_id),
        )
    return row.fetchone() is not None


def versions_using(db: sqlite3.Connection, handle_ids: list[str]) -> list[tuple[int, int]]:
    """``(entity id, version)`` of the versions using one of ``handle_ids``, by entity and version."""
    marks = ",".join("?" * len(handle_ids))
    rows = db.execute(
        f"SELECT entity_id, version FROM entity_versions WHERE file_handle_id IN ({marks})"
        " ORDER BY entity_id, version",
        handle_ids,
    )
    return [(int(entity_id), int(number)) for entity_id, number in rows]


def replace_file_handle(txn: Txn, record: EntityRecord, version: VersionRecord, handle_id: str) -> None:
    """Point one version at another file handle (no new version); the entity gets a new etag."""
    fields = dict(version.fields, dataFileHandleId=handle_id)
    txn.db.execute(
        "UPDATE entity_versions SET fields = ?, file_handle_id = ? WHERE entity_id = ? AND version = ?",
        (dumps(fields), handle_id, record.id, version.number),
    )
    touch(txn, record)


# -- provenance ----------------------------------------------------------------------------------------------
def versions_generated_by(db: sqlite3.Connection, activity_id: str) -> list[tuple[int, int]]:
    """``(entity id, version)`` of the versions an activity generated, by entity and version."""
    rows = db.execute(
        "SELECT entity_id, version FROM entity_versions WHERE activity_id = ? ORDER BY entity_id, version",
        (activity_id,),
    )
    return [(int(entity_id), int(number)) for entity_id, number in rows]


def link_activity(txn: Txn, record: EntityRecord, activity_id: str | None) -> None:
    """Link the current version to an activity (``None`` unlinks); the entity gets a new etag."""
    txn.db.execute(
        "UPDATE entity_versions SET activity_id = ? WHERE entity_id = ? AND version = ?",
        (activity_id, record.id, current_version(txn.db, record).number),
    )
    touch(txn, record)


# -- type fields and snapshots (tables) ---------------------------------------------------------------------
def update_fields(txn: Txn, record: EntityRecord, changes: dict[str, Any]) -> None:
    """Change type fields of the current version (e.g. a table's ``columnIds``); new etag."""
    version = current_version(txn.db, record)
    fields = dict(version.fields, **changes)
    txn.db.execute(
        "UPDATE entity_versions SET fields = ?, modified_on = ?, modified_by = ?"
        " WHERE entity_id = ? AND version = ?",
        (dumps(fields), txn.now(), txn.user_id, record.id, version.number),
    )
    touch(txn, record)


def snapshot(txn: Txn, record: EntityRecord, label: str, comment: str | None, activity_id: str | None) -> int:
    """Close the current version of a table or view and start an in-progress copy of it; new etag.

    The closed version gets ``label``, ``comment`` and (when given) ``activity_id``; the new one is numbered
    ``max + 1``.  ``record`` is updated; returns the closed version's number.
    """
    version = current_version(txn.db, record)
    number = version.number
    txn.db.execute(
        "UPDATE entity_versions SET label = ?, comment = ?, activity_id = COALESCE(?, activity_id)"
        " WHERE entity_id = ? AND version = ?",
        (label, comment, activity_id, record.id, number),
    )
    new_number = record.max_version + 1
    txn.db.execute(
        "INSERT INTO entity_versions(entity_id, version, label, comment, fields, annotations, activity_id,"
        " file_handle_id, modified_on, modified_by) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
        (
            record.id,
            new_number,
            IN_PROGRESS,
            IN_PROGRESS,
            dumps(version.fields),
            dumps(version.annotations),
            txn.now(),
            txn.user_id,
        ),
    )
    txn.db.execute(
        "UPDATE entities SET current_version = ?, max_version = ? WHERE id = ?",
        (new_number, new_number, record.id),
    )
    record.current_version = record.max_version = new_number
    touch(txn, record)
    return number


# -- the tree ------------------------------------------------------------------------------------------------
def children_of(db: sqlite3.Connection, parent_ids: list[int], concrete_types: list[str]) -> list[int]:
    """Ids of the entities of ``concrete_types`` directly under any of ``parent_ids`` (trash included)."""
    ids: list[int] = []
    for start in range(0, len(parent_ids), 500):
        chunk = parent_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        type_marks = ",".join("?" * len(concrete_types))
        ids += [
            int(r[0])
            for r in db.execute(
                f"SELECT id FROM entities WHERE parent_id IN ({marks}) AND concrete_type IN ({type_marks})",
                [*chunk, *concrete_types],
            )
        ]
    return ids
