"""Everyday pieces against LocalSynapse: links, messages, web addresses, your projects, certification."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.errors import ForbiddenError, NotFoundError

pytestmark = pytest.mark.live


@pytest.fixture
def shared(project: sm.Project, tmp_path: Path) -> tuple[sm.File, sm.Folder]:
    data = sm.Folder(name="data", parent=project).store()
    (tmp_path / "counts.tsv").write_text("gene\tcount\nTP53\t12\n")
    counts = sm.File(str(tmp_path / "counts.tsv"), parent=data).store()
    return counts, sm.Folder(name="shortcuts", parent=project).store()


# -- links ---------------------------------------------------------------------------------------------------


def test_a_link_is_named_after_its_target_and_follows_to_it(
    alice: sm.Connection, shared: tuple[sm.File, sm.Folder], tmp_path: Path
) -> None:
    counts, shortcuts = shared
    link = sm.Link(target=counts, parent=shortcuts).store()
    assert (link.name, link.target_id, link.target_version) == ("counts.tsv", counts.id, None)
    assert link.links_to_class_name == "org.sagebionetworks.repo.model.FileEntity"
    again = sm.Entity.get(link.id)
    assert isinstance(again, sm.Link) and again.target_id == counts.id
    followed = again.follow(download=True)
    assert isinstance(followed, sm.File) and Path(str(followed.path)).read_text().startswith("gene")
    assert sm.File.get(link.id, follow_link=True, download=False).id == counts.id
    assert sm.Entity.get(link, follow_link=True).id == counts.id
    assert [h.entity_type for h in shortcuts.children()] == ["Link"]


def test_a_link_can_pin_a_version_and_point_to_a_folder(
    alice: sm.Connection, shared: tuple[sm.File, sm.Folder], project: sm.Project, tmp_path: Path
) -> None:
    counts, shortcuts = shared
    (tmp_path / "counts.tsv").write_text("gene\tcount\nTP53\t13\n")
    counts.path = str(tmp_path / "counts.tsv")
    counts.store()
    assert counts.version_number == 2
    pinned = sm.Link(target=f"{counts.id}.1", parent=shortcuts, name="counts v1").store()
    assert pinned.target_version == 1
    first = pinned.follow()
    assert isinstance(first, sm.File) and first.version_number == 1
    data = sm.Folder.get(name="data", parent=project)
    to_folder = sm.Link(target=data, parent=shortcuts).store()
    assert isinstance(to_folder.follow(), sm.Folder) and to_folder.follow().id == data.id


def test_a_link_refuses_what_cannot_be_stored(
    alice: sm.Connection, shared: tuple[sm.File, sm.Folder]
) -> None:
    counts, _ = shared
    with pytest.raises(sm.ValidationError, match="needs a target"):
        sm.Link(parent=counts.parent_id).store()
    with pytest.raises(sm.ValidationError, match="needs a name of its own"):
        sm.Link(target=counts, parent=counts.parent_id).store()  # next to its target, under the same name
    with pytest.raises(sm.ValidationError, match="not a Synapse id"):
        sm.Link(target="counts.tsv", parent=counts.parent_id)


# -- the web address -----------------------------------------------------------------------------------------


def test_web_url_is_the_address_onweb_prints(
    alice: sm.Connection, alice_token: str, server: Any, project: sm.Project,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from synapse_models.cli import main

    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", alice_token)
    assert project.web_url == f"{server.endpoint}/Synapse:{project.id}"
    assert sm.Folder(name="new", parent=project).web_url is None
    assert main(["--endpoint", server.endpoint, "onweb", str(project.id), "--no-browser"]) == 0
    assert capsys.readouterr().out.strip() == project.web_url


# -- messages ------------------------------------------------------------------------------------------------


@pytest.fixture
def team(alice: sm.Connection, bob: sm.Connection) -> Iterator[sm.Team]:
    made = sm.Team(f"team {uuid.uuid4().hex[:8]}").store(connection=alice)
    made.invite(sm.me(connection=bob), connection=alice)
    sm.Team.get(made.id, connection=bob).join(connection=bob)
    yield made
    with contextlib.suppress(NotFoundError):
        made.delete(connection=alice)


def _unread(conn: sm.Connection, subject: str) -> list[sm.Message]:
    return [m for m in sm.Message.inbox(connection=conn) if m.subject == subject]


def test_a_message_is_sent_read_marked_and_answered(alice: sm.Connection, bob: sm.Connection) -> None:
    subject = f"counts {uuid.uuid4().hex[:6]}"
    bob_name = sm.me(connection=bob).user_name
    sent = sm.send_message(bob_name, subject, "Hi Bob,\nthe counts are in: Zürich ✓", connection=alice)
    assert sent.id and sent.recipients == [sm.me(connection=bob).owner_id]
    (received,) = _unread(bob, subject)
    assert received.status is sm.MessageStatusType.UNREAD and received.created_by == sent.created_by
    assert received.text() == "Hi Bob,\nthe counts are in: Zürich ✓"
    received.mark_read()
    assert _unread(bob, subject) == []
    read = [m for m in sm.Message.inbox("READ", connection=bob) if m.subject == subject]
    assert [m.status for m in read] == [sm.MessageStatusType.READ]
    answer = received.reply("Thanks!")
    assert (answer.subject, answer.in_reply_to) == (f"Re: {subject}", sent.id)
    assert answer.in_reply_to_root == sent.id
    (back,) = _unread(alice, f"Re: {subject}")
    assert back.text() == "Thanks!"
    assert sent.id in [m.id for m in sm.Message.outbox(connection=alice)]
    assert sm.Message.get(sent, connection=bob).subject == subject


def test_a_message_to_a_team_reaches_its_members(
    alice: sm.Connection, bob: sm.Connection, team: sm.Team
) -> None:
    subject = f"team news {uuid.uuid4().hex[:6]}"
    sm.send_message(team, subject, "<p>Lab meeting at 3</p>", content_type="text/html", connection=alice)
    (received,) = _unread(bob, subject)
    assert received.text() == "<p>Lab meeting at 3</p>"


def test_only_its_sender_and_recipients_may_read_a_message(
    alice: sm.Connection, bob: sm.Connection, server: Any
) -> None:
    carol = sm.connect(server.create_user(f"carol{uuid.uuid4().hex[:6]}"), endpoint=server.endpoint, name="c")
    sent = sm.send_message(sm.me(connection=bob), "private", "for Bob only", connection=alice)
    with pytest.raises(ForbiddenError, match="not the sender or receiver"):
        sm.Message.get(sent.id, connection=carol)
    with pytest.raises(ForbiddenError):
        sm.Message.get(sent.id, connection=alice).text(connection=carol)


@pytest.mark.parametrize(("recipients", "subject", "body", "field"), [
    ([], "s", "b", "recipients"),
    ([{"user": "bob"}], "s", "b", "recipients[0]"),
    ("bob", 3, "b", "subject"),
    ("bob", "s", b"bytes", "body"),
])  # fmt: skip
def test_send_message_checks_its_arguments_before_any_request(
    recipients: Any, subject: Any, body: Any, field: str
) -> None:
    with pytest.raises(sm.ValidationError) as err:  # no connection is needed to refuse them
        sm.send_message(recipients, subject, body)
    assert err.value.field == field
    with pytest.raises(sm.ValidationError, match="text/plain"):
        sm.send_message("bob", "s", "b", content_type="application/pdf")


# -- your projects, your certification -----------------------------------------------------------------------


def test_list_mine_pages_through_the_projects_you_can_see(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    names = [f"mine {uuid.uuid4().hex[:6]} {n}" for n in range(3)]
    made = [sm.Project(name=name).store(connection=alice) for name in names]
    theirs = sm.Project(name=f"theirs {uuid.uuid4().hex[:6]}").store(connection=bob)
    try:
        theirs.grant(sm.me(connection=alice), ["READ"], connection=bob)
        seen = list(sm.Project.list_mine(connection=alice))
        ids = [h.id for h in seen]
        assert {p.id for p in made} | {project.id, theirs.id} <= set(ids)
        assert len(ids) == len(set(ids))
        assert theirs.id not in [h.id for h in sm.Project.list_mine(created_only=True, connection=alice)]
        assert isinstance(seen[ids.index(made[0].id)].get(), sm.Project)
    finally:
        for p in made:
            p.delete(connection=alice)
        theirs.delete(connection=bob)


def test_every_user_of_the_local_server_is_certified(alice: sm.Connection, bob: sm.Connection) -> None:
    assert sm.me(connection=alice).is_certified() is True
    assert sm.UserProfile.get(sm.me(connection=bob).owner_id, connection=alice).is_certified() is True
