"""The local cache: layout, .cacheMap format shared with the official client, root resolution."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from synapse_models.transfer.cache import Cache, default_cache_root


def _file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_directory_follows_the_fanout_layout(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    assert cache.directory("1234567") == tmp_path / "567" / "1234567"
    assert cache.directory(42) == tmp_path / "42" / "42"


def test_add_then_get_finds_the_unmodified_copy(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    copy = _file(tmp_path / "a.txt", "a")
    cache.add("1001", copy, "0cc175b9c0f1b6a831c399e269772661")
    assert cache.get("1001") == copy
    assert cache.get("1001", directory=tmp_path) == copy
    assert cache.get("1001", directory=tmp_path / "elsewhere") is None
    assert cache.get("1001", md5="f" * 32) is None
    assert cache.known_md5("1001", copy) == "0cc175b9c0f1b6a831c399e269772661"


def test_a_copy_modified_in_the_last_half_millisecond_of_a_second_is_found(tmp_path: Path) -> None:
    # its time rounds up to the next whole second, "....000Z", like a time the official client wrote
    cache = Cache(tmp_path / "cache")
    copy = _file(tmp_path / "late.txt", "late")
    os.utime(copy, ns=(1_700_000_000_999_700_000, 1_700_000_000_999_700_000))
    cache.add("1002", copy, hashlib.md5(b"late").hexdigest())
    assert cache.get("1002") == copy


def test_a_modified_copy_is_no_longer_cached(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    copy = _file(tmp_path / "b.txt", "b")
    cache.add(7, copy, "92eb5ffee6ae2fec3ad71c777531578f")
    later = time.time() + 5
    os.utime(copy, (later, later))
    assert cache.get(7) is None and cache.known_md5(7, copy) is None


def test_cache_map_json_matches_the_official_format(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    copy = _file(tmp_path / "c.txt", "c")
    cache.add(2002, copy, "4a8a08f09d37b73795649038408b5f33")
    raw = (cache.directory(2002) / ".cacheMap").read_text()
    assert raw.endswith("\n")
    entry = json.loads(raw)[str(copy.resolve()).replace("\\", "/")]
    assert set(entry) == {"modified_time", "content_md5"}
    assert entry["modified_time"].endswith("Z") and entry["modified_time"][10] == "T"
    assert not (cache.directory(2002) / ".cacheMap.lock").exists()


def test_official_client_reads_our_entries_and_we_read_theirs(tmp_path: Path) -> None:
    from synapseclient.core.cache import Cache as OfficialCache

    root = tmp_path / "cache"
    ours = Cache(root)
    official = OfficialCache(cache_root_dir=str(root))
    mine = _file(tmp_path / "mine.txt", "mine")
    ours.add(3003, mine, hashlib.md5(b"mine").hexdigest())  # it re-hashes to check
    assert official.get(3003) == str(mine)
    theirs = _file(tmp_path / "theirs.txt", "theirs")
    official.add(4004, str(theirs))
    assert ours.get(4004) == theirs and ours.known_md5(4004, theirs) == hashlib.md5(b"theirs").hexdigest()


def test_legacy_entries_and_corrupt_maps_are_tolerated(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    copy = _file(tmp_path / "old.txt", "old")
    directory = cache.directory(5005)
    directory.mkdir(parents=True)
    from synapse_models.transfer.cache import _iso

    stamp = _iso(int(os.path.getmtime(copy)))  # whole seconds, written as .000Z
    (directory / ".cacheMap").write_text(json.dumps({str(copy): stamp}))
    assert cache.get(5005) == copy and cache.known_md5(5005, copy) is None
    (directory / ".cacheMap").write_text("{not json")
    assert cache.get(5005) is None
    cache.add(5005, copy, "x")  # a corrupt map is replaced
    assert cache.get(5005) == copy


def test_stale_lock_of_a_crashed_writer_is_broken(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    copy = _file(tmp_path / "l.txt", "l")
    lock = cache.directory(6006) / ".cacheMap.lock"
    lock.mkdir(parents=True)
    os.utime(lock, (time.time() - 60, time.time() - 60))
    cache.add(6006, copy, "m")
    assert cache.get(6006) == copy and not lock.exists()


def test_cache_root_comes_from_env_then_config_then_home(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert default_cache_root() == isolated_env / ".synapseCache"
    (isolated_env / ".synapseConfig").write_text("[cache]\nlocation = ~/configured\n")
    assert default_cache_root() == isolated_env / "configured"
    monkeypatch.setenv("SYNAPSE_CACHE", str(isolated_env / "from-env"))
    assert default_cache_root() == isolated_env / "from-env"
    assert Cache(isolated_env / "explicit").root == isolated_env / "explicit"
    assert Cache().root == isolated_env / "from-env"
