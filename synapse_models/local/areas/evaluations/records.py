"""Evaluation queues, submissions and submission statuses (REFERENCE 2.10, 3.9).

* An evaluation has its own ACL (object type ``"evaluation"``); the creator gets the nine access types of
  REFERENCE 2.10.  Creating one needs CREATE on its ``contentSource`` project.
* A submission freezes one entity version: the request's ``?etag=`` must equal the entity's current etag
  (400 otherwise), and ``entityBundleJSON`` keeps the entity and its annotations as they were.  Each
  submission gets a SubmissionStatus (``RECEIVED``, ``statusVersion`` 0) that evaluation admins update
  with etag checks (412); ``submissionAnnotations`` are validated like entity annotations.
* Team submissions: ``GET .../team/{teamId}/submissionEligibility`` returns an ``eligibilityStateHash``
  that the submission must echo as ``submissionEligibilityHash``.

This module holds the evaluations' rows and the rules the evaluation modules share; the endpoints of
evaluations and their ACLs live in ``crud.py``, submissions in ``submissions.py``, status updates in
``statuses.py`` and rounds in ``rounds.py``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ...core import acl
from ...core.errors import BadRequest, Forbidden
from ...core.store import loads, row_by_id
from ...core.txn import Txn

REPO = "/repo/v1"


EVAL_TYPE = "evaluation"


CREATOR_ACCESS = (
    "CHANGE_PERMISSIONS",
    "CREATE",
    "DELETE",
    "DELETE_SUBMISSION",
    "READ",
    "READ_PRIVATE_SUBMISSION",
    "SUBMIT",
    "UPDATE",
    "UPDATE_SUBMISSION",
)


STATUSES = frozenset(
    {
        "OPEN",
        "CLOSED",
        "SCORED",
        "INVALID",
        "VALIDATED",
        "EVALUATION_IN_PROGRESS",
        "RECEIVED",
        "REJECTED",
        "ACCEPTED",
    }
)


def parse_status(text: str) -> str:
    """Return a SubmissionStatusEnum name; 400 in the words of Java's ``Enum.valueOf``, as Synapse answers."""
    if text not in STATUSES:
        raise BadRequest(f"No enum constant org.sagebionetworks.evaluation.model.SubmissionStatusEnum.{text}")
    return text


EVALUATION_FIELDS = (
    "description",
    "submissionInstructionsMessage",
    "submissionReceiptMessage",
    "quota",
    "status",
)


SCHEMA = """
    CREATE TABLE IF NOT EXISTS evaluations (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, owner_id INTEGER NOT NULL,
        content_source TEXT NOT NULL, etag TEXT NOT NULL, created_on TEXT NOT NULL, fields TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS submissions (
        id INTEGER PRIMARY KEY, evaluation_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
        entity_id TEXT NOT NULL, version_number INTEGER NOT NULL, team_id INTEGER, created_on TEXT NOT NULL,
        body TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS submissions_by_evaluation ON submissions(evaluation_id);
    CREATE TABLE IF NOT EXISTS evaluation_rounds (
        id INTEGER PRIMARY KEY, evaluation_id INTEGER NOT NULL, etag TEXT NOT NULL, round_start TEXT NOT NULL,
        round_end TEXT NOT NULL, limits TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS submission_statuses (
        id INTEGER PRIMARY KEY, etag TEXT NOT NULL, modified_on TEXT NOT NULL, status TEXT NOT NULL,
        status_version INTEGER NOT NULL, fields TEXT NOT NULL)
    """


def key_of(text: str) -> int:
    """An evaluation or submission id from a path, as Synapse looks it up: the number, or -1 (which no row
    has) for anything else, so ``syn123`` is simply not found."""
    text = text.strip()
    return int(text) if text.isdigit() else -1


def eval_row(db: sqlite3.Connection, evaluation_id: int, shown: str | None = None) -> sqlite3.Row:
    """The evaluation's row; 404 in Synapse's words naming the id as given (``shown``)."""
    return row_by_id(
        db,
        "evaluations",
        evaluation_id,
        f"Evaluation could not be found with id :{evaluation_id if shown is None else shown}",
    )


def evaluation_exists(db: sqlite3.Connection, evaluation_id: int) -> bool:
    return db.execute("SELECT 1 FROM evaluations WHERE id = ?", (evaluation_id,)).fetchone() is not None


def eval_json(row: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = dict(loads(row["fields"]) or {})
    body.update(
        id=str(row["id"]),
        etag=row["etag"],
        name=row["name"],
        ownerId=str(row["owner_id"]),
        createdOn=row["created_on"],
        contentSource=row["content_source"],
    )
    return body


def evaluation_access(txn: Txn, evaluation_id: int) -> set[str]:
    """The access types the caller holds on an evaluation (site admins hold all)."""
    if txn.is_admin:
        return set(CREATOR_ACCESS)
    return acl.granted(txn.db, txn.user, EVAL_TYPE, evaluation_id)


def require_evaluation_access(
    txn: Txn, evaluation_id: int, access_type: str, shown: str | None = None
) -> sqlite3.Row:
    """Return the evaluation row; 404 if missing, 403 unless the caller holds ``access_type``.

    Synapse's EvaluationManager checks (and words): the evaluation's operations.
    """
    row = eval_row(txn.db, evaluation_id, shown)
    if access_type not in evaluation_access(txn, evaluation_id):
        if txn.is_anonymous and access_type != "READ":
            raise Forbidden("Must login to perform this action")
        raise Forbidden(
            f"User {txn.user_id} is not authorized to {access_type} evaluation {evaluation_id}"
            f" ({row['name']})"
        )
    return row


def require_submissions_access(txn: Txn, evaluation_id: int, access_type: str, shown: str) -> None:
    """403 unless the caller holds ``access_type`` on the evaluation, whether it exists or not.

    Synapse's SubmissionManager checks (and words): the operations on an evaluation's submissions.
    """
    if access_type not in evaluation_access(txn, evaluation_id):
        if txn.is_anonymous and access_type != "READ":
            raise Forbidden("Must login to perform this action")
        raise Forbidden(f"User lacks {access_type} access to Evaluation {shown}")
