"""What the benchmark scripts share: a LocalSynapse in its own process, the admin API, and phases run in
fresh subprocesses (so each phase's peak RSS is its own and no phase warms another's caches).

A script defines ``phase_<name>(args) -> dict`` functions, calls :func:`dispatch_phase` first thing in
``main`` (that is how the subprocess runs one phase), and :func:`run_phase` to run one.
"""

from __future__ import annotations

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
Phase = Callable[[dict[str, Any]], dict[str, Any]]


def admin(endpoint: str, admin_token: str, method: str, path: str, body: Any = None) -> Any:
    """Call the LocalSynapse admin API (``/admin/v1``), e.g. ``POST /users`` to make a user."""
    import requests

    response = requests.request(method, f"{endpoint}/admin/v1{path}", json=body,
                                headers={"Authorization": f"Bearer {admin_token}"}, timeout=60)
    response.raise_for_status()
    return response.json() if response.content else None


def peak_rss_mib() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@contextlib.contextmanager
def local_server(data_dir: Path) -> Iterator[tuple[str, str]]:
    """Run ``synapse_models.local`` in its own process; yields ``(endpoint, admin_token)``."""
    server = subprocess.Popen([sys.executable, "-m", "synapse_models.local", "--port", "0", "--data-dir",
                               str(data_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().split(": ", 1)[1].strip()
        admin_token = server.stdout.readline().split(": ", 1)[1].strip()
        yield endpoint, admin_token
    finally:
        server.terminate()
        server.wait(timeout=30)


def dispatch_phase(phases: dict[str, Phase], argv: list[str]) -> bool:
    """In a phase subprocess (``--phase NAME ARGS.json``): run it, print its JSON result, return True."""
    if len(argv) == 3 and argv[0] == "--phase":
        name, arg_file = argv[1], argv[2]
        print(json.dumps(phases[name](json.loads(Path(arg_file).read_text()))))
        return True
    return False


def run_phase(script: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one phase of ``script`` in a fresh subprocess, after ``os.sync()`` so no earlier disk write-back
    lands in its timing; returns the phase's result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(args, handle)
    os.sync()
    try:
        out = subprocess.run([sys.executable, script, "--phase", name, handle.name], capture_output=True,
                             text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                       "SYNAPSE_MODELS_PROGRESS": "0"})
    finally:
        os.unlink(handle.name)
    if out.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
