"""Evaluation queues, rounds, submissions and submission statuses (REFERENCE 2.10, 3.9)."""

from ...core.area import Area
from ...core.hooks import hook
from ..files.service import ASSOCIATIONS
from . import crud, records, rounds, statuses, submissions

AREA = Area(
    "evaluations",
    schema=(records.SCHEMA,),
    routes=(*crud.routes, *rounds.routes, *submissions.routes, *statuses.routes),
    hooks=(hook(ASSOCIATIONS, submissions.SUBMISSION_ATTACHMENT),),
    requires=("entities", "files", "teams"),
)
