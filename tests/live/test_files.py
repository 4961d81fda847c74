"""Files end to end against an in-process LocalSynapse: multipart, skip, versions, resume, cache."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.models.activity import Reference
from synapse_models.transfer import download as download_module
from synapse_models.transfer import download_file_handle, fetch_bytes, upload_bytes, upload_path
from synapse_models.transfer.cache import Cache

MIB = 1024 * 1024
PART_PUT = "/file/v1/presigned/upload/"
DOWNLOAD_GET = "/file/v1/presigned/download/"


@pytest.fixture(autouse=True)
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("SYNAPSE_CACHE", str(root))
    return root


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """11 MiB + a bit: three parts of 5 MiB."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    path.write_bytes(os.urandom(11 * MIB + 123))
    return path


@pytest.fixture
def log(server: Any) -> Iterator[Any]:
    server.reset_request_log()
    yield server
    server.clear_faults()


def _md5(path: str | Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def _count(server: Any, method: str, prefix: str, status: int | None = None) -> int:
    return sum(
        1
        for m, p, s in server.request_log()
        if m == method and p.startswith(prefix) and (status is None or s == status)
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _fresh_big(directory: Path, name: str) -> Path:
    """A new 11 MiB file of random bytes (never seen by the server, so nothing is cached or shared)."""
    path = directory / name
    path.write_bytes(os.urandom(11 * MIB + 7))
    return path


def test_store_uploads_in_parts_and_get_downloads_the_same_bytes(
    project: sm.Project, big_file: Path, log: Any, tmp_path: Path
) -> None:
    stored = sm.File(big_file, parent=project, annotations={"kind": "random"}).store()
    assert _count(log, "PUT", PART_PUT) == 3
    assert stored.file_handle is not None and stored.file_handle.content_md5 == _md5(big_file)
    assert stored.file_handle.content_size == big_file.stat().st_size
    loaded = sm.File.get(stored.id, download_location=tmp_path / "out")
    assert loaded.path == str(tmp_path / "out" / "big.bin")
    assert _md5(loaded.path) == _md5(big_file)
    assert loaded.annotations == {"kind": ["random"]} and loaded.content_type is None
    assert isinstance(loaded.file_handle, sm.S3FileHandle)


def test_store_skips_the_upload_when_content_is_unchanged(
    project: sm.Project, tmp_path: Path, log: Any
) -> None:
    local = _write(tmp_path / "same.txt", "same content")
    first = sm.File(local, parent=project).store()
    log.reset_request_log()
    first.store()
    assert log.request_log() == []  # nothing at all: content, entity and annotations unchanged
    again = sm.File(local, parent=project)  # a fresh object for the same name adopts the entity
    again.store()
    assert _count(log, "PUT", PART_PUT) == 0
    assert again.id == first.id and again.version_number == 1


def test_get_hits_the_cache_and_downloads_nothing(project: sm.Project, tmp_path: Path, log: Any) -> None:
    local = _write(tmp_path / "cached.txt", "cache me")
    stored = sm.File(local, parent=project).store()
    first = sm.File.get(stored.id)
    assert first.path == str(local)  # the uploaded copy is the cached copy
    elsewhere = sm.File.get(stored.id, download_location=tmp_path / "dl")
    assert _count(log, "GET", DOWNLOAD_GET) == 0  # copied from the cached copy, not downloaded
    log.reset_request_log()
    again = sm.File.get(stored.id, download_location=tmp_path / "dl")
    assert again.path == elsewhere.path and Path(str(again.path)).read_text() == "cache me"
    assert [p for _, p, _ in log.request_log()] == [f"/repo/v1/entity/{stored.id}/bundle2"]


def test_get_downloads_into_the_cache_layout_with_a_compatible_cache_map(
    project: sm.Project, tmp_path: Path, cache_root: Path, log: Any
) -> None:
    local = _write(tmp_path / "layout.txt", "layout")
    stored = sm.File(local, parent=project).store()
    local.unlink()
    loaded = sm.File.get(stored.id)
    fhid = int(str(stored.data_file_handle_id))
    expected_dir = cache_root / str(fhid % 1000) / str(fhid)
    assert Path(str(loaded.path)).parent == expected_dir
    assert _count(log, "GET", DOWNLOAD_GET) == 1
    from synapseclient.core.cache import Cache as OfficialCache

    official = OfficialCache(cache_root_dir=str(cache_root))
    assert official.get(fhid) == str(loaded.path)  # the official client sees our cache entry


def test_content_change_makes_a_new_version_with_label_and_comment(
    project: sm.Project, tmp_path: Path
) -> None:
    local = _write(tmp_path / "v.txt", "one")
    f = sm.File(local, parent=project, annotations={"a": 1}).store()
    assert (f.version_number, f.version_label) == (1, "1")
    f.annotations["a"] = 2
    f.store()
    assert f.version_number == 1  # annotations alone do not make a version
    _write(local, "two")
    f.version_comment = "second run"
    f.store()
    assert (f.version_number, f.version_label, f.version_comment) == (2, "2", "second run")
    _write(local, "three")
    f.version_label = "final"
    f.store()
    assert (f.version_number, f.version_label) == (3, "final")
    f.store(force_version=True)
    assert f.version_number == 4
    versions = list(f.versions())
    assert [v.version_number for v in versions] == [4, 3, 2, 1]
    assert versions[2].version_comment == "second run"
    old = sm.File.get(f"{f.id}.1", download_location=tmp_path / "old")
    assert Path(str(old.path)).read_text() == "one" and old.version_number == 1
    f.delete(version=2)
    assert [v.version_number for v in f.versions()] == [4, 3, 1]


def test_store_resumes_an_interrupted_upload_from_parts_state(
    project: sm.Project, big_file: Path, log: Any, alice_token: str
) -> None:
    copy = big_file.with_name("resume.bin")
    copy.write_bytes(big_file.read_bytes()[::-1])
    log.inject_fault(method="PUT", path=f"{PART_PUT}*/3", drop_connection=True, times=3)
    # two retries per request: the three dropped connections outlast them, so this store fails
    impatient = sm.connect(
        alice_token, endpoint=log.endpoint, name="impatient", retry=sm.RetryPolicy(attempts=2, backoff=0.01)
    )
    f = sm.File(copy, parent=project)
    with pytest.raises(sm.TransferError, match="part 3"):
        f.store(connection=impatient)
    assert f.id is None
    log.reset_request_log()
    f.store()
    assert _count(log, "PUT", PART_PUT) == 1  # parts 1 and 2 were already added
    assert f.file_handle is not None and f.file_handle.content_md5 == _md5(copy)
    assert _md5(sm.File.get(f.id, download_location=copy.parent / "back").path or "") == _md5(copy)


def test_an_expired_part_url_is_signed_again(project: sm.Project, tmp_path: Path, log: Any) -> None:
    log.inject_fault(method="PUT", path=f"{PART_PUT}*", status=403)
    f = sm.File(_write(tmp_path / "expired.txt", "signed twice"), parent=project).store()
    assert _count(log, "POST", "/file/v1/file/multipart/") == 2  # the URL batch, then one fresh URL
    assert _count(log, "PUT", PART_PUT, 200) == 1
    assert sm.File.get(f.id, download=False).file_handle is not None


def test_get_resumes_an_interrupted_download_with_range(
    project: sm.Project, log: Any, tmp_path: Path
) -> None:
    big_file = _fresh_big(tmp_path, "range.bin")
    f = sm.File(big_file, parent=project).store()
    expected = _md5(big_file)
    big_file.unlink()  # no cached copy: the bytes must come from the server
    log.reset_request_log()
    log.inject_fault(method="GET", path=f"{DOWNLOAD_GET}*", truncate_body=True)
    loaded = sm.File.get(f.id, download_location=tmp_path / "partial")
    assert _md5(str(loaded.path)) == expected
    assert _count(log, "GET", DOWNLOAD_GET, 206) == 1  # the second request asked for the rest only
    assert not list((tmp_path / "partial").glob("*.synapse-partial"))


def test_large_files_download_as_concurrent_ranges(
    project: sm.Project, log: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_module, "RANGED_THRESHOLD", MIB)
    monkeypatch.setattr(download_module, "RANGE_SIZE", 4 * MIB)
    monkeypatch.setattr(download_module, "RANGED_ON_LOOPBACK", True)  # LocalSynapse is on 127.0.0.1
    big_file = _fresh_big(tmp_path, "ranged.bin")
    f = sm.File(big_file, parent=project).store()
    expected = _md5(big_file)
    big_file.unlink()
    log.reset_request_log()
    log.inject_fault(method="GET", path=f"{DOWNLOAD_GET}*", truncate_body=True)
    loaded = sm.File.get(f.id, download_location=tmp_path / "ranged")
    assert _md5(str(loaded.path)) == expected
    assert _count(log, "GET", DOWNLOAD_GET, 206) == 4  # three ranges, one resumed


def test_large_file_from_a_loopback_server_downloads_as_one_stream(
    project: sm.Project, log: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_module, "RANGED_THRESHOLD", MIB)
    big_file = _fresh_big(tmp_path, "one.bin")
    f = sm.File(big_file, parent=project).store()
    expected = _md5(big_file)
    big_file.unlink()
    log.reset_request_log()
    loaded = sm.File.get(f.id, download_location=tmp_path / "one")
    assert _md5(str(loaded.path)) == expected
    assert _count(log, "GET", DOWNLOAD_GET, 200) == 1 and _count(log, "GET", DOWNLOAD_GET, 206) == 0


def test_ranged_download_with_wrong_md5_raises_and_leaves_no_file(
    project: sm.Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_module, "RANGED_THRESHOLD", MIB)
    monkeypatch.setattr(download_module, "RANGE_SIZE", 4 * MIB)
    monkeypatch.setattr(download_module, "RANGED_ON_LOOPBACK", True)
    f = sm.File(_fresh_big(tmp_path, "bad.bin"), parent=project).store()
    target = tmp_path / "dl" / "bad.bin"
    with pytest.raises(sm.TransferError, match="md5"):
        download_file_handle(
            f.connection,
            file_handle_id=str(f.data_file_handle_id),  # type: ignore[arg-type]
            associate_object_id=str(f.id),
            associate_object_type="FileEntity",
            destination=target,
            expected_md5="0" * 32,
        )
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_md5_mismatch_raises_and_leaves_no_file(project: sm.Project, tmp_path: Path) -> None:
    f = sm.File(_write(tmp_path / "m.txt", "verify me"), parent=project).store()
    target = tmp_path / "dl" / "m.txt"
    with pytest.raises(sm.TransferError, match="md5"):
        download_file_handle(
            f.connection,
            file_handle_id=str(f.data_file_handle_id),  # type: ignore[arg-type]
            associate_object_id=str(f.id),
            associate_object_type="FileEntity",
            destination=target,
            expected_md5="0" * 32,
        )
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_download_that_keeps_failing_raises_and_a_later_get_resumes(
    project: sm.Project, tmp_path: Path, log: Any
) -> None:
    source = tmp_path / "t.bin"
    source.write_bytes(os.urandom(3 * MIB))
    expected = _md5(source)
    f = sm.File(source, parent=project).store()
    source.unlink()
    log.inject_fault(method="GET", path=f"{DOWNLOAD_GET}*", truncate_body=True, times=10)
    with pytest.raises(sm.TransferError):
        sm.File.get(f.id, download_location=tmp_path / "never")
    assert not (tmp_path / "never" / "t.bin").exists()
    partial = tmp_path / "never" / "t.bin.synapse-partial"
    assert 0 < partial.stat().st_size < 3 * MIB  # what arrived is kept under another name, for a resume
    log.clear_faults()
    log.reset_request_log()
    again = sm.File.get(f.id, download_location=tmp_path / "never")
    assert _md5(str(again.path)) == expected and not partial.exists()
    assert _count(log, "GET", DOWNLOAD_GET, 206) == 1  # the next call continued from the partial file


@pytest.mark.parametrize("mode", ["keep.both", "overwrite.local", "keep.local"])
def test_if_collision_modes(project: sm.Project, tmp_path: Path, log: Any, mode: str) -> None:
    f = sm.File(_write(tmp_path / "c.txt", "remote"), parent=project).store()
    target_dir = tmp_path / "mine"
    target_dir.mkdir()
    mine = _write(target_dir / "c.txt", "local edits")
    Path(tmp_path / "c.txt").unlink()  # no cached copy anywhere: a real download is needed
    loaded = sm.File.get(f.id, download_location=target_dir, if_collision=mode)  # type: ignore[arg-type]
    if mode == "keep.both":
        assert loaded.path == str(target_dir / "c(1).txt")
        assert Path(loaded.path).read_text() == "remote" and mine.read_text() == "local edits"
    elif mode == "overwrite.local":
        assert loaded.path == str(mine) and mine.read_text() == "remote"
    else:
        assert loaded.path == str(mine) and mine.read_text() == "local edits"
        assert _count(log, "GET", DOWNLOAD_GET) == 0


def test_same_content_in_the_way_is_adopted_not_renamed(project: sm.Project, tmp_path: Path) -> None:
    f = sm.File(_write(tmp_path / "s.txt", "same"), parent=project).store()
    (tmp_path / "mine").mkdir()
    existing = _write(tmp_path / "mine" / "s.txt", "same")
    loaded = sm.File.get(f.id, download_location=tmp_path / "mine")
    assert loaded.path == str(existing)


def test_external_urls_record_without_moving_bytes(project: sm.Project, tmp_path: Path, log: Any) -> None:
    ext = sm.File(url="https://example.org/data/atlas.csv", parent=project).store()
    assert ext.name == "atlas.csv"
    assert isinstance(ext.file_handle, sm.ExternalFileHandle)
    assert _count(log, "POST", "/file/v1/file/multipart") == 0
    loaded = sm.File.get(ext.id, download=False)
    assert loaded.url == "https://example.org/data/atlas.csv" and loaded.path is None
    local = _write(tmp_path / "kept_here.txt", "not uploaded")
    linked = sm.File(local, parent=project, synapse_store=False).store()
    assert linked.url == local.resolve().as_uri()
    assert _count(log, "PUT", PART_PUT) == 0
    back = sm.File.get(linked.id)
    assert back.path == str(local.resolve())
    assert isinstance(back.file_handle, sm.ExternalFileHandle)
    assert back.file_handle.content_md5 == _md5(local)


def test_provenance_round_trips_across_versions(project: sm.Project, tmp_path: Path) -> None:
    raw = sm.File(_write(tmp_path / "raw.txt", "raw"), parent=project).store()
    script = "https://github.com/org/repo/blob/main/clean.py"
    out = _write(tmp_path / "clean.txt", "clean v1")
    f = sm.File(
        out, parent=project, activity=sm.Activity("clean", "drop bad rows", used=[raw], executed=[script])
    ).store()
    first = sm.Activity.get(f)
    assert first.name == "clean" and first.description == "drop bad rows"
    assert first.used == [sm.UsedEntity(reference=Reference(target_id=str(raw.id), target_version_number=1))]
    assert first.executed == [sm.UsedURL(url=script, name=script, was_executed=True)]
    _write(out, "clean v2")
    f.activity = sm.Activity("clean again", used=[(raw, 1), f"{raw.id}.1"])
    f.store()
    assert f.version_number == 2
    assert sm.Activity.get(f, 1).name == "clean"
    assert sm.Activity.get(f"{f.id}.2").name == "clean again"
    assert sm.File.get(f"{f.id}.1", download=False).activity.name == "clean"  # type: ignore[union-attr]
    loaded = sm.File.get(f.id, download=False)
    assert loaded.activity is not None and loaded.activity.name == "clean again"
    loaded.activity = None
    loaded.store()
    with pytest.raises(sm.NotFoundError):
        sm.Activity.get(f, 2)
    assert sm.Activity.get(f, 1).name == "clean"
    assert sm.File.get(f.id, download=False).activity is None


def test_activity_update_is_stored_with_the_file(project: sm.Project, tmp_path: Path) -> None:
    f = sm.File(_write(tmp_path / "a.txt", "a"), parent=project, activity=sm.Activity("draft")).store()
    f.activity.description = "now described"  # type: ignore[union-attr]
    f.store()
    assert sm.Activity.get(f).description == "now described"
    assert f.version_number == 1


def test_from_path_finds_the_entity_by_md5(project: sm.Project, tmp_path: Path) -> None:
    local = _write(tmp_path / "find.txt", "find me by content " + str(project.id))
    stored = sm.File(local, parent=project).store()
    found = sm.File.from_path(local)
    assert found.id == stored.id and found.path == str(local)
    with pytest.raises(sm.NotFoundError):
        sm.File.from_path(_write(tmp_path / "unknown.txt", "nobody has this " + str(project.id)))


def test_store_all_reports_each_failure_and_stores_the_rest(
    project: sm.Project, tmp_path: Path, log: Any
) -> None:
    files: list[sm.Entity] = [
        sm.File(
            _write(tmp_path / f"f{i}.txt", f"file {i}"),
            parent=project,
            annotations={"i": i, "kind": "bulk", "ok": True},
        )
        for i in range(12)
    ]
    files.insert(3, sm.File(tmp_path / "missing.txt", parent=project))
    files.insert(7, sm.File(_write(tmp_path / "orphan.txt", "x"), parent="syn999999999"))
    results = sm.store_all(files, max_workers=4)
    assert len(results) == 14 and not results.ok
    assert [r.entity for r in results] == files
    assert [files.index(r.entity) for r in results.failed] == [3, 7]
    assert isinstance(results[3].error, sm.ValidationError)
    assert isinstance(results[7].error, (sm.NotFoundError, sm.ForbiddenError))
    stored = {h.name for h in project.children()}
    assert stored == {f"f{i}.txt" for i in range(12)}
    assert sm.File.get(results[0].entity.id, download=False).annotations["kind"] == ["bulk"]
    with pytest.raises(sm.ValidationError):
        results.raise_first()


def test_bob_cannot_download_alices_file(
    project: sm.Project, tmp_path: Path, bob: sm.Connection, alice: sm.Connection
) -> None:
    f = sm.File(_write(tmp_path / "private.txt", "alice only"), parent=project).store(connection=alice)
    with pytest.raises(sm.ForbiddenError):
        sm.File.get(f.id, connection=bob, download_location=tmp_path / "bob")
    with pytest.raises(sm.ForbiddenError):
        download_file_handle(
            bob,
            file_handle_id=str(f.data_file_handle_id),
            associate_object_id=str(f.id),
            associate_object_type="FileEntity",
            destination=tmp_path / "bob" / "x",
        )
    assert not (tmp_path / "bob").exists()


def test_bad_input_is_rejected_before_any_request(project: sm.Project, tmp_path: Path, log: Any) -> None:
    log.reset_request_log()
    with pytest.raises(sm.ValidationError, match="path"):
        sm.File(tmp_path / "nope.txt", parent=project).store()
    with pytest.raises(sm.ValidationError, match="parent"):
        sm.File(_write(tmp_path / "p.txt", "x")).store()
    with pytest.raises(sm.ValidationError, match="used"):
        sm.File(tmp_path / "p.txt", parent=project, activity=sm.Activity("x", used=[3.5])).store()
    with pytest.raises(sm.ValidationError, match="url"):
        sm.File(url="gopher://example.org/menu.txt", parent=project).store()
    with pytest.raises(sm.ValidationError, match="if_collision"):
        sm.File.get("syn1", if_collision="replace")  # type: ignore[arg-type]
    with pytest.raises(sm.ValidationError, match="id"):
        sm.File.get("file-1")
    with pytest.raises(sm.ValidationError, match="version"):
        sm.File.get("syn1", version=0)
    with pytest.raises(sm.ValidationError, match="name"):
        sm.File(tmp_path / "bad[name].txt", parent=project)
    assert log.request_log() == []


def test_get_of_a_folder_id_is_rejected(project: sm.Project) -> None:
    folder = sm.Folder(name="not a file", parent=project).store()
    with pytest.raises(sm.ValidationError, match="Folder"):
        sm.File.get(folder.id)


def test_transfer_api_round_trips_bytes(project: sm.Project, alice: sm.Connection, tmp_path: Path) -> None:
    handle = upload_bytes(alice, b"raw bytes", "note.txt", parent_id=project.id)
    assert handle["contentSize"] == 9 and handle["contentType"] == "text/plain"
    f = sm.File(data_file_handle_id=handle["id"], parent=project, name="note.txt").store()
    assert (
        fetch_bytes(
            alice,
            file_handle_id=handle["id"],
            associate_object_id=str(f.id),
            associate_object_type="FileEntity",
        )
        == b"raw bytes"
    )
    local = _write(tmp_path / "up.txt", "via path")
    by_path = upload_path(alice, local, parent_id=project.id, file_name="renamed.txt")
    assert by_path["fileName"] == "renamed.txt" and by_path["contentMd5"] == _md5(local)


def test_cache_map_records_stored_file_so_it_is_not_rehashed(
    project: sm.Project, tmp_path: Path, cache_root: Path
) -> None:
    local = _write(tmp_path / "h.txt", "hash once")
    f = sm.File(local, parent=project).store()
    assert Cache(cache_root).known_md5(str(f.data_file_handle_id), local) == _md5(local)


def test_a_local_name_outside_the_name_rules_uploads_under_the_entity_name(
    project: sm.Project, tmp_path: Path
) -> None:
    odd = _write(tmp_path / "run[1].txt", "odd name")
    f = sm.File(odd, name="run 1.txt", parent=project).store()
    assert f.file_handle is not None and f.file_handle.file_name == "run 1.txt"
    odd.unlink()
    back = sm.File.get(f.id, download_location=tmp_path / "back")
    assert back.path == str(tmp_path / "back" / "run 1.txt")
