"""Point this process, and every process it starts, at a LocalSynapse: :func:`serving`.

Example:
    >>> from synapse_models.local import serving
    >>> with serving() as server:
    ...     ids = server.load({"Pilot": {"raw": {"a.csv": "x,y\\n1,2\\n"}}})
    ...     subprocess.run(["synapse", "get", ids["Pilot/raw/a.csv"]], check=True)

Inside the block, as a fresh user of the server:

* ``SYNAPSE_AUTH_TOKEN``, ``SYNAPSE_ENDPOINT``, ``SYNAPSE_CACHE`` and ``SYNAPSE_CONFIG_FILE`` (what
  ``synapse_models`` and ``synapse-models`` read) name the server, the user's token, a private cache and a
  private config file;
* ``HOME`` is a private directory whose ``.synapseConfig`` has the token, the ``[endpoints]`` of the server
  and a ``[cache]`` location: the official client and its ``synapse`` command find their config only at
  ``~/.synapseConfig``; ``SYNAPSE_PROFILE`` and the official client's SSM variable are unset;
* if ``synapse_models`` is loaded, its registered connections are hidden (the first verb connects from the
  environment); if the official ``synapseclient`` is loaded, its default config path (fixed when it was
  imported) is the private one and its cached client is put back afterwards.

Everything is restored on the way out, the private directory is deleted, and a server that ``serving()``
started is stopped. The environment is the process's: do not enter ``serving()`` from two threads at once.

This module never imports the client half of the package (the server must run without it): it only adjusts
the client modules that are already loaded, found in ``sys.modules``.
"""

from __future__ import annotations

import configparser
import contextlib
import functools
import inspect
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, overload

from .server import LocalSynapse

__all__ = ["Serving", "serving", "write_official_config"]

F = TypeVar("F", bound=Callable[..., Any])

# Variables that would send a client elsewhere (another profile, a token from AWS SSM): unset inside.
_UNSET = ("SYNAPSE_PROFILE", "SYNAPSE_TOKEN_AWS_SSM_PARAMETER_NAME")
_REGISTRY = "synapse_models.registry"
_OFFICIAL = "synapseclient.client"


