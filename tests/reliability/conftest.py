"""A fault proxy that faults exactly the requests a test names, in front of the session's LocalSynapse."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import synapse_models as sm
from tests.netproxy import NetProxy, route_of


class TargetedProxy(NetProxy):
    """A :class:`NetProxy` whose faults are planned: ``plan("POST /repo/v1/entity", "reset_after_request")``
    faults the next request to that route (routes as :func:`route_of` writes them) with that kind; several
    kinds fault the next several. Every other request goes through untouched."""

    def __init__(self, upstream: Any, **options: Any) -> None:
        super().__init__(upstream, **options)
        self._plans: dict[str, list[str]] = {}
        self._plan_lock = threading.Lock()
        self.applied: list[str] = []

    def plan(self, route: str, *kinds: str) -> None:
        with self._plan_lock:
            self._plans.setdefault(route, []).extend(kinds)

    def pending(self) -> dict[str, list[str]]:
        with self._plan_lock:
            return {route: list(kinds) for route, kinds in self._plans.items() if kinds}

    def draw(self, method: str, path: str, *, has_body: bool) -> str | None:
        super().draw(method, path, has_body=has_body)  # counts the request (the rate is 0: no fault)
        route = f"{method} {route_of(path)}"
        with self._plan_lock:
            kinds = self._plans.get(route)
            if not kinds:
                return None
            kind = kinds.pop(0)
            self.applied.append(f"{route}: {kind}")
            return kind


@pytest.fixture
def proxy(server: Any) -> Iterator[TargetedProxy]:
    with TargetedProxy(server, stall_seconds=3.0, retry_after=0.2) as running:
        yield running


@pytest.fixture
def conn(
    proxy: TargetedProxy, alice_token: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> sm.Connection:
    """Alice, through the proxy, with a fast retry policy."""
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    retry = sm.RetryPolicy(attempts=4, backoff=0.05, jitter=0.0, total_seconds=20)
    return sm.connect(alice_token, endpoint=proxy.endpoint, name="proxied", retry=retry)


@pytest.fixture
def direct(server: Any, alice_token: str) -> sm.Connection:
    """Alice, straight to the server (to check what it holds)."""
    return sm.connect(alice_token, endpoint=server.endpoint, name="direct")


@pytest.fixture
def home(direct: sm.Connection, request: pytest.FixtureRequest) -> Iterator[sm.Project]:
    name = "".join(c if c.isalnum() else "_" for c in request.node.name)[:180] + os.urandom(3).hex()
    made = sm.Project(name=name).store(connection=direct)
    yield made
    made.delete(connection=direct)
