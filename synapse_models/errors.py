"""Every exception synapse_models raises.

The tree::

    SynapseError
    ├── NotConnectedError        no connection registered and none could be made from the environment
    ├── CredentialsError         a token source is unusable (unreadable config, unknown profile...)
    ├── ValidationError          bad input caught before any request; names the field and the value
    ├── TransportError           connection refused/reset, timeout, after retries
    ├── AsyncJobError            an asynchronous job failed or did not finish in time
    ├── TransferError            an upload or download could not complete (e.g. md5 mismatch)
    └── HTTPError                .status .reason .method .url
        ├── BadRequestError          400
        ├── AuthenticationError      401
        ├── ForbiddenError           403
        ├── NotFoundError            404
        ├── ConflictError            409  (name clash)
        ├── PreconditionFailedError  412  (stale etag)
        ├── RateLimitError           429
        └── ServerError              5xx

``str(err)`` reads like
``404 Not Found: GET /repo/v1/entity/syn9 — The resource you are attempting to access cannot be found``
and never contains a token.
"""

from __future__ import annotations

from http import HTTPStatus

__all__ = [
    "AsyncJobError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CredentialsError",
    "ForbiddenError",
    "HTTPError",
    "NotConnectedError",
    "NotFoundError",
    "PreconditionFailedError",
    "RateLimitError",
    "ServerError",
    "SynapseError",
    "TransferError",
    "TransportError",
    "ValidationError",
]


class SynapseError(Exception):
    """Base class of every error raised by synapse_models."""


class NotConnectedError(SynapseError):
    """No connection is registered and none could be made from the environment."""


class CredentialsError(SynapseError):
    """A credential source could not be used."""


class ValidationError(SynapseError, ValueError):
    """Input rejected before any request was sent.

    Attributes:
        field: The name of the offending field (``"name"``, ``"annotations['age']"``...).
        value: The offending value.
    """

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}={value!r}: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        # results of bulk work cross process boundaries (process pools, dask): rebuild from the fields
        return type(self), (self.field, self.value, self.problem)


class TransportError(SynapseError):
    """The server could not be reached, or the connection broke, even after retries."""


class AsyncJobError(SynapseError):
    """An asynchronous job failed, or did not finish within the allowed time."""


class TransferError(SynapseError):
    """A file transfer could not complete; nothing partial is left as if complete."""


class HTTPError(SynapseError):
    """The server answered with an error status.

    Attributes:
        status: The HTTP status code.
        reason: The server's explanation (the ``reason`` of its ErrorResponse).
        method: The HTTP method of the failed request.
        url: The path of the failed request, without query string.
    """

    def __init__(self, status: int, reason: str, method: str = "", url: str = "") -> None:
        self.status = status
        self.reason = reason
        self.method = method
        self.url = url
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        where = f": {method} {url}" if method else ""
        super().__init__(f"{status} {phrase}{where} — {reason}" if reason else f"{status} {phrase}{where}")

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.status, self.reason, self.method, self.url)


class BadRequestError(HTTPError):
    """400: the server rejected the request's content."""


class AuthenticationError(HTTPError):
    """401: the token is invalid or expired."""


class ForbiddenError(HTTPError):
    """403: authenticated but not permitted, or anonymous and the action needs a login."""


class NotFoundError(HTTPError):
    """404: the object does not exist, is in the trash, or is not visible to you."""


class ConflictError(HTTPError):
    """409: a name or uniqueness conflict."""


class PreconditionFailedError(HTTPError):
    """412: the etag sent is stale; someone else changed the object. Get it again and retry."""


class RateLimitError(HTTPError):
    """429: too many requests, even after waiting as the server asked."""


class ServerError(HTTPError):
    """5xx: the server failed, even after retries."""


_BY_STATUS: dict[int, type[HTTPError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    429: RateLimitError,
}


def error_for_status(status: int, reason: str, method: str = "", url: str = "") -> HTTPError:
    """Build the exception that matches an HTTP error status."""
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else HTTPError)
    return cls(status, reason, method, url)
