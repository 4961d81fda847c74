"""Every exception synapse_models raises.

The tree::

    SynapseError
    ├── NotConnectedError        no connection registered and none could be made from the environment
    ├── CredentialsError         a token source is unusable (unreadable config, unknown profile...)
    ├── ValidationError          bad input caught before any request; names the field and the value
    │   └── ManifestError        a sync manifest has bad rows (.problems: every one, with its line)
    ├── TransportError           connection refused/reset, timeout, a body cut short, after retries
    ├── AsyncJobError            an asynchronous job failed or did not finish in time
    ├── TransferError            an upload or download could not complete (e.g. md5 mismatch)
    ├── ViewUpdateError          some rows of a view update were not written (.failures, .updated)
    └── HTTPError                .status .reason .method .url
        ├── BadRequestError          400
        ├── AuthenticationError      401
        ├── ForbiddenError           403
        ├── NotFoundError            404
        ├── ConflictError            409  (name clash)
        ├── PreconditionFailedError  412  (stale etag)
        ├── RateLimitError           429
        └── ServerError              5xx

:class:`EntityUpdateFailure` is not an exception: it is one item of :attr:`ViewUpdateError.failures`;
likewise :class:`ManifestProblem` is one item of :attr:`ManifestError.problems`.

An :class:`HTTPError` carries the method and the full URL of the request that failed, without its query
string, so ``str(err)`` reads like
``404 Not Found: GET https://repo-prod.prod.sagebase.org/repo/v1/entity/syn9 — The resource ... not found``
and never contains a token or the signature of a presigned URL.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import attrs

from ._repr import Shown

__all__ = [
    "AsyncJobError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CredentialsError",
    "EntityUpdateFailure",
    "ForbiddenError",
    "HTTPError",
    "ManifestError",
    "ManifestProblem",
    "NotConnectedError",
    "NotFoundError",
    "PreconditionFailedError",
    "RateLimitError",
    "ServerError",
    "SynapseError",
    "TransferError",
    "TransportError",
    "ValidationError",
    "ViewUpdateError",
    "error_for_response",
    "error_for_status",
    "public_url",
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
    """The server could not be reached, or the connection broke, even after retries.

    Attributes:
        method: The HTTP method of the request, when known.
        url: Its full URL without the query string, when known.
        sent: ``False`` when the request certainly never reached the server (the connection could not be
            made), so that resending it cannot repeat a write.
        refused: ``True`` when nothing listens at the address (connection refused) or the host name does
            not resolve: a stopped server or a wrong endpoint.
    """

    def __init__(
        self, message: str, *, method: str = "", url: str = "", sent: bool = True, refused: bool = False
    ) -> None:
        self.method = method
        self.url = public_url(url)
        self.sent = sent
        self.refused = refused
        super().__init__(redact(message))


class AsyncJobError(SynapseError):
    """An asynchronous job failed, or did not finish within the allowed time."""


class TransferError(SynapseError):
    """A file transfer could not complete; nothing partial is left as if complete.

    Its message never holds a query string (a presigned URL's signature), whatever it quotes.
    """

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


@attrs.define(frozen=True)
class EntityUpdateFailure(Shown):
    """One entity a view update could not change."""

    entity_id: str
    """The entity (the row)."""
    code: str
    """NOT_FOUND, UNAUTHORIZED, CONCURRENT_UPDATE (stale ROW_ETAG), ILLEGAL_ARGUMENT or UNKNOWN."""
    message: str
    """The server's explanation."""


class ViewUpdateError(SynapseError):
    """Some rows of a view's ``update()`` were not written; the others were.

    Attributes:
        failures: One :class:`EntityUpdateFailure` per entity that was not changed.
        updated: The ids of the entities that were changed.
    """

    def __init__(self, failures: list[EntityUpdateFailure], updated: list[str]) -> None:
        self.failures = failures
        self.updated = updated
        listed = "; ".join(f"{f.entity_id}: {f.code} {f.message}" for f in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(
            f"{len(failures)} of {len(failures) + len(updated)} entities were not updated: {listed}{more}"
        )


class HTTPError(SynapseError):
    """The server answered with an error status.

    Attributes:
        status: The HTTP status code.
        reason: The server's explanation (the ``reason`` of its ErrorResponse).
        method: The HTTP method of the failed request.
        url: The full URL of the failed request, without its query string.
    """

    applied: str = ""
    """For an operation of several requests that failed part way, what of it was applied
    (``"the fields of syn1 were stored, its annotations were not"``); empty otherwise."""

    def __init__(self, status: int, reason: str, method: str = "", url: str = "") -> None:
        self.status = status
        self.reason = redact(reason)
        self.method = method
        self.url = public_url(url)
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        where = f": {method} {self.url}" if method else ""
        text = f"{status} {phrase}{where}"
        super().__init__(f"{text} — {self.reason}" if self.reason else text)

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

# the query string of a URL (where presigned URLs keep their signature) quoted in a message
_QUERY = re.compile(r"((?:https?://|/)[^\s?'\"<>]*)\?[^\s'\"<>)\]]*")


def public_url(url: str) -> str:
    """``url`` without its query string, fragment and user info: safe to show in messages and logs."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme:
        return url.split("?", 1)[0].split("#", 1)[0]
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def redact(text: str) -> str:
    """``text`` with every query string removed (a URL quoted in a message may carry a signature)."""
    return _QUERY.sub(r"\1", text)


def error_for_status(status: int, reason: str, method: str = "", url: str = "") -> HTTPError:
    """Build the exception that matches an HTTP error status."""
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else HTTPError)
    return cls(status, reason, method, url)


def error_for_response(status: int, body: bytes, method: str, url: str) -> HTTPError:
    """Build the exception for an error answer, with the reason taken from its body.

    Args:
        status: The status of the answer.
        body: Its body: Synapse's ``ErrorResponse`` JSON, an OAuth error, or text (kept to 300 characters).
        method: The method of the request.
        url: The URL of the request (its query string is dropped).
    """
    reason = ""
    try:
        payload = json.loads(body) if body else None
        if isinstance(payload, dict):
            reason = str(payload.get("reason") or payload.get("error_description") or "")
    except ValueError:
        reason = body[:300].decode("utf-8", "replace").strip()
    return error_for_status(status, reason, method, url)


@attrs.frozen
class ManifestProblem(Shown):
    """One bad row (or column) of a manifest."""

    line: int
    """The line in the file (the header is line 1); 0 for a problem with the whole file."""
    field: str
    value: Any
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "manifest"
        return f"{where}: {self.field}={self.value!r}: {self.problem}"


class ManifestError(ValidationError):
    """A manifest has bad rows; ``problems`` lists every one of them (nothing was written)."""

    def __init__(self, source: str, problems: list[ManifestProblem]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:200])
        more = f"\n  ... and {len(problems) - 200} more" if len(problems) > 200 else ""
        super().__init__(
            "manifest", source, f"{len(problems)} problem(s), nothing was written:\n  {shown}{more}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.source, self.problems)
