"""The reliability workloads, for our client and for the official one (run by ``bench_reliability.py``, one
workload of one client per phase subprocess).

A phase sets its data up straight to the server (no faults), then runs each stage of the workload through
the fault proxy: one run over every item, then up to ``reruns`` runs over what failed, as a user re-running
the failed part of a script would (fresh objects, the same files, the same session and cache). After setup
and after every run it rewrites ``a["progress"]`` (JSON), so a phase killed at its time limit still reports.
Each stage records, per run, the items attempted and failed, the time, and the proxy's request and fault
counters (read from its control path, which is never delayed or faulted); each failure's exception text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.netproxy import CONTROL_PREFIX

MIB = 1024 * 1024
Attempt = Callable[[list[str]], dict[str, str | None]]  # pending keys -> key: error text or None


def md5_of(path: str | Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(MIB), b""):
            digest.update(piece)
    return digest.hexdigest()


def error_text(exc: BaseException) -> str:
    """The exception's type and text, and its cause's; a presigned URL's signature blanked (it is a secret:
    these texts go into reports)."""
    text = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in text:
        text += f" [from {type(cause).__qualname__}: {cause}]"
    return re.sub(r"(X-Amz-Signature=)[0-9a-fA-F]+", r"\1<redacted>", text)[:600]


def _shape(text: str) -> str:
    """An error text with ids, numbers and addresses blanked, so that the same failure groups together."""
    text = re.sub(r"http://[^\s'\"]+", "<url>", text)
    text = re.sub(r"syn\d+(\.\d+)?", "synN", text)
    return re.sub(r"\d+", "N", text)[:300]


class Progress:
    """The phase's report, rewritten to disk after every change."""

    def __init__(self, a: dict[str, Any]) -> None:
        self.a = a
        self.path = Path(a["progress"])
        self.data: dict[str, Any] = {"stages": [], "expected": {}, "notes": []}

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.data))
        temporary.replace(self.path)

    def proxy(self) -> dict[str, Any]:
        response = requests.get(f"{self.a['proxied']}{CONTROL_PREFIX}stats", timeout=60)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return {"requests": stats["requests"], "faulted": stats["faulted"], "faults": stats["faults"]}

    def stage(self, name: str, keys: list[str], attempt: Attempt) -> dict[str, Any]:
        """Run ``attempt`` over ``keys``, then again over the failures, up to ``reruns`` times."""
        stage: dict[str, Any] = {
            "name": name,
            "items": len(keys),
            "runs": [],
            "errors": {},
            "examples": {},
            "failed": list(keys),
            "done": False,
        }
        self.data["stages"].append(stage)
        pending = list(keys)
        for _ in range(1 + self.a["reruns"]):
            if not pending:
                break
            before, started = self.proxy(), time.perf_counter()
            outcome = attempt(pending)
            seconds = time.perf_counter() - started
            after = self.proxy()
            pending = [key for key in pending if outcome.get(key, "not attempted") is not None]
            for key, text in outcome.items():
                if text is not None:
                    shape = _shape(text)
                    stage["errors"][shape] = stage["errors"].get(shape, 0) + 1
                    stage["examples"].setdefault(shape, f"{key}: {text}")
            faults = Counter(after["faults"]) - Counter(before["faults"])
            stage["runs"].append(
                {
                    "attempted": len(outcome),
                    "failed": len(pending),
                    "seconds": seconds,
                    "requests": after["requests"] - before["requests"],
                    "faulted": after["faulted"] - before["faulted"],
                    "faults": dict(faults),
                }
            )
            stage["failed"] = pending
            self.save()
        stage["done"] = True
        self.save()
        return stage


def loop(op: Callable[[str], None]) -> Attempt:
    def attempt(pending: list[str]) -> dict[str, str | None]:
        outcome: dict[str, str | None] = {}
        for key in pending:
            try:
                op(key)
                outcome[key] = None
            except Exception as exc:  # every failure is the finding: recorded, never hidden
                outcome[key] = error_text(exc)
        return outcome

    return attempt


def small_files(a: dict[str, Any], work: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    folder = work / "small"
    folder.mkdir()
    files = {}
    for i in range(a["files"]):
        path = folder / f"small_{i:05d}.txt"
        path.write_bytes(os.urandom(512).hex().encode())
        files[path.name] = (str(path), {"index": i, "kind": "small", "passed": i % 2 == 0})
    return files


def big_files(a: dict[str, Any], work: Path, tag: str) -> dict[str, str]:
    files = {}
    for k in range(a["big_count"]):
        path = work / f"{tag}-{k}.bin"
        with open(path, "wb") as out:
            for _ in range(a["big_mib"]):
                out.write(os.urandom(MIB))
        files[path.name] = str(path)
    return files


def frame(rows: int) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {"i": range(rows), "v": [i * 7 % 1000 for i in range(rows)], "label": [f"r{i}" for i in range(rows)]}
    )


def frame_summary(df: Any) -> dict[str, int]:
    i = df["i"].astype("int64")
    return {"rows": len(df), "distinct": int(i.nunique()), "sum_v": int(df["v"].astype("int64").sum())}


def phase_work(a: dict[str, Any]) -> dict[str, Any]:
    """One workload of one client (``a["client"]``: ``ours`` or ``official``)."""
    work = Path(a["work"])
    work.mkdir(parents=True, exist_ok=True)
    progress = Progress(a)
    progress.save()
    if a["client"] == "ours":
        from _reliability_ours import run
    else:
        from _reliability_official import run
    run(a, progress, work)
    return progress.data
