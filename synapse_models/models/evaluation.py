"""Evaluation queues (challenges): evaluations, submissions and their scored statuses."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import attrs

from .._convert import READ_ONLY, WIRE_NAME, from_wire, to_wire
from ..connection import Connection
from ..errors import ForbiddenError, NotFoundError, ValidationError
from ..registry import ConnectionLike, get_connection
from ._entity_fields import entity_id_of
from ._html import escape, grid, section, value_html
from ._stored import Stored
from ._wire import EntityVersion, PrincipalRef, SubmissionParams, SubmissionRequest, TeamEligibility
from .acl import Shareable
from .annotations import Annotations, to_annotations
from .entity import Entity, EntityLike
from .ids import numeric_id, parse_entity_id
from .listing import Listing, offset_listing
from .permissions import UserEvaluationPermissions
from .principals import resolve_principal

__all__ = ["Evaluation", "Submission", "SubmissionStatus", "SubmissionStatusEnum"]

_SUBMISSION_IDS = "submission ids are numbers"


class SubmissionStatusEnum(enum.Enum):
    """Where a submission is in the scoring workflow."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    SCORED = "SCORED"
    INVALID = "INVALID"
    VALIDATED = "VALIDATED"
    EVALUATION_IN_PROGRESS = "EVALUATION_IN_PROGRESS"
    RECEIVED = "RECEIVED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"


def _to_status(value: SubmissionStatusEnum | str | None) -> SubmissionStatusEnum | None:
    if value is None or isinstance(value, SubmissionStatusEnum):
        return value
    name = value.strip().upper() if isinstance(value, str) else None
    if name not in SubmissionStatusEnum.__members__:
        choices = ", ".join(SubmissionStatusEnum.__members__)
        raise ValidationError("status", value, f"not a submission status; choose from {choices}")
    return SubmissionStatusEnum[name]


def _content_source(value: EntityLike | None) -> str | None:
    return entity_id_of(value, "content_source")


