"""Ids as users give them: entity ids (``syn123``, ``SYN123``, ``123``, ``syn123.4``) and the numeric ids of
teams, evaluations, submissions and wiki pages."""

from __future__ import annotations

import re

from ..errors import ValidationError

__all__ = ["numeric_id", "parse_entity_id"]

_ID = re.compile(r"^(?:syn)?(\d+)(?:\.(\d+))?$", re.IGNORECASE)


def parse_entity_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """``"syn123.4"`` -> ``("syn123", 4)``; raises ValidationError for anything that is not an entity id."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"syn{value}", None
    match = _ID.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValidationError(
            field, value, "not a Synapse id (expected 'syn' followed by digits, e.g. 'syn123')"
        )
    version = int(match.group(2)) if match.group(2) else None
    return f"syn{match.group(1)}", version


def numeric_id(value: object, field: str, problem: str) -> str:
    """``12`` or ``" 12 "`` as ``"12"``; anything else raises ValidationError naming ``field``."""
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValidationError(field, value, problem)
    return str(value).strip()
