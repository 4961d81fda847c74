"""The REST areas of the embedded server, one package per concept, and :data:`AREAS`, the default tuple.

An area is listed after the areas it requires (its ``AREA.requires``):

    status, admin, users            need only the core
    entities                        needs only the core
    files, provenance               need entities
    teams                           needs users
    evaluations                     needs entities, files, teams
    tables                          needs entities, files
    views                           needs entities, files, evaluations, tables
    derived                         needs entities, tables
    wiki                            needs entities, files, evaluations
    storage                         needs entities, files
    schemas                         needs entities
    messages                        needs files

Removing a leaf area (status, admin, provenance, views, derived, wiki, storage, schemas, messages) is deleting
its folder and its line below.
"""

from ..core.area import Area
from .admin import AREA as ADMIN
from .derived import AREA as DERIVED
from .entities import AREA as ENTITIES
from .evaluations import AREA as EVALUATIONS
from .files import AREA as FILES
from .messages import AREA as MESSAGES
from .provenance import AREA as PROVENANCE
from .schemas import AREA as SCHEMAS
from .status import AREA as STATUS
from .storage import AREA as STORAGE
from .tables import AREA as TABLES
from .teams import AREA as TEAMS
from .users import AREA as USERS
from .views import AREA as VIEWS
from .wiki import AREA as WIKI

AREAS: tuple[Area, ...] = (
    STATUS,
    ADMIN,
    USERS,
    ENTITIES,
    FILES,
    PROVENANCE,
    TEAMS,
    EVALUATIONS,
    TABLES,
    VIEWS,
    DERIVED,
    WIKI,
    STORAGE,
    SCHEMAS,
    MESSAGES,
)
