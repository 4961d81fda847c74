"""Datasets and dataset collections (REFERENCE 2.7): views defined by a flat list of chosen entity versions.

A Dataset's ``items`` are ``EntityRef``\\ s (``{entityId, versionNumber}``) of files; a DatasetCollection's
are datasets.  Each item the caller may read is one row: ``ROW_ID`` = the entity id, ``ROW_VERSION`` = the
item's version, the default columns and annotations of *that* version.  Writing a row changes the entity's
annotations (``writes.py``), as with entity views.

On every create/update a Dataset gets ``size`` (the bytes of its files), ``count`` (the items that are file
versions) and ``checksum`` (the MD5 of the sorted concatenation of the files' MD5s), as Synapse computes them.
The refusal texts are Synapse's (``DatasetMetadataProvider``, ``DatasetCollectionMetadataProvider``,
``TableViewManagerImpl.validateViewForSnapshot``).
"""

from __future__ import annotations

import hashlib
import sqlite3
from functools import partial
from typing import Any

from ...core.errors import BadRequest
from ...core.txn import Txn
from ..entities.service import (
    FILE,
    EntityRecord,
    VersionRecord,
    can_read,
    current_version,
    get_record,
    get_version,
    is_trashed,
    parse_entity_id,
    syn,
)
from ..files.service import get_file_handle
from ..tables.service import Column
from .defaults import DEFAULT_FIELDS, default_value
from .rows import cells_of
from .scope import PKG

DATASET = PKG + "Dataset"


DATASET_COLLECTION = PKG + "DatasetCollection"


ITEM_TYPES = frozenset({DATASET, DATASET_COLLECTION})


MAX_ITEMS = 35_000


# what each kind calls itself in refusals, and the type its items must have
_NOUN = {DATASET: "dataset", DATASET_COLLECTION: "dataset collection"}
_EMPTY = {
    DATASET: "You cannot create a version of an empty Dataset. Add files to this Dataset before creating a "
    "version.",
    DATASET_COLLECTION: "You cannot create a version of an empty Dataset Collection. Add Datasets to this "
    "Dataset Collection before creating a version.",
}


def _kind_of(txn: Txn, body: dict[str, Any]) -> str:
    concrete_type = body.get("concreteType") or body.get("entityType")
    if concrete_type is None and body.get("id") is not None:
        found = get_record(txn.db, parse_entity_id(body["id"]))
        concrete_type = found.concrete_type if found is not None else None
    return str(concrete_type)


def _items(noun: str, raw: Any) -> list[tuple[int, int]]:
    """``(entity id, version)`` of each EntityRef; 400 with Synapse's texts for a bad item."""
    if not isinstance(raw, list):
        raise BadRequest("items must be a list of EntityRefs")
    refs: list[tuple[int, int]] = []
    seen: set[int] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise BadRequest("items must be a list of EntityRefs")
        if item.get("entityId") is None:
            raise BadRequest(f"Each {noun} item must have a non-null entity ID.")
        if item.get("versionNumber") is None:
            raise BadRequest(f"Each {noun} item must have a non-null version number")
        entity_id = parse_entity_id(item["entityId"])
        version = item["versionNumber"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise BadRequest(f"Invalid versionNumber of {item['entityId']}: {version!r}")
        if entity_id in seen:
            raise BadRequest(f"Each {noun} item must have a unique entity ID.  Duplicate: {item['entityId']}")
        seen.add(entity_id)
        refs.append((entity_id, version))
    if len(refs) > MAX_ITEMS:
        raise BadRequest(f"Maximum of {MAX_ITEMS:,} items in a {noun} exceeded.")
    return refs


def validate_items(txn: Txn, body: dict[str, Any]) -> None:
    """Check the ``items`` of a Dataset (files only) or DatasetCollection (datasets only); normalize them
    to ``syn`` ids and give a Dataset its ``size``, ``count`` and ``checksum``."""
    kind = _kind_of(txn, body)
    if body.get("items") is None:
        return
    refs = _items(_NOUN[kind], body["items"])
    wanted = FILE if kind == DATASET else DATASET
    for entity_id, _ in refs:
        found = get_record(txn.db, entity_id)
        if found is not None and found.concrete_type != wanted:
            if kind == DATASET:
                raise BadRequest(
                    f"Currently, only files can be included in a dataset. {syn(entity_id)} is "
                    f"'{found.concrete_type}'"
                )
            raise BadRequest(
                "Only dataset entities can be included in a dataset collection. "
                f"{syn(entity_id)} is '{found.concrete_type}'"
            )
    body["items"] = [{"entityId": syn(entity_id), "versionNumber": version} for entity_id, version in refs]
    for key in ("size", "count", "checksum"):
        body.pop(key, None)
    if kind == DATASET:
        body.update(file_summary(txn.db, refs))


def file_summary(db: sqlite3.Connection, refs: list[tuple[int, int]]) -> dict[str, Any]:
    """``size``, ``count`` and ``checksum`` of the file versions ``refs`` (missing versions do not count)."""
    sizes: list[int] = []
    md5s: list[str] = []
    for entity_id, number in refs:
        version = get_version(db, entity_id, number)
        handle_id = None if version is None else version.fields.get("dataFileHandleId")
        handle = None if handle_id is None else get_file_handle(db, str(handle_id))
        if handle is None:
            continue
        sizes.append(int(handle.get("contentSize") or 0))
        if handle.get("contentMd5"):
            md5s.append(str(handle["contentMd5"]))
    summary: dict[str, Any] = {"size": sum(sizes), "count": len(sizes)}
    if md5s:
        summary["checksum"] = hashlib.md5("".join(sorted(md5s)).encode(), usedforsecurity=False).hexdigest()
    return summary


def item_refs(
    db: sqlite3.Connection, record: EntityRecord, number: int | None = None
) -> list[tuple[int, int]]:
    """``(entity id, version)`` of the items of a dataset (collection) version (default: the current one)."""
    version = current_version(db, record) if number is None else get_version(db, record.id, number)
    raw = [] if version is None else version.fields.get("items") or []
    return [(parse_entity_id(item["entityId"]), int(item["versionNumber"])) for item in raw]


def _item_value(db: sqlite3.Connection, entity: EntityRecord, version: VersionRecord, name: str) -> Any:
    # the row shows the chosen version, whatever the entity's current one is
    if name == "currentVersion":
        return version.number
    return default_value(db, entity, version.fields, name)


def item_rows(txn: Txn, record: EntityRecord, columns: list[Column]) -> list[tuple[Any, ...]]:
    """One row per item the caller may read: ``(entity id, item version, entity etag, cells...)``."""
    db = txn.db
    rows = []
    for entity_id, number in item_refs(db, record):
        entity = get_record(db, entity_id)
        version = get_version(db, entity_id, number)
        if entity is None or version is None or is_trashed(db, entity_id):
            continue
        if not can_read(db, txn.user, entity_id):
            continue
        value = partial(_item_value, db, entity, version)
        cells = cells_of(columns, DEFAULT_FIELDS, value, version.annotations)
        rows.append((entity.id, number, entity.etag, *cells))
    return rows


def check_snapshot(txn: Txn, record: EntityRecord) -> None:
    """A dataset (collection) without items has no version to keep (Synapse's 400)."""
    if not item_refs(txn.db, record):
        raise BadRequest(_EMPTY[record.concrete_type])