def _check_name(_: object, __: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("name", value, "an evaluation needs a non-empty name")


@attrs.define
class Evaluation(Stored, Shareable):
    """An evaluation queue: people submit entities to it and its admins score them.

    Example:
        >>> queue = Evaluation("Pilot challenge", content_source=project,
        ...                    submission_instructions="Submit a predictions file").store()
        >>> submission = queue.submit(predictions_file, name="my first try")
    """

    _RESEND_AMBIGUOUS_CREATE: ClassVar[bool] = True

    ACL_KIND: ClassVar[str] = "evaluation"
    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "content_source")

    name: str = attrs.field(validator=_check_name)
    """The unique name of the queue."""
    id: str | None = attrs.field(default=None, kw_only=True)
    """The evaluation id; ``None`` until stored."""
    content_source: str | None = attrs.field(default=None, kw_only=True, converter=_content_source)
    """The project the queue belongs to (give the project or its id)."""
    description: str | None = attrs.field(default=None, kw_only=True)
    submission_instructions: str | None = attrs.field(
        default=None, kw_only=True, metadata={WIRE_NAME: "submissionInstructionsMessage"}
    )
    """Shown to people before they submit."""
    submission_receipt: str | None = attrs.field(
        default=None, kw_only=True, metadata={WIRE_NAME: "submissionReceiptMessage"}
    )
    """Shown to people after they submit."""
    etag: str | None = attrs.field(default=None, kw_only=True)
    """Sent on update; a stale one gives PreconditionFailedError."""
    owner_id: str | None = attrs.field(default=None, kw_only=True, init=False, metadata={READ_ONLY: True})
    """The creator's principal id."""
    created_on: datetime | None = attrs.field(
        default=None, kw_only=True, init=False, metadata={READ_ONLY: True}
    )

    @classmethod
    def get(
        cls,
        id: int | str | Evaluation | None = None,
        *,
        name: str | None = None,
        connection: ConnectionLike | None = None,
    ) -> Evaluation:
        """Load an evaluation by id, or by name.

        Raises:
            ValidationError: Neither (or a malformed) id nor name was given.
            NotFoundError: No such evaluation, or you cannot see it.
        """
        conn = get_connection(connection)
        if id is None:
            if not name or not isinstance(name, str):
                raise ValidationError("name" if name else "id", name, "give an evaluation id or name= (text)")
            return cls._load(conn, conn.get(f"/evaluation/name/{quote(name, safe='')}"))
        evaluation_id = numeric_id(id, "id", "evaluation ids are numbers", objects=(Evaluation,))
        return cls._load(conn, conn.get(f"/evaluation/{evaluation_id}"))

    def store(self, *, connection: ConnectionLike | None = None, create_or_update: bool = True) -> Evaluation:
        """Create the queue, or update it (etag-checked); nothing is sent when nothing changed.

        Args:
            connection: The connection to use (object or registered name).
            create_or_update: When creating and an evaluation of that name exists, update that one instead
                (values left unset here keep the existing ones). ``False`` raises ConflictError.

        Raises:
            ValidationError: No content source (before any request).
            ConflictError: Another evaluation has the name and ``create_or_update`` is False (or you cannot
                see it).
            PreconditionFailedError: The evaluation changed since you read it.
        """
        conn = self._conn(connection)
        if self.content_source is None:
            raise ValidationError("content_source", None, "give the project: content_source=")
        return self._write(conn, create_or_update=create_or_update)

    def _create_path(self) -> str:
        return "/evaluation"

    def _update_path(self) -> str:
        return f"/evaluation/{self.id}"

    def _find_existing(self, conn: Connection) -> Evaluation | None:
        """The evaluation that has this name (``None`` when there is none you can see)."""
        try:
            return self._load(conn, conn.get(f"/evaluation/name/{quote(self.name, safe='')}"))
        except (NotFoundError, ForbiddenError):
            return None

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete the queue and its submissions."""
        conn, evaluation_id = self._acl_owner(connection)
        conn.delete(f"/evaluation/{evaluation_id}")
        self._forget()

    def permissions(self, *, connection: ConnectionLike | None = None) -> UserEvaluationPermissions:
        """What the current user may do with this queue, as the server computes it."""
        result: UserEvaluationPermissions = super().permissions(connection=connection)
        return result

    # -- submissions ---------------------------------------------------------------------------------

    def submit(
        self,
        entity: EntityLike,
        *,
        name: str | None = None,
        team: Any = None,
        submitter_alias: str | None = None,
        connection: ConnectionLike | None = None,
    ) -> Submission:
        """Submit the current version of an entity (object or id) to this queue.

        The entity is read first for its current etag and version, which the server checks.

        Args:
            entity: What to submit (``"syn12"`` or ``"syn12.3"`` for a given version).
            name: The submission's name (defaults to the entity's name).
            team: Submit on behalf of a team (object, id or name); its eligible members become contributors.
            submitter_alias: The name shown on leaderboards.
        """
        conn, evaluation_id = self._acl_owner(connection)
        if isinstance(entity, Entity):
            if entity.id is None:
                raise ValidationError("entity", entity.name, "store() the entity before submitting it")
            entity_id, version = entity.id, None
        else:
            entity_id, version = parse_entity_id(entity, "entity")
        path = f"/entity/{entity_id}" + (f"/version/{version}" if version else "")
        current = from_wire(EntityVersion, conn.get(path))
        request = SubmissionRequest(
            evaluation_id=evaluation_id,
            entity_id=entity_id,
            version_number=current.version_number,
            name=name,
            submitter_alias=submitter_alias,
        )
        params = SubmissionParams(etag=current.etag)
        if team is not None:
            team_id = str(resolve_principal(conn, team, "team"))
            eligibility = from_wire(
                TeamEligibility, conn.get(f"/evaluation/{evaluation_id}/team/{team_id}/submissionEligibility")
            )
            request.team_id = team_id
            request.contributors = [
                PrincipalRef(principal_id=m.principal_id)
                for m in eligibility.members_eligibility
                if m.is_eligible and not m.has_conflicting_submission
            ]
            params.submission_eligibility_hash = eligibility.eligibility_state_hash
        answer = conn.post("/evaluation/submission", to_wire(request), params=to_wire(params))
        return Submission._load(conn, answer)

    def submissions(
        self,
        status: SubmissionStatusEnum | str | None = None,
        *,
        mine: bool = False,
        connection: ConnectionLike | None = None,
    ) -> Listing[Submission]:
        """The submissions, lazily (all of them, for queue admins; only yours with ``mine=True``).

        Args:
            status: Only those with this status.
            mine: Only the current user's submissions (what a participant may list).
        """
        wanted = _to_status(status)
        conn, evaluation_id = self._acl_owner(connection)
        path = f"/evaluation/{evaluation_id}/submission" + ("" if mine else "/all")
        params = {"status": wanted.value} if wanted else None
        what = f"{'your ' if mine else ''}submissions to {self.name}"
        what += f" ({wanted.value})" if wanted else ""
        return offset_listing(conn, what, path, lambda item: Submission._load(conn, item), params=params)

    def statuses(
        self, status: SubmissionStatusEnum | str | None = None, *, connection: ConnectionLike | None = None
    ) -> Listing[SubmissionStatus]:
        """The statuses of all submissions (queue admins), lazily."""
        wanted = _to_status(status)
        conn, evaluation_id = self._acl_owner(connection)
        params = {"status": wanted.value} if wanted else None
        what = f"statuses of the submissions to {self.name}" + (f" ({wanted.value})" if wanted else "")
        return offset_listing(
            conn,
            what,
            f"/evaluation/{evaluation_id}/submission/status/all",
            lambda item: SubmissionStatus._load(conn, item),
            params=params,
        )


@attrs.define(kw_only=True)
class Submission(Stored):
    """An entity version submitted to an evaluation queue (read-only once made)."""

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "entity_id", "version_number", "evaluation_id")
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("id", "name", "entity_id", "version_number", "user_id",
                                              "created_on")

    id: str
    """The submission id."""
    evaluation_id: str
    entity_id: str
    version_number: int
    name: str | None = None
    team_id: str | None = None
    submitter_alias: str | None = None
    contributors: list[dict[str, Any]] | None = None
    docker_repository_name: str | None = None
    docker_digest: str | None = None
    user_id: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """Who submitted it."""
    created_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    evaluation_round_id: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    entity_bundle_json: str | None = attrs.field(
        default=None, init=False, repr=False, metadata={READ_ONLY: True, WIRE_NAME: "entityBundleJSON"}
    )
    """A JSON snapshot of the entity and its annotations at submission time."""

    @classmethod
    def get(cls, id: int | str | Submission, *, connection: ConnectionLike | None = None) -> Submission:
        """Load a submission by id (or reload a Submission object)."""
        conn = get_connection(connection)
        submission_id = numeric_id(id, "id", _SUBMISSION_IDS, objects=(Submission,))
        return cls._load(conn, conn.get(f"/evaluation/submission/{submission_id}"))

    def status(self, *, connection: ConnectionLike | None = None) -> SubmissionStatus:
        """The submission's current status (change it and ``store()`` it to score the submission)."""
        conn = self._conn(connection)
        return SubmissionStatus._load(conn, conn.get(f"/evaluation/submission/{self.id}/status"))

    def delete(self, *, connection: ConnectionLike | None = None) -> None:
        """Delete the submission (queue admins)."""
        self._conn(connection).delete(f"/evaluation/submission/{self.id}")


