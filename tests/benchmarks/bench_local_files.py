"""Server-side file transfer figures of the embedded server, with raw HTTP (no client library), run by hand.

    cd /work/main && PYTHONPATH=. /work/venv/bin/python tests/benchmarks/bench_local_files.py [--mib 512]

Against one in-process LocalSynapse, the same bytes (already in memory, so the client costs little):

* plain PUT: one streamed PUT of the whole file to the part URL of a one-part upload (the server streams it to
  disk and computes its MD5), then complete;
* multipart: start, part URLs, 5 MiB..64 MiB parts PUT by 4 threads, add (part MD5 check) and complete (a
  rename: like S3, the whole file is not hashed again) — what any client's upload costs the server;
* GET: one streamed GET of the presigned URL, and the same bytes as concurrent 16 MiB ``Range`` requests;
* small files: N files of 1 KiB, each start + part URL + PUT + add + complete + POST entity: ms per file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from synapse_models.local import LocalSynapse

MIB = 1024 * 1024
UPLOAD = "org.sagebionetworks.repo.model.file.MultipartUploadRequest"


class Rest:
    def __init__(self, endpoint: str, token: str) -> None:
        self.endpoint = endpoint
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.session.request(
            method, self.endpoint + path, json=body, params=params or None, timeout=600
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def start(self, data: bytes, part_size: int, name: str) -> tuple[str, dict[int, str]]:
        body = {"concreteType": UPLOAD, "fileName": name, "contentType": "application/octet-stream",
                "contentMD5Hex": hashlib.md5(data).hexdigest(), "fileSizeBytes": len(data),
                "partSizeBytes": part_size}  # fmt: skip
        status = self.call("POST", "/file/v1/file/multipart", body, forceRestart="true")
        numbers = list(range(1, len(status["partsState"]) + 1))
        upload_id = status["uploadId"]
        urls = self.call(
            "POST", f"/file/v1/file/multipart/{upload_id}/presigned/url/batch",
            {"uploadId": upload_id, "partNumbers": numbers},
        )  # fmt: skip
        return upload_id, {u["partNumber"]: u["uploadPresignedUrl"] for u in urls["partPresignedUrls"]}


def plain_put(rest: Rest, data: bytes) -> float:
    upload_id, urls = rest.start(data, max(len(data), 5 * MIB), "plain.bin")
    started = time.perf_counter()
    requests.put(urls[1], data=data, timeout=600).raise_for_status()
    rest.call("PUT", f"/file/v1/file/multipart/{upload_id}/add/1", partMD5Hex=hashlib.md5(data).hexdigest())
    rest.call("PUT", f"/file/v1/file/multipart/{upload_id}/complete")
    return time.perf_counter() - started


def multipart(rest: Rest, data: bytes, part_size: int) -> tuple[float, str]:
    view = memoryview(data)
    part_md5s = {}
    count = -(-len(data) // part_size)
    for n in range(1, count + 1):  # the client knows its part MD5s; not part of the server's cost
        part_md5s[n] = hashlib.md5(view[(n - 1) * part_size : n * part_size]).hexdigest()
    started = time.perf_counter()
    upload_id, urls = rest.start(data, part_size, "multi.bin")

    def send(number: int) -> None:
        with requests.Session() as session:
            chunk = view[(number - 1) * part_size : number * part_size]
            session.put(urls[number], data=chunk, timeout=600).raise_for_status()
            rest.call(
                "PUT", f"/file/v1/file/multipart/{upload_id}/add/{number}", partMD5Hex=part_md5s[number]
            )

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(1, count + 1)))
    done = rest.call("PUT", f"/file/v1/file/multipart/{upload_id}/complete")
    return time.perf_counter() - started, str(done["resultFileHandleId"])


def get_whole(url: str) -> float:
    started = time.perf_counter()
    with requests.get(url, stream=True, timeout=600) as response:
        for _ in response.iter_content(MIB):
            pass
    return time.perf_counter() - started


def get_ranges(url: str, size: int) -> float:
    def fetch(start: int) -> int:
        headers = {"Range": f"bytes={start}-{min(start + 16 * MIB, size) - 1}"}
        with requests.get(url, headers=headers, stream=True, timeout=600) as response:
            return sum(len(c) for c in response.iter_content(MIB))

    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(fetch, range(0, size, 16 * MIB))) == size
    return time.perf_counter() - started


def small_files(rest: Rest, project: str, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        data = f"small file {i}\n".encode().ljust(1024, b".")
        upload_id, urls = rest.start(data, 5 * MIB, f"s{i}.txt")
        requests.put(urls[1], data=data, timeout=60).raise_for_status()
        rest.call(
            "PUT", f"/file/v1/file/multipart/{upload_id}/add/1", partMD5Hex=hashlib.md5(data).hexdigest()
        )
        done = rest.call("PUT", f"/file/v1/file/multipart/{upload_id}/complete")
        rest.call("POST", "/repo/v1/entity", {"concreteType": "org.sagebionetworks.repo.model.FileEntity",
                                              "name": f"s{i}.txt", "parentId": project,
                                              "dataFileHandleId": done["resultFileHandleId"]})  # fmt: skip
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mib", type=int, default=512)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    size = args.mib * MIB
    data = os.urandom(size)
    with LocalSynapse() as server:
        rest = Rest(server.endpoint, server.create_user("bench"))
        project = rest.call("POST", "/repo/v1/entity", {
            "concreteType": "org.sagebionetworks.repo.model.Project",
                                                        "name": f"bench {os.getpid()}"})  # fmt: skip
        print(f"LocalSynapse {server.endpoint}, {args.mib} MiB, {os.cpu_count()} CPUs")
        plain = plain_put(rest, data)
        print(f"  plain PUT (one part)            {args.mib / plain:8.1f} MiB/s")
        part_size = max(5 * MIB, min(64 * MIB, size // 8))
        seconds, handle_id = multipart(rest, data, part_size)
        print(f"  multipart, {part_size // MIB} MiB parts x4 threads {args.mib / seconds:8.1f} MiB/s"
              f"  ({100 * plain / seconds:.0f}% of plain)")  # fmt: skip
        entity = rest.call("POST", "/repo/v1/entity", {
            "concreteType": "org.sagebionetworks.repo.model.FileEntity",
                                                       "name": "big.bin", "parentId": project["id"],
                                                       "dataFileHandleId": handle_id})  # fmt: skip
        url = rest.session.get(f"{server.endpoint}/repo/v1/entity/{entity['id']}/file",
                               params={"redirect": "false"}, timeout=60).text  # fmt: skip
        print(f"  GET whole                       {args.mib / get_whole(url):8.1f} MiB/s")
        print(f"  GET 16 MiB ranges x4 threads    {args.mib / get_ranges(url, size):8.1f} MiB/s")
        per_file = small_files(rest, project["id"], args.files)
        print(f"  {args.files} small files (6 requests each) {1000 * per_file:8.1f} ms/file")


if __name__ == "__main__":
    main()
