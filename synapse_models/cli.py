"""The ``synapse-models`` command: ``demo`` and ``serve``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synapse-models", description="Typed Synapse models and an embedded Synapse server."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run a guided tour against an embedded Synapse")
    demo.add_argument("--keep", metavar="DIR", help="keep the server's data in DIR instead of a temp dir")
    demo.add_argument(
        "--only", metavar="CHAPTER", action="append", help="run only the named chapters (repeatable)"
    )

    serve = sub.add_parser("serve", help="run the embedded Synapse server until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--data-dir", required=True, help="where the data lives; it survives a restart")
    serve.add_argument("--admin-token", default=None, help="the admin bearer token (generated if omitted)")
    serve.add_argument(
        "--deterministic",
        action="store_true",
        help="ids, etags and timestamps from a fixed seed (stable recordings)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from .local import serve

        with contextlib.suppress(KeyboardInterrupt):
            serve(args.host, args.port, args.data_dir, args.admin_token, deterministic=args.deterministic)
        return 0
    from .demo import run

    return run(data_dir=args.keep, only=args.only)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
