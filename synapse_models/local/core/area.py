"""The :class:`Area` type: everything one REST area brings to an app.

Each area package exports one ``AREA = Area(...)``; ``core.app.SynapseApp`` is built from an explicit tuple
of them (``synapse_models.local.areas.AREAS`` by default).  An area brings:

* ``schema`` — DDL of the tables it owns (``CREATE TABLE IF NOT EXISTS ...``, statements separated by ``;``),
  run whenever a store opens;
* ``routes`` — its endpoints (see ``routing.Routes``);
* ``hooks`` — what it plugs into hook points other areas declare (see ``hooks``);
* ``jobs`` — the request ``concreteType``\\ s it serves through ``POST /asynchronous/job``;
* ``setup`` — rows every server has (run in a write transaction after the DDL, e.g. the root entity's ACL);
* ``recover`` — run once when an app opens the store, before it serves: repairs what a crash (``kill -9``)
  left in the area's files next to the database (orphans, temporary files);
* ``requires`` — the names of the areas it calls (through their ``service`` modules); an app refuses to
  start without them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .context import JobStarter
from .hooks import Hook
from .routing import RouteSpec
from .store import Store


@dataclass(frozen=True)
class Area:
    """One REST area: its name, tables, endpoints, hooks, job types and the areas it needs."""

    name: str
    schema: tuple[str, ...] = ()
    routes: tuple[RouteSpec, ...] = ()
    hooks: tuple[Hook, ...] = ()
    jobs: Mapping[str, JobStarter] = field(default_factory=dict)
    setup: Callable[[sqlite3.Connection], None] | None = None
    recover: Callable[[Store], None] | None = None
    requires: tuple[str, ...] = ()
