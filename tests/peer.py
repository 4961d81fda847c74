"""The official ``synapseclient`` pointed at a LocalSynapse (as ``/work/shared/peer/README.md`` describes).

One place builds it for the conformance fixtures, the live interop tests and the benchmarks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class _Endpoint(Protocol):
    """A LocalSynapse, or a test proxy in front of one: anything with a base URL."""

    @property
    def endpoint(self) -> str: ...


def official_client(
    server: _Endpoint,
    token: str,
    home: Path,
    *,
    log_level: int | None = None,
    multi_threaded: bool | None = None,
    cache_client: bool = False,
) -> Any:
    """Return an official client logged in with ``token`` that talks only to ``server``.

    Args:
        server: The LocalSynapse to talk to (or a proxy in front of it: anything with an ``endpoint``).
        token: The user's access token.
        home: Where the client keeps its config file and its download cache.
        log_level: Set the client's logger to this level before logging in (``None``: its default).
        multi_threaded: Set the client's ``multi_threaded`` after logging in (``None``: its default).
        cache_client: Let it register itself as the process's default client (its own default is ``True``;
            off here so that tests never use a client they did not pass).
    """
    import synapseclient

    base = server.endpoint
    syn = synapseclient.Synapse(
        repoEndpoint=f"{base}/repo/v1",
        authEndpoint=f"{base}/auth/v1",
        fileHandleEndpoint=f"{base}/file/v1",
        portalEndpoint=f"{base}/",
        skip_checks=True,
        cache_client=cache_client,
        configPath=str(home / "synapseConfig"),
        cache_root_dir=str(home / "cache"),
        silent=True,
    )
    if log_level is not None:
        syn.logger.setLevel(log_level)
    syn.login(authToken=token)
    if multi_threaded is not None:
        syn.multi_threaded = multi_threaded
    return syn
