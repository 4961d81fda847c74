"""Benchmarks for bulk work (issue 9 section 3), run by hand; prints medians and ratios.

    python tests/benchmarks/bench_sync.py [--rounds 3] [--latency-ms 50] [--only sync,again,memory,copy]
        [--files 1000] [--folders 50] [--big-files 10000] [--copy-files 200] [--table-rows 10000]

(from the repository root, with the project installed with its test extra)

One LocalSynapse runs in its own process; every measured phase runs in a fresh subprocess (its peak RSS,
``ru_maxrss``, is its own), with a fresh cache. Each comparison runs twice per round -- through a loopback
proxy adding ``--latency-ms`` each way (file bytes included) and straight to the server -- and the rounds
interleave the two clients (the official one first in odd rounds). Request counts come from the server's
``/admin/v1/stats``; the official client is configured as ``tests/peer.py`` does, with its default
concurrency.

* sync: a tree of ``--files`` files of 10 KiB in ``--folders`` nested folders, 3 annotations each, and the
  synapseutils manifest of it (folders made by ``sm.generate_manifest``, annotation columns added):
  ``sm.sync_to`` vs ``synapseutils.syncToSynapse`` on the same manifest (each uploading its own copy of the
  tree, different bytes), then ``sm.sync_from`` vs ``synapseutils.syncFromSynapse`` of one uploaded tree.
* again: a second ``sm.sync_from`` of the unchanged tree into the same directory and cache: requests and
  bytes moved.
* memory: ``--big-files`` files of 1 KiB in 50 folders: ``sm.walk`` over the tree and ``sm.sync_from``,
  each in its own process (peak RSS); no latency.
* copy: a project with ``--copy-files`` files in 4 folders, a table of ``--table-rows`` rows and 5 wiki
  pages: ``sm.copy`` vs ``synapseutils.copy`` into an empty project, with part uploads counted at the server.
* listing (not by default): one folder of ``--children`` children paged through ``POST /entity/children``
  with raw requests, straight to the server: the time of the first and of the last pages.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import ROOT, admin, dispatch_phase, latency_proxy, local_server, peak_rss_mib, run_phase

sys.path.insert(0, str(ROOT))
KIB = 1024
PART_UPLOAD = "/file/v1/presigned/upload/"


# -- counting at the server --------------------------------------------------------------------------------


def _reset(a: dict[str, Any]) -> None:
    admin(a["server"], a["admin"], "DELETE", "/stats")


def _counts(a: dict[str, Any]) -> dict[str, int]:
    stats = admin(a["server"], a["admin"], "GET", "/stats")
    routes = [r for r in stats["requests"] if not r["path"].startswith("/admin/")]
    return {
        "requests": sum(r["count"] for r in routes),
        "part_puts": sum(
            r["count"] for r in routes if r["method"] == "PUT" and r["path"].startswith(PART_UPLOAD)
        ),
    }


def _official(a: dict[str, Any], home: str) -> Any:
    from tests.peer import official_client

    class Endpoint:
        endpoint = a["endpoint"]

    Path(home).mkdir(parents=True, exist_ok=True)
    return official_client(Endpoint(), a["token"], Path(home))


def _ours(a: dict[str, Any], cache: str) -> Any:
    import synapse_models as sm

    os.environ["SYNAPSE_CACHE"] = cache
    return sm.connect(a["token"], endpoint=a["endpoint"])


def _timed(a: dict[str, Any], work: Any) -> dict[str, Any]:
    _reset(a)
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **_counts(a), "rss": peak_rss_mib()}


# -- phases (each runs in its own subprocess) --------------------------------------------------------------


def phase_prepare_tree(a: dict[str, Any]) -> dict[str, Any]:
    """A local tree with its synapseutils manifest; its folders made under a new project (not timed)."""
    import synapse_models as sm

    _ours(a, a["cache"])
    root = Path(a["root"])
    top, per_top = 10, a["folders"] // 10 - 1  # 10 top folders with 4 sub-folders each = 50
    folders = [f"set{t:02d}" for t in range(top)] + [
        f"set{t:02d}/part{s}" for t in range(top) for s in range(per_top)
    ]
    for i in range(a["files"]):
        directory = root / folders[i % len(folders)]
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"file{i:05d}.dat").write_bytes(os.urandom(a["size"]))
    project = sm.Project(name=f"bench sync {os.getpid()}").store()
    listing = sm.generate_manifest(root, project, Path(a["manifest"]).with_suffix(".plain.tsv"))
    with open(listing, newline="") as source, open(a["manifest"], "w", newline="") as target:
        rows = list(csv.DictReader(source, delimiter="\t"))
        writer = csv.writer(target, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "parent", "index", "kind", "passed"])
        for i, row in enumerate(rows):
            writer.writerow([row["path"], row["parent"], i, "sample", "True" if i % 2 else "False"])
    return {"project": project.id, "files": len(rows)}


def phase_ours_sync_to(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm

    _ours(a, a["cache"])
    box: list[Any] = []
    out = _timed(a, lambda: box.append(sm.sync_to(a["manifest"], echo=None, progress=False)))
    results = box[0]
    results.raise_first()
    return {**out, "items": len(results), "counts": results.counts()}


def phase_official_sync_to(a: dict[str, Any]) -> dict[str, Any]:
    import synapseutils

    syn = _official(a, a["home"])
    return _timed(a, lambda: synapseutils.syncToSynapse(syn, a["manifest"], sendMessages=False))


def phase_ours_sync_from(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm

    _ours(a, a["cache"])
    box: list[Any] = []
    out = _timed(a, lambda: box.append(sm.sync_from(a["project"], a["target"], progress=False)))
    results = box[0]
    results.raise_first()
    return {**out, "items": len(results), "counts": results.counts(), "bytes": sum(r.bytes for r in results)}


def phase_official_sync_from(a: dict[str, Any]) -> dict[str, Any]:
    import synapseutils

    syn = _official(a, a["home"])
    box: list[Any] = []
    out = _timed(a, lambda: box.append(synapseutils.syncFromSynapse(syn, a["project"], path=a["target"])))
    return {**out, "items": len(box[0])}


def phase_ours_walk(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm

    _ours(a, a["cache"])
    box: list[int] = []
    out = _timed(a, lambda: box.append(sum(len(step.files) for step in sm.walk(a["project"]))))
    return {**out, "items": box[0]}


def phase_prepare_copy(a: dict[str, Any]) -> dict[str, Any]:
    """The project to copy: files in 4 folders, a table, 5 wiki pages linking each other (not timed)."""
    import pandas as pd

    import synapse_models as sm

    _ours(a, a["cache"])
    project = sm.Project(name=f"bench copy source {os.getpid()}").store()
    source = Path(a["root"])
    source.mkdir(parents=True, exist_ok=True)
    folders = [sm.Folder(name=f"group{g}", parent=project).store() for g in range(4)]
    files = []
    for i in range(a["files"]):
        path = source / f"file{i:04d}.dat"
        path.write_bytes(os.urandom(10 * KIB))
        files.append(sm.File(str(path), parent=folders[i % 4], annotations={"index": i, "kind": "copy"}))
    sm.store_all(files).raise_first()
    rows = a["rows"]
    frame = pd.DataFrame(
        {"n": range(rows), "label": [f"row {i}" for i in range(rows)], "value": [i / 7 for i in range(rows)]}
    )
    table = sm.Table(
        name="measurements",
        parent=project,
        columns=[
            sm.Column(name="n", type="INTEGER"),
            sm.Column(name="label", type="STRING"),
            sm.Column(name="value", type="DOUBLE"),
        ],
    ).store()
    table.append(frame)
    root = sm.Wiki(
        owner=project, title="Home", markdown=f"See {files[0].id} and the table {table.id}."
    ).store()
    for p in range(4):
        sm.Wiki(
            owner=project,
            parent=root,
            title=f"Page {p}",
            markdown=f"Back to [home]({project.id}/wiki/{root.id}); data in {folders[p].id}.",
        ).store()
    destinations = [sm.Project(name=f"bench copy into {k} {os.getpid()}").store().id for k in range(2)]
    return {"project": project.id, "destinations": destinations}


def phase_ours_copy(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm

    _ours(a, a["cache"])
    box: list[Any] = []
    out = _timed(a, lambda: box.append(sm.copy(a["project"], a["destination"], progress=False)))
    results = box[0]
    results.raise_first()
    return {**out, "items": len(results), "counts": results.counts()}


def phase_official_copy(a: dict[str, Any]) -> dict[str, Any]:
    import synapseutils

    syn = _official(a, a["home"])
    box: list[Any] = []
    out = _timed(a, lambda: box.append(synapseutils.copy(syn, a["project"], a["destination"])))
    return {**out, "items": len(box[0])}


def phase_listing(a: dict[str, Any]) -> dict[str, Any]:
    """A folder of ``children`` folders (made with raw requests), listed page by page: time per page."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {a['token']}"
    repo = f"{a['endpoint']}/repo/v1"
    folder = "org.sagebionetworks.repo.model.Folder"
    project = session.post(
        f"{repo}/entity",
        json={"concreteType": "org.sagebionetworks.repo.model.Project", "name": f"listing {os.getpid()}"},
    ).json()
    top = session.post(
        f"{repo}/entity", json={"concreteType": folder, "name": "big", "parentId": project["id"]}
    )
    parent = top.json()["id"]
    for i in range(a["children"]):
        made = session.post(
            f"{repo}/entity", json={"concreteType": folder, "name": f"c{i:06d}", "parentId": parent}
        )
        made.raise_for_status()
    times: list[float] = []
    token = None
    seen = 0
    started = time.perf_counter()
    while True:
        body = {"parentId": parent, "includeTypes": ["folder", "file"], "nextPageToken": token}
        page_started = time.perf_counter()
        answer = session.post(f"{repo}/entity/children", json=body)
        times.append(time.perf_counter() - page_started)
        answer.raise_for_status()
        page = answer.json()
        seen += len(page["page"])
        token = page.get("nextPageToken")
        if not token:
            break
    total = time.perf_counter() - started
    head, tail = times[:10], times[-10:]
    return {
        "children": seen,
        "pages": len(times),
        "seconds": total,
        "first_ms": 1000 * statistics.median(head),
        "last_ms": 1000 * statistics.median(tail),
    }


