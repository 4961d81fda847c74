"""Writes whose answer is lost (a reset after the server did the work, a 500 after it): the store() still
ends with exactly one object, in the state the user meant, and a real conflict is reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest

import synapse_models as sm
from tests.reliability.conftest import TargetedProxy

ENTITY = "POST /repo/v1/entity"
BUNDLE_CREATE = "POST /repo/v1/entity/bundle2/create"
ENTITY_PUT = "PUT /repo/v1/entity/{id}"
BUNDLE_PUT = "PUT /repo/v1/entity/{id}/bundle2"
NOTES_PUT = "PUT /repo/v1/entity/{id}/annotations2"


def _children(direct: sm.Connection, parent: sm.Entity) -> list[str]:
    return sorted(h.name for h in parent.children(connection=direct))


@pytest.mark.parametrize("kind", ["reset_after_request", "http_500_after", "reset_in_response_body"])
def test_a_create_whose_answer_is_lost_makes_one_folder(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project, kind: str
) -> None:
    proxy.plan(ENTITY, kind)
    folder = sm.Folder(name="raw", parent=home.id, description="first").store(connection=conn)
    assert proxy.applied == [f"{ENTITY}: {kind}"]
    assert _children(direct, home) == ["raw"]
    assert sm.Folder.get(folder.id, connection=direct).description == "first"


def test_a_create_with_annotations_whose_answer_is_lost_makes_one_folder_with_them(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project
) -> None:
    proxy.plan(BUNDLE_CREATE, "http_500_after", "reset_after_request")
    folder = sm.Folder(name="annotated", parent=home.id, annotations={"assay": "rna"}).store(connection=conn)
    assert len(proxy.applied) == 2
    assert _children(direct, home) == ["annotated"]
    assert dict(sm.Folder.get(folder.id, connection=direct).annotations) == {"assay": ["rna"]}


def test_without_create_or_update_the_lost_create_is_still_ours_but_a_stranger_is_refused(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project
) -> None:
    proxy.plan(ENTITY, "reset_after_request")
    mine = sm.Folder(name="mine", parent=home.id).store(connection=conn, create_or_update=False)
    assert mine.id is not None and _children(direct, home) == ["mine"]
    with pytest.raises(sm.ConflictError):  # an existing folder the user did not just create
        sm.Folder(name="mine", parent=home.id).store(connection=conn, create_or_update=False)


def test_an_update_whose_answer_is_lost_is_adopted_not_refused(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project, tmp_path: Path
) -> None:
    source = tmp_path / "data.txt"
    source.write_text("content")
    stored = sm.File(source, parent=home.id).store(connection=conn)
    proxy.plan(ENTITY_PUT, "reset_after_request")  # the transport sends the PUT again: 412 (etag moved)
    stored.description = "changed"
    stored.store(connection=conn)
    assert proxy.applied == [f"{ENTITY_PUT}: reset_after_request"]
    again = sm.File.get(stored.id, download=False, connection=direct)
    assert again.description == "changed" and again.version_number == 1
    assert stored.etag == again.etag


def test_store_again_after_a_failed_store_recovers(
    proxy: TargetedProxy, server: object, alice_token: str, direct: sm.Connection, home: sm.Project
) -> None:
    once = sm.connect(alice_token, endpoint=proxy.endpoint, name="once", retry=sm.RetryPolicy(attempts=0))
    folder = sm.Folder(name="twice", parent=home.id, annotations={"a": 1}).store(connection=once)
    folder.description = "new"
    folder.annotations["a"] = 2
    proxy.plan(BUNDLE_PUT, "http_500_after")
    with pytest.raises(sm.ServerError):
        folder.store(connection=once)  # the server did it; the answer was a 500
    folder.store(connection=once)  # 412 (old etag), re-read: it holds what we meant: adopted
    held = sm.Folder.get(folder.id, connection=direct)
    assert (held.description, dict(held.annotations)) == ("new", {"a": [2]})
    assert folder.etag == held.etag


def test_a_real_conflict_names_the_fields_and_changes_nothing(
    conn: sm.Connection, direct: sm.Connection, home: sm.Project
) -> None:
    mine = sm.Folder(name="shared", parent=home.id, description="v1", annotations={"k": "v1"}).store(
        connection=conn
    )
    theirs = sm.Folder.get(mine.id, connection=direct)
    theirs.description = "theirs"
    theirs.store(connection=direct)
    mine.description = "mine"
    mine.annotations["k"] = "mine"
    with pytest.raises(sm.PreconditionFailedError) as err:
        mine.store(connection=conn)
    assert "description" in str(err.value) and "someone else" in str(err.value)
    held = sm.Folder.get(mine.id, connection=direct)
    assert (held.description, dict(held.annotations)) == ("theirs", {"k": ["v1"]})  # nothing of ours applied


def test_fields_and_annotations_go_in_one_request(
    proxy: TargetedProxy, conn: sm.Connection, direct: sm.Connection, home: sm.Project
) -> None:
    folder = sm.Folder(name="unit", parent=home.id, annotations={"a": 1, "b": 2}).store(connection=conn)
    proxy.reset_stats()
    folder.description = "both"
    folder.annotations["a"] = 10
    folder.store(connection=conn)
    routes = proxy.stats()["routes"]
    assert list(routes) == [BUNDLE_PUT]
    held = sm.Folder.get(folder.id, connection=direct)
    assert (held.description, dict(held.annotations)) == ("both", {"a": [10], "b": [2]})


def test_a_removed_key_with_a_field_change_reports_exactly_what_was_applied(
    direct: sm.Connection, home: sm.Project, server: object, alice_token: str
) -> None:
    """Two requests are needed (the bundle would keep the removed key); someone writes between them."""
    from synapse_models.transport import Request, RequestsTransport, Response

    other = sm.Folder(name="split", parent=home.id, annotations={"a": 1, "b": 2}).store(connection=direct)

    class Meddling(RequestsTransport):
        def send(self, request: Request) -> Response:
            if request.method == "PUT" and request.path.endswith("/annotations2"):
                meddler = sm.Folder.get(other.id, connection=direct)
                meddler.annotations["c"] = 3
                meddler.store(connection=direct)
            return super().send(request)

    endpoints = direct.endpoints
    conn = sm.Connection(endpoints, alice_token, transport=Meddling(), name="meddled")
    mine = sm.Folder.get(other.id, connection=conn)
    mine.description = "desc"
    del mine.annotations["b"]
    with pytest.raises(sm.PreconditionFailedError) as err:
        mine.store(connection=conn)
    message = str(err.value)
    assert "annotations['c']" in message  # what the other writer changed
    assert f"the fields of {other.id} were stored, its annotations were not" in message
    held = sm.Folder.get(other.id, connection=direct)
    assert held.description == "desc" and dict(held.annotations) == {"a": [1], "b": [2], "c": [3]}
