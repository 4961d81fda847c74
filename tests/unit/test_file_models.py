"""File, FileHandle, Activity and transfer helpers without a server: construction, validation, wire format."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models._convert import from_wire, to_wire
from synapse_models.models.activity import Reference
from synapse_models.transfer.download import _is_loopback
from synapse_models.transfer.progress import Progress, progress_enabled
from synapse_models.transfer.upload import (
    MIN_PART_SIZE,
    default_part_size,
    guess_content_type,
    md5_of_path,
    md5_of_path_and_parts,
    part_size_for,
)

MIB = 1024 * 1024


def test_file_takes_path_positionally_and_defaults_name(tmp_path: Path) -> None:
    f = sm.File(tmp_path / "counts.tsv", parent="syn10", description="d")
    assert f.path == str(tmp_path / "counts.tsv") and f.name == "counts.tsv" and f.parent_id == "syn10"
    assert sm.File(url="https://example.org/a/b.csv", parent="syn1").name == "b.csv"
    assert sm.File(tmp_path / "x.txt", name="other.txt", parent="syn1").name == "other.txt"
    with pytest.raises(TypeError):
        sm.File(tmp_path / "x.txt", "syn1")  # type: ignore[call-arg]


def test_file_wire_body_has_no_local_fields(tmp_path: Path) -> None:
    f = sm.File(
        tmp_path / "a.txt",
        parent="syn1",
        data_file_handle_id="99",
        content_type="text/plain",
        activity=sm.Activity("x"),
    )
    assert to_wire(f) == {
        "concreteType": "org.sagebionetworks.repo.model.FileEntity",
        "name": "a.txt",
        "parentId": "syn1",
        "dataFileHandleId": "99",
    }


def test_file_entity_json_becomes_a_file_with_its_unknown_fields_kept() -> None:
    data = {
        "concreteType": "org.sagebionetworks.repo.model.FileEntity",
        "id": "syn3",
        "name": "a.txt",
        "parentId": "syn1",
        "etag": "e",
        "versionNumber": 2,
        "versionLabel": "v2",
        "isLatestVersion": True,
        "dataFileHandleId": "7",
        "fileNameOverride": "b.txt",
    }
    f = from_wire(sm.Entity, data)
    assert isinstance(f, sm.File) and f.version_number == 2 and f.data_file_handle_id == "7"
    assert to_wire(f)["fileNameOverride"] == "b.txt"


def test_file_handle_union_dispatches_on_concrete_type() -> None:
    s3 = from_wire(
        sm.FileHandle,
        {
            "concreteType": "org.sagebionetworks.repo.model.file.S3FileHandle",
            "id": "1",
            "contentMd5": "abc",
            "contentSize": 3,
            "bucketName": "b",
        },
    )
    ext = from_wire(
        sm.FileHandle,
        {
            "concreteType": "org.sagebionetworks.repo.model.file.ExternalFileHandle",
            "id": "2",
            "externalURL": "https://x.org/f",
        },
    )
    google = "org.sagebionetworks.repo.model.file.GoogleCloudFileHandle"
    other = from_wire(sm.FileHandle, {"concreteType": google, "id": "3", "bucketName": "g"})
    assert isinstance(s3, sm.S3FileHandle) and s3.content_size == 3 and s3.bucket_name == "b"
    assert isinstance(ext, sm.ExternalFileHandle) and ext.external_url == "https://x.org/f"
    assert type(other).__name__ == "UnknownFileHandle" and other.id == "3"


def test_activity_accepts_every_item_form() -> None:
    folder = sm.Folder(name="f", parent="syn1")
    folder.id = "syn5"
    versioned = sm.File(url="https://x.org/a.txt", parent="syn1")
    versioned.id = "syn6"
    object.__setattr__(versioned, "version_number", 3)
    act = sm.Activity(
        "run",
        "desc",
        used=[
            folder,
            versioned,
            "syn7",
            "syn8.2",
            ("syn9", 4),
            (versioned, 1),
            "https://data.org/x.csv",
            sm.UsedURL(url="https://y.org", name="y"),
        ],
        executed=["https://github.com/o/r/s.py", sm.UsedEntity(reference=Reference(target_id="syn2"))],
    )
    refs = [
        (u.reference.target_id, u.reference.target_version_number)
        for u in act.used
        if isinstance(u, sm.UsedEntity)
    ]
    assert refs == [("syn5", None), ("syn6", 3), ("syn7", None), ("syn8", 2), ("syn9", 4), ("syn6", 1)]
    assert [u.url for u in act.used if isinstance(u, sm.UsedURL)] == [
        "https://data.org/x.csv",
        "https://y.org",
    ]
    assert all(e.was_executed for e in act.executed) and not any(u.was_executed for u in act.used)


def test_activity_wire_round_trip_keeps_used_and_executed_apart() -> None:
    act = sm.Activity("run", used=["syn1.1"], executed=["https://github.com/o/r"])
    body = act.to_wire()
    assert body["used"] == [
        {
            "concreteType": "org.sagebionetworks.repo.model.provenance.UsedEntity",
            "wasExecuted": False,
            "reference": {"targetId": "syn1", "targetVersionNumber": 1},
        },
        {
            "concreteType": "org.sagebionetworks.repo.model.provenance.UsedURL",
            "wasExecuted": True,
            "url": "https://github.com/o/r",
            "name": "https://github.com/o/r",
        },
    ]
    back = sm.Activity.from_wire({**body, "id": "5", "etag": "e", "createdOn": "2024-01-01T00:00:00.000Z"})
    assert back == sm.Activity("run", used=["syn1.1"], executed=["https://github.com/o/r"], id="5")
    assert not back.changed
    back.description = "now"
    assert back.changed


@pytest.mark.parametrize(
    "item",
    [3.5, None, "not an id", ("syn1", 0), ("syn1", 1, 2), ("https://x.org", 2), ("syn1.2", 3), b"syn1"],
)
def test_activity_rejects_bad_items_with_the_field_named(item: object) -> None:
    with pytest.raises(sm.ValidationError) as caught:
        sm.Activity("x", used=["syn1", item])
    assert caught.value.field.startswith("used[")


def test_activity_rejects_unstored_entities_and_late_bad_items() -> None:
    with pytest.raises(sm.ValidationError, match="store"):
        sm.Activity(executed=[sm.Folder(name="new", parent="syn1")])
    act = sm.Activity("x")
    act.used.append(42.0)  # type: ignore[arg-type]
    with pytest.raises(sm.ValidationError):
        act.check()


def test_part_size_follows_the_rest_rules() -> None:
    assert part_size_for(0) == MIN_PART_SIZE
    assert part_size_for(11 * MIB) == 5 * MIB
    assert part_size_for(100 * 1024 * MIB) == -(-100 * 1024 * MIB // 10_000)
    assert part_size_for(11 * MIB, 8 * MIB) == 8 * MIB
    with pytest.raises(sm.ValidationError, match="part_size"):
        part_size_for(11 * MIB, MIB)
    with pytest.raises(sm.ValidationError, match="10,000"):
        part_size_for(10_001 * 5 * MIB, 5 * MIB)


def test_default_part_size_grows_to_16_mib_for_large_files() -> None:
    assert default_part_size(0) == default_part_size(11 * MIB) == default_part_size(320 * MIB) == 5 * MIB
    assert default_part_size(512 * MIB) == 8 * MIB
    assert default_part_size(1024 * MIB) == 16 * MIB  # 64 parts
    assert default_part_size(200 * 1024 * MIB) == part_size_for(200 * 1024 * MIB)  # 10,000 parts at most


def test_md5_of_path_and_parts_matches_hashing_each_part(tmp_path: Path) -> None:
    import hashlib
    import os

    data = os.urandom(11 * MIB + 123)
    path = tmp_path / "p.bin"
    path.write_bytes(data)
    whole, parts = md5_of_path_and_parts(path, 5 * MIB)
    assert whole == hashlib.md5(data).hexdigest()
    assert parts == [hashlib.md5(data[i : i + 5 * MIB]).hexdigest() for i in range(0, len(data), 5 * MIB)]
    (tmp_path / "empty").write_bytes(b"")
    assert md5_of_path_and_parts(tmp_path / "empty", 5 * MIB) == (
        hashlib.md5(b"").hexdigest(),
        [hashlib.md5(b"").hexdigest()],
    )
    exact = tmp_path / "exact.bin"
    exact.write_bytes(data[: 10 * MIB])
    assert len(md5_of_path_and_parts(exact, 5 * MIB)[1]) == 2


def test_loopback_urls_are_recognised() -> None:
    assert _is_loopback("http://127.0.0.1:8080/file/v1/x?a=1")
    assert _is_loopback("http://localhost/x") and _is_loopback("http://[::1]:9/x")
    assert not _is_loopback("https://s3.amazonaws.com/bucket/key")
    assert not _is_loopback("https://10.0.0.1/x")


def test_md5_and_content_type_helpers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a" * (9 * MIB))
    import hashlib

    assert md5_of_path(path) == hashlib.md5(b"a" * (9 * MIB)).hexdigest()
    assert guess_content_type("t.csv") == "text/csv"
    assert guess_content_type("blob.unknownext") == "application/octet-stream"


def test_progress_is_quiet_unless_asked_or_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert progress_enabled(None, 100 * MIB) is False  # pytest's stderr is not a TTY
    assert progress_enabled(True, 1) is True and progress_enabled(False, 100 * MIB) is False
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert progress_enabled(None, 100 * MIB) is True and progress_enabled(None, 1024) is False
    monkeypatch.setenv("SYNAPSE_MODELS_PROGRESS", "0")
    assert progress_enabled(None, 100 * MIB) is False
    with Progress(10 * MIB, "shown", progress=True) as bar:
        bar.update(10 * MIB)
        assert bar.shown and bar.done == 10 * MIB
    assert "shown" in capsys.readouterr().err


def test_import_loads_neither_tqdm_nor_requests() -> None:
    code = "import sys, synapse_models; print(sorted(m for m in ('tqdm', 'requests') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


def test_store_all_rejects_non_entities_before_any_request() -> None:
    with pytest.raises(sm.ValidationError, match=r"entities\[1\]"):
        sm.store_all([sm.Folder(name="a", parent="syn1"), "syn2"])  # type: ignore[list-item]
    with pytest.raises(sm.ValidationError, match="max_workers"):
        sm.store_all([], max_workers=0)


def test_store_result_reports_ok() -> None:
    folder = sm.Folder(name="a", parent="syn1")
    results = sm.StoreResults([sm.StoreResult(folder), sm.StoreResult(folder, ValueError("x"))])
    assert not results.ok and results.failed == [results[1]] and results[0].ok
    with pytest.raises(ValueError):
        results.raise_first()


def test_an_empty_file_is_refused_before_any_request(tmp_path: Path) -> None:
    from synapse_models.credentials import Endpoints
    from synapse_models.transport import MockTransport, Request, Response

    sent: list[Request] = []

    def server(request: Request) -> Response:
        sent.append(request)
        return Response(500, json={"reason": "no request was expected"})

    endpoints = Endpoints.from_base("https://synapse.test", "t")
    conn = sm.Connection(endpoints, "token", transport=MockTransport(server))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(sm.ValidationError) as caught:
        sm.File(empty, parent="syn1").store(connection=conn)
    assert caught.value.field == "path" and "empty (0 bytes)" in str(caught.value)
    assert sent == []
