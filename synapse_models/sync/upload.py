"""``sync_to``: bring Synapse in line with a manifest (the official format) or a local directory.

The whole manifest is checked before anything is written, and every bad row is reported at once with its line
number. Then each row is compared with Synapse -- names matched through children pages (one request per 50
children), content through md5s (the entity memo and the cache map spare most requests and hashing) -- and
only what differs is sent; rows are stored in provenance order, independent rows concurrently.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import ManifestError, ManifestProblem, ValidationError
from ..models._args import as_path
from ..registry import ConnectionLike, get_connection
from ..transfer.progress import Overall
from . import _internals
from ._executor import Pipeline, check_shard, in_shard
from ._folders import Children, ensure_folders, list_children, local_tree
from ._provenance import resolve_provenance
from ._store import Existing, RowOutcome, RowTask, store_row
from .manifest_read import ManifestRow, dependencies, read_manifest
from .results import SyncResult, SyncResults

if TYPE_CHECKING:
    from ..connection import Connection
    from ..models.entity import Entity

__all__ = ["sync_to"]


def sync_to(
    source: str | os.PathLike[str],
    parent: Entity | str | None = None,
    *,
    dry_run: bool = False,
    merge_annotations: bool = False,
    executor: Executor | None = None,
    max_workers: int | None = None,
    shard: tuple[int, int] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    cache_root: str | os.PathLike[str] | None = None,
    echo: TextIO | None = sys.stdout,
    progress: bool | None = None,
    connection: ConnectionLike | None = None,
) -> SyncResults:
    """Upload what a manifest (or a local directory) describes and Synapse lacks; leave the rest alone.

    Args:
        source: A manifest -- synapseutils' ``SYNAPSE_METADATA_MANIFEST.tsv`` format (``path``, ``parent``,
            ``name``, ``id``, ``synapseStore``, ``contentType``, ``used``, ``executed``, ``activityName``,
            ``activityDescription``, ``forceVersion``, then annotation columns) or the models'
            ``manifest.csv`` (``parentId``, ``ID``) -- or a directory, mirrored under ``parent`` (folders
            created as needed; manifests and partial files in it are not uploaded).
        parent: The project or folder a directory is mirrored into (only with a directory).
        dry_run: Check everything and return (and print to ``echo``) the plan -- ``folder``, ``create``,
            ``update``, ``metadata``, ``unchanged`` per item -- without a single write.
        merge_annotations: Keep annotations the manifest does not name (default: the manifest's annotations
            replace the file's, as ``merge_existing_annotations=False`` in the official client).
        executor: Where to run the work (any ``concurrent.futures.Executor``; a thread pool by default).
        max_workers: Threads of the default pool.
        shard: ``(k, n)``: take only the k-th (from 0) of n slices; rows linked by provenance stay together.
        base_dir: What relative paths in the manifest are relative to (default: the current directory, as
            the official client).
        cache_root: The cache whose map spares re-hashing unchanged files.
        echo: Where a dry run prints its plan (``None``: nowhere).
        progress: One overall bar (files, bytes) on stderr; by default only when stderr is a terminal.
        connection: The connection to use.

    Returns:
        One :class:`SyncResult` per row (and per folder created); ``status`` ``created``, ``updated`` (new
        content, new version), ``metadata`` (annotations or provenance only), ``unchanged``, ``folder`` or
        ``failed``.

    Raises:
        ManifestError: Bad rows (every one listed with its line number); nothing was written.
        ValidationError: A bad argument.
    """
    slice_ = check_shard(shard)
    local = Path(os.path.expandvars(as_path(source, "source"))).expanduser()
    base_dir = as_path(base_dir, "base_dir") if base_dir is not None else None
    from ..models.entity import Entity

    bound = parent.connection if isinstance(parent, Entity) else None
    conn = get_connection(connection, bound=bound)
    cache_dir = (
        as_path(cache_root, "cache_root") if cache_root is not None else str(_internals.default_cache_root())
    )
    results = SyncResults()
    results.dry_run = dry_run
    with Pipeline(conn, executor, max_workers) as pipeline:
        if local.is_dir():
            if parent is None:
                raise ValidationError(
                    "parent", None, "syncing a directory needs the project or folder to mirror it into"
                )
            rows, children = _directory_rows(conn, pipeline, local.resolve(), parent, results, dry_run)
        else:
            if parent is not None:
                raise ValidationError(
                    "parent", parent, "a manifest names the parent of each file; give no parent"
                )
            rows, children = _manifest_rows(conn, local, base_dir)
        rows = _in_shard(rows, slice_)
        with Overall("sync_to", False if dry_run else progress, unit="files") as bar:
            bar.expect(len(rows))
            _run(pipeline, rows, children, results, cache_dir, dry_run, merge_annotations, bar)
    if dry_run and echo is not None:
        _print_plan(results, echo)
    return results


def _manifest_rows(
    conn: Connection, source: Path, base_dir: str | os.PathLike[str] | None
) -> tuple[list[ManifestRow], Children]:
    manifest = read_manifest(source, base_dir=base_dir)
    problems = list(manifest.problems)
    resolve_provenance(manifest.rows, manifest.base, problems)
    rows = manifest.rows
    parents = {r.parent_id for r in rows}
    # sorted, not in set order: the same manifest sends the same request body in every run
    ids = sorted({r.entity_id for r in rows if r.entity_id})
    well_formed = sorted(p for p in parents if p)
    headers = _internals.entity_headers(conn, [*well_formed, *ids]) if rows else {}
    for row in rows:
        if not row.parent_id:
            continue  # already reported as malformed
        try:
            _internals.require_container(headers.get(row.parent_id), "parent", row.parent_id)
        except ValidationError as exc:
            problems.append(ManifestProblem(row.line, "parent", row.parent_id, exc.problem))
        if row.entity_id:
            found = headers.get(row.entity_id)
            if found is None or found.type != _internals.FILE_TYPE:
                problems.append(ManifestProblem(row.line, "id", row.entity_id, "is not a File you can see"))
    if problems:
        raise ManifestError(manifest.source, sorted(problems, key=lambda p: p.line))
    children = list_children(conn, parents)
    for row in rows:  # an explicit id wins over the name match
        if row.entity_id:
            children.setdefault(f"id:{row.line}", {})[row.name] = headers[row.entity_id]
    return rows, children


def _directory_rows(
    conn: Connection,
    pipeline: Pipeline,
    root: Path,
    parent: Entity | str,
    results: SyncResults,
    dry_run: bool,
) -> tuple[list[ManifestRow], Children]:
    from ..models.entity import Entity
    from ..models.folder import Folder

    parent_id = parent.id if isinstance(parent, Entity) else _internals.parse_entity_id(parent, "parent")[0]
    if parent_id is None:
        raise ValidationError("parent", getattr(parent, "name", parent), "store() it first: it has no id")
    _internals.require_container(
        _internals.entity_headers(conn, [parent_id]).get(parent_id), "parent", parent_id
    )
    tree = list(local_tree(root))
    children = list_children(conn, [parent_id])
    ids = ensure_folders(
        conn, pipeline, root, parent_id, [r for r, _, _ in tree], children, results, dry_run=dry_run
    )
    rows: list[ManifestRow] = []
    for relative, _, files in tree:
        for name in files:
            path = str(root / relative / name) if relative else str(root / name)
            folder_id = ids.get(relative)
            problem = _file_problem(path, name, Folder)
            if problem is not None or (folder_id is None and not dry_run):
                error = problem or ValidationError("path", path, "its folder could not be created")
                results.append(SyncResult(path=path, status="failed", error=error))
                continue
            rows.append(
                ManifestRow(
                    line=0,
                    path=path,
                    parent_id=folder_id or "",
                    name=name,
                    entity_id=None,
                    synapse_store=True,
                    content_type=None,
                    force_version=False,
                    annotations={},
                    used=[],
                    executed=[],
                    activity_name=None,
                    activity_description=None,
                    size=os.path.getsize(path),
                )
            )
    return rows, children


def _file_problem(path: str, name: str, folder_cls: Any) -> ValidationError | None:
    if os.path.getsize(path) == 0:
        return ValidationError("path", path, "is empty (0 bytes); Synapse does not accept empty files")
    try:
        folder_cls(name=name)
    except ValidationError as exc:
        return exc
    return None


def _in_shard(rows: list[ManifestRow], slice_: tuple[int, int] | None) -> list[ManifestRow]:
    """Rows of this shard: whole provenance-connected groups, keyed by their first path."""
    if slice_ is None:
        return rows
    group = {r.path: r.path for r in rows}

    def find(path: str) -> str:
        while group[path] != path:
            group[path] = group[group[path]]
            path = group[path]
        return path

    for row in rows:
        for dep in dependencies(row):
            if dep in group:
                a, b = find(row.path), find(dep)
                group[max(a, b)] = min(a, b)
    return [r for r in rows if in_shard(find(r.path), slice_)]


def _run(
    pipeline: Pipeline,
    rows: list[ManifestRow],
    children: Children,
    results: SyncResults,
    cache_root: str,
    dry_run: bool,
    merge: bool,
    bar: Overall,
) -> None:
    """Store rows in provenance order: a row starts when the rows it names are done."""
    by_path = {r.path: r for r in rows}
    waiting: dict[str, set[str]] = {r.path: {d for d in dependencies(r) if d in by_path} for r in rows}
    dependents: dict[str, list[str]] = {}
    for path, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(path)
    resolved: dict[str, str | None] = {}
    failed: dict[str, int | None] = {}
    ready = deque(r for r in rows if not waiting[r.path])

    def finish(row: ManifestRow, outcome: RowOutcome) -> None:
        results.append(outcome.result)
        bar.done(1, outcome.result.bytes if not dry_run else 0)
        if outcome.result.error is not None and not dry_run:
            failed[row.path] = row.line
        resolved[row.path] = outcome.reference
        for child in dependents.get(row.path, []):
            waiting[child].discard(row.path)
            if not waiting[child]:
                ready.append(by_path[child])

    def task_for(row: ManifestRow) -> RowTask:
        existing = children.get(f"id:{row.line}", {}).get(row.name) if row.line else None
        if existing is None:
            existing = children.get(row.parent_id, {}).get(row.name)
        wanted = {d: resolved.get(d) for d in dependencies(row)}
        return RowTask(
            row=row,
            existing=Existing.of(existing) if existing is not None else None,
            resolved=wanted,
            cache_root=cache_root,
            dry_run=dry_run,
            merge_annotations=merge,
        )

    def handlers(row: ManifestRow) -> tuple[Callable[[RowOutcome], None], Callable[[BaseException], None]]:
        def error(exc: BaseException) -> None:
            finish(
                row,
                RowOutcome(
                    SyncResult(path=row.path, status="failed", line=row.line or None, error=exc), None
                ),
            )

        return (lambda outcome: finish(row, outcome)), error

    while ready or pipeline.pending:
        while ready:
            row = ready.popleft()
            broken = [failed[d] for d in dependencies(row) if d in failed]
            if broken:
                where = ", ".join(f"line {n}" if n else "a row" for n in broken)
                finish(
                    row,
                    RowOutcome(
                        SyncResult(
                            path=row.path,
                            status="failed",
                            line=row.line or None,
                            error=ValidationError("used", row.path, f"depends on {where}, which failed"),
                        ),
                        None,
                    ),
                )
                continue
            on_done, on_error = handlers(row)
            pipeline.submit(store_row, task_for(row), on_done, on_error)
        pipeline.wait_any()


def _print_plan(results: SyncResults, echo: TextIO) -> None:
    for result in results:
        where = f" (line {result.line})" if result.line else ""
        target = f" {result.entity_id}" if result.entity_id else ""
        echo.write(f"{result.status:<9} {result.path}{target}{where}\n")
        if result.error is not None:
            echo.write(f"          {result.error}\n")
    counts = results.counts()
    total = sum(r.bytes for r in results)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    echo.write(
        f"dry run, nothing written: {summary or 'nothing to do'}{f' ({total} bytes)' if total else ''}\n"
    )
