"""The retry policy: which failures are retried, how long to wait, and when to give up.

One call to the transport (a request, or one resumable byte range) spends one budget: at most
:attr:`RetryPolicy.attempts` retries, none started once its :class:`Deadline` has passed. The transport asks a
:class:`RetryState` before every retry; nothing else in the library retries on its own.

This module knows nothing about HTTP libraries, so every transport (and the tests) share it.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timezone

__all__ = ["REFUSED_STATUSES", "RETRY_STATUSES", "Deadline", "RetryPolicy", "RetryState"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers worth another try (after a wait)."""
REFUSED_STATUSES = frozenset({429, 503})
"""Answers by which the server says it did nothing: any request, even a create, may be sent again."""


class Deadline:
    """The time a call may still spend on retries.

    No retry starts, and no wait begins that would end, after the deadline. A resumable download restarts its
    deadline whenever bytes arrive, so it is the time allowed *without progress*.

    Args:
        seconds: The budget, from now.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def __repr__(self) -> str:
        return f"Deadline({self.remaining():.1f} s of {self.seconds:g} s left)"

    def remaining(self) -> float:
        """Seconds left (0 when it has passed)."""
        return max(0.0, self._end - time.monotonic())

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self._end

    def restart(self) -> None:
        """Give the full budget again, from now (a stream made progress)."""
        self._end = time.monotonic() + self.seconds


class RetryPolicy:
    """How failed requests are retried.

    Retried: connection failures before the request was sent; 429/500/502/503/504 answers; and, for requests
    that may safely be sent twice (every method but POST, and the POSTs that only read), a connection that
    broke after the request was sent, including while its body was read. A POST that creates something is
    retried only when the server said it did nothing (429, 503) or the connection was never made.

    Args:
        attempts: Retries after the first try, at most, per call.
        backoff: The back-off unit in seconds: no wait before the first retry, then ``backoff * 2**(n-1)``
            before retry ``n``, plus up to ``jitter`` seconds. A retry after a download made progress does
            not wait.
        jitter: Random extra wait, so that many clients do not retry in step.
        backoff_max: The longest single wait, also the cap on a server's ``Retry-After``.
        total_seconds: The deadline of one call: no retry starts, and no wait begins that would end, after
            this many seconds since the first try (since the last byte received, for a download).
    """

    def __init__(
        self,
        attempts: int = 6,
        backoff: float = 0.5,
        jitter: float = 0.5,
        backoff_max: float = 30.0,
        total_seconds: float = 120.0,
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.jitter = jitter
        self.backoff_max = backoff_max
        self.total_seconds = total_seconds

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(attempts={self.attempts}, backoff={self.backoff}, "
            f"total_seconds={self.total_seconds})"
        )

    def deadline(self) -> Deadline:
        """A fresh deadline of :attr:`total_seconds`."""
        return Deadline(self.total_seconds)

    def backoff_for(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row (none after the first)."""
        if failures <= 1:
            return 0.0
        wait = self.backoff * 2.0 ** (failures - 1) + random.uniform(0, self.jitter)
        return min(self.backoff_max, wait)

    def retry_after(self, value: str | None) -> float | None:
        """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), capped at
        :attr:`backoff_max`; ``None`` when absent or unreadable."""
        if not value:
            return None
        text = value.strip()
        if text.isdigit():
            seconds = float(text)
        else:
            from email.utils import parsedate_to_datetime

            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            seconds = (when - datetime.now(timezone.utc)).total_seconds()
        return min(self.backoff_max, max(0.0, seconds))


class RetryState:
    """The budget of one call: the retries used, the failures in a row, and the deadline.

    Args:
        policy: The policy.
        deadline: The call's deadline (a fresh one of ``policy.total_seconds`` when omitted).
    """

    def __init__(self, policy: RetryPolicy, deadline: Deadline | None = None) -> None:
        self.policy = policy
        self.deadline = deadline or policy.deadline()
        self.retries = 0
        self._in_a_row = 0
        self._started = time.monotonic()

    def next_wait(self, retry_after: float | None = None) -> float | None:
        """Count one failure; return how long to wait before retrying, or ``None`` to give up.

        Args:
            retry_after: The wait the server asked for, if any (it replaces the back-off).
        """
        self._in_a_row += 1
        if self.retries >= self.policy.attempts:
            return None
        wait = retry_after if retry_after is not None else self.policy.backoff_for(self._in_a_row)
        if wait >= self.deadline.remaining():  # a wait that would end after the deadline is not begun
            return None
        self.retries += 1
        return wait

    def progressed(self) -> None:
        """Bytes arrived: the next failure is the first in a row, with a full deadline."""
        self._in_a_row = 0
        self.deadline.restart()

    def read_timeout(self, timeout: float) -> float:
        """The read timeout for the next try: no longer than the time left, on a retry."""
        return timeout if not self.retries else max(0.1, min(timeout, self.deadline.remaining()))

    def summary(self) -> str:
        """``"after 3 retries in 4.2 s"``, for messages."""
        plural = "y" if self.retries == 1 else "ies"
        return f"after {self.retries} retr{plural} in {time.monotonic() - self._started:.1f} s"

    @staticmethod
    def pause(seconds: float) -> None:
        """Sleep before a retry."""
        if seconds > 0:
            time.sleep(seconds)
