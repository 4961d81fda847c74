"""What the client does under injected faults, and how long it takes; run by hand, prints one line per case.

    python tests/benchmarks/bench_retries.py [--calls 500] [--only CASE]

(from the repository root, with the project installed). An in-process LocalSynapse injects each fault; the
client uses the default RetryPolicy unless the case says otherwise. Cases:

* ``retry-after``: one ``503`` with ``Retry-After: 30`` on ``GET /userProfile`` through a connection whose
  policy has ``total_seconds=5``: how long until the call returns or raises.
* ``cut-body``: the body of one ``GET /userProfile`` answer is cut in half under a true Content-Length.
* ``dropped-part``: the connection is dropped three times on the PUT of part 2 of a 12 MiB upload.
* ``cut-download``: three answers of a 12 MiB download are cut in half.
* ``overhead``: ``calls`` sequential ``GET /entity/{id}``, to see what one request costs end to end.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import synapse_models as sm
from synapse_models.local import LocalSynapse

MIB = 1024 * 1024


def _case(name: str, run: Callable[[], str]) -> None:
    started = time.perf_counter()
    try:
        outcome = run()
    except sm.SynapseError as exc:
        outcome = f"raised {type(exc).__name__}: {str(exc)[:90]}"
    print(f"{name:14} {time.perf_counter() - started:7.2f} s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument(
        "--only", choices=["retry-after", "cut-body", "dropped-part", "cut-download", "overhead"]
    )
    args = parser.parse_args()

    def case(name: str, run: Callable[[], str]) -> None:
        if args.only in (None, name):
            _case(name, run)

    with tempfile.TemporaryDirectory() as tmp, LocalSynapse(data_dir=Path(tmp) / "data") as server:
        token = str(server.create_user("bench"))
        conn = sm.connect(token, endpoint=server.endpoint)
        project = sm.Project(name=f"retries {time.time()}").store()
        source = Path(tmp) / "twelve.bin"
        source.write_bytes(os.urandom(12 * MIB))

        hasty = sm.connect(
            token, endpoint=server.endpoint, name="hasty", retry=sm.RetryPolicy(total_seconds=5)
        )

        def retry_after() -> str:
            server.inject_fault(method="GET", path="/repo/v1/userProfile", status=503, retry_after=30)
            return f"answered as {hasty.get('/userProfile')['userName']}"

        def cut_body() -> str:
            server.inject_fault(method="GET", path="/repo/v1/userProfile", truncate_body=True)
            return f"answered as {conn.get('/userProfile')['userName']}"

        def dropped_part() -> str:
            server.inject_fault(
                method="PUT", path="/file/v1/presigned/upload/*/2", drop_connection=True, times=3
            )
            stored = sm.File(source, parent=project).store()
            return f"stored {stored.id}"

        def cut_download() -> str:
            stored = sm.File.get(project_file_id[0], download=False)
            server.inject_fault(
                method="GET", path="/file/v1/presigned/download/*", truncate_body=True, times=3
            )
            got = sm.File.get(stored.id, download_location=Path(tmp) / "down")
            return f"downloaded {Path(str(got.path)).stat().st_size // MIB} MiB"

        project_file_id: list[Any] = []
        case("retry-after", retry_after)
        case("cut-body", cut_body)
        case("dropped-part", dropped_part)
        server.clear_faults()
        project_file_id.append(sm.File(source, parent=project, name="again.bin").store().id)
        source.unlink()
        case("cut-download", cut_download)
        server.clear_faults()
        folder = sm.Folder(name="one", parent=project).store()

        def overhead() -> str:
            for _ in range(args.calls):
                conn.get(f"/entity/{folder.id}")
            return f"{args.calls} calls"

        if args.only in (None, "overhead"):
            started = time.perf_counter()
            _case("overhead", overhead)
            print(f"{'':14} {(time.perf_counter() - started) / args.calls * 1000:7.2f} ms per request")


if __name__ == "__main__":
    main()
