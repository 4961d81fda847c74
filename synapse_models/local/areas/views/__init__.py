"""Views: tables whose rows are computed from entities or submissions (REFERENCE 2.7).

The area serves EntityView and SubmissionView to the tables area as view kinds (``tables.hooks.VIEW_KINDS``).
"""

from ...core.area import Area
from ...core.hooks import hook
from ..tables.service import VIEW_KINDS
from . import rows

AREA = Area(
    "views",
    routes=tuple(rows.routes),
    hooks=tuple(hook(VIEW_KINDS, kind) for kind in rows.VIEW_KINDS),
    jobs=rows.jobs,
    requires=("entities", "files", "evaluations", "tables"),
)
