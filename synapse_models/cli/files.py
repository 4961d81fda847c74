"""File commands: ``get``, ``store``/``add``, ``cat``, ``associate``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import command
from ._common import (
    UsageError,
    add_parent_option,
    add_provenance_options,
    annotations_json,
    connect,
    make_activity,
    no_partial_downloads,
    positive_int,
    synapse_id,
)
from ._output import Output
from .bulk import add_shard_option, run_recursive_get

_COLLISIONS = ("keep.both", "overwrite.local", "keep.local")


# -- get -------------------------------------------------------------------------------------------------


def add_get(sub: Any) -> None:
    p = command(
        sub,
        "get",
        handler=run_get,
        summary="download files (by id, every id a query returns, or a whole tree with -r)",
        description="Download files into a directory (the current one by default). Prints each "
        "local path on stdout. A copy already there, or in the cache, is not downloaded "
        "again. With -r, mirror a project or folder (folders become directories) and write "
        "the manifests SYNAPSE_METADATA_MANIFEST.tsv and manifest.csv.",
        example="synapse-models get syn123 syn456.2 --download-location data/\n"
        "synapse-models get -q \"SELECT id FROM syn789 WHERE species = 'human'\"\n"
        "synapse-models get -r syn123 --download-location data/ --manifest root",
    )
    p.add_argument(
        "ids",
        nargs="*",
        type=synapse_id,
        metavar="syn123",
        help="file ids (syn123, or syn123.4 for version 4)",
    )
    p.add_argument(
        "-q",
        "--query",
        metavar="SQL",
        help="download every file whose id the query returns (the query must select an 'id' column)",
    )
    p.add_argument(
        "-v", "--version", type=positive_int, metavar="N", help="the version (default: the latest)"
    )
    p.add_argument(
        "--download-location",
        "--downloadLocation",
        dest="download_location",
        default=".",
        metavar="DIR",
        help="the directory to download into (default: the current directory)",
    )
    p.add_argument(
        "--if-collision",
        choices=_COLLISIONS,
        default=None,
        help="when a different file of that name is in the way: keep both (the download gets a "
        "'name(1).ext' name; the default), overwrite the local file (the default with -r), or keep it",
    )
    p.add_argument(
        "-r",
        "--recursive",
        action="store_true",
        help="download everything in a project or folder, folders as directories",
    )
    p.add_argument(
        "--manifest",
        choices=("all", "root", "suppress"),
        default="all",
        help="with -r: manifests in every directory (the default), only at the top, or none",
    )
    add_shard_option(p)


def run_get(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm
    from synapse_models.errors import TransportError

    if args.recursive:
        args.if_collision = args.if_collision or "overwrite.local"
        return run_recursive_get(args, out)
    if args.shard is not None:
        raise UsageError("--shard applies to -r/--recursive downloads")
    args.if_collision = args.if_collision or "keep.both"
    if bool(args.ids) == bool(args.query):
        raise UsageError("give file ids or -q/--query SQL (not both)")
    if args.query and args.version:
        raise UsageError("-v/--version does not apply to files found by a query")
    connect(args)
    ids = args.ids or _ids_from_query(args.query)
    got: list[Any] = []
    failed = 0
    with no_partial_downloads(args.download_location):
        for entity_id in ids:
            try:
                file = sm.File.get(
                    entity_id,
                    version=args.version,
                    download_location=args.download_location,
                    if_collision=args.if_collision,
                    progress=out.progress,
                )
            except (sm.AuthenticationError, TransportError):
                raise  # the next ids would fail the same way
            except sm.SynapseError as exc:
                out.error(str(exc) if entity_id in str(exc) else f"{entity_id}: {exc}")
                failed += 1
                continue
            got.append(file)
            if not out.json_mode:
                out.data(str(file.path))
            out.info(f"{file.id}.{file.version_number} -> {file.path}")
    if out.json_mode:
        out.json([{"id": f.id, "version": f.version_number, "name": f.name, "path": f.path} for f in got])
    if failed and len(ids) > 1:
        out.error(f"{failed} of {len(ids)} files could not be downloaded")
    return 1 if failed else 0


def _ids_from_query(sql: str) -> list[str]:
    import synapse_models as sm

    frame = sm.query(sql)
    if "id" not in frame.columns:
        raise UsageError("the query must select an 'id' column (e.g. SELECT id FROM syn123 ...)")
    return [str(value) for value in frame["id"].dropna()]


# -- store / add ------------------------------------------------------------------------------------------


def add_store(sub: Any) -> None:
    p = command(
        sub,
        "store",
        handler=run_store,
        summary="upload a file (or record a URL) with its metadata",
        description="Upload a file into a project or folder, with annotations and provenance, and "
        "print its id on stdout. A file of the same name there is updated: new content "
        "makes a new version, unchanged content is not uploaded again.",
        example='synapse-models store counts.tsv --parent-id syn123 --annotations \'{"species": '
        '"human"}\' --used syn45.2 --executed https://github.com/org/pipeline',
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the local file to upload")
    p.add_argument("--url", help="record this URL as the file's content instead of uploading bytes")
    add_parent_option(p, "the project or folder to put it in")
    p.add_argument("--id", type=synapse_id, metavar="syn123", help="update this existing file entity instead")
    p.add_argument("--name", help="the name in Synapse (default: the file's name)")
    p.add_argument("--description", help="a description (at most 1000 characters)")
    p.add_argument(
        "--annotations",
        type=annotations_json,
        metavar="JSON",
        help='annotations to add, as a JSON object: \'{"foo": 1, "bar": ["a", "b"]}\'',
    )
    p.add_argument(
        "--no-upload",
        action="store_true",
        help="record the local path (as a file:// URL) without uploading the bytes",
    )
    p.add_argument(
        "--force-version", action="store_true", help="make a new version even if the content did not change"
    )
    add_provenance_options(p, activity_names=True)


def run_store(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    if args.file is not None and args.url is not None:
        raise UsageError("give a FILE or --url, not both")
    if args.file is None and args.url is None and args.id is None:
        raise UsageError("give a FILE to upload or --url (or --id to change an existing file's metadata)")
    if args.parent_id is None and args.id is None:
        raise UsageError("give --parent-id (the project or folder), or --id of the file to update")
    connect(args)
    activity = make_activity(args.activity_name, args.activity_description, args.used, args.executed)
    if args.id is not None:
        file = sm.File.get(args.id, download=False)
        if args.file is not None:
            file.path = args.file
        if args.url is not None:
            file.url = args.url
        if args.parent_id is not None:
            file.parent = args.parent_id
        if args.name is not None:
            file.name = args.name
    else:
        file = sm.File(args.file, parent=args.parent_id, name=args.name, url=args.url)
    if args.no_upload or args.url is not None:
        file.synapse_store = False
    if args.description is not None:
        file.description = args.description
    if args.annotations:
        file.annotations.update(args.annotations)
    if activity is not None:
        file.activity = activity
    file.store(force_version=args.force_version, progress=out.progress)
    out.made(file, f"stored {file.name} as {file.id} (version {file.version_number}) in {file.parent_id}")
    return 0


# -- cat -------------------------------------------------------------------------------------------------


def add_cat(sub: Any) -> None:
    p = command(
        sub,
        "cat",
        handler=run_cat,
        summary="print a file's content on stdout",
        description="Write a file's bytes to stdout (downloading it into the cache first if needed).",
        example="synapse-models cat syn123 | head -5",
    )
    p.add_argument("id", type=synapse_id, metavar="syn123", help="the file (syn123, or syn123.4)")
    p.add_argument(
        "-v", "--version", type=positive_int, metavar="N", help="the version (default: the latest)"
    )


def run_cat(args: argparse.Namespace, out: Output) -> int:
    import shutil

    import synapse_models as sm
    from synapse_models.transfer.cache import Cache

    connect(args)
    file = sm.File.get(args.id, version=args.version, download=False)
    if file.data_file_handle_id is None:
        raise sm.ValidationError("id", args.id, "this file has no content")
    with no_partial_downloads(Cache().directory(file.data_file_handle_id)):
        file.download(progress=out.progress)
    with open(str(file.path), "rb") as content:
        shutil.copyfileobj(content, out.binary())
    return 0


# -- associate -------------------------------------------------------------------------------------------


def add_associate(sub: Any) -> None:
    p = command(
        sub,
        "associate",
        handler=run_associate,
        summary="find the Synapse files whose content is this local file (by md5)",
        description="Look up local files in Synapse by md5 and record them in the cache, so that "
        "'get' and 'store' treat them as already downloaded. Prints 'syn123.4<TAB>path' "
        "for each file found.",
        example="synapse-models associate -r data/",
    )
    p.add_argument("path", help="a file, or a directory with -r")
    p.add_argument("-r", "--recursive", action="store_true", help="every file under the directory")


def run_associate(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    if os.path.isdir(args.path):
        if not args.recursive:
            raise UsageError(f"{args.path} is a directory: add -r to associate every file under it")
        paths = sorted(os.path.join(d, f) for d, _, names in os.walk(args.path) for f in names)
    elif os.path.isfile(args.path):
        paths = [args.path]
    else:
        raise UsageError(f"{args.path} is neither a file nor a directory")
    connect(args)
    found: list[dict[str, Any]] = []
    missing = 0
    for path in paths:
        try:
            file = sm.File.from_path(path)
        except sm.NotFoundError:
            out.warn(f"{path} is not in Synapse (no file you can read has its md5)")
            missing += 1
            continue
        found.append({"id": file.id, "version": file.version_number, "path": path})
        if not out.json_mode:
            out.data(f"{file.id}.{file.version_number}\t{path}")
    if out.json_mode:
        out.json(found)
    out.info(f"associated {len(found)} of {len(paths)} files")
    return 1 if missing else 0
