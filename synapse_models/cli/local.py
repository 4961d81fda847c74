"""The embedded server's commands: ``demo`` and ``serve``."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from . import command
from ._output import Output


def add_demo(sub: Any) -> None:
    p = command(
        sub,
        "demo",
        handler=run_demo,
        summary="run a guided tour against an embedded Synapse",
        example="synapse-models demo --only files",
    )
    p.add_argument("--keep", metavar="DIR", help="keep the server's data in DIR instead of a temp dir")
    p.add_argument(
        "--only", metavar="CHAPTER", action="append", help="run only the named chapters (repeatable)"
    )


def run_demo(args: argparse.Namespace, out: Output) -> int:
    from ..demo import run

    return run(data_dir=args.keep, only=args.only)


def add_serve(sub: Any) -> None:
    p = command(
        sub,
        "serve",
        handler=run_serve,
        summary="run the embedded Synapse server until interrupted",
        example="synapse-models serve --port 8080 --data-dir ./synapse-data",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--data-dir", required=True, help="where the data lives; it survives a restart")
    p.add_argument("--admin-token", default=None, help="the admin bearer token (generated if omitted)")
    p.add_argument(
        "--deterministic",
        action="store_true",
        help="ids, etags and timestamps from a fixed seed (stable recordings)",
    )


def run_serve(args: argparse.Namespace, out: Output) -> int:
    from ..local import serve

    with contextlib.suppress(KeyboardInterrupt):
        serve(args.host, args.port, args.data_dir, args.admin_token, deterministic=args.deterministic)
    return 0
