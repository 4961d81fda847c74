"""Users: profiles, user and group headers, principal aliases (REFERENCE 2.12)."""

from ...core.area import Area
from . import profiles

AREA = Area("users", routes=tuple(profiles.routes))
