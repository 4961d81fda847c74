"""Users of a LocalSynapse made for one test, and the cleanup that keeps tests apart."""

from __future__ import annotations

import itertools
import os
import re
from typing import TYPE_CHECKING

import attrs

from ..connection import Connection
from ..credentials import Endpoints

if TYPE_CHECKING:
    from ..local import LocalSynapse

__all__ = ["LocalUser", "new_user", "remove_projects"]

_numbers = itertools.count(1)
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_.-]+")


@attrs.frozen
class LocalUser:
    """A user of a LocalSynapse: its name, a bearer token for it, and the server's endpoint."""

    user_name: str
    """The user name (unique on the server)."""
    token: str = attrs.field(repr=False)
    """A bearer token of the user (what ``SYNAPSE_AUTH_TOKEN`` holds inside ``serving()``)."""
    endpoint: str
    """The base URL of the server."""


def new_user(server: LocalSynapse, hint: str = "user") -> LocalUser:
    """Create a user whose name starts with ``hint`` (a test's name, say) and is unique on ``server``."""
    stem = _NOT_IN_NAMES.sub("_", hint).strip("_.-")[:40] or "user"
    name = f"{stem}-{next(_numbers)}{os.urandom(2).hex()}"
    return LocalUser(user_name=name, token=server.create_user(name), endpoint=server.endpoint)


def remove_projects(server: LocalSynapse, user: LocalUser) -> list[str]:
    """Delete, for good, every project ``user`` created (so that the next test may reuse their names).

    Returns:
        The ids of the projects deleted.
    """
    endpoints = Endpoints.from_base(user.endpoint, "a test user")
    mine = Connection(endpoints, user.token, token_source="a test user", name="cleanup")
    # the admin deletes: a test may have taken the user's own DELETE permission away
    admin = Connection(endpoints, server.admin_token, token_source="the LocalSynapse admin", name="cleanup")
    try:
        ids = [
            str(item["id"])
            for item in mine.iter_token("GET", "/projects", params={"filter": "CREATED"}, items_key="results")
        ]
        for entity_id in ids:
            admin.delete(f"/entity/{entity_id}", params={"skipTrashCan": "true"})
        return ids
    finally:
        mine.close()
        admin.close()
