"""Ids as users give them: entity ids (``syn123``, ``SYN123``, ``123``, ``syn123.4``) and the numeric ids of
teams, evaluations, submissions and wiki pages."""

from __future__ import annotations

import re

from ..errors import ValidationError

__all__ = ["MAX_ID", "numeric_id", "parse_entity_id"]

_ID = re.compile(r"^(?:syn)?([0-9]+)(?:\.([0-9]+))?$", re.IGNORECASE | re.ASCII)
MAX_ID = 2**63 - 1
"""The largest id Synapse can hold (its ids are signed 64-bit integers)."""


def parse_entity_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """``"syn123.4"`` -> ``("syn123", 4)``; raises ValidationError for anything that is not an entity id.

    Only ASCII digits count (full-width ``１２３`` is not an id), the number must fit Synapse's 64-bit ids,
    and a version is 1 or more.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return f"syn{value}", None
    match = _ID.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValidationError(
            field, value, "not a Synapse id (expected 'syn' followed by digits, e.g. 'syn123')"
        )
    if int(match.group(1)) > MAX_ID:
        raise ValidationError(field, value, "no Synapse id is that large (ids fit in 64 bits)")
    version = int(match.group(2)) if match.group(2) else None
    if version is not None and not 1 <= version <= MAX_ID:
        raise ValidationError(field, value, "versions are numbered from 1")
    return f"syn{int(match.group(1))}", version


def numeric_id(value: object, field: str, problem: str) -> str:
    """``12`` or ``" 12 "`` as ``"12"``; anything else (full-width digits, numbers past 2^63 - 1, ...) raises
    ValidationError naming ``field``."""
    if not isinstance(value, (int, str)) or isinstance(value, bool):
        raise ValidationError(field, value, problem)
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise ValidationError(field, value, problem)
    return text
