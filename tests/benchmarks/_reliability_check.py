"""What really happened on the server after a reliability workload, read with plain REST calls straight to the
server (no proxy, no client library): the owner's token, the entity, annotation, version, file and table
endpoints, and file bytes downloaded from presigned URLs and hashed here.

Each ``check_*`` takes what the workload meant to write (``expected``, written by the phase) and returns
counts: ``ok`` (present and right), ``lost``, ``duplicated`` (extra entities or rows), ``extra_versions``,
``wrong_annotations``, ``wrong_content``, with ``examples`` of what was wrong.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from typing import Any

import requests

QUERY_BUNDLE = "org.sagebionetworks.repo.model.table.QueryBundleRequest"


class Server:
    """The REST API of one LocalSynapse as one user, straight to the server."""

    def __init__(self, endpoint: str, token: str) -> None:
        self.base = f"{endpoint}/repo/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.session.request(
            method, f"{self.base}{path}", json=body, params=params or None, timeout=120
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def children(self, parent: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.call(
                "POST",
                "/entity/children",
                {"parentId": parent, "includeTypes": ["file", "folder", "table"], "nextPageToken": token},
            )
            found += page.get("page", [])
            token = page.get("nextPageToken")
            if not token:
                return found

    def versions(self, entity_id: str) -> int:
        return int(self.call("GET", f"/entity/{entity_id}/version", limit=100)["totalNumberOfResults"])

    def annotations(self, entity_id: str) -> dict[str, tuple[str, list[str]]]:
        wire = self.call("GET", f"/entity/{entity_id}/annotations2").get("annotations", {})
        return {key: (value["type"], [str(v) for v in value["value"]]) for key, value in wire.items()}

    def file_md5(self, entity_id: str) -> str:
        """The md5 of the file's bytes, downloaded from its presigned URL (hashed as they arrive)."""
        url = self.session.get(
            f"{self.base}/entity/{entity_id}/file", params={"redirect": "false"}, timeout=120
        )
        url.raise_for_status()
        digest = hashlib.md5()
        with requests.get(url.text.strip(), stream=True, timeout=600) as response:
            response.raise_for_status()
            for piece in response.iter_content(1 << 20):
                digest.update(piece)
        return digest.hexdigest()

    def query(self, table_id: str, sql: str) -> list[list[str | None]]:
        start = self.call(
            "POST",
            f"/entity/{table_id}/table/query/async/start",
            {"concreteType": QUERY_BUNDLE, "entityId": table_id, "query": {"sql": sql}, "partMask": 1},
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            response = self.session.get(
                f"{self.base}/entity/{table_id}/table/query/async/get/{start['token']}", timeout=120
            )
            if response.status_code != 202:
                response.raise_for_status()
                rows = response.json()["queryResult"]["queryResults"]["rows"]
                return [row["values"] for row in rows]
            time.sleep(0.1)
        raise TimeoutError(f"query on {table_id} did not finish")


def wire_annotations(values: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """``{"index": 3, "passed": True, "kind": "x", "score": 0.5}`` as annotations2 types and value strings."""
    typed: dict[str, tuple[str, list[str]]] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            typed[key] = ("BOOLEAN", [str(value).lower()])
        elif isinstance(value, int):
            typed[key] = ("LONG", [str(value)])
        elif isinstance(value, float):
            typed[key] = ("DOUBLE", [str(value)])
        else:
            typed[key] = ("STRING", [str(value)])
    return typed


def _same_annotations(got: dict[str, tuple[str, list[str]]], want: dict[str, tuple[str, list[str]]]) -> bool:
    if got.keys() != want.keys():
        return False
    for key, (kind, values) in want.items():
        got_kind, got_values = got[key]
        if kind == "DOUBLE":  # "0.5" and "0.50" are the same number
            if got_kind != kind or [float(v) for v in got_values] != [float(v) for v in values]:
                return False
        elif (got_kind, got_values) != (kind, values):
            return False
    return True


def _tally() -> dict[str, Any]:
    return {
        "ok": 0,
        "lost": 0,
        "duplicated": 0,
        "extra_versions": 0,
        "wrong_annotations": 0,
        "wrong_content": 0,
        "examples": [],
        "bad": [],
    }


def _note(tally: dict[str, Any], what: str, example: str) -> None:
    tally[what] += 1
    if len(tally["examples"]) < 8:
        tally["examples"].append(example)


def check_files(server: Server, expected: dict[str, Any], *, content: bool = True) -> dict[str, Any]:
    """``expected``: ``{"parent": id, "files": {name: {"md5": .., "annotations": {..}}}}`` -- every file
    there once, in version 1, with exactly those annotations and bytes; nothing else in ``parent``."""
    tally = _tally()
    children = server.children(expected["parent"])
    by_name = Counter(child["name"] for child in children)
    wanted = expected["files"]
    extra = [child["name"] for child in children if child["name"] not in wanted]
    for name in extra:
        _note(tally, "duplicated", f"unexpected entity {name!r}")
    for child in children:
        name = child["name"]
        if name not in wanted:
            continue
        want = wanted[name]
        problems = 0
        versions = server.versions(child["id"])
        if versions != 1:
            _note(tally, "extra_versions", f"{name}: {versions} versions")
            problems += 1
        if "annotations" in want and not _same_annotations(
            server.annotations(child["id"]), wire_annotations(want["annotations"])
        ):
            _note(tally, "wrong_annotations", f"{name}: {server.annotations(child['id'])}")
            problems += 1
        if content and "md5" in want and server.file_md5(child["id"]) != want["md5"]:
            _note(tally, "wrong_content", f"{name}: md5 differs")
            problems += 1
        tally["ok"] += problems == 0
        if problems:
            tally["bad"].append(name)
    for name in wanted:
        if by_name[name] == 0:
            _note(tally, "lost", f"{name} missing")
            tally["bad"].append(name)
    return tally


def check_table(server: Server, expected: dict[str, Any]) -> dict[str, Any]:
    """``expected``: ``{"table": id, "rows": n}``, rows ``i`` = 0..n-1, ``v = i*7 % 1000``,
    ``label = f"r{i}"``: each once (lost = missing values of ``i``, duplicated = extra rows), sums right (else
    corrupt)."""
    n = expected["rows"]
    sql = (
        f"SELECT COUNT(*), COUNT(DISTINCT i), SUM(v), SUM(LENGTH(label)), MIN(i), MAX(i) "
        f"FROM {expected['table']}"
    )
    count, distinct, sum_v, sum_len, low, high = (
        int(float(x or 0)) for x in server.query(expected["table"], sql)[0]
    )
    tally = _tally()
    tally.update(rows=count, distinct=distinct, sum_v=sum_v)
    tally["lost"] = max(0, n - distinct)
    tally["duplicated"] = count - distinct
    want_v = sum(i * 7 % 1000 for i in range(n))
    want_len = sum(len(f"r{i}") for i in range(n))
    if distinct > n or (
        count == distinct == n and (sum_v, sum_len, low, high) != (want_v, want_len, 0, n - 1)
    ):
        _note(
            tally,
            "wrong_content",
            f"{distinct} distinct i in {low}..{high}, sums {sum_v}, {sum_len} "
            f"instead of {n} in 0..{n - 1}, {want_v}, {want_len}",
        )
    tally["ok"] = int(count == distinct == n and tally["wrong_content"] == 0)
    if not tally["ok"]:
        tally["bad"].append("append")
    return tally


def check_annotations(server: Server, expected: dict[str, Any]) -> dict[str, Any]:
    """``expected``: ``{"entities": {id: {"annotations": {..}, "handle": file handle id}}}`` -- each entity
    with exactly the new annotations, still in version 1 and on its original file handle."""
    tally = _tally()
    for entity_id, want in expected["entities"].items():
        problems = 0
        entity = server.call("GET", f"/entity/{entity_id}")
        if server.versions(entity_id) != 1:
            _note(tally, "extra_versions", f"{entity_id}: {server.versions(entity_id)} versions")
            problems += 1
        if str(entity.get("dataFileHandleId")) != str(want["handle"]):
            _note(tally, "wrong_content", f"{entity_id}: file handle changed")
            problems += 1
        got = server.annotations(entity_id)
        if not _same_annotations(got, wire_annotations(want["annotations"])):
            _note(tally, "wrong_annotations", f"{entity_id}: {got}")
            problems += 1
        tally["ok"] += problems == 0
        if problems:
            tally["bad"].append(entity_id)
    return tally
