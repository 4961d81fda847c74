"""Start-up benchmark of the command line (issue 9): ``synapse-models get synX`` versus the official
``synapse get synX``, whole processes, one small file, against the same server.

    python tests/benchmarks/bench_cli.py [--runs 9]

(from the repository root, with the project installed: both console scripts must be on PATH next to the
Python running this script.)

One LocalSynapse runs in its own process. Each command gets its own HOME holding the same
``~/.synapseConfig`` (the token and the server's endpoints). One warm-up run each is discarded (it writes
bytecode caches); then the commands run in turn, ``--runs`` times each, every run into a fresh empty directory
and with an empty download cache, so every run really downloads the file. The minimum and median wall times
are printed with the ratios, and how many requests one run sends. The official command is timed as users type
it and with ``-s`` (no update or endpoint-redirect checks), its fastest form; the ratio that counts is against
the faster of the two. For reference, the same download as a bare Python one-liner over the library shows the
floor that the library's own import and requests set under any command line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import admin, local_server

BIN = Path(sys.executable).parent


def _config(home: Path, endpoint: str, token: str) -> None:
    home.mkdir(parents=True)
    (home / ".synapseConfig").write_text(
        f"[default]\nauthtoken = {token}\n\n[endpoints]\nrepoEndpoint = {endpoint}/repo/v1\n"
        f"authEndpoint = {endpoint}/auth/v1\nfileHandleEndpoint = {endpoint}/file/v1\n"
        f"portalEndpoint = {endpoint}/\n"
    )


def _timed(command: list[str], home: Path, target: Path) -> float:
    for directory in (target, home / ".synapseCache"):
        if directory.exists():
            shutil.rmtree(directory)
    target.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
    env.update(HOME=str(home), SYNAPSE_MODELS_PROGRESS="0")
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=target, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not any(target.iterdir()):
        raise RuntimeError(f"{command} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    import synapse_models as sm

    with (
        tempfile.TemporaryDirectory(prefix="bench-cli-") as scratch,
        local_server(Path(scratch) / "server") as (endpoint, admin_token),
    ):
        root = Path(scratch)
        token = admin(endpoint, admin_token, "POST", "/users", {"userName": "bench"})["token"]
        sm.connect(token, endpoint=endpoint)
        project = sm.Project(name="bench cli").store()
        small = root / "small.txt"
        small.write_text("a small file\n" * 10)
        file_id = str(sm.File(small, parent=project).store().id)
        commands = {
            "synapse-models get": [str(BIN / "synapse-models"), "get", file_id],
            "synapse get": [str(BIN / "synapse"), "get", file_id],
            "synapse -s get": [str(BIN / "synapse"), "-s", "get", file_id],
            # the floor under any command line built on the library: the same download from Python
            "python -c (API only)": [
                sys.executable,
                "-c",
                "import synapse_models as sm; "
                f"sm.File.get({file_id!r}, download_location='.', progress=False)",
            ],
        }
        homes = {name: root / f"home{n}" for n, name in enumerate(commands)}
        for name, home in homes.items():
            _config(home, endpoint, token)
            _timed(commands[name], home, root / "warm-up")  # bytecode caches
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for run in range(args.runs):
            for name in names[run % len(names) :] + names[: run % len(names)]:
                times[name].append(_timed(commands[name], homes[name], root / "run"))
        requests = {}
        for name, command in commands.items():  # one more run each, counting what reaches the server
            admin(endpoint, admin_token, "DELETE", "/stats")
            _timed(command, homes[name], root / "run")
            requests[name] = admin(endpoint, admin_token, "GET", "/stats")["totalRequests"]
        print(f"get {file_id} (one {small.stat().st_size}-byte file), whole process, {args.runs} runs each:")
        for name, values in times.items():
            print(
                f"  {name:<20} min {min(values):.3f} s   median {statistics.median(values):.3f} s   "
                f"{requests[name]} requests"
            )
        ours = times["synapse-models get"]
        official = min((times["synapse get"], times["synapse -s get"]), key=statistics.median)
        median, fastest = statistics.median(ours) / statistics.median(official), min(ours) / min(official)
        print(f"  ratio to the faster official form: median {median:.2f}x, min {fastest:.2f}x")


if __name__ == "__main__":
    main()
