"""A loopback HTTP/1.1 reverse proxy that makes a network slow or faulty, for benchmarks and reliability runs.

It sits in front of a ``synapse-models serve`` / :class:`~synapse_models.local.LocalSynapse` endpoint::

    with LatencyProxy(server.endpoint, delay=0.05) as proxy:
        sm.connect(token, endpoint=proxy.endpoint)        # every request now pays 100 ms of round trip

    with FaultProxy(server, fault_rate=0.2, seed=1) as proxy:
        ...
        print(proxy.stats()["faults"])                    # {"http_503": 12, "reset_after_request": 9, ...}

Both are one :class:`NetProxy` (one forwarding core; latency and faults combine). The ``Host`` header goes to
the server unchanged, so the presigned URLs the server builds from it point at the proxy too: file bytes go
through it like every REST call. Bodies stream both ways in ``chunk_size`` pieces (a 64 MiB upload is never
held in memory); connections are kept alive on both sides (one server connection per client connection).

It runs in-process (threads) or as a subprocess (:class:`ProxyProcess`, ``python -m tests.netproxy``); its
counters are then read over ``GET /__netproxy__/stats`` on the proxy itself (never forwarded, delayed or
faulted).

The fault kinds (:data:`FAULT_KINDS`; each request is faulted with probability ``fault_rate``, the kind drawn
by weight among those that apply to it, from a ``random.Random(seed)``):

* ``http_503`` / ``http_429``: answered by the proxy with ``Retry-After``; the request is not forwarded.
* ``http_500_after``: forwarded, the server's answer (the work was done) replaced by a 500.
* ``reset_before_request``: the connection is reset before the request is forwarded.
* ``reset_in_request_body``: half the request body is forwarded, then both connections are reset (only for
  requests with a body).
* ``reset_after_request``: forwarded and answered by the server, then the client's connection is reset.
* ``reset_in_response_body``: the headers and half the body reach the client, then a reset.
* ``truncated_body``: the headers (with the true ``Content-Length``) and half the body, then a clean close.
* ``stall``: the headers and half the body, a pause of ``stall_seconds``, then the rest (a response without
  a body pauses before its headers).

A response-body fault on a response that has no body is applied as ``reset_after_request`` and counted so.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._exchange import CONTROL_PREFIX, ProxyServer

__all__ = ["FAULT_KINDS", "FaultProxy", "LatencyProxy", "NetProxy", "ProxyProcess", "route_of"]

FAULT_KINDS = (
    "http_503",
    "http_429",
    "http_500_after",
    "reset_before_request",
    "reset_in_request_body",
    "reset_after_request",
    "reset_in_response_body",
    "truncated_body",
    "stall",
)
_ROOT = Path(__file__).resolve().parents[2]
#: A path segment that names one object: ``syn123``, ``syn123.4``, ``42``, or a long token with a digit.
_ID_SEGMENT = re.compile(r"(?<=/)(?:(?:syn)?\d+(?:\.\d+)?|(?=[^/]*\d)[^/]{16,})(?=/|$)")


def route_of(path: str) -> str:
    """The path without its query, every segment naming one object (an id, a token) replaced by ``{id}``."""
    return _ID_SEGMENT.sub("{id}", path.split("?", 1)[0])


def _base_url(upstream: Any) -> str:
    url = upstream if isinstance(upstream, str) else upstream.endpoint
    return str(url).rstrip("/")


class NetProxy:
    """The proxy: a fixed latency each way, seeded random faults, and counters.

    Args:
        upstream: The server's base URL (``http://127.0.0.1:PORT``) or anything with an ``endpoint``.
        delay: Seconds added to each request and to each response (one way), and twice that to each new
            client connection, which on a real network pays one round trip for its TCP handshake.
        fault_rate: Fraction of requests (0..1) that get a fault.
        faults: Weight of each fault kind (see :data:`FAULT_KINDS`); kinds left out are disabled. All kinds
            with weight 1 when ``None``.
        seed: Seed of the fault draws.
        stall_seconds: Length of a ``stall``.
        retry_after: ``Retry-After`` seconds sent with the proxy's 503 and 429 answers.
        exempt: Path prefixes never faulted (still delayed and counted).
        chunk_size: Largest piece of a body read or written at once.
        port: Port to listen on (0 picks a free one).
    """

    def __init__(
        self,
        upstream: Any,
        *,
        delay: float = 0.0,
        fault_rate: float = 0.0,
        faults: Mapping[str, float] | None = None,
        seed: int = 0,
        stall_seconds: float = 5.0,
        retry_after: float = 1.0,
        exempt: tuple[str, ...] = ("/admin/",),
        chunk_size: int = 1 << 20,
        port: int = 0,
    ) -> None:
        self.upstream = _base_url(upstream)
        match = re.fullmatch(r"http://([^/:]+):(\d+)", self.upstream)
        if match is None:
            raise ValueError(f"upstream must be http://HOST:PORT, got {self.upstream!r}")
        self.upstream_address = (match[1], int(match[2]))
        self.stall_seconds = stall_seconds
        self.retry_after = retry_after
        self.exempt = exempt
        self.chunk_size = chunk_size
        self.port = port
        self.delay = 0.0
        self.fault_rate = 0.0
        self.weights: dict[str, float] = {}
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._stopping = threading.Event()
        self._server: ProxyServer | None = None
        self._thread: threading.Thread | None = None
        self.configure(delay=delay, fault_rate=fault_rate, faults=faults)
        self.reset_stats()

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> NetProxy:
        """Listen on ``127.0.0.1`` and serve in a background thread; returns ``self``."""
        if self._server is None:
            self._stopping.clear()
            self._server = ProxyServer(("127.0.0.1", self.port), self)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="netproxy",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, close every open connection and wait for their threads."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes delays and stalls
        server.shutdown()
        server.close_connections()
        server.server_close()  # joins the connection threads
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> NetProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """The proxy's base URL: give it to a client instead of the server's."""
        if self._server is None:
            raise RuntimeError("the proxy is not running; call start() first")
        return f"http://127.0.0.1:{self.port}"

    # -- settings -------------------------------------------------------------------------------------------
    def configure(
        self,
        *,
        delay: float | None = None,
        fault_rate: float | None = None,
        faults: Mapping[str, float] | None = None,
    ) -> None:
        """Change the latency, the fault rate or the fault weights of a running proxy."""
        if faults is not None or not self.weights:
            weights = dict.fromkeys(FAULT_KINDS, 1.0) if faults is None else dict(faults)
            unknown = sorted(set(weights) - set(FAULT_KINDS))
            if unknown or any(w < 0 for w in weights.values()):
                raise ValueError(f"fault kinds are {', '.join(FAULT_KINDS)} with weights >= 0; got {weights}")
            self.weights = {kind: w for kind, w in weights.items() if w > 0}
        if delay is not None:
            self.delay = float(delay)
        if fault_rate is not None:
            if not 0 <= fault_rate <= 1:
                raise ValueError(f"fault_rate must be within 0..1, got {fault_rate}")
            self.fault_rate = float(fault_rate)

    # -- counters -------------------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counters since the start or the last :meth:`reset_stats` (a JSON-ready copy).

        ``connections`` (client connections accepted), ``requests``, ``faulted``, ``faults`` (per kind),
        ``routes`` (``"METHOD /route/{id}"`` -> ``{"requests": n, "faults": {kind: n}}``), ``errors``
        (exchanges broken by a peer, not by a fault: a client that gave up, a server that closed; by
        exception name), and ``bytes_up`` / ``bytes_down`` (body bytes forwarded to the server / sent to
        clients).
        """
        with self._lock:
            return {
                "connections": self._connections,
                "requests": sum(self._requests.values()),
                "faulted": sum(self._faults.values()),
                "faults": dict(self._faults),
                "routes": {
                    route: {"requests": n, "faults": dict(self._route_faults.get(route, {}))}
                    for route, n in sorted(self._requests.items())
                },
                "errors": dict(self._errors),
                "bytes_up": self._bytes[0],
                "bytes_down": self._bytes[1],
            }

    def reset_stats(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._connections = 0
            self._requests: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._route_faults: dict[str, Counter[str]] = {}
            self._errors: Counter[str] = Counter()
            self._bytes = [0, 0]

    # -- used by the connection handlers --------------------------------------------------------------------
    def draw(self, method: str, path: str, *, has_body: bool) -> str | None:
        """Count one request and decide its fault (``None``: none)."""
        route = f"{method} {route_of(path)}"
        with self._lock:
            self._requests[route] += 1
            if (
                self.fault_rate <= 0
                or path.startswith(self.exempt)
                or self._random.random() >= self.fault_rate
            ):
                return None
            kinds = {
                kind: w for kind, w in self.weights.items() if has_body or kind != "reset_in_request_body"
            }
            if method == "HEAD":
                kinds = {
                    kind: w
                    for kind, w in kinds.items()
                    if kind not in ("reset_in_response_body", "truncated_body")
                }
            if not kinds:
                return None
            return self._random.choices(list(kinds), weights=list(kinds.values()))[0]

    def record(self, method: str, path: str, kind: str) -> None:
        """Count a fault that was applied."""
        route = f"{method} {route_of(path)}"
        with self._lock:
            self._faults[kind] += 1
            self._route_faults.setdefault(route, Counter())[kind] += 1

    def count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def count_error(self, name: str) -> None:
        with self._lock:
            self._errors[name] += 1

    def count_bytes(self, up: int = 0, down: int = 0) -> None:
        with self._lock:
            self._bytes[0] += up
            self._bytes[1] += down

    def sleep(self, seconds: float) -> None:
        """Wait, unless the proxy is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)


class LatencyProxy(NetProxy):
    """A :class:`NetProxy` that only adds latency: ``delay`` seconds each way, one round trip per new
    connection (its TCP handshake)."""

    def __init__(self, upstream: Any, delay: float, **options: Any) -> None:
        super().__init__(upstream, delay=delay, **options)


class FaultProxy(NetProxy):
    """A :class:`NetProxy` that faults ``fault_rate`` of the requests (kinds weighted by ``faults``)."""

    def __init__(self, upstream: Any, fault_rate: float, *, seed: int = 0, **options: Any) -> None:
        super().__init__(upstream, fault_rate=fault_rate, seed=seed, **options)


class ProxyProcess:
    """A :class:`NetProxy` in a subprocess (``python -m tests.netproxy``), same options and counters.

    Example:
        >>> with ProxyProcess(server.endpoint, delay=0.05) as proxy:
        ...     run_client(proxy.endpoint); print(proxy.stats()["requests"])
    """

    def __init__(self, upstream: Any, **options: Any) -> None:
        self.upstream = _base_url(upstream)
        self.options = options
        self.endpoint = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> ProxyProcess:
        command = [
            sys.executable,
            "-m",
            "tests.netproxy",
            "--upstream",
            self.upstream,
            "--options",
            json.dumps(self.options),
        ]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")])}
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=_ROOT, env=env)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("netproxy: "):
            self.stop()
            raise RuntimeError(f"the proxy process did not start: {line!r}")
        self.endpoint = line.split(": ", 1)[1].strip()
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()

    def __enter__(self) -> ProxyProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _control(self, method: str, what: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.endpoint}{CONTROL_PREFIX}{what}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("GET", "stats")
        return result

    def reset_stats(self) -> None:
        self._control("DELETE", "stats")

    def configure(self, **settings: Any) -> None:
        self._control("POST", "config", settings)
