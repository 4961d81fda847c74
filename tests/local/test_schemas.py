"""Every entity/user endpoint's answer validates against the official Synapse schema of its declared type.

The schemas are read from ``$SYNAPSE_REST_SCHEMA_DIR`` (default ``../shared/synapse-rest/schema`` from the
repository root) and made strict: unknown properties fail, so misspelled fields are caught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from synapse_models.local import LocalSynapse
from synapse_models.local.areas import AREAS
from synapse_models.local.core.area import Area
from synapse_models.local.core.async_endpoints import async_endpoints
from synapse_models.local.core.context import RequestContext
from synapse_models.local.core.jobs import Job, JobWork
from synapse_models.local.core.routing import Routes

from .conftest import Api, unique
from .synapse_schema import SCHEMA_DIR, SynapseSchemas

if not SCHEMA_DIR.is_dir():
    pytest.skip(f"Synapse schema directory {SCHEMA_DIR} is absent", allow_module_level=True)

M = "org.sagebionetworks.repo.model."
ENTITY = M + "Entity"
BUNDLE = M + "entitybundle.v2.EntityBundle"
ANNOTATIONS = M + "annotation.v2.Annotations"
ACL = M + "AccessControlList"
HEADER = M + "EntityHeader"
PROFILE = M + "UserProfile"
GROUP_PAGE = M + "UserGroupHeaderResponsePage"
ERROR = M + "ErrorResponse"
PARTS = (
    "Entity", "Annotations", "Permissions", "EntityPath", "HasChildren", "AccessControlList", "FileHandles",
    "RootWikiId", "BenefactorACL", "FileName", "ThreadCount", "RestrictionInformation", "Activity",
)  # fmt: skip
ALL_PARTS = {f"include{part}": True for part in PARTS}


def _start_schema_job(ctx: RequestContext, body: dict[str, Any]) -> JobWork:
    def work(job: Job) -> dict[str, Any]:
        return {"concreteType": M + "table.TableUpdateTransactionResponse", "results": []}

    return work


_schema_job_routes = Routes()
async_endpoints(_schema_job_routes, "/repo/v1/localschematest/async", _start_schema_job)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSynapse]:
    """The module's server: every area plus one serving a job whose status the cases validate."""
    with LocalSynapse(areas=(*AREAS, Area("localschematest", routes=tuple(_schema_job_routes)))) as local:
        yield local


@dataclass
class World:
    """Users and entities the cases talk about."""

    alice: Api
    bob: Api
    anonymous: Api
    project: dict[str, Any]
    folder: dict[str, Any]
    file: dict[str, Any]
    alice_id: str


@pytest.fixture(scope="module")
def schemas() -> SynapseSchemas:
    return SynapseSchemas()


@pytest.fixture(scope="module")
def world(server: LocalSynapse, alice: Api, bob: Api, anonymous: Api) -> World:
    project = alice.project(alias=unique("schema").replace(" ", "_"))
    folder = alice.folder(project)
    file = alice.file(project)
    file = alice.ok("PUT", f"/entity/{file['id']}", file, newVersion="true")
    annotations = {
        "id": folder["id"],
        "etag": folder["etag"],
        "annotations": {"n": {"type": "LONG", "value": ["1"]}},
    }
    alice.ok("PUT", f"/entity/{folder['id']}/annotations2", annotations)
    folder = alice.ok("GET", f"/entity/{folder['id']}")
    trashed = alice.folder(project)
    alice.ok("DELETE", f"/entity/{trashed['id']}", status=204)
    alice_id = alice.ok("GET", "/userProfile")["ownerId"]
    return World(alice, bob, anonymous, project, folder, file, alice_id)


