"""What other areas may use of the evaluations area: evaluations, access to them, submissions, its hook point.

* ``evaluation_exists(db, id)``, ``evaluation_access(txn, id)`` (the access types the caller holds);
* ``submissions_with_status(db, id)`` — every submission of an evaluation with its status
  (:class:`SubmissionRow`), for submission views;
* ``EVALUATION_DELETED`` — run when an evaluation is deleted.
"""

from .hooks import EVALUATION_DELETED
from .records import evaluation_access, evaluation_exists
from .submissions import SubmissionRow, submissions_with_status

__all__ = [
    "EVALUATION_DELETED",
    "SubmissionRow",
    "evaluation_access",
    "evaluation_exists",
    "submissions_with_status",
]
