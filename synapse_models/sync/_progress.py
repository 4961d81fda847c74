"""One overall progress bar for a bulk call: files (or items) done, of those known so far, and bytes moved.

Shown on a terminal only (stderr a TTY, ``SYNAPSE_MODELS_PROGRESS`` not ``0``) unless ``progress=`` says
otherwise; the per-file transfer bars are off inside bulk calls. tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

__all__ = ["Overall"]


class Overall:
    """A bar over the items of one bulk call (a no-op when not shown)."""

    def __init__(
        self, description: str, progress: bool | None, *, unit: str = "files", sizes: bool = True
    ) -> None:
        shown = progress
        if shown is None:
            off = os.environ.get("SYNAPSE_MODELS_PROGRESS", "").strip().lower() in ("0", "false", "no", "off")
            shown = not off and sys.stderr.isatty()
        self._bar: Any = None
        self._bytes = 0
        self._sizes = sizes
        if shown:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=0, desc=description, unit=f" {unit}", file=sys.stderr, dynamic_ncols=True, leave=True
            )
            if sizes:
                self._bar.set_postfix_str(_size(0), refresh=False)

    def __enter__(self) -> Overall:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()

    def expect(self, count: int) -> None:
        """More items are known (the listing streams, so the total grows)."""
        if self._bar is not None and count:
            self._bar.total += count
            self._bar.refresh()

    def done(self, count: int, transferred: int = 0) -> None:
        """Items finished (and bytes moved by them)."""
        if self._bar is not None:
            self._bytes += transferred
            if transferred and self._sizes:
                self._bar.set_postfix_str(_size(self._bytes), refresh=False)
            self._bar.update(count)


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{count} B"
        value /= 1024
    return f"{count} B"
