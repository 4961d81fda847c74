"""The requests one server answered (admin paths excluded), for tests, benchmarks and the admin stats API."""

from __future__ import annotations

import threading
from collections import Counter


class RequestLog:
    """Counts the requests served, thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, int]] = []

    def add(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._entries.append((method, path, status))

    def entries(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._entries)

    def counts(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter((method, path) for method, path, _ in self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
