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
import logging
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

from tests.netproxy import CONTROL_PREFIX
from tests.peer import official_client

MIB = 1024 * 1024
Attempt = Callable[[list[str]], dict[str, str | None]]  # pending keys -> key: error text or None


def _md5(path: str | Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(MIB), b""):
            digest.update(piece)
    return digest.hexdigest()


def _error(exc: BaseException) -> str:
    text = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in text:
        text += f" [from {type(cause).__qualname__}: {cause}]"
    return text[:600]


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


def _loop(op: Callable[[str], None]) -> Attempt:
    def attempt(pending: list[str]) -> dict[str, str | None]:
        outcome: dict[str, str | None] = {}
        for key in pending:
            try:
                op(key)
                outcome[key] = None
            except Exception as exc:  # every failure is the finding: recorded, never hidden
                outcome[key] = _error(exc)
        return outcome

    return attempt


def _small_files(a: dict[str, Any], work: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    folder = work / "small"
    folder.mkdir()
    files = {}
    for i in range(a["files"]):
        path = folder / f"small_{i:05d}.txt"
        path.write_bytes(os.urandom(512).hex().encode())
        files[path.name] = (str(path), {"index": i, "kind": "small", "passed": i % 2 == 0})
    return files


def _big_files(a: dict[str, Any], work: Path, tag: str) -> dict[str, str]:
    files = {}
    for k in range(a["big_count"]):
        path = work / f"{tag}-{k}.bin"
        with open(path, "wb") as out:
            for _ in range(a["big_mib"]):
                out.write(os.urandom(MIB))
        files[path.name] = str(path)
    return files


def _frame(rows: int) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {"i": range(rows), "v": [i * 7 % 1000 for i in range(rows)], "label": [f"r{i}" for i in range(rows)]}
    )


def _frame_summary(df: Any) -> dict[str, int]:
    i = df["i"].astype("int64")
    return {"rows": len(df), "distinct": int(i.nunique()), "sum_v": int(df["v"].astype("int64").sum())}


# -- our client --------------------------------------------------------------------------------------------


