"""The reliability workloads with the official client (see ``_reliability_work.py``)."""

from __future__ import annotations

import logging
import os
import warnings
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _reliability_work import (
    Progress,
    big_files,
    error_text,
    frame,
    frame_summary,
    loop,
    md5_of,
    small_files,
)

from tests.peer import official_client


class _Logged(logging.Handler):
    """Keeps the text of every record at ERROR or above (what a user would see on the console)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(error_text(Exception(record.getMessage()))[len("builtins.Exception: ") :][:300])


def run(a: dict[str, Any], progress: Progress, work: Path) -> None:
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
                log_level=logging.ERROR,  # so that _Logged below sees its failures
                cache_client=True,  # its default: some of its retry paths fall back to the cached client
            )
            break
        except Exception as exc:
            progress.data["notes"].append(f"login: {error_text(exc)}")
    assert net is not None
    project = Project(name=f"reliability {a['client']} {a['workload']} {os.urandom(4).hex()}").store(
        synapse_client=direct
    )
    workload = a["workload"]

    if workload.startswith("small"):
        folder = Folder(name="small", parent_id=project.id).store(synapse_client=direct)
        files = small_files(a, work)
        progress.data["expected"] = {
            "small": {
                "kind": "files",
                "parent": folder.id,
                "files": {
                    name: {"md5": md5_of(path), "annotations": ann} for name, (path, ann) in files.items()
                },
            }
        }
        progress.save()

        def one(name: str) -> Any:
            return File(path=files[name][0], parent_id=folder.id, annotations=files[name][1])

        if workload == "small-bulk":  # the models' bulk store: a Folder with files (failures are logged)

            def bulk(pending: list[str]) -> dict[str, str | None]:
                objects = [one(name) for name in pending]
                logged = _Logged()
                net.logger.addHandler(logged)  # it logs each file's failure (at ERROR) instead of raising
                try:
                    container = Folder(id=folder.id).get(synapse_client=net)
                    container.files = objects
                    container.store(synapse_client=net)
                except Exception as exc:
                    raised = error_text(exc)
                else:
                    raised = "not stored, no error raised; " + (
                        f"{len(logged.texts)} logged, e.g. {logged.texts[0]}"
                        if logged.texts
                        else "nothing logged"
                    )
                finally:
                    net.logger.removeHandler(logged)
                return {name: None if f.id else raised for name, f in zip(pending, objects, strict=True)}

            progress.stage("small", list(files), bulk)
        elif workload == "small-legacy":
            progress.stage(
                "small",
                list(files),
                loop(
                    lambda name: net.store(
                        LegacyFile(files[name][0], parent=folder.id, annotations=files[name][1])
                    )
                ),
            )
        else:
            progress.stage("small", list(files), loop(lambda name: one(name).store(synapse_client=net)))

    elif workload == "big":
        up_folder = Folder(name="up", parent_id=project.id).store(synapse_client=direct)
        ups = big_files(a, work, "up")
        downs = big_files(a, work, "down")
        sources = {
            name: File(path=path, parent_id=project.id).store(synapse_client=direct).id
            for name, path in downs.items()
        }
        want = {name: md5_of(path) for name, path in downs.items()}
        progress.data["expected"] = {
            "upload": {
                "kind": "files",
                "parent": up_folder.id,
                "files": {name: {"md5": md5_of(path)} for name, path in ups.items()},
            }
        }
        progress.save()
        progress.stage(
            "upload",
            list(ups),
            loop(lambda name: File(path=ups[name], parent_id=up_folder.id).store(synapse_client=net)),
        )
        attempts = Counter[str]()

        def download(name: str) -> None:
            attempts[name] += 1
            into = work / "got" / f"{name}-{attempts[name]}"
            into.mkdir(parents=True)
            got = File(id=sources[name], path=str(into)).get(synapse_client=net)
            if got.path is None or md5_of(got.path) != want[name]:
                progress.data["notes"].append(f"SILENTLY WRONG download of {name}")
                raise AssertionError(f"downloaded bytes differ ({name}; no error raised)")

        progress.stage("download", list(downs), loop(download))

    elif workload == "table":
        columns = [
            Column(name="i", column_type=ColumnType.INTEGER),
            Column(name="v", column_type=ColumnType.INTEGER),
            Column(name="label", column_type=ColumnType.STRING, maximum_size=20),
        ]
        table = Table(name="rows", parent_id=project.id, columns=columns).store(synapse_client=direct)
        df = frame(a["rows"])
        progress.data["expected"] = {"append": {"kind": "table", "table": table.id, "rows": a["rows"]}}
        progress.save()
        progress.stage(
            "append",
            ["append"],
            loop(lambda _: Table(id=table.id).store_rows(values=df, synapse_client=net)),
        )

        def query(_: str) -> None:
            back = Table.query(query=f"SELECT * FROM {table.id}", synapse_client=net)
            progress.data.setdefault("returned", []).append(frame_summary(back))

        progress.stage("query", ["query"], loop(query))

    elif workload == "annotations":
        files = small_files({**a, "files": a["annotations"]}, work)
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

        progress.stage("update", list(new), loop(update))
