"""The retry policy: which failures are retried, how long to wait, and when to give up.

One call to the transport (a request, or one resumable byte range) spends one budget: at most
:attr:`RetryPolicy.attempts` retries, none started once its :class:`Deadline` has passed. The transport asks a
:class:`RetryState` before every retry; nothing else in the library retries on its own.

The decisions are urllib3's (:class:`urllib3.util.Retry`): which answers are retried (``is_retry``), the
counting (``increment``, ``is_exhausted``), the back-off with its jitter and cap (``get_backoff_time``) and
``Retry-After`` (``get_retry_after``). This module adds what urllib3 cannot know: the deadline of a call that
spans several requests, that a resumable download which made progress starts its count of failures in a row
again, and that a server answering 429 or 503 did nothing (so even a create may be sent again).

urllib3 is imported when the first call is made, not when the package is imported. This module knows nothing
else about HTTP libraries, so every transport (and the tests) share it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from urllib3.util import Retry

__all__ = [
    "REFUSED_CONNECT_RETRIES",
    "REFUSED_STATUSES",
    "RETRY_STATUSES",
    "Deadline",
    "RetryPolicy",
    "RetryState",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers worth another try (after a wait)."""
REFUSED_STATUSES = frozenset({429, 503})
"""Answers by which the server says it did nothing: any request, even a create, may be sent again."""
REFUSED_CONNECT_RETRIES = 2
"""Retries of a connection that was refused or whose host name did not resolve. Nothing listens there: a
wrong endpoint or a stopped server, which waiting rarely mends, so the call fails within about 2 s."""
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})
_NON_IDEMPOTENT_METHODS = _IDEMPOTENT_METHODS - {"POST"}


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
    retried only when the server said it did nothing (429, 503) or the connection was never made. A refused
    connection (nothing listens at the address) is retried only :data:`REFUSED_CONNECT_RETRIES` times.

    Args:
        attempts: Retries after the first try, at most, per call.
        backoff: The back-off unit in seconds: no wait before the first retry, then ``backoff * 2**(n-1)``
            before retry ``n``, plus up to ``jitter`` seconds. A retry after a download made progress does
            not wait.
        jitter: Random extra wait, so that many clients do not retry in step.
        backoff_max: The longest single wait, also the cap on a server's ``Retry-After``.
        total_seconds: The deadline of one call: no retry starts, and no wait begins that would end, after
            this many seconds since the first try (since the last byte received, for a download). A
            ``Retry-After`` longer than the time left ends the call at once.
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

    def urllib3_retry(self, *, idempotent: bool = True) -> Retry:
        """This policy as a :class:`urllib3.util.Retry` for one call.

        Args:
            idempotent: Whether the request may be sent twice: only then is a POST retried after it was sent.
        """
        from urllib3.util import Retry

        options: dict[str, Any] = {}
        if "retry_after_max" in Retry.__init__.__code__.co_varnames:  # urllib3 >= 2.6
            options["retry_after_max"] = self.backoff_max
        return Retry(
            total=self.attempts,
            connect=min(self.attempts, REFUSED_CONNECT_RETRIES),
            read=None,
            redirect=0,
            status=None,
            other=None,
            allowed_methods=_IDEMPOTENT_METHODS if idempotent else _NON_IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff,
            backoff_max=self.backoff_max,
            backoff_jitter=self.jitter,
            raise_on_status=False,
            respect_retry_after_header=True,
            **options,
        )


class _Answer:
    """The little of an answer urllib3's ``Retry`` reads: its status and headers."""

    def __init__(self, status: int, retry_after: str | None) -> None:
        self.status = status
        self.headers = {"Retry-After": retry_after} if retry_after else {}

    def get_redirect_location(self) -> bool:
        return False  # redirects are followed (or not) by the transport, never retried


class RetryState:
    """The budget of one call: urllib3's retry counters and history, plus the call's deadline.

    Args:
        policy: The policy.
        deadline: The call's deadline (a fresh one of ``policy.total_seconds`` when omitted).
        method: The method of the call's request(s).
        url: Its URL (kept in urllib3's history; never logged from here).
        idempotent: Whether the request may be sent twice.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        deadline: Deadline | None = None,
        *,
        method: str = "GET",
        url: str = "",
        idempotent: bool = True,
    ) -> None:
        self.policy = policy
        self.deadline = deadline or policy.deadline()
        self.method = method.upper()
        self.url = url.split("?", 1)[0]  # urllib3 logs it at DEBUG: never with a presigned query string
        self.retries = 0
        self._retry = policy.urllib3_retry(idempotent=idempotent)
        self._started = time.monotonic()

    def retries_status(self, status: int, retry_after: str | None = None) -> bool:
        """Whether an answer with this status is worth another try (the budget aside)."""
        if status in REFUSED_STATUSES:  # the server did nothing: even a create may be sent again
            return True
        return self._retry.is_retry(self.method, status, has_retry_after=bool(retry_after))

    def next_wait(
        self,
        *,
        status: int | None = None,
        retry_after: str | None = None,
        sent: bool = True,
        refused: bool = False,
    ) -> float | None:
        """Count one failure; return how long to wait before retrying, or ``None`` to give up.

        Args:
            status: The status of an answer worth another try, or ``None`` for a failed connection.
            retry_after: The answer's ``Retry-After`` header; the wait it asks for replaces the back-off.
            sent: For a failed connection: whether the request may have reached the server (then only an
                idempotent request is retried).
            refused: For a failed connection: nothing listens there (see :data:`REFUSED_CONNECT_RETRIES`).
        """
        from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, MaxRetryError, ProtocolError

        answer = _Answer(status, retry_after) if status is not None else None
        error: Exception | None = None
        if answer is None:  # urllib3 tells the kinds of failure apart by the class of the error
            error = ConnectTimeoutError() if refused else ProtocolError() if sent else OSError()
        try:
            self._retry = self._retry.increment(
                self.method, self.url, response=cast(Any, answer), error=error
            )
        except (MaxRetryError, ProtocolError, ConnectTimeoutError, OSError):
            return None  # exhausted, or a request that must not be sent twice
        wait: float | None = None
        if answer is not None and status in self._retry.RETRY_AFTER_STATUS_CODES | RETRY_STATUSES:
            try:
                wait = self._retry.get_retry_after(cast(Any, answer))
            except InvalidHeader:  # an unreadable Retry-After is ignored
                wait = None
            if wait is not None:
                wait = min(wait, self.policy.backoff_max)
        if wait is None:
            wait = self._retry.get_backoff_time()
        if wait >= self.deadline.remaining():  # a wait that would end after the deadline is not begun
            return None
        self.retries += 1
        return wait

    def progressed(self) -> None:
        """Bytes arrived: the next failure is the first in a row (no back-off), with a full deadline.

        The retries left are not given back: a download that keeps breaking still ends.
        """
        self._retry = self._retry.new(history=())
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
