"""``synapse-models demo``: a guided tour of the public API against an embedded Synapse.

Each chapter is a module with ``TITLE`` and ``run(tour)``; chapters share a :class:`Tour` (the server, two
users, and what earlier chapters made). A chapter prints only through ``_out``, which keeps the output rules
(width, colour, ASCII terminals, a closed pipe).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import _out as out

__all__ = ["CHAPTERS", "Tour", "run"]

CHAPTERS: list[str] = ["foundation", "files", "tables", "collaboration", "bulk"]


class Tour:
    """What the chapters share: the server, connections, a scratch directory and what was made."""

    def __init__(self, server: Any, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self.made: dict[str, Any] = {}

    @contextlib.contextmanager
    def private_cache(self) -> Iterator[None]:
        """Point ``SYNAPSE_CACHE`` into the scratch directory for a chapter (keeps the demo out of
        ``~/.synapseCache``), and put it back after."""
        previous = os.environ.get("SYNAPSE_CACHE")
        os.environ["SYNAPSE_CACHE"] = str(self.workdir / "synapseCache")
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SYNAPSE_CACHE", None)
            else:
                os.environ["SYNAPSE_CACHE"] = previous


def run(data_dir: str | None = None, only: Sequence[str] | None = None) -> int:
    """Run the tour; returns the process exit code."""
    from ..local import LocalSynapse

    chapters = [c for c in CHAPTERS if not only or c in only]
    unknown = set(only or ()) - set(CHAPTERS)
    if unknown:
        out.say(f"unknown chapter(s): {', '.join(sorted(unknown))}; choose from {', '.join(CHAPTERS)}")
        return 2
    started = time.perf_counter()
    out.banner("synapse_models — a tour against an embedded Synapse")
    with (
        tempfile.TemporaryDirectory(prefix="synapse-models-demo-") as scratch,
        LocalSynapse(data_dir=data_dir) as server,
    ):
        out.say(f"embedded Synapse listening on {server.endpoint}")
        tour = Tour(server, Path(scratch))
        for name in chapters:
            module = importlib.import_module(f"{__name__}.{name}")
            out.chapter(module.TITLE)
            try:
                module.run(tour)
            except BrokenPipeError:  # the reader went away (| head): the command line ends quietly
                raise
            except Exception:
                traceback.print_exc()
                out.fail(f"chapter {name!r} failed")
                return 1
    out.banner(f"done in {time.perf_counter() - started:.1f} s — every step above ran for real")
    sys.stdout.flush()
    return 0
