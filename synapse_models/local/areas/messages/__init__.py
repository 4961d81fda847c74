"""Messages between users (REFERENCE: MessageController): send to users or teams, read the inbox and outbox,
mark a message read, fetch its body.

A message's body is a file handle its sender uploaded (``text/plain`` or ``text/html``). Delivery is
immediate here (Synapse delivers, and e-mails, from a worker): each recipient, and each member of a recipient
team the sender may message, gets an UNREAD status in their inbox. No e-mail is sent.
"""

from ...core.area import Area
from ...core.hooks import hook
from ..files.service import ASSOCIATIONS
from . import reading, records, sending

AREA = Area(
    "messages",
    schema=(records.SCHEMA,),
    routes=(*sending.routes, *reading.routes),
    hooks=(hook(ASSOCIATIONS, reading.MESSAGE_ATTACHMENT),),
    requires=("files",),
)
