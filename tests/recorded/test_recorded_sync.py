"""Bulk work: a directory up with a manifest (``sm.generate_manifest``, ``sm.sync_to``), a tree down
(``sm.sync_from``), a second run of each that transfers nothing, and ``sm.copy`` of the project.

Each call runs with one worker: the requests, and how they are batched, are then the same in every run.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import synapse_models as sm

from .conftest import Made, Recording

FILES = {
    "summary.txt": "3 lanes, 2 donors\n",
    "lane1/reads_a.txt": "ACGT\n" * 20,
    "lane1/reads_b.txt": "TTGA\n" * 30,
}


@pytest.mark.vcr
def test_sync_up_down_and_copy(
    recording: Recording, connection: sm.Connection, made: Made, tmp_path: Path
) -> None:
    project = made(sm.Project(name=recording.name("sync")).store())
    source = tmp_path / "results"
    for relative, text in FILES.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text(text)

    manifest = sm.generate_manifest(source, project)
    with manifest.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        row["stage"] = "raw" if "lane1" in row["path"] else "summary"
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0].keys()], delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    up = sm.sync_to(manifest, max_workers=1, echo=None)
    assert up.ok and up.counts() == {"created": 3}
    assert sm.sync_to(manifest, max_workers=1, echo=None).counts() == {"unchanged": 3}
    lane = sm.Folder.get(name="lane1", parent=project)
    assert sorted(h.name for h in lane.children()) == ["reads_a.txt", "reads_b.txt"]
    reads_a = sm.File.get(name="reads_a.txt", parent=lane, download=False)
    assert reads_a.annotations == {"stage": ["raw"]}

    down, fresh = tmp_path / "down", tmp_path / "fresh-cache"  # the uploads are in the default cache
    got = sm.sync_from(project, down, max_workers=1, cache_root=fresh)
    assert got.ok and got.counts() == {"downloaded": 3}
    for relative, text in FILES.items():
        assert (down / relative).read_text() == text
    with (down / "SYNAPSE_METADATA_MANIFEST.tsv").open(newline="") as handle:
        written = {row["name"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert written["reads_b.txt"]["stage"] == "raw" and written["summary.txt"]["stage"] == "summary"
    assert sm.sync_from(project, down, max_workers=1, cache_root=fresh).counts() == {"unchanged": 3}

    target = made(sm.Project(name=recording.name("sync copy")).store())
    copied = sm.copy(project, target, max_workers=1)
    assert copied.ok
    copy_of_a = sm.File.get(copied.mapping[str(reads_a.id)], download=False)
    assert (copy_of_a.name, copy_of_a.annotations) == ("reads_a.txt", {"stage": ["raw"]})
    assert copy_of_a.file_handle is not None and copy_of_a.file_handle.content_md5 == (
        reads_a.file_handle.content_md5 if reads_a.file_handle else None
    )
