"""Principals: the users and teams that ACLs, teams and evaluation queues name.

A principal may be given as a model (:class:`~synapse_models.UserProfile`, :class:`~synapse_models.Team`, a
:class:`~synapse_models.UserGroupHeader`), a principal id (an ``int``, a string of digits, a
:class:`~synapse_models.models.acl.WellKnownPrincipal`) or a user or team name, looked up with
``POST /principal/alias``. The models that stand for a principal derive from :class:`Principal`, so this
module needs none of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._convert import from_wire, to_wire
from ..connection import Connection
from ..errors import NotFoundError, ValidationError
from ._wire import AliasRequest, PrincipalRef

__all__ = ["Principal", "PrincipalLike", "principal_id_by_name", "resolve_principal"]

PrincipalLike = "UserProfile | Team | UserGroupHeader | WellKnownPrincipal | int | str"


class Principal:
    """Mixin of the models that stand for a user or a team."""

    __slots__ = ()

    def _principal_id(self, field: str) -> int:
        """The principal id; raises ValidationError (naming ``field``) when the object has none yet."""
        raise NotImplementedError


def resolve_principal(conn: Connection, principal: object, field: str = "principal") -> int:
    """The principal id of a user or team given as an object, an id, or a user/team name.

    Raises:
        ValidationError: The value is not something that names a principal (checked before any request).
        NotFoundError: No user or team has that name.
    """
    if isinstance(principal, Principal):
        return principal._principal_id(field)
    if isinstance(principal, bool) or not isinstance(principal, (int, str)):
        raise ValidationError(field, principal, "give a UserProfile, a Team, a principal id or a name")
    if isinstance(principal, int):
        if principal <= 0:
            raise ValidationError(field, principal, "principal ids are positive")
        return principal
    text = principal.strip()
    if not text:
        raise ValidationError(field, principal, "an empty name names nobody")
    if text.isdigit():
        return int(text)
    return principal_id_by_name(conn, text)


def principal_id_by_name(
    conn: Connection, name: str, kinds: Sequence[str] = ("USER_NAME", "TEAM_NAME")
) -> int:
    """The principal id of the user or team with this exact name (``kinds``: which aliases to try, in order).

    Raises:
        NotFoundError: No principal of those kinds has the name: the server's answer to the last lookup, its
            reason saying which name was not found.
    """
    missing: NotFoundError | None = None
    for kind in kinds:
        try:
            answer = conn.post("/principal/alias", to_wire(AliasRequest(alias=name, type=kind)))
        except NotFoundError as err:
            missing = err
            continue
        return int(from_wire(PrincipalRef, answer).principal_id)
    assert missing is not None, "no alias kind to look up"
    nobody = " or ".join({"USER_NAME": "user", "TEAM_NAME": "team"}.get(k, k) for k in kinds)
    raise NotFoundError(
        missing.status, f"no {nobody} is named {name!r}", missing.method, missing.url
    ) from missing
