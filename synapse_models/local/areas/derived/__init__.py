"""Derived tables: MaterializedView and VirtualTable, tables whose rows are the result of a defining SQL over
other tables and views (REFERENCE 2.6).

The area serves both types to the tables area as view kinds (``tables.service.VIEW_KINDS``): the defining SQL
is translated in ``defining``, checked, bound to a schema and evaluated in ``kinds``.  It has no tables and no
endpoints of its own: creating, reading and querying them goes through the entity and table endpoints.
"""

from ...core.area import Area
from ...core.hooks import hook
from ..tables.service import VIEW_KINDS
from . import kinds

AREA = Area(
    "derived",
    hooks=tuple(hook(VIEW_KINDS, kind) for kind in kinds.KINDS),
    requires=("entities", "tables"),
)
