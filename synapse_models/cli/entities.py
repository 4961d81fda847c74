"""Entity commands: ``show``, ``list``/``ls``, ``create``, ``mv``, ``delete``, ``onweb``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import Any

from . import command
from ._common import UsageError, add_parent_option, connect, positive_int, synapse_id
from ._output import Output, table, used_text

_CONTAINERS = ("Folder", "Project")
_KINDS = {"FileEntity": "File", "TableEntity": "Table", "EntityView": "View"}
"""Listings name entity types as the Python classes do."""


# -- show ------------------------------------------------------------------------------------------------


def add_show(sub: Any) -> None:
    p = command(
        sub,
        "show",
        handler=run_show,
        summary="show an entity's metadata, annotations and provenance",
        example="synapse-models show syn123\nsynapse-models show syn123 --json | jq .annotations",
    )
    p.add_argument("id", type=synapse_id, metavar="syn123", help="the entity (syn123, or syn123.4)")


def run_show(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    entity: Any = sm.Entity.get(args.id)
    if isinstance(entity, sm.File):
        entity = sm.File.get(args.id, download=False)
        activity = entity.activity
    else:
        activity = _activity_or_none(entity)
    if out.json_mode:
        out.json(
            {
                "type": type(entity).__name__,
                **_as_json(entity),
                "provenance": _as_json(activity) if activity else None,
            }
        )
        return 0
    version = getattr(entity, "version_number", None)
    out.data(f"{type(entity).__name__} {entity.id}{f'.{version}' if version else ''}  {entity.name}")
    rows: list[tuple[str, Any]] = [
        ("parent", entity.parent_id),
        ("description", entity.description),
        ("created", _who_when(entity.created_on, entity.created_by)),
        ("modified", _who_when(entity.modified_on, entity.modified_by)),
    ]
    handle = getattr(entity, "file_handle", None)
    if handle is not None:
        rows.append(("file", f"{handle.file_name}, {_size(handle.content_size)}, md5 {handle.content_md5}"))
    if getattr(entity, "url", None):
        rows.append(("url", entity.url))
    rows += [(f"annotation {key}", entity.annotations[key]) for key in sorted(entity.annotations)]
    if activity is not None:
        rows.append(
            ("provenance", f"activity {activity.id}" + (f" ({activity.name})" if activity.name else ""))
        )
        rows += [("  used", used_text(item)) for item in activity.used]
        rows += [("  executed", used_text(item)) for item in activity.executed]
    for line in table((k, v) for k, v in rows if v not in (None, "")):
        out.data("  " + line)
    return 0


def _activity_or_none(entity: Any) -> Any:
    import synapse_models as sm

    try:
        return sm.Activity.get(entity)
    except sm.NotFoundError:
        return None


def _who_when(when: Any, who: Any) -> str | None:
    if when is None:
        return None
    return f"{when:%Y-%m-%d %H:%M} UTC" + (f" by {who}" if who else "")


def _size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def _as_json(value: Any) -> Any:
    from ._output import jsonable

    return jsonable(value)


# -- list / ls -------------------------------------------------------------------------------------------


def add_list(sub: Any) -> None:
    p = command(
        sub,
        "list",
        handler=run_list,
        summary="list what a project or folder contains",
        description="Print 'syn123  name' for each child ('name/' for folders); with -r the whole "
        "tree, as paths relative to the container.",
        example="synapse-models list syn123\nsynapse-models ls -r -l syn123 | grep '\\.bam$'",
    )
    p.add_argument("id", type=synapse_id, metavar="syn123", help="the project or folder")
    p.add_argument("-r", "--recursive", action="store_true", help="the whole tree below it")
    p.add_argument("-l", "--long", action="store_true", help="also the type, version and modification time")


def run_list(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    container = sm.Entity.get(args.id)
    if type(container).__name__ not in _CONTAINERS:
        raise sm.ValidationError(
            "id", args.id, f"is a {type(container).__name__}; list takes a project or folder"
        )
    rows = _tree(container) if args.recursive else ((h, h.name) for h in container.children())
    items: list[dict[str, Any]] = []
    for header, path in rows:
        folder = header.entity_type == "Folder"
        kind = _KINDS.get(header.entity_type, header.entity_type)
        if out.json_mode:
            items.append(
                {
                    "id": header.id,
                    "name": header.name,
                    "path": path,
                    "type": kind,
                    "version": header.version_number,
                    "modified_on": header.modified_on,
                }
            )
        elif args.long:
            modified = header.modified_on.strftime("%Y-%m-%d %H:%M") if header.modified_on else ""
            version = f"v{header.version_number}" if header.version_number and not folder else ""
            out.data(f"{header.id:<12} {kind:<14} {version:<5} {modified:<16}  {path}{'/' if folder else ''}")
        else:
            out.data(f"{header.id:<12} {path}{'/' if folder else ''}")
    if out.json_mode:
        out.json(items)
    return 0


def _tree(container: Any) -> Iterator[tuple[Any, str]]:
    """Every entity below ``container`` with its path relative to it, folders before their contents."""
    for here, folders, others in container.walk():
        for header in sorted(folders + others, key=lambda h: h.name):
            yield header, f"{here.path}/{header.name}" if here.path else header.name


# -- create ----------------------------------------------------------------------------------------------


def add_create(sub: Any) -> None:
    p = command(
        sub,
        "create",
        handler=run_create,
        summary="create a project or a folder",
        description="Create a project, or a folder in a project or folder, and print its id on "
        "stdout (an existing one of that name is reused).",
        example="synapse-models create Project --name 'RNA-seq pilot'\n"
        "synapse-models create Folder --name raw --parent-id syn123",
    )
    p.add_argument("type", type=str.capitalize, choices=("Project", "Folder"), help="Project or Folder")
    p.add_argument("--name", required=True, help="its name")
    add_parent_option(p, "where to put a folder (not used for a project)")
    p.add_argument("--description", help="a description (at most 1000 characters)")


def run_create(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    if args.type == "Folder" and args.parent_id is None:
        raise UsageError("a folder needs --parent-id (the project or folder to put it in)")
    if args.type == "Project" and args.parent_id is not None:
        raise UsageError("a project has no parent: leave out --parent-id")
    connect(args)
    made: Any = (
        sm.Project(name=args.name, description=args.description)
        if args.type == "Project"
        else sm.Folder(name=args.name, parent=args.parent_id, description=args.description)
    )
    made.store()
    out.made(made, f"{args.type.lower()} {made.name!r} is {made.id}")
    return 0


# -- mv --------------------------------------------------------------------------------------------------


def add_mv(sub: Any) -> None:
    p = command(
        sub,
        "mv",
        handler=run_mv,
        summary="move a file or folder to another project or folder",
        example="synapse-models mv --id syn456 --parent-id syn789",
    )
    p.add_argument("--id", required=True, type=synapse_id, metavar="syn123", help="what to move")
    p.add_argument(
        "--parent-id",
        "--parentid",
        "--parentId",
        dest="parent_id",
        required=True,
        type=synapse_id,
        metavar="syn123",
        help="the project or folder to move it into",
    )


def run_mv(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    entity = sm.Entity.get(args.id)
    entity.parent = args.parent_id
    entity.store(create_or_update=False)
    if out.json_mode:
        out.json(entity)
    out.info(f"moved {entity.id} ({entity.name}) into {entity.parent_id}")
    return 0


# -- delete ----------------------------------------------------------------------------------------------


def add_delete(sub: Any) -> None:
    p = command(
        sub,
        "delete",
        handler=run_delete,
        summary="move an entity to the trash can, or delete one version of a file",
        example="synapse-models delete syn123\nsynapse-models delete syn123 --version 2",
    )
    p.add_argument("id", type=synapse_id, metavar="syn123", help="the entity")
    p.add_argument(
        "--version",
        type=positive_int,
        metavar="N",
        help="delete only this version of the file (never its only version)",
    )


def run_delete(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    if args.version is not None:
        file = sm.File.get(args.id, download=False)
        file.delete(version=args.version)
        out.info(f"deleted version {args.version} of {file.id} ({file.name})")
    else:
        entity = sm.Entity.get(args.id)
        entity.delete()
        out.info(f"moved {type(entity).__name__.lower()} {entity.id} ({entity.name}) to the trash can")
    if out.json_mode:
        out.json({"id": args.id.split(".")[0], "version": args.version, "deleted": True})
    return 0


# -- onweb -----------------------------------------------------------------------------------------------


def add_onweb(sub: Any) -> None:
    p = command(
        sub,
        "onweb",
        handler=run_onweb,
        summary="print an entity's web page address (and open it)",
        description="Print the address of the entity's page on the Synapse web site; open it in a "
        "browser too when there is a display.",
        example="synapse-models onweb syn123",
    )
    p.add_argument("id", metavar="syn123", help="the entity, or a local file (found in Synapse by md5)")
    p.add_argument("--no-browser", action="store_true", help="only print the address")


def run_onweb(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    conn = connect(args)
    if os.path.isfile(args.id):
        entity_id = str(sm.File.from_path(args.id).id)
    else:
        try:
            entity_id = synapse_id(args.id).split(".")[0]
        except argparse.ArgumentTypeError as exc:
            raise UsageError(str(exc)) from None
        sm.Entity.get(entity_id)  # a clear error now rather than a broken page later
    url = conn.endpoints.entity_page(entity_id)
    if out.json_mode:
        out.json({"id": entity_id, "url": url})
    else:
        out.data(url)
    if not args.no_browser and _has_display():
        import webbrowser

        webbrowser.open(url)
    return 0


def _has_display() -> bool:
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
