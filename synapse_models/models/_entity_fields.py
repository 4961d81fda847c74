"""What the fields every entity shares accept: its id, its parent, its name and its description.

Each is checked (or converted) when it is set, so a bad value is a ``ValidationError`` naming the field
before any request.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ValidationError
from .ids import parse_entity_id

if TYPE_CHECKING:
    from .entity import EntityLike

__all__ = ["check_description", "check_name", "entity_id_of", "optional_id", "parent_id_of"]

_NAME = re.compile(r"^[a-zA-Z0-9,_. \-+()']+$")


def optional_id(value: object) -> str | None:
    """An entity's own id as ``"syn1"`` (``None`` until stored); a version is refused."""
    if value is None:
        return None
    entity_id, version = parse_entity_id(value)
    if version is not None:
        raise ValidationError("id", value, "an entity id here takes no version; use version=...")
    return entity_id


def entity_id_of(value: EntityLike | None, field: str) -> str | None:
    """An entity (or its header) or an id (``"syn1"``, ``"SYN1"``, ``"1"``) as ``"syn1"``; ``field`` names it
    in errors."""
    if value is None:
        return None
    return parse_entity_id(value, field)[0]


def parent_id_of(value: EntityLike | None) -> str | None:
    """A parent given as an entity, a header or an id, as its id."""
    return entity_id_of(value, "parent")


def check_name(_: object, __: attrs.Attribute[Any], value: str | None) -> None:
    """An entity name: 1 to 256 characters of the set Synapse allows."""
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError("name", value, "a name is text (a str)")
    stripped = value.strip()
    if not stripped or len(stripped) > 256:
        raise ValidationError("name", value, "names have 1 to 256 characters")
    if not _NAME.match(stripped):
        raise ValidationError(
            "name", value, "names may contain only letters, digits, spaces and , _ . - + ( ) '"
        )


def check_description(_: object, __: attrs.Attribute[Any], value: str | None) -> None:
    """A description: text of at most 1000 characters."""
    if value is not None and not isinstance(value, str):
        raise ValidationError("description", value, "a description is text (a str)")
    if value is not None and len(value) > 1000:
        raise ValidationError("description", f"<{len(value)} characters>", "at most 1000 characters")
