"""The shared connection registry: named connections, a default, and a scoped current one.

Which connection a verb uses, first match wins:

1. the explicit ``connection=`` argument (a :class:`Connection` or a registered name);
2. the connection the object was loaded or stored through;
3. the scoped one (``with conn:`` or ``with sm.using(conn):``), kept in a ContextVar so each thread and
   asyncio task sees its own;
4. the default connection;
5. a connection made lazily from the environment, ``~/.synapseConfig`` or the keyring.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from .connection import Connection, current_connection
from .credentials import forget_token, remember_token, resolve_endpoints, resolve_token
from .errors import AuthenticationError, NotConnectedError, ValidationError
from .transport import RetryPolicy

__all__ = [
    "ConnectionLike",
    "connect",
    "connections",
    "disconnect",
    "forget",
    "get_connection",
    "isolated",
    "using",
]

ConnectionLike = Connection | str

_registry: dict[str, Connection] = {}
_default: list[str] = []
_lock = threading.RLock()


def connect(
    token: str | None = None,
    *,
    profile: str | None = None,
    endpoint: str | None = None,
    name: str = "default",
    remember: bool = False,
    pool_size: int = 64,
    retry: RetryPolicy | None = None,
    max_concurrent_requests: int | None = None,
) -> Connection:
    """Connect to Synapse, check the token, and register the connection under ``name``.

    Args:
        token: A personal access token. Without one, ``SYNAPSE_AUTH_TOKEN``, ``~/.synapseConfig`` and the OS
            keyring are tried, in that order.
        profile: A ``[profile NAME]`` section of ``~/.synapseConfig`` (also ``SYNAPSE_PROFILE``).
        endpoint: A base URL serving ``/repo/v1``, ``/auth/v1`` and ``/file/v1`` (for example a
            LocalSynapse's ``endpoint``). Defaults to ``SYNAPSE_ENDPOINT``, then the ``[endpoints]``
            section, then production Synapse.
        name: The registry name. The first connection registered becomes the default.
        remember: Save the token in the OS keyring so later sessions find it.
        pool_size: HTTP connections kept open; at least the transfer concurrency you want.
        retry: How failed requests are retried.
        max_concurrent_requests: The most requests to the Synapse services in progress at once (``0``: no
            limit). By default ``SYNAPSE_MODELS_MAX_CONCURRENT_REQUESTS``, else 3 (Synapse answers 429 to
            a user with more in progress from one machine), none for a server on the loopback address.

    Returns:
        The checked, registered connection.

    Raises:
        NotConnectedError: No token was found anywhere.
        AuthenticationError: The server rejected the token (the message names where it came from).
    """
    resolved = resolve_token(token, profile=profile)
    if resolved is None:
        raise NotConnectedError(_HOW_TO_CONNECT)
    endpoints = resolve_endpoints(endpoint)
    conn = Connection(
        endpoints,
        resolved.token,
        token_source=resolved.source,
        name=name,
        pool_size=pool_size,
        retry=retry,
        max_concurrent_requests=max_concurrent_requests,
    )
    profile_json = conn.get("/userProfile")
    if profile_json.get("userName") in (None, "anonymous"):
        raise AuthenticationError(
            401, f"the token from {resolved.source} was not accepted", "GET", conn.url("/userProfile")
        )
    conn.user_id = str(profile_json.get("ownerId"))
    conn.user_name = str(profile_json.get("userName"))
    if remember:
        remember_token(resolved.token, profile)
    with _lock:
        old = _registry.get(name)
        _registry[name] = conn
        if not _default:
            _default.append(name)
    if old is not None and old is not conn:
        old.close()
    return conn


def get_connection(
    connection: ConnectionLike | None = None, *, bound: Connection | None = None
) -> Connection:
    """Pick the connection a verb should use (see the module docstring for the order).

    Raises:
        NotConnectedError: Nothing is registered and nothing is configured.
    """
    if isinstance(connection, Connection):
        return connection
    if connection is not None and not isinstance(connection, str):
        raise ValidationError("connection", connection, "a Connection or the name of a registered one")
    if isinstance(connection, str):
        with _lock:
            found = _registry.get(connection)
        if found is None:
            raise NotConnectedError(
                f"no connection named {connection!r}; known: {sorted(_registry) or 'none'}"
            )
        return found
    chosen = bound if bound is not None else current_connection()
    if chosen is not None:
        return chosen
    with _lock:
        if _default and _default[0] in _registry:
            return _registry[_default[0]]
        if resolve_token() is None:
            raise NotConnectedError(_HOW_TO_CONNECT)
        return connect()


def known_connection(bound: Connection | None = None) -> Connection | None:
    """The connection a verb would use among those already made (``bound``, the scoped one, the default), or
    ``None``; unlike :func:`get_connection` it never connects (for properties, which do no I/O)."""
    chosen = bound if bound is not None else current_connection()
    if chosen is not None:
        return chosen
    with _lock:
        return _registry[_default[0]] if _default and _default[0] in _registry else None


@contextlib.contextmanager
def using(connection: ConnectionLike) -> Iterator[Connection]:
    """Make a connection the current one inside a ``with`` block (per thread / asyncio task).

    Example:
        >>> with sm.using("lab"):
        ...     sm.Project.get("syn123")
    """
    conn = get_connection(connection)
    with conn:
        yield conn


def connections() -> dict[str, Connection]:
    """The registered connections by name."""
    with _lock:
        return dict(_registry)


def disconnect(name: str | None = None) -> None:
    """Close and unregister one connection (by name) or all of them."""
    with _lock:
        names = [name] if name else list(_registry)
        for key in names:
            conn = _registry.pop(key, None)
            if conn is not None:
                conn.close()
            if key in _default:
                _default.remove(key)
        if not _default and _registry:
            _default.append(next(iter(_registry)))


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Hide the registered connections inside a ``with`` block (tests and ``local.serving()`` use it).

    Inside, nothing is registered, so the first verb connects from the environment as usual. On the way out
    the connections made inside are closed and the hidden ones come back, with the same default.
    """
    with _lock:
        hidden, hidden_default = dict(_registry), list(_default)
        _registry.clear()
        _default.clear()
    try:
        yield
    finally:
        disconnect()
        with _lock:
            _registry.update(hidden)
            _default[:] = hidden_default


def forget(profile: str | None = None) -> bool:
    """Remove a token saved with ``connect(..., remember=True)``; returns whether one was saved."""
    return forget_token(profile)


_HOW_TO_CONNECT = (
    "not connected to Synapse: call synapse_models.connect(token), set SYNAPSE_AUTH_TOKEN, "
    "add an 'authtoken' "
    "to the [default] section of ~/.synapseConfig, or save one with connect(token, remember=True). "
    "For offline work, start synapse_models.local.LocalSynapse() and use its .connect()."
)
