"""Answers shaped as Synapse shapes them: previews, team membership status, certification.

Each behaviour is one the official client relies on; the docstrings name where Synapse does it.
"""

from __future__ import annotations

from typing import Any

import requests

from .conftest import Api, reason, unique
from .files_util import put_part, upload_request


def _upload_text(api: Api, data: bytes, name: str) -> dict[str, Any]:
    body = upload_request(data, name, contentType="text/plain")
    status = api.ok("POST", "/file/v1/file/multipart", body, forceRestart="true", status=201)
    put_part(api, status["uploadId"], data, 1)
    done = api.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)
    return dict(api.ok("GET", f"/file/v1/fileHandle/{done['resultFileHandleId']}"))


def _download(url: str) -> requests.Response:
    response = requests.get(url, timeout=10)
    assert response.ok, response.text
    return response


# -- previews (PreviewManagerImpl, TextPreviewGenerator) --------------------------------------------------


def test_wiki_attachment_preview_is_a_text_preview_file_handle(alice: Api) -> None:
    project = alice.project()
    text = ("line of text\n" * 200).encode()
    attachment = _upload_text(alice, text, "notes.txt")
    body = {
        "title": "Home",
        "markdownFileHandleId": alice.handle("Home.md"),
        "attachmentFileHandleIds": [attachment["id"]],
    }
    page = alice.ok("POST", f"/entity/{project['id']}/wiki2", body, status=201)
    base = f"/entity/{project['id']}/wiki2/{page['id']}"

    url = alice.get(base + "/attachmentpreview", fileName="notes.txt", redirect="false").text
    preview = _download(url)
    handles = alice.ok("GET", base + "/attachmenthandles")["list"]

    assert "preview.txt" in preview.headers["Content-Disposition"]
    assert preview.content == text.decode()[:1497].encode() + b"..."
    by_name = {h["fileName"]: h for h in handles}
    assert by_name["notes.txt"]["previewId"] == by_name["preview.txt"]["id"]
    assert (by_name["preview.txt"]["isPreview"], by_name["preview.txt"]["contentType"]) == (
        True,
        "text/plain",
    )
    again = alice.ok("GET", base + "/attachmenthandles")["list"]
    assert [h["id"] for h in again] == [h["id"] for h in handles]  # made once


def test_entity_file_preview_and_refusal_for_a_file_without_one(alice: Api) -> None:
    project = alice.project()
    short = _upload_text(alice, b"short text", "short.txt")
    file = alice.file(project, short["id"])
    preview = _download(alice.get(f"/entity/{file['id']}/filepreview", redirect="false").text)
    assert preview.content == b"short text"

    external = alice.file(project, alice.handle("image.png"))  # an ExternalFileHandle: no bytes here
    response = alice.get(f"/entity/{external['id']}/filepreview")
    handle_id = external["dataFileHandleId"]
    assert (response.status_code, reason(response)) == (404, f"A preview does not exist for file {handle_id}")


# -- teams (TeamManagerImpl.getTeamMembershipStatus) ------------------------------------------------------


def test_membership_status_of_team_admin(alice: Api, bob: Api) -> None:
    team = alice.ok("POST", "/team", {"name": unique("team")}, status=201)
    me = alice.ok("GET", "/userProfile")["ownerId"]
    own = alice.ok("GET", f"/team/{team['id']}/member/{me}/membershipStatus")
    assert (own["isMember"], own["canJoin"], own["membershipApprovalRequired"], own["canSendEmail"]) == (
        True,
        True,
        False,
        True,
    )
    bob_id = bob.ok("GET", "/userProfile")["ownerId"]
    other = alice.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus")
    assert (other["isMember"], other["canJoin"], other["membershipApprovalRequired"]) == (False, False, True)
    assert other["canSendEmail"] is True  # the initial team ACL lets every signed-in user send messages


# -- certification (CertifiedUserController) ---------------------------------------------------------------


def test_passing_record_is_synapses_404_for_users_certified_without_the_quiz(alice: Api, bob: Api) -> None:
    """Users count as certified (their permissions say so) without a quiz record, like an account an
    administrator certified on Synapse: CertifiedUserManagerImpl's 404."""
    me = alice.ok("GET", "/userProfile")["ownerId"]
    project = alice.project()
    assert alice.ok("GET", f"/entity/{project['id']}/permissions")["isCertifiedUser"] is True
    for user_id in (me, "999999999"):
        response = bob.get(f"/user/{user_id}/certifiedUserPassingRecord")
        assert (response.status_code, reason(response)) == (
            404,
            f"No quiz results for quiz 1 and user {user_id}",
        )
