"""``python -m tests.netproxy --upstream http://127.0.0.1:PORT [--port P] [--options JSON]``.

Prints ``netproxy: http://127.0.0.1:PORT`` once listening, then serves until SIGTERM or Ctrl-C. ``--options``
holds :class:`~tests.netproxy.NetProxy` keyword arguments as JSON (``{"delay": 0.05, "fault_rate": 0.2}``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading

from . import NetProxy


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.netproxy", description=__doc__)
    parser.add_argument("--upstream", required=True, help="the server's base URL")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--options", default="{}", help="NetProxy keyword arguments as a JSON object")
    args = parser.parse_args()
    options = json.loads(args.options)
    if "exempt" in options:
        options["exempt"] = tuple(options["exempt"])
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with NetProxy(args.upstream, port=args.port, **options) as proxy:
        print(f"netproxy: {proxy.endpoint}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()


if __name__ == "__main__":
    main()
