"""Provenance (REFERENCE 2.4, 3.3): Activity CRUD and the generatedBy link of entity versions.

The link is the activity id of each entity version (``entities.service.link_activity``): each version
has its own provenance.  ``?generatedBy=`` on POST/PUT entity and on bundle2 create/update goes through
``entities.writes`` (a new version gets exactly the activity passed with that request, none when omitted);
this module validates that id (the activity must exist and the caller must be its creator) through the
entities' ``ACTIVITY_VALIDATOR`` hook.  Linking and
unlinking change the entity etag.  An activity is readable by its creator and by anyone who can read an
entity it generated.
"""

from __future__ import annotations

from typing import Any

from ...core.context import RequestContext
from ...core.errors import BadRequest, Forbidden, NotFound, stale_etag
from ...core.paging import offset_limit, paginated
from ...core.routing import Routes
from ...core.store import dumps, loads, row_by_id, stamps
from ...core.txn import Txn
from ..entities.service import (
    BundlePart,
    EntityRecord,
    VersionRecord,
    can_read,
    get_record,
    is_trashed,
    link_activity,
    parse_entity_id,
    readable_version,
    require_access,
    require_entity,
    syn,
    versions_generated_by,
)

routes = Routes()

SCHEMA = """
    CREATE TABLE IF NOT EXISTS activities (
        id INTEGER PRIMARY KEY, etag TEXT NOT NULL, name TEXT, description TEXT, used TEXT NOT NULL,
        created_by INTEGER NOT NULL, created_on TEXT NOT NULL, modified_by INTEGER NOT NULL,
        modified_on TEXT NOT NULL)
    """

_PKG = "org.sagebionetworks.repo.model.provenance."
USED_ENTITY = _PKG + "UsedEntity"
USED_URL = _PKG + "UsedURL"
_SEQUENCE_START = 9600001


def _validate_used(txn: Txn, raw: Any) -> list[dict[str, Any]]:
    """The stored ``used`` list: as Synapse does, a UsedEntity without a version gets the entity's current
    version (when the entity exists)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadRequest("Activity.used must be a list")
    used = []
    for item in raw:
        if not isinstance(item, dict):
            raise BadRequest("Each Activity.used item must be an object")
        kind = item.get("concreteType")
        executed = item.get("wasExecuted")
        if executed is not None and not isinstance(executed, bool):
            raise BadRequest(f"Used.wasExecuted must be a boolean, got {executed!r}")
        if kind == USED_ENTITY:
            reference = item.get("reference")
            if not isinstance(reference, dict) or not reference.get("targetId"):
                raise BadRequest("UsedEntity.reference.targetId is required")
            target = syn(parse_entity_id(reference["targetId"]))
            version = reference.get("targetVersionNumber")
            if version is not None and (
                isinstance(version, bool) or not isinstance(version, int) or version < 1
            ):
                raise BadRequest(
                    f"UsedEntity.reference.targetVersionNumber must be a positive integer: {version!r}"
                )
            if version is None:
                found = get_record(txn.db, parse_entity_id(target))
                version = None if found is None else found.current_version
            ref: dict[str, Any] = {"targetId": target}
            if version is not None:
                ref["targetVersionNumber"] = version
            used.append({"concreteType": USED_ENTITY, "reference": ref, "wasExecuted": bool(executed)})
        elif kind == USED_URL:
            url = item.get("url")
            if not isinstance(url, str) or not url.strip():
                raise BadRequest("UsedURL.url is required")
            entry = {"concreteType": USED_URL, "url": url, "wasExecuted": bool(executed)}
            if item.get("name") is not None:
                entry["name"] = str(item["name"])
            used.append(entry)
        else:
            raise BadRequest(f"Used.concreteType must be {USED_ENTITY} or {USED_URL}, got {kind!r}")
    return used


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise BadRequest(f"Activity.{name} must be a string of at most {limit} characters")
    return value


def _fields(txn: Txn, body: dict[str, Any]) -> tuple[str | None, str | None, str]:
    """The stored ``name``, ``description`` and ``used`` (JSON) of an Activity body; 400 when invalid."""
    used = dumps(_validate_used(txn, body.get("used")))
    return _text(body, "name", 256), _text(body, "description", 1000), used


def _json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "description": row["description"],
        "used": loads(row["used"]),
        **stamps(row),
    }


def _row(txn: Txn, activity_id: str) -> Any:
    """The activity row; 404 in Synapse's words (an id that is not a number names no activity)."""
    text = activity_id.strip()
    key = int(text) if text.isdigit() else -1
    return row_by_id(txn.db, "activities", key, f"Activity with id '{activity_id}' could not be found.")


def _readable(txn: Txn, row: Any) -> bool:
    if txn.is_admin or row["created_by"] == txn.user_id:
        return True
    generated = {entity_id for entity_id, _ in versions_generated_by(txn.db, str(row["id"]))}
    return any(_visible(txn, entity_id) for entity_id in sorted(generated))


def _visible(txn: Txn, entity_id: int) -> bool:
    return not is_trashed(txn.db, entity_id) and can_read(txn.db, txn.user, entity_id)


def _owned(txn: Txn, activity_id: str) -> Any:
    txn.require_login()
    row = _row(txn, activity_id)
    if row["created_by"] != txn.user_id and not txn.is_admin:
        raise Forbidden(f"{txn.user_id} lacks change access to the requested object.")
    return row


