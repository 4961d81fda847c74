"""Errors the models raise are what they say: a ValidationError before any request, or the server's own HTTP
error (its status, method and URL), never an HTTP error the client made up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.errors import ConflictError, NotFoundError, ValidationError
from tests.unit.test_collab_acl import FakeConnection, _alias

FOLDER = "org.sagebionetworks.repo.model.Folder"


def test_a_name_nobody_has_is_the_servers_not_found_naming_the_name() -> None:
    conn = FakeConnection({("POST", "/principal/alias"): _alias({})})
    with pytest.raises(NotFoundError) as err:
        sm.Team.get(name="ghosts", connection=conn)
    server = err.value.__cause__
    assert isinstance(server, NotFoundError) and server.reason == "no such alias"
    assert (err.value.status, err.value.method, err.value.url) == (404, server.method, server.url)
    assert "no team is named 'ghosts'" in str(err.value)
    with pytest.raises(NotFoundError, match="no user or team is named 'nobody'") as both:
        sm.Project(name="p", id="syn1", parent=None).grant("nobody", ["READ"], connection=conn)
    assert [c[3] for c in conn.calls[-2:]] == [
        {"alias": "nobody", "type": "USER_NAME"},
        {"alias": "nobody", "type": "TEAM_NAME"},
    ]
    assert both.value.__cause__ is not None


def test_a_same_named_sibling_of_another_type_is_the_servers_conflict() -> None:
    def create(_: Any, body: Any) -> Any:
        return ConflictError(
            409, "An entity with the name: raw already exists", "POST", "http://x/repo/v1/entity"
        )

    conn = FakeConnection(
        {
            ("POST", "/entity"): create,
            ("POST", "/entity/child"): {"id": "syn7"},
            ("POST", "/entity/syn7/bundle2"): {
                "entity": {
                    "concreteType": FOLDER,
                    "id": "syn7",
                    "name": "raw",
                    "parentId": "syn2",
                    "etag": "e",
                }
            },
        }
    )
    with pytest.raises(ConflictError) as err:
        sm.Project(name="raw").store(connection=conn)
    assert err.value.method == "POST" and err.value.url == "http://x/repo/v1/entity"
    assert "syn7 named 'raw' is a Folder, not a Project" in str(err.value)
    assert isinstance(err.value.__cause__, ConflictError)
    assert not any(m in ("PUT", "DELETE") for m, *_ in conn.calls)


def test_an_external_file_url_not_on_this_machine_is_a_validation_error(tmp_path: Path) -> None:
    conn = FakeConnection()
    missing = (tmp_path / "gone.csv").as_uri()
    f = sm.File(url=missing, parent="syn2", synapse_store=False)
    f.id, f.data_file_handle_id = "syn3", "8"
    f.file_handle = sm.ExternalFileHandle(id="8", external_url=missing)
    f._connection = conn
    with pytest.raises(ValidationError) as err:
        f.download()
    assert err.value.field == "url" and err.value.value == missing
    assert conn.calls == []


def test_content_nobody_has_is_a_not_found_of_the_lookup_that_found_nothing(tmp_path: Path) -> None:
    local = tmp_path / "a.txt"
    local.write_text("nobody has this")
    conn = FakeConnection({("GET", r"/entity/md5/\w+"): {"results": []}})
    with pytest.raises(NotFoundError, match="no file you can read has the content") as err:
        sm.File.from_path(local, connection=conn)
    ((method, path, _, _),) = conn.calls
    assert (err.value.method, err.value.url) == (method, conn.url(path))
