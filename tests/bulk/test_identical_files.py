"""Identical files uploaded at the same time: Synapse names an upload by the request's hash (user, file name,
md5, size, part size), so two of them are one upload; the second finds the first one's file handle."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import synapse_models as sm
from synapse_models.transfer import upload as transfer


def test_an_upload_completed_meanwhile_by_an_identical_one_takes_its_file_handle(
    alice: sm.Connection, project: sm.Project
) -> None:
    data = os.urandom(3000)
    other: dict[str, object] = {}

    def read_part(offset: int, length: int) -> bytes:
        if not other:  # the identical upload starts and completes while this one is between its requests
            other.update(transfer.upload_bytes(alice, data, "same.bin", parent_id=project.id))
        return data[offset : offset + length]

    request = transfer._request(
        "same.bin",
        "application/octet-stream",
        hashlib.md5(data).hexdigest(),
        len(data),
        transfer.part_size_for(len(data)),
    )
    handle = transfer._multipart(
        alice, request, read_part, parent_id=project.id, max_workers=1, progress=False
    )

    assert handle["id"] == other["id"] and handle["contentMd5"] == hashlib.md5(data).hexdigest()


def test_sync_to_uploads_same_named_identical_files_of_two_folders(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    for plate in ("plate1", "plate2"):
        for well in range(1, 4):
            path = tmp_path / "results" / plate / f"well{well}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"cell,area\n1,{well * 17}\n")  # plate1/wellN and plate2/wellN are the same
    manifest = sm.generate_manifest(tmp_path / "results", project, tmp_path / "manifest.tsv")

    results = sm.sync_to(manifest, echo=None)

    assert results.ok, results.failed
    assert results.counts() == {"created": 6}
    for well in range(1, 4):
        copies = [
            sm.File.get(name=f"well{well}.csv", parent=sm.Folder.get(name=p, parent=project), download=False)
            for p in ("plate1", "plate2")
        ]
        assert copies[0].file_handle is not None and copies[1].file_handle is not None
        assert copies[0].file_handle.content_md5 == copies[1].file_handle.content_md5
