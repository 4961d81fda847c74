"""``sync_from``: mirror a project or folder tree into a local directory, with the official manifests.

Requests: one ``POST /entity/children`` per 50 children of each folder; per file at most one bundle (none
when the entity memo knows this version and modification time), a share of one ``POST /fileHandle/batch``
(up to 100 presigned URLs) and the ``GET`` of its bytes -- and nothing at all for a file whose local copy is
already right. See ``docs/bulk.rst``.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ValidationError
from ..models.tree import EntityType
from ..models.tree import walk as walk_tree
from ..registry import ConnectionLike, get_connection
from ..transfer.progress import Overall
from . import _internals
from ._executor import Pipeline, check_shard, in_shard
from ._fetch import FileWork, SyncFromTask, failure_result, sync_files
from ._memo import stamp
from .manifest import ManifestMode, ManifestWriter
from .results import SyncResult, SyncResults
from .walk import root_header

if TYPE_CHECKING:
    from ..models.entity import Entity, EntityHeader

__all__ = ["Collision", "sync_from"]

Collision = Literal["overwrite.local", "keep.local", "keep.both"]
_COLLISIONS = ("overwrite.local", "keep.local", "keep.both")
_MANIFESTS = ("all", "root", "suppress")
_BATCH_MAX = 10
"""Files per task: a task fetches its files one after the other, so small tasks keep every worker busy to the
end of the tree (the cost: one presigned-URL request per 10 files instead of per 100)."""
_BATCH_MIN = 4


def _matcher(include: object) -> Callable[[str], bool]:
    if include is None:
        return lambda _: True
    if callable(include):
        return lambda path: bool(include(path))
    patterns = [include] if isinstance(include, str) else include
    if not isinstance(patterns, Iterable) or not all(isinstance(p, str) for p in patterns):
        raise ValidationError("include", include, "a glob pattern, a list of them, or a callable(path)")
    globs = list(patterns)
    return lambda path: any(
        fnmatch.fnmatchcase(path, g) or fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], g) for g in globs
    )


def _pins(versions: object) -> dict[str, int]:
    if versions == "latest":
        return {}
    if not isinstance(versions, Mapping):
        raise ValidationError("versions", versions, "'latest' or a mapping {entity id: version}")
    pins: dict[str, int] = {}
    for key, number in versions.items():
        entity_id = _internals.parse_entity_id(key, "versions")[0]
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ValidationError(f"versions[{key!r}]", number, "a version is a positive integer")
        pins[entity_id] = number
    return pins


def sync_from(
    container: Entity | str,
    path: str | os.PathLike[str],
    *,
    if_collision: Collision = "overwrite.local",
    include: str | Iterable[str] | Callable[[str], bool] | None = None,
    manifest: ManifestMode = "all",
    versions: Literal["latest"] | Mapping[str, int] = "latest",
    executor: Executor | None = None,
    max_workers: int | None = None,
    shard: tuple[int, int] | None = None,
    dry_run: bool = False,
    refresh: bool = False,
    cache_root: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    connection: ConnectionLike | None = None,
) -> SyncResults:
    """Mirror a project or folder (or one file) into the local directory ``path``.

    Folders become directories; each file is saved under its file handle's name (as the official client
    does). A file whose local copy is already right (the cache map's modification time, or its md5) is not
    transferred; a copy cached elsewhere is copied locally instead of downloaded. Afterwards the manifests
    ``SYNAPSE_METADATA_MANIFEST.tsv`` and ``manifest.csv`` are written as the official client writes them.

    Args:
        container: A project or folder (or its id); a file (id) downloads just that file, without manifest.
        path: The local directory (created when missing).
        if_collision: When a different local file is in the way: ``"overwrite.local"`` (default),
            ``"keep.local"`` or ``"keep.both"`` (the download gets a ``name(1).ext`` name).
        include: Only files whose relative path (or name) matches a glob pattern (or a list of them), or for
            which ``include(relative_path)`` is true; paths use the entity names and ``/``.
        manifest: ``"all"`` (in every directory, listing the files in and below it), ``"root"`` or
            ``"suppress"``. Sharded runs write none: rerun once without ``shard`` to write them (cheap).
        versions: ``"latest"``, or ``{"syn123": 2, ...}`` to take given versions of some files.
        executor: Where to run the work (any ``concurrent.futures.Executor``; a thread pool by default).
            Tasks carry the connection's endpoint and user, never its token: process and cluster workers
            reconnect with their own ``SYNAPSE_AUTH_TOKEN`` or config (see ``docs/bulk.rst``).
        max_workers: Threads of the default pool (56, at most the connection's pool size).
        shard: ``(k, n)``: take only the k-th (from 0) of n deterministic slices of the files (job arrays).
        dry_run: List what would be downloaded, writing nothing (status ``download`` instead of
            ``downloaded``).
        refresh: Re-read every file's bundle instead of trusting the entity memo.
        cache_root: The cache (default: ``SYNAPSE_CACHE``, the config's ``[cache] location``,
            ``~/.synapseCache``).
        progress: One overall bar (files, bytes) on stderr; by default only when stderr is a terminal.
        connection: The connection (default: the scoped or default one).

    Returns:
        One :class:`SyncResult` per file (and per folder that could not be mirrored), in no particular
        order; failures carry their error and never stop the others.

    Raises:
        ValidationError: A bad argument, or ``container`` is not a project, folder or file you can see
            (before any transfer).
    """
    if if_collision not in _COLLISIONS:
        raise ValidationError("if_collision", if_collision, f"one of {', '.join(_COLLISIONS)}")
    if manifest not in _MANIFESTS:
        raise ValidationError("manifest", manifest, f"one of {', '.join(_MANIFESTS)}")
    if not isinstance(path, (str, os.PathLike)):
        raise ValidationError("path", path, "a local directory path")
    root = Path(os.path.expandvars(os.fspath(path))).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ValidationError("path", str(path), "exists and is not a directory")
    wanted = _matcher(include)
    pins = _pins(versions)
    slice_ = check_shard(shard)
    from ..models.entity import Entity

    conn = get_connection(connection, bound=container.connection if isinstance(container, Entity) else None)
    top = _top(conn, container)
    cache_dir = (
        str(Path(cache_root).expanduser()) if cache_root is not None else str(_internals.default_cache_root())
    )
    results = SyncResults()
    results.dry_run = dry_run
    single = top.type == _internals.FILE_TYPE  # one file: no manifest, as the official client
    mode: ManifestMode = "suppress" if dry_run or slice_ is not None or single else manifest
    if not dry_run:
        root.mkdir(parents=True, exist_ok=True)

    def task_for(files: list[FileWork]) -> SyncFromTask:
        return SyncFromTask(
            files=files,
            root=str(root),
            if_collision=if_collision,
            cache_root=cache_dir,
            refresh=refresh,
            dry_run=dry_run,
            manifest=mode != "suppress",
        )

    with (
        Pipeline(conn, executor, max_workers) as pipeline,
        ManifestWriter(root, mode) as writer,
        Overall("sync_from", progress, unit="files") as bar,
    ):

        def done(outcomes: list[tuple[SyncResult, str, dict[str, Any] | None]]) -> None:
            for result, relative_dir, row in outcomes:
                results.append(result)
                if row is not None:
                    writer.add(relative_dir, row)
            bar.done(len(outcomes), sum(r.bytes for r, _, _ in outcomes))

        def submit(files: list[FileWork]) -> None:
            bar.expect(len(files))

            def failed(exc: BaseException) -> None:
                bar.done(len(files))
                results.extend(failure_result(f, exc) for f in files)

            pipeline.submit(sync_files, task_for(files), done, failed)

        if single:
            submit(
                [
                    FileWork(
                        top.id,
                        pins.get(top.id, top.version_number),
                        top.id in pins,
                        stamp(top.modified_on),
                        "",
                        top.name,
                    )
                ]
            )
        else:
            _walk_and_submit(
                conn, top, root, results, writer, wanted, pins, slice_, dry_run, pipeline, submit
            )
        pipeline.drain()
        if mode != "suppress":
            writer.finish()
    return results


def _top(conn: Any, container: Entity | str) -> EntityHeader:
    """The header of the container (or of the one file) to sync; ValidationError for anything else."""
    return root_header(conn, container, files=True)


def _walk_and_submit(
    conn: Any,
    top: EntityHeader,
    root: Path,
    results: SyncResults,
    writer: ManifestWriter,
    wanted: Callable[[str], bool],
    pins: dict[str, int],
    slice_: tuple[int, int] | None,
    dry_run: bool,
    pipeline: Pipeline,
    submit: Callable[[list[FileWork]], None],
) -> None:
    def bad_folder(header: EntityHeader, parent_path: str, error: ValidationError) -> None:
        shown = f"{parent_path}/{header.name}" if parent_path else header.name
        results.append(SyncResult(path=shown, status="failed", entity_id=header.id, error=error))

    batch: list[FileWork] = []
    submitted = 0
    for step in walk_tree(conn, top, [EntityType.FILE], on_bad_folder=bad_folder):
        writer.directory(step.path)
        if not dry_run:
            (root / step.path if step.path else root).mkdir(parents=True, exist_ok=True)
        for header in step.files:
            relative = f"{step.path}/{header.name}" if step.path else header.name
            if not wanted(relative) or not in_shard(int(header.id[3:]), slice_):
                continue
            pinned = header.id in pins
            batch.append(
                FileWork(
                    header.id,
                    pins.get(header.id, header.version_number),
                    pinned,
                    stamp(header.modified_on),
                    step.path,
                    header.name,
                )
            )
            # small tasks first (parallelism from the start), growing to _BATCH_MAX files
            if len(batch) >= min(_BATCH_MAX, max(_BATCH_MIN, submitted // max(1, pipeline.workers))):
                submitted += len(batch)
                submit(batch)
                batch = []
        pipeline.poll()
    if batch:
        submit(batch)
