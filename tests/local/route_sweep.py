"""Alice's private world and the request every route gets from another user or anonymous (used by
``test_route_sweep.py``; run as a script to print what each route answers, for reviewing the table there).

Every object is Alice's and private; its names and the bytes of its files carry :data:`SECRET`, so an answer
that leaks any of them is caught whatever its status.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.local.conftest import Api
from tests.local.files_util import upload
from tests.local.tables_util import PKG, columns, job, table, transaction

SECRET = f"alice-secret-{uuid.uuid4().hex[:8]}"
ENTITY = "org.sagebionetworks.repo.model."


def build_world(alice: Api) -> dict[str, str]:
    """Create Alice's private objects; return the ids a route's path arguments are filled with."""
    me = str(alice.ok("GET", "/userProfile")["ownerId"])
    project = alice.project(name=f"{SECRET} project")
    handle = upload(alice, f"{SECRET} bytes\n".encode(), f"{SECRET}.csv")
    file = alice.file(project, handle["id"], name=f"{SECRET} file")
    cols = columns(alice, {"name": "f", "columnType": "FILEHANDLEID"}, {"name": "s", "columnType": "STRING"})
    rows_table = table(alice, project, cols, name=f"{SECRET} table")
    change = {
        "concreteType": PKG + "AppendableRowSetRequest",
        "entityId": rows_table["id"],
        "toAppend": {
            "concreteType": PKG + "RowSet",
            "tableId": rows_table["id"],
            "headers": [{"id": c["id"], "name": c["name"], "columnType": c["columnType"]} for c in cols],
            "rows": [{"values": [handle["id"], SECRET]}],
        },
    }
    assert transaction(alice, rows_table["id"], change).status_code == 201
    query = {
        "concreteType": PKG + "QueryBundleRequest",
        "entityId": rows_table["id"],
        "query": {"sql": f"SELECT * FROM {rows_table['id']}"},
        "partMask": 1,
    }
    token = alice.ok("POST", f"/entity/{rows_table['id']}/table/query/async/start", query, status=201)[
        "token"
    ]
    assert job(alice, f"/entity/{rows_table['id']}/table/query", query).status_code == 201
    view = alice.ok(
        "POST",
        "/entity",
        {
            "concreteType": PKG + "EntityView",
            "name": f"{SECRET} view",
            "parentId": project["id"],
            "scopeIds": [project["id"]],
            "viewTypeMask": 1,
            "columnIds": [],
        },
        status=201,
    )
    wiki = alice.ok(
        "POST", f"/entity/{project['id']}/wiki", {"title": SECRET, "markdown": SECRET}, status=201
    )
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": f"{SECRET} queue", "contentSource": project["id"]}, status=201
    )
    submission = alice.ok(
        "POST",
        "/evaluation/submission",
        {"evaluationId": evaluation["id"], "entityId": file["id"], "versionNumber": 1, "name": SECRET},
        status=201,
        etag=file["etag"],
    )
    round_ = alice.ok(
        "POST",
        f"/evaluation/{evaluation['id']}/round",
        {
            "evaluationId": evaluation["id"],
            "roundStart": "2030-01-01T00:00:00.000Z",
            "roundEnd": "2030-02-01T00:00:00.000Z",
        },
        status=201,
    )
    team = alice.ok("POST", "/team", {"name": f"team {uuid.uuid4().hex[:8]}"}, status=201)
    activity = alice.ok("POST", "/activity", {"name": SECRET, "description": SECRET}, status=201)
    message = alice.ok(
        "POST", "/message", {"recipients": [me], "subject": SECRET, "fileHandleId": handle["id"]}, status=201
    )
    upload_status = alice.ok(
        "POST",
        "/file/v1/file/multipart",
        {
            "concreteType": "org.sagebionetworks.repo.model.file.MultipartUploadRequest",
            "fileName": "pending.bin",
            "contentMD5Hex": "0" * 32,
            "fileSizeBytes": 10,
            "partSizeBytes": 5 * 1024 * 1024,
            "storageLocationId": 1,
        },
        status=201,
    )
    organization = alice.ok(
        "POST", "/schema/organization", {"organizationName": f"sweep{uuid.uuid4().hex[:8]}"}, status=201
    )
    schema_id = f"{organization['name']}-sweep-1.0.0"
    created = job(
        alice,
        "/schema/type/create",
        {
            "concreteType": "org.sagebionetworks.repo.model.schema.CreateSchemaRequest",
            "schema": {"$id": schema_id, "type": "object"},
        },
    )
    assert created.status_code == 201, created.text
    binding = {"entityId": project["id"], "schema$id": schema_id}
    alice.ok("PUT", f"/entity/{project['id']}/schema/binding", binding)
    return {
        "me": me,
        "organization": str(organization["id"]),
        "schema": schema_id,
        "project": project["id"],
        "file": file["id"],
        "handle": str(handle["id"]),
        "md5": str(handle["contentMd5"]),
        "table": rows_table["id"],
        "column": str(cols[0]["id"]),
        "view": view["id"],
        "wiki": str(wiki["id"]),
        "evaluation": str(evaluation["id"]),
        "submission": str(submission["id"]),
        "round": str(round_["id"]),
        "team": str(team["id"]),
        "activity": str(activity["id"]),
        "upload": str(upload_status["uploadId"]),
        "token": str(token),
        "message": str(message["id"]),
    }


def _entity_for(path: str, world: dict[str, str]) -> str:
    if "/table/" in path or path.endswith("/column"):
        return world["table"]
    if re.search(r"/(file|filehandles|filepreview|filehandle)$", path) or "/version/<version>/file" in path:
        return world["file"]
    return world["project"]


def fill(method: str, path: str, world: dict[str, str]) -> str:
    """The concrete path of a route, its arguments naming Alice's objects."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "id":
            if path.startswith("/repo/v1/entity/") or path.startswith("/file/v1/entity/"):
                return _entity_for(path, world)
            if "/trashcan/" in path:
                return world["file"]
            if path.startswith("/repo/v1/evaluation/submission/"):
                return world["submission"]
            if path.startswith("/repo/v1/evaluation/"):
                return world["evaluation"]
            if path.startswith(("/repo/v1/team", "/repo/v1/teamMembers")):
                return world["team"]
            if path.startswith("/repo/v1/user/"):
                return world["me"]
            if path.startswith("/repo/v1/schema/type/registered/"):
                return world["schema"]
            if path.startswith("/repo/v1/schema/organization/"):
                return world["organization"]
            return "1"
        if name == "owner":
            return world["evaluation"] if path.startswith("/repo/v1/evaluation/") else world["project"]
        known = {
            "wiki_id": world["wiki"],
            "handle_id": world["handle"],
            "column_id": world["column"],
            "token": world["token"],
            "upload_id": world["upload"],
            "principal_id": world["me"],
            "profile_id": world["me"],
            "user_id": world["me"],
            "activity_id": world["activity"],
            "round_id": world["round"],
            "md5": world["md5"],
            "parent_id": world["project"],
            "job_id": world["token"],
            "alias": "nosuchalias",
            "name": "nosuchqueue",
            "view_type": "file",
            "location": "1",
            "message_id": world["message"],
        }
        return known.get(name, "1")

    return re.sub(r"<(?:\w+:)?(\w+)>", value, path)


