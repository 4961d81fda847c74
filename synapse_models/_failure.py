"""What went wrong on the network, in a few words: the root cause of an HTTP library's exception.

``requests`` wraps urllib3, which wraps the socket's error: the text of the outer exception repeats the URL
(with its query string) and the pool's repr, and the cause that matters comes last. :func:`describe` walks
down to that cause and says it plainly, whole, and without any query string.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import attrs

from .errors import public_url, redact

__all__ = ["Failure", "describe"]

_REFUSED_HINT = "(is the server running? is the endpoint right?)"


@attrs.frozen
class Failure:
    """A failed try, described."""

    text: str
    """What happened, for a message: ``"cannot reach http://...: connection refused (...)"``."""
    sent: bool
    """Whether the request may have reached the server."""
    refused: bool = False
    """Nothing listens at the address, or the host name does not resolve."""


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (arguments, ``reason``, causes, contexts), outermost first."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        todo.extend(item for item in linked if isinstance(item, BaseException))


def describe(exc: BaseException, url: str) -> Failure:
    """Describe an exception raised while sending a request to ``url`` (or reading its answer)."""
    causes = list(_causes(exc))
    names = {type(c).__name__ for c in causes}
    where = public_url(url)
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return Failure(
                f"cannot reach {where}: connection refused {_REFUSED_HINT}", sent=False, refused=True
            )
        if isinstance(cause, socket.gaierror):
            return Failure(
                f"cannot reach {where}: its host name does not resolve ({cause.strerror or cause}; "
                "is the endpoint right?)",
                sent=False,
                refused=True,
            )
    never_sent = bool(names & {"ConnectTimeout", "NewConnectionError", "ConnectTimeoutError"})
    if never_sent:
        return Failure(
            f"cannot reach {where}: no connection could be made within the connect timeout", sent=False
        )
    if names & {"ReadTimeout", "ReadTimeoutError", "TimeoutError", "timeout"}:
        return Failure(f"no answer from {where} within the read timeout", sent=True)
    for cause in causes:
        if type(cause).__name__ == "IncompleteRead":
            partial, expected = getattr(cause, "partial", None), getattr(cause, "expected", None)
            got = len(partial) if isinstance(partial, (bytes, bytearray)) else partial
            more = f" ({got} bytes received, {expected} more expected)" if got is not None else ""
            return Failure(f"the answer from {where} was cut short{more}", sent=True)
        if isinstance(cause, ConnectionResetError):
            return Failure(f"the connection to {where} was reset", sent=True)
        if isinstance(cause, BrokenPipeError):
            return Failure(f"the connection to {where} was closed while the request was sent", sent=True)
    if names & {"ChunkedEncodingError", "ProtocolError", "RemoteDisconnected", "InvalidChunkLength"}:
        return Failure(f"the connection to {where} broke before the whole answer arrived", sent=True)
    innermost = causes[-1]
    return Failure(redact(f"{type(innermost).__name__}: {innermost}"), sent=True)
