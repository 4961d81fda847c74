"""Teams, members, membership invitations and requests, the team ACL (REFERENCE 2.9, 3.8)."""

from ...core.area import Area
from . import crud, invitations, members, records

AREA = Area(
    "teams",
    schema=(records.SCHEMA,),
    routes=(*crud.routes, *members.routes, *invitations.routes),
    requires=("users",),
)