def _linkable(txn: Txn, activity_id: str) -> Any:
    """The activity an entity version may be linked to: it exists and the caller may read it."""
    text = activity_id.strip()
    row = txn.db.execute(
        "SELECT * FROM activities WHERE id = ?", (int(text) if text.isdigit() else -1,)
    ).fetchone()
    if row is None:
        raise NotFound(f"Activity id {activity_id} not found.")
    if not _readable(txn, row):
        raise Forbidden(f"User lacks permission to access Activity {activity_id}")
    return row


def validate_generated_by(txn: Txn, activity_id: str) -> None:
    """``?generatedBy=`` hook: the activity must exist and be readable by the caller (as in Synapse)."""
    _linkable(txn, activity_id)


def activity_of(txn: Txn, version: VersionRecord) -> dict[str, Any] | None:
    """Return the Activity JSON that generated ``version`` (``None`` when it has no provenance)."""
    if version.activity_id is None:
        return None
    row = txn.db.execute("SELECT * FROM activities WHERE id = ?", (int(version.activity_id),)).fetchone()
    return None if row is None else _json(row)


ACTIVITY_PART = BundlePart(
    "includeActivity", "activity", lambda txn, record, version: activity_of(txn, version)
)


@routes.route("POST", "/repo/v1/activity", status=201)
def create_activity(ctx: RequestContext) -> dict[str, Any]:
    ctx.require_login()
    body = ctx.json_object()
    activity_id = ctx.next_id("activity", start=_SEQUENCE_START)
    ctx.db.execute(
        "INSERT INTO activities(id, etag, name, description, used, created_by, created_on, modified_by,"
        " modified_on)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (activity_id, ctx.new_etag(), *_fields(ctx, body), ctx.user_id, ctx.now(), ctx.user_id, ctx.now()),
    )
    return _json(_row(ctx, str(activity_id)))


@routes.route("GET", "/repo/v1/activity/<activity_id>")
def get_activity(ctx: RequestContext, activity_id: str) -> dict[str, Any]:
    row = _row(ctx, activity_id)
    if not _readable(ctx, row):
        raise Forbidden(f"User lacks permission to access Activity {activity_id}")
    return _json(row)


@routes.route("PUT", "/repo/v1/activity/<activity_id>")
def update_activity(ctx: RequestContext, activity_id: str) -> dict[str, Any]:
    row = _owned(ctx, activity_id)
    body = ctx.json_object()
    if body.get("id") is not None and str(body["id"]) != str(row["id"]):
        raise BadRequest(f"The id in the body ({body['id']}) does not match the path ({activity_id})")
    if body.get("etag") != row["etag"]:
        raise stale_etag(f"activity {activity_id}")
    ctx.db.execute(
        "UPDATE activities SET etag = ?, name = ?, description = ?, used = ?, modified_by = ?,"
        " modified_on = ? WHERE id = ?",
        (ctx.new_etag(), *_fields(ctx, body), ctx.user_id, ctx.now(), row["id"]),
    )
    return _json(_row(ctx, activity_id))


@routes.route("DELETE", "/repo/v1/activity/<activity_id>", status=204)
def delete_activity(ctx: RequestContext, activity_id: str) -> None:
    ctx.require_login()
    try:
        row = _owned(ctx, activity_id)
    except NotFound:
        return  # Synapse: deleting an activity that does not exist does nothing
    if versions_generated_by(ctx.db, str(row["id"])):
        # Synapse refuses while an entity version (trashed ones too) names the activity as its provenance.
        raise BadRequest(
            "If you wish to delete this activity,"
            " please first delete all Entities generated by this Activity."
        )
    ctx.db.execute("DELETE FROM activities WHERE id = ?", (row["id"],))


@routes.route("GET", "/repo/v1/activity/<activity_id>/generated")
def list_generated(ctx: RequestContext, activity_id: str) -> dict[str, Any]:
    row = _row(ctx, activity_id)
    if not _readable(ctx, row):
        raise Forbidden(f"User lacks permission to access Activity {activity_id}")
    offset, limit = offset_limit(ctx)
    references = []
    for entity_id, number in versions_generated_by(ctx.db, str(row["id"])):
        if _visible(ctx, entity_id):
            references.append({"targetId": syn(entity_id), "targetVersionNumber": number})
    return paginated(references[offset : offset + limit], offset, limit)


@routes.route("GET", "/repo/v1/entity/<id>/generatedBy")
@routes.route("GET", "/repo/v1/entity/<id>/version/<version>/generatedBy")
def get_generated_by(ctx: RequestContext, id: str, version: str | None = None) -> dict[str, Any]:
    _, found = readable_version(ctx, id, version)
    activity = activity_of(ctx, found)
    if activity is None:
        raise NotFound("No activity")  # Synapse's words
    return activity


def _writable(ctx: RequestContext, id: str) -> EntityRecord:
    ctx.require_login()
    entity_id = parse_entity_id(id)
    record = require_entity(ctx.db, entity_id)
    require_access(ctx, entity_id, "UPDATE")
    return record


@routes.route("PUT", "/repo/v1/entity/<id>/generatedBy")
def set_generated_by(ctx: RequestContext, id: str) -> dict[str, Any]:
    record = _writable(ctx, id)
    activity_id = ctx.args.get("generatedBy")
    if not activity_id:
        raise BadRequest("The generatedBy query parameter (an activity id) is required")
    row = _linkable(ctx, activity_id)
    link_activity(ctx, record, str(row["id"]))
    return _json(row)


@routes.route("DELETE", "/repo/v1/entity/<id>/generatedBy", status=204)
def clear_generated_by(ctx: RequestContext, id: str) -> None:
    link_activity(ctx, _writable(ctx, id), None)  # Synapse: also when there is no link to remove