def body_for(world: dict[str, str]) -> dict[str, Any]:
    """One body for every POST/PUT: fields that name Alice's objects wherever a route looks for them."""
    association = {"fileHandleId": world["handle"], "associateObjectType": "FileEntity"}
    return {
        "concreteType": ENTITY + "Folder",
        "id": world["project"],
        "name": "intruder",
        "parentId": world["project"],
        "entityId": world["table"],
        "tableId": world["table"],
        "evaluationId": world["evaluation"],
        "teamId": world["team"],
        "ownerId": world["me"],
        "uploadFileHandleId": world["handle"],
        "fileHandleId": world["handle"],
        "requestedFiles": [association | {"associateObjectId": world["file"]}],
        "copyRequests": [{"originalFile": association | {"associateObjectId": world["file"]}}],
        "includeFileHandles": True,
        "includePreSignedURLs": True,
        "partNumbers": [1],
        "uploadId": world["upload"],
        "query": {"sql": f"SELECT * FROM {world['table']}"},
        "sql": f"SELECT * FROM {world['table']}",
        "references": [{"targetId": world["file"]}],
        "scope": [world["project"]],
        "rowIds": [1],
        "rows": [{"rowId": 1}],
        "headers": [world["column"]],
        "resourceAccess": [{"principalId": 273949, "accessType": ["READ"]}],
        "list": [world["team"]],
        "markdown": "defaced",
        "title": "defaced",
        "userName": "intruder",
        "inviteeId": world["me"],
        "memberId": world["me"],
        "statuses": [{"id": world["submission"], "status": "SCORED"}],
        "recipients": [world["me"]],
        "messageId": world["message"],
    }
