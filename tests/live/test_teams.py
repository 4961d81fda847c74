"""Teams, members, invitations and user profiles against LocalSynapse."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

import synapse_models as sm
from synapse_models.errors import ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError


@pytest.fixture
def team(alice: sm.Connection) -> Iterator[sm.Team]:
    made = sm.Team(f"team {uuid.uuid4().hex[:8]}", description="test team").store(connection=alice)
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete()


def test_store_creates_and_get_reads_by_id_and_exact_name(alice: sm.Connection, team: sm.Team) -> None:
    assert team.id and team.etag and team.created_on is not None
    assert sm.Team.get(team.id).description == "test team"
    by_name = sm.Team.get(name=team.name)
    assert by_name.id == team.id
    with pytest.raises(NotFoundError, match="no team is named"):
        sm.Team.get(name=team.name[:-1])  # a prefix is not the name


def test_store_updates_with_etag_and_skips_no_op(alice: sm.Connection, server: object, team: sm.Team) -> None:
    etag = team.etag
    team.store()
    assert team.etag == etag
    team.description = "renamed purpose"
    team.store()
    assert team.etag != etag
    assert sm.Team.get(team.id).description == "renamed purpose"


def test_stale_team_etag_is_rejected(alice: sm.Connection, team: sm.Team) -> None:
    other = sm.Team.get(team.id)
    team.description = "first"
    team.store()
    other.description = "second"
    with pytest.raises(PreconditionFailedError):
        other.store()
    assert sm.Team.get(team.id).description == "first"


def test_storing_a_new_team_with_a_taken_name_updates_that_team(alice: sm.Connection, team: sm.Team) -> None:
    again = sm.Team(team.name, can_public_join=True).store()
    assert again.id == team.id and again.description == "test team" and again.can_public_join
    assert sm.Team.get(team.id).can_public_join
    with pytest.raises(ConflictError):
        sm.Team(team.name).store(create_or_update=False)


def test_a_user_name_cannot_become_a_team_name(alice: sm.Connection) -> None:
    with pytest.raises(ConflictError):
        sm.Team("alice").store()


def test_another_users_team_name_is_not_taken_over(bob: sm.Connection, team: sm.Team) -> None:
    with pytest.raises(ForbiddenError):
        sm.Team(team.name, description="bob's now").store(connection=bob)
    assert sm.Team.get(team.id, connection=bob).description == "test team"


def test_members_have_admin_flags(alice: sm.Connection, bob: sm.Connection, team: sm.Team) -> None:
    members = list(team.members())
    assert [(m.user_name, m.is_admin) for m in members] == [("alice", True)]
    assert isinstance(members[0].member, sm.UserGroupHeader)
    team.invite("bob")
    sm.Team.get(team.id, connection=bob).join()
    assert {(m.user_name, m.is_admin) for m in team.members()} == {("alice", True), ("bob", False)}


def test_invite_join_remove_and_leave(alice: sm.Connection, bob: sm.Connection, team: sm.Team) -> None:
    status = team.membership_status("bob")
    assert not status.is_member and not status.has_open_invitation and not status.can_join
    bobs_view = sm.Team.get(team.id, connection=bob)
    with pytest.raises(ForbiddenError):
        bobs_view.join()

    invitation = team.invite(sm.UserProfile.get("bob"), message="welcome")
    assert invitation.invitee_id == bob.user_id and invitation.message == "welcome"
    assert [i.invitee_id for i in team.invitations()] == [bob.user_id]
    status = team.membership_status(bob.user_id)
    assert status.has_open_invitation and not status.is_member
    assert bobs_view.membership_status("bob").can_join  # bob may accept; alice may not add him herself

    bobs_view.join()
    assert team.membership_status("bob").is_member
    team.remove("bob")
    assert not team.membership_status("bob").is_member

    team.invite("bob")
    bobs_view.join()
    bobs_view.leave()
    assert not team.membership_status("bob").is_member


def test_public_team_can_be_joined_without_invitation(alice: sm.Connection, bob: sm.Connection) -> None:
    team = sm.Team(f"open {uuid.uuid4().hex[:8]}", can_public_join=True).store(connection=alice)
    try:
        sm.Team.get(team.id, connection=bob).join()
        assert team.membership_status("bob").is_member
    finally:
        team.delete()


def test_invite_by_email(alice: sm.Connection, team: sm.Team) -> None:
    invitation = team.invite("someone@example.org", message="hi")
    assert invitation.invitee_email == "someone@example.org" and invitation.invitee_id is None


def test_delete_removes_the_team(alice: sm.Connection, team: sm.Team) -> None:
    team.delete()
    with pytest.raises(NotFoundError):
        sm.Team.get(team.id)


def test_user_profile_by_name_id_and_me(alice: sm.Connection, bob: sm.Connection) -> None:
    bob_profile = sm.UserProfile.get("bob", connection=alice)
    assert bob_profile.owner_id == bob.user_id and bob_profile.user_name == "bob"
    assert sm.UserProfile.get(int(str(bob.user_id)), connection=alice).user_name == "bob"
    me = sm.me(connection=bob)
    assert me.owner_id == bob.user_id and me.user_name == "bob"
    with pytest.raises(NotFoundError, match="no user is named 'no_one_at_all'"):
        sm.UserProfile.get("no_one_at_all", connection=alice)


def test_own_profile_update_is_etag_checked(bob: sm.Connection) -> None:
    first = sm.me(connection=bob)
    second = sm.me(connection=bob)
    first.company = "Sage"
    first.store()
    assert sm.me(connection=bob).company == "Sage"
    second.company = "Other"
    with pytest.raises(PreconditionFailedError):
        second.store()
