"""Service information: the base paths, version, status and health check."""

from ...core.area import Area
from . import info

AREA = Area("status", routes=tuple(info.routes))
