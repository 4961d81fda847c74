"""Names of organizations and schemas, and the ``$id`` of a schema (``org.name-schema.name[-1.0.0]``).

Synapse parses these with a small grammar: an organization or schema name is dot-separated parts that each
start with a letter and hold only ASCII letters and digits; a ``$id`` is ``<organization>-<schema>`` with an
optional ``-<semantic version>`` (MAJOR.MINOR.PATCH, optional ``-prerelease`` and ``+build``).  An absolute
``$id`` (a URL) counts by its last path segment, so ``https://host/repo/v1/schema/type/registered/a.b-c``
names ``a.b-c``.  Whitespace is ignored, as the real parser skips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...core.errors import BadRequest

#: Where every registered schema lives, as Synapse writes it into a schema's top-level ``$id``
#: (``JsonSchemaManager.ABSOLUTE_$ID_TEMPALTE``): the real service uses this prefix whatever its stack, so
#: the local server does too; it is an identifier, never fetched.
ABSOLUTE_PREFIX = "https://repo-prod.prod.sagebase.org/repo/v1/schema/type/registered/"
MIN_ORGANIZATION_CHARS = 6
MAX_ORGANIZATION_CHARS = 250
MAX_SCHEMA_NAME_CHARS = 250
MAX_VERSION_CHARS = 250
RESERVED_MESSAGE = "The name 'sagebionetworks' is reserved, and cannot be included in an Organziation's name"

_PART = r"[A-Za-z][A-Za-z0-9]*"
_DOTTED = rf"{_PART}(?:\.{_PART})*"
_NUMBER = r"(?:0|[1-9][0-9]*)"
_PRERELEASE = rf"(?:{_NUMBER}|{_PART})"
_BUILD = r"[A-Za-z0-9]+"
_VERSION = (
    rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_PRERELEASE}(?:\.{_PRERELEASE})*)?(?:\+{_BUILD}(?:\.{_BUILD})*)?"
)
_SCHEMA_ID = re.compile(rf"^({_DOTTED})-({_DOTTED})(?:-({_VERSION}))?$")
_ORGANIZATION = re.compile(rf"^{_DOTTED}$")
_SKIPPED = re.compile(r"[ \t\r\f\n]")
_GRAMMAR = (
    "Names are dot-separated parts that start with a letter and hold only letters and digits; a $id is"
    " <organization>-<schema name> with an optional -<MAJOR.MINOR.PATCH version>"
)


@dataclass(frozen=True)
class SchemaId:
    """A parsed ``$id``: organization, schema name and (maybe) semantic version."""

    organization: str
    name: str
    version: str | None

    @property
    def relative(self) -> str:
        """The relative ``$id``: ``org-name`` or ``org-name-1.0.0``."""
        base = f"{self.organization}-{self.name}"
        return f"{base}-{self.version}" if self.version else base


def relative_id(text: str) -> str:
    """The relative form of a ``$id``: everything after its last ``/``."""
    slash = text.rfind("/")
    return text[slash + 1 :] if slash > 0 else text


def absolute_id(relative: str) -> str:
    """The absolute ``$id`` Synapse gives a registered schema's top level."""
    return ABSOLUTE_PREFIX + relative


def parse_schema_id(value: Any) -> SchemaId:
    """Parse a relative or absolute ``$id``; 400 in Synapse's words when it is malformed."""
    if value is None:
        raise BadRequest("$id cannot be null")
    text = str(value)
    match = _SCHEMA_ID.match(_SKIPPED.sub("", relative_id(text)))
    if match is None:
        raise BadRequest(f"Invalid '$id' : '{text}'\n{_GRAMMAR}")
    organization, name, version = match.groups()
    if len(name) > MAX_SCHEMA_NAME_CHARS:
        raise BadRequest(f"Schema name must be {MAX_SCHEMA_NAME_CHARS} characters or less")
    if version is not None and len(version) > MAX_VERSION_CHARS:
        raise BadRequest(f"Semantic version must be {MAX_VERSION_CHARS} characters or less")
    return SchemaId(organization, name, version)


def organization_name(value: Any, *, is_admin: bool = False) -> str:
    """Validate an organization name and return it without whitespace; 400 in Synapse's words."""
    if value is None:
        raise BadRequest("organizationName is required.")
    text = str(value)
    name = _SKIPPED.sub("", text)
    if not _ORGANIZATION.match(name):
        raise BadRequest(f"Invalid 'organizationName' : '{text}'\n{_GRAMMAR}")
    if len(name) > MAX_ORGANIZATION_CHARS:
        raise BadRequest(f"Organization name must be {MAX_ORGANIZATION_CHARS} characters or less")
    if len(name) < MIN_ORGANIZATION_CHARS:
        raise BadRequest(f"Organization name must be at least {MIN_ORGANIZATION_CHARS} characters")
    if not is_admin and "sagebionetwork" in name.lower():
        raise BadRequest(RESERVED_MESSAGE)
    return name
