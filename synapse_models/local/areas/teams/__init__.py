"""Teams, members, membership invitations and requests, the team ACL (REFERENCE 2.9, 3.8)."""

from ...core.area import Area
from . import crud, invitations, members

AREA = Area(
    "teams",
    schema=(crud.SCHEMA,),
    routes=(*crud.routes, *members.routes, *invitations.routes),
    requires=("users",),
)
