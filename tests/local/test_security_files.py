"""Other users' files: no route hands Bob (or anonymous) the bytes of Alice's private file (issue 10, sec. 2).

Synapse's rules (``AuthorizationManagerImpl.canDownloadFile``, ``FileHandleManagerImpl.getRawFileHandle``):
a handle read directly by its id is for its creator only; a download through a FileHandleAssociation is for
the handle's creator, or for someone who may download the object the handle really is associated with.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.local.conftest import Api, reason
from tests.local.files_util import batch_url, upload
from tests.local.tables_util import PKG, columns, job, table, transaction

SECRET = b"name,diagnosis\nalice,secret-diagnosis\n"


@pytest.fixture(scope="module")
def private(alice: Api) -> dict[str, str]:
    """Alice's private project holding a FileEntity whose bytes are SECRET, and the handle's id."""
    project = alice.project()
    handle = upload(alice, SECRET, "patients.csv")
    entity = alice.file(project, handle["id"], name="patients.csv")
    return {"project": project["id"], "entity": entity["id"], "handle": handle["id"]}


def _no_secret(response: requests.Response) -> None:
    assert b"secret-diagnosis" not in response.content, response.text


def test_csv_preview_of_another_users_handle_is_refused(
    bob: Api, anonymous: Api, private: dict[str, str]
) -> None:
    body = {"concreteType": PKG + "UploadToTablePreviewRequest", "uploadFileHandleId": private["handle"]}
    refused = bob.post("/table/upload/csv/preview/async/start", body)
    assert refused.status_code == 403
    assert reason(refused) == (
        "Only the creator of a FileHandle can access it directly by its ID.  "
        f"FileHandleId = '{private['handle']}', UserId = '{bob.ok('GET', '/userProfile')['ownerId']}'"
    )
    _no_secret(refused)
    through_generic = bob.post("/asynchronous/job", body)
    assert through_generic.status_code == 403
    _no_secret(through_generic)
    assert anonymous.post("/table/upload/csv/preview/async/start", body).status_code == 403


def test_csv_upload_of_another_users_handle_into_own_table_is_refused(
    bob: Api, private: dict[str, str]
) -> None:
    cols = columns(
        bob, {"name": "name", "columnType": "STRING"}, {"name": "diagnosis", "columnType": "STRING"}
    )
    target = table(bob, bob.project(), cols)
    change = {
        "concreteType": PKG + "UploadToTableRequest",
        "entityId": target["id"],
        "tableId": target["id"],
        "uploadFileHandleId": private["handle"],
    }
    response = transaction(bob, target["id"], change)
    assert response.status_code == 403, response.text
    assert reason(response).startswith("Only the creator of a FileHandle can access it directly")
    rows = job(
        bob,
        f"/entity/{target['id']}/table/query",
        {
            "concreteType": PKG + "QueryBundleRequest",
            "entityId": target["id"],
            "query": {"sql": f"SELECT * FROM {target['id']}"},
            "partMask": 1,
        },
    )
    _no_secret(rows)


def _batch(api: Api, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = {"requestedFiles": items, "includeFileHandles": True, "includePreSignedURLs": True}
    return list(api.ok("POST", "/file/v1/fileHandle/batch", body, status=201)["requestedFiles"])


def test_batch_never_signs_a_url_for_a_handle_the_caller_may_not_read(
    alice: Api, bob: Api, anonymous: Api, private: dict[str, str]
) -> None:
    handle = private["handle"]
    bob_project = bob.project()
    bob_file = bob.file(bob_project)
    cols = columns(bob, {"name": "f", "columnType": "FILEHANDLEID"})
    bob_table = table(bob, bob_project, cols)
    associations = [
        {"fileHandleId": handle, "associateObjectType": "", "associateObjectId": ""},
        {"fileHandleId": handle, "associateObjectType": "FileEntity", "associateObjectId": bob_file["id"]},
        {"fileHandleId": handle, "associateObjectType": "FileEntity", "associateObjectId": private["entity"]},
        {"fileHandleId": handle, "associateObjectType": "TableEntity", "associateObjectId": bob_table["id"]},
        {"fileHandleId": handle, "associateObjectType": "WikiAttachment", "associateObjectId": "1"},
        {"fileHandleId": handle, "associateObjectType": "SubmissionAttachment", "associateObjectId": "1"},
        {"fileHandleId": handle, "associateObjectType": "NoSuchType", "associateObjectId": "syn1"},
        {
            "fileHandleId": "99999999",
            "associateObjectType": "FileEntity",
            "associateObjectId": private["entity"],
        },
    ]
    for caller in (bob, anonymous):
        results = _batch(caller, associations)
        assert [r["fileHandleId"] for r in results] == [a["fileHandleId"] for a in associations]
        for result in results:
            assert result.get("failureCode") in ("UNAUTHORIZED", "NOT_FOUND"), result
            assert "preSignedURL" not in result and "fileHandle" not in result
        assert results[-1]["failureCode"] == "NOT_FOUND"
        assert results[2]["failureCode"] == "UNAUTHORIZED"
    # The owner still gets her URL, and it serves her bytes.
    mine = batch_url(alice, handle, private["entity"])
    assert requests.get(mine["preSignedURL"], timeout=10).content == SECRET


def test_table_association_needs_the_handle_in_a_file_cell(
    alice: Api, bob: Api, private: dict[str, str]
) -> None:
    # Bob's readable table with no such cell does not vouch for Alice's handle...
    cols = columns(alice, {"name": "f", "columnType": "FILEHANDLEID"})
    project = alice.project()
    shared = table(alice, project, cols)
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    bob_id = int(bob.ok("GET", "/userProfile")["ownerId"])
    acl["resourceAccess"].append({"principalId": bob_id, "accessType": ["READ", "DOWNLOAD"]})
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert (
        batch_url(bob, private["handle"], shared["id"], kind="TableEntity")["failureCode"] == "UNAUTHORIZED"
    )
    # ... a table whose cell holds a handle does, for readers of that table.
    in_cell = upload(alice, b"cell bytes", "cell.txt")
    rows = {
        "concreteType": PKG + "AppendableRowSetRequest",
        "entityId": shared["id"],
        "toAppend": {
            "concreteType": PKG + "RowSet",
            "tableId": shared["id"],
            "headers": [{"id": cols[0]["id"], "name": "f", "columnType": "FILEHANDLEID"}],
            "rows": [{"values": [in_cell["id"]]}],
        },
    }
    assert transaction(alice, shared["id"], rows).status_code == 201
    found = batch_url(bob, in_cell["id"], shared["id"], kind="TableEntity")
    assert requests.get(found["preSignedURL"], timeout=10).content == b"cell bytes"


def test_direct_handle_reads_are_for_the_creator(bob: Api, anonymous: Api, private: dict[str, str]) -> None:
    handle = private["handle"]
    for caller in (bob, anonymous):
        for method, path in (
            ("GET", f"/file/v1/fileHandle/{handle}"),
            ("GET", f"/file/v1/fileHandle/{handle}/url"),
            ("POST", f"/file/v1/fileHandle/{handle}/copy"),
            ("DELETE", f"/file/v1/fileHandle/{handle}"),
        ):
            response = caller.request(method, path, {} if method == "POST" else None)
            assert response.status_code == 403, (method, path, response.text)
            assert "Location" not in response.headers
        associated = caller.get(
            f"/file/v1/file/{handle}", fileAssociateType="FileEntity", fileAssociateId=private["entity"]
        )
        assert associated.status_code == 403 and "Location" not in associated.headers
        copies = caller.post(
            "/file/v1/filehandles/copy",
            {
                "copyRequests": [
                    {
                        "originalFile": {
                            "fileHandleId": handle,
                            "associateObjectType": "FileEntity",
                            "associateObjectId": private["entity"],
                        }
                    }
                ]
            },
        )
        assert copies.status_code == 403 if caller is anonymous else copies.status_code == 200
        if caller is bob:
            assert copies.json()["copyResults"][0]["failureCode"] == "UNAUTHORIZED"
