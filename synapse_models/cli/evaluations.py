"""Evaluation commands: ``submit``."""

from __future__ import annotations

import argparse
from typing import Any

from . import command
from ._common import UsageError, add_provenance_options, connect, evaluation_id, make_activity, synapse_id
from ._output import Output


def add_submit(sub: Any) -> None:
    p = command(
        sub,
        "submit",
        handler=run_submit,
        summary="submit an entity or a file to an evaluation queue",
        description="Submit an entity (or upload a file, then submit it) to an evaluation queue, "
        "given by id or by name, and print the submission's id.",
        example="synapse-models submit --evaluation-id 9614112 --entity syn123\n"
        "synapse-models submit --evaluation-name 'Pilot challenge' -f predictions.csv "
        "--parent-id syn45 --name 'first try'",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--evaluation-id",
        "--evaluationID",
        "--evaluationId",
        "--evalID",
        dest="evaluation_id",
        type=evaluation_id,
        metavar="ID",
        help="the evaluation queue's id",
    )
    which.add_argument(
        "--evaluation-name",
        "--evaluationName",
        "--evalN",
        dest="evaluation_name",
        metavar="NAME",
        help="the evaluation queue's name",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--entity",
        "--eid",
        "--entityId",
        "--id",
        dest="entity",
        type=synapse_id,
        metavar="syn123",
        help="the entity to submit (syn123, or syn123.4 for a version)",
    )
    what.add_argument(
        "-f", "--file", metavar="FILE", help="a local file to upload (needs --parent-id), then submit"
    )
    p.add_argument(
        "--parent-id",
        "--parentId",
        "--parentid",
        "--parent",
        dest="parent_id",
        type=synapse_id,
        metavar="syn123",
        help="where to upload --file",
    )
    p.add_argument("--name", help="the submission's name (default: the entity's name)")
    p.add_argument(
        "--team", "--teamName", dest="team", metavar="TEAM", help="submit on behalf of this team (name or id)"
    )
    p.add_argument(
        "--submitter-alias",
        "--submitterAlias",
        "--alias",
        dest="alias",
        metavar="ALIAS",
        help="the name to show on leaderboards",
    )
    add_provenance_options(p, activity_names=False)


def run_submit(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    if args.file is not None and args.parent_id is None:
        raise UsageError("--file needs --parent-id (the project or folder to upload it to)")
    connect(args)
    queue = sm.Evaluation.get(args.evaluation_id, name=args.evaluation_name)
    entity: Any = args.entity
    if args.file is not None:
        activity = make_activity(None, None, args.used, args.executed)
        entity = sm.File(args.file, parent=args.parent_id, activity=activity).store(progress=out.progress)
        out.info(f"uploaded {args.file} as {entity.id} (version {entity.version_number})")
    submission = queue.submit(entity, name=args.name, team=args.team, submitter_alias=args.alias)
    out.made(
        submission,
        f"submitted {submission.entity_id} (version {submission.version_number}) to {queue.name!r} "
        f"({queue.id}) as submission {submission.id}",
    )
    return 0
