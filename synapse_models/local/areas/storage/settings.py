"""Storage location settings and project settings, as records (Synapse's ProjectSettingsManagerImpl rules).

* ``POST /storageLocation`` creates an immutable StorageLocationSetting owned by the caller (``GET
  /storageLocation/{id}``: the owner only; ``GET /storageLocation``: the caller's own).
* ``POST /projectSettings`` creates an UploadDestinationListSetting for a project or folder (CREATE access),
  naming 1 to 10 existing storage locations; ``PUT`` replaces it (UPDATE access, etag-checked), ``DELETE``
  removes it (DELETE access); ``GET /projectSettings/{projectId}/type/upload`` answers it, or an empty body.

The server keeps storing file bytes itself: a setting changes no upload destination here.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, PreconditionFailed
from ...core.paging import list_wrapper
from ...core.routing import Routes
from ...core.store import dumps, loads, row_by_id
from ..entities.service import (
    FOLDER,
    PROJECT,
    entity_access,
    parse_entity_id,
    require_access,
    require_entity,
    syn,
)

routes = Routes()

SCHEMA = """
    CREATE TABLE IF NOT EXISTS storage_locations (
        id INTEGER PRIMARY KEY, created_by INTEGER NOT NULL, body TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS project_settings (
        id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, settings_type TEXT NOT NULL, body TEXT NOT NULL,
        UNIQUE (project_id, settings_type))
    """

_PKG = "org.sagebionetworks.repo.model.project."
LOCATION_TYPES = frozenset(
    _PKG + name
    for name in (
        "S3StorageLocationSetting",
        "ExternalS3StorageLocationSetting",
        "ExternalGoogleCloudStorageLocationSetting",
        "ExternalObjectStorageLocationSetting",
        "ExternalStorageLocationSetting",
        "ProxyStorageLocationSettings",
    )
)
UPLOAD_SETTING = _PKG + "UploadDestinationListSetting"
MAX_LOCATIONS_PER_PROJECT = 10
#: Ids below this are Synapse's own locations (1 is its default S3 storage).
FIRST_LOCATION_ID = 100001


def _location(db: sqlite3.Connection, location_id: int) -> sqlite3.Row:
    return row_by_id(
        db, "storage_locations", location_id, f"Storage location setting: '{location_id}' does not exist"
    )


def location_owner(db: sqlite3.Connection, location_id: int) -> int | None:
    """Return the principal id of who created storage location ``location_id`` (``None`` if unknown)."""
    row = db.execute("SELECT created_by FROM storage_locations WHERE id = ?", (location_id,)).fetchone()
    return None if row is None else int(row[0])


@routes.route("POST", "/repo/v1/storageLocation", status=201)
def create_storage_location(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    if body.get("concreteType") not in LOCATION_TYPES:
        raise BadRequest(f"Unknown StorageLocationSetting concreteType: {body.get('concreteType')}")
    location_id = ctx.next_id("storageLocation", start=FIRST_LOCATION_ID)
    stored = {k: v for k, v in body.items() if v is not None} | {
        "storageLocationId": location_id,
        "uploadType": body.get("uploadType") or "NONE",
        "createdBy": ctx.user_id,
        "createdOn": ctx.now(),
        "etag": ctx.new_etag(),
    }
    ctx.db.execute(
        "INSERT INTO storage_locations(id, created_by, body) VALUES (?, ?, ?)",
        (location_id, ctx.user_id, dumps(stored)),
    )
    return stored


@routes.route("GET", "/repo/v1/storageLocation/<int:id>")
def get_storage_location(ctx: RequestContext, id: int) -> dict[str, Any]:
    row = _location(ctx.db, id)
    if row["created_by"] != ctx.user_id:
        raise Forbidden("Only the creator can access storage location settings")
    return dict(loads(row["body"]))


@routes.route("GET", "/repo/v1/storageLocation")
def my_storage_locations(ctx: RequestContext) -> dict[str, Any]:
    rows = ctx.db.execute(
        "SELECT body FROM storage_locations WHERE created_by = ? ORDER BY id", (ctx.user_id,)
    ).fetchall()
    return list_wrapper(_PKG + "StorageLocationSetting", [loads(row[0]) for row in rows])


def _setting(ctx: RequestContext, body: dict[str, Any]) -> tuple[int, list[int]]:
    """Validate an UploadDestinationListSetting; return the project id and the location ids."""
    if body.get("concreteType") != UPLOAD_SETTING:
        raise BadRequest(f"Cannot handle project setting of type {body.get('concreteType')}")
    if body.get("projectId") is None:
        raise BadRequest("projectId is required.")
    project_id = parse_entity_id(body["projectId"])
    locations = body.get("locations")
    if locations is None:
        raise BadRequest("settings.locations is required.")
    if not isinstance(locations, list) or not locations:
        raise BadRequest("settings.locations must at least have one entry")
    if len(locations) > MAX_LOCATIONS_PER_PROJECT:
        raise BadRequest(
            f"The maximum number of settings.locations is limited to {MAX_LOCATIONS_PER_PROJECT}"
        )
    ids = []
    for raw in locations:
        location_id = int(raw) if str(raw).isdigit() else -1
        known = (
            location_id == 1
            or ctx.db.execute("SELECT 1 FROM storage_locations WHERE id = ?", (location_id,)).fetchone()
        )
        if not known:
            raise BadRequest(f"uploadId {raw} is not a valid upload destination location")
        ids.append(location_id)
    return project_id, ids


def _setting_json(row: sqlite3.Row) -> dict[str, Any]:
    return dict(loads(row["body"]))


def _setting_row(ctx: RequestContext, setting_id: Any) -> sqlite3.Row:
    key = int(setting_id) if str(setting_id).isdigit() else -1
    return row_by_id(ctx.db, "project_settings", key, f"Project settings: '{setting_id}' does not exist")


def _require(ctx: RequestContext, project_id: int, access_type: str, refusal: str) -> None:
    if access_type not in entity_access(ctx.db, ctx.user, project_id):
        raise Forbidden(refusal)


@routes.route("POST", "/repo/v1/projectSettings", status=201)
def create_project_setting(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    project_id, locations = _setting(ctx, body)
    record = require_entity(ctx.db, project_id)
    require_access(ctx, project_id, "READ")
    if record.concrete_type not in (PROJECT, FOLDER):
        raise BadRequest("The id is not the id of a project or folder entity")
    _require(ctx, project_id, "CREATE", "Cannot create settings for this project")
    taken = ctx.db.execute(
        "SELECT 1 FROM project_settings WHERE project_id = ? AND settings_type = 'upload'", (project_id,)
    ).fetchone()
    if taken:
        raise BadRequest(f"A project setting of type 'upload' for project {syn(project_id)} already exists.")
    setting_id = ctx.next_id("projectSetting")
    stored = {
        "concreteType": UPLOAD_SETTING,
        "id": str(setting_id),
        "projectId": syn(project_id),
        "settingsType": "upload",
        "etag": ctx.new_etag(),
        "locations": locations,
    }
    ctx.db.execute(
        "INSERT INTO project_settings(id, project_id, settings_type, body) VALUES (?, ?, 'upload', ?)",
        (setting_id, project_id, dumps(stored)),
    )
    return stored


@routes.route("PUT", "/repo/v1/projectSettings")
def update_project_setting(ctx: RequestContext) -> None:
    ctx.require_login()
    body = ctx.json_object()
    if body.get("id") is None:
        raise BadRequest("The id is required.")
    project_id, locations = _setting(ctx, body)
    _require(ctx, project_id, "UPDATE", "Cannot update settings on this project")
    row = _setting_row(ctx, body["id"])
    if row["project_id"] != project_id:
        raise BadRequest(
            "You cannot change the project id with the update project settings call."
            " Create a new project settings instead"
        )
    stored = _setting_json(row)
    if body.get("etag") != stored["etag"]:
        raise PreconditionFailed(
            "Project setting was updated since you last fetched it, retrieve it again and reapply the update."
        )
    stored.update(locations=locations, etag=ctx.new_etag())
    ctx.db.execute("UPDATE project_settings SET body = ? WHERE id = ?", (dumps(stored), row["id"]))


@routes.route("GET", "/repo/v1/projectSettings/<id>")
def get_project_setting(ctx: RequestContext, id: str) -> dict[str, Any]:
    row = _setting_row(ctx, id)
    _require(
        ctx,
        row["project_id"],
        "READ",
        "The current user does not have READ access on the project this setting applies to.",
    )
    return _setting_json(row)


@routes.route("GET", "/repo/v1/projectSettings/<project_id>/type/<settings_type>")
def get_project_setting_by_type(ctx: RequestContext, project_id: str, settings_type: str) -> Any:
    if settings_type not in ("upload", "external_sync", "requester_pays"):
        raise BadRequest(
            f"No enum constant org.sagebionetworks.repo.model.project.ProjectSettingsType.{settings_type}"
        )
    key = parse_entity_id(project_id)
    _require(ctx, key, "READ", f"The current user does not have READ access on the project {project_id}.")
    row = ctx.db.execute(
        "SELECT * FROM project_settings WHERE project_id = ? AND settings_type = ?", (key, settings_type)
    ).fetchone()
    return None if row is None else _setting_json(row)  # Synapse answers an empty body when there is none


@routes.route("DELETE", "/repo/v1/projectSettings/<id>", status=204)
def delete_project_setting(ctx: RequestContext, id: str) -> None:
    ctx.require_login()
    row = _setting_row(ctx, id)
    _require(ctx, row["project_id"], "DELETE", "Cannot delete settings from this project")
    ctx.db.execute("DELETE FROM project_settings WHERE id = ?", (row["id"],))
