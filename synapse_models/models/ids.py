"""Ids as users give them: entity ids (``syn123``, ``SYN123``, ``123``, ``syn123.4``, or an entity object
where an id is expected) and the numeric ids of teams, evaluations, submissions and wiki pages (or their
objects)."""

from __future__ import annotations

import re

from ..errors import ValidationError

__all__ = ["StandsForEntity", "numeric_id", "parse_entity_id"]

_ID = re.compile(r"^(?:syn)?(\d+)(?:\.(\d+))?$", re.IGNORECASE)


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
    anything that is not an entity id."""
    if isinstance(value, StandsForEntity):
        return value._entity_ref(field)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"syn{value}", None
    match = _ID.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValidationError(
            field, value, "not a Synapse id (expected 'syn' followed by digits, e.g. 'syn123')"
        )
    version = int(match.group(2)) if match.group(2) else None
    return f"syn{match.group(1)}", version


def numeric_id(value: object, field: str, problem: str, *, objects: tuple[type, ...] = ()) -> str:
    """``12`` or ``" 12 "`` as ``"12"`` (or the ``id`` of an instance of ``objects``: ``Team.get(team)``);
    anything else raises ValidationError naming ``field``."""
    if objects and isinstance(value, objects):
        stored = getattr(value, "id", None)
        if stored is None:
            raise ValidationError(field, getattr(value, "name", None),
                                  f"this {type(value).__name__} has no id yet; store() it first")
        value = stored
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValidationError(field, value, problem)
    return str(value).strip()
