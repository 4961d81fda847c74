"""The hook points of the entities area: where other areas plug into entity reads and writes.

* :data:`FILE_HANDLE` — ``(db, file_handle_id) -> FileHandle JSON | None`` (the files area); used for
  version decisions (MD5), VersionInfo content size/MD5, ``fileName`` in bundles and children file sizes;
  without it an entity's file handle is unknown.
* :data:`ENTITY_VALIDATORS` — ``(txn, entity_json, old_record | None) -> None`` run before a create/update
  (the files area checks handle ownership and raises 403; tables check column ids...).
* :data:`ACTIVITY_VALIDATOR` — ``(txn, activity_id) -> None`` for ``?generatedBy=`` (default: numeric).
* :data:`PURGE` — ``(txn, entity_ids) -> None`` before rows are purged for good (wikis, tables...).
* :data:`BUNDLE_PARTS` — a :class:`BundlePart` computes one member of an EntityBundle, replacing the default
  of its flag (``bundles.py`` lists the defaults).
* :data:`DERIVED_ANNOTATIONS` — ``(txn, record) -> annotations map`` of the annotations derived for an entity
  (the schemas area); ``GET .../annotations2?includeDerived=true`` adds them where the entity has no value.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.hooks import HookPoint
from ...core.txn import Txn
from .records import EntityRecord, VersionRecord

FILE_HANDLE: HookPoint[Callable[[sqlite3.Connection, str], dict[str, Any] | None]] = HookPoint("file_handle")
ENTITY_VALIDATORS: HookPoint[Callable[[Txn, dict[str, Any], EntityRecord | None], None]] = HookPoint(
    "entity_validators"
)
ACTIVITY_VALIDATOR: HookPoint[Callable[[Txn, str], None]] = HookPoint("activity_validator")
PURGE: HookPoint[Callable[[Txn, list[int]], None]] = HookPoint("purge")


@dataclass(frozen=True)
class BundlePart:
    """Bundle member ``key``, computed by ``compute`` when the EntityBundleRequest sets ``flag``."""

    flag: str
    key: str
    compute: Callable[[Txn, EntityRecord, VersionRecord], Any]


BUNDLE_PARTS: HookPoint[BundlePart] = HookPoint("bundle_parts")
DERIVED_ANNOTATIONS: HookPoint[Callable[[Txn, EntityRecord], dict[str, Any]]] = HookPoint(
    "derived_annotations"
)


def file_handle_info(txn: Txn, handle_id: str | None) -> dict[str, Any] | None:
    """Return the FileHandle JSON of ``handle_id`` through the :data:`FILE_HANDLE` hook (``None`` without)."""
    provider = txn.app.hooks.last(FILE_HANDLE)
    return None if handle_id is None or provider is None else provider(txn.db, str(handle_id))
