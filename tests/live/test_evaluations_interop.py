"""Evaluations, scores and sharing settings exchanged with the official ``synapseclient`` 4.14.

One client writes, the other reads, against the same LocalSynapse: the wire formats agree.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

import synapse_models as sm
from tests.peer import official_client

synapseclient = pytest.importorskip("synapseclient")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def peer(server: Any, alice_token: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The official client, logged in as alice."""
    home = tmp_path_factory.mktemp("peer-eval")
    return official_client(server, alice_token, home, log_level=logging.WARNING, multi_threaded=False)


def test_sharing_settings_agree_between_clients(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project, peer: Any
) -> None:
    bob_id = int(str(bob.user_id))
    project.grant("bob", ["READ", "DOWNLOAD"])
    assert sorted(peer.getPermissions(project.id, bob_id)) == ["DOWNLOAD", "READ"]
    peer.setPermissions(project.id, bob_id, ["READ"], warn_if_inherits=False)
    assert project.acl()[bob_id] == {sm.AccessType.READ}
    folder = sm.Folder(name="inherits", parent=project).store()
    peer.setPermissions(folder.id, bob_id, ["READ", "UPDATE"], warn_if_inherits=False)
    assert folder.benefactor() == folder.id
    assert folder.acl()[bob_id] == {sm.AccessType.READ, sm.AccessType.UPDATE}


def test_scores_written_by_one_client_read_typed_by_the_other(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project, peer: Any
) -> None:
    name = f"interop queue {uuid.uuid4().hex[:8]}"
    made = peer.store(
        synapseclient.Evaluation(
            name=name, contentSource=project.id, submissionInstructionsMessage="send a folder"
        )
    )
    queue = sm.Evaluation.get(name=name)
    assert queue.id == str(made.id) and queue.submission_instructions == "send a folder"
    queue.grant("bob", ["READ", "SUBMIT"])
    bobs_project = sm.Project(name=f"bob interop {uuid.uuid4().hex[:8]}").store(connection=bob)
    try:
        entry = sm.Folder(name="entry", parent=bobs_project).store(connection=bob)
        queue_for_bob = sm.Evaluation.get(queue.id, connection=bob)
        first, second = queue_for_bob.submit(entry), queue_for_bob.submit(entry)

        ours = sm.SubmissionStatus.get(first.id)
        ours.status = sm.SubmissionStatusEnum.SCORED
        ours.submission_annotations = sm.Annotations({"auc": 0.87, "rank": 1, "team": "blue"})
        ours.store()
        theirs = peer.getSubmissionStatus(first.id)
        assert theirs.status == "SCORED"
        assert dict(theirs.submissionAnnotations) == {"auc": [0.87], "rank": [1], "team": ["blue"]}

        status = peer.getSubmissionStatus(second.id)
        status.status = "SCORED"
        status.submissionAnnotations["auc"] = [0.5]
        status.submissionAnnotations["rank"] = [2]
        peer.store(status)
        read_back = sm.SubmissionStatus.get(second.id)
        assert read_back.status is sm.SubmissionStatusEnum.SCORED
        assert read_back.submission_annotations == {"auc": [0.5], "rank": [2]}
        assert isinstance(read_back.submission_annotations["rank"][0], int)
        assert {s.id for s in queue.submissions(status="SCORED")} == {first.id, second.id}
    finally:
        queue.delete()
        bobs_project.delete(connection=bob)
