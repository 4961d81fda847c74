"""The official client's messages and links against LocalSynapse, read back with this library (and the
other way round): both speak the same REST calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.local import LocalSynapse

# syn.sendMessage, syn.get and syn.store are deprecated in 4.14 but still what most scripts call
pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _ours(server: LocalSynapse, syn: Any) -> sm.Connection:
    name = f"ours-{syn.credentials.owner_id}"
    return sm.connect(syn.credentials.secret, endpoint=server.endpoint, name=name)


def test_a_message_the_official_client_sends_is_read_here(
    server: LocalSynapse, syn: Any, other_syn: Any
) -> None:
    recipient = other_syn.getUserProfile()["ownerId"]
    sent = syn.sendMessage([recipient], "From the official client", "Body sent by syn.sendMessage")
    reader = _ours(server, other_syn)
    (received,) = [m for m in sm.Message.inbox(connection=reader) if m.id == sent["id"]]
    assert received.subject == "From the official client"
    assert received.text() == "Body sent by syn.sendMessage"
    answer = received.reply("Read you")
    assert answer.in_reply_to == sent["id"] and answer.recipients == [str(syn.getUserProfile()["ownerId"])]


def test_links_made_here_are_followed_by_the_official_client_and_back(
    server: LocalSynapse, syn: Any, tmp_path: Path
) -> None:
    import synapseclient

    ours = _ours(server, syn)
    project = sm.Project(name=f"links {tmp_path.name}").store(connection=ours)
    data = sm.Folder(name="data", parent=project).store()
    (tmp_path / "counts.tsv").write_text("gene\tcount\n")
    counts = sm.File(str(tmp_path / "counts.tsv"), parent=data).store()
    link = sm.Link(target=counts, parent=project).store()
    followed = syn.get(link.id, followLink=True, downloadFile=False)
    assert followed.id == counts.id and followed.concreteType == counts.CONCRETE_TYPE
    shortcuts = sm.Folder(name="shortcuts", parent=project).store()
    official = syn.store(synapseclient.Link(data.id, parent=shortcuts.id))
    made_there = sm.Entity.get(official.id, connection=ours)
    assert isinstance(made_there, sm.Link) and made_there.target_id == data.id and made_there.name == "data"
    assert made_there.follow().id == data.id
