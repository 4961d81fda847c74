"""Tables: column models, row storage, transactions, CSV, queries in Synapse SQL (REFERENCE 2.6).

Table-like entity types whose rows are computed (views) plug into :data:`.hooks.VIEW_KINDS`.
"""

from ...core.area import Area
from ...core.hooks import hook
from ..entities.service import BUNDLE_PARTS, ENTITY_VALIDATORS, PURGE
from ..files.service import ASSOCIATIONS
from . import columns, csv_upload, file_cells, queries, schema, sources, storage, transactions

AREA = Area(
    "tables",
    schema=(columns.SCHEMA, storage.SCHEMA),
    routes=(*schema.routes, *transactions.routes, *csv_upload.routes, *queries.routes, *file_cells.routes),
    hooks=(
        hook(ENTITY_VALIDATORS, sources.validate_table_entity),
        hook(PURGE, sources.purge_tables),
        hook(BUNDLE_PARTS, sources.TABLE_BUNDLE_PART),
        hook(ASSOCIATIONS, file_cells.TABLE_ASSOCIATION),
    ),
    jobs={**transactions.jobs, **csv_upload.jobs, **queries.jobs},
    requires=("entities", "files"),
)
