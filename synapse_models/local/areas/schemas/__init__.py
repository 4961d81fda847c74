"""JSON schemas for annotations: organizations, registered schemas and their versions, bindings to entities,
validation results and derived annotations (the ``/schema/...`` endpoints and ``/entity/{id}/schema/...``).

It plugs into the entities area: derived annotations (``annotations2?includeDerived=true``) and purges (a
purged entity loses its binding).
"""

from typing import Any

from ...core.area import Area
from ...core.hooks import hook
from ...core.txn import Txn
from ..entities.service import DERIVED_ANNOTATIONS, PURGE
from . import bindings, checks, organizations, records, versions


def _purge_bindings(txn: Txn, entity_ids: list[int]) -> None:
    txn.db.executemany("DELETE FROM json_schema_bindings WHERE entity_id = ?", [(i,) for i in entity_ids])


def _derived(txn: Txn, record: Any) -> dict[str, Any]:
    return checks.derived_annotations(txn, record)


AREA = Area(
    "schemas",
    schema=(records.SCHEMA,),
    routes=(*organizations.routes, *versions.routes, *bindings.routes, *checks.routes),
    hooks=(hook(DERIVED_ANNOTATIONS, _derived), hook(PURGE, _purge_bindings)),
    jobs=versions.jobs,
    requires=("entities",),
)
