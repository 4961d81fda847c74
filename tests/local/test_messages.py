"""The messages area: sending to users and teams with Synapse's checks and wording (MessageManagerImpl,
DBOMessageDAOImpl), the inbox and outbox, statuses, and who may read a message and its body."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, reason, unique
from .synapse_schema import SCHEMA_DIR, SynapseSchemas

M = "org.sagebionetworks.repo.model.message."


def _me(api: Api) -> str:
    return str(api.ok("GET", "/userProfile")["ownerId"])


def _send(api: Api, recipients: list[str], subject: str = "hello", **fields: Any) -> dict[str, Any]:
    body = {"recipients": recipients, "subject": subject, "fileHandleId": api.handle("body.txt")} | fields
    return dict(api.ok("POST", "/message", body, status=201))


def _inbox(api: Api, **params: Any) -> list[dict[str, Any]]:
    return list(api.ok("GET", "/message/inbox", **params)["results"])


def test_a_message_reaches_its_recipient_unread_and_its_sender_outbox(alice: Api, bob: Api) -> None:
    sent = _send(alice, [_me(bob)], subject=unique("results"))
    assert sent["createdBy"] == _me(alice) and sent["inReplyToRoot"] == sent["id"]
    assert (sent["withUnsubscribeLink"], sent["isNotificationMessage"]) == (False, False)
    (item,) = [i for i in _inbox(bob) if i["message"]["id"] == sent["id"]]
    assert item["status"] == {"messageId": sent["id"], "recipientId": _me(bob), "status": "UNREAD"}
    assert item["message"] == sent
    assert sent["id"] in [m["id"] for m in alice.ok("GET", "/message/outbox")["results"]]
    assert bob.ok("GET", f"/message/{sent['id']}") == sent


def test_status_moves_a_message_between_inbox_filters(alice: Api, bob: Api) -> None:
    sent = _send(alice, [_me(bob)])
    assert bob.ok("PUT", "/message/status", {"messageId": sent["id"], "status": "READ"}) is None
    assert sent["id"] not in [i["message"]["id"] for i in _inbox(bob)]
    read = _inbox(bob, inboxFilter="READ,ARCHIVED", limit=100)
    assert [i["status"]["status"] for i in read if i["message"]["id"] == sent["id"]] == ["READ"]
    refused = alice.put("/message/status", {"messageId": sent["id"], "status": "READ"})  # the sender's
    assert (refused.status_code, reason(refused)) == (403, f"Cannot change status of message ({sent['id']})")


def test_inbox_orders_by_date_newest_first_and_pages(alice: Api, bob: Api) -> None:
    first, second = _send(alice, [_me(bob)], "a"), _send(alice, [_me(bob)], "b")
    ids = [i["message"]["id"] for i in _inbox(bob, limit=100)]
    assert ids.index(second["id"]) < ids.index(first["id"])
    oldest = [i["message"]["id"] for i in _inbox(bob, limit=100, descending="false")]
    assert oldest.index(first["id"]) < oldest.index(second["id"])
    page = bob.ok("GET", "/message/inbox", limit=1, offset=1)
    assert len(page["results"]) == 1 and page["totalNumberOfResults"] == len(ids)


def test_only_the_sender_and_recipients_may_read_a_message(alice: Api, bob: Api, server: Any) -> None:
    carol = Api(server.endpoint, server.create_user(unique("carol").replace(" ", "")))
    sent = _send(alice, [_me(bob)])
    refused = carol.get(f"/message/{sent['id']}")
    assert (refused.status_code, reason(refused)) == (
        403, f"You are not the sender or receiver of this message ({sent['id']})")
    missing = bob.get("/message/123456789")
    assert (missing.status_code, reason(missing)) == (404, "Message (123456789) not found")
    link = bob.get(f"/message/{sent['id']}/file", redirect="false")
    assert link.status_code == 200 and link.text.startswith("https://example.org/")
    assert carol.get(f"/message/{sent['id']}/file").status_code == 403


def test_a_team_the_sender_may_message_reaches_its_members(
    alice: Api, bob: Api, admin: Api, server: Any
) -> None:
    team = alice.ok("POST", "/team", {"name": unique("team")}, status=201)
    admin.ok("PUT", f"/team/{team['id']}/member/{_me(bob)}")
    sent = _send(alice, [team["id"]])
    assert sent["id"] in [i["message"]["id"] for i in _inbox(bob, limit=100)]
    # a team whose ACL does not let the sender message it is skipped, as Synapse's worker skips it
    acl = alice.ok("GET", f"/team/{team['id']}/acl")
    acl["resourceAccess"] = [e for e in acl["resourceAccess"] if str(e["principalId"]) == _me(alice)]
    alice.ok("PUT", "/team/acl", acl)
    carol = Api(server.endpoint, server.create_user(unique("carol").replace(" ", "")))
    skipped = _send(carol, [team["id"]])
    assert skipped["recipients"] == [team["id"]]
    assert skipped["id"] not in [i["message"]["id"] for i in _inbox(bob, limit=100)]


def test_replies_share_the_root_of_their_conversation(alice: Api, bob: Api) -> None:
    first = _send(alice, [_me(bob)])
    answer = _send(bob, [_me(alice)], inReplyTo=first["id"])
    again = _send(alice, [_me(bob)], inReplyTo=answer["id"])
    assert (answer["inReplyTo"], answer["inReplyToRoot"], again["inReplyToRoot"]) == (
        first["id"], first["id"], first["id"])
    body = {"recipients": [_me(bob)], "fileHandleId": alice.handle(), "inReplyTo": "42"}
    unknown = alice.post("/message", body)
    assert (unknown.status_code, reason(unknown)) == (
        400, "Cannot reply to a message (42) that does not exist")


@pytest.mark.parametrize(("body", "status", "text"), [
    ({"subject": "x"}, 400, "recipients must be set."),
    ({"recipients": []}, 400, "recipients must be set."),
    ({"recipients": ["999999999"]}, 400, "One or more of the following IDs are not recognized: [999999999]"),
    ({"recipients": [str(n) for n in range(1, 52)]}, 400,
     "May not message more than 50 at once.  Consider grouping the recipients in a Team if possible."),
])  # fmt: skip
def test_sending_is_refused_with_synapses_reasons(
    alice: Api, body: dict[str, Any], status: int, text: str
) -> None:
    response = alice.post("/message", {"fileHandleId": alice.handle()} | body)
    assert (response.status_code, reason(response)) == (status, text)


def test_only_the_uploader_of_a_body_may_send_it(alice: Api, bob: Api, anonymous: Api) -> None:
    handle = alice.handle()
    stolen = bob.post("/message", {"recipients": [_me(alice)], "fileHandleId": handle})
    assert (stolen.status_code, reason(stolen)) == (403, "Invalid file handle given")
    # a recipient may send on the body of a message they received (forwarding it)
    sent = alice.ok("POST", "/message", {"recipients": [_me(bob)], "fileHandleId": handle}, status=201)
    forwarded = bob.ok("POST", "/message", {"recipients": [_me(alice)], "fileHandleId": handle}, status=201)
    assert forwarded["fileHandleId"] == sent["fileHandleId"]
    nobody = anonymous.post("/message", {"recipients": [_me(alice)], "fileHandleId": handle})
    assert (nobody.status_code, reason(nobody)) == (403, "Anonymous user may not send messages.")


def test_the_body_downloads_through_its_message_association(alice: Api, bob: Api, server: Any) -> None:
    sent = _send(alice, [_me(bob)])
    carol = Api(server.endpoint, server.create_user(unique("carol").replace(" ", "")))

    def batch(api: Api) -> dict[str, Any]:
        request = {"requestedFiles": [{"fileHandleId": sent["fileHandleId"], "associateObjectId": sent["id"],
                                       "associateObjectType": "MessageAttachment"}],
                   "includePreSignedURLs": True, "includeFileHandles": True}
        return dict(api.ok("POST", "/file/v1/fileHandle/batch", request)["requestedFiles"][0])

    assert batch(bob).get("preSignedURL", "").startswith("https://example.org/")
    assert batch(carol).get("failureCode") == "UNAUTHORIZED"


@pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason=f"Synapse schema directory {SCHEMA_DIR} is absent")
def test_answers_match_the_official_schemas(alice: Api, bob: Api) -> None:
    schemas = SynapseSchemas()
    sent = _send(alice, [_me(bob)], inReplyTo=None, to="bob@example.org")
    assert schemas.errors(M + "MessageToUser", sent) == []
    assert schemas.errors(f"PaginatedResults<{M}MessageBundle>", bob.ok("GET", "/message/inbox")) == []
    assert schemas.errors(f"PaginatedResults<{M}MessageToUser>", alice.ok("GET", "/message/outbox")) == []
