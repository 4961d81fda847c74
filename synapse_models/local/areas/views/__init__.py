"""Views: tables whose rows are computed from entities or submissions (REFERENCE 2.7).

The area serves EntityView and SubmissionView (rows from a scope), Dataset and DatasetCollection (rows from
chosen entity versions, ``items``) to the tables area as view kinds (``tables.service.VIEW_KINDS``): their
body rules (``scope``, ``items``), rows (``rows``, ``items``; EntityView rows are computed in SQL for
queries, ``listing``) and writes (``writes``).
"""

from ...core.area import Area
from ...core.hooks import hook
from ..tables.service import VIEW_KINDS, ViewKind
from . import defaults, items, listing, rows, scope, suggestions, writes

#: One view kind per view type; the functions tell the types apart by the record's type.
_KINDS = tuple(
    ViewKind(
        concrete_type,
        scope.validate_view_body,
        rows.view_rows,
        writes.apply_view_rows,
        check_snapshot=scope.check_snapshot,
        computed=listing.computed_rows,
    )
    for concrete_type in (scope.ENTITY_VIEW, scope.SUBMISSION_VIEW)
) + tuple(
    ViewKind(
        concrete_type,
        items.validate_items,
        items.item_rows,
        writes.apply_view_rows,
        check_snapshot=items.check_snapshot,
    )
    for concrete_type in (items.DATASET, items.DATASET_COLLECTION)
)

AREA = Area(
    "views",
    routes=(*defaults.routes, *suggestions.routes),
    hooks=tuple(hook(VIEW_KINDS, kind) for kind in _KINDS),
    jobs=suggestions.jobs,
    requires=("entities", "files", "evaluations", "tables"),
)
