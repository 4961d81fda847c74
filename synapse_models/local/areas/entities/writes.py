"""Entity writes: create, update (incl. move and versioning), delete a version.

The versioning rule lives in ONE place, :func:`needs_new_version`: a PUT makes a new version of a
FileEntity when ``newVersion=true`` or when ``dataFileHandleId`` changes to a file whose MD5 differs from
the old one (or is unknown).  A new version copies the annotations of the current one, takes number
``max + 1``, and gets the provenance passed with that request (none otherwise).  Tables and views are
versioned through snapshots only (``newVersion`` is ignored).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from ...core import acl
from ...core.constants import ENTITY_ADMIN_ACCESS, ROOT_ENTITY_ID
from ...core.errors import BadRequest, Conflict, stale_etag
from ...core.store import dumps
from ...core.txn import Txn
from .access import require_access
from .docker import check_docker_repository
from .hooks import ACTIVITY_VALIDATOR, ENTITY_VALIDATORS, file_handle_info
from .records import (
    CORE_FIELDS,
    DOCKER,
    ENTITY_TYPES,
    FILE,
    FOLDER,
    PROJECT,
    TABLE_LIKE,
    EntityRecord,
    VersionRecord,
    ancestors,
    current_version,
    get_record,
    parse_entity_id,
    require_entity,
    syn,
)

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9,_. \-+()']+$")
ALIAS_PATTERN = re.compile(r"^[a-zA-Z0-9_]+$")
MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 1000
MAX_DEPTH = 50
IN_PROGRESS = "in progress"


def validate_name(name: Any) -> str:
    """Return ``name`` if it is a valid entity name, else 400."""
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Entity name cannot be empty")
    if len(name.strip()) > MAX_NAME_LENGTH:
        raise BadRequest(f"Name must be {MAX_NAME_LENGTH} characters or less")
    if not NAME_PATTERN.match(name):
        raise BadRequest(
            f"Invalid Name: '{name}'. Names may only contain: letters, numbers, spaces, underscores, hyphens,"
            " periods, plus signs, apostrophes, and parentheses"
        )
    return name


def check_name_available(
    db: sqlite3.Connection, parent_id: int, name: str, exclude: int | None = None
) -> None:
    """409 if another child of ``parent_id`` already has ``name``."""
    row = db.execute("SELECT id FROM entities WHERE parent_id = ? AND name = ?", (parent_id, name)).fetchone()
    if row is not None and int(row[0]) != exclude:
        raise Conflict(f"An entity with the name: {name} already exists with a parentId: {syn(parent_id)}")


def _validate_description(body: dict[str, Any]) -> str | None:
    description = body.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH
    ):
        raise BadRequest(f"Description must be a string of {MAX_DESCRIPTION_LENGTH} characters or less")
    return description


def _concrete_type(body: dict[str, Any]) -> str:
    concrete_type = body.get("concreteType") or body.get("entityType")
    if not concrete_type:
        raise BadRequest("concreteType is required")
    if concrete_type not in ENTITY_TYPES:
        raise BadRequest(f"Unknown or unsupported concreteType: {concrete_type}")
    return str(concrete_type)


def _parent_of(txn: Txn, concrete_type: str, body: dict[str, Any]) -> int:
    """Validate and return the parent id for an entity of ``concrete_type``."""
    raw = body.get("parentId")
    if concrete_type == PROJECT:
        if raw is not None and parse_entity_id(raw) != ROOT_ENTITY_ID:
            raise BadRequest("A Project cannot have a parent other than the root")
        return ROOT_ENTITY_ID
    if raw is None:
        raise BadRequest("Entity.parentId cannot be null")
    parent_id = parse_entity_id(raw)
    parent = require_entity(txn.db, parent_id)
    if concrete_type == DOCKER and parent.concrete_type != PROJECT:
        raise BadRequest("Parent must be a project.")  # ExternalDockerRepoValidator's words
    if parent.concrete_type not in (PROJECT, FOLDER):
        kind = concrete_type.rsplit(".", 1)[-1]
        raise BadRequest(f"The parent of a {kind} must be a Project or a Folder: {syn(parent_id)}")
    if len(ancestors(txn.db, parent_id)) >= MAX_DEPTH + 1:
        raise BadRequest(f"The entity hierarchy cannot be deeper than {MAX_DEPTH}")
    return parent_id


def _validate_alias(txn: Txn, alias: Any, exclude: int | None = None) -> str | None:
    if alias is None:
        return None
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
        raise BadRequest("A project alias may only contain letters, digits and underscores")
    row = txn.db.execute("SELECT id FROM entities WHERE alias = ?", (alias,)).fetchone()
    if row is not None and int(row[0]) != exclude:
        raise Conflict(f"The alias '{alias}' is already used by another project")
    return alias


def type_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Return the fields stored per version: everything not modelled by a column (nulls dropped)."""
    return {key: value for key, value in body.items() if key not in CORE_FIELDS and value is not None}


