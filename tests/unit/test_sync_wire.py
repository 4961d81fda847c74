"""The bodies bulk work sends and reads: they round-trip through the converter, the request bodies validate
against the official REST schema of their class, and the answers are read into typed objects."""

from __future__ import annotations

from typing import Any

import pytest

import synapse_models as sm
from synapse_models._convert import from_wire, to_wire
from synapse_models.models import _wire as w
from synapse_models.models.activity import Reference
from synapse_models.sync import _wire as sw
from synapse_models.sync._internals import handle_copy
from synapse_models.tables import _wire as tw
from synapse_models.transfer import _wire as fw
from tests.local.synapse_schema import SCHEMA_DIR, SynapseSchemas

M = "org.sagebionetworks.repo.model."

REQUESTS: list[tuple[str, Any, str]] = [
    (
        "bundle with wiki and restrictions",
        w.EntityBundleRequest(
            include_file_handles=True, include_root_wiki_id=True, include_restriction_information=True
        ),
        M + "entitybundle.v2.EntityBundleRequest",
    ),
    (
        "handle copies",
        sw.BatchFileHandleCopyRequest(
            copy_requests=[handle_copy("12", "syn3", "FileEntity"), handle_copy("13", "7", "WikiAttachment")]
        ),
        M + "file.BatchFileHandleCopyRequest",
    ),
    (
        "presigned URLs",
        fw.BatchFileRequest(
            requested_files=[
                fw.FileHandleAssociation(
                    file_handle_id="12", associate_object_id="syn3", associate_object_type="FileEntity"
                )
            ]
        ),
        M + "file.BatchFileRequest",
    ),
    (
        "link",
        sm.Link(name="l", parent="syn2", target="syn3.2"),
        M + "Link",
    ),
    (
        "table rows as CSV",
        tw.DownloadFromTableRequest(entity_id="syn5", sql="SELECT * FROM syn5"),
        M + "table.DownloadFromTableRequest",
    ),
    ("header reference", Reference(target_id="syn3"), M + "Reference"),
]


@pytest.mark.parametrize(("what", "request_body", "_"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_request_classes_round_trip(what: str, request_body: Any, _: str) -> None:
    body = to_wire(request_body)
    assert to_wire(from_wire(type(request_body), body)) == body


@pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason=f"Synapse schema directory {SCHEMA_DIR} is absent")
@pytest.mark.parametrize(("what", "request_body", "schema"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_request_bodies_validate_against_the_rest_schema(what: str, request_body: Any, schema: str) -> None:
    assert SynapseSchemas().errors(schema, to_wire(request_body)) == []


def test_answers_are_read_into_typed_objects() -> None:
    copies = from_wire(
        sw.BatchFileHandleCopyResult,
        {
            "copyResults": [
                {
                    "originalFileHandleId": "12",
                    "newFileHandle": {
                        "concreteType": M + "file.S3FileHandle",
                        "id": "40",
                        "contentMd5": "abc",
                        "createdBy": "7",
                    },
                },
                {"originalFileHandleId": "13", "failureCode": "UNAUTHORIZED"},
            ]
        },
    )
    first, second = copies.copy_results
    assert isinstance(first.new_file_handle, sm.S3FileHandle) and first.new_file_handle.id == "40"
    assert second.new_file_handle is None and second.failure_code == "UNAUTHORIZED"
    bundle = from_wire(
        w.EntityBundle,
        {
            "entity": {"id": "syn1"},
            "rootWikiId": "88",
            "restrictionInformation": {"restrictionLevel": "OPEN"},
        },
    )
    assert bundle.root_wiki_id == "88" and bundle.restriction_information is not None
    assert bundle.restriction_information.restriction_level == "OPEN"
    path = from_wire(sw.EntityPath, {"path": [{"id": "syn4489", "name": "root", "type": M + "Folder"}]})
    assert [h.id for h in path.path] == ["syn4489"]
    loaded = from_wire(tw.TableUpdateTransactionResponse, {"results": [{"rowsProcessed": 10000}]})
    assert loaded.results[0].rows_processed == 10000
