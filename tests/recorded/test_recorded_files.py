"""Files: a multipart upload of two parts, downloads and the cache, versions, provenance, external URLs."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.transfer.upload import MIN_PART_SIZE, default_part_size

from .conftest import Made, Recording

TWO_PARTS = MIN_PART_SIZE + 300_000
"""Just over the smallest part the REST API accepts, so the upload has two parts (the parts' bytes are
stored in the cassette as their length and md5 only)."""


def _random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)  # the same bytes in every run: replay sends the same parts


@pytest.mark.vcr
def test_multipart_upload_download_and_cache(
    recording: Recording, connection: sm.Connection, made: Made, tmp_path: Path
) -> None:
    project = made(sm.Project(name=recording.name("files")).store())
    raw = sm.Folder(name="raw", parent=project).store()
    big = tmp_path / "reads.bin"
    big.write_bytes(_random_bytes(TWO_PARTS, seed=1))
    assert default_part_size(TWO_PARTS) < TWO_PARTS  # the premise: more than one part

    reads = sm.File(str(big), parent=raw, annotations={"lane": 3}).store()
    assert recording.requests_made("PUT", r"/multipart/\d+/add/\d+$") == 2
    assert reads.file_handle is not None
    assert reads.file_handle.content_md5 == hashlib.md5(big.read_bytes()).hexdigest()
    assert reads.file_handle.content_size == TWO_PARTS
    assert (reads.version_number, reads.annotations) == (1, {"lane": [3]})
    loaded = sm.File.get(str(reads.id), download=False)
    assert loaded.file_handle is not None and loaded.file_handle.content_md5 == reads.file_handle.content_md5

    sheet = tmp_path / "samples.csv"
    sheet.write_text("donor,group\nD01,case\nD02,control\n")
    small = sm.File(str(sheet), parent=raw, description="the sample sheet").store()
    assert small.file_handle is not None and small.file_handle.content_type == "text/csv"
    downloads, elsewhere = tmp_path / "downloads", tmp_path / "another-cache"  # the upload is cached
    got = sm.File.get(str(small.id), download_location=downloads, cache_root=elsewhere)
    assert Path(str(got.path)) == downloads / "samples.csv"
    assert Path(str(got.path)).read_text() == "donor,group\nD01,case\nD02,control\n"
    assert recording.requests_made("GET", authorized=False) == 1  # the bytes, from a presigned URL

    again = sm.File.get(str(small.id), download_location=downloads, cache_root=elsewhere)
    assert again.path == got.path
    assert recording.requests_made("GET", authorized=False) == 1  # a cache hit: nothing downloaded

    found = sm.File.from_path(sheet)
    assert (found.id, found.version_number) == (small.id, 1)


@pytest.mark.vcr
def test_versions_and_provenance(
    recording: Recording, connection: sm.Connection, made: Made, tmp_path: Path
) -> None:
    project = made(sm.Project(name=recording.name("versions")).store())
    reads_path = tmp_path / "reads.txt"
    reads_path.write_text("ACGT\n" * 100)
    reads = sm.File(str(reads_path), parent=project).store()
    script = "https://github.com/sage-demo/rnaseq/blob/v1.0/count.py"

    counts_path = tmp_path / "counts.tsv"
    counts_path.write_text("gene\tD1\nG1\t10\n")
    first_run = sm.Activity("count reads", "featureCounts", used=[reads], executed=[script])
    counts = sm.File(str(counts_path), parent=project, activity=first_run).store()
    assert counts.version_number == 1

    counts_path.write_text("gene\tD1\nG1\t10\nG2\t7\n")
    counts.version_comment = "added G2"
    counts.activity = sm.Activity("count reads again", used=[(reads, 1)], executed=[script + "?v=2"])
    counts.store()
    assert counts.version_number == 2

    versions = [(v.version_number, v.version_comment) for v in counts.versions()]
    assert versions == [(2, "added G2"), (1, None)]
    provenance = sm.Activity.get(counts, 1)
    assert provenance.name == "count reads"
    assert [u.reference.target_id for u in provenance.used if isinstance(u, sm.UsedEntity)] == [reads.id]
    assert [u.url for u in provenance.executed if isinstance(u, sm.UsedURL)] == [script]
    assert sm.Activity.get(str(counts.id)).name == "count reads again"

    old = sm.File.get(f"{counts.id}.1", download_location=tmp_path / "v1")
    assert Path(str(old.path)).read_text() == "gene\tD1\nG1\t10\n"
    assert old.activity is not None and old.activity.name == "count reads"

    counts.activity = None
    counts.store()
    with pytest.raises(sm.NotFoundError):
        sm.Activity.get(counts)

    counts.delete(version=1)
    assert [v.version_number for v in counts.versions()] == [2]

    link = sm.File(url="https://example.org/data/reference.fa", parent=project).store()
    external = sm.File.get(str(link.id), download=False)
    assert isinstance(external.file_handle, sm.ExternalFileHandle)
    assert external.url == "https://example.org/data/reference.fa"
