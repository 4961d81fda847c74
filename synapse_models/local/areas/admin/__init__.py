"""The admin API of the local server (outside the Synapse paths): users, faults, request statistics."""

from ...core.area import Area
from . import endpoints

AREA = Area("admin", routes=tuple(endpoints.routes))
