"""Wiki pages, V1 and V2 (REFERENCE 2.8, 3.7)."""

from ...core.area import Area
from ...core.hooks import hook
from ..entities.service import BUNDLE_PARTS, PURGE
from ..evaluations.service import EVALUATION_DELETED
from ..files.service import ASSOCIATIONS
from . import api, pages

AREA = Area(
    "wiki",
    schema=(pages.SCHEMA,),
    routes=tuple(api.routes),
    hooks=(
        hook(ASSOCIATIONS, pages.MARKDOWN_ASSOCIATION),
        hook(ASSOCIATIONS, pages.ATTACHMENT_ASSOCIATION),
        hook(BUNDLE_PARTS, pages.ROOT_WIKI_PART),
        hook(PURGE, pages.purge_entity_pages),
        hook(EVALUATION_DELETED, pages.delete_evaluation_pages),
    ),
    requires=("entities", "files", "evaluations"),
)
