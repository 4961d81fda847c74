"""Entities: CRUD, versions, the tree, trash, annotations, ACLs, bundles (REFERENCE 2.2, 2.3, 2.11, 2.13).

Other areas read and write entities only through :mod:`.service`, and plug into entity writes, purges and
bundles through the hook points of :mod:`.hooks`.
"""

from ...core.area import Area
from . import annotations, bundles, children, crud, records, sharing, trash

AREA = Area(
    "entities",
    schema=(records.SCHEMA, trash.SCHEMA),
    routes=(
        *crud.routes,
        *children.routes,
        *annotations.routes,
        *sharing.routes,
        *bundles.routes,
        *trash.routes,
    ),
    setup=records.setup,
)
