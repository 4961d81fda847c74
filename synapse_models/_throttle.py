"""The bound on requests in flight to Synapse's own services, per connection.

Synapse answers ``429 Too many concurrent requests. Allowed 3 concurrent connections at any time.`` when one
user has more than three requests in progress from one machine (a user, session and address). A client
that keeps no session cookie looks like a new machine on every request and escapes that count; this library
does not rely on that: a :class:`Connection <synapse_models.Connection>` lets at most
:data:`SYNAPSE_CONCURRENT_REQUESTS` of its requests to the repo, auth and file services be in progress at
once, and queues the others. Transfers to and from presigned storage URLs are not Synapse's services and
are not counted, so a bulk call keeps its many transfers in flight while its service calls wait their turn.

A server on the loopback address (a :class:`~synapse_models.local.LocalSynapse`) has no such limit, so
there is none by default. ``SYNAPSE_MODELS_MAX_CONCURRENT_REQUESTS`` (``0``: no limit) overrides the
default for every connection, to measure what a user of synapse.org can expect against a local server.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from .errors import ValidationError

__all__ = ["ENV_VAR", "SYNAPSE_CONCURRENT_REQUESTS", "RequestGate", "default_limit"]

SYNAPSE_CONCURRENT_REQUESTS = 3
"""Requests Synapse lets one user have in progress from one machine."""
ENV_VAR = "SYNAPSE_MODELS_MAX_CONCURRENT_REQUESTS"


def _is_loopback(url: str) -> bool:
    import ipaddress  # only when a connection is made, not when the package is imported

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return False


def check_limit(value: object, field: str = "max_concurrent_requests") -> int | None:
    """``value`` as a limit: a whole number, ``0`` or ``None`` for none.

    Raises:
        ValidationError: Not a whole number of at least 0.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, value, "a whole number of at least 0 (0: no limit)")
    return value or None


def default_limit(repo_endpoint: str, given: int | None = None) -> int | None:
    """The limit of a connection: ``given``, else the environment's, else 3 unless the server is local.

    Args:
        repo_endpoint: The connection's repo service URL.
        given: The limit asked for (``0``: none; ``None``: the default).

    Raises:
        ValidationError: ``given`` or the environment variable is not a whole number of at least 0.
    """
    if given is not None:
        return check_limit(given)
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        try:
            number = int(text)
        except ValueError:
            raise ValidationError(ENV_VAR, text, "a whole number of at least 0 (0: no limit)") from None
        return check_limit(number, ENV_VAR)
    return None if _is_loopback(repo_endpoint) else SYNAPSE_CONCURRENT_REQUESTS


class RequestGate:
    """At most ``limit`` holders at once (``None``: any number); the others wait in turn.

    A thread that already holds a place passes again without taking a second one, so a request made while
    another of the same thread is in progress (a transport or a hook calling back) cannot wait for itself.

    Args:
        limit: The most holders at once, or ``None``.
    """

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._busy = 0
        self._peak = 0
        self._cond = threading.Condition()
        self._mine = threading.local()

    def __repr__(self) -> str:
        return f"RequestGate(limit={self._limit}, busy={self._busy})"

    @property
    def limit(self) -> int | None:
        """The most holders at once (``None``: no limit)."""
        return self._limit

    @limit.setter
    def limit(self, value: int | None) -> None:
        with self._cond:
            self._limit = value
            self._cond.notify_all()

    @property
    def peak(self) -> int:
        """The most holders there have been at once (for tests and benchmarks)."""
        return self._peak

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a place for the duration of the block (released however the block ends)."""
        depth = getattr(self._mine, "depth", 0)
        if depth:
            self._mine.depth = depth + 1
            try:
                yield
            finally:
                self._mine.depth = depth
            return
        with self._cond:
            while self._limit is not None and self._busy >= self._limit:
                self._cond.wait()
            self._busy += 1
            self._peak = max(self._peak, self._busy)
        self._mine.depth = 1
        try:
            yield
        finally:
            self._mine.depth = 0
            with self._cond:
                self._busy -= 1
                self._cond.notify()
