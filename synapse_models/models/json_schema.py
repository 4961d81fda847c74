"""JSON schemas registered on Synapse, and the organizations that own them.

A schema lives in an organization (a namespace such as ``my.lab``) under a name (``sample``) and has
versions; ``my.lab-sample-1.0.0`` is the ``$id`` of one version and ``my.lab-sample`` means the latest.
Bind a schema to a project, folder or file (:meth:`~synapse_models.Folder.bind_schema`) and Synapse
validates the annotations of everything under it.

Example:
    >>> lab = SchemaOrganization(name="my.lab").store()
    >>> sample = JSONSchema(organization="my.lab", name="sample", version="1.0.0", body={
    ...     "type": "object",
    ...     "properties": {"species": {"enum": ["human", "mouse"]}, "age": {"type": "integer"}},
    ...     "required": ["species"],
    ... }).store()
    >>> sample.uri
    'my.lab-sample-1.0.0'
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._convert import READ_ONLY, WIRE_NAME, from_wire, to_wire
from ..connection import Connection
from ..errors import BadRequestError, ValidationError
from ..registry import ConnectionLike, get_connection
from ._html import Displayed
from ._schema_wire import (
    CreateOrganizationRequest,
    CreateSchemaRequest,
    GetValidationSchemaRequest,
    ListJsonSchemaInfoRequest,
    ListJsonSchemaVersionInfoRequest,
    ListOrganizationsRequest,
)
from .acl import AclHolder
from .listing import Listing, token_listing

__all__ = ["JSONSchema", "SchemaOrganization", "SchemaVersion", "parse_schema_uri"]

_PART = r"[A-Za-z][A-Za-z0-9]*"
_DOTTED = re.compile(rf"^{_PART}(?:\.{_PART})*$")
_NUMBER = r"(?:0|[1-9][0-9]*)"
_IDENT = rf"(?:{_NUMBER}|{_PART})"
_VERSION = re.compile(
    rf"^{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_IDENT}(?:\.{_IDENT})*)?(?:\+[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)?$"
)
_NAMES = "dot-separated parts that start with a letter and hold only letters and digits"


def _check_organization(_: object, __: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _DOTTED.match(value):
        raise ValidationError("organization", value, f"organization names are {_NAMES}, e.g. 'my.lab'")
    if not 6 <= len(value) <= 250:
        raise ValidationError("organization", value, "organization names have 6 to 250 characters")
    if "sagebionetwork" in value.lower():
        raise ValidationError("organization", value, "'sagebionetworks' is reserved in organization names")


def _check_name(_: object, __: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _DOTTED.match(value) or len(value) > 250:
        raise ValidationError("name", value, f"schema names are {_NAMES}, e.g. 'sample.v2'")


def _check_version(_: object, __: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _VERSION.match(value)):
        raise ValidationError("version", value, "a semantic version MAJOR.MINOR.PATCH, e.g. '1.0.0'")


def parse_schema_uri(uri: str) -> tuple[str, str, str | None]:
    """Split ``org-name`` or ``org-name-1.0.0`` (or a URL ending so) into organization, name, version."""
    text = str(uri).rstrip("/").rsplit("/", 1)[-1]
    parts = text.split("-", 2)
    if len(parts) < 2:
        raise ValidationError(
            "uri", uri, "expected '<organization>-<name>' or '<organization>-<name>-<version>'"
        )
    schema = JSONSchema(organization=parts[0], name=parts[1], version=parts[2] if len(parts) == 3 else None)
    return schema.organization, schema.name, schema.version



def _check_body(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError("body", value, "a JSON schema is a dict (the parsed JSON object)")

@attrs.define(kw_only=True)
class SchemaVersion(Displayed):
    """One registered version of a schema (what Synapse calls a JsonSchemaVersionInfo)."""

    organization_name: str
    schema_name: str
    semantic_version: str | None = None
    """``None`` for a version registered without one (reachable only as the latest)."""
    uri: str = attrs.field(default="", metadata={WIRE_NAME: "$id"})
    """The ``$id`` of this version, e.g. ``my.lab-sample-1.0.0``."""
    organization_id: str | None = None
    schema_id: str | None = None
    version_id: str | None = None
    created_on: datetime | None = None
    created_by: str | None = None
    json_sha256_hex: str | None = attrs.field(default=None, metadata={WIRE_NAME: "jsonSHA256Hex"})
    """The SHA-256 of the schema body."""


@attrs.define(kw_only=True)
class SchemaOrganization(AclHolder, Displayed):
    """A namespace for JSON schemas. Its creator may register schemas in it and share it (``grant``).

    Example:
        >>> lab = SchemaOrganization(name="my.lab").store()
        >>> lab.grant("bob", ["CREATE"])     # bob may register schemas in my.lab
    """

    ACL_KIND: ClassVar[str] = "schema/organization"

    name: str = attrs.field(validator=_check_organization)
    """The organization's name: dot-separated parts of letters and digits, each starting with a letter."""
    id: str | None = attrs.field(default=None, metadata={READ_ONLY: True})
    """The numeric id Synapse gave it; ``None`` until stored."""
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    created_by: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    _connection: Connection | None = attrs.field(default=None, init=False, repr=False, eq=False)

    def _conn(self, connection: ConnectionLike | None) -> Connection:
        return get_connection(connection, bound=self._connection)

    def _take(self, conn: Connection, data: Any) -> SchemaOrganization:
        fresh = from_wire(SchemaOrganization, data)
        self.id, self.created_on, self.created_by = fresh.id, fresh.created_on, fresh.created_by
        self._connection = conn
        return self

    @classmethod
    def get(cls, name: str, *, connection: ConnectionLike | None = None) -> SchemaOrganization:
        """Look an organization up by name. Raises NotFoundError when there is none."""
        conn = get_connection(connection)
        return cls(name=name)._take(conn, conn.get("/schema/organization", params={"name": name}))

    @classmethod
    def list(cls, *, connection: ConnectionLike | None = None) -> Listing[SchemaOrganization]:
        """Every organization, by name, as a lazy listing (a notebook shows the first page as a table)."""
        conn = get_connection(connection)
        body = to_wire(ListOrganizationsRequest())
        return token_listing(conn, "schema organizations", "POST", "/schema/organization/list", body,
                             lambda item: cls(name=item["name"])._take(conn, item))

    def store(self, *, connection: ConnectionLike | None = None) -> SchemaOrganization:
        """Create the organization; when one with this name exists, load it instead."""
        conn = self._conn(connection)
        if self.id is not None:
            return self
        try:
            answer = conn.post(
                "/schema/organization", to_wire(CreateOrganizationRequest(organization_name=self.name))
            )
        except BadRequestError as error:
            if "already exists" not in error.reason:
                raise
            answer = conn.get("/schema/organization", params={"name": self.name})
        return self._take(conn, answer)

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete the organization (it must hold no schemas)."""
        conn = self._conn(connection)
        if self.id is None:
            self._take(conn, conn.get("/schema/organization", params={"name": self.name}))
        conn.delete(f"/schema/organization/{self.id}")
        self.id = None

    def schemas(self, *, connection: ConnectionLike | None = None) -> Listing[JSONSchema]:
        """The schemas registered in this organization, as a lazy listing (their latest versions are loaded
        on ``get()``)."""
        conn = self._conn(connection)
        body = to_wire(ListJsonSchemaInfoRequest(organization_name=self.name))

        def schema(item: dict[str, Any]) -> JSONSchema:
            return JSONSchema(organization=self.name, name=item["schemaName"])._bound(conn)

        return token_listing(conn, f"schemas of {self.name}", "POST", "/schema/list", body, schema)

    def _acl_owner(self, connection: ConnectionLike | None) -> tuple[Connection, str]:
        conn = self._conn(connection)
        if self.id is None:
            self._take(conn, conn.get("/schema/organization", params={"name": self.name}))
        return conn, str(self.id)


@attrs.define(kw_only=True)
class JSONSchema(Displayed):
    """A JSON schema (draft 7) registered in an organization: one version, or the latest when ``version`` is
    ``None``. ``body`` is the schema itself; ``$ref`` to another registered schema by its uri.

    Example:
        >>> schema = JSONSchema.get("my.lab-sample-1.0.0")
        >>> schema.body["required"]
        ['species']
    """

    organization: str = attrs.field(validator=_check_organization)
    """The owning organization's name."""
    name: str = attrs.field(validator=_check_name)
    """The schema's name in its organization."""
    version: str | None = attrs.field(default=None, validator=_check_version)
    """A semantic version (``1.0.0``); ``None`` means the latest (and stores an unversioned one)."""
    body: dict[str, Any] = attrs.field(factory=dict, repr=False, validator=lambda _, __, v: _check_body(v))
    """The schema (its ``$id`` is set from organization, name and version when stored)."""
    info: SchemaVersion | None = attrs.field(default=None, init=False, eq=False, repr=False)
    """What Synapse recorded about the version (ids, creator, checksum); ``None`` until stored or loaded."""
    _connection: Connection | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @property
    def uri(self) -> str:
        """The ``$id``: ``organization-name`` or ``organization-name-version``."""
        base = f"{self.organization}-{self.name}"
        return f"{base}-{self.version}" if self.version else base

    def _bound(self, conn: Connection) -> JSONSchema:
        self._connection = conn
        return self

    def _conn(self, connection: ConnectionLike | None) -> Connection:
        return get_connection(connection, bound=self._connection)

    @classmethod
    def from_uri(cls, uri: str) -> JSONSchema:
        """The schema a uri names (nothing is loaded)."""
        organization, name, version = parse_schema_uri(uri)
        return cls(organization=organization, name=name, version=version)

    @classmethod
    def get(cls, uri: str, *, connection: ConnectionLike | None = None) -> JSONSchema:
        """Load a registered schema's body (the latest version when the uri has none).

        Raises:
            ValidationError: The uri is malformed (before any request).
            NotFoundError: No such schema or version.
        """
        conn = get_connection(connection)
        schema = cls.from_uri(uri)._bound(conn)
        body = dict(conn.get(f"/schema/type/registered/{schema.uri}"))
        body.pop("$id", None)
        schema.body = body
        return schema

    def store(self, *, connection: ConnectionLike | None = None) -> JSONSchema:
        """Register this body as a new version (``version=None``: a new latest version).

        Storing a semantic version again with the same body changes nothing; with another body Synapse
        refuses it (BadRequestError), since a version never changes.
        """
        conn = self._conn(connection)
        body = {**self.body, "$id": self.uri}
        try:
            answer = conn.run_async_job("/schema/type/create", to_wire(CreateSchemaRequest(schema=body)))
        except BadRequestError as error:
            if self.version is None or "already exists" not in error.reason:
                raise
            mine = {key: value for key, value in self.body.items() if key != "$id"}
            if JSONSchema.get(self.uri, connection=conn).body != mine:
                raise
            self.info = next(
                (v for v in self.versions(connection=conn) if v.semantic_version == self.version), None
            )
            return self._bound(conn)
        self.info = from_wire(SchemaVersion, answer["newVersionInfo"])
        return self._bound(conn)

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete this version, or (``version=None``) the schema with all its versions."""
        self._conn(connection).delete(f"/schema/type/registered/{self.uri}")
        self.info = None

    def versions(self, *, connection: ConnectionLike | None = None) -> Listing[SchemaVersion]:
        """Every registered version of this schema, oldest first, as a lazy listing (empty when the schema
        does not exist)."""
        conn = self._conn(connection)
        body = to_wire(
            ListJsonSchemaVersionInfoRequest(organization_name=self.organization, schema_name=self.name)
        )
        return token_listing(conn, f"versions of {self.organization}-{self.name}", "POST",
                             "/schema/version/list", body, lambda item: from_wire(SchemaVersion, item))

    def validation_schema(self, *, connection: ConnectionLike | None = None) -> dict[str, Any]:
        """The self-contained schema Synapse validates with: every ``$ref`` copied into ``definitions``."""
        conn = self._conn(connection)
        answer = conn.run_async_job(
            "/schema/type/validation", to_wire(GetValidationSchemaRequest(id=self.uri))
        )
        return dict(answer["validationSchema"])
