"""The official synapseclient (4.14) works against LocalSynapse for projects, folders and annotations."""

from __future__ import annotations

from typing import Any

import pytest

from synapse_models.local import LocalSynapse

synapseclient = pytest.importorskip("synapseclient")
from synapseclient.core.exceptions import SynapseHTTPError  # noqa: E402
from synapseclient.models import Folder, Project  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.timeout(60)]
legacy = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@legacy
def test_login_reads_own_profile(syn: Any) -> None:
    profile = syn.getUserProfile()
    assert profile["userName"].startswith("conformance")
    assert int(profile["ownerId"]) >= 3350000


# -- synapseclient.models ------------------------------------------------------------------------------------
def test_models_project_store_get_update_delete(syn: Any) -> None:
    project = Project(name="models project", description="first", annotations={"n": [1, 2], "s": "x"})
    project = project.store(synapse_client=syn)
    assert project.id.startswith("syn")
    by_name = Project(name="models project").get(synapse_client=syn)
    assert by_name.id == project.id
    assert by_name.annotations == {"n": [1, 2], "s": ["x"]}
    by_name.description = "second"
    by_name.annotations["flag"] = [True]
    by_name.store(synapse_client=syn)
    again = Project(id=project.id).get(synapse_client=syn)
    assert again.description == "second"
    assert again.annotations["flag"] == [True]
    again.delete(synapse_client=syn)
    with pytest.raises(SynapseHTTPError):
        Project(id=project.id).get(synapse_client=syn)


def test_models_store_same_name_updates_existing(syn: Any) -> None:
    first = Project(name="create or update").store(synapse_client=syn)
    second = Project(name="create or update", description="updated").store(synapse_client=syn)
    assert second.id == first.id
    assert Project(id=first.id).get(synapse_client=syn).description == "updated"


def test_models_folder_annotations_round_trip(syn: Any) -> None:
    project = Project(name="models folders").store(synapse_client=syn)
    annotations = {"count": [3], "ratio": [0.25], "label": ["a", "b"], "ok": [False]}
    folder = Folder(name="raw", parent_id=project.id, annotations=annotations).store(synapse_client=syn)
    child = Folder(name="nested", parent_id=folder.id).store(synapse_client=syn)
    got = Folder(id=folder.id).get(synapse_client=syn)
    assert got.name == "raw"
    assert got.parent_id == project.id
    assert got.annotations == annotations
    assert Folder(name="nested", parent_id=folder.id).get(synapse_client=syn).id == child.id
    project.sync_from_synapse(synapse_client=syn, download_file=False, recursive=True)
    assert [f.name for f in project.folders] == ["raw"]
    folder.delete(synapse_client=syn)
    with pytest.raises(SynapseHTTPError):
        Folder(id=child.id).get(synapse_client=syn)


def test_models_other_user_cannot_read(syn: Any, other_syn: Any) -> None:
    project = Project(name="private models project").store(synapse_client=syn)
    with pytest.raises(SynapseHTTPError) as error:
        Project(id=project.id).get(synapse_client=other_syn)
    assert error.value.response.status_code == 403


# -- legacy Synapse API --------------------------------------------------------------------------------------
@legacy
def test_legacy_store_get_delete_project_and_folder(syn: Any) -> None:
    project = syn.store(synapseclient.Project("legacy project", annotations={"species": "mouse"}))
    folder = syn.store(synapseclient.Folder("legacy folder", parent=project, samples=[1, 2, 3]))
    fetched = syn.get(folder.id)
    assert fetched.name == "legacy folder"
    assert fetched.parentId == project.id
    assert fetched.samples == [1, 2, 3]
    assert syn.get(project.id).species == ["mouse"]
    assert syn.findEntityId("legacy folder", project) == folder.id
    assert [c["id"] for c in syn.getChildren(project)] == [folder.id]
    syn.delete(folder)
    with pytest.raises(SynapseHTTPError):
        syn.get(folder.id)
    syn.delete(project)


@legacy
def test_legacy_store_existing_name_updates(syn: Any) -> None:
    project = syn.store(synapseclient.Project("legacy update"))
    again = syn.store(synapseclient.Project("legacy update", description="now described"))
    assert again.id == project.id
    assert syn.get(project.id).description == "now described"


@legacy
def test_legacy_annotations_api(syn: Any) -> None:
    project = syn.store(synapseclient.Project("legacy annotations"))
    annotations = syn.get_annotations(project)
    annotations["score"] = [0.5]
    annotations["name"] = "value"
    saved = syn.set_annotations(annotations)
    assert saved["score"] == [0.5]
    assert syn.get_annotations(project)["name"] == ["value"]


@legacy
def test_legacy_permissions(syn: Any, other_syn: Any, server: LocalSynapse) -> None:
    project = syn.store(synapseclient.Project("legacy permissions"))
    folder = syn.store(synapseclient.Folder("shared", parent=project))
    other_id = int(other_syn.getUserProfile()["ownerId"])
    with pytest.raises(SynapseHTTPError):
        other_syn.get(folder.id)
    syn.setPermissions(folder, other_id, ["READ"])
    assert set(syn.getPermissions(folder, other_id)) == {"READ"}
    assert other_syn.get(folder.id).name == "shared"


@legacy
def test_legacy_move_and_restore(syn: Any) -> None:
    project = syn.store(synapseclient.Project("legacy move"))
    source = syn.store(synapseclient.Folder("source", parent=project))
    target = syn.store(synapseclient.Folder("target", parent=project))
    moved = syn.move(source, target)
    assert moved.parentId == target.id
    syn.delete(moved)
    syn.restPUT(f"/trashcan/restore/{moved.id}")
    assert syn.get(moved.id).parentId == target.id
