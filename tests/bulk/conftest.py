"""Fixtures for bulk work against the session LocalSynapse: a private cache, trees to sync, request counts."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm

READ_POSTS = ("/entity/children", "/entity/child", "/entity/header", "/bundle2", "/fileHandle/batch")


@pytest.fixture(autouse=True)
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own cache (uploads record their sources there, as File.store does)."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SYNAPSE_CACHE", str(root))
    return root


@pytest.fixture
def log(server: Any) -> Iterator[Any]:
    """The server with an empty request log (and no faults left behind)."""
    server.reset_request_log()
    yield server
    server.clear_faults()


def requests_of(server: Any) -> Counter[str]:
    """``"METHOD /path"`` with ids and numbers replaced by ``N``, counted."""
    import re

    number = re.compile(r"syn\d+|\d+")
    return Counter(f"{m} {number.sub('N', p)}" for m, p, _ in server.request_log())


def writes_of(server: Any) -> list[str]:
    """Requests that change something on the server (reads by POST excluded)."""
    out = []
    for method, path, _ in server.request_log():
        line = f"{method} {path}"
        if method == "POST" and any(path.endswith(r) or r in path for r in READ_POSTS):
            continue
        if method == "GET":
            continue
        out.append(line)
    return out


def make_tree(
    parent: sm.Entity, root: Path, layout: dict[str, int], *, annotations: bool = True
) -> dict[str, sm.File]:
    """Create folders and files in Synapse (and their sources under ``root``).

    ``layout`` maps a folder path ("" for ``parent`` itself, "a/b" nested) to a number of files; returns the
    stored files by relative path.
    """
    folders: dict[str, Any] = {"": parent}
    for relative in sorted(layout, key=lambda r: r.count("/")):
        parts = [p for p in relative.split("/") if p]
        for n in range(len(parts)):
            here = "/".join(parts[: n + 1])
            if here not in folders:
                folders[here] = sm.Folder(name=parts[n], parent=folders["/".join(parts[:n])]).store()
    files: dict[str, sm.File] = {}
    for relative, count in layout.items():
        directory = root / relative if relative else root
        directory.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            name = f"file{i}.txt"
            local = directory / name
            local.write_bytes(f"{relative}/{name}\n".encode() + os.urandom(64))
            notes = {"index": i, "folder": relative or "top", "ok": i % 2 == 0} if annotations else {}
            files[f"{relative}/{name}" if relative else name] = sm.File(
                str(local), parent=folders[relative], annotations=notes
            )
    results = sm.store_all(files.values())
    results.raise_first()
    return files
