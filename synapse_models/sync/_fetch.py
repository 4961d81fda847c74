"""The worker side of ``sync_from``: one task brings a batch of files up to date in a local directory.

A task is plain data (picklable) and runs on any executor; it needs only the connection it is given.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ValidationError, error_for_status
from ..models.tree import check_component
from ..transfer._wire import FileHandleAssociation, FileResult
from ..transfer.names import free_name
from . import _internals
from ._memo import EntityMemo, FileFacts
from .manifest import manifest_row
from .results import SyncResult

if TYPE_CHECKING:
    from ..connection import Connection
    from ..transfer.cache import Cache

__all__ = ["FileWork", "SyncFromTask", "sync_files"]

URL_LIFETIME = 300.0
"""Seconds a batch of presigned URLs is trusted before it is asked for again (Synapse's last longer)."""
_DOWNLOADABLE = ("http://", "https://")

Outcome = tuple[SyncResult, str, "dict[str, Any] | None"]


@attrs.frozen
class FileWork:
    """One file to bring up to date, as the listing saw it."""

    entity_id: str
    version: int | None
    pinned: bool
    modified_on: str | None
    relative_dir: str
    name: str

    @property
    def relative_path(self) -> str:
        return f"{self.relative_dir}/{self.name}" if self.relative_dir else self.name


@attrs.frozen
class SyncFromTask:
    """A batch of files and the options of the sync."""

    files: list[FileWork]
    root: str
    if_collision: str
    cache_root: str
    refresh: bool
    dry_run: bool
    manifest: bool


@attrs.define
class _Pending:
    work: FileWork
    facts: FileFacts
    target: Path


def _facts(conn: Connection, memo: EntityMemo, work: FileWork, task: SyncFromTask) -> FileFacts:
    if not work.pinned and not task.refresh:
        known = memo.get(work.entity_id, work.version, work.modified_on)
        if known is not None:
            return known
    facts = FileFacts.from_bundle(
        _internals.bundle(conn, work.entity_id, work.version if work.pinned else None)
    )
    if not work.pinned and not task.dry_run:
        memo.put(facts)
    return facts


def _decide(facts: FileFacts, target: Path, cache: Cache, task: SyncFromTask) -> tuple[str, Path]:
    """What to do for one file: ``unchanged``, ``kept_local``, ``from_cache`` (done here) or ``download``."""
    handle = str(facts.file_handle_id)
    if target.exists():
        if not target.is_file():
            raise ValidationError("path", str(target), "something other than a file is in the way")
        known = cache.known_md5(handle, target)
        if known is not None and (facts.md5 is None or known == facts.md5):
            return "unchanged", target
        if facts.md5 and target.stat().st_size == facts.size and _internals.md5_of_path(target) == facts.md5:
            if not task.dry_run:
                cache.add(handle, target, facts.md5)
            return "unchanged", target
        if task.if_collision == "keep.local":
            return "kept_local", target
        if task.if_collision == "keep.both":
            other = cache.get(handle, directory=target.parent, md5=facts.md5)
            if other is not None:
                return "unchanged", other
            target = free_name(target)
    elsewhere = cache.get(handle, md5=facts.md5)
    if elsewhere is not None and elsewhere != target:
        if not task.dry_run:
            # a name of this thread's own: other processes may be copying the same file at once
            partial = target.with_name(
                f".{target.name}.{os.getpid()}.{threading.get_ident()}.synapse-partial"
            )
            shutil.copyfile(elsewhere, partial)
            os.replace(partial, target)
            cache.add(handle, target, facts.md5 or _internals.md5_of_path(target))
        return "from_cache", target
    return "download", target


def _outcome(
    work: FileWork,
    facts: FileFacts,
    status: str,
    target: Path | None,
    task: SyncFromTask,
    transferred: int = 0,
) -> Outcome:
    relative = work.relative_path
    if target is not None:
        relative = f"{work.relative_dir}/{target.name}" if work.relative_dir else target.name
    result = SyncResult(
        path=relative,
        status=status,
        entity_id=facts.entity_id,
        version=facts.version,
        local_path=str(target) if target is not None else None,
        bytes=transferred,
    )
    row = None
    if task.manifest:
        row = manifest_row(
            path=str(target) if target is not None else str(facts.external_url),
            parent_id=facts.parent_id,
            name=facts.name,
            entity_id=facts.entity_id,
            synapse_store=facts.synapse_store,
            content_type=facts.content_type,
            used=facts.used,
            executed=facts.executed,
            activity_name=facts.activity_name,
            activity_description=facts.activity_description,
            annotations=facts.annotation_values(),
        )
    return result, work.relative_dir, row


def failure_result(work: FileWork, exc: BaseException) -> SyncResult:
    """The result of a file that could not be downloaded."""
    return SyncResult(
        path=work.relative_path, status="failed", entity_id=work.entity_id, version=work.version, error=exc
    )


def _failure(work: FileWork, exc: BaseException) -> Outcome:
    return failure_result(work, exc), work.relative_dir, None


def sync_files(conn: Connection, task: SyncFromTask) -> list[Outcome]:
    """Bring a batch of files up to date; one outcome (result, directory, manifest row) per file."""
    memo = EntityMemo(task.cache_root, conn.endpoints.repo)
    cache = _internals.cache(task.cache_root)
    root = Path(task.root)
    outcomes: list[Outcome] = []
    pending: list[_Pending] = []
    for work in task.files:
        try:
            facts = _facts(conn, memo, work, task)
            if facts.external_url is not None and not facts.external_url.lower().startswith(_DOWNLOADABLE):
                outcomes.append(_outcome(work, facts, "external", None, task))
                continue
            local_name = check_component(str(facts.file_name or facts.name), facts.entity_id)
            directory = root / work.relative_dir if work.relative_dir else root
            status, target = _decide(facts, directory / local_name, cache, task)
            if status == "download" and not task.dry_run:
                pending.append(_Pending(work, facts, target))
            else:
                outcomes.append(_outcome(work, facts, status, target, task))
        except Exception as exc:  # recorded on the item, never swallowed
            outcomes.append(_failure(work, exc))
    outcomes.extend(_download(conn, pending, cache, task))
    return outcomes


def _download(conn: Connection, pending: list[_Pending], cache: Cache, task: SyncFromTask) -> list[Outcome]:
    """Download each pending file under its handle's download lock, presigned URLs asked 100 at a time."""
    outcomes: list[Outcome] = []
    hosted = [p for p in pending if p.facts.external_url is None]
    urls: dict[str, FileResult] = {}
    asked = 0.0
    for item in pending:
        handle = str(item.facts.file_handle_id)
        try:
            with _internals.download_lock(cache, handle):
                # another thread or process may have fetched it while this one waited
                status, target = _decide(item.facts, item.target, cache, task)
                if status != "download":
                    outcomes.append(_outcome(item.work, item.facts, status, target, task))
                    continue
                item.target = target
                if item.facts.external_url is not None:
                    outcomes.append(_fetch(conn, item, item.facts.external_url, cache, task))
                    continue
                if handle not in urls or time.monotonic() - asked > URL_LIFETIME:
                    start = hosted.index(item)
                    ahead = hosted[start : start + _internals.BATCH_LIMIT]
                    urls = _internals.presigned_urls(conn, [_association(p) for p in ahead])
                    asked = time.monotonic()
                outcomes.append(
                    _fetch(conn, item, _url(conn, urls.get(handle) or FileResult(), item), cache, task)
                )
        except Exception as exc:
            outcomes.append(_failure(item.work, exc))
    return outcomes


def _association(item: _Pending) -> FileHandleAssociation:
    return FileHandleAssociation(
        file_handle_id=str(item.facts.file_handle_id),
        associate_object_id=item.facts.entity_id,
        associate_object_type="FileEntity",
    )


def _url(conn: Connection, answer: FileResult, item: _Pending) -> str:
    """The presigned URL of one batch answer, or the error Synapse gives for the same file alone."""
    failure = answer.failure_code
    if failure or not answer.pre_signed_url:
        handle, entity = item.facts.file_handle_id, item.facts.entity_id
        status, reason = (
            (403, f"you may not download {entity}")
            if failure == "UNAUTHORIZED"
            else (404, f"no file handle {handle} for {entity} ({failure or 'no URL'})")
        )
        raise error_for_status(status, reason, "POST", conn.url("/fileHandle/batch", "file"))
    return answer.pre_signed_url


def _fetch(conn: Connection, item: _Pending, url: str, cache: Cache, task: SyncFromTask) -> Outcome:
    facts = item.facts
    _internals.download_url(conn, url, item.target, size=facts.size, md5=facts.md5)
    cache.add(str(facts.file_handle_id), item.target, facts.md5 or _internals.md5_of_path(item.target))
    size = facts.size if facts.size is not None else item.target.stat().st_size
    return _outcome(item.work, facts, "downloaded", item.target, task, size)
