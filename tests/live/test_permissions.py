"""Sharing between two users against LocalSynapse: ACLs, computed permissions, inheritance, teams."""

from __future__ import annotations

import uuid

import pytest

import synapse_models as sm
from synapse_models.errors import ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError

BLOCKED = (NotFoundError, ForbiddenError)


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def test_grant_gives_bob_access_and_revoke_takes_it_away(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    folder = sm.Folder(name="data", parent=project).store(connection=alice)
    with pytest.raises(BLOCKED):
        sm.Folder.get(folder.id, connection=bob)
    assert not sm.Project(id=project.id).permissions(connection=bob).can_view

    acl = project.grant("bob", ["READ", "DOWNLOAD"])
    assert acl[int(str(bob.user_id))] == {sm.AccessType.READ, sm.AccessType.DOWNLOAD}
    assert sm.Folder.get(folder.id, connection=bob).name == "data"
    seen_by_bob = sm.Project(id=project.id).permissions(connection=bob)
    assert seen_by_bob.can_view and seen_by_bob.can_download and not seen_by_bob.can_edit
    with pytest.raises(ForbiddenError):
        sm.Folder(name="bob was here", parent=project).store(connection=bob)

    project.revoke("bob")
    with pytest.raises(BLOCKED):
        sm.Folder.get(folder.id, connection=bob)


def test_owner_permissions_are_computed_by_the_server(alice: sm.Connection, project: sm.Project) -> None:
    mine = project.permissions()
    assert isinstance(mine, sm.UserEntityPermissions)
    assert mine.can_view and mine.can_edit and mine.can_delete and mine.can_change_permissions
    assert mine.owner_principal_id == int(str(alice.user_id))


def test_acl_entries_are_typed(alice: sm.Connection, project: sm.Project) -> None:
    acl = project.acl()
    assert acl.id == project.id and acl.etag and not acl.inherited
    mine = acl[int(str(alice.user_id))]
    assert {sm.AccessType.READ, sm.AccessType.CHANGE_PERMISSIONS} <= mine
    assert all(isinstance(e.principal_id, int) for e in acl)


def test_grant_on_a_folder_breaks_inheritance_and_restore_brings_it_back(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    shared = sm.Folder(name="shared", parent=project).store(connection=alice)
    assert shared.benefactor() == project.id
    inherited = shared.acl()
    assert inherited.inherited and inherited.id == project.id

    shared.grant(bob.user_id, ["READ"])
    assert shared.benefactor() == shared.id
    own = shared.acl()
    assert not own.inherited and own.id == shared.id
    assert own[int(str(alice.user_id))] == inherited[int(str(alice.user_id))]  # started from the benefactor's
    assert sm.Folder.get(shared.id, connection=bob).name == "shared"
    with pytest.raises(BLOCKED):
        sm.Project.get(project.id, connection=bob)

    shared.restore_inheritance()
    assert shared.benefactor() == project.id
    with pytest.raises(BLOCKED):
        sm.Folder.get(shared.id, connection=bob)
    shared.restore_inheritance()  # already inheriting: nothing to do


def test_team_grant_reaches_members_only(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    team = sm.Team(_unique("readers")).store(connection=alice)
    try:
        project.grant(team, ["READ"])
        with pytest.raises(BLOCKED):
            sm.Project.get(project.id, connection=bob)
        team.invite("bob", message="read our data")
        sm.Team.get(team.id, connection=bob).join()
        assert sm.Project.get(project.id, connection=bob).name == project.name
        assert sm.Project(id=project.id).permissions(connection=bob).can_view
        sm.Team.get(team.id, connection=bob).leave()
        with pytest.raises(BLOCKED):
            sm.Project.get(project.id, connection=bob)
    finally:
        team.delete()


def test_stale_acl_etag_is_rejected(alice: sm.Connection, bob: sm.Connection, project: sm.Project) -> None:
    first = project.acl()
    second = project.acl()
    first.grant("bob", ["READ"]).store()
    second.grant("bob", ["UPDATE"])
    with pytest.raises(PreconditionFailedError):
        second.store()
    assert project.acl()[int(str(bob.user_id))] == {sm.AccessType.READ}


def test_unknown_principal_is_named_in_the_error(alice: sm.Connection, project: sm.Project) -> None:
    before = project.acl()
    with pytest.raises(NotFoundError, match="nobody_by_this_name"):
        project.grant("nobody_by_this_name", ["READ"])
    assert project.acl().etag == before.etag


def test_unknown_access_type_fails_before_any_request(alice: sm.Connection, project: sm.Project) -> None:
    before = project.acl()
    with pytest.raises(ValidationError) as err:
        project.grant("bob", ["READ", "TELEPORT"])
    assert err.value.value == "TELEPORT"
    assert project.acl().etag == before.etag


def test_evaluation_permissions_follow_its_acl(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    queue = sm.Evaluation(_unique("perm queue"), content_source=project).store(connection=alice)
    try:
        assert queue.permissions().can_edit and queue.permissions().can_change_permissions
        assert not sm.Evaluation(queue.name, id=queue.id).permissions(connection=bob).can_submit
        queue.grant("bob", ["READ", "SUBMIT"])
        bobs = sm.Evaluation(queue.name, id=queue.id).permissions(connection=bob)
        assert isinstance(bobs, sm.UserEvaluationPermissions)
        assert bobs.can_view and bobs.can_submit and not bobs.can_edit
        stale = queue.acl()
        queue.revoke("bob", ["SUBMIT"])
        assert queue.acl()[int(str(bob.user_id))] == {sm.AccessType.READ}
        with pytest.raises(PreconditionFailedError):
            stale.grant("bob", ["UPDATE"]).store()
    finally:
        queue.delete()


def test_team_acl_and_permissions(alice: sm.Connection, bob: sm.Connection) -> None:
    team = sm.Team(_unique("admins"), can_public_join=True).store(connection=alice)
    try:
        mine = team.permissions()
        assert mine.is_member and mine.is_admin and mine.can_delete
        sm.Team.get(team.id, connection=bob).join()
        bobs = sm.Team.get(team.id, connection=bob).permissions()
        assert bobs.is_member and not bobs.is_admin and not bobs.can_delete
        team.grant("bob", ["TEAM_MEMBERSHIP_UPDATE"])
        assert sm.Team.get(team.id, connection=bob).permissions().is_admin
        stale = team.acl()
        team.revoke("bob")
        with pytest.raises(PreconditionFailedError):
            stale.grant("bob", ["READ"]).store()
    finally:
        team.delete()


def test_revoke_on_an_inheriting_folder_gives_it_its_own_acl_without_the_principal(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    private = sm.Folder(name="private", parent=project).store(connection=alice)
    project.grant("bob", ["READ"])
    assert sm.Folder.get(private.id, connection=bob).name == "private"
    private.revoke("bob")
    assert private.benefactor() == private.id
    assert private.acl()[int(str(bob.user_id))] == set()
    assert sm.Project.get(project.id, connection=bob).name == project.name
    with pytest.raises(BLOCKED):
        sm.Folder.get(private.id, connection=bob)


def test_acl_of_an_unstored_object_fails_before_any_request() -> None:
    with pytest.raises(ValidationError, match="not stored yet"):
        sm.Folder(name="x", parent="syn1").acl()
    with pytest.raises(ValidationError, match="not stored yet"):
        sm.Team("never stored").grant(1, ["READ"])
