"""The area's tables: organizations, schemas, their versions, what versions reference, and bindings.

* ``schema_organizations`` — a namespace for schemas, with an ACL (object type ``organization``);
* ``json_schemas`` — one row per ``<organization>-<name>``;
* ``json_schema_versions`` — the bodies, immutable; a version has a semantic version or none (then it is
  only reachable as the latest); the latest version of a schema is the one with the highest id;
* ``json_schema_dependencies`` — the schemas (or exact versions) a version's ``$ref``\\ s name; a schema or
  version that others reference cannot be deleted;
* ``json_schema_bindings`` — a schema bound to an entity (a version, or the latest when ``version_id`` is
  null); descendants inherit the binding of their nearest bound ancestor.

Lookups raise 404 with the real service's wording (``JsonSchemaDaoImpl``, ``OrganizationDaoImpl``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ...core.errors import NotFound
from ...core.store import loads
from .naming import SchemaId

SCHEMA = """
    CREATE TABLE IF NOT EXISTS schema_organizations (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_on TEXT NOT NULL,
        created_by INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS json_schemas (
        id INTEGER PRIMARY KEY, organization_id INTEGER NOT NULL, name TEXT NOT NULL,
        created_on TEXT NOT NULL, created_by INTEGER NOT NULL, UNIQUE (organization_id, name));
    CREATE TABLE IF NOT EXISTS json_schema_versions (
        id INTEGER PRIMARY KEY, schema_id INTEGER NOT NULL, semantic_version TEXT, body TEXT NOT NULL,
        sha256 TEXT NOT NULL, created_on TEXT NOT NULL, created_by INTEGER NOT NULL);
    CREATE UNIQUE INDEX IF NOT EXISTS json_schema_versions_by_semver
        ON json_schema_versions(schema_id, semantic_version) WHERE semantic_version IS NOT NULL;
    CREATE TABLE IF NOT EXISTS json_schema_dependencies (
        version_id INTEGER NOT NULL, depends_on_schema_id INTEGER NOT NULL, depends_on_version_id INTEGER);
    CREATE TABLE IF NOT EXISTS json_schema_bindings (
        entity_id INTEGER PRIMARY KEY, schema_id INTEGER NOT NULL, version_id INTEGER,
        enable_derived INTEGER NOT NULL, created_on TEXT NOT NULL, created_by INTEGER NOT NULL)
    """

ORGANIZATION_ACL = "organization"
"""The object type of organization ACLs in the core's ``acls`` table."""


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    created_on: str
    created_by: int

    def json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "createdOn": self.created_on,
                "createdBy": str(self.created_by)}  # fmt: skip


@dataclass(frozen=True)
class Version:
    """One schema version with the names around it (a ``JsonSchemaVersionInfo``)."""

    id: int
    schema_id: int
    semantic_version: str | None
    sha256: str
    created_on: str
    created_by: int
    schema_name: str
    organization_id: int
    organization_name: str

    @property
    def relative_id(self) -> str:
        base = f"{self.organization_name}-{self.schema_name}"
        return f"{base}-{self.semantic_version}" if self.semantic_version else base

    def json(self) -> dict[str, Any]:
        return {
            "organizationId": str(self.organization_id),
            "organizationName": self.organization_name,
            "schemaId": str(self.schema_id),
            "schemaName": self.schema_name,
            "versionId": str(self.id),
            "$id": self.relative_id,
            "semanticVersion": self.semantic_version,
            "createdOn": self.created_on,
            "createdBy": str(self.created_by),
            "jsonSHA256Hex": self.sha256,
        }


@dataclass(frozen=True)
class Binding:
    """The schema bound to one entity: a fixed version, or the schema's latest (``version_id`` None)."""

    entity_id: int
    schema_id: int
    version_id: int | None
    enable_derived: bool
    created_on: str
    created_by: int


