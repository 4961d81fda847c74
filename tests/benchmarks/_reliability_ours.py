"""The reliability workloads with our client (see ``_reliability_work.py``)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
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


def run(a: dict[str, Any], progress: Progress, work: Path) -> None:
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
            progress.data["notes"].append(f"connect: {error_text(exc)}")
    assert net is not None
    project = sm.Project(name=f"reliability {a['client']} {a['workload']} {os.urandom(4).hex()}").store(
        connection=direct
    )
    workload = a["workload"]

    if workload.startswith("small"):
        folder = sm.Folder(name="small", parent=project).store(connection=direct)
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
            return sm.File(files[name][0], parent=folder.id, annotations=files[name][1])

        if workload == "small-bulk":

            def bulk(pending: list[str]) -> dict[str, str | None]:
                results = sm.store_all([one(name) for name in pending], connection=net)
                return {
                    name: None if r.error is None else error_text(r.error)
                    for name, r in zip(pending, results, strict=True)
                }

            progress.stage("small", list(files), bulk)
        else:
            progress.stage("small", list(files), loop(lambda name: one(name).store(connection=net)))

    elif workload == "big":
        up_folder = sm.Folder(name="up", parent=project).store(connection=direct)
        ups = big_files(a, work, "up")
        downs = big_files(a, work, "down")
        sources = {
            name: sm.File(path, parent=project).store(connection=direct, cache_root=setup_cache).id
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
            loop(lambda name: sm.File(ups[name], parent=up_folder.id).store(connection=net, progress=False)),
        )
        attempts = Counter[str]()

        def download(name: str) -> None:
            attempts[name] += 1
            into = work / "got" / f"{name}-{attempts[name]}"
            got = sm.File.get(sources[name], download_location=into, connection=net, progress=False)
            if md5_of(str(got.path)) != want[name]:
                progress.data["notes"].append(f"SILENTLY WRONG download of {name}")
                raise AssertionError(f"downloaded bytes differ ({name}; no error raised)")

        progress.stage("download", list(downs), loop(download))

    elif workload == "table":
        columns = [
            sm.Column("i", "INTEGER"),
            sm.Column("v", "INTEGER"),
            sm.Column("label", "STRING", maximum_size=20),
        ]
        table = sm.Table(name="rows", parent=project, columns=columns).store(connection=direct)
        df = frame(a["rows"])
        progress.data["expected"] = {"append": {"kind": "table", "table": table.id, "rows": a["rows"]}}
        progress.save()
        progress.stage("append", ["append"], loop(lambda _: table.append(df, connection=net)))

        def query(_: str) -> None:
            progress.data.setdefault("returned", []).append(frame_summary(table.query(connection=net)))

        progress.stage("query", ["query"], loop(query))

    elif workload == "annotations":
        files = small_files({**a, "files": a["annotations"]}, work)
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

        progress.stage("update", ids, loop(update))
