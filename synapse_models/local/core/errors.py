"""HTTP errors raised by handlers; the app turns them into Synapse ``ErrorResponse`` bodies.

Raise the subclass that matches REFERENCE 1.4::

    raise NotFound(f"Entity {entity_id} does not exist")
    raise PreconditionFailed(...)        # stale etag (412, never 409)
    raise HttpError(418, "any status")   # the generic form
"""

from __future__ import annotations

from typing import Any

from .constants import ERROR_RESPONSE_TYPE


class HttpError(Exception):
    """An error answer: ``status`` plus the ``reason`` of the ErrorResponse body."""

    status: int = 500

    def __init__(
        self,
        status: int,
        reason: str,
        *,
        headers: dict[str, str] | None = None,
        error_code: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = dict(headers or {})
        self.error_code = error_code

    def body(self) -> dict[str, Any]:
        """Return the JSON ErrorResponse of this error."""
        body: dict[str, Any] = {"concreteType": ERROR_RESPONSE_TYPE, "reason": self.reason}
        if self.error_code:
            body["errorCode"] = self.error_code
        return body


class _FixedStatus(HttpError):
    """Base of the errors whose status is implied by the class."""

    def __init__(
        self, reason: str, *, headers: dict[str, str] | None = None, error_code: str | None = None
    ) -> None:
        super().__init__(type(self).status, reason, headers=headers, error_code=error_code)


class BadRequest(_FixedStatus):
    status = 400


class Unauthorized(_FixedStatus):
    status = 401

    def __init__(self, reason: str = "Invalid access token") -> None:
        super().__init__(reason, headers={"WWW-Authenticate": 'Bearer realm="Synapse Repository Services"'})


class Forbidden(_FixedStatus):
    status = 403


class NotFound(_FixedStatus):
    status = 404


class MethodNotAllowed(_FixedStatus):
    status = 405


class Conflict(_FixedStatus):
    status = 409


class Gone(_FixedStatus):
    status = 410


class PreconditionFailed(_FixedStatus):
    status = 412


class ServiceUnavailable(_FixedStatus):
    status = 503


def login_required() -> Forbidden:
    """Return the 403 an anonymous caller gets for anything that needs a login."""
    return Forbidden("Must login to perform this action")


def stale_etag(object_id: str) -> PreconditionFailed:
    """Return the 412 of an optimistic-concurrency conflict on ``object_id``."""
    return PreconditionFailed(
        f"Object: {object_id} was updated since you last fetched it,"
        " retrieve it again and re-apply the update"
    )
