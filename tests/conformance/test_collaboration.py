"""The official ``synapseclient`` 4.14 against LocalSynapse: wikis, teams, evaluations and submissions.

Each test drives the peer through its public API (legacy ``Synapse`` methods and ``synapseclient.models``)
and checks what it reads back, so the server behaves the way that client expects.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

synapseclient = pytest.importorskip("synapseclient")

# The legacy classes (Wiki, Team, Evaluation, Synapse.store...) are deprecated in 4.14 but still what most
# scripts use, so they are exercised on purpose.
pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

_counter = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


@pytest.fixture
def project(syn: Any) -> Any:
    return syn.store(synapseclient.Project(name=_unique("collab project")))


def test_legacy_wiki_store_and_get(syn: Any, project: Any) -> None:
    wiki = syn.store(synapseclient.Wiki(owner=project, title="Home", markdown="# Welcome\nSome *text*."))
    assert wiki.id
    fetched = syn.getWiki(project)
    assert fetched.id == wiki.id
    assert fetched.title == "Home"
    assert fetched.markdown == "# Welcome\nSome *text*."
    sub = syn.store(synapseclient.Wiki(owner=project, title="Sub", markdown="child", parentWikiId=wiki.id))
    assert syn.getWiki(project, subpageId=sub.id).markdown == "child"
    headers = syn.getWikiHeaders(project)
    assert {h["title"] for h in headers} == {"Home", "Sub"}
    fetched.markdown = "# Changed"
    syn.store(fetched)
    assert syn.getWiki(project).markdown == "# Changed"
    syn.delete(syn.getWiki(project))
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError):
        syn.getWiki(project, subpageId=sub.id)


def test_legacy_wiki_with_attachment(syn: Any, project: Any, tmp_path: Path) -> None:
    attachment = tmp_path / "notes.txt"
    attachment.write_text("attached bytes")
    wiki = syn.store(
        synapseclient.Wiki(owner=project, title="A", markdown="see file", attachments=[str(attachment)])
    )
    handles = syn.getWikiAttachments(wiki)
    assert [h["fileName"] for h in handles] == ["notes.txt"]


def test_models_wiki_page_store_and_get(syn: Any, project: Any, tmp_path: Path) -> None:
    from synapseclient.models import WikiHeader, WikiPage

    stored = WikiPage(owner_id=project.id, title="Models page", markdown="model markdown").store(
        synapse_client=syn
    )
    assert stored.id
    fetched = WikiPage(owner_id=project.id, id=stored.id).get(synapse_client=syn)
    assert fetched.title == "Models page"
    assert fetched.markdown_file_handle_id == stored.markdown_file_handle_id
    path = fetched.get_markdown_file(download_location=str(tmp_path), synapse_client=syn)
    assert Path(path).read_text() == "model markdown"
    child = WikiPage(owner_id=project.id, title="Child", markdown="child", parent_id=stored.id).store(
        synapse_client=syn
    )
    headers = WikiHeader.get(owner_id=project.id, synapse_client=syn)
    assert [(h.id, h.parent_id) for h in headers] == [(stored.id, None), (child.id, stored.id)]
    # the same page through the legacy (V1/V2) API of the same client
    assert syn.getWiki(project, subpageId=child.id).markdown == "child"


def test_legacy_team_store_and_get(syn: Any) -> None:
    name = _unique("collab team")
    team = syn.store(synapseclient.Team(name=name, description="peer team", canPublicJoin=True))
    assert team.id
    assert syn.getTeam(team.id).name == name
    assert syn.getTeam(name).id == team.id
    members = list(syn.getTeamMembers(team))
    assert len(members) == 1 and members[0]["isAdmin"] is True
    syn.delete(team)
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError):
        syn.getTeam(team.id)


def test_legacy_team_invitation_and_status(syn: Any, other_syn: Any) -> None:
    team = syn.store(synapseclient.Team(name=_unique("invite team")))
    other_id = other_syn.getUserProfile()["ownerId"]
    syn.invite_to_team(team, user=other_id, message="welcome")
    status = syn.get_membership_status(other_id, team.id)
    assert status["hasOpenInvitation"] is True
    assert [i["inviteeId"] for i in syn.get_team_open_invitations(team)] == [other_id]


def test_models_team_create_and_get(syn: Any) -> None:
    from synapseclient.models import Team

    name = _unique("models team")
    created = Team(name=name, description="from models").create(synapse_client=syn)
    assert created.id
    fetched = Team(id=created.id).get(synapse_client=syn)
    assert fetched.name == name
    members = fetched.members(synapse_client=syn)
    assert len(members) == 1 and members[0].is_admin is True
    by_name = Team(name=name).get(synapse_client=syn)
    assert by_name.id == created.id


def test_legacy_evaluation_submit_and_score(syn: Any, project: Any) -> None:
    evaluation = syn.store(
        synapseclient.Evaluation(
            name=_unique("collab queue"),
            description="a challenge",
            contentSource=project.id,
            submissionReceiptMessage="thanks",
        )
    )
    assert syn.getEvaluation(evaluation.id).name == evaluation.name
    assert syn.getEvaluationByName(evaluation.name).id == evaluation.id
    folder = syn.store(synapseclient.Folder(name="entry", parent=project))
    submission = syn.submit(evaluation, folder, name="my entry")
    assert submission.id and submission.entityId == folder.id
    status = syn.getSubmissionStatus(submission)
    assert status.status == "RECEIVED"
    status.status = "SCORED"
    status.submissionAnnotations = {"score": 0.9}
    stored = syn.store(status)
    assert stored.status == "SCORED"
    again = syn.getSubmissionStatus(submission.id)
    assert again.status == "SCORED"
    assert again.submissionAnnotations["score"] == [0.9]
    listed = list(syn.getSubmissions(evaluation, status="SCORED"))
    assert [s["id"] for s in listed] == [submission.id]
    syn.delete(evaluation)
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError):
        syn.getEvaluation(evaluation.id)


def test_legacy_evaluation_permissions_for_another_user(syn: Any, other_syn: Any, project: Any) -> None:
    evaluation = syn.store(synapseclient.Evaluation(name=_unique("shared queue"), contentSource=project.id))
    other_id = other_syn.getUserProfile()["ownerId"]
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError):
        other_syn.getEvaluation(evaluation.id)
    syn.setPermissions(evaluation, other_id, accessType=["READ", "SUBMIT"])
    assert set(syn.getPermissions(evaluation, other_id)) == {"READ", "SUBMIT"}
    assert other_syn.getEvaluation(evaluation.id).id == evaluation.id


def test_models_evaluation_and_submission(syn: Any, project: Any, tmp_path: Path) -> None:
    from synapseclient.models import Evaluation, File, Submission, SubmissionStatus

    evaluation = Evaluation(
        name=_unique("models queue"),
        description="models challenge",
        content_source=project.id,
        submission_instructions_message="submit a file",
        submission_receipt_message="received",
    ).store(synapse_client=syn)
    assert evaluation.id
    fetched = Evaluation(id=evaluation.id).get(synapse_client=syn)
    assert fetched.name == evaluation.name
    path = tmp_path / "prediction.csv"
    path.write_text("id,score\n1,0.5\n")
    file = File(path=str(path), parent_id=project.id).store(synapse_client=syn)
    submission = Submission(entity_id=file.id, evaluation_id=evaluation.id, name="prediction").store(
        synapse_client=syn
    )
    assert submission.id and submission.version_number == 1
    status = SubmissionStatus(id=submission.id).get(synapse_client=syn)
    assert status.status == "RECEIVED"
    status.status = "SCORED"
    stored = status.store(synapse_client=syn)
    assert stored.status == "SCORED"
    downloaded = syn.getSubmission(submission.id, downloadLocation=str(tmp_path / "download"))
    assert Path(downloaded.filePath).read_text() == "id,score\n1,0.5\n"


def test_legacy_permissions_granted_through_a_team(syn: Any, other_syn: Any, project: Any) -> None:
    team = syn.store(synapseclient.Team(name=_unique("readers"), canPublicJoin=True))
    syn.setPermissions(project, team.id, accessType=["READ", "DOWNLOAD"])
    assert set(syn.getPermissions(project, team.id)) == {"READ", "DOWNLOAD"}
    with pytest.raises(synapseclient.core.exceptions.SynapseHTTPError):
        other_syn.get(project.id, downloadFile=False)
    other_id = other_syn.getUserProfile()["ownerId"]
    other_syn.restPUT(f"/team/{team.id}/member/{other_id}")
    assert other_syn.get(project.id, downloadFile=False).name == project.name
    assert set(other_syn.get_permissions(project).access_types) == {"READ", "DOWNLOAD"}


def test_models_wiki_history_restore_and_order_hint(syn: Any, project: Any) -> None:
    from synapseclient.models import WikiHeader, WikiHistorySnapshot, WikiOrderHint, WikiPage

    root = WikiPage(owner_id=project.id, title="v0", markdown="first").store(synapse_client=syn)
    root.title, root.markdown = "v1", "second"
    root = root.store(synapse_client=syn)
    assert root.title == "v1"
    history = list(WikiHistorySnapshot.get(owner_id=project.id, id=root.id, synapse_client=syn))
    assert [h.version for h in history] == ["1", "0"]
    restored = WikiPage(owner_id=project.id, id=root.id, wiki_version="0").restore(synapse_client=syn)
    assert restored.title == "v0"
    a = WikiPage(owner_id=project.id, title="A", markdown="a", parent_id=root.id).store(synapse_client=syn)
    b = WikiPage(owner_id=project.id, title="B", markdown="b", parent_id=root.id).store(synapse_client=syn)
    hint = WikiOrderHint(owner_id=project.id).get(synapse_client=syn)
    hint.id_list = [b.id, a.id, root.id]
    hint = hint.store(synapse_client=syn)
    assert hint.id_list == [b.id, a.id, root.id]
    assert [h.id for h in WikiHeader.get(owner_id=project.id, synapse_client=syn)] == [b.id, a.id, root.id]