@attrs.define(kw_only=True)
class SubmissionStatus(Stored):
    """The scoring state of a submission: a status and typed score annotations (etag-checked on store).

    Example:
        >>> status = submission.status()
        >>> status.status = SubmissionStatusEnum.SCORED
        >>> status.submission_annotations["auc"] = 0.91
        >>> status.store()
    """

    _REPR_FIELDS: ClassVar[tuple[str, ...]] = ("id", "status", "entity_id", "submission_annotations")
    _ROW_FIELDS: ClassVar[tuple[str, ...]] = ("id", "status", "entity_id", "version_number",
                                              "submission_annotations", "modified_on")
    _HTML_HIDDEN: ClassVar[frozenset[str]] = frozenset({"etag", "submission_annotations"})

    id: str
    """The submission id."""
    etag: str | None = None
    status: SubmissionStatusEnum | None = attrs.field(default=None, converter=_to_status)
    submission_annotations: Annotations = attrs.field(factory=Annotations, converter=to_annotations)
    """Scores and other results, typed like entity annotations."""
    entity_id: str | None = None
    version_number: int | None = None
    can_cancel: bool | None = None
    cancel_requested: bool | None = None
    modified_on: datetime | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    status_version: int | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})

    @classmethod
    def get(cls, submission_id: int | str | Submission | SubmissionStatus, *,
            connection: ConnectionLike | None = None) -> SubmissionStatus:
        """Load the status of a submission by the submission's id (or the Submission itself; one request)."""
        conn = get_connection(connection)
        submission = numeric_id(submission_id, "submission_id", _SUBMISSION_IDS,
                                objects=(Submission, SubmissionStatus))
        return cls._load(conn, conn.get(f"/evaluation/submission/{submission}/status"))

    def _wire(self) -> dict[str, Any]:
        # the scores travel as an Annotations v2 body naming the status and its etag
        return to_wire(self, submission_annotations=self.submission_annotations.to_body(self.id, self.etag))

    def _update_path(self) -> str:
        return f"/evaluation/submission/{self.id}/status"

    def store(self, *, connection: ConnectionLike | None = None) -> SubmissionStatus:
        """Save the status and annotations (etag-checked); nothing is sent when nothing changed.

        Raises:
            PreconditionFailedError: Someone else changed the status since you read it.
            ForbiddenError: You may not score this queue.
        """
        return self._write(self._conn(connection))

    def _html_sections(self, names: Mapping[str, str]) -> list[str]:
        if not self.submission_annotations:
            return []
        rows = [(escape(key), value_html(values)) for key, values in self.submission_annotations.items()]
        return [section("scores", grid(["key", "values"], rows))]
