"""``repr()`` of every public class is one short line, with no token and no presigned signature in it.

The instances are built the way users get them: from full server answers (long names and descriptions, dates,
ids of users, URLs with signatures), so the reprs are as long as they get in real use. A public class without
an instance here fails the test: add one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from synapse_models._convert import from_wire
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.transport import MockTransport, Response

TOKEN = "eyJ0eXAiOiJKV1QiLCJraWQiOiJXN05OOldMSlQ6SjVPSjpYSlhROlgzMjI6Q0U2MzpBUkJJOlNCVEM6U1RRUjpHQ1JaOkYyTkY"
SIGNED = (
    "https://data.s3.amazonaws.com/3350396/reads.fastq.gz?X-Amz-Signature=5d1e9c0ffee&X-Amz-Credential=AKIA"
)
LONG = "RNA-seq pilot of the Alzheimer's cohort, 12 donors, three brain regions (bulk and single-nucleus)"
WHEN = "2024-03-05T17:42:11.123Z"
USER = "3350396"

ENTITY = {
    "id": "syn51234567",
    "name": LONG,
    "description": "d" * 1000,
    "parentId": "syn51234500",
    "etag": "e-1",
    "createdOn": WHEN,
    "createdBy": USER,
    "modifiedOn": WHEN,
    "modifiedBy": USER,
    "versionNumber": 12,
    "versionLabel": "v12 after re-alignment with STAR 2.7.10b",
    "versionComment": "c" * 200,
    "isLatestVersion": True,
    "dataFileHandleId": "98765432",
    "columnIds": [str(i) for i in range(40)],
    "scopeIds": [str(i) for i in range(30)],
    "definingSQL": "SELECT * FROM syn1 JOIN syn2 ON syn1.a = syn2.b",
    "items": [{"entityId": f"syn{i}", "versionNumber": 1} for i in range(30)],
}
HANDLE = {
    "id": "98765432",
    "etag": "h",
    "createdBy": USER,
    "createdOn": WHEN,
    "modifiedOn": WHEN,
    "contentType": "application/gzip",
    "contentMd5": "0cc175b9c0f1b6a831c399e269772661",
    "fileName": "sample-0001_R1_001.fastq.gz" * 3,
    "storageLocationId": 1,
    "contentSize": 123456789012,
    "status": "AVAILABLE",
    "bucketName": "proddata.sagebase.org",
    "key": f"{USER}/abc/reads.fastq.gz",
    "externalURL": SIGNED,
}


def _entity(cls: type) -> Any:
    obj = from_wire(cls, {**ENTITY, "concreteType": getattr(cls, "CONCRETE_TYPE", "")})
    obj.annotations = {f"key{i}": [f"value {i}"] * 3 for i in range(20)}
    return obj


def _connection() -> Connection:
    conn = Connection(
        Endpoints.from_base("https://repo-prod.prod.sagebase.org", "prod"),
        TOKEN,
        transport=MockTransport(lambda request: Response(404)),
    )
    conn.user_id, conn.user_name = USER, "alice"
    return conn


def _file() -> sm.File:
    file = _entity(sm.File)
    file.path = f"/home/alice/projects/{'nested/' * 20}reads.fastq.gz"
    file.file_handle = from_wire(sm.FileHandle, {**HANDLE, "concreteType": sm.S3FileHandle.CONCRETE_TYPE})
    file.activity = sm.Activity(LONG, used=["syn1", SIGNED], executed=["https://github.com/x/y"])
    return file


def _header() -> sm.EntityHeader:
    return from_wire(
        sm.EntityHeader,
        {
            "id": "syn5",
            "name": LONG,
            "type": sm.File.CONCRETE_TYPE,
            "versionNumber": 3,
            "benefactorId": 5,
            "createdOn": WHEN,
            "modifiedOn": WHEN,
        },
    )


def _member() -> sm.TeamMember:
    return from_wire(
        sm.TeamMember,
        {
            "teamId": "3412345",
            "isAdmin": True,
            "member": {
                "ownerId": USER,
                "userName": "alice-the-long-user-name-of-someone",
                "firstName": "Alice",
                "lastName": "L" * 60,
                "isIndividual": True,
            },
        },
    )


def _results(cls: type, item: Any) -> Any:
    results = cls([item] * 300)
    return results


INSTANCES: dict[str, Callable[[], Any]] = {
    "AccessControlList": lambda: from_wire(
        sm.AccessControlList,
        {
            "id": "syn5",
            "etag": "a",
            "creationDate": WHEN,
            "resourceAccess": [
                {
                    "principalId": 3350000 + i,
                    "accessType": [
                        "READ",
                        "DOWNLOAD",
                        "UPDATE",
                        "DELETE",
                        "CREATE",
                        "CHANGE_PERMISSIONS",
                        "CHANGE_SETTINGS",
                        "MODERATE",
                    ],
                }
                for i in range(20)
            ],
        },
    ),
    "AccessType": lambda: sm.AccessType.CHANGE_PERMISSIONS,
    "Activity": lambda: sm.Activity(
        LONG, description="d" * 500, used=[f"syn{i}" for i in range(50)], executed=[SIGNED]
    ),
    "Annotations": lambda: sm.Annotations({f"key{i}": ["x" * 200, "y"] for i in range(50)}),
    "Column": lambda: sm.Column(
        LONG[:60].replace("'", "").replace(",", "").replace("(", "").replace(")", ""),
        "STRING",
        maximum_size=1000,
        enum_values=[f"tissue {i}" for i in range(100)],
    ),
    "ColumnType": lambda: sm.ColumnType.LARGETEXT,
    "Connection": _connection,
    "CopyResult": lambda: sm.CopyResult(
        "syn5",
        "File",
        "failed",
        path="a/" * 80 + "x.txt",
        error=sm.TransferError(f"could not download {SIGNED}"),
    ),
    "CopyResults": lambda: _results(sm.CopyResults, sm.CopyResult("syn5", "File", "copied", "syn9")),
    "Dataset": lambda: _entity(sm.Dataset),
    "DatasetCollection": lambda: _entity(sm.DatasetCollection),
    "Entity": lambda: _entity(sm.Folder),
    "EntityHeader": _header,
    "EntityRef": lambda: sm.EntityRef("syn51234567", 12),
    "EntityType": lambda: sm.EntityType.DATASET_COLLECTION,
    "EntityUpdateFailure": lambda: sm.EntityUpdateFailure("syn51234567", "CONCURRENT_UPDATE", "m" * 300),
    "Evaluation": lambda: from_wire(
        sm.Evaluation,
        {
            "id": "9614112",
            "name": LONG,
            "contentSource": "syn5",
            "description": "d" * 500,
            "etag": "e",
            "submissionInstructionsMessage": "i" * 300,
            "submissionReceiptMessage": "r" * 300,
            "ownerId": USER,
            "createdOn": WHEN,
        },
    ),
    "ExternalFileHandle": lambda: from_wire(sm.ExternalFileHandle, HANDLE),
    "FacetType": lambda: sm.FacetType.ENUMERATION,
    "File": _file,
    "FileHandle": lambda: from_wire(sm.FileHandle, HANDLE),
    "Folder": lambda: _entity(sm.Folder),
    "Listing": lambda: _entity(sm.Folder).children(connection=_connection()),
    "ManifestProblem": lambda: sm.ManifestProblem(12345, "path", "p" * 300, "not a readable file " * 10),
    "MaterializedView": lambda: _entity(sm.MaterializedView),
    "MembershipInvitation": lambda: from_wire(
        sm.MembershipInvitation,
        {
            "id": "1",
            "teamId": "3412345",
            "inviteeEmail": "someone.with.a.long.address@example.org",
            "message": "m" * 500,
            "expiresOn": WHEN,
            "createdOn": WHEN,
            "createdBy": USER,
        },
    ),
    "Project": lambda: _entity(sm.Project),
    "ResourceAccess": lambda: sm.ResourceAccess(principal_id=3350396, access_type=set(sm.AccessType)),
    "RetryPolicy": lambda: sm.RetryPolicy(),
    "S3FileHandle": lambda: from_wire(sm.S3FileHandle, HANDLE),
    "StoreResult": lambda: sm.StoreResult(_file(), sm.TransferError(f"upload of {SIGNED} failed " * 5)),
    "StoreResults": lambda: sm.StoreResults([sm.StoreResult(_file())] * 500),
    "Submission": lambda: from_wire(
        sm.Submission,
        {
            "id": "9751234",
            "evaluationId": "9614112",
            "entityId": "syn51234567",
            "versionNumber": 12,
            "name": LONG,
            "submitterAlias": "s" * 100,
            "userId": USER,
            "createdOn": WHEN,
            "entityBundleJSON": "{" + "x" * 5000 + "}",
            "contributors": [{"principalId": USER}] * 10,
        },
    ),
    "SubmissionStatus": lambda: from_wire(
        sm.SubmissionStatus,
        {
            "id": "9751234",
            "etag": "s",
            "status": "SCORED",
            "entityId": "syn51234567",
            "versionNumber": 12,
            "modifiedOn": WHEN,
            "statusVersion": 4,
            "canCancel": False,
            "cancelRequested": False,
            "submissionAnnotations": {
                "id": "9751234",
                "etag": "s",
                "annotations": {f"score{i}": {"type": "DOUBLE", "value": [0.91234567]} for i in range(30)},
            },
        },
    ),
    "SubmissionStatusEnum": lambda: sm.SubmissionStatusEnum.EVALUATION_IN_PROGRESS,
    "SubmissionView": lambda: _entity(sm.SubmissionView),
    "SyncResult": lambda: sm.SyncResult(
        "raw/" * 60 + "reads.fastq.gz",
        "failed",
        "syn5",
        3,
        "/home/alice/" + "deep/" * 40 + "reads.fastq.gz",
        123456789,
        error=sm.TransferError(f"could not download {SIGNED}"),
    ),
    "SyncResults": lambda: _results(sm.SyncResults, sm.SyncResult("a.txt", "downloaded")),
    "Table": lambda: _entity(sm.Table),
    "Team": lambda: from_wire(
        sm.Team,
        {
            "id": "3412345",
            "name": LONG,
            "description": "d" * 500,
            "canPublicJoin": False,
            "etag": "t",
            "createdOn": WHEN,
            "modifiedOn": WHEN,
            "createdBy": USER,
            "modifiedBy": USER,
        },
    ),
    "TeamMember": _member,
    "TeamMembershipStatus": lambda: from_wire(
        sm.TeamMembershipStatus,
        {
            "teamId": "3412345",
            "userId": USER,
            "isMember": True,
            "hasOpenInvitation": True,
            "hasOpenRequest": True,
            "canJoin": True,
            "membershipApprovalRequired": True,
            "hasUnmetAccessRequirement": True,
            "canSendEmail": True,
        },
    ),
    "TeamPermissions": lambda: sm.TeamPermissions(
        is_member=True,
        is_admin=True,
        can_edit=True,
        can_delete=True,
        can_send_message=True,
        access=set(sm.AccessType),
    ),
    "UpsertResult": lambda: sm.UpsertResult(updated=123456, inserted=654321),
    "UsedEntity": lambda: from_wire(
        sm.UsedEntity,
        {"reference": {"targetId": "syn51234567", "targetVersionNumber": 12}, "wasExecuted": True},
    ),
    "UsedURL": lambda: sm.UsedURL(url=SIGNED, name=LONG, was_executed=True),
    "UserEntityPermissions": lambda: from_wire(
        sm.UserEntityPermissions,
        {
            k: True
            for k in (
                "canView",
                "canEdit",
                "canMove",
                "canAddChild",
                "canCertifiedUserEdit",
                "canCertifiedUserAddChild",
                "isCertifiedUser",
                "canChangePermissions",
                "canChangeSettings",
                "canDelete",
                "canDownload",
                "canUpload",
                "canEnableInheritance",
                "canPublicRead",
                "canModerate",
                "isCertificationRequired",
                "isEntityOpenData",
                "isDataContributor",
            )
        }
        | {"ownerPrincipalId": int(USER)},
    ),
    "UserEvaluationPermissions": lambda: from_wire(
        sm.UserEvaluationPermissions,
        {
            k: True
            for k in (
                "canView",
                "canEdit",
                "canDelete",
                "canChangePermissions",
                "canPublicRead",
                "canSubmit",
                "canParticipate",
                "canViewPrivateSubmissionStatusAnnotations",
                "canEditSubmissionStatuses",
                "canDeleteSubmissions",
            )
        },
    ),
    "UserGroupHeader": lambda: _member().member,
    "UserProfile": lambda: from_wire(
        sm.UserProfile,
        {
            "ownerId": USER,
            "userName": "alice",
            "etag": "p",
            "firstName": "Alice",
            "lastName": "L" * 100,
            "emails": [f"alice{i}@example.org" for i in range(10)],
            "displayName": LONG,
            "company": "c" * 100,
            "position": "p" * 100,
            "location": "l" * 100,
            "industry": "i" * 100,
            "summary": "s" * 1000,
            "url": SIGNED,
            "createdOn": WHEN,
        },
    ),
    "VersionInfo": lambda: from_wire(
        sm.VersionInfo,
        {
            "id": "syn51234567",
            "versionNumber": 12,
            "versionLabel": "v" * 200,
            "versionComment": "c" * 300,
            "isLatestVersion": True,
            "modifiedBy": "alice",
            "modifiedByPrincipalId": USER,
            "modifiedOn": WHEN,
            "contentSize": "123456789",
            "contentMd5": "0cc175b9c0f1b6a831c399e269772661",
        },
    ),
    "JSONSchema": lambda: sm.JSONSchema(
        organization="my.lab", name="x" * 200, version="1.0.0", body={"type": "object"}
    ),
    "Link": lambda: _entity(sm.Link),
    "Message": lambda: sm.Message(subject=LONG * 3, recipients=[USER] * 50, file_handle_id="98765432"),
    "MessageStatusType": lambda: sm.MessageStatusType.UNREAD,
    "SchemaBinding": lambda: sm.SchemaBinding(
        json_schema_version_info=_schema_version(),
        object_id=51234567,
        object_type="entity",
        created_on=None,
        created_by=USER,
        enable_derived_annotations=False,
    ),
    "SchemaOrganization": lambda: sm.SchemaOrganization(name="my.lab" + "x" * 60, id="12"),
    "SchemaVersion": lambda: _schema_version(),
    "SchemaViolation": lambda: sm.SchemaViolation(
        pointer="#/species", message=LONG * 3, keyword="enum", schema_location=None, causes=[]
    ),
    "ValidationResult": lambda: sm.ValidationResult(
        object_id="syn51234567",
        is_valid=False,
        object_type="entity",
        object_etag="e",
        schema_uri="org-x-1.0.0",
        validated_on=None,
        validation_error_message=LONG * 3,
        all_validation_messages=[LONG] * 30,
        validation_exception=None,
    ),
    "ValidationStatistics": lambda: sm.ValidationStatistics(
        container_id="syn51234567",
        total_number_of_children=300,
        number_of_valid_children=200,
        number_of_invalid_children=90,
        number_of_unknown_children=10,
        generated_on=None,
    ),
    "View": lambda: _entity(sm.View),
    "VirtualTable": lambda: _entity(sm.VirtualTable),
    "WalkStep": lambda: sm.WalkStep("raw/" * 40, _header(), [_header()] * 30, [_header()] * 300),
    "WellKnownPrincipal": lambda: sm.WellKnownPrincipal.AUTHENTICATED_USERS,
    "Wiki": lambda: from_wire(
        sm.Wiki,
        {
            "id": "123456",
            "etag": "w",
            "title": LONG,
            "markdown": "# " + "m" * 10_000,
            "parentWikiId": "123",
            "markdownFileHandleId": "98765432",
            "attachmentFileHandleIds": [str(i) for i in range(30)],
            "createdOn": WHEN,
            "createdBy": USER,
            "modifiedOn": WHEN,
            "modifiedBy": USER,
        },
    ),
    "WikiHeader": lambda: from_wire(sm.WikiHeader, {"id": "123456", "title": LONG, "parentId": "123"}),
}



def _schema_version() -> Any:
    return sm.SchemaVersion(
        organization_name="org.sagebionetworks",
        schema_name="x" * 200,
        semantic_version="1.0.0",
        uri="org.sagebionetworks-" + "x" * 200 + "-1.0.0",
        organization_id="12",
        schema_id="34",
        version_id="56",
        created_on=None,
        created_by=USER,
        json_sha256_hex="0" * 64,
    )


def _public_classes() -> list[str]:
    names = [n for n in sm.__all__ if n != "__version__" and inspect.isclass(getattr(sm, n))]
    return [n for n in names if not issubclass(getattr(sm, n), BaseException)]


def test_every_public_class_has_an_instance_here() -> None:
    assert set(INSTANCES) == set(_public_classes())


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_repr_is_one_short_line_without_secrets(name: str) -> None:
    obj = INSTANCES[name]()
    assert isinstance(obj, getattr(sm, name))
    text = repr(obj)
    assert "\n" not in text and len(text) < 120, text[:300]
    assert TOKEN not in text and "Signature" not in text and "Credential" not in text, text
    assert type(obj).__name__ in text or name in text, text


def test_repr_names_what_identifies_the_object() -> None:
    file = _file()
    assert repr(file).startswith("File(id='syn51234567', name=\"RNA-seq pilot of the Alzheimer's coho...\"")
    assert "version_number=12" in repr(file)
    file.name = "reads.fastq.gz"
    assert "/nested/nested/reads.fastq.gz')" in repr(file) and repr(file).endswith("reads.fastq.gz')")
    assert repr(INSTANCES["Team"]()).startswith("Team(id='3412345', name=\"RNA-seq pilot")
    assert repr(sm.Folder(name="raw", parent="syn1")) == "Folder(name='raw', parent_id='syn1')"


def test_repr_makes_no_request() -> None:
    conn = _connection()
    seen: list[Any] = []
    conn.transport = MockTransport(lambda request: seen.append(request) or Response(500))
    folder = _entity(sm.Folder)
    folder._connection = conn
    for obj in (folder, folder.children(), sm.walk(folder), _file(), _entity(sm.Table)):
        repr(obj)
    assert seen == []


def test_a_path_repr_keeps_its_end() -> None:
    result = sm.SyncResult(str(Path("/data") / ("x" * 200) / "reads.fastq.gz"), "downloaded")
    assert "reads.fastq.gz'" in repr(result)


def test_dates_show_to_the_second() -> None:
    header = _header()
    header.modified_on = datetime(2024, 3, 5, 17, 42, 11, 123000, tzinfo=timezone.utc)
    assert header._repr_html_().count("2024-03-05 17:42:11 UTC") == 2