Case = Callable[[World], tuple[requests.Response, str]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


def _entity_body(w: World, concrete: str, **fields: Any) -> dict[str, Any]:
    return {"concreteType": M + concrete, "name": unique("schema"), "parentId": w.project["id"]} | fields


# -- users -------------------------------------------------------------------------------------------------
case("GET userProfile")(lambda w: (w.alice.get("/userProfile"), PROFILE))
case("GET userProfile anonymous")(lambda w: (w.anonymous.get("/userProfile"), PROFILE))
case("GET userProfile/{id}")(lambda w: (w.bob.get(f"/userProfile/{w.alice_id}"), PROFILE))
case("POST userProfile")(
    lambda w: (w.bob.post("/userProfile", {"list": [int(w.alice_id)]}), f"ListWrapper<{PROFILE}>")
)
case("GET userGroupHeaders")(lambda w: (w.alice.get("/userGroupHeaders", prefix="a"), GROUP_PAGE))
case("GET userGroupHeaders/batch")(
    lambda w: (w.alice.get("/userGroupHeaders/batch", ids=w.alice_id), GROUP_PAGE)
)
case("GET user/bundle")(lambda w: (w.alice.get("/user/bundle", mask=0x3F), M + "UserBundle"))
case("GET version")(lambda w: (w.anonymous.get("/version"), M + "versionInfo.SynapseVersionInfo"))


@case("PUT userProfile")
def _put_profile(w: World) -> tuple[requests.Response, str]:
    profile = w.alice.ok("GET", "/userProfile")
    return w.alice.put("/userProfile", profile | {"firstName": "Alice", "location": "Seattle"}), PROFILE


@case("POST principal/alias")
def _alias(w: World) -> tuple[requests.Response, str]:
    name = w.alice.ok("GET", "/userProfile")["userName"]
    return w.bob.post(
        "/principal/alias", {"alias": name, "type": "USER_NAME"}
    ), M + "principal.PrincipalAliasResponse"


# -- entities ----------------------------------------------------------------------------------------------
case("POST entity project")(
    lambda w: (w.alice.post("/entity", {"concreteType": M + "Project", "name": unique("s")}), ENTITY)
)
case("POST entity folder")(
    lambda w: (w.alice.post("/entity", _entity_body(w, "Folder", description="d")), ENTITY)
)
case("POST entity file")(
    lambda w: (
        w.alice.post("/entity", _entity_body(w, "FileEntity", dataFileHandleId=w.alice.handle())),
        ENTITY,
    )
)
case("POST entity table")(lambda w: (w.alice.post("/entity", _entity_body(w, "table.TableEntity")), ENTITY))
case("POST entity view")(
    lambda w: (
        w.alice.post(
            "/entity", _entity_body(w, "table.EntityView", scopeIds=[w.project["id"]], viewTypeMask=1)
        ),
        ENTITY,
    )
)
case("POST entity link")(
    lambda w: (
        w.alice.post(
            "/entity",
            _entity_body(w, "Link", linksTo={"targetId": w.folder["id"]}, linksToClassName=M + "Folder"),
        ),
        ENTITY,
    )
)
case("GET entity")(lambda w: (w.alice.get(f"/entity/{w.file['id']}"), ENTITY))
case("GET entity project")(lambda w: (w.alice.get(f"/entity/{w.project['id']}"), ENTITY))
case("GET entity/version")(
    lambda w: (w.alice.get(f"/entity/{w.file['id']}/version"), f"PaginatedResults<{M}VersionInfo>")
)
case("GET entity/version/{v}")(lambda w: (w.alice.get(f"/entity/{w.file['id']}/version/1"), ENTITY))
case("GET entity/type")(lambda w: (w.alice.get(f"/entity/{w.folder['id']}/type"), HEADER))
case("GET entity/type batch")(
    lambda w: (w.alice.get("/entity/type", batch=w.folder["id"]), f"PaginatedResults<{HEADER}>")
)
case("GET entity/path")(lambda w: (w.alice.get(f"/entity/{w.folder['id']}/path"), M + "EntityPath"))
case("GET entity/alias")(lambda w: (w.alice.get(f"/entity/alias/{w.project['alias']}"), M + "EntityId"))
case("POST entity/child")(
    lambda w: (
        w.alice.post("/entity/child", {"parentId": w.project["id"], "entityName": w.folder["name"]}),
        M + "EntityId",
    )
)
case("POST entity/header")(
    lambda w: (
        w.alice.post(
            "/entity/header", {"references": [{"targetId": w.file["id"], "targetVersionNumber": 1}]}
        ),
        f"PaginatedResults<{HEADER}>",
    )
)
case("GET projects")(lambda w: (w.alice.get("/projects"), M + "ProjectHeaderList"))
case("GET trashcan/view")(lambda w: (w.alice.get("/trashcan/view"), f"PaginatedResults<{M}TrashedEntity>"))


@case("PUT entity")
def _put_entity(w: World) -> tuple[requests.Response, str]:
    folder = w.alice.folder(w.project)
    return w.alice.put(f"/entity/{folder['id']}", folder | {"description": "new"}), ENTITY


@case("POST entity/children")
def _children(w: World) -> tuple[requests.Response, str]:
    body = {"parentId": w.project["id"], "includeTypes": ["folder", "file"], "includeTotalChildCount": True,
            "includeSumFileSizes": True}  # fmt: skip
    return w.alice.post("/entity/children", body), M + "EntityChildrenResponse"


# -- bundles and annotations -------------------------------------------------------------------------------
case("POST bundle2 file")(lambda w: (w.alice.post(f"/entity/{w.file['id']}/bundle2", ALL_PARTS), BUNDLE))
case("POST bundle2 folder")(lambda w: (w.alice.post(f"/entity/{w.folder['id']}/bundle2", ALL_PARTS), BUNDLE))
case("POST bundle2 project")(
    lambda w: (w.alice.post(f"/entity/{w.project['id']}/bundle2", ALL_PARTS), BUNDLE)
)
case("POST version/bundle2")(
    lambda w: (w.alice.post(f"/entity/{w.file['id']}/version/1/bundle2", ALL_PARTS), BUNDLE)
)
case("GET annotations2")(lambda w: (w.alice.get(f"/entity/{w.folder['id']}/annotations2"), ANNOTATIONS))
case("GET version annotations2")(
    lambda w: (w.alice.get(f"/entity/{w.file['id']}/version/1/annotations2"), ANNOTATIONS)
)


@case("POST bundle2/create")
def _create_bundle(w: World) -> tuple[requests.Response, str]:
    body = {
        "entity": _entity_body(w, "Folder"),
        "annotations": {"annotations": {"a": {"type": "DOUBLE", "value": ["1.5"]}}},
        "accessControlList": {
            "resourceAccess": [{"principalId": int(w.alice_id), "accessType": ["READ", "UPDATE"]}]
        },
    }
    return w.alice.post("/entity/bundle2/create", body), BUNDLE


@case("PUT bundle2")
def _update_bundle(w: World) -> tuple[requests.Response, str]:
    folder = w.alice.folder(w.project)
    annotations = {
        "id": folder["id"],
        "etag": folder["etag"],
        "annotations": {"b": {"type": "BOOLEAN", "value": ["true"]}},
    }
    return w.alice.put(
        f"/entity/{folder['id']}/bundle2", {"entity": folder, "annotations": annotations}
    ), BUNDLE


@case("PUT annotations2")
def _put_annotations(w: World) -> tuple[requests.Response, str]:
    folder = w.alice.folder(w.project)
    body = {
        "id": folder["id"],
        "etag": folder["etag"],
        "annotations": {"t": {"type": "TIMESTAMP_MS", "value": ["1"]}},
    }
    return w.alice.put(f"/entity/{folder['id']}/annotations2", body), ANNOTATIONS


# -- ACLs and permissions ----------------------------------------------------------------------------------
case("GET acl")(lambda w: (w.alice.get(f"/entity/{w.project['id']}/acl"), ACL))
case("GET benefactor")(lambda w: (w.alice.get(f"/entity/{w.folder['id']}/benefactor"), HEADER))
case("GET permissions")(
    lambda w: (w.alice.get(f"/entity/{w.folder['id']}/permissions"), M + "auth.UserEntityPermissions")
)
case("GET access")(
    lambda w: (w.alice.get(f"/entity/{w.folder['id']}/access", accessType="READ"), "BooleanResult")
)


@case("POST acl")
def _post_acl(w: World) -> tuple[requests.Response, str]:
    folder = w.alice.folder(w.project)
    body = {
        "resourceAccess": [{"principalId": int(w.alice_id), "accessType": ["READ", "CHANGE_PERMISSIONS"]}]
    }
    return w.alice.post(f"/entity/{folder['id']}/acl", body), ACL


@case("PUT acl")
def _put_acl(w: World) -> tuple[requests.Response, str]:
    project = w.alice.project()
    acl = w.alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"].append({"principalId": 273949, "accessType": ["READ"]})
    return w.alice.put(f"/entity/{project['id']}/acl", acl), ACL


# -- teams, evaluations, wikis (the collaboration area) -----------------------------------------------------
E = "org.sagebionetworks.evaluation.model."
W2 = M + "v2.wiki."


def _team(w: World, **fields: Any) -> dict[str, Any]:
    return dict(w.alice.ok("POST", "/team", {"name": unique("schema team")} | fields, status=201))


def _evaluation(w: World) -> dict[str, Any]:
    body = {"name": unique("schema queue"), "contentSource": w.project["id"], "submissionReceiptMessage": "k"}
    return dict(w.alice.ok("POST", "/evaluation", body, status=201))


def _submission(w: World) -> dict[str, Any]:
    evaluation, folder = _evaluation(w), w.alice.folder(w.project)
    body = {"evaluationId": evaluation["id"], "entityId": folder["id"], "versionNumber": 1}
    return dict(w.alice.ok("POST", "/evaluation/submission", body, status=201, etag=folder["etag"]))


def _wiki(w: World) -> tuple[str, dict[str, Any]]:
    project = w.alice.project()
    page = w.alice.ok("POST", f"/entity/{project['id']}/wiki", {"title": "t", "markdown": "m"}, status=201)
    return project["id"], dict(page)


def _paged(item: str) -> str:
    return f"PaginatedResults<{item}>"


case("POST team")(lambda w: (w.alice.post("/team", {"name": unique("t"), "canPublicJoin": True}), M + "Team"))
case("GET teamMembers")(lambda w: (w.alice.get(f"/teamMembers/{_team(w)['id']}"), _paged(M + "TeamMember")))
case("GET team/acl")(lambda w: (w.alice.get(f"/team/{_team(w)['id']}/acl"), ACL))
case("GET user/team/id")(lambda w: (w.alice.get(f"/user/{w.alice_id}/team/id"), M + "PaginatedTeamIds"))
case("GET membershipStatus")(
    lambda w: (
        w.alice.get(f"/team/{_team(w)['id']}/member/{w.alice_id}/membershipStatus"),
        M + "TeamMembershipStatus",
    )
)
case("POST membershipInvitation")(
    lambda w: (
        w.alice.post("/membershipInvitation", {"teamId": _team(w)["id"], "inviteeEmail": "x@example.org"}),
        M + "MembershipInvitation",
    )
)
case("POST membershipRequest")(
    lambda w: (w.bob.post("/membershipRequest", {"teamId": _team(w)["id"]}), M + "MembershipRequest")
)
case("POST evaluation")(
    lambda w: (
        w.alice.post("/evaluation", {"name": unique("q"), "contentSource": w.project["id"]}),
        E + "Evaluation",
    )
)
case("GET evaluation/permissions")(
    lambda w: (
        w.alice.get(f"/evaluation/{_evaluation(w)['id']}/permissions"),
        E + "UserEvaluationPermissions",
    )
)
case("GET submission")(
    lambda w: (w.alice.get(f"/evaluation/submission/{_submission(w)['id']}"), E + "Submission")
)
case("GET submission/status")(
    lambda w: (w.alice.get(f"/evaluation/submission/{_submission(w)['id']}/status"), E + "SubmissionStatus")
)
case("GET submission/bundle/all")(
    lambda w: (
        w.alice.get(f"/evaluation/{_submission(w)['evaluationId']}/submission/bundle/all"),
        _paged(E + "SubmissionBundle"),
    )
)
case("GET wiki (V1)")(lambda w: (w.alice.get(f"/entity/{_wiki(w)[0]}/wiki"), M + "wiki.WikiPage"))
case("GET wiki2")(lambda w: (w.alice.get(f"/entity/{_wiki(w)[0]}/wiki2"), W2 + "V2WikiPage"))
case("GET wikiheadertree2")(
    lambda w: (w.alice.get(f"/entity/{_wiki(w)[0]}/wikiheadertree2"), _paged(W2 + "V2WikiHeader"))
)
case("GET wiki2orderhint")(
    lambda w: (w.alice.get(f"/entity/{_wiki(w)[0]}/wiki2orderhint"), W2 + "V2WikiOrderHint")
)


@case("PUT submission/status")
def _put_status(w: World) -> tuple[requests.Response, str]:
    path = f"/evaluation/submission/{_submission(w)['id']}/status"
    status = w.alice.ok("GET", path)
    annotations = {"annotations": {"auc": {"type": "DOUBLE", "value": ["0.5"]}}}
    scored = status | {"status": "SCORED", "submissionAnnotations": annotations}
    return w.alice.put(path, scored), E + "SubmissionStatus"


@case("GET wikihistory")
def _wiki_history(w: World) -> tuple[requests.Response, str]:
    owner, page = _wiki(w)
    response = w.alice.get(f"/entity/{owner}/wiki2/{page['id']}/wikihistory", offset=0, limit=10)
    return response, _paged(W2 + "V2WikiHistorySnapshot")


# -- files and provenance (the files area) -----------------------------------------------------------------
F = M + "file."
P = M + "provenance."
HELLO_MD5 = "5d41402abc4b2a76b9719d911017c592"
MULTIPART = {
    "concreteType": F + "MultipartUploadRequest",
    "fileName": "s.txt",
    "contentType": "text/plain",
    "contentMD5Hex": HELLO_MD5,
    "fileSizeBytes": 5,
    "partSizeBytes": 5242880,
}
MULTIPART_PATH = "/file/v1/file/multipart"


def _start(w: World) -> str:
    return str(w.alice.ok("POST", MULTIPART_PATH, MULTIPART, forceRestart="true")["uploadId"])


def _upload(w: World) -> dict[str, Any]:
    """Upload b"hello" and return the completed MultipartUploadStatus."""
    upload_id = _start(w)
    path = f"{MULTIPART_PATH}/{upload_id}"
    urls = w.alice.ok("POST", f"{path}/presigned/url/batch", {"uploadId": upload_id, "partNumbers": [1]})
    requests.put(urls["partPresignedUrls"][0]["uploadPresignedUrl"], data=b"hello", timeout=10)
    w.alice.ok("PUT", f"{path}/add/1", partMD5Hex=HELLO_MD5)
    return dict(w.alice.ok("PUT", f"{path}/complete"))


def _activity(w: World) -> dict[str, Any]:
    used = [
        {"concreteType": P + "UsedEntity", "reference": {"targetId": w.folder["id"]}, "wasExecuted": False},
        {"concreteType": P + "UsedURL", "name": "s", "url": "https://e.org/s.py", "wasExecuted": True},
    ]
    return dict(w.alice.ok("POST", "/activity", {"name": "schema", "used": used}, status=201))


def _generated(w: World) -> tuple[str, dict[str, Any]]:
    folder, activity = w.alice.folder(w.project), _activity(w)
    w.alice.ok("PUT", f"/entity/{folder['id']}/generatedBy", generatedBy=activity["id"])
    return folder["id"], activity


def _destinations(w: World, suffix: str) -> requests.Response:
    return w.alice.get(f"/file/v1/entity/{w.project['id']}/{suffix}")


case("POST file/multipart")(lambda w: (w.alice.post(MULTIPART_PATH, MULTIPART), F + "MultipartUploadStatus"))


@case("PUT multipart/complete")
def _complete(w: World) -> tuple[requests.Response, str]:
    path = f"{MULTIPART_PATH}/{_upload(w)['uploadId']}/complete"  # a second complete answers the same status
    return w.alice.put(path), F + "MultipartUploadStatus"


case("GET fileHandle")(
    lambda w: (w.alice.get(f"/file/v1/fileHandle/{_upload(w)['resultFileHandleId']}"), F + "FileHandle")
)
case("GET uploadDestination")(lambda w: (_destinations(w, "uploadDestination"), F + "UploadDestination"))
case("GET uploadDestinations")(
    lambda w: (_destinations(w, "uploadDestinations"), f"ListWrapper<{F}UploadDestination>")
)
case("GET uploadDestinationLocations")(
    lambda w: (_destinations(w, "uploadDestinationLocations"), f"ListWrapper<{F}UploadDestinationLocation>")
)
case("GET entity/filehandles")(
    lambda w: (w.alice.get(f"/entity/{w.file['id']}/filehandles"), F + "FileHandleResults")
)
case("GET entity/md5")(lambda w: (w.alice.get(f"/entity/md5/{HELLO_MD5}"), f"PaginatedResults<{HEADER}>"))
case("POST activity")(lambda w: (w.alice.post("/activity", {"name": "a"}), P + "Activity"))
case("GET activity")(lambda w: (w.alice.get(f"/activity/{_activity(w)['id']}"), P + "Activity"))
case("GET activity/generated")(
    lambda w: (w.alice.get(f"/activity/{_generated(w)[1]['id']}/generated"), _paged(M + "Reference"))
)
case("GET entity/generatedBy")(
    lambda w: (w.alice.get(f"/entity/{_generated(w)[0]}/generatedBy"), P + "Activity")
)


@case("PUT activity")
def _put_activity(w: World) -> tuple[requests.Response, str]:
    activity = _activity(w)
    return w.alice.put(f"/activity/{activity['id']}", activity | {"name": "b"}), P + "Activity"


@case("PUT entity/generatedBy")
def _put_generated_by(w: World) -> tuple[requests.Response, str]:
    folder = w.alice.folder(w.project)
    return w.alice.put(f"/entity/{folder['id']}/generatedBy", generatedBy=_activity(w)["id"]), P + "Activity"


@case("POST presigned/url/batch")
def _part_urls(w: World) -> tuple[requests.Response, str]:
    upload_id = _start(w)
    body = {"uploadId": upload_id, "partNumbers": [1]}
    response = w.alice.post(f"{MULTIPART_PATH}/{upload_id}/presigned/url/batch", body)
    return response, F + "BatchPresignedUploadUrlResponse"


@case("PUT multipart/add")
def _add_part(w: World) -> tuple[requests.Response, str]:
    return w.alice.put(f"{MULTIPART_PATH}/{_start(w)}/add/1", partMD5Hex="0" * 32), F + "AddPartResponse"


@case("POST fileHandle/batch")
def _batch(w: World) -> tuple[requests.Response, str]:
    association = {"associateObjectId": w.file["id"], "associateObjectType": "FileEntity"}
    handle_id = w.file["dataFileHandleId"]
    requested = [association | {"fileHandleId": handle_id}, association | {"fileHandleId": "9"}]
    body = {"requestedFiles": requested, "includeFileHandles": True, "includePreSignedURLs": True}
    return w.alice.post("/file/v1/fileHandle/batch", body), F + "BatchFileResult"


@case("POST externalFileHandle")
def _external(w: World) -> tuple[requests.Response, str]:
    body = {"concreteType": F + "ExternalFileHandle", "externalURL": "https://e.org/x.csv", "contentSize": 3}
    return w.alice.post("/file/v1/externalFileHandle", body), F + "FileHandle"


# -- async jobs and errors ---------------------------------------------------------------------------------
QUERY = {
    "concreteType": M + "table.QueryBundleRequest",
    "entityId": "syn1",
    "query": {"sql": "select * from syn1"},
}
case("POST async/start")(
    lambda w: (w.alice.post("/repo/v1/localschematest/async/start", QUERY), M + "asynch.AsyncJobId")
)


@case("GET asynchronous/job status")
def _job_status(w: World) -> tuple[requests.Response, str]:
    token = w.alice.ok("POST", "/repo/v1/localschematest/async/start", QUERY)["token"]
    return w.alice.get(f"/asynchronous/job/{token}"), M + "asynch.AsynchronousJobStatus"


case("error 404")(lambda w: (w.alice.get("/entity/syn1"), ERROR))
case("error 403")(lambda w: (w.bob.get(f"/entity/{w.project['id']}"), ERROR))
case("error 400")(lambda w: (w.alice.post("/entity", {"name": "x"}), ERROR))
case("error 401")(lambda w: (Api(w.alice.endpoint, "bad").get("/userProfile"), ERROR))


@pytest.mark.parametrize("name", sorted(CASES))
def test_response_matches_official_schema(name: str, world: World, schemas: SynapseSchemas) -> None:
    response, type_name = CASES[name](world)
    expected_ok = not name.startswith("error")
    assert response.ok == expected_ok, (response.status_code, response.text)
    assert schemas.errors(type_name, response.json()) == []


def test_validator_rejects_unknown_and_misspelled_fields(schemas: SynapseSchemas) -> None:
    entity = {"concreteType": M + "Folder", "id": "syn1", "name": "x", "parnetId": "syn2"}
    assert any("parnetId" in error for error in schemas.errors(ENTITY, entity))
    assert schemas.errors(ENTITY, {"concreteType": M + "Nope"})
    assert schemas.errors(ANNOTATIONS, {"annotations": {"k": {"type": "INT", "value": ["1"]}}})
    assert schemas.errors(HEADER, {"id": "syn1", "createdOn": "2024-01-01"})