def _ours(a: dict[str, Any], progress: Progress, work: Path) -> None:
    import synapse_models as sm

    os.environ["SYNAPSE_CACHE"] = str(work / "cache")
    setup_cache = str(work / "setup-cache")  # setup's uploads must not serve the workload's downloads
    direct = sm.connect(a["token"], endpoint=a["direct"], name="direct")
    net = None
    for _ in range(20):  # connecting reads the user's profile, through the faults: a user tries again
        try:
            net = sm.connect(a["token"], endpoint=a["proxied"], name="net")
            break
        except Exception as exc:
            progress.data["notes"].append(f"connect: {_error(exc)}")
    assert net is not None
    project = sm.Project(name=f"reliability {a['client']} {a['workload']} {os.urandom(4).hex()}").store(
        connection=direct
    )
    workload = a["workload"]

    if workload.startswith("small"):
        folder = sm.Folder(name="small", parent=project).store(connection=direct)
        files = _small_files(a, work)
        progress.data["expected"] = {
            "small": {
                "kind": "files",
                "parent": folder.id,
                "files": {
                    name: {"md5": _md5(path), "annotations": ann} for name, (path, ann) in files.items()
                },
            }
        }
        progress.save()

        def one(name: str) -> Any:
            return sm.File(files[name][0], parent=folder.id, annotations=files[name][1])

        if workload == "small-bulk":

            def bulk(pending: list[str]) -> dict[str, str | None]:
                results = sm.store_all([one(name) for name in pending], connection=net)
                return {
                    name: None if r.error is None else _error(r.error)
                    for name, r in zip(pending, results, strict=True)
                }

            progress.stage("small", list(files), bulk)
        else:
            progress.stage("small", list(files), _loop(lambda name: one(name).store(connection=net)))

    elif workload == "big":
        up_folder = sm.Folder(name="up", parent=project).store(connection=direct)
        ups = _big_files(a, work, "up")
        downs = _big_files(a, work, "down")
        sources = {
            name: sm.File(path, parent=project).store(connection=direct, cache_root=setup_cache).id
            for name, path in downs.items()
        }
        want = {name: _md5(path) for name, path in downs.items()}
        progress.data["expected"] = {
            "upload": {
                "kind": "files",
                "parent": up_folder.id,
                "files": {name: {"md5": _md5(path)} for name, path in ups.items()},
            }
        }
        progress.save()
        progress.stage(
            "upload",
            list(ups),
            _loop(lambda name: sm.File(ups[name], parent=up_folder.id).store(connection=net, progress=False)),
        )
        attempts = Counter[str]()

        def download(name: str) -> None:
            attempts[name] += 1
            into = work / "got" / f"{name}-{attempts[name]}"
            got = sm.File.get(sources[name], download_location=into, connection=net, progress=False)
            if _md5(str(got.path)) != want[name]:
                progress.data["notes"].append(f"SILENTLY WRONG download of {name}")
                raise AssertionError(f"downloaded bytes differ ({name}; no error raised)")

        progress.stage("download", list(downs), _loop(download))

    elif workload == "table":
        columns = [
            sm.Column("i", "INTEGER"),
            sm.Column("v", "INTEGER"),
            sm.Column("label", "STRING", maximum_size=20),
        ]
        table = sm.Table(name="rows", parent=project, columns=columns).store(connection=direct)
        df = _frame(a["rows"])
        progress.data["expected"] = {"append": {"kind": "table", "table": table.id, "rows": a["rows"]}}
        progress.save()
        progress.stage("append", ["append"], _loop(lambda _: table.append(df, connection=net)))

        def query(_: str) -> None:
            progress.data.setdefault("returned", []).append(_frame_summary(table.query(connection=net)))

        progress.stage("query", ["query"], _loop(query))

    elif workload == "annotations":
        files = _small_files({**a, "files": a["annotations"]}, work)
        stored = sm.store_all(
            [
                sm.File(path, parent=project, annotations={"round": 0, "note": "initial"})
                for path, _ in files.values()
            ],
            connection=direct,
            cache_root=setup_cache,
        )
        stored.raise_first()
        ids = [r.entity.id for r in stored]
        new = {
            entity_id: {"round": 1, "note": f"updated {k}", "score": k + 0.5}
            for k, entity_id in enumerate(ids)
        }
        progress.data["expected"] = {
            "update": {
                "kind": "annotations",
                "entities": {
                    r.entity.id: {"annotations": new[r.entity.id], "handle": r.entity.data_file_handle_id}
                    for r in stored
                },
            }
        }
        progress.save()

        def update(entity_id: str) -> None:
            entity = sm.File.get(entity_id, download=False, connection=net)
            entity.annotations = new[entity_id]
            entity.store(connection=net)

        progress.stage("update", ids, _loop(update))


# -- the official client -----------------------------------------------------------------------------------


