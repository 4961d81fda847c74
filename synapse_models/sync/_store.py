"""The worker side of ``sync_to``: one task brings one manifest row up to date in Synapse.

A row is compared with what Synapse holds (through the entity memo when the listing's version and
modification time match, else one bundle) and only what differs is sent: new content (a new version),
annotations, provenance. In a dry run nothing is written and the planned action is returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ValidationError
from . import _internals
from ._memo import EntityMemo, FileFacts, stamp
from .manifest_read import ManifestRow, Reference
from .results import SyncResult

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.file import File
    from ..models.tree import EntityHeader

__all__ = ["Existing", "RowOutcome", "RowTask", "store_row"]


@attrs.frozen
class Existing:
    """What a listing says of the entity a row names (plain data: tasks travel to other processes)."""

    entity_id: str
    type: str
    version: int | None
    modified_on: str | None

    @classmethod
    def of(cls, header: EntityHeader) -> Existing:
        return cls(header.id, header.type, header.version_number, stamp(header.modified_on))


@attrs.frozen
class RowTask:
    """One row, what the listing knows of its entity, and the ids of the rows it depends on."""

    row: ManifestRow
    existing: Existing | None
    """The same-named entity under the parent (or the one the row's ``id`` names)."""
    resolved: dict[str, str | None]
    """Path of each row this one depends on -> ``syn1.2`` (``None`` in a dry run when not known yet)."""
    cache_root: str
    dry_run: bool
    merge_annotations: bool


@attrs.frozen
class RowOutcome:
    """The result, and the ``syn1.2`` reference that dependent rows record (``None`` if unknown)."""

    result: SyncResult
    reference: str | None


def _references(
    conn: Connection, items: list[Reference], resolved: dict[str, str | None]
) -> list[str] | None:
    """Provenance items as ``syn1.2``/``syn1``/URL strings; ``None`` when a dependency is not known yet."""
    out: list[str] = []
    for item in items:
        if item.kind == "row":
            reference = resolved.get(item.value)
            if reference is None:
                return None
            out.append(reference)
        elif item.kind == "file":
            from ..models.file import File

            found = File.from_path(item.value, connection=conn)  # by md5, as the official client
            out.append(f"{found.id}.{found.version_number}")
        else:
            out.append(item.value)
    return out


def _same_annotations(mine: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> bool:
    from ..models.annotations import Annotations

    return Annotations(mine) == Annotations(theirs)


def _content_changed(row: ManifestRow, facts: FileFacts, cache_root: str, dry_run: bool) -> bool:
    if row.is_url:
        return facts.external_url != row.path
    if not row.synapse_store:
        return facts.external_url != Path(row.path).resolve().as_uri()
    if facts.external_url is not None or facts.file_handle_id is None:
        return True
    if facts.size is not None and facts.size != row.size:
        return True
    cache = _internals.cache(cache_root)
    md5 = cache.known_md5(facts.file_handle_id, row.path)
    if md5 is None:
        md5 = _internals.md5_of_path(row.path)
        if md5 == facts.md5 and not dry_run:
            cache.add(facts.file_handle_id, row.path, md5)  # the next run need not hash it again
    return md5 != facts.md5


def _activity(row: ManifestRow, used: list[str], executed: list[str]) -> Any:
    from ..models.activity import Activity

    return Activity(
        name=row.activity_name, description=row.activity_description, used=used, executed=executed
    )


def store_row(conn: Connection, task: RowTask) -> RowOutcome:
    """Create, update or leave one row's file; never raises (the error is on the result)."""
    row = task.row
    result = SyncResult(path=row.path, status="failed", line=row.line or None)
    try:
        used = _references(conn, row.used, task.resolved)
        executed = _references(conn, row.executed, task.resolved)
        if task.existing is None:
            return _create(conn, task, result, used, executed)
        return _update(conn, task, result, used, executed)
    except Exception as exc:  # recorded on the item, never swallowed
        result.error = exc
        return RowOutcome(result, None)


def _new_file(row: ManifestRow) -> File:
    from ..models.file import File

    if row.is_url:
        return File(
            url=row.path,
            name=row.name,
            parent=row.parent_id,
            synapse_store=False,
            content_type=row.content_type,
            annotations=row.annotations,
        )
    return File(
        row.path,
        name=row.name,
        parent=row.parent_id,
        synapse_store=row.synapse_store,
        content_type=row.content_type,
        annotations=row.annotations,
    )


def _create(
    conn: Connection, task: RowTask, result: SyncResult, used: list[str] | None, executed: list[str] | None
) -> RowOutcome:
    row = task.row
    if task.dry_run:
        result.status = "create"
        result.bytes = row.size if row.synapse_store and not row.is_url else 0
        return RowOutcome(result, None)
    file = _new_file(row)
    if row.used or row.executed:
        file.activity = _activity(row, used or [], executed or [])
    file.store(connection=conn, cache_root=task.cache_root, progress=False)
    EntityMemo(task.cache_root, conn.endpoints.repo).put(FileFacts.from_file(file))
    result.status, result.entity_id, result.version = "created", file.id, file.version_number
    result.bytes = row.size if row.synapse_store and not row.is_url else 0
    return RowOutcome(result, f"{file.id}.{file.version_number}")


def _update(
    conn: Connection, task: RowTask, result: SyncResult, used: list[str] | None, executed: list[str] | None
) -> RowOutcome:
    row, existing = task.row, task.existing
    assert existing is not None
    entity_id = existing.entity_id
    if existing.type != _internals.FILE_TYPE:
        kind = existing.type.rsplit(".", 1)[-1]
        raise ValidationError("name", row.name, f"{entity_id} under {row.parent_id} is a {kind}, not a File")
    result.entity_id = entity_id
    memo = EntityMemo(task.cache_root, conn.endpoints.repo)
    facts = memo.get(entity_id, existing.version, existing.modified_on)
    if facts is None:
        facts = FileFacts.from_bundle(_internals.bundle(conn, entity_id))
        if not task.dry_run:
            memo.put(facts)
    notes = dict(row.annotations)
    theirs = facts.annotation_values()
    if task.merge_annotations:
        notes = {**theirs, **notes}
    content = _content_changed(row, facts, task.cache_root, task.dry_run)
    provenance = bool(row.used or row.executed) and (
        used is None
        or executed is None
        or used != facts.used
        or executed != facts.executed
        or (row.activity_name or None) != (facts.activity_name or None)
        or (row.activity_description or None) != (facts.activity_description or None)
    )
    moved = facts.parent_id is not None and facts.parent_id != row.parent_id
    metadata = provenance or moved or not _same_annotations(notes, theirs) or (facts.name != row.name)
    result.version = facts.version
    if not content and not metadata:
        result.status = "unchanged"
        return RowOutcome(result, f"{entity_id}.{facts.version}")
    if task.dry_run:
        result.status = "update" if content else "metadata"
        result.bytes = row.size if content and row.synapse_store and not row.is_url else 0
        return RowOutcome(result, None)
    from ..models.file import File

    file = File.get(entity_id, download=False, connection=conn)
    if row.is_url:
        file.url = row.path
    else:
        file.path = row.path
        file.synapse_store = row.synapse_store
    if row.content_type:
        file.content_type = row.content_type
    file.name, file.parent = row.name, row.parent_id
    file.annotations = notes  # type: ignore[assignment]  # the converter validates and wraps
    if row.used or row.executed:
        if file.activity is None:
            file.activity = _activity(row, used or [], executed or [])
        else:
            file.activity.name, file.activity.description = row.activity_name, row.activity_description
            file.activity.used, file.activity.executed = used or [], executed or []  # type: ignore[assignment]
    file.store(connection=conn, force_version=row.force_version, cache_root=task.cache_root, progress=False)
    result.status = "updated" if file.version_number != facts.version else "metadata"
    result.version = file.version_number
    result.bytes = row.size if content and row.synapse_store and not row.is_url else 0
    return RowOutcome(result, f"{entity_id}.{file.version_number}")
