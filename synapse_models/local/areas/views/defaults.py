"""Default view columns (REFERENCE 2.7): the ColumnModels a view of a type gets by default
(``/column/tableview/defaults``) and their value for one entity.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest
from ...core.routing import Routes
from ...core.txn import Txn
from ..entities.service import (
    PROJECT,
    EntityRecord,
    ancestors,
    benefactor_id,
    get_record,
)
from ..files.service import get_file_handle
from ..tables.service import create_column, parse_date
from .scope import LEGACY_TYPES, PKG

HANDLE_KEYS = {
    "dataFileName": "fileName",
    "dataFileSizeBytes": "contentSize",
    "dataFileMD5Hex": "contentMd5",
    "dataFileConcreteType": "concreteType",
    "dataFileBucket": "bucketName",
    "dataFileKey": "key",
}
"""The default view columns read from a file's handle, and the handle's field each one is."""

routes = Routes()


def _specs(table: str) -> list[dict[str, Any]]:
    """ColumnModel specs from lines ``name columnType [maximumSize]``."""
    specs: list[dict[str, Any]] = []
    for line in table.split("\n"):
        if line.strip():
            name, column_type, *size = line.split()
            specs.append(
                {"name": name, "columnType": column_type, **({"maximumSize": int(size[0])} if size else {})}
            )
    return specs


COMMON_DEFAULTS = _specs(
    """
    id ENTITYID
    name STRING 256
    description STRING 1000
    createdOn DATE
    createdBy USERID
    etag STRING 36
    modifiedOn DATE
    modifiedBy USERID
    path STRING 1000
    """
)
_FILE_DEFAULTS = _specs(
    """
    type STRING 20
    currentVersion INTEGER
    parentId ENTITYID
    benefactorId ENTITYID
    projectId ENTITYID
    dataFileHandleId FILEHANDLEID
    dataFileName STRING 256
    dataFileSizeBytes INTEGER
    dataFileMD5Hex STRING 100
    dataFileConcreteType STRING 65
    dataFileBucket STRING 100
    dataFileKey STRING 700
    """
)
_SUBMISSION_DEFAULTS = _specs(
    """
    projectId ENTITYID
    status STRING 20
    evaluationid EVALUATIONID
    evaluationroundid INTEGER
    submitterid USERID
    submitteralias STRING 256
    entityid ENTITYID
    entityversion INTEGER
    dockerrepositoryname STRING 256
    dockerdigest STRING 256
    """
)
#: What a DatasetCollection shows of each dataset version (its Dataset ``size``, ``checksum``, ``count``).
_DATASET_DEFAULTS = _specs(
    """
    datasetSizeInBytes INTEGER
    datasetMD5Hex STRING 100
    datasetItemCount INTEGER
    """
)
DEFAULT_FIELDS = frozenset(c["name"] for c in COMMON_DEFAULTS + _FILE_DEFAULTS + _DATASET_DEFAULTS)


def default_columns(txn: Txn, view_entity_type: str, mask: int | None) -> list[dict[str, Any]]:
    if view_entity_type == "submissionview":
        specs = [
            c
            for c in COMMON_DEFAULTS
            if c["name"] in ("id", "name", "createdOn", "createdBy", "etag", "modifiedOn")
        ]
        specs = [({**c, "columnType": "SUBMISSIONID"} if c["name"] == "id" else c) for c in specs]
        specs += _SUBMISSION_DEFAULTS
    elif view_entity_type == "dataset":  # a dataset lists files, whatever the mask says
        specs = COMMON_DEFAULTS + _FILE_DEFAULTS
    elif view_entity_type == "datasetcollection":
        specs = COMMON_DEFAULTS + _DATASET_DEFAULTS
    elif view_entity_type == "entityview":
        specs = list(COMMON_DEFAULTS)
        if mask is not None and mask & 0x01:
            specs += _FILE_DEFAULTS
    else:
        raise BadRequest(f"Unknown viewEntityType: {view_entity_type}")
    return [create_column(txn, spec) for spec in specs]


@routes.route("GET", "/repo/v1/column/tableview/defaults", transaction="write")
def get_defaults(ctx: RequestContext) -> dict[str, Any]:
    view_entity_type = (ctx.args.get("viewEntityType") or "entityview").lower()
    mask = ctx.arg_int("viewTypeMask")
    if view_entity_type == "entityview" and mask is None:
        raise BadRequest("viewTypeMask is required for viewEntityType=entityview")
    return {"concreteType": PKG + "ColumnModel", "list": default_columns(ctx, view_entity_type, mask)}


@routes.route("GET", "/repo/v1/column/tableview/defaults/<view_type>", transaction="write")
def get_legacy_defaults(ctx: RequestContext, view_type: str) -> dict[str, Any]:
    if view_type not in LEGACY_TYPES:
        raise BadRequest(f"Unknown view type: {view_type} (file, project or file_and_table)")
    return {
        "concreteType": PKG + "ColumnModel",
        "list": default_columns(ctx, "entityview", LEGACY_TYPES[view_type]),
    }


def epoch_ms(text: str | None) -> int | None:
    return None if text is None else parse_date(text)


def project_of(db: sqlite3.Connection, entity_id: int) -> int | None:
    for node in ancestors(db, entity_id):
        found = get_record(db, node)
        if found is not None and found.concrete_type == PROJECT:
            return node
    return None


def path_of(db: sqlite3.Connection, entity_id: int) -> str:
    names = []
    for node in reversed(ancestors(db, entity_id)):
        found = get_record(db, node)
        if found is not None and found.parent_id is not None:
            names.append(found.name)
    return "/" + "/".join(names)


# default view columns that are plain fields of the entity record
_RECORD_FIELDS = {
    "id": "id",
    "name": "name",
    "description": "description",
    "createdBy": "created_by",
    "etag": "etag",
    "modifiedBy": "modified_by",
    "type": "entity_type",
    "currentVersion": "current_version",
    "parentId": "parent_id",
}


_DATASET_FIELDS = {"datasetSizeInBytes": "size", "datasetMD5Hex": "checksum", "datasetItemCount": "count"}


def default_value(db: sqlite3.Connection, record: EntityRecord, fields: dict[str, Any], name: str) -> Any:
    if name in _RECORD_FIELDS:
        return getattr(record, _RECORD_FIELDS[name])
    if name == "createdOn":
        return epoch_ms(record.created_on)
    if name == "modifiedOn":
        return epoch_ms(record.modified_on)
    if name == "path":
        return path_of(db, record.id)
    if name == "benefactorId":
        return benefactor_id(db, record.id)
    if name == "projectId":
        return project_of(db, record.id)
    if name in _DATASET_FIELDS:
        return fields.get(_DATASET_FIELDS[name])
    handle_id = fields.get("dataFileHandleId")
    if name == "dataFileHandleId":
        return None if handle_id is None else int(handle_id)
    handle = (None if handle_id is None else get_file_handle(db, str(handle_id))) or {}
    return handle.get(HANDLE_KEYS[name])