class Serving:
    """What :func:`serving` returns: a context manager that is also a decorator."""

    def __init__(self, server: LocalSynapse | None, user: str | None, token: str | None) -> None:
        if server is not None and not isinstance(server, LocalSynapse):
            raise TypeError(f"serving() takes a LocalSynapse, not {type(server).__name__}")
        if token is not None and server is None:
            raise ValueError(
                "serving(token=...) acts as a user of a server you give: serving(server, token=...)"
            )
        if token is not None and user is not None:
            raise ValueError("serving() takes user= (a new user) or token= (an existing one), not both")
        self._server = server
        self._user = user
        self._token = token
        self._exits: list[contextlib.ExitStack] = []

    def __enter__(self) -> LocalSynapse:
        stack = contextlib.ExitStack()
        try:
            server = self._server
            if server is None:
                server = stack.enter_context(LocalSynapse())
            elif not server.running:
                server.start()
                stack.callback(server.stop)
            token = self._token or server.create_user(self._user or f"tester-{secrets.token_hex(3)}")
            home = Path(tempfile.mkdtemp(prefix="synapse-serving-"))
            stack.callback(shutil.rmtree, home, ignore_errors=True)
            config = write_official_config(home, server.endpoint, token)
            # exited in reverse: the official client's defaults are reset once HOME is the real one again
            stack.enter_context(_official_client(config))
            stack.enter_context(_environment(_variables(home, config, server.endpoint, token)))
            stack.enter_context(_registry_hidden())
        except BaseException:
            stack.close()
            raise
        self._exits.append(stack)
        return server

    def __exit__(self, *exc_info: object) -> None:
        self._exits.pop().close()

    def __call__(self, func: F) -> F:
        """Run ``func`` inside a fresh ``serving()`` block on every call (coroutine functions too)."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._again():
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._again():
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def _again(self) -> Serving:
        return Serving(self._server, self._user, self._token)


@overload
def serving(server: F, /) -> F: ...


@overload
def serving(
    server: LocalSynapse | None = None, /, *, user: str | None = None, token: str | None = None
) -> Serving: ...


def serving(
    server: LocalSynapse | Callable[..., Any] | None = None,
    /,
    *,
    user: str | None = None,
    token: str | None = None,
) -> Any:
    """Point this process and its subprocesses at a LocalSynapse, as one of its users (module docstring).

    Use it as ``with serving() as server:``, or as a decorator (``@serving`` or ``@serving(...)``) that runs
    each call of the function in a fresh block.

    Args:
        server: A LocalSynapse to use (started if it is not running, and then stopped afterwards); a new one,
            with its data in a temporary directory, by default.
        user: The name of the user to create (a unique ``tester-...`` by default). A decorated function that
            runs twice on the same ``server`` would create it twice: give it ``token=`` instead.
        token: Act as an existing user of ``server`` instead of creating one.

    Raises:
        TypeError: ``server`` is not a LocalSynapse.
        ValueError: ``token`` without ``server``, or both ``user`` and ``token``.

    Returns:
        A context manager whose ``with`` gives the running LocalSynapse.
    """
    if callable(server) and not isinstance(server, LocalSynapse):
        return Serving(None, user, token)(server)
    return Serving(server, user, token)


def write_official_config(home: Path, endpoint: str, token: str) -> Path:
    """Write ``home/.synapseConfig`` for a server and a token, with ``home/.synapseCache`` as the cache.

    The official client's format, which ``synapse_models`` reads too: ``[default] authtoken``, the
    ``[endpoints]`` of the server and a ``[cache] location``. Returns the file's path.
    """
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep repoEndpoint's case
    parser["default"] = {"authtoken": token}
    parser["endpoints"] = {
        "repoEndpoint": f"{endpoint}/repo/v1",
        "authEndpoint": f"{endpoint}/auth/v1",
        "fileHandleEndpoint": f"{endpoint}/file/v1",
        "portalEndpoint": f"{endpoint}/",
    }
    parser["cache"] = {"location": str(home / ".synapseCache")}
    home.mkdir(parents=True, exist_ok=True)
    path = home / ".synapseConfig"
    with open(path, "w", encoding="utf-8") as out:
        parser.write(out)
    path.chmod(0o600)
    return path


def _variables(home: Path, config: Path, endpoint: str, token: str) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "HOME": str(home),
        "USERPROFILE": str(home),  # what ~ means on Windows
        "SYNAPSE_AUTH_TOKEN": token,
        "SYNAPSE_ENDPOINT": endpoint,
        "SYNAPSE_CACHE": str(home / ".synapseCache"),
        "SYNAPSE_CONFIG_FILE": str(config),
    }
    values.update(dict.fromkeys(_UNSET))
    return values


@contextlib.contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for ``None``, unset) environment variables; put the old values back afterwards."""
    before = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            _set(key, value)
        yield
    finally:
        for key, value in before.items():
            _set(key, value)


def _set(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


@contextlib.contextmanager
def _registry_hidden() -> Iterator[None]:
    """Hide the registered ``synapse_models`` connections (if the client is loaded at all)."""
    registry = sys.modules.get(_REGISTRY)
    if registry is not None:
        with registry.isolated():
            yield
        return
    try:
        yield
    finally:
        registry = sys.modules.get(_REGISTRY)
        if registry is not None:  # loaded inside the block: whatever it registered points at this server
            registry.disconnect()


@contextlib.contextmanager
def _official_client(config: Path) -> Iterator[None]:
    """Give an already imported official client the private config path; restore it afterwards.

    ``synapseclient.client.CONFIG_FILE`` (and the default of ``Synapse(configPath=...)``) is
    ``~/.synapseConfig`` expanded once, at import: changing ``HOME`` later does not move it. A client first
    imported inside the block computed it from the private home, so on the way out it gets the real one.
    Its cached client (the one its models use when given none) is put back too.
    """
    module = sys.modules.get(_OFFICIAL)
    before = (str(module.CONFIG_FILE), _cached_client(module)) if module is not None else None
    if module is not None:  # and no cached client: one made before may point at production
        _set_official_state(module, str(config), None)
    try:
        yield
    finally:
        module = sys.modules.get(_OFFICIAL)
        if module is not None:
            real = (os.path.join(os.path.expanduser("~"), ".synapseConfig"), None)
            _set_official_state(module, *(before or real))


def _cached_client(module: Any) -> Any:
    return getattr(module.Synapse, "_synapse_client", None)


def _set_official_state(module: Any, config_path: str, client: Any) -> None:
    init = module.Synapse.__init__
    defaults = init.__defaults__ or ()
    names = init.__code__.co_varnames[: init.__code__.co_argcount]
    position = names.index("configPath") - (len(names) - len(defaults)) if "configPath" in names else -1
    if 0 <= position < len(defaults):
        init.__defaults__ = (*defaults[:position], config_path, *defaults[position + 1 :])
    module.CONFIG_FILE = config_path
    module.Synapse.set_client(client)
