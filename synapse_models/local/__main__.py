"""``python -m synapse_models.local [--host H] [--port P] [--data-dir D] [--token T] [--deterministic]``."""

from __future__ import annotations

import argparse
import tempfile

from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m synapse_models.local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data-dir", default=None, help="defaults to a new temporary directory")
    parser.add_argument("--token", default=None, help="admin bearer token (generated when omitted)")
    parser.add_argument("--deterministic", action="store_true")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="synapse-local-")
    serve(args.host, args.port, data_dir, args.token, deterministic=args.deterministic)


if __name__ == "__main__":
    main()
