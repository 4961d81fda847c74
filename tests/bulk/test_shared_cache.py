"""One cache shared by several processes at once: the official lock protocol, no lost entries, whole files."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm

from .conftest import make_tree

HANDLES = 40


def _add_entries(root: str, worker: int, official: bool) -> int:
    """Record a copy of every handle (a file of this worker's own) in the shared cache."""
    own = Path(root).parent / f"copies-{worker}"
    own.mkdir(exist_ok=True)
    if official:
        from synapseclient.core.cache import Cache as OfficialCache

        cache: Any = OfficialCache(cache_root_dir=root)
    else:
        from synapse_models.transfer.cache import Cache

        cache = Cache(root)
    for handle in range(1, HANDLES + 1):
        copy = own / f"{handle}.bin"
        copy.write_bytes(f"{worker}:{handle}".encode())
        cache.add(str(handle), str(copy), hashlib.md5(copy.read_bytes()).hexdigest())
    return worker


def test_four_processes_ours_and_the_official_client_add_to_one_cache_at_once(tmp_path: Path) -> None:
    root = tmp_path / "shared-cache"
    root.mkdir()
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = list(pool.map(_add_entries, [str(root)] * 4, range(4), [False, False, True, True]))

    assert done == [0, 1, 2, 3]
    from synapse_models.transfer.cache import Cache

    cache = Cache(root)
    for handle in range(1, HANDLES + 1):
        directory = cache.directory(handle)
        entries = json.loads((directory / ".cacheMap").read_text())
        assert len(entries) == 4, (handle, entries)
        assert not (directory / ".cacheMap.lock").exists()
        for worker in range(4):
            assert cache.known_md5(handle, tmp_path / f"copies-{worker}" / f"{handle}.bin") is not None


def _sync_down(project_id: str, target: str, cache_root: str, endpoint: str) -> dict[str, int]:
    import synapse_models as sm

    sm.connect(endpoint=endpoint)  # the token comes from this process's environment
    results = sm.sync_from(project_id, target, cache_root=cache_root)
    return {**results.counts(), "errors": len(results.failed)}


@pytest.mark.parametrize("same_target", [True, False])
def test_four_processes_sync_one_tree_through_one_cache(
    alice: sm.Connection,
    project: sm.Project,
    tmp_path: Path,
    server: Any,
    alice_token: str,
    monkeypatch: pytest.MonkeyPatch,
    same_target: bool,
) -> None:
    files = make_tree(project, tmp_path / "src", {"": 6, "a": 6})
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", alice_token)
    shared = tmp_path / "shared-cache"
    targets = [tmp_path / ("down" if same_target else f"down{k}") for k in range(4)]
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = list(
            pool.map(
                _sync_down,
                [str(project.id)] * 4,
                [str(t) for t in targets],
                [str(shared)] * 4,
                [server.endpoint] * 4,
            )
        )

    assert all(o["errors"] == 0 for o in outcomes), outcomes
    assert sum(o.get("downloaded", 0) for o in outcomes) >= 12  # each file fetched at least once
    for target in set(targets):
        for relative, file in files.items():
            assert (target / relative).read_bytes() == Path(str(file.path)).read_bytes()
        leftovers = [p.name for p in target.rglob("*") if "partial" in p.name]
        assert leftovers == []
    if same_target:  # one process downloads each file; the others find its copy
        assert sum(o.get("downloaded", 0) for o in outcomes) == 12
    for entry in shared.rglob(".cacheMap"):
        json.loads(entry.read_text())
    assert not list(shared.rglob(".cacheMap.lock"))
    assert os.listdir(shared)


@pytest.mark.parametrize("fraction", [0.9996, 0.99999, 0.0001, 0.5])
def test_a_copy_whose_time_rounds_to_a_whole_second_stays_recognised(tmp_path: Path, fraction: float) -> None:
    from synapse_models.transfer.cache import Cache

    copy = tmp_path / "copy.bin"
    copy.write_bytes(b"data")
    os.utime(copy, (1_700_000_000 + fraction, 1_700_000_000 + fraction))
    cache = Cache(tmp_path / "cache")
    cache.add("7", copy, "md5")

    assert cache.known_md5("7", copy) == "md5"
    assert cache.get("7") == copy
