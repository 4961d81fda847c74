"""The answers added or reshaped to match Synapse validate against the official schemas of their types.

Same strict validation as ``test_schemas.py`` (unknown properties fail), for: views with numeric scope ids,
numeric annotation values read back, provenance with filled-in versions, team membership status, creator
permissions, preview file handles, submission-view column suggestions, CSV uploads to views, storage
location and project settings, Docker repositories and the new refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from .conftest import Api, unique
from .files_util import put_part, upload_request
from .synapse_schema import SCHEMA_DIR, SynapseSchemas
from .tables_util import job_ok, upload_csv

if not SCHEMA_DIR.is_dir():
    pytest.skip(f"Synapse schema directory {SCHEMA_DIR} is absent", allow_module_level=True)

M = "org.sagebionetworks.repo.model."
T = M + "table."
P = M + "project."

Case = Callable[[Api, Api], tuple[requests.Response, str]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


@pytest.fixture(scope="module")
def schemas() -> SynapseSchemas:
    return SynapseSchemas()


def _evaluation(api: Api, project: dict[str, Any]) -> dict[str, Any]:
    body = {"name": unique("queue"), "contentSource": project["id"]}
    return dict(api.ok("POST", "/evaluation", body, status=201))


@case("POST entity EntityView with numeric scope ids")
def _entity_view(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    body = {"concreteType": T + "EntityView", "name": unique("v"), "parentId": project["id"]}
    body |= {"scopeIds": [project["id"], "999"], "type": "project"}
    return alice.post("/entity", body), M + "Entity"


@case("POST entity SubmissionView")
def _submission_view(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    body = {"concreteType": T + "SubmissionView", "name": unique("v"), "parentId": project["id"]}
    return alice.post("/entity", body | {"scopeIds": [project["id"]]}), M + "Entity"


@case("POST entity DockerRepository")
def _docker(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    body = {"concreteType": M + "docker.DockerRepository", "parentId": project["id"], "repositoryName": "a/b"}
    return alice.post("/entity", body), M + "Entity"


@case("PUT annotations2 with numbers")
def _annotations(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    body = {"id": project["id"], "etag": project["etag"]}
    body["annotations"] = {"score": {"type": "DOUBLE", "value": [85.5]}, "n": {"type": "LONG", "value": [3]}}
    return alice.put(f"/entity/{project['id']}/annotations2", body), M + "annotation.v2.Annotations"


@case("POST activity with a version filled in")
def _activity(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    folder = alice.folder(alice.project())
    used = [{"concreteType": M + "provenance.UsedEntity", "reference": {"targetId": folder["id"]}}]
    return alice.post("/activity", {"name": "a", "used": used}), M + "provenance.Activity"


@case("GET membershipStatus of the team creator")
def _membership(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    team = alice.ok("POST", "/team", {"name": unique("t")}, status=201)
    me = alice.ok("GET", "/userProfile")["ownerId"]
    return alice.get(f"/team/{team['id']}/member/{me}/membershipStatus"), M + "TeamMembershipStatus"


@case("GET permissions of a creator with a read-only ACL")
def _permissions(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    me = int(alice.ok("GET", "/userProfile")["ownerId"])
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    alice.ok(
        "PUT",
        f"/entity/{project['id']}/acl",
        acl | {"resourceAccess": [{"principalId": me, "accessType": ["READ"]}]},
    )
    return alice.get(f"/entity/{project['id']}/permissions"), M + "auth.UserEntityPermissions"


def _text_attachment_page(alice: Api) -> str:
    project = alice.project()
    data = b"some text\n" * 10
    status = alice.ok(
        "POST", "/file/v1/file/multipart", upload_request(data, "a.txt", contentType="text/plain"), status=201
    )
    put_part(alice, status["uploadId"], data, 1)
    handle_id = alice.ok("PUT", f"/file/v1/file/multipart/{status['uploadId']}/complete", status=201)[
        "resultFileHandleId"
    ]
    body = {
        "title": "Home",
        "markdownFileHandleId": alice.handle("Home.md"),
        "attachmentFileHandleIds": [handle_id],
    }
    page = alice.ok("POST", f"/entity/{project['id']}/wiki2", body, status=201)
    base = f"/entity/{project['id']}/wiki2/{page['id']}"
    assert alice.get(base + "/attachmentpreview", fileName="a.txt", redirect="false").ok  # makes the preview
    return base


@case("GET attachmenthandles with a preview")
def _attachment_handles(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    return alice.get(_text_attachment_page(alice) + "/attachmenthandles"), M + "file.FileHandleResults"


@case("POST column/view/scope for a submission view")
def _suggestions(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    evaluation = _evaluation(alice, alice.project())
    request = {
        "concreteType": T + "ViewColumnModelRequest",
        "viewScope": {"scope": [evaluation["id"]], "viewEntityType": "submissionview"},
    }
    token = alice.ok("POST", "/column/view/scope/async/start", request, status=201)["token"]
    job_ok(alice, "/column/view/scope", request)
    return alice.get(f"/column/view/scope/async/get/{token}"), T + "ViewColumnModelResponse"


@case("CSV upload to a view")
def _view_csv(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    body = {"concreteType": T + "EntityView", "name": unique("v"), "parentId": project["id"]}
    view = alice.ok("POST", "/entity", body | {"scopeIds": [project["id"]], "viewTypeMask": 1}, status=201)
    return upload_csv(alice, view["id"], "ROW_ID,ROW_VERSION\n"), T + "TableUpdateTransactionResponse"


@case("POST storageLocation")
def _storage_location(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    body = {
        "concreteType": P + "ExternalObjectStorageLocationSetting",
        "endpointUrl": "https://e.org",
        "bucket": "b",
    }
    return alice.post("/storageLocation", body | {"uploadType": "S3"}), P + "StorageLocationSetting"


@case("POST projectSettings")
def _project_setting(alice: Api, bob: Api) -> tuple[requests.Response, str]:
    project = alice.project()
    body = {"concreteType": P + "UploadDestinationListSetting", "settingsType": "upload"}
    return alice.post(
        "/projectSettings", body | {"projectId": project["id"], "locations": [1]}
    ), P + "ProjectSetting"


case("error: inherited ACL")(
    lambda alice, bob: (alice.get(f"/entity/{alice.folder(alice.project())['id']}/acl"), M + "ErrorResponse")
)
case("error: unknown evaluation")(lambda alice, bob: (alice.get("/evaluation/syn1"), M + "ErrorResponse"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_response_matches_official_schema(name: str, alice: Api, bob: Api, schemas: SynapseSchemas) -> None:
    response, type_name = CASES[name](alice, bob)
    assert response.ok != name.startswith("error"), (response.status_code, response.text)
    assert schemas.errors(type_name, response.json()) == []
