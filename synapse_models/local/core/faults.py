"""Fault injection: make the next matching request(s) fail in a chosen way.

A fault matches on the HTTP method (``None`` = any) and the request path, exact or an ``fnmatch`` glob
(``/repo/v1/entity/*``).  Kinds, checked in this order:

* ``drop_connection`` — the socket is closed before any answer; the request is not processed;
* ``status`` — answer that status with an ErrorResponse (and ``Retry-After`` when given) without processing;
* ``truncate_body`` — the request IS processed, but only half of the answer body is sent (streamed answers,
  e.g. file downloads, are cut after half of their ``Content-Length``).

``skip=n`` lets the first ``n`` matching requests through, so a fault can hit the Nth one.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """One armed fault."""

    path: str
    method: str | None = None
    status: int | None = None
    times: int = 1
    retry_after: float | None = None
    drop_connection: bool = False
    truncate_body: bool = False
    #: let this many matching requests through untouched first (to hit the Nth one, e.g. the 2nd part PUT)
    skip: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path == self.path or fnmatch.fnmatchcase(path, self.path)


class FaultInjector:
    """The armed faults of one server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        if fault.status is None and not (fault.drop_connection or fault.truncate_body):
            raise ValueError("a fault needs a status, drop_connection or truncate_body")
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """Return (and use up one occurrence of) the first fault matching the request."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
