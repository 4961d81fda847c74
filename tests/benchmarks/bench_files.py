"""Benchmarks for files (issue 3), run by hand; prints ratios.

    python tests/benchmarks/bench_files.py [--files 1000] [--gib 1.0] [--only small|big] [--runs 1]
        [--latency-ms 0]

(from the repository root, with the project installed)

One LocalSynapse runs in its own process; every measured phase runs in a fresh subprocess (so its peak RSS,
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, is its own). Request counts come from the server's request
statistics (``/admin/v1/stats``).

(a) N files of 1 KiB with three annotations each into one folder: ``sm.store_all`` versus the official
    ``synapseclient.models`` ``File(...).store()`` loop — wall time and HTTP requests per file.
(b) One file of 1 GiB: ``File.store()`` then ``File.get()`` versus a plain streamed PUT (to a presigned part
    URL of a one-part upload; the server hashes it as it does every part) and a plain streamed GET (of the
    presigned download URL, not hashed) of the same bytes. ``File.get()`` is measured as it runs by default
    (one verified stream: the server is on a loopback address) and with 8 concurrent ranges forced. With
    ``--runs N`` the phases run N times, interleaved, each upload with different bytes (the server would
    otherwise answer the repeated upload request with the finished upload); best and median are printed.

With ``--latency-ms MS`` every client talks to the server through a loopback proxy that delays each request
and each response by MS (and each new connection by one round trip); (a) then also reports how many of its
requests, and of its presigned part uploads, went through the proxy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import (
    add_latency_option,
    admin,
    dispatch_phase,
    local_server,
    peak_rss_mib,
    read_counts,
    reset_counts,
    run_phase,
)

MIB = 1024 * 1024


# -- helpers used by the phases ----------------------------------------------------------------------------


def _official(endpoint: str, token: str, home: Path) -> Any:
    import synapseclient

    home.mkdir(parents=True, exist_ok=True)
    syn = synapseclient.Synapse(
        repoEndpoint=f"{endpoint}/repo/v1",
        authEndpoint=f"{endpoint}/auth/v1",
        fileHandleEndpoint=f"{endpoint}/file/v1",
        portalEndpoint=f"{endpoint}/",
        skip_checks=True,
        cache_client=False,
        configPath=str(home / "synapseConfig"),
        cache_root_dir=str(home / "cache"),
        silent=True,
    )
    syn.login(authToken=token)
    return syn


def _annotations(i: int) -> dict[str, Any]:
    return {"index": i, "kind": "small", "passed": i % 2 == 0}


# -- phases (each runs in its own subprocess) --------------------------------------------------------------


def phase_ours_bulk(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm

    os.environ["SYNAPSE_CACHE"] = a["cache"]
    sm.connect(a["token"], endpoint=a["endpoint"])
    project = sm.Project(name=f"bench ours {os.getpid()}").store()
    folder = sm.Folder(name="small", parent=project).store()
    files = [sm.File(p, parent=folder, annotations=_annotations(i)) for i, p in enumerate(a["paths"])]
    reset_counts(a)
    started = time.perf_counter()
    results = sm.store_all(files)
    seconds = time.perf_counter() - started
    counts = read_counts(a)
    results.raise_first()
    return {"seconds": seconds, **counts, "rss": peak_rss_mib()}


def phase_official_loop(a: dict[str, Any]) -> dict[str, Any]:
    from synapseclient.models import File, Folder, Project

    syn = _official(a["endpoint"], a["token"], Path(a["home"]))
    project = Project(name=f"bench official {os.getpid()}").store(synapse_client=syn)
    folder = Folder(name="small", parent_id=project.id).store(synapse_client=syn)
    reset_counts(a)
    started = time.perf_counter()
    for i, path in enumerate(a["paths"]):
        File(path=path, parent_id=folder.id, annotations=_annotations(i)).store(synapse_client=syn)
    seconds = time.perf_counter() - started
    counts = read_counts(a)
    return {"seconds": seconds, **counts, "rss": peak_rss_mib()}


def phase_ours_upload(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm

    os.environ["SYNAPSE_CACHE"] = a["cache"]
    sm.connect(a["token"], endpoint=a["endpoint"])
    project = sm.Project(name=f"bench big {os.getpid()}").store()
    started = time.perf_counter()
    stored = sm.File(a["big"], parent=project).store(progress=False)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss": peak_rss_mib(), "id": stored.id}


def phase_ours_download(a: dict[str, Any]) -> dict[str, Any]:
    import synapse_models as sm
    from synapse_models.transfer import download

    os.environ["SYNAPSE_CACHE"] = a["cache"]  # a fresh cache: a real download
    if a.get("ranged"):
        download.RANGED_ON_LOOPBACK = True  # concurrent ranges even though the server is on 127.0.0.1
    sm.connect(a["token"], endpoint=a["endpoint"])
    started = time.perf_counter()
    loaded = sm.File.get(a["id"], download_location=a["out"], progress=False)
    seconds = time.perf_counter() - started
    assert loaded.path is not None and os.path.getsize(loaded.path) == a["size"]
    os.unlink(loaded.path)
    return {"seconds": seconds, "rss": peak_rss_mib()}


def phase_plain_put(a: dict[str, Any]) -> dict[str, Any]:
    """A plain streamed PUT of the file to a presigned part URL of a one-part upload (no md5, no parts)."""
    import requests

    headers = {"Authorization": f"Bearer {a['token']}", "Content-Type": "application/json; charset=UTF-8"}
    base = f"{a['endpoint']}/file/v1"
    size = a["size"]
    start = requests.post(
        f"{base}/file/multipart",
        headers=headers,
        timeout=60,
        json={
            "concreteType": "org.sagebionetworks.repo.model.file.MultipartUploadRequest",
            "fileName": "plain.bin",
            "contentType": "application/octet-stream",
            "contentMD5Hex": "0" * 32,
            "fileSizeBytes": size,
            "partSizeBytes": max(size, 5 * MIB),
        },
    ).json()
    urls = requests.post(
        f"{base}/file/multipart/{start['uploadId']}/presigned/url/batch",
        headers=headers,
        timeout=60,
        json={"uploadId": start["uploadId"], "partNumbers": [1]},
    ).json()
    url = urls["partPresignedUrls"][0]["uploadPresignedUrl"]
    with requests.Session() as session, open(a["big"], "rb") as body:
        started = time.perf_counter()
        response = session.put(url, data=body, headers={"Content-Length": str(size)}, timeout=600)
        seconds = time.perf_counter() - started
    response.raise_for_status()
    return {"seconds": seconds, "rss": peak_rss_mib()}


def phase_plain_get(a: dict[str, Any]) -> dict[str, Any]:
    """A plain streamed GET of the presigned download URL into a file (no md5, one connection)."""
    import requests

    headers = {"Authorization": f"Bearer {a['token']}", "Content-Type": "application/json; charset=UTF-8"}
    entity = requests.get(f"{a['endpoint']}/repo/v1/entity/{a['id']}", headers=headers, timeout=60).json()
    batch = requests.post(
        f"{a['endpoint']}/file/v1/fileHandle/batch",
        headers=headers,
        timeout=60,
        json={
            "includeFileHandles": False,
            "includePreSignedURLs": True,
            "requestedFiles": [
                {
                    "fileHandleId": entity["dataFileHandleId"],
                    "associateObjectId": a["id"],
                    "associateObjectType": "FileEntity",
                }
            ],
        },
    ).json()
    url = batch["requestedFiles"][0]["preSignedURL"]
    target = Path(a["out"]) / "plain.bin"
    target.parent.mkdir(parents=True, exist_ok=True)
    with requests.Session() as session:
        started = time.perf_counter()
        with session.get(url, stream=True, timeout=600) as response, open(target, "wb") as out:
            response.raise_for_status()
            for chunk in response.iter_content(MIB):
                out.write(chunk)
        seconds = time.perf_counter() - started
    assert target.stat().st_size == a["size"]
    target.unlink()
    return {"seconds": seconds, "rss": peak_rss_mib()}


PHASES = {name[6:]: fn for name, fn in globals().items() if name.startswith("phase_")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--only", choices=["small", "big"], help="run only benchmark (a) or (b)")
    parser.add_argument("--runs", type=int, default=1, help="repeat benchmark (b) this many times")
    add_latency_option(parser)
    if dispatch_phase(PHASES, sys.argv[1:]):
        return
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-files-") as scratch,
        local_server(Path(scratch) / "server", args.latency_ms) as (endpoint, admin_token),
    ):
        work = Path(scratch)
        user = admin(endpoint, admin_token, "POST", "/users", {"userName": "bencher"})
        common = {
            "endpoint": endpoint,
            "token": user["token"],
            "admin": admin_token,
            "proxied": args.latency_ms > 0,
        }
        network = f"through a proxy adding {args.latency_ms:g} ms each way" if args.latency_ms else "direct"
        print(
            f"LocalSynapse at {endpoint} (separate process; {network}); python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs"
        )

        if args.only != "big":
            _small_files(args.files, work, common)
        if args.only != "small":
            _big_file(args.gib, work, common, args.runs)


def _small_files(n: int, work: Path, common: dict[str, Any]) -> None:
    small = work / "small"
    small.mkdir()
    paths = []
    for i in range(n):
        path = small / f"file_{i:05d}.txt"
        path.write_bytes(os.urandom(512).hex().encode())  # 1 KiB, all different
        paths.append(str(path))
    ours = run_phase(__file__, "ours_bulk", {**common, "paths": paths, "cache": str(work / "cache-a")})
    theirs = run_phase(__file__, "official_loop", {**common, "paths": paths, "home": str(work / "official")})
    print(f"\n(a) {n} files of 1 KiB, 3 annotations each, one folder")
    print(
        f"    synapse_models store_all : {ours['seconds']:7.2f} s  {ours['requests'] / n:5.2f} requests/file"
    )
    print(
        f"    synapseclient File.store : {theirs['seconds']:7.2f} s  "
        f"{theirs['requests'] / n:5.2f} requests/file"
    )
    print(
        f"    speed-up {theirs['seconds'] / ours['seconds']:.1f}x (target >= 3x); requests per file "
        f"{ours['requests'] / theirs['requests']:.2f} of the official client's (target <= 0.5)"
    )
    for label, r in (("synapse_models", ours), ("synapseclient", theirs)):
        if r["proxied"] is not None:
            print(
                f"    {label:<14} through the proxy: {r['proxied']} of the {r['requests']} requests the "
                f"server counted ({r['presigned']} presigned part uploads) on {r['connections']} "
                f"connections"
            )


def _big_file(gib: float, work: Path, common: dict[str, Any], runs: int) -> None:
    import statistics

    size = int(gib * 1024 * MIB)
    big = work / "big.bin"
    with open(big, "wb") as out:
        block = os.urandom(8 * MIB)
        for offset in range(0, size, len(block)):
            out.write(block[: size - offset] if size - offset < len(block) else block)
            block = block[1:] + block[:1]  # vary the content a little, cheaply
    big_args = {**common, "big": str(big), "size": size, "out": str(work / "downloads")}
    rows: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {
        "upload": [],
        "download": [],
        "download, 8 ranges": [],
    }
    for run in range(runs):
        with open(big, "r+b") as out:
            out.write(os.urandom(16))  # new bytes each run: a real upload, not the finished one again
        up = run_phase(__file__, "ours_upload", {**big_args, "cache": str(work / f"cache-up-{run}")})
        plain_up = run_phase(__file__, "plain_put", big_args)
        stored = {**big_args, "id": up["id"]}
        down = run_phase(__file__, "ours_download", {**stored, "cache": str(work / f"cache-d-{run}")})
        ranged = run_phase(
            __file__, "ours_download", {**stored, "ranged": True, "cache": str(work / f"cache-r{run}")}
        )
        plain_down = run_phase(__file__, "plain_get", {**big_args, "id": up["id"]})
        rows["upload"].append((up, plain_up))
        rows["download"].append((down, plain_down))
        rows["download, 8 ranges"].append((ranged, plain_down))
    mib = size / MIB
    print(f"\n(b) one file of {mib:.0f} MiB, {runs} run(s); load average {os.getloadavg()[0]:.1f}")
    for label, pairs in rows.items():
        for ours_r, plain_r in pairs:
            print(
                f"    {label:<18} synapse_models {mib / ours_r['seconds']:7.1f} MiB/s (peak RSS "
                f"{ours_r['rss']:.0f} MiB) | plain {mib / plain_r['seconds']:7.1f} MiB/s (peak RSS "
                f"{plain_r['rss']:.0f} MiB) | {plain_r['seconds'] / ours_r['seconds']:.0%} of plain"
            )
        # other jobs on the machine slow single phases at random: compare best with best, median with median
        ours_best = min(ours_r["seconds"] for ours_r, _ in pairs)
        plain_best = min(plain_r["seconds"] for _, plain_r in pairs)
        ours_median = statistics.median(ours_r["seconds"] for ours_r, _ in pairs)
        plain_median = statistics.median(plain_r["seconds"] for _, plain_r in pairs)
        peak = max(ours_r["rss"] for ours_r, _ in pairs)
        print(
            f"    {label:<18} best {mib / ours_best:.1f} vs {mib / plain_best:.1f} MiB/s = "
            f"{plain_best / ours_best:.0%}; median {mib / ours_median:.1f} vs "
            f"{mib / plain_median:.1f} MiB/s = {plain_median / ours_median:.0%} of plain (target >= 70%); "
            f"peak RSS {peak:.0f} MiB (target < 200 MiB)"
        )


if __name__ == "__main__":
    main()
