"""Reliability under network faults (issue 10): our client and the official one, same server, run by hand.

    python tests/benchmarks/bench_reliability.py [--only small,big,table,annotations]
        [--clients ours,official] [--fault-rate 0,0.2,0.5] [--files 200] [--big-mib 64] [--big-count 3]
        [--rows 100000] [--annotations 100] [--reruns 3] [--stall-seconds 5] [--timeout 1800]
        [--json results.json]

One LocalSynapse runs in its own process; a fault proxy (``tests/netproxy``, in this process) sits between it
and the client, faulting ``--fault-rate`` of the requests with every kind it has (503/429 with Retry-After,
500 after the work, resets before/inside/after the request and inside the response, truncated bodies,
stalls), seeded. Each workload of each client runs at each rate in a fresh subprocess, as a fresh user:

* ``small-bulk``: N files of 1 KiB with 3 annotations into one folder -- ``sm.store_all`` / the official
  models' ``Folder(files=[...]).store()``;
* ``small-loop``: the same with a loop of ``File(...).store()`` (ours / the official models');
* ``small-legacy``: the official client's ``syn.store(File(...))`` loop (official only);
* ``big``: ``--big-count`` files of ``--big-mib`` MiB uploaded, and as many (stored beforehand) downloaded,
  each download's md5 checked;
* ``table``: a ``--rows`` table appended (``Table.append`` / ``store_rows``), then queried whole;
* ``annotations``: N files (stored beforehand) each fetched, given new annotations and stored.

Each stage runs once over its items, then up to ``--reruns`` times over the items that raised (fresh objects,
as a user re-running the failed part of a script). Then the server is checked directly (no proxy, plain REST
as the owner): every file present once, in version 1, with its annotations, its bytes' md5 right (downloaded
here); the table's rows each present once with the right values; the queries' and downloads' results right.
Reported per workload, client and rate: items done after the first run and after the re-runs, what the check
found (lost, duplicated, extra versions, wrong annotations, wrong content, and how many of those the client
had reported as done: silently wrong), requests through the proxy and faults, and time, each against the
same workload without faults; then every distinct error text. A phase that exceeds ``--timeout`` seconds
(the official client retries some faults for up to 20-30 minutes) is killed and reported as timed out.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from _harness import admin, dispatch_phase, local_server, run_phase
from _reliability_check import Server, check_annotations, check_files, check_table
from _reliability_work import phase_work

from tests.netproxy import FaultProxy

PHASES = {"work": phase_work}
WORKLOADS = ("small-bulk", "small-loop", "small-legacy", "big", "table", "annotations")
LABELS = {
    ("ours", "small-bulk"): "sm.store_all",
    ("ours", "small-loop"): "File.store() loop",
    ("ours", "big"): "File.store / File.get",
    ("ours", "table"): "Table.append / query",
    ("ours", "annotations"): "File.get + store",
    ("official", "small-bulk"): "models Folder(files=).store",
    ("official", "small-loop"): "models File.store() loop",
    ("official", "small-legacy"): "syn.store(File) loop",
    ("official", "big"): "models File.store / get",
    ("official", "table"): "models store_rows / query",
    ("official", "annotations"): "models File.get + store",
}
CHECKS = ("lost", "duplicated", "extra_versions", "wrong_annotations", "wrong_content")


def _verify(server: Server, report: dict[str, Any], stage: dict[str, Any]) -> dict[str, Any]:
    """What the server holds for one stage, against what the phase meant to write."""
    expected = report.get("expected", {}).get(stage["name"])
    if stage["name"] == "query":
        truth = report.get("_append_check")
        returned = report.get("returned", [])
        good = bool(
            truth and returned and returned[-1] == {k: truth[k] for k in ("rows", "distinct", "sum_v")}
        )
        done = stage["items"] - len(stage["failed"])
        return {
            "ok": int(good),
            "wrong_content": int(done > 0 and not good),
            "bad": [] if good else ["query"],
            "examples": [] if good else [f"returned {returned[-1:]} vs server {truth}"],
        }
    if stage["name"] == "download":
        wrong = sum(1 for note in report.get("notes", []) if note.startswith("SILENTLY WRONG"))
        return {
            "ok": stage["items"] - len(stage["failed"]),
            "wrong_content": wrong,
            "bad": [],
            "examples": [],
        }
    if expected is None:
        return {"ok": 0, "bad": [], "examples": ["nothing to check: the phase ended before its setup"]}
    if expected["kind"] == "files":
        return check_files(server, expected)
    if expected["kind"] == "table":
        tally = check_table(server, expected)
        report["_append_check"] = tally
        return tally
    return check_annotations(server, expected)


def _run_one(
    args: argparse.Namespace,
    endpoint: str,
    admin_token: str,
    client: str,
    workload: str,
    rate: float,
    scratch: Path,
) -> list[dict[str, Any]]:
    name = re.sub(r"[^A-Za-z0-9]", "-", f"{client}-{workload}-{rate}")
    user = admin(endpoint, admin_token, "POST", "/users", {"userName": f"rel-{name}"})
    work = scratch / name
    progress = scratch / f"{name}.json"
    a = {
        "client": client,
        "workload": workload,
        "direct": endpoint,
        "token": user["token"],
        "work": str(work),
        "progress": str(progress),
        "files": args.files,
        "big_mib": args.big_mib,
        "big_count": args.big_count,
        "rows": args.rows,
        "annotations": args.annotations,
        "reruns": args.reruns,
    }
    timed_out = False
    with FaultProxy(
        endpoint, rate, seed=args.seed, stall_seconds=args.stall_seconds, retry_after=args.retry_after
    ) as proxy:
        a["proxied"] = proxy.endpoint
        try:
            report = run_phase(__file__, "work", a, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            report = json.loads(progress.read_text()) if progress.exists() else {"stages": []}
        except RuntimeError as exc:  # the phase itself broke (its setup): say so, keep going
            print(f"    {client} {workload} at {rate:.0%}: phase failed: {str(exc)[-1500:]}", flush=True)
            report = json.loads(progress.read_text()) if progress.exists() else {"stages": []}
            report.setdefault("notes", []).append(f"phase failed: {str(exc)[-600:]}")
        totals = proxy.stats()
    server = Server(endpoint, user["token"])
    rows = []
    try:
        for stage in report["stages"]:
            check = _verify(server, report, stage)
            done = stage["items"] - len(stage["failed"])
            silent = (
                len(set(check.get("bad", [])) - set(stage["failed"]))
                if stage["name"] != "download"
                else (check.get("wrong_content", 0))
            )
            rows.append(
                {
                    "client": client,
                    "workload": workload,
                    "label": LABELS[client, workload],
                    "stage": stage["name"],
                    "rate": rate,
                    "items": stage["items"],
                    "first": stage["items"]
                    - (stage["runs"][0]["failed"] if stage["runs"] else stage["items"]),
                    "done": done,
                    "runs": len(stage["runs"]),
                    "complete": stage["done"] and not timed_out,
                    "timed_out": timed_out and not stage["done"],
                    "requests": sum(r["requests"] for r in stage["runs"]),
                    "faulted": sum(r["faulted"] for r in stage["runs"]),
                    "seconds": sum(r["seconds"] for r in stage["runs"]),
                    "check": {k: v for k, v in check.items() if k != "bad"},
                    "silent": silent,
                    "errors": stage["errors"],
                    "examples": stage["examples"],
                    "notes": report.get("notes", [])[:20] if not rows else [],
                    "proxy_errors": totals["errors"],
                }
            )
    finally:
        server.close()
    return rows


def _print_row(row: dict[str, Any], base: dict[str, Any] | None) -> None:
    check = row["check"]
    found = ", ".join(f"{check[k]} {k.replace('_', ' ')}" for k in CHECKS if check.get(k)) or "all right"
    extra = time = ""
    if base and base["requests"]:
        extra = f" ({(row['requests'] - base['requests']) / base['requests']:+.0%})"
    if base and base["seconds"] > 0:
        time = f" ({row['seconds'] / base['seconds']:.1f}x)"
    state = " TIMED OUT" if row["timed_out"] else ""
    silent = f" ({row['silent']} reported done)" if row["silent"] else ""
    print(
        f"  {row['label']:<28} {row['stage']:<9} {row['rate']:>4.0%}  done {row['first']:>4}/{row['items']} "
        f"after 1 run, {row['done']:>4}/{row['items']} after {row['runs']}{state} | check: {found}{silent}"
        f" | {row['requests']} requests{extra}, {row['faulted']} faulted | {row['seconds']:.1f} s{time}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        default="small,big,table,annotations",
        help=f"comma-separated workloads ({', '.join(WORKLOADS)}; 'small' = the three small-*)",
    )
    parser.add_argument("--clients", default="ours,official")
    parser.add_argument(
        "--fault-rate", default="0,0.2,0.5", help="comma-separated fractions of requests faulted"
    )
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--big-mib", type=int, default=64)
    parser.add_argument("--big-count", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=100)
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    parser.add_argument("--retry-after", type=float, default=1.0, help="Retry-After of the proxy's 503/429")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per workload, client and rate")
    parser.add_argument("--json", help="also write every row (with all error texts) to this file")
    if dispatch_phase(PHASES, sys.argv[1:]):
        return
    args = parser.parse_args()
    workloads = [
        w for item in args.only.split(",") for w in WORKLOADS if w == item or w.startswith(f"{item}-")
    ]
    clients = args.clients.split(",")
    rates = sorted({0.0, *(float(r) for r in args.fault_rate.split(","))})

    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-reliability-") as scratch,
        local_server(Path(scratch) / "server", log=Path(scratch) / "server.log") as (endpoint, admin_token),
    ):
        print(
            f"LocalSynapse at {endpoint} (separate process); fault rates {rates}, seed {args.seed}, "
            f"stalls {args.stall_seconds:g} s, Retry-After {args.retry_after:g} s, {args.reruns} re-runs, "
            f"timeout {args.timeout:g} s per phase",
            flush=True,
        )
        for workload in workloads:
            for client in clients:
                if (client, workload) not in LABELS:
                    continue
                base: dict[str, dict[str, Any]] = {}
                for rate in rates:
                    for row in _run_one(args, endpoint, admin_token, client, workload, rate, Path(scratch)):
                        rows.append(row)
                        if rate == 0:
                            base[row["stage"]] = row
                        _print_row(row, base.get(row["stage"]))
        _print_errors(rows)
        _print_server_log(Path(scratch) / "server.log")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def _print_errors(rows: list[dict[str, Any]]) -> None:
    print("\nerrors raised (per workload, client and rate; count, then one example):")
    for row in rows:
        if not row["errors"] and not row["notes"]:
            continue
        print(f"  {row['label']} {row['stage']} at {row['rate']:.0%}:")
        for shape, count in sorted(row["errors"].items(), key=lambda item: -item[1]):
            print(f"    {count:>4} x {row['examples'][shape][:400]}")
        for note in row["notes"][:5]:
            print(f"         note: {note[:300]}")


def _print_server_log(log: Path) -> None:
    """How many tracebacks the server logged, grouped by their last line (an unhandled exception each)."""
    lines = log.read_text(errors="replace").splitlines()
    ends: Counter[str] = Counter()
    for n, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = next(
                (later for later in lines[n + 1 :] if later and not later.startswith((" ", "\t"))), "?"
            )
            ends[re.sub(r"\d+", "N", end)[:200]] += 1
    print(f"\nserver log: {sum(ends.values())} tracebacks")
    for end, count in ends.most_common():
        print(f"  {count:>5} x {end}")


if __name__ == "__main__":
    main()
