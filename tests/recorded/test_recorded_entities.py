"""The entity flows replayed from recorded HTTP interactions (no server needed)."""

from __future__ import annotations

import pytest

import synapse_models as sm


@pytest.mark.vcr
def test_project_folder_round_trip_replays(recorded_connection: sm.Connection) -> None:
    project = sm.Project(name="recorded project", annotations={"n": 1, "tag": "x"}).store()
    folder = sm.Folder(name="raw", parent=project, annotations={"ratio": 0.5}).store()
    loaded = sm.Folder.get(str(folder.id))
    assert loaded.annotations == {"ratio": [0.5]}
    assert [h.name for h in project.children()] == ["raw"]
    loaded.description = "updated"
    loaded.store()
    stale = sm.Folder(name="raw", parent=project)
    stale.id, stale.etag = folder.id, folder.etag  # the etag from before the update
    stale.description = "stale write"
    with pytest.raises(sm.PreconditionFailedError):
        stale.store()
    project.delete()
    with pytest.raises(sm.NotFoundError):
        sm.Project.get(str(project.id))
