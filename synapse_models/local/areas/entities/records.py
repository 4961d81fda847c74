"""Entity rows, versions and the tree (ancestors, descendants, the trash).

Who may do what is in ``access.py``, the JSON of entities in ``wire.py``.

Storage: ``entities`` holds what all versions share (name, description, parent, etag, current version);
``entity_versions`` holds per-version data: label, comment, annotations, the activity id (provenance) and
``fields`` — every other entity field exactly as sent (``dataFileHandleId``, ``columnIds``, ``scopeIds``,
``linksTo``, unknown fields...).  ``file_handle_id`` mirrors ``fields.dataFileHandleId`` for lookups.
Other areas plug in through the hook points of ``hooks.py``.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from ...core import acl
from ...core.constants import ROOT_ENTITY_ID, TRASH_FOLDER_ID
from ...core.errors import BadRequest, NotFound
from ...core.store import ids_below, loads
from ...core.txn import Txn

_EPOCH = "2024-01-01T00:00:00.000Z"


SCHEMA = f"""
    CREATE TABLE IF NOT EXISTS entities (
        id INTEGER PRIMARY KEY, parent_id INTEGER, name TEXT NOT NULL, concrete_type TEXT NOT NULL,
        description TEXT, alias TEXT UNIQUE, etag TEXT NOT NULL, created_on TEXT NOT NULL,
        created_by INTEGER NOT NULL, modified_on TEXT NOT NULL, modified_by INTEGER NOT NULL,
        current_version INTEGER NOT NULL DEFAULT 1, max_version INTEGER NOT NULL DEFAULT 1);
    CREATE UNIQUE INDEX IF NOT EXISTS entities_by_parent_name ON entities(parent_id, name);
    CREATE INDEX IF NOT EXISTS entities_by_parent_created ON entities(parent_id, created_on);
    CREATE INDEX IF NOT EXISTS entities_by_parent_modified ON entities(parent_id, modified_on);
    CREATE TABLE IF NOT EXISTS entity_versions (
        entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE, version INTEGER NOT NULL,
        label TEXT, comment TEXT, fields TEXT NOT NULL DEFAULT '{{}}',
        annotations TEXT NOT NULL DEFAULT '{{}}',
        activity_id TEXT, file_handle_id TEXT, modified_on TEXT NOT NULL, modified_by INTEGER NOT NULL,
        PRIMARY KEY (entity_id, version));
    CREATE INDEX IF NOT EXISTS entity_versions_by_file ON entity_versions(file_handle_id);
    INSERT OR IGNORE INTO entities(id, parent_id, name, concrete_type, etag, created_on, created_by,
        modified_on, modified_by) VALUES
        ({ROOT_ENTITY_ID}, NULL, 'root', 'org.sagebionetworks.repo.model.Folder',
         '4f6a1b0e-0000-4000-8000-000000004489', '{_EPOCH}', 2, '{_EPOCH}', 2),
        ({TRASH_FOLDER_ID}, NULL, 'Trash', 'org.sagebionetworks.repo.model.Folder',
         '4f6a1b0e-0000-4000-8000-000001681355', '{_EPOCH}', 2, '{_EPOCH}', 2);
    INSERT OR IGNORE INTO entity_versions(entity_id, version, modified_on, modified_by) VALUES
        ({ROOT_ENTITY_ID}, 1, '{_EPOCH}', 2), ({TRASH_FOLDER_ID}, 1, '{_EPOCH}', 2);
    CREATE INDEX IF NOT EXISTS entity_versions_by_activity ON entity_versions(activity_id)
    """


def setup(db: sqlite3.Connection) -> None:
    """Give the root and the trash folder their (empty) ACLs: every server has them."""
    acl.ensure_acl(db, "entity", ROOT_ENTITY_ID, "4f6a1b0e-0000-4000-8000-0000000a4489", _EPOCH)
    acl.ensure_acl(db, "entity", TRASH_FOLDER_ID, "4f6a1b0e-0000-4000-8000-0000001a1355", _EPOCH)


_PKG = "org.sagebionetworks.repo.model."


#: concreteType -> EntityType name (lower case, as in EntityChildrenRequest.includeTypes).
ENTITY_TYPES: dict[str, str] = {
    _PKG + "Project": "project",
    _PKG + "Folder": "folder",
    _PKG + "FileEntity": "file",
    _PKG + "Link": "link",
    _PKG + "table.TableEntity": "table",
    _PKG + "table.EntityView": "entityview",
    _PKG + "table.SubmissionView": "submissionview",
    _PKG + "table.Dataset": "dataset",
    _PKG + "table.DatasetCollection": "datasetcollection",
    _PKG + "table.MaterializedView": "materializedview",
    _PKG + "table.VirtualTable": "virtualtable",
    _PKG + "docker.DockerRepository": "dockerrepo",
}


PROJECT = _PKG + "Project"


FOLDER = _PKG + "Folder"


FILE = _PKG + "FileEntity"


DOCKER = _PKG + "docker.DockerRepository"


VERSIONABLE = frozenset(
    t for t, name in ENTITY_TYPES.items() if t.startswith(_PKG + "table.") or name == "file"
)


TABLE_LIKE = frozenset(t for t in VERSIONABLE if t != FILE)


#: Entity fields stored as columns of ``entities``/``entity_versions`` (never copied into ``fields``).
CORE_FIELDS = frozenset(
    {
        "id", "name", "description", "parentId", "etag", "createdOn", "createdBy", "modifiedOn", "modifiedBy",
        "concreteType", "entityType", "alias", "versionNumber", "versionLabel", "versionComment",
        "isLatestVersion",
    }
)  # fmt: skip


_ID_PATTERN = re.compile(r"^(?:syn)?(\d+)$", re.IGNORECASE)


@dataclass
class EntityRecord:
    """One row of ``entities``."""

    id: int
    parent_id: int | None
    name: str
    concrete_type: str
    description: str | None
    alias: str | None
    etag: str
    created_on: str
    created_by: int
    modified_on: str
    modified_by: int
    current_version: int
    max_version: int

    @property
    def syn_id(self) -> str:
        return syn(self.id)

    @property
    def versionable(self) -> bool:
        return self.concrete_type in VERSIONABLE

    @property
    def entity_type(self) -> str:
        return ENTITY_TYPES.get(self.concrete_type, "folder")


@dataclass
class VersionRecord:
    """One row of ``entity_versions``."""

    entity_id: int
    number: int
    label: str | None
    comment: str | None
    fields: dict[str, Any]
    annotations: dict[str, Any]
    activity_id: str | None
    file_handle_id: str | None
    modified_on: str
    modified_by: int


def syn(entity_id: int | str) -> str:
    return f"syn{entity_id}"


def parse_entity_id(text: str | int | None) -> int:
    """Parse ``syn123``, ``SYN123`` or ``123``; 400 if malformed."""
    match = _ID_PATTERN.match(str(text).strip()) if text is not None else None
    if match is None:
        raise BadRequest(f"Invalid entity id: {text}")
    return int(match.group(1))


def _record(row: sqlite3.Row) -> EntityRecord:
    return EntityRecord(**dict(row))


def get_record(db: sqlite3.Connection, entity_id: int) -> EntityRecord | None:
    row = db.execute("SELECT * FROM entities WHERE id = ?", (entity_id,)).fetchone()
    return None if row is None else _record(row)


def get_version(db: sqlite3.Connection, entity_id: int, number: int) -> VersionRecord | None:
    row = db.execute(
        "SELECT * FROM entity_versions WHERE entity_id = ? AND version = ?", (entity_id, number)
    ).fetchone()
    if row is None:
        return None
    return VersionRecord(
        entity_id=row["entity_id"],
        number=row["version"],
        label=row["label"],
        comment=row["comment"],
        fields=loads(row["fields"]) or {},
        annotations=loads(row["annotations"]) or {},
        activity_id=row["activity_id"],
        file_handle_id=row["file_handle_id"],
        modified_on=row["modified_on"],
        modified_by=row["modified_by"],
    )


def current_version(db: sqlite3.Connection, record: EntityRecord) -> VersionRecord:
    version = get_version(db, record.id, record.current_version)
    assert version is not None, f"entity {record.id} lost its current version"
    return version


def ancestors(db: sqlite3.Connection, entity_id: int) -> list[int]:
    """Return ``[entity_id, parent, grandparent, ...]`` up to the top of the tree."""
    rows = db.execute(
        "WITH RECURSIVE chain(id, parent_id, depth) AS ("
        " SELECT id, parent_id, 0 FROM entities WHERE id = ?"
        " UNION ALL SELECT e.id, e.parent_id, c.depth + 1 FROM entities e JOIN chain c ON e.id = c.parent_id"
        " WHERE c.depth < 200)"
        " SELECT id FROM chain ORDER BY depth",
        (entity_id,),
    ).fetchall()
    return [int(row[0]) for row in rows]


def is_trashed(db: sqlite3.Connection, entity_id: int) -> bool:
    return entity_id != TRASH_FOLDER_ID and TRASH_FOLDER_ID in ancestors(db, entity_id)


def require_entity(db: sqlite3.Connection, entity_id: int) -> EntityRecord:
    """Return a live entity; 404 if it does not exist or is in the trash can."""
    record = get_record(db, entity_id)
    if record is None:
        raise NotFound(f"Resource: '{syn(entity_id)}' does not exist")  # Synapse's words
    if is_trashed(db, entity_id):
        raise NotFound(f"Entity {syn(entity_id)} is in trash can.")
    return record


def children_ids(db: sqlite3.Connection, parent_id: int) -> list[int]:
    return [
        int(r[0]) for r in db.execute("SELECT id FROM entities WHERE parent_id = ? ORDER BY id", (parent_id,))
    ]


def descendants(db: sqlite3.Connection, entity_id: int) -> list[int]:
    """Return the ids below ``entity_id`` (not including it)."""
    return ids_below(db, "entities", entity_id)


def descendant_folders(db: sqlite3.Connection, entity_id: int) -> list[tuple[int, int, str]]:
    """``(id, parent id, name)`` of every folder below ``entity_id``, each after its parent."""
    rows = db.execute(
        "WITH RECURSIVE sub(id, parent_id, name, depth) AS ("
        " SELECT id, parent_id, name, 1 FROM entities WHERE parent_id = ? AND concrete_type = ?"
        " UNION ALL SELECT e.id, e.parent_id, e.name, s.depth + 1 FROM entities e JOIN sub s"
        " ON e.parent_id = s.id WHERE e.concrete_type = ? AND s.depth < 200)"
        " SELECT id, parent_id, name FROM sub ORDER BY depth, id",
        (entity_id, FOLDER, FOLDER),
    ).fetchall()
    return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


_SQL_WORD = re.compile(r"^[A-Za-z_][\w.]*$")


def current_rows_sql(parents: str, concrete_types: list[str]) -> str:
    """SQL of the entities of ``concrete_types`` whose parent is in the table ``parents`` (its ``id``
    column), each with its current version: ``id, parent_id, name, description, concrete_type, etag,
    created_on, created_by, modified_on, modified_by, current_version, file_handle_id, annotations``.

    The rows are read in id order through the primary key (the parent test is kept off the parent index),
    so a ``LIMIT``/``OFFSET`` page over them reads no further than it needs.
    """
    if not _SQL_WORD.match(parents) or not all(_SQL_WORD.match(t) for t in concrete_types):
        raise ValueError(f"not SQL names: {parents!r}, {concrete_types!r}")
    types = ", ".join(f"'{t}'" for t in concrete_types)
    return (
        "SELECT e.id AS id, e.parent_id AS parent_id, e.name AS name, e.description AS description,"
        " e.concrete_type AS concrete_type, e.etag AS etag, e.created_on AS created_on,"
        " e.created_by AS created_by, e.modified_on AS modified_on, e.modified_by AS modified_by,"
        " e.current_version AS current_version, v.file_handle_id AS file_handle_id,"
        " v.annotations AS annotations"
        f" FROM entities e JOIN entity_versions v ON v.entity_id = e.id AND v.version = e.current_version"
        f" WHERE e.concrete_type IN ({types}) AND +e.parent_id IN (SELECT id FROM {parents})"
        " ORDER BY e.id"
    )


def touch(txn: Txn, record: EntityRecord) -> str:
    """Give ``record`` a new etag and modification stamp; return the etag."""
    etag = txn.new_etag()
    txn.db.execute(
        "UPDATE entities SET etag = ?, modified_on = ?, modified_by = ? WHERE id = ?",
        (etag, txn.now(), txn.user_id, record.id),
    )
    record.etag, record.modified_on, record.modified_by = etag, txn.now(), txn.user_id
    return etag
