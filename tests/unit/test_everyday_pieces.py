"""Links, web addresses and messages without a server: what they accept and that they cost no request."""

from __future__ import annotations

from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.transport import MockTransport, Request, Response


def _recording(base: str) -> tuple[Connection, list[Request]]:
    sent: list[Request] = []

    def server(request: Request) -> Response:
        sent.append(request)
        return Response(500)

    return Connection(Endpoints.from_base(base, "test"), "token", transport=MockTransport(server)), sent


def test_web_url_uses_the_objects_connection_and_sends_nothing() -> None:
    conn, sent = _recording("http://127.0.0.1:8080")
    folder = sm.Folder(id="syn5", name="raw", parent="syn1")._loaded(conn)
    assert folder.web_url == "http://127.0.0.1:8080/Synapse:syn5"
    with sm.using(_recording("http://other:1")[0]):
        assert sm.Folder(id="syn6", name="x", parent="syn1").web_url == "http://other:1/Synapse:syn6"
    assert sent == []


def test_web_url_of_an_unconnected_entity_is_on_synapse_org(isolated_env: Path) -> None:
    assert sm.Project(id="syn7", name="p").web_url == "https://www.synapse.org/Synapse:syn7"
    assert sm.Project(name="p").web_url is None  # not stored: no page yet


def test_a_link_target_may_be_an_entity_a_header_or_an_id_with_a_version() -> None:
    header = sm.EntityHeader(id="syn3", name="counts.tsv", type="org.sagebionetworks.repo.model.FileEntity")
    assert (sm.Link(target=header, parent="syn1").target_id, sm.Link(target=header).target_version) == (
        "syn3", None)
    assert sm.Link(target=sm.Folder(id="syn4", name="raw", parent="syn1")).target_id == "syn4"
    pinned = sm.Link(target="syn3.2", parent="syn1")
    assert (pinned.target_id, pinned.target_version) == ("syn3", 2)
    with pytest.raises(sm.ValidationError, match="no id yet"):
        sm.Link(target=sm.Folder(name="raw", parent="syn1"))


def test_a_link_refuses_to_be_stored_without_a_target_before_any_request() -> None:
    conn, sent = _recording("http://127.0.0.1:8080")
    with pytest.raises(sm.ValidationError, match="needs a target"):
        sm.Link(name="nowhere", parent="syn1").store(connection=conn)
    with pytest.raises(sm.ValidationError, match="points nowhere"):
        sm.Link(name="nowhere", parent="syn1").follow(connection=conn)
    assert sent == []


def test_message_status_and_ids_are_checked_before_any_request() -> None:
    conn, sent = _recording("http://127.0.0.1:8080")
    with pytest.raises(sm.ValidationError, match="UNREAD, READ or ARCHIVED"):
        sm.Message.inbox("DELETED", connection=conn)  # refused on the call, before it is iterated
    with pytest.raises(sm.ValidationError, match="status=None"):
        sm.Message.inbox(None, connection=conn)  # type: ignore[arg-type]
    with pytest.raises(sm.ValidationError, match="message ids are numbers"):
        sm.Message.get("m-1", connection=conn)
    with pytest.raises(sm.ValidationError, match="never sent"):
        sm.Message(subject="draft").mark("READ", connection=conn)
    assert sent == []
