"""Progress bars: one per transfer (and per checksum pass before an upload), one overall bar per bulk call.

Bars are drawn only on a terminal: stderr must be a TTY, the caller must not pass ``progress=False`` and
``SYNAPSE_MODELS_PROGRESS`` must not be ``0``. A transfer bar also needs at least :data:`MIN_BYTES`. A bar
that finishes within :data:`LEAVE_AFTER_SECONDS` is cleared (quick transfers leave no trace); a longer one
stays on screen with its totals and rate; the overall bar of a bulk call always stays. tqdm is imported only
when a bar is actually drawn, so importing the package never loads it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import Any

__all__ = ["LEAVE_AFTER_SECONDS", "MIN_BYTES", "Overall", "Progress", "bars_wanted", "progress_enabled"]

MIN_BYTES = 4 * 1024 * 1024
"""Transfers smaller than this never show a bar."""
LEAVE_AFTER_SECONDS = 3.0
"""A finished bar that was on screen at least this long stays there; a quicker one is cleared."""


def bars_wanted(progress: bool | None) -> bool:
    """Whether to draw bars at all: an explicit ``progress`` wins, else the environment and a TTY decide."""
    if progress is not None:
        return progress
    if os.environ.get("SYNAPSE_MODELS_PROGRESS", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    return sys.stderr.isatty()


def progress_enabled(progress: bool | None, total: int) -> bool:
    """Whether to draw a transfer bar: an explicit ``progress`` wins, else size, the environment and a TTY."""
    if progress is not None:
        return progress
    return total >= MIN_BYTES and bars_wanted(None)


class _Bar:
    """A tqdm bar (or nothing) that stays on screen when it was shown long enough."""

    def __init__(self, shown: bool, **options: Any) -> None:
        self._bar: Any = None
        self._started = time.monotonic()
        if shown:
            from tqdm.auto import tqdm

            self._bar = tqdm(file=sys.stderr, dynamic_ncols=True, leave=False, **options)

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn."""
        return self._bar is not None

    def close(self) -> None:
        if self._bar is not None:
            # tqdm reads ``leave`` when it closes: keep the bar of a long transfer, clear a quick one
            self._bar.leave = time.monotonic() - self._started >= LEAVE_AFTER_SECONDS
            self._bar.close()


class Progress(_Bar):
    """A thread-safe byte counter with an optional tqdm bar (a no-op when disabled).

    Use it as a context manager; call :meth:`update` from any thread.
    """

    def __init__(self, total: int, description: str, *, progress: bool | None = None) -> None:
        super().__init__(progress_enabled(progress, total), total=total, desc=description, unit="B",
                         unit_scale=True, unit_divisor=1024)
        self.total = total
        self.done = 0
        self._lock = threading.Lock()

    def update(self, n: int) -> None:
        """Count ``n`` more bytes (negative to take back bytes of a retried piece)."""
        with self._lock:
            self.done += n
            if self._bar is not None:
                self._bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Overall(_Bar):
    """One bar over the items of a bulk call (``sync_from``, ``sync_to``, ``copy``, ``store_all``): items done
    of those known so far, and the bytes they moved; the per-item transfer bars are off inside bulk calls."""

    def __init__(
        self, description: str, progress: bool | None, *, unit: str = "items", sizes: bool = True
    ) -> None:
        super().__init__(bars_wanted(progress), total=0, desc=description, unit=f" {unit}")
        self._bytes = 0
        self._sizes = sizes
        if self._bar is not None and sizes:
            self._bar.set_postfix_str(_size(0), refresh=False)

    def __enter__(self) -> Overall:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.leave = True  # the summary of a bulk call always stays
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
