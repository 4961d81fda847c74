"""Bad input to the bulk functions: a clear ValidationError naming the field, before any request; and the
manifest cell encoding both ways."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.sync.manifest import format_values
from synapse_models.sync.manifest_read import parse_cell


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda tmp: sm.sync_from("syn1", tmp, if_collision="replace"), "if_collision"),
        (lambda tmp: sm.sync_from("syn1", tmp, manifest="some"), "manifest"),
        (lambda tmp: sm.sync_from("syn1", 42), "path"),
        (lambda tmp: sm.sync_from("syn1", tmp, include=[1, 2]), "include"),
        (lambda tmp: sm.sync_from("syn1", tmp, versions={"syn1": 0}), "versions['syn1']"),
        (lambda tmp: sm.sync_from("syn1", tmp, versions="all"), "versions"),
        (lambda tmp: sm.sync_from("syn1", tmp, shard=(1, 1)), "shard"),
        (lambda tmp: sm.sync_from("not an id", tmp), "container"),
        (lambda tmp: sm.sync_to(tmp / "missing.tsv"), "source"),
        (lambda tmp: sm.sync_to(tmp, None), "parent"),
        (lambda tmp: sm.sync_to(tmp, "syn1", shard=(0, 0)), "shard"),
        (lambda tmp: sm.sync_to(tmp, "syn1", max_workers=0), "max_workers"),
        (lambda tmp: sm.sync_to(tmp, "syn1", executor="threads"), "executor"),
        (lambda tmp: sm.copy("syn1", "syn2", versions="some"), "versions"),
        (lambda tmp: sm.copy("syn1", "syn2", on_clash="overwrite"), "on_clash"),
        (lambda tmp: sm.copy("syn1", "syn2", provenance="copied"), "provenance"),
        (lambda tmp: sm.copy("syn1", "folder"), "destination"),
        (lambda tmp: sm.generate_manifest(tmp / "nope", "syn1"), "directory"),
        (lambda tmp: sm.walk("syn1", max_workers=0), "max_workers"),
        (lambda tmp: sm.walk("syn1", include=["spreadsheet"]), "include"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    alice: sm.Connection, tmp_path: Path, log: Any, call: Any, field: str
) -> None:
    log.reset_request_log()
    with pytest.raises(sm.ValidationError) as caught:
        result = call(tmp_path)
        if hasattr(result, "__next__"):
            next(result)
    assert caught.value.field == field
    assert log.request_log() == []


def test_a_directory_sync_and_a_manifest_sync_refuse_each_others_arguments(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    manifest = tmp_path / "m.tsv"
    manifest.write_text("path\tparent\n")
    with pytest.raises(sm.ValidationError, match="give no parent"):
        sm.sync_to(manifest, project)
    local = tmp_path / "x.txt"
    local.write_text("x")
    file = sm.File(str(local), parent=project).store()
    with pytest.raises(sm.ValidationError, match="not a Project or Folder"):
        sm.sync_to(tmp_path, file)


def test_manifest_cells_are_written_as_the_official_client_writes_them() -> None:
    moment = datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert format_values(["a", "b", "c"]) == "[a,b,c]"
    assert format_values(["with,comma", "plain"]) == '["with,comma",plain]'
    assert format_values(["with,comma"]) == "with,comma"
    assert format_values([True]) == "True" and format_values([1]) == "1" and format_values([1.0]) == "1.0"
    assert format_values([moment]) == "2020-01-01T00:00:00Z"
    assert format_values([moment + timedelta(milliseconds=250), moment]) == (
        "[2020-01-01T00:00:00.250Z,2020-01-01T00:00:00Z]"
    )
    assert format_values([]) == ""


def test_manifest_cells_are_read_as_the_official_client_types_them() -> None:
    assert parse_cell('[a, b, "c, d"]') == ["a", "b", "c, d"]
    assert parse_cell("12") == [12] and parse_cell("1.5") == [1.5] and parse_cell("TRUE") == [True]
    assert parse_cell("2020-01-02T03:04:05.1239Z") == [
        datetime(2020, 1, 2, 3, 4, 5, 124000, tzinfo=timezone.utc)
    ]
    assert parse_cell("'quoted'") == ["quoted"] and parse_cell("(1, 2)") == ["(1, 2)"]
    assert parse_cell("plain text") == ["plain text"] and parse_cell("[1, , 2]") == [1, 2]
    naive = parse_cell("2019-01-01")[0]
    assert naive.tzinfo is not None and naive.replace(tzinfo=None) == datetime(2019, 1, 1)
    assert parse_cell("9" * 5000) == ["9" * 5000]  # too long for an int: kept as text, no crash
