"""Entities: projects and folders by id and by name, listing, updates with etags, moves, the trash, and
annotations of every type."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import synapse_models as sm

from .conftest import Made, Recording


@pytest.mark.vcr
def test_project_folder_round_trip_replays(
    recording: Recording, connection: sm.Connection, made: Made
) -> None:
    project = made(sm.Project(name=recording.name("entities"), annotations={"n": 1, "tag": "x"}).store())
    folder = sm.Folder(name="raw", parent=project, annotations={"ratio": 0.5}).store()

    by_id = sm.Folder.get(str(folder.id))
    by_name = sm.Folder.get(name="raw", parent=project)
    assert by_id.id == by_name.id == folder.id
    assert by_id.annotations == {"ratio": [0.5]}
    assert sm.Project.get(name=recording.name("entities")).id == project.id
    assert sm.Entity.get(str(project.id)).annotations == {"n": [1], "tag": ["x"]}
    assert [(h.name, h.type) for h in project.children()] == [("raw", sm.Folder.CONCRETE_TYPE)]

    by_id.description = "updated"
    by_id.store()
    assert sm.Folder.get(str(folder.id)).description == "updated"

    stale = sm.Folder(name="raw", parent=project)
    stale.id, stale.etag = folder.id, folder.etag  # the etag from before the update
    stale.description = "stale write"
    with pytest.raises(sm.PreconditionFailedError):
        stale.store()

    again = sm.Folder(name="raw", parent=project, annotations={"stage": "raw"}).store()  # create-or-update
    assert again.id == folder.id
    assert again.annotations == {"ratio": [0.5], "stage": ["raw"]}
    with pytest.raises(sm.ConflictError):
        sm.Folder(name="raw", parent=project).store(create_or_update=False)

    with pytest.raises(sm.ValidationError, match="is a Folder, not a Project"):
        sm.Project.get(str(folder.id))


@pytest.mark.vcr
def test_move_walk_and_trash(recording: Recording, connection: sm.Connection, made: Made) -> None:
    project = made(sm.Project(name=recording.name("tree")).store())
    raw = sm.Folder(name="raw", parent=project).store()
    archive = sm.Folder(name="archive", parent=project).store()
    lane = sm.Folder(name="lane 1", parent=raw).store()

    lane.parent = archive
    lane.store()
    assert sm.Folder.get(str(lane.id)).parent_id == archive.id
    assert [h.name for h in archive.children()] == ["lane 1"]
    assert list(raw.children()) == []
    walked = [(top.name, sorted(f.name for f in folders)) for top, folders, _ in project.walk()]
    assert sorted(walked) == sorted(
        [(recording.name("tree"), ["archive", "raw"]), ("archive", ["lane 1"]), ("lane 1", []), ("raw", [])]
    )

    archive.delete()  # to the trash, with what is inside
    with pytest.raises(sm.NotFoundError):
        sm.Folder.get(str(archive.id))
    with pytest.raises(sm.NotFoundError):
        sm.Folder.get(str(lane.id))
    trash = connection.get("/trashcan/view", params={"offset": 0, "limit": 50})
    assert archive.id in {item["entityId"] for item in trash["results"]}
    assert [h.name for h in project.children()] == ["raw"]


@pytest.mark.vcr
def test_annotations_of_every_type_round_trip(
    recording: Recording, connection: sm.Connection, made: Made
) -> None:
    when = datetime(2023, 5, 17, 8, 30, 15, 250000, tzinfo=timezone.utc)
    notes = {
        "species": "Homo sapiens",
        "tissues": ["brain", "blood"],
        "n_samples": 12,
        "lanes": [1, 2, 3],
        "rin": 8.25,
        "mixed": [1, 2.5],
        "qc_pass": True,
        "flags": [True, False],
        "collected": when,
    }
    project = made(sm.Project(name=recording.name("annotations"), annotations=notes).store())

    loaded = sm.Project.get(str(project.id)).annotations
    assert loaded == {
        "species": ["Homo sapiens"],
        "tissues": ["brain", "blood"],
        "n_samples": [12],
        "lanes": [1, 2, 3],
        "rin": [8.25],
        "mixed": [1.0, 2.5],
        "qc_pass": [True],
        "flags": [True, False],
        "collected": [when],
    }
    assert type(loaded["n_samples"][0]) is int and type(loaded["mixed"][0]) is float
    assert type(loaded["qc_pass"][0]) is bool

    project.annotations["n_samples"] = 13
    del project.annotations["flags"]
    project.annotations["note"] = "added later"
    project.store()
    again = sm.Project.get(str(project.id)).annotations
    assert again["n_samples"] == [13] and again["note"] == ["added later"] and "flags" not in again

    folder = sm.Folder(name="typed", parent=project, annotations={"when": [when, when.replace(year=2024)]})
    folder.store()
    assert sm.Folder.get(str(folder.id)).annotations["when"] == [when, when.replace(year=2024)]