def _official(a: dict[str, Any], progress: Progress, work: Path) -> None:
    from synapseclient import File as LegacyFile
    from synapseclient.models import Column, ColumnType, File, Folder, Project, Table

    warnings.simplefilter("ignore")  # its deprecation notices
    direct = official_client(
        SimpleNamespace(endpoint=a["direct"]), a["token"], work / "home-direct", log_level=logging.CRITICAL
    )
    net = None
    for _ in range(20):  # logging in reads the user's profile, through the faults
        try:
            net = official_client(
                SimpleNamespace(endpoint=a["proxied"]),
                a["token"],
                work / "home-net",
                log_level=logging.CRITICAL,
            )
            break
        except Exception as exc:
            progress.data["notes"].append(f"login: {_error(exc)}")
    assert net is not None
    project = Project(name=f"reliability {a['client']} {a['workload']} {os.urandom(4).hex()}").store(
        synapse_client=direct
    )
    workload = a["workload"]

    if workload.startswith("small"):
        folder = Folder(name="small", parent_id=project.id).store(synapse_client=direct)
        files = _small_files(a, work)
        progress.data["expected"] = {
            "small": {
                "kind": "files",
                "parent": folder.id,
                "files": {
                    name: {"md5": _md5(path), "annotations": ann} for name, (path, ann) in files.items()
                },
            }
        }
        progress.save()

        def one(name: str) -> Any:
            return File(path=files[name][0], parent_id=folder.id, annotations=files[name][1])

        if workload == "small-bulk":  # the models' bulk store: a Folder with files (failures are logged)

            def bulk(pending: list[str]) -> dict[str, str | None]:
                objects = [one(name) for name in pending]
                try:
                    container = Folder(id=folder.id).get(synapse_client=net)
                    container.files = objects
                    container.store(synapse_client=net)
                except Exception as exc:
                    raised = _error(exc)
                else:
                    raised = "not stored, and no error raised"
                return {name: None if f.id else raised for name, f in zip(pending, objects, strict=True)}

            progress.stage("small", list(files), bulk)
        elif workload == "small-legacy":
            progress.stage(
                "small",
                list(files),
                _loop(
                    lambda name: net.store(
                        LegacyFile(files[name][0], parent=folder.id, annotations=files[name][1])
                    )
                ),
            )
        else:
            progress.stage("small", list(files), _loop(lambda name: one(name).store(synapse_client=net)))

    elif workload == "big":
        up_folder = Folder(name="up", parent_id=project.id).store(synapse_client=direct)
        ups = _big_files(a, work, "up")
        downs = _big_files(a, work, "down")
        sources = {
            name: File(path=path, parent_id=project.id).store(synapse_client=direct).id
            for name, path in downs.items()
        }
        want = {name: _md5(path) for name, path in downs.items()}
        progress.data["expected"] = {
            "upload": {
                "kind": "files",
                "parent": up_folder.id,
                "files": {name: {"md5": _md5(path)} for name, path in ups.items()},
            }
        }
        progress.save()
        progress.stage(
            "upload",
            list(ups),
            _loop(lambda name: File(path=ups[name], parent_id=up_folder.id).store(synapse_client=net)),
        )
        attempts = Counter[str]()

        def download(name: str) -> None:
            attempts[name] += 1
            into = work / "got" / f"{name}-{attempts[name]}"
            into.mkdir(parents=True)
            got = File(id=sources[name], path=str(into)).get(synapse_client=net)
            if got.path is None or _md5(got.path) != want[name]:
                progress.data["notes"].append(f"SILENTLY WRONG download of {name}")
                raise AssertionError(f"downloaded bytes differ ({name}; no error raised)")

        progress.stage("download", list(downs), _loop(download))

    elif workload == "table":
        columns = [
            Column(name="i", column_type=ColumnType.INTEGER),
            Column(name="v", column_type=ColumnType.INTEGER),
            Column(name="label", column_type=ColumnType.STRING, maximum_size=20),
        ]
        table = Table(name="rows", parent_id=project.id, columns=columns).store(synapse_client=direct)
        df = _frame(a["rows"])
        progress.data["expected"] = {"append": {"kind": "table", "table": table.id, "rows": a["rows"]}}
        progress.save()
        progress.stage(
            "append",
            ["append"],
            _loop(lambda _: Table(id=table.id).store_rows(values=df, synapse_client=net)),
        )

        def query(_: str) -> None:
            back = Table.query(query=f"SELECT * FROM {table.id}", synapse_client=net)
            progress.data.setdefault("returned", []).append(_frame_summary(back))

        progress.stage("query", ["query"], _loop(query))

    elif workload == "annotations":
        files = _small_files({**a, "files": a["annotations"]}, work)
        stored = [
            File(path=path, parent_id=project.id, annotations={"round": 0, "note": "initial"}).store(
                synapse_client=direct
            )
            for path, _ in files.values()
        ]
        new = {f.id: {"round": 1, "note": f"updated {k}", "score": k + 0.5} for k, f in enumerate(stored)}
        progress.data["expected"] = {
            "update": {
                "kind": "annotations",
                "entities": {
                    f.id: {"annotations": new[f.id], "handle": f.data_file_handle_id} for f in stored
                },
            }
        }
        progress.save()

        def update(entity_id: str) -> None:
            entity = File(id=entity_id, download_file=False).get(synapse_client=net)
            entity.annotations = new[entity_id]
            entity.store(synapse_client=net)

        progress.stage("update", list(new), _loop(update))


def phase_work(a: dict[str, Any]) -> dict[str, Any]:
    """One workload of one client (``a["client"]``: ``ours`` or ``official``)."""
    work = Path(a["work"])
    work.mkdir(parents=True, exist_ok=True)
    progress = Progress(a)
    progress.save()
    (_ours if a["client"] == "ours" else _official)(a, progress, work)
    return progress.data