def body_sha256(body: dict[str, Any]) -> str:
    """The SHA-256 of a schema body (compact JSON, keys sorted, so equal bodies hash alike)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- organizations ------------------------------------------------------------------------------------------


def _organization(row: sqlite3.Row | None) -> Organization | None:
    return None if row is None else Organization(row["id"], row["name"], row["created_on"], row["created_by"])


def organization_by_name(db: sqlite3.Connection, name: str) -> Organization:
    row = db.execute("SELECT * FROM schema_organizations WHERE name = ?", (name,)).fetchone()
    found = _organization(row)
    if found is None:
        raise NotFound(f"Organization with name: '{name}' not found")
    return found


def organization_by_id(db: sqlite3.Connection, organization_id: int) -> Organization | None:
    return _organization(
        db.execute("SELECT * FROM schema_organizations WHERE id = ?", (organization_id,)).fetchone()
    )


def organizations_page(db: sqlite3.Connection, limit: int, offset: int) -> list[Organization]:
    rows = db.execute(
        "SELECT * FROM schema_organizations ORDER BY name LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    return [Organization(r["id"], r["name"], r["created_on"], r["created_by"]) for r in rows]


def organization_has_schemas(db: sqlite3.Connection, organization_id: int) -> bool:
    row = db.execute("SELECT 1 FROM json_schemas WHERE organization_id = ? LIMIT 1", (organization_id,))
    return row.fetchone() is not None


# -- schemas and versions -----------------------------------------------------------------------------------

_VERSION_SELECT = (
    "SELECT v.id, v.schema_id, v.semantic_version, v.sha256, v.created_on, v.created_by,"
    " s.name AS schema_name, o.id AS organization_id, o.name AS organization_name FROM json_schema_versions v"
    " JOIN json_schemas s ON s.id = v.schema_id JOIN schema_organizations o ON o.id = s.organization_id"
)


def _version(row: sqlite3.Row) -> Version:
    return Version(**dict(row))


def schema_row(db: sqlite3.Connection, organization: str, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT s.* FROM json_schemas s JOIN schema_organizations o ON o.id = s.organization_id"
        " WHERE o.name = ? AND s.name = ?",
        (organization, name),
    ).fetchone()
    return row


def version_by_id(db: sqlite3.Connection, version_id: int) -> Version:
    row = db.execute(_VERSION_SELECT + " WHERE v.id = ?", (version_id,)).fetchone()
    if row is None:
        raise NotFound(f"JSON version not found for versionId: {version_id}")
    return _version(row)


def latest_version_id(db: sqlite3.Connection, schema_id: int) -> int | None:
    row = db.execute("SELECT MAX(id) FROM json_schema_versions WHERE schema_id = ?", (schema_id,)).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def find_version(db: sqlite3.Connection, schema_id: SchemaId) -> Version:
    """The version a ``$id`` names: its semantic version, or the latest; 404 in Synapse's words."""
    found = schema_row(db, schema_id.organization, schema_id.name)
    where = f"organizationName: '{schema_id.organization}' and schemaName: '{schema_id.name}'"
    if schema_id.version is None:
        latest = None if found is None else latest_version_id(db, int(found["id"]))
        if latest is None:
            raise NotFound(f"JSON Schema not found for {where}")
        return version_by_id(db, latest)
    row = None
    if found is not None:
        row = db.execute(
            _VERSION_SELECT + " WHERE v.schema_id = ? AND v.semantic_version = ?",
            (found["id"], schema_id.version),
        ).fetchone()
    if row is None:
        raise NotFound(f"JSON Schema not found for {where} and semanticVersion: '{schema_id.version}'")
    return _version(row)


def version_body(db: sqlite3.Connection, version_id: int) -> dict[str, Any]:
    row = db.execute("SELECT body FROM json_schema_versions WHERE id = ?", (version_id,)).fetchone()
    if row is None:
        raise NotFound(f"JSON Schema not found for versionId: '{version_id}'")
    body: dict[str, Any] = loads(row[0])
    return body


def schemas_page(db: sqlite3.Connection, organization: str, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT o.id AS organization_id, o.name AS organization_name, s.* FROM schema_organizations o"
        " JOIN json_schemas s ON s.organization_id = o.id WHERE o.name = ? ORDER BY s.id LIMIT ? OFFSET ?",
        (organization, limit, offset),
    ).fetchall()
    return [
        {
            "organizationId": str(r["organization_id"]),
            "organizationName": r["organization_name"],
            "schemaId": str(r["id"]),
            "schemaName": r["name"],
            "createdOn": r["created_on"],
            "createdBy": str(r["created_by"]),
        }
        for r in rows
    ]


def versions_page(
    db: sqlite3.Connection, organization: str, name: str, limit: int, offset: int
) -> list[Version]:
    rows = db.execute(
        _VERSION_SELECT + " WHERE o.name = ? AND s.name = ? ORDER BY v.id LIMIT ? OFFSET ?",
        (organization, name, limit, offset),
    ).fetchall()
    return [_version(r) for r in rows]


def is_referenced(db: sqlite3.Connection, *, schema_id: int = -1, version_id: int = -1) -> bool:
    """Whether a version references this schema (as its latest) or this exact version."""
    row = db.execute(
        "SELECT 1 FROM json_schema_dependencies WHERE depends_on_schema_id = ? OR depends_on_version_id = ?"
        " LIMIT 1",
        (schema_id, version_id),
    ).fetchone()
    return row is not None


# -- bindings -----------------------------------------------------------------------------------------------


def _binding(row: sqlite3.Row | None) -> Binding | None:
    if row is None:
        return None
    return Binding(
        row["entity_id"], row["schema_id"], row["version_id"], bool(row["enable_derived"]),
        row["created_on"], row["created_by"],
    )  # fmt: skip


def bound_among(db: sqlite3.Connection, entity_ids: list[int]) -> dict[int, Binding]:
    """The bindings made on any of ``entity_ids``, by entity id."""
    found: dict[int, Binding] = {}
    for start in range(0, len(entity_ids), 500):
        chunk = entity_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(f"SELECT * FROM json_schema_bindings WHERE entity_id IN ({marks})", chunk):
            binding = _binding(row)
            assert binding is not None
            found[binding.entity_id] = binding
    return found


def is_bound(db: sqlite3.Connection, *, schema_id: int = -1, version_id: int = -1) -> bool:
    """Whether an entity is bound to this schema or to this exact version."""
    row = db.execute(
        "SELECT 1 FROM json_schema_bindings WHERE schema_id = ? OR version_id = ? LIMIT 1",
        (schema_id, version_id),
    ).fetchone()
    return row is not None
