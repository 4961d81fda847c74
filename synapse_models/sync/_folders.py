"""Local directory trees and their Synapse folders: listing, mirroring (create-or-reuse), and the children
maps that let a sync match local names to entities with one request per 50 children instead of one per file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ..errors import ValidationError
from ..models.tree import EntityHeader
from . import _internals
from ._executor import Pipeline
from .manifest import MANIFEST_CSV, MANIFEST_TSV
from .results import SyncResult, SyncResults

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["ensure_folders", "list_children", "local_tree"]

_SKIPPED = frozenset({MANIFEST_TSV, MANIFEST_CSV})
Children = dict[str, dict[str, EntityHeader]]
"""Container id -> its children by name."""


def _skipped(name: str) -> bool:
    """Files a directory sync never uploads: the manifests and unfinished transfers."""
    return name in _SKIPPED or name.endswith((".synapse-partial", ".partial"))


def local_tree(directory: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """``(relative dir, sub-directory names, file names)`` top-down, sorted, symlinked directories pruned.

    Manifests and partial files are left out. An unreadable directory raises (a silent gap in a mirror
    would be worse).
    """

    def fail(error: OSError) -> None:
        raise error

    for here, dirs, files in os.walk(directory, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(here, d)))
        relative = os.path.relpath(here, directory)
        relative = "" if relative == "." else relative.replace(os.sep, "/")
        yield relative, list(dirs), sorted(f for f in files if not _skipped(f))


def list_children(conn: Connection, parent_ids: Iterable[str], *, max_workers: int = 8) -> Children:
    """Every child of each container, by name (one ``POST /entity/children`` per 50, containers in
    parallel)."""
    wanted = [p for p in dict.fromkeys(parent_ids) if p]

    def one(parent_id: str) -> dict[str, EntityHeader]:
        return {header.name: header for header in _internals.children(conn, parent_id)}

    if not wanted:
        return {}
    with ThreadPoolExecutor(
        max_workers=max(1, min(max_workers, len(wanted))), thread_name_prefix="synapse-list"
    ) as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))


@attrs.frozen
class FolderTask:
    parent_id: str
    name: str


def make_folder(conn: Connection, task: FolderTask) -> str:
    """Create a folder, or reuse the same-named one (another process may have made it meanwhile)."""
    from ..models.folder import Folder

    folder = Folder(name=task.name, parent=task.parent_id).store(connection=conn)
    return str(folder.id)


def ensure_folders(
    conn: Connection,
    pipeline: Pipeline,
    root: Path,
    parent_id: str,
    relative_dirs: list[str],
    children: Children,
    results: SyncResults,
    *,
    dry_run: bool,
) -> dict[str, str | None]:
    """Mirror local directories as folders under ``parent_id``, level by level (each level in parallel).

    Returns each directory's folder id (``None`` where it does not exist: planned in a dry run, or failed).
    Created (or planned) folders get a ``folder`` result, failures a ``failed`` one. ``children`` gains the
    (empty) listing of every folder created.
    """
    ids: dict[str, str | None] = {"": parent_id}
    failed: set[str] = set()
    by_depth: dict[int, list[str]] = {}
    for relative in relative_dirs:
        if relative:
            by_depth.setdefault(relative.count("/") + 1, []).append(relative)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        parents = {r.rsplit("/", 1)[0] if "/" in r else "" for r in level}
        children.update(
            list_children(conn, [str(ids[p]) for p in parents if ids.get(p) and str(ids[p]) not in children])
        )
        for relative in level:
            _one_folder(conn, pipeline, root, relative, ids, failed, children, results, dry_run)
        pipeline.drain()
    # the deepest folders' files are matched by name too: list what has not been listed yet
    children.update(list_children(conn, [str(i) for i in ids.values() if i and str(i) not in children]))
    return ids


def _one_folder(
    conn: Connection,
    pipeline: Pipeline,
    root: Path,
    relative: str,
    ids: dict[str, str | None],
    failed: set[str],
    children: Children,
    results: SyncResults,
    dry_run: bool,
) -> None:
    parent_rel, _, name = relative.rpartition("/")
    local = str(root / relative)
    if parent_rel in failed:
        failed.add(relative)
        ids[relative] = None
        return
    parent_id = ids.get(parent_rel)
    try:
        from ..models.folder import Folder

        Folder(name=name)  # the name rules, before any request
    except ValidationError as exc:
        failed.add(relative)
        ids[relative] = None
        results.append(SyncResult(path=local, status="failed", error=exc))
        return
    existing = children.get(str(parent_id), {}).get(name) if parent_id else None
    if existing is not None:
        if existing.type == _internals.FOLDER_TYPE:
            ids[relative] = existing.id
            return
        failed.add(relative)
        ids[relative] = None
        clash = ValidationError(
            "name", name, f"{existing.id} under {parent_id} is a {existing.entity_type}, not a Folder"
        )
        results.append(SyncResult(path=local, status="failed", entity_id=existing.id, error=clash))
        return
    if dry_run or parent_id is None:
        ids[relative] = None
        results.append(SyncResult(path=local, status="folder"))
        return

    def done(folder_id: str) -> None:
        ids[relative] = folder_id
        children[folder_id] = {}
        results.append(SyncResult(path=local, status="folder", entity_id=folder_id))

    def error(exc: BaseException) -> None:
        failed.add(relative)
        ids[relative] = None
        results.append(SyncResult(path=local, status="failed", error=exc))

    pipeline.submit(make_folder, FolderTask(str(parent_id), name), done, error)
