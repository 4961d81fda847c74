"""Ids as users give them: entity ids (``syn123``, ``SYN123``, ``123``, ``syn123.4``, or an entity object
where an id is expected) and the numeric ids of teams, evaluations, submissions and wiki pages (or their
objects)."""

from __future__ import annotations

import re

from ..errors import ValidationError

__all__ = ["MAX_ID", "StandsForEntity", "numeric_id", "parse_entity_id"]

_ID = re.compile(r"^(?:syn)?([0-9]+)(?:\.([0-9]+))?$", re.IGNORECASE | re.ASCII)
MAX_ID = 2**63 - 1
"""The largest id Synapse can hold (its ids are signed 64-bit integers)."""


class StandsForEntity:
    """Mixin of the objects that stand for an entity wherever an id is expected (entities, their headers), so
    ``File.get(f)``, ``Folder(parent=project)`` and ``sync_from(folder)`` work with the object itself."""

    __slots__ = ()

    def _entity_ref(self, field: str) -> tuple[str, int | None]:
        """The entity id and the version the object names (``None``: the current one); raises ValidationError
        (naming ``field``) when the object has no id yet."""
        raise NotImplementedError


def parse_entity_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """``"syn123.4"`` -> ``("syn123", 4)``; an entity object -> ``(its id, None)``; raises ValidationError for
    anything that is not an entity id.

    Only ASCII digits count (full-width ``１２３`` is not an id), the number must fit Synapse's 64-bit ids,
    and a version is 1 or more.
    """
    if isinstance(value, StandsForEntity):
        return value._entity_ref(field)
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


def numeric_id(value: object, field: str, problem: str, *, objects: tuple[type, ...] = ()) -> str:
    """``12`` or ``" 12 "`` as ``"12"`` (or the ``id`` of an instance of ``objects``: ``Team.get(team)``);
    anything else (full-width digits, numbers past 2^63 - 1, ...) raises ValidationError naming ``field``."""
    if objects and isinstance(value, objects):
        stored = getattr(value, "id", None)
        if stored is None:
            problem = f"this {type(value).__name__} has no id yet; store() it first"
            raise ValidationError(field, getattr(value, "name", None), problem)
        value = stored
    if not isinstance(value, (int, str)) or isinstance(value, bool):
        raise ValidationError(field, value, problem)
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise ValidationError(field, value, problem)
    return text
