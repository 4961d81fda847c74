"""What the benchmark scripts share: a LocalSynapse in its own process, the admin API, and phases run in
fresh subprocesses (so each phase's peak RSS is its own and no phase warms another's caches).

A script defines ``phase_<name>(args) -> dict`` functions, calls :func:`dispatch_phase` first thing in
``main`` (that is how the subprocess runs one phase), and :func:`run_phase` to run one.

Network latency: :func:`add_latency_option` gives a script ``--latency-ms MS``; ``local_server(dir,
latency_ms=MS)`` (or :func:`latency_proxy` around any endpoint) then hands out the endpoint of a loopback
proxy (``tests/netproxy``) that delays each request and each response by MS and each new connection by one
round trip. Every client given that endpoint, ours and the official one, goes through it, file bytes
included (the server builds presigned URLs from the Host the proxy forwards). :func:`reset_counts` /
:func:`read_counts` count a phase's requests at the server and, when the phase's args say
``"proxied": True``, at the proxy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # a script run by its path: make ``tests`` importable

from tests.netproxy import CONTROL_PREFIX, LatencyProxy, NetProxy  # noqa: E402

Phase = Callable[[dict[str, Any]], dict[str, Any]]


def admin(endpoint: str, admin_token: str, method: str, path: str, body: Any = None) -> Any:
    """Call the LocalSynapse admin API (``/admin/v1``), e.g. ``POST /users`` to make a user."""
    import requests

    response = requests.request(
        method,
        f"{endpoint}/admin/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json() if response.content else None


def peak_rss_mib() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def add_latency_option(parser: argparse.ArgumentParser) -> None:
    """Give a script ``--latency-ms``."""
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="run every client through a loopback proxy that delays each request and each "
        "response by MS milliseconds, and each new connection by one round trip (its "
        "TCP handshake); default 0: straight to the server",
    )


@contextlib.contextmanager
def latency_proxy(upstream: Any, latency_ms: float) -> Iterator[tuple[str, NetProxy | None]]:
    """Yield ``(endpoint, proxy)``: a :class:`LatencyProxy` in front of ``upstream`` (a URL or a LocalSynapse)
    when ``latency_ms`` > 0, else ``upstream``'s own endpoint and ``None``."""
    endpoint = upstream if isinstance(upstream, str) else upstream.endpoint
    if latency_ms <= 0:
        yield endpoint, None
        return
    with LatencyProxy(endpoint, delay=latency_ms / 1000) as proxy:
        yield proxy.endpoint, proxy


@contextlib.contextmanager
def local_server(
    data_dir: Path, latency_ms: float = 0.0, log: Path | None = None
) -> Iterator[tuple[str, str]]:
    """Run ``synapse_models.local`` in its own process; yields ``(endpoint, admin_token)``.

    With ``latency_ms`` > 0 the endpoint is that of a latency proxy (run in this process) in front of it.
    With ``log``, the server's stderr (its error log) goes to that file instead of this process's stderr.
    """
    errors = open(log, "w") if log is not None else None  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "synapse_models.local", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().split(": ", 1)[1].strip()
        admin_token = server.stdout.readline().split(": ", 1)[1].strip()
        with latency_proxy(endpoint, latency_ms) as (client_endpoint, _):
            yield client_endpoint, admin_token
    finally:
        server.terminate()
        server.wait(timeout=30)
        if errors is not None:
            errors.close()


def _proxy_control(endpoint: str, method: str) -> dict[str, Any]:
    import requests

    response = requests.request(method, f"{endpoint}{CONTROL_PREFIX}stats", timeout=60)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def reset_counts(a: dict[str, Any]) -> None:
    """Zero the server's request statistics (and the proxy's, when ``a["proxied"]``)."""
    admin(a["endpoint"], a["admin"], "DELETE", "/stats")
    if a.get("proxied"):
        _proxy_control(a["endpoint"], "DELETE")


def read_counts(a: dict[str, Any]) -> dict[str, Any]:
    """Requests since :func:`reset_counts`: ``{"requests": at the server, "proxied": through the proxy (admin
    calls left out), "presigned": presigned part PUTs and file GETs through the proxy, "connections": new
    client connections the proxy accepted}`` (the last three ``None`` without a proxy)."""
    proxied = presigned = connections = None
    if a.get("proxied"):
        proxy = _proxy_control(a["endpoint"], "GET")
        routes = proxy["routes"]
        proxied = sum(r["requests"] for route, r in routes.items() if " /admin/" not in route)
        presigned = sum(r["requests"] for route, r in routes.items() if " /file/v1/presigned/" in route)
        connections = proxy["connections"]
    stats = admin(a["endpoint"], a["admin"], "GET", "/stats")
    return {
        "requests": stats["totalRequests"],
        "proxied": proxied,
        "presigned": presigned,
        "connections": connections,
    }


def dispatch_phase(phases: dict[str, Phase], argv: list[str]) -> bool:
    """In a phase subprocess (``--phase NAME ARGS.json``): run it, print its JSON result, return True."""
    if len(argv) == 3 and argv[0] == "--phase":
        name, arg_file = argv[1], argv[2]
        print(json.dumps(phases[name](json.loads(Path(arg_file).read_text()))))
        return True
    return False


def run_phase(script: str, name: str, args: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Run one phase of ``script`` in a fresh subprocess, after ``os.sync()`` so no earlier disk write-back
    lands in its timing; returns the phase's result.

    Raises:
        subprocess.TimeoutExpired: The phase ran longer than ``timeout`` seconds (it is killed).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(args, handle)
    os.sync()
    try:
        out = subprocess.run(
            [sys.executable, script, "--phase", name, handle.name],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "SYNAPSE_MODELS_PROGRESS": "0"},
            timeout=timeout,
        )
    finally:
        os.unlink(handle.name)
    if out.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
