#!/usr/bin/env python3
"""Run the official Synapse Python client's integration suite against ``synapse-models serve``.

Not part of CI (CI has no network to fetch the suite). The yardstick of the embedded server's fidelity:
tests written against synapse.org, run unchanged against a fresh local server.

Getting the suite (its ``tests/`` and ``pytest.ini``) at the commit matching the installed synapseclient::

    git clone https://github.com/Sage-Bionetworks/synapsePythonClient /tmp/spc
    git -C /tmp/spc checkout v4.14.0        # the tag of `pip show synapseclient`, when it exists

or, from a bare mirror without a work tree::

    mkdir /tmp/spc && git -C MIRROR archive COMMIT tests pytest.ini | tar -x -C /tmp/spc

Running it (from the repository root, in the project's venv, which has synapseclient installed)::

    python tools/official_suite.py --suite /tmp/spc                      # the in-scope files
    python tools/official_suite.py --suite /tmp/spc --set table-family   # Dataset, views, JSON schema
    python tools/official_suite.py --suite /tmp/spc tests/integration/synapseclient/test_wikis.py

What it does: starts ``synapse-models serve`` on a free port with a temporary data directory; creates an
ordinary user (the admin token bypasses ACLs) and ``DPETestUser2`` (the team tests invite it); writes
``.synapseConfig`` (token and ``[endpoints]``, the portal under a path containing ``synapse.org``, which
the suite checks) in a temporary HOME; installs what the suite needs and the venv lacks (pytest-asyncio,
pytest-mock, func-timeout, pandas < 3 as synapseclient declares for its tests) into a side folder put
first on ``PYTHONPATH``; makes any connection to a non-loopback host fail at once
(``official_suite_site/sitecustomize.py``); runs pytest and prints passed/failed/skipped per file. The
output folder gets ``junit.xml``, ``results.jsonl`` (one line per test phase), ``refusals.jsonl`` (every
HTTP response >= 400 or slower than 2 s, per test, no headers) and ``summary.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent
SITE_DIR = TOOLS / "official_suite_site"
IT = "tests/integration/"
SC = IT + "synapseclient/"
ASYNC = SC + "models/async/"
OPS = SC + "operations/async/"
CLI_FILE = SC + "test_command_line_client.py"
USER_NAME = "suite-runner"

# The files that cover this library's scope: entities, files, tables, views, wikis, teams, evaluations
# and submissions, permissions, provenance, annotations, synapseutils copy/sync/walk, the CLI.
# Left out: agents, docker, forms, grids, record sets, curation, storage locations and external/sftp
# storage, migration, version check, the download list (cart), and the table family below.
IN_SCOPE = [
    SC + "core/test_REST_request_helpers.py",
    SC + "core/test_caching.py",
    SC + "core/test_download.py",
    SC + "core/upload/test_multipart_upload.py",
    SC + "core/upload/test_multipart_upload_async.py",
    SC + "integration_test.py",
    SC + "integration_test_Entity.py",
    *(
        ASYNC + f"test_{name}_async.py"
        for name in (
            "activity", "column", "entityview", "evaluation", "file", "folder", "permissions", "project",
            "storable_container", "submission", "submission_bundle", "submission_status", "submissionview",
            "table", "team", "user", "wiki",
        )
    ),
    SC + "models/synchronous/test_sync_wrapper_smoke.py",
    *(OPS + f"test_{name}_async.py" for name in ("delete_operations", "factory_operations",
                                                  "factory_operations_store", "utility_operations")),
    CLI_FILE,
    SC + "test_evaluations.py",
    SC + "test_tables.py",
    SC + "test_wikis.py",
    IT + "synapseutils/test_synapseutils_copy.py",
    IT + "synapseutils/test_synapseutils_sync.py",
    IT + "synapseutils/test_synapseutils_walk.py",
]  # fmt: skip
# Issue 11's second and third parts: the table family and JSON schemas.
TABLE_FAMILY = [
    ASYNC + "test_dataset_async.py",
    ASYNC + "test_materializedview_async.py",
    ASYNC + "test_virtualtable_async.py",
    ASYNC + "test_json_schema_async.py",
    ASYNC + "test_schema_organization_async.py",
    SC + "test_json_schema_services.py",
    # Registering and binding JSON schemas with the curator extension's wrappers (no curator extras needed).
    SC + "extensions/curator/test_schema_management.py",
]
SETS = {"in-scope": IN_SCOPE, "table-family": TABLE_FAMILY}

# What the suite imports beyond synapseclient's own dependencies (its ``tests`` extra), as pip specs.
SUITE_NEEDS = {
    "pytest_asyncio": "pytest-asyncio>=1.2,<2",
    "pytest_mock": "pytest-mock>=3,<4",
    "func_timeout": "func-timeout~=4.3",
    "pytest_timeout": "pytest-timeout>=2.2",
}
OUTCOMES = ("passed", "failed", "skipped", "not run")
XDIST_NEEDS = {"xdist": "pytest-xdist>=3.6,<4", "execnet": "execnet>=2.1"}


def _say(message: str) -> None:
    print(f"[official-suite] {message}", file=sys.stderr, flush=True)


def _pandas_major() -> int | None:
    try:
        return int(importlib.metadata.version("pandas").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return None


def prepare_deps(deps_dir: Path, with_xdist: bool) -> Path:
    """Install what the suite needs and this interpreter lacks into ``deps_dir`` (put first on PYTHONPATH).

    pandas >= 3 is shadowed by pandas < 3 there: synapseclient 4.14 declares ``pandas<3`` for its tests.
    """
    needs = dict(SUITE_NEEDS, **(XDIST_NEEDS if with_xdist else {}))
    specs = sorted(spec for module, spec in needs.items() if importlib.util.find_spec(module) is None)
    major = _pandas_major()
    if major is None or major >= 3:
        specs += ["pandas>=1.5,<3", "pytz"]
    marker = deps_dir / "installed.json"
    if specs and not (marker.exists() and set(json.loads(marker.read_text())) >= set(specs)):
        _say(f"installing into {deps_dir}: {' '.join(specs)}")
        shutil.rmtree(deps_dir, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(deps_dir), *specs],
            check=True,
        )
        marker.write_text(json.dumps(specs))
    deps_dir.mkdir(parents=True, exist_ok=True)
    return deps_dir


def _admin(endpoint: str, admin_token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{endpoint}/admin/v1{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


@contextlib.contextmanager
def local_server(data_dir: Path, log_path: Path) -> Iterator[tuple[str, str]]:
    """Run ``synapse-models serve`` on a free port; yield ``(endpoint, admin_token)``."""
    with open(log_path, "w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "synapse_models", "serve", "--port", "0", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert server.stdout is not None
            lines = dict(server.stdout.readline().strip().split(": ", 1) for _ in range(2))
            yield lines["endpoint"], lines["token"]
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def write_config(home: Path, endpoint: str, user_name: str, token: str) -> None:
    """The suite logs in with the ``default`` profile of ``~/.synapseConfig`` (``test_login`` reads the
    user name from it too)."""
    config = home / ".synapseConfig"
    config.write_text(
        "[authentication]\n"
        f"username = {user_name}\n"
        f"authtoken = {token}\n\n"
        "[endpoints]\n"
        f"repoEndpoint = {endpoint}/repo/v1\n"
        f"authEndpoint = {endpoint}/auth/v1\n"
        f"fileHandleEndpoint = {endpoint}/file/v1\n"
        # The suite asserts that web links contain "synapse.org"; nothing is served under this path.
        f"portalEndpoint = {endpoint}/synapse.org/\n"
    )
    config.chmod(0o600)


def suite_env(home: Path, suite: Path, deps: Path, out: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.lower().endswith("_proxy") and not key.startswith(("SYNAPSE_", "PYTEST_"))
    }
    path = [str(SITE_DIR), str(deps), str(suite), env.get("PYTHONPATH", "")]
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(p for p in path if p),
        NO_PROXY="127.0.0.1,localhost,::1",
        OFFICIAL_SUITE_CAPTURE=str(out / "refusals.jsonl"),
        OFFICIAL_SUITE_RESULTS=str(out / "results.jsonl"),
    )
    return env


def run_pytest(files: list[str], args: argparse.Namespace, env: dict[str, str], junit: Path) -> int:
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "official_suite_capture",
        "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=session",
        "-o", "junit_family=xunit1", f"--junitxml={junit}", f"--timeout={args.timeout}",
        "-q", "-rfE", f"--tb={args.tb}", "-W", "ignore::DeprecationWarning",
        "--continue-on-collection-errors",
    ]  # fmt: skip
    if args.workers and CLI_FILE not in files:
        # The official CI's way: scoped fixtures stay on one worker.
        command += ["-n", str(args.workers), "--dist", "loadscope"]
    if args.k:
        command += ["-k", args.k]
    _say(f"pytest on {len(files)} file(s), output in {args.out}")
    with open(args.out / "pytest.log", "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            [*command, *files], cwd=args.suite, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if args.verbose:
                sys.stdout.write(line)
        return process.wait()


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def summarize(files: list[str], out: Path) -> dict[str, Any]:
    """Fold the per-phase results and captured refusals into one outcome per test and counts per file.

    A test is failed when any of its phases (setup, call, teardown) failed, skipped when it was skipped,
    passed when its call passed; a collected test with no outcome, or a file that failed to import,
    is "not run".
    """
    outcome: dict[str, str] = {}
    message: dict[str, str] = {}
    results = out / "results.jsonl"
    for line in results.read_text().splitlines() if results.exists() else []:
        rec = json.loads(line)
        nodeid, phase, result = rec["test"], rec["phase"], rec["outcome"]
        if phase == "collect":
            if result == "failed":
                outcome[nodeid], message[nodeid] = "not run", f"[collect] {rec['message']}"
            else:
                outcome.setdefault(nodeid, "not run")
        elif result == "failed":
            outcome[nodeid] = "failed"
            message.setdefault(nodeid, f"[{phase}] {rec['message']}")
        elif result == "skipped" and outcome.get(nodeid) != "failed":
            outcome[nodeid] = "skipped"
            message.setdefault(nodeid, rec["message"])
        elif phase == "call" and outcome.get(nodeid, "not run") == "not run":
            outcome[nodeid] = "passed"
    refusals: dict[str, list[dict[str, Any]]] = defaultdict(list)
    captured = out / "refusals.jsonl"
    for line in captured.read_text().splitlines() if captured.exists() else []:
        rec = json.loads(line)
        refusals[rec.pop("test")].append(rec)
    per_file = {_file_of(f): dict.fromkeys(OUTCOMES, 0) for f in files}
    for nodeid, result in outcome.items():
        per_file.setdefault(_file_of(nodeid), dict.fromkeys(OUTCOMES, 0))[result] += 1
    total = {k: sum(c[k] for c in per_file.values()) for k in OUTCOMES}
    tests = [
        {"test": n, "outcome": o, "message": message.get(n, ""), "refusals": refusals.get(n, [])}
        for n, o in sorted(outcome.items())
    ]
    return {"files": per_file, "total": total, "percent": _percent(total), "tests": tests}


def _percent(counts: dict[str, int]) -> float:
    ran = counts["passed"] + counts["failed"] + counts["not run"]
    return round(100 * counts["passed"] / ran, 1) if ran else 0.0


def print_table(summary: dict[str, Any], title: str) -> None:
    width = max([len(f) - len(IT) for f in summary["files"]] + [5])
    print(f"\n{title}\n{'file':<{width}}  passed  failed  skipped  not run  pass%")

    def row(name: str, counts: dict[str, int]) -> str:
        return (
            f"{name:<{width}}  {counts['passed']:>6}  {counts['failed']:>6}  {counts['skipped']:>7}"
            f"  {counts['not run']:>7}  {_percent(counts):>5}"
        )

    for name, counts in sorted(summary["files"].items()):
        print(row(name.removeprefix(IT), counts))
    total = summary["total"]
    print(row("TOTAL", total))
    print(f"pass rate of non-skipped tests: {summary['percent']}%")
    if total["not run"]:
        print(f"{total['not run']} collected but not run (import error or crash: see pytest.log)")
    # The plain closing line, in pytest's words.
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")


def select_files(args: argparse.Namespace) -> list[str]:
    chosen = list(args.tests) or [f for name in args.set or ["in-scope"] for f in SETS[name]]
    present = []
    for item in chosen:
        if (args.suite / _file_of(item)).exists():
            present.append(item)
        else:
            _say(f"not in this checkout, skipped: {item}")
    return present


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suite", type=Path, required=True, help="checkout holding tests/integration")
    parser.add_argument("--set", action="append", choices=sorted(SETS), help="named file set (repeatable)")
    parser.add_argument("tests", nargs="*", help="files or node ids relative to --suite (instead of --set)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a new temp folder)")
    parser.add_argument("--timeout", type=int, default=240, help="seconds allowed per test (default 240)")
    parser.add_argument("--workers", type=int, default=0, help="pytest-xdist workers (CLI file runs alone)")
    parser.add_argument("-k", default=None, help="pytest -k expression")
    parser.add_argument("--tb", default="native", help="pytest traceback style (default native, see README)")
    parser.add_argument("--deps-dir", type=Path, default=Path.home() / ".cache" / "synapse-models-suite-deps")
    parser.add_argument("--keep", action="store_true", help="keep the server's data dir and the temp HOME")
    parser.add_argument("-v", "--verbose", action="store_true", help="echo pytest's output")
    args = parser.parse_args(argv)
    args.suite = args.suite.resolve()
    if not (args.suite / IT / "conftest.py").exists():
        parser.error(f"{args.suite} has no {IT}conftest.py")
    args.out = (args.out or Path(tempfile.mkdtemp(prefix="official-suite-"))).resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    files = select_files(args)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in ("results.jsonl", "refusals.jsonl", "pytest.log"):
        (args.out / stale).unlink(missing_ok=True)
    deps = prepare_deps(args.deps_dir, with_xdist=args.workers > 0)
    work = Path(tempfile.mkdtemp(prefix="official-suite-run-"))
    home, data = work / "home", work / "data"
    home.mkdir()
    started = time.monotonic()
    try:
        with local_server(data, args.out / "server.log") as (endpoint, admin_token):
            user = _admin(endpoint, admin_token, "/users", {"userName": USER_NAME})
            _admin(endpoint, admin_token, "/users", {"userName": "DPETestUser2"})
            write_config(home, endpoint, USER_NAME, user["token"])
            env = suite_env(home, args.suite, deps, args.out)
            _say(f"server {endpoint}, user {USER_NAME}, HOME {home}")
            batches = [files]
            if args.workers and CLI_FILE in files:
                batches = [[f for f in files if f != CLI_FILE], [CLI_FILE]]
            for n, batch in enumerate(b for b in batches if b):
                run_pytest(batch, args, env, args.out / f"junit{'' if n == 0 else f'-{n}'}.xml")
    finally:
        if args.keep:
            _say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    summary = summarize(files, args.out)
    summary.update(
        seconds=round(time.monotonic() - started),
        synapseclient=importlib.metadata.version("synapseclient"),
        pandas_installed=importlib.metadata.version("pandas"),
        suite=str(args.suite),
    )
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    print_table(summary, f"official suite against synapse-models serve ({summary['seconds']} s)")
    print(f"details: {args.out}/summary.json")
    return 0 if summary["total"]["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