def _check_file_fields(concrete_type: str, fields: dict[str, Any]) -> None:
    if concrete_type == FILE and fields.get("dataFileHandleId") in (None, ""):
        raise BadRequest("FileEntity.dataFileHandleId cannot be null")


def _check_activity(txn: Txn, generated_by: str | None) -> None:
    if generated_by is None:
        return
    validate = txn.app.hooks.last(ACTIVITY_VALIDATOR)
    if validate is not None:
        validate(txn, generated_by)
    elif not str(generated_by).isdigit():
        raise BadRequest(f"Invalid activity id: {generated_by}")


def _checked_fields(
    txn: Txn, concrete_type: str, body: dict[str, Any], record: EntityRecord | None, generated_by: str | None
) -> dict[str, Any]:
    """The per-version fields of a create (``record`` None) or an update, once the body passed every check
    of its type, of the areas' validators and of its activity."""
    if concrete_type == DOCKER:
        check_docker_repository(body)
    for validator in txn.app.hooks.all(ENTITY_VALIDATORS):
        validator(txn, body, record)
    fields = type_fields(body)  # after the validators: they may normalize the body (e.g. a view's mask)
    _check_file_fields(concrete_type, fields)
    _check_activity(txn, generated_by)
    return fields


def _insert_version(txn: Txn, record: EntityRecord, number: int, **values: Any) -> None:
    fields: dict[str, Any] = values["fields"]
    handle = fields.get("dataFileHandleId")
    txn.db.execute(
        "INSERT INTO entity_versions(entity_id, version, label, comment, fields, annotations, activity_id,"
        " file_handle_id, modified_on, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.id,
            number,
            values.get("label"),
            values.get("comment"),
            dumps(fields),
            dumps(values.get("annotations") or {}),
            values.get("activity_id"),
            None if handle is None else str(handle),
            txn.now(),
            txn.user_id,
        ),
    )


def create_entity(txn: Txn, body: dict[str, Any], *, generated_by: str | None = None) -> EntityRecord:
    """Create an entity from its JSON (REFERENCE 2.2 rules) and return its record."""
    txn.require_login()
    concrete_type = _concrete_type(body)
    description = _validate_description(body)
    parent_id = _parent_of(txn, concrete_type, body)
    if concrete_type != PROJECT:
        require_access(txn, parent_id, "CREATE")
    alias = _validate_alias(txn, body.get("alias")) if concrete_type == PROJECT else None
    fields = _checked_fields(txn, concrete_type, body, None, generated_by)
    if body.get("name") is not None:
        validate_name(body["name"])
        check_name_available(txn.db, parent_id, body["name"])
    entity_id = txn.next_id("entity")
    name = body.get("name") or syn(entity_id)
    check_name_available(txn.db, parent_id, name)
    now, user = txn.now(), txn.user_id
    txn.db.execute(
        "INSERT INTO entities(id, parent_id, name, concrete_type, description, alias, etag, created_on,"
        " created_by, modified_on, modified_by, current_version, max_version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)",
        (entity_id, parent_id, name, concrete_type, description, alias, txn.new_etag(), now, user, now, user),
    )
    record = get_record(txn.db, entity_id)
    assert record is not None
    label: str | None = IN_PROGRESS if concrete_type in TABLE_LIKE else body.get("versionLabel") or "1"
    comment: str | None = IN_PROGRESS if concrete_type in TABLE_LIKE else body.get("versionComment")
    _insert_version(txn, record, 1, label=label, comment=comment, fields=fields, activity_id=generated_by)
    if concrete_type == PROJECT:
        acl.create_acl(
            txn, "entity", entity_id, [{"principalId": user, "accessType": sorted(ENTITY_ADMIN_ACCESS)}],
            display_id=record.syn_id,
        )  # fmt: skip
    return record


def needs_new_version(
    txn: Txn, record: EntityRecord, current: VersionRecord, fields: dict[str, Any], force: bool
) -> bool:
    """Decide whether an update creates a new version (see the module docstring)."""
    if not record.versionable or record.concrete_type in TABLE_LIKE:
        return False
    if force:
        return True
    old_handle, new_handle = current.fields.get("dataFileHandleId"), fields.get("dataFileHandleId")
    if new_handle is None or str(new_handle) == str(old_handle):
        return False
    old_md5 = (file_handle_info(txn, old_handle) or {}).get("contentMd5")
    new_md5 = (file_handle_info(txn, new_handle) or {}).get("contentMd5")
    return old_md5 is None or new_md5 is None or old_md5 != new_md5


