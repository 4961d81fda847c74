"""Annotation and provenance commands: ``get-annotations``, ``set-annotations``, ``get-provenance``,
``set-provenance``."""

from __future__ import annotations

import argparse
from typing import Any

from . import command
from ._common import (
    add_provenance_options,
    annotations_json,
    connect,
    make_activity,
    positive_int,
    synapse_id,
)
from ._output import Output, jsonable, table, used_text


def _add_output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help=f"also write the {what} to FILE as JSON")


def _write_json(path: str, value: Any) -> None:
    import json

    with open(path, "w", encoding="utf-8") as handle:
        json.dump(jsonable(value), handle, indent=2)
        handle.write("\n")


# -- annotations ------------------------------------------------------------------------------------------


def add_get_annotations(sub: Any) -> None:
    p = command(
        sub,
        "get-annotations",
        handler=run_get_annotations,
        summary="print an entity's annotations",
        description="Print 'key: value, value' lines (JSON with --json; values keep their types).",
        example="synapse-models get-annotations --id syn123 --json",
    )
    p.add_argument("--id", required=True, type=synapse_id, metavar="syn123", help="the entity")
    _add_output(p, "annotations")


def run_get_annotations(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    notes = sm.Entity.get(args.id).annotations.to_dict()
    if args.output:
        _write_json(args.output, notes)
        out.info(f"wrote the annotations of {args.id} to {args.output}")
    if out.json_mode:
        out.json(notes)
    else:
        for line in table((f"{key}:", notes[key]) for key in sorted(notes)):
            out.data(line)
    return 0


def add_set_annotations(sub: Any) -> None:
    p = command(
        sub,
        "set-annotations",
        handler=run_set_annotations,
        summary="add or replace annotations",
        description="Add annotations to an entity (keys given replace those keys' values), or with "
        "-r replace all of them. JSON types decide the annotation types: strings, whole "
        "numbers, decimals, true/false, or lists of one of those.",
        example='synapse-models set-annotations --id syn123 --annotations \'{"species": "human", '
        '"age": [12, 13]}\'',
    )
    p.add_argument("--id", required=True, type=synapse_id, metavar="syn123", help="the entity")
    p.add_argument(
        "--annotations",
        required=True,
        type=annotations_json,
        metavar="JSON",
        help='a JSON object: \'{"foo": 1, "bar": "quux"}\'',
    )
    p.add_argument("-r", "--replace", action="store_true", help="remove the annotations not given")


def run_set_annotations(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    entity = sm.Entity.get(args.id)
    if args.replace:
        entity.annotations = sm.Annotations(args.annotations)
    else:
        entity.annotations.update(args.annotations)
    entity.store()
    if out.json_mode:
        out.json(entity.annotations.to_dict())
    out.info(f"{entity.id} has {len(entity.annotations)} annotation(s): {', '.join(entity.annotations)}")
    return 0


# -- provenance ------------------------------------------------------------------------------------------


def add_get_provenance(sub: Any) -> None:
    p = command(
        sub,
        "get-provenance",
        handler=run_get_provenance,
        summary="print what an entity version was made from and with",
        example="synapse-models get-provenance --id syn123 --version 2",
    )
    p.add_argument("--id", required=True, type=synapse_id, metavar="syn123", help="the entity")
    p.add_argument("--version", type=positive_int, metavar="N", help="the version (default: the latest)")
    _add_output(p, "activity")


def run_get_provenance(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    activity = sm.Activity.get(args.id, args.version)
    if args.output:
        _write_json(args.output, activity)
        out.info(f"wrote the provenance of {args.id} to {args.output}")
    if out.json_mode:
        out.json(activity)
    else:
        rows: list[tuple[str, Any]] = [
            ("activity", activity.id),
            ("name", activity.name),
            ("description", activity.description),
        ]
        rows += [("used", used_text(u)) for u in activity.used]
        rows += [("executed", used_text(u)) for u in activity.executed]
        for line in table((k, v) for k, v in rows if v is not None):
            out.data(line)
    return 0


def add_set_provenance(sub: Any) -> None:
    p = command(
        sub,
        "set-provenance",
        handler=run_set_provenance,
        summary="record what a file version was made from and with",
        description="Give the current version of a file a new provenance record (activity) and "
        "print the activity's id.",
        example="synapse-models set-provenance --id syn123 --name align --used syn45.1 "
        "--executed https://github.com/org/aligner",
    )
    p.add_argument("--id", required=True, type=synapse_id, metavar="syn123", help="the file")
    p.add_argument("--name", help="a name for the step (e.g. 'align reads')")
    p.add_argument("--description", help="what the step did")
    add_provenance_options(p, activity_names=False)
    _add_output(p, "activity")


def run_set_provenance(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    connect(args)
    file = sm.File.get(args.id, download=False)
    file.activity = make_activity(args.name, args.description, args.used, args.executed) or sm.Activity()
    file.store()
    activity = file.activity
    if args.output:
        _write_json(args.output, activity)
    out.made(activity, f"{file.id}.{file.version_number} was made by activity {activity.id}")
    return 0
