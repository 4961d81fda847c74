"""Provenance: activities and the generatedBy link of entity versions (REFERENCE 2.4, 3.3)."""

from ...core.area import Area
from ...core.hooks import hook
from ..entities.service import ACTIVITY_VALIDATOR, BUNDLE_PARTS
from . import activities

AREA = Area(
    "provenance",
    schema=(activities.SCHEMA,),
    routes=tuple(activities.routes),
    hooks=(
        hook(ACTIVITY_VALIDATOR, activities.validate_generated_by),
        hook(BUNDLE_PARTS, activities.ACTIVITY_PART),
    ),
    requires=("entities",),
)
