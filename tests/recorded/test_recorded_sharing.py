"""Teams and sharing: a team by id and name, its members, ACLs with grant/revoke, inheritance, permissions.

A recording has one account, so what needs a second user (invitations accepted, a member's view) is covered
by tests/live against LocalSynapse, not here.
"""

from __future__ import annotations

import pytest

import synapse_models as sm
from synapse_models import AccessType as A

from .conftest import Made, Recording


@pytest.mark.vcr
def test_team_store_get_members_and_updates(
    recording: Recording, connection: sm.Connection, made: Made
) -> None:
    me = sm.me()
    team = made(sm.Team(recording.name("analysts"), description="people who analyse the pilot").store())
    assert sm.Team.get(name=recording.name("analysts")).id == team.id
    assert sm.Team.get(str(team.id)).description == "people who analyse the pilot"
    with pytest.raises(sm.NotFoundError):
        sm.Team.get(name=recording.name("analyst"))  # a prefix is not the name

    members = list(team.members())
    assert [(m.principal_id, m.is_admin) for m in members] == [(int(str(me.owner_id)), True)]
    status = team.membership_status(me)
    assert status.is_member and not status.has_open_invitation
    assert team.permissions().is_admin

    stale = sm.Team.get(str(team.id))
    team.description = "renamed purpose"
    team.store()
    assert sm.Team.get(str(team.id)).description == "renamed purpose"
    stale.description = "from an old read"
    with pytest.raises(sm.PreconditionFailedError):
        stale.store()
    with pytest.raises(sm.ConflictError):
        sm.Team(recording.name("analysts")).store(create_or_update=False)


@pytest.mark.vcr
def test_acl_grant_revoke_inheritance_and_permissions(
    recording: Recording, connection: sm.Connection, made: Made
) -> None:
    me = int(str(sm.me().owner_id))
    project = made(sm.Project(name=recording.name("sharing")).store())
    team = made(sm.Team(recording.name("readers")).store())
    folder = sm.Folder(name="shared", parent=project).store()
    team_id = int(str(team.id))

    acl = project.acl()
    assert not acl.inherited and {e.principal_id for e in acl} == {me}
    assert {A.READ, A.CHANGE_PERMISSIONS, A.DELETE} <= acl[me]
    assert project.grant(team, ["READ", "DOWNLOAD"])[team_id] == {A.READ, A.DOWNLOAD}
    assert project.revoke(team, [A.DOWNLOAD])[team_id] == {A.READ}
    assert project.acl()[team_id] == {A.READ}

    assert folder.benefactor() == project.id
    assert folder.acl().inherited
    folder.grant(team, ["UPDATE"])
    assert folder.benefactor() == folder.id
    assert folder.acl()[team_id] == {A.READ, A.UPDATE}
    folder.restore_inheritance()
    assert folder.benefactor() == project.id

    first, second = project.acl(), project.acl()
    first.grant(team, ["DOWNLOAD"]).store()
    second.grant(team, ["DELETE"])
    with pytest.raises(sm.PreconditionFailedError):
        second.store()

    before = recording.requests_made("PUT") + recording.requests_made("GET") + recording.requests_made("POST")
    with pytest.raises(sm.ValidationError, match="TELEPORT"):
        project.grant(team, ["READ", "TELEPORT"])
    after = recording.requests_made("PUT") + recording.requests_made("GET") + recording.requests_made("POST")
    assert after == before  # refused before any request

    mine = project.permissions()
    assert mine.can_view and mine.can_edit and mine.can_download and mine.can_change_permissions
    project.revoke(team)
    assert team_id not in {e.principal_id for e in project.acl()}
