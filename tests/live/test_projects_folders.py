"""Projects, folders and annotations end to end against an in-process LocalSynapse."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.credentials import Endpoints
from synapse_models.errors import AuthenticationError, TransportError


def test_store_creates_and_get_reads_back_typed_annotations(
    alice: sm.Connection, project: sm.Project
) -> None:
    when = datetime(1999, 12, 31, 23, 59, 59, 123000, tzinfo=timezone.utc)
    folder = sm.Folder(
        name="raw",
        parent=project,
        description="fastq",
        annotations={"n": 3, "ratio": [0.5, 1.5], "ok": True, "tags": ["a", "b"], "when": when},
    )
    folder.store()
    assert folder.id is not None and folder.etag and folder.created_on is not None
    loaded = sm.Folder.get(folder.id)
    assert loaded.name == "raw" and loaded.description == "fastq" and loaded.parent_id == project.id
    assert loaded.annotations == {
        "n": [3],
        "ratio": [0.5, 1.5],
        "ok": [True],
        "tags": ["a", "b"],
        "when": [when],
    }
    assert isinstance(loaded.annotations["n"][0], int) and isinstance(loaded.annotations["ok"][0], bool)
    assert loaded.connection is alice


def test_get_by_name_for_projects_and_folders(project: sm.Project) -> None:
    folder = sm.Folder(name="by name", parent=project).store()
    assert sm.Project.get(name=str(project.name)).id == project.id
    assert sm.Folder.get(name="by name", parent=project).id == folder.id
    with pytest.raises(sm.NotFoundError):
        sm.Folder.get(name="missing", parent=project)


def test_get_with_the_wrong_class_is_a_clear_error(project: sm.Project) -> None:
    folder = sm.Folder(name="f", parent=project).store()
    with pytest.raises(sm.ValidationError, match="is a Folder, not a Project"):
        sm.Project.get(str(folder.id))
    assert isinstance(sm.Entity.get(str(folder.id)), sm.Folder)


def test_store_same_name_updates_the_existing_entity(project: sm.Project) -> None:
    first = sm.Folder(name="dup", parent=project, description="kept", annotations={"a": 1}).store()
    second = sm.Folder(name="dup", parent=project, annotations={"b": 2}).store()
    assert second.id == first.id
    loaded = sm.Folder.get(str(first.id))
    assert loaded.description == "kept"
    assert loaded.annotations == {"a": [1], "b": [2]}
    with pytest.raises(sm.ConflictError):
        sm.Folder(name="dup", parent=project).store(create_or_update=False)


def test_stale_etag_is_refused(project: sm.Project) -> None:
    folder = sm.Folder(name="shared", parent=project).store()
    stale = sm.Folder.get(str(folder.id))
    folder.description = "first writer"
    folder.store()
    stale.description = "second writer"
    with pytest.raises(sm.PreconditionFailedError) as info:
        stale.store()
    assert info.value.status == 412
    assert sm.Folder.get(str(folder.id)).description == "first writer"


def test_annotation_only_change_is_stored_and_etag_advances(project: sm.Project) -> None:
    folder = sm.Folder(name="notes", parent=project).store()
    before = folder.etag
    folder.annotations["stage"] = "qc"
    folder.store()
    assert folder.etag != before
    assert sm.Folder.get(str(folder.id)).annotations == {"stage": ["qc"]}
    folder.description = "then the entity"
    folder.store()  # uses the etag returned by the annotation update
    del folder.annotations["stage"]
    folder.store()
    assert sm.Folder.get(str(folder.id)).annotations == {}


def test_unchanged_store_sends_no_request(project: sm.Project, alice: sm.Connection) -> None:
    folder = sm.Folder(name="quiet", parent=project, annotations={"x": 1}).store()
    sent: list[str] = []
    original = alice.raw

    def counting(method: str, path: str, **kw: Any) -> Any:
        sent.append(f"{method} {path}")
        return original(method, path, **kw)

    alice.raw = counting  # type: ignore[method-assign]
    try:
        folder.store()
        sm.Folder.get(str(folder.id)).store()
    finally:
        del alice.raw
    assert sent == [f"POST /entity/{folder.id}/bundle2"]


def test_move_by_changing_parent(project: sm.Project) -> None:
    a = sm.Folder(name="a", parent=project).store()
    b = sm.Folder(name="b", parent=project).store()
    a.parent = b
    a.store()
    assert sm.Folder.get(str(a.id)).parent_id == b.id
    assert [h.name for h in b.children()] == ["a"]


def test_children_pages_lazily_and_walk_visits_the_tree(project: sm.Project) -> None:
    top = sm.Folder(name="top", parent=project).store()
    for i in range(55):  # more than one page of 50
        sm.Folder(name=f"sub{i:02d}", parent=top).store()
    names = [h.name for h in top.children(types=[sm.EntityType.FOLDER])]
    assert names == [f"sub{i:02d}" for i in range(55)]
    deep = sm.Folder(name="deep", parent=sm.Folder.get(name="sub00", parent=top)).store()
    walked = {here.name: [f.name for f in folders] for here, folders, _ in project.walk()}
    assert walked[str(project.name)] == ["top"]
    assert walked["sub00"] == ["deep"] and walked["deep"] == []
    assert deep.id


def test_delete_moves_to_trash(project: sm.Project) -> None:
    folder = sm.Folder(name="gone", parent=project).store()
    folder.delete()
    with pytest.raises(sm.NotFoundError):
        sm.Folder.get(str(folder.id))
    again = sm.Folder(name="gone", parent=project).store()  # the name is free again
    assert again.id != folder.id


def test_other_user_is_forbidden_until_shared(project: sm.Project, bob: sm.Connection) -> None:
    with pytest.raises(sm.ForbiddenError):
        sm.Project.get(str(project.id), connection=bob)
    with pytest.raises(sm.ForbiddenError):
        sm.Folder(name="intruder", parent=project).store(connection=bob)


def test_objects_remember_their_connection_and_scopes_switch_users(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    with bob:
        mine = sm.Project(name=f"bob of {project.name}"[:250]).store()
        assert mine.connection is bob
    assert sm.get_connection() is alice
    mine.description = "still bob's"
    mine.store()  # uses bob, the connection it came from
    with pytest.raises(sm.ForbiddenError):
        sm.Project.get(str(mine.id), connection="alice")
    mine.delete()


def test_bad_token_names_its_source_not_the_token(server: Any) -> None:
    with pytest.raises(AuthenticationError) as info:
        sm.connect("not-a-real-token-1234567890", endpoint=server.endpoint)
    assert "the token argument" in str(info.value)
    assert "not-a-real-token-1234567890" not in str(info.value)


def test_lazy_connect_from_environment(
    server: Any, alice_token: str, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", alice_token)
    monkeypatch.setenv("SYNAPSE_ENDPOINT", server.endpoint)
    made = sm.Project(name="lazy connect").store()
    assert made.connection is not None and made.connection.user_name == "alice"
    made.delete()


def test_lazy_connect_from_config_file(server: Any, alice_token: str, isolated_env: Path) -> None:
    (isolated_env / ".synapseConfig").write_text(
        f"[authentication]\nauthtoken = {alice_token}\n\n"
        f"[endpoints]\nrepoEndpoint = {server.endpoint}/repo/v1\n"
    )
    conn = sm.connect()
    assert conn.user_name == "alice" and "synapseConfig" in conn.token_source


def test_retries_through_transient_503(server: Any, project: sm.Project) -> None:
    server.inject_fault(method="POST", path="/repo/v1/entity", status=503, times=2)
    folder = sm.Folder(name="after outage", parent=project).store()
    assert folder.id is not None


def test_unreachable_server_is_a_transport_error(alice_token: str) -> None:
    conn = sm.Connection(
        Endpoints.from_base("http://127.0.0.1:9", "test"),
        alice_token,
        retry=sm.RetryPolicy(attempts=1, backoff=0.01, total_seconds=1),
    )
    with pytest.raises(TransportError):
        conn.get("/userProfile")


def test_bad_input_fails_before_any_request(project: sm.Project) -> None:
    with pytest.raises(sm.ValidationError):
        sm.Project.get("syn")
    with pytest.raises(sm.ValidationError):
        sm.Project.get("123abc")
    with pytest.raises(sm.ValidationError, match="needs a parent"):
        sm.Folder(name="orphan").store()
    with pytest.raises(sm.ValidationError, match="names may contain only"):
        sm.Folder(name="a/b", parent=project)
    with pytest.raises(sm.ValidationError, match="None is not allowed"):
        sm.Folder(name="n", parent=project, annotations={"k": ["a", None]})  # type: ignore[list-item]
    with pytest.raises(sm.ValidationError, match="at most 100 values"):
        sm.Folder(name="n", parent=project, annotations={"k": list(range(101))})
    with pytest.raises(sm.ValidationError, match="dict is not an annotation type"):
        sm.Folder(name="n", parent=project, annotations={"k": {"a": 1}})  # type: ignore[dict-item]
