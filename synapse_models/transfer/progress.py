"""Progress bars for transfers: tqdm when it helps, nothing otherwise.

A bar is shown only for transfers of at least :data:`MIN_BYTES`, when stderr is a terminal, when the caller
did not pass ``progress=False`` and ``SYNAPSE_MODELS_PROGRESS`` is not ``0``. tqdm is imported only when a bar
is actually drawn, so importing the package never loads it.
"""

from __future__ import annotations

import os
import sys
import threading
from types import TracebackType
from typing import Any

__all__ = ["MIN_BYTES", "Progress", "progress_enabled"]

MIN_BYTES = 4 * 1024 * 1024
"""Transfers smaller than this never show a bar."""


def progress_enabled(progress: bool | None, total: int) -> bool:
    """Whether to draw a bar: an explicit ``progress`` wins, else size, the environment and a TTY decide."""
    if progress is not None:
        return progress
    if os.environ.get("SYNAPSE_MODELS_PROGRESS", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    return total >= MIN_BYTES and sys.stderr.isatty()


class Progress:
    """A thread-safe byte counter with an optional tqdm bar (a no-op when disabled).

    Use it as a context manager; call :meth:`update` from any thread.
    """

    def __init__(self, total: int, description: str, *, progress: bool | None = None) -> None:
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        self._bar: Any = None
        if progress_enabled(progress, total):
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total,
                desc=description,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                leave=False,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn."""
        return self._bar is not None

    def update(self, n: int) -> None:
        """Count ``n`` more bytes (negative to take back bytes of a retried piece)."""
        with self._lock:
            self.done += n
            if self._bar is not None:
                self._bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