PHASES = {name[6:]: fn for name, fn in globals().items() if name.startswith("phase_")}


# -- the comparisons ----------------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _report(
    title: str, ours: list[dict[str, Any]], theirs: list[dict[str, Any]], per: int, target: str
) -> None:
    mo, mt = _median([r["seconds"] for r in ours]), _median([r["seconds"] for r in theirs])
    print(f"  {title}")
    for label, rows, median in (("synapse_models", ours, mo), ("official", theirs, mt)):
        seconds = ", ".join(f"{r['seconds']:.2f}" for r in rows)
        per_file = ", ".join(f"{r['requests'] / per:.2f}" for r in rows)
        print(
            f"    {label:<15} median {median:8.2f} s  runs {seconds}  requests/file {per_file}  "
            f"peak RSS {max(r['rss'] for r in rows):.0f} MiB"
        )
    print(f"    ratio (official / ours, medians) {mt / mo:.1f}x  target {target}", flush=True)


def _sync(args: argparse.Namespace, work: Path, base: dict[str, Any], networks: dict[str, str]) -> None:
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        n: {k: [] for k in ("to_o", "to_t", "from_o", "from_t", "again")} for n in networks
    }
    for r in range(args.rounds):
        for net, endpoint in networks.items():
            a = {**base, "endpoint": endpoint, "files": args.files, "folders": args.folders, "size": 10 * KIB}
            tag = work / f"sync-{r}-{net}"
            trees = {}
            for who in ("ours", "official"):
                trees[who] = run_phase(
                    __file__,
                    "prepare_tree",
                    {
                        **a,
                        "root": str(tag / who / "tree"),
                        "manifest": str(tag / who / "manifest.tsv"),
                        "cache": str(tag / who / "c0"),
                    },
                )
            order = ["official", "ours"] if r % 2 else ["ours", "official"]
            for who in order:
                args_to = {
                    **a,
                    "manifest": str(tag / who / "manifest.tsv"),
                    "cache": str(tag / who / "c1"),
                    "home": str(tag / who / "home1"),
                }
                if who == "ours":
                    runs[net]["to_o"].append(run_phase(__file__, "ours_sync_to", args_to))
                else:
                    runs[net]["to_t"].append(run_phase(__file__, "official_sync_to", args_to))
            project = trees["ours"]["project"]
            for who in order:
                args_from = {
                    **a,
                    "project": project,
                    "target": str(tag / who / "down"),
                    "cache": str(tag / who / "c2"),
                    "home": str(tag / who / "home2"),
                }
                if who == "ours":
                    runs[net]["from_o"].append(run_phase(__file__, "ours_sync_from", args_from))
                    runs[net]["again"].append(run_phase(__file__, "ours_sync_from", args_from))
                else:
                    runs[net]["from_t"].append(run_phase(__file__, "official_sync_from", args_from))
            print(
                f"  round {r + 1} {net}: sync_to {runs[net]['to_o'][-1]['seconds']:.1f} s vs "
                f"{runs[net]['to_t'][-1]['seconds']:.1f} s, sync_from "
                f"{runs[net]['from_o'][-1]['seconds']:.1f} s vs {runs[net]['from_t'][-1]['seconds']:.1f} s, "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for net in networks:
        target = ">= 10x" if net != "direct" else ">= 3x"
        print(f"\n{args.files} files of 10 KiB in {args.folders} folders, 3 annotations each ({net})")
        _report("sync_to vs syncToSynapse", runs[net]["to_o"], runs[net]["to_t"], args.files, target)
        _report("sync_from vs syncFromSynapse", runs[net]["from_o"], runs[net]["from_t"], args.files, target)
        again = runs[net]["again"]
        print(
            f"  second sync_from, unchanged tree: median {_median([x['seconds'] for x in again]):.2f} s, "
            f"requests {[x['requests'] for x in again]}, bytes moved {[x['bytes'] for x in again]} "
            f"(target <= {args.files // 100} + one per folder page = {args.files // 100 + args.folders + 1})"
        )


def _memory(args: argparse.Namespace, work: Path, base: dict[str, Any], endpoint: str) -> None:
    a = {**base, "endpoint": endpoint, "files": args.big_files, "folders": 50, "size": KIB}
    tree = run_phase(
        __file__,
        "prepare_tree",
        {
            **a,
            "root": str(work / "big" / "tree"),
            "manifest": str(work / "big" / "manifest.tsv"),
            "cache": str(work / "big" / "c0"),
        },
    )
    up = run_phase(
        __file__,
        "ours_sync_to",
        {**a, "manifest": str(work / "big" / "manifest.tsv"), "cache": str(work / "big" / "c1")},
    )
    listed = run_phase(
        __file__, "ours_walk", {**a, "project": tree["project"], "cache": str(work / "big" / "c2")}
    )
    down = run_phase(
        __file__,
        "ours_sync_from",
        {
            **a,
            "project": tree["project"],
            "target": str(work / "big" / "down"),
            "cache": str(work / "big" / "c3"),
        },
    )
    print(f"\n{args.big_files} files of 1 KiB in 50 folders (direct; target peak RSS < 300 MiB)")
    print(
        f"  sync_to (setup)   {up['seconds']:7.1f} s  {up['requests'] / args.big_files:.2f} requests/file  "
        f"peak RSS {up['rss']:.0f} MiB"
    )
    print(
        f"  walk (listing)    {listed['seconds']:7.1f} s  {listed['requests']} requests for "
        f"{listed['items']} files  peak RSS {listed['rss']:.0f} MiB"
    )
    print(
        f"  sync_from         {down['seconds']:7.1f} s  {down['requests'] / args.big_files:.2f} "
        f"requests/file  peak RSS {down['rss']:.0f} MiB",
        flush=True,
    )


def _copy(args: argparse.Namespace, work: Path, base: dict[str, Any], networks: dict[str, str]) -> None:
    results: dict[str, dict[str, list[dict[str, Any]]]] = {n: {"ours": [], "official": []} for n in networks}
    for r in range(args.rounds):
        for net, endpoint in networks.items():
            a = {**base, "endpoint": endpoint}
            tag = work / f"copy-{r}-{net}"
            source = run_phase(
                __file__,
                "prepare_copy",
                {
                    **a,
                    "root": str(tag / "source"),
                    "cache": str(tag / "c0"),
                    "files": args.copy_files,
                    "rows": args.table_rows,
                },
            )
            order = ["official", "ours"] if r % 2 else ["ours", "official"]
            for k, who in enumerate(order):
                b = {
                    **a,
                    "project": source["project"],
                    "destination": source["destinations"][k],
                    "cache": str(tag / who),
                    "home": str(tag / f"{who}-home"),
                }
                results[net][who].append(run_phase(__file__, f"{who}_copy", b))
            print(
                f"  round {r + 1} {net}: copy {results[net]['ours'][-1]['seconds']:.1f} s vs "
                f"{results[net]['official'][-1]['seconds']:.1f} s, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for net in networks:
        ours, theirs = results[net]["ours"], results[net]["official"]
        print(
            f"\ncopy of a project: {args.copy_files} files, a table of {args.table_rows} rows, "
            f"5 wiki pages ({net})"
        )
        _report(
            "sm.copy vs synapseutils.copy", ours, theirs, args.copy_files, ">= 5x" if net != "direct" else "-"
        )
        print(
            f"  part uploads at the server: ours {[x['part_puts'] for x in ours]}, "
            f"official {[x['part_puts'] for x in theirs]}; ours results {ours[0]['counts']}"
        )


def _listing(args: argparse.Namespace, base: dict[str, Any], endpoint: str) -> None:
    found = run_phase(__file__, "listing", {**base, "endpoint": endpoint, "children": args.children})
    print(f"\nPOST /entity/children over a folder of {found['children']} children, straight to the server")
    print(
        f"  {found['pages']} pages in {found['seconds']:.1f} s; median of the first 10 pages "
        f"{found['first_ms']:.1f} ms, of the last 10 {found['last_ms']:.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument(
        "--only", default="sync,memory,copy", help="comma-separated: sync, memory, copy, listing"
    )
    parser.add_argument("--networks", default="latency,direct", help="comma-separated: latency, direct")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--folders", type=int, default=50)
    parser.add_argument("--big-files", type=int, default=10_000)
    parser.add_argument("--copy-files", type=int, default=200)
    parser.add_argument("--table-rows", type=int, default=10_000)
    parser.add_argument(
        "--children", type=int, default=20_000, help="children of the folder listed (listing)"
    )
    if dispatch_phase(PHASES, sys.argv[1:]):
        return
    args = parser.parse_args()
    only = set(args.only.split(","))
    wanted = set(args.networks.split(","))
    with (
        tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch,
        local_server(Path(scratch) / "server", 0.0, log=Path(scratch) / "server.log") as (
            server,
            admin_token,
        ),
        latency_proxy(server, args.latency_ms) as (slow, _),
    ):
        work = Path(scratch)
        user = admin(server, admin_token, "POST", "/users", {"userName": "bencher"})
        base = {"server": server, "admin": admin_token, "token": user["token"]}
        networks = {}
        if "latency" in wanted:
            networks[f"{args.latency_ms:g} ms each way"] = slow
        if "direct" in wanted:
            networks["direct"] = server
        print(
            f"LocalSynapse at {server} (own process), proxy {slow}; python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()}",
            flush=True,
        )
        if "sync" in only:
            _sync(args, work, base, networks)
        if "memory" in only:
            _memory(args, work, base, server)
        if "copy" in only:
            _copy(args, work, base, networks)
        if "listing" in only:
            _listing(args, base, server)
        print(f"\nload average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
