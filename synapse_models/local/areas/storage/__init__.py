"""Storage locations and project settings (``/storageLocation``, ``/projectSettings``).

The settings are records only: files are still stored by this server whatever location a project names.
"""

from ...core.area import Area
from ...core.hooks import hook
from ..files.service import LOCATION_OWNERS
from . import settings

AREA = Area(
    "storage",
    schema=(settings.SCHEMA,),
    routes=tuple(settings.routes),
    hooks=(hook(LOCATION_OWNERS, settings.location_owner),),
    requires=("entities", "files"),
)
