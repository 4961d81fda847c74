"""Bulk commands: ``get -r`` (see ``files.py``), ``sync``, ``manifest``, ``cp`` -- each a few lines over
:func:`synapse_models.sync_from`, :func:`~synapse_models.sync_to`, :func:`~synapse_models.generate_manifest`
and :func:`~synapse_models.copy`, with one overall progress bar (files and bytes) on a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import command
from ._common import UsageError, add_parent_option, connect, no_partial_downloads, positive_int, synapse_id
from ._output import Output

__all__ = ["add_cp", "add_manifest", "add_sync", "run_recursive_get", "shard"]


def shard(text: str) -> tuple[int, int]:
    """``--shard k/n``: the k-th (from 0) of n slices of the work."""
    k, _, n = text.partition("/")
    if not (k.strip().isdigit() and n.strip().isdigit()) or int(n) < 1 or int(k) >= int(n):
        raise argparse.ArgumentTypeError(f"{text!r} is not k/n with 0 <= k < n (e.g. 3/16)")
    return int(k), int(n)


def add_shard_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shard",
        type=shard,
        metavar="K/N",
        help="do only the K-th (from 0) of N deterministic slices of the work (job arrays: "
        "--shard $SLURM_ARRAY_TASK_ID/16)",
    )


def _report(out: Output, results: Any, line: Any, what: str, *, failures_on_stdout: bool = True) -> int:
    """Print each result (``line(result)`` on stdout, or all of them as JSON), the failures and a summary."""
    if out.json_mode:
        out.json([{**_as_dict(r), "error": str(r.error) if r.error else None} for r in results])
    for result in results:
        if not out.json_mode and (result.error is None or failures_on_stdout):
            out.data(line(result))
        if result.error is not None:
            out.error(f"{getattr(result, 'path', '') or result.source_id}: {result.error}")
    counts = ", ".join(f"{n} {status}" for status, n in sorted(results.counts().items()))
    out.info(f"{what}: {counts or 'nothing to do'}")
    return 1 if results.failed else 0


def _as_dict(result: Any) -> dict[str, Any]:
    from ._output import jsonable

    data: dict[str, Any] = jsonable(result)
    data.pop("error", None)
    return data


# -- get -r ------------------------------------------------------------------------------------------------


def run_recursive_get(args: argparse.Namespace, out: Output) -> int:
    """``get -r syn123``: mirror a project or folder into the download location (:func:`sync_from`)."""
    import synapse_models as sm

    if args.version is not None or args.query or len(args.ids) != 1:
        raise UsageError("-r/--recursive takes one project or folder id, without -v or -q")
    connect(args)
    with no_partial_downloads(args.download_location, recursive=True):
        results = sm.sync_from(
            args.ids[0],
            args.download_location,
            if_collision=args.if_collision,
            manifest=args.manifest,
            shard=args.shard,
            progress=out.progress,
        )
    # stdout lists the local files, so that it can be piped; what failed is on stderr
    return _report(
        out, results, lambda r: r.local_path or r.path, f"synced {args.ids[0]}", failures_on_stdout=False
    )


# -- sync ---------------------------------------------------------------------------------------------------


def add_sync(sub: Any) -> None:
    p = command(
        sub,
        "sync",
        handler=run_sync,
        summary="upload what a manifest describes and Synapse lacks",
        description="Check the whole manifest (every bad row is listed with its line number), then upload "
        "new and changed files and update annotations and provenance; unchanged files cost "
        "nothing. Prints 'status<TAB>syn id<TAB>path' per row.",
        example="synapse-models sync SYNAPSE_METADATA_MANIFEST.tsv --dry-run\n"
        "synapse-models sync manifest.tsv --shard $SLURM_ARRAY_TASK_ID/8",
    )
    p.add_argument("manifest", metavar="MANIFEST", help="a synapseutils .tsv manifest or a models .csv one")
    p.add_argument(
        "--dry-run",
        "--dryRun",
        dest="dry_run",
        action="store_true",
        help="check everything and print the plan (create, update, metadata, unchanged) without writing",
    )
    p.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="how many times a failed request is retried (default: the connection's policy, 6)",
    )
    p.add_argument(
        "--merge-annotations",
        action="store_true",
        help="keep annotations the manifest does not name (default: the manifest's replace them)",
    )
    add_shard_option(p)


def run_sync(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    if args.retries is not None and args.retries < 0:
        raise UsageError("--retries takes a number of retries, 0 or more")
    # the transport's one retry policy, with the number of retries asked for
    connect(args, retry=sm.RetryPolicy(attempts=args.retries) if args.retries is not None else None)
    results = sm.sync_to(
        args.manifest,
        dry_run=args.dry_run,
        merge_annotations=args.merge_annotations,
        shard=args.shard,
        echo=None,
        progress=out.progress,
    )
    what = "dry run, nothing written" if args.dry_run else "synced"
    return _report(out, results, lambda r: f"{r.status}\t{r.entity_id or ''}\t{r.path}", what)


# -- manifest ----------------------------------------------------------------------------------------------


def add_manifest(sub: Any) -> None:
    p = command(
        sub,
        "manifest",
        handler=run_manifest,
        summary="write a manifest of a local directory (creating its folders in Synapse)",
        description="Create a folder in Synapse for every sub-directory (existing ones are reused) and "
        "write a 'path, parent' manifest of the files, ready for annotation columns and "
        "'synapse-models sync'. Empty files are left out (Synapse refuses them).",
        example="synapse-models manifest results/ --parent-id syn123 --manifest-file manifest.tsv",
    )
    p.add_argument("path", metavar="DIR", help="the local directory")
    add_parent_option(p, "the project or folder that stands for DIR", required=True)
    p.add_argument(
        "--manifest-file",
        metavar="FILE",
        help="where to write it (default: stdout); a name ending in .csv gives the models' format",
    )


def run_manifest(args: argparse.Namespace, out: Output) -> int:
    import tempfile

    import synapse_models as sm

    connect(args)
    if args.manifest_file is not None:
        written = sm.generate_manifest(args.path, args.parent_id, args.manifest_file)
        out.info(f"wrote {written} (folders under {args.parent_id} created as needed)")
        return 0
    with tempfile.TemporaryDirectory(prefix="synapse-manifest-") as scratch:
        written = sm.generate_manifest(args.path, args.parent_id, Path(scratch) / "manifest.tsv")
        out.text(written.read_text(encoding="utf-8"))
    out.info(f"folders under {args.parent_id} created as needed")
    return 0


# -- cp ----------------------------------------------------------------------------------------------------

_EXCLUDABLE = ("file", "table", "link", "view")


def add_cp(sub: Any) -> None:
    p = command(
        sub,
        "cp",
        handler=run_cp,
        summary="copy a file, folder or project (no file bytes are uploaded)",
        description="Copy an entity into a project or folder: files as copies of their file handles, "
        "folders and projects recursively with tables, views, links and wikis (links between "
        "copied things rewritten). Prints 'source<TAB>copy<TAB>kind<TAB>status' per item.",
        example="synapse-models cp syn123 --destination-id syn456 --skip-copy-wiki --exclude-types table",
    )
    p.add_argument("id", type=synapse_id, metavar="syn123", help="what to copy")
    p.add_argument(
        "--destination-id",
        "--destinationId",
        dest="destination",
        type=synapse_id,
        required=True,
        metavar="syn456",
        help="the project or folder to copy into",
    )
    p.add_argument(
        "-v", "--version", type=positive_int, metavar="N", help="not supported: see --all-versions"
    )
    p.add_argument("--all-versions", action="store_true", help="copy every version of each file, in order")
    p.add_argument(
        "--set-provenance",
        "--setProvenance",
        dest="provenance",
        choices=("traceback", "existing", "none", "None"),
        default="traceback",
        help="each copy's provenance: its source version (traceback, the default), the source's own "
        "provenance (existing), or none",
    )
    clash = p.add_mutually_exclusive_group()
    clash.add_argument(
        "--update-existing",
        "--updateExisting",
        dest="on_clash",
        action="store_const",
        const="update",
        help="a same-named file already at the destination gets a new version with the source's content",
    )
    clash.add_argument(
        "--on-clash",
        dest="on_clash",
        choices=("skip", "update", "error"),
        help="a same-named entity already at the destination: skip it (the default), update it, or fail",
    )
    p.add_argument(
        "--skip-copy-annotations", "--skipCopyAnnotations", dest="no_annotations", action="store_true"
    )
    p.add_argument("--skip-copy-wiki", "--skipCopyWiki", dest="no_wikis", action="store_true")
    p.add_argument(
        "--exclude-types",
        "--excludeTypes",
        dest="exclude",
        nargs="*",
        choices=_EXCLUDABLE,
        default=[],
        metavar="TYPE",
        help=f"entity types not to copy ({', '.join(_EXCLUDABLE)})",
    )
    add_shard_option(p)


def run_cp(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    if args.version is not None:
        raise UsageError("-v/--version: cp copies the latest version, or every one with --all-versions")
    connect(args)
    results = sm.copy(
        args.id,
        args.destination,
        versions="all" if args.all_versions else "latest",
        files="file" not in args.exclude,
        tables="table" not in args.exclude,
        views="view" not in args.exclude,
        links="link" not in args.exclude,
        wikis=not args.no_wikis,
        annotations=not args.no_annotations,
        provenance=None if args.provenance.lower() == "none" else args.provenance,
        on_clash=args.on_clash or "skip",
        shard=args.shard,
        progress=out.progress,
    )
    return _report(out, results, lambda r: f"{r.source_id}\t{r.new_id or ''}\t{r.kind}\t{r.status}", "copied")