def _move_allowed(txn: Txn, record: EntityRecord, new_parent: int) -> None:
    if record.id in ancestors(txn.db, new_parent):
        raise BadRequest("Cannot move an entity into itself or one of its descendants")
    require_access(txn, new_parent, "CREATE")
    require_access(txn, record.id, "CHANGE_PERMISSIONS")


def update_entity(
    txn: Txn,
    entity_id: int,
    body: dict[str, Any],
    *,
    new_version: bool = False,
    generated_by: str | None = None,
) -> EntityRecord:
    """Apply a full-replacement PUT of an entity and return the updated record."""
    txn.require_login()
    record = require_entity(txn.db, entity_id)
    if body.get("id") is None or parse_entity_id(body["id"]) != entity_id:
        raise BadRequest(f"The id in the body must match the entity being updated: {record.syn_id}")
    require_access(txn, entity_id, "UPDATE")
    if body.get("etag") != record.etag:
        raise stale_etag(record.syn_id)
    concrete_type = body.get("concreteType") or body.get("entityType") or record.concrete_type
    if concrete_type != record.concrete_type:
        raise BadRequest(
            f"Cannot change the type of {record.syn_id} from {record.concrete_type} to {concrete_type}"
        )
    description = _validate_description(body)
    parent_id = _parent_of(txn, concrete_type, body)
    if parent_id != record.parent_id:
        _move_allowed(txn, record, parent_id)
    name = validate_name(body["name"]) if body.get("name") is not None else record.name
    check_name_available(txn.db, parent_id, name, exclude=entity_id)
    alias = _validate_alias(txn, body.get("alias"), exclude=entity_id) if concrete_type == PROJECT else None
    fields = _checked_fields(txn, concrete_type, body, record, generated_by)
    current = current_version(txn.db, record)
    if needs_new_version(txn, record, current, fields, new_version):
        number = record.max_version + 1
        label = body.get("versionLabel")
        comment = body.get("versionComment")
        _insert_version(
            txn,
            record,
            number,
            label=label if label and label != current.label else str(number),
            comment=comment if comment and comment != current.comment else None,
            fields=fields,
            annotations=current.annotations,
            activity_id=generated_by,
        )
        txn.db.execute(
            "UPDATE entities SET current_version = ?, max_version = ? WHERE id = ?",
            (number, number, entity_id),
        )
    else:
        handle = fields.get("dataFileHandleId")
        txn.db.execute(
            "UPDATE entity_versions SET label = ?, comment = ?, fields = ?, file_handle_id = ?,"
            " activity_id = COALESCE(?, activity_id), modified_on = ?, modified_by = ?"
            " WHERE entity_id = ? AND version = ?",
            (
                body.get("versionLabel") or current.label,
                body.get("versionComment", current.comment),
                dumps(fields),
                None if handle is None else str(handle),
                generated_by,
                txn.now(),
                txn.user_id,
                entity_id,
                current.number,
            ),
        )
    txn.db.execute(
        "UPDATE entities SET name = ?, description = ?, parent_id = ?, alias = ?, etag = ?, modified_on = ?,"
        " modified_by = ? WHERE id = ?",
        (name, description, parent_id, alias, txn.new_etag(), txn.now(), txn.user_id, entity_id),
    )
    updated = get_record(txn.db, entity_id)
    assert updated is not None
    return updated


def delete_version(txn: Txn, entity_id: int, number: int) -> None:
    """Delete one version; 400 when it is the only one; numbers are never reused.

    As in Synapse, deleting a version that does not exist (any more) changes nothing.
    """
    txn.require_login()
    require_entity(txn.db, entity_id)
    require_access(txn, entity_id, "DELETE")
    numbers = [
        int(row[0])
        for row in txn.db.execute("SELECT version FROM entity_versions WHERE entity_id = ?", (entity_id,))
    ]
    if number not in numbers:
        return
    if len(numbers) == 1:
        raise BadRequest("Cannot delete the last version of a node")
    txn.db.execute("DELETE FROM entity_versions WHERE entity_id = ? AND version = ?", (entity_id, number))
    remaining = max(n for n in numbers if n != number)
    txn.db.execute(
        "UPDATE entities SET current_version = ?, etag = ?, modified_on = ?, modified_by = ? WHERE id = ?",
        (remaining, txn.new_etag(), txn.now(), txn.user_id, entity_id),
    )
