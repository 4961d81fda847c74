"""Running the embedded server: :class:`LocalSynapse` (in-process, a daemon thread) and :func:`serve`.

Both serve the app with waitress (``wsgi.HttpServer``): keep-alive, bounded worker threads, bounded bodies,
and a graceful stop that finishes the requests in flight (``serve`` stops so on SIGTERM and SIGINT).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from types import FrameType
from typing import Any

from .areas import AREAS
from .core.app import SynapseApp
from .core.area import Area
from .core.faults import Fault
from .core.limits import Limits
from .wsgi import HttpServer

#: The largest body the HTTP server reads: an S3 part (5 GiB) plus headroom.  JSON bodies are bounded much
#: lower by the app (``Limits.request_body_bytes``), before they are read.
MAX_BODY_BYTES = 5 * 1024**3 + 1024**2


class LocalSynapse:
    """A Synapse-compatible REST server on ``127.0.0.1``, backed by SQLite and a blob directory.

    Example:
        >>> with LocalSynapse() as server:
        ...     token = server.create_user("alice")
        ...     # point any Synapse client at server.endpoint with that token

    Args:
        data_dir: where the database and blobs live; a temporary directory (removed on stop) when ``None``.
        port: TCP port; 0 picks a free one (kept across ``stop()``/``start()``).
        admin_token: bearer token of the built-in admin user; generated when ``None``.  Stored
            only hashed: a restart of the same data dir without it issues a new one.
        host: interface to bind.
        deterministic: derive ids, etags, timestamps and tokens from counters and ``seed``.
        seed: seed of the deterministic mode.
        areas: the REST areas to serve (default: all of them, ``synapse_models.local.areas.AREAS``).
        limits: request body and URL lifetime bounds (:class:`~synapse_models.local.core.limits.Limits`).
        threads: worker threads of the HTTP server (requests served at once; others queue).
        idle_seconds: a connection without activity for that long is closed (a stalled client).
        grace_seconds: how long ``stop()`` waits for requests in flight before closing connections.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        port: int = 0,
        admin_token: str | None = None,
        host: str = "127.0.0.1",
        deterministic: bool = False,
        seed: int = 0,
        *,
        areas: Sequence[Area] | None = None,
        limits: Limits | None = None,
        threads: int = 16,
        idle_seconds: int = 120,
        grace_seconds: float = 30,
    ) -> None:
        self.limits = limits or Limits()
        self.threads = threads
        self.idle_seconds = idle_seconds
        self.grace_seconds = grace_seconds
        self.areas = tuple(AREAS if areas is None else areas)
        self.data_dir = None if data_dir is None else os.fspath(data_dir)
        self.port = port
        self.host = host
        self.deterministic = deterministic
        self.seed = seed
        self._requested_token = admin_token
        self._temp_dir: str | None = None
        self._app: SynapseApp | None = None
        self._server: HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> LocalSynapse:
        """Start serving (no-op when already running) and return ``self``."""
        if self._server is not None:
            return self
        if self.data_dir is None and self._temp_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="synapse-local-")
        data_dir = self.data_dir or self._temp_dir
        assert data_dir is not None
        app = SynapseApp(
            data_dir,
            areas=self.areas,
            admin_token=self._requested_token,
            deterministic=self.deterministic,
            seed=self.seed,
            limits=self.limits,
        )
        try:
            server = HttpServer(
                app,
                self.host,
                self.port,
                threads=self.threads,
                max_body_bytes=MAX_BODY_BYTES,
                idle_seconds=self.idle_seconds,
                grace_seconds=self.grace_seconds,
            )
        except BaseException:
            app.close()
            raise
        self._app, self._server = app, server
        self._requested_token = app.admin_token
        self.port = server.port
        self._thread = threading.Thread(target=server.serve_forever, name="local-synapse", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the database; a temporary data dir is deleted.

        Requests already received are finished and answered first (at most ``grace_seconds``).
        """
        server, thread, app = self._server, self._thread, self._app
        self._server = self._thread = self._app = None
        if server is not None:
            server.stop()
        if thread is not None:
            thread.join(10)
        if app is not None:
            app.close()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> LocalSynapse:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def app(self) -> SynapseApp:
        """The WSGI application (raises when the server is not running)."""
        if self._app is None:
            raise RuntimeError("the LocalSynapse server is not running; call start() first")
        return self._app

    @property
    def endpoint(self) -> str:
        """Base URL serving ``/repo/v1``, ``/auth/v1`` and ``/file/v1``."""
        if self._server is None:
            raise RuntimeError("the LocalSynapse server is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def admin_token(self) -> str:
        """Bearer token of the built-in admin user."""
        if self._app is not None:
            return self._app.admin_token
        if self._requested_token is None:
            raise RuntimeError("the admin token is generated on start(); start the server first")
        return self._requested_token

    # -- users, clients -----------------------------------------------------------------------------
    def create_user(self, user_name: str, *, email: str | None = None) -> str:
        """Create a user and return a bearer token for it."""
        _, token = self.app.create_user(user_name, email=email)
        return token

    def connect(self, token: str | None = None, *, name: str = "default") -> Any:
        """Return a ``synapse_models`` connection to this server (admin token by default)."""
        from synapse_models.registry import connect  # the one allowed client import, kept lazy

        return connect(token=token or self.admin_token, endpoint=self.endpoint, name=name)

    def load(self, tree: Any, *, parent: Any = None, token: str | None = None) -> dict[str, str]:
        """Create projects, folders, files (with annotations) and tables from a dict or a directory.

        Example:
            >>> ids = server.load({"Pilot": {"raw/": {"a.csv": "x,y\\n1,2\\n"}, "donors": donors_df}})
            >>> ids["Pilot/raw/a.csv"]
            'syn2000003'

        The format is in :mod:`synapse_models.testing.seed`. ``parent`` puts the tree in an existing project
        or folder; ``token`` names the owner (default: the user of ``serving()``, else the admin).
        Returns the id of everything made, by its path in the tree.
        """
        from synapse_models.testing.seed import load_into  # client code, kept lazy like connect()

        return load_into(self, tree, parent=parent, token=token)

    # -- fault injection and request counting -------------------------------------------------------
    def inject_fault(
        self,
        *,
        method: str | None = None,
        path: str,
        status: int | None = None,
        times: int = 1,
        retry_after: float | None = None,
        drop_connection: bool = False,
        truncate_body: bool = False,
        skip: int = 0,
    ) -> None:
        """Make the next ``times`` requests matching ``method``/``path`` (exact or glob) fail.

        ``status`` answers that status (with ``Retry-After`` when ``retry_after`` is given) without running
        the request; ``drop_connection`` closes the socket without an answer; ``truncate_body`` runs the
        request but sends only half of the answer.  ``skip`` lets that many matching requests through first.
        """
        self.app.faults.add(
            Fault(
                path=path,
                method=method,
                status=status,
                times=times,
                retry_after=retry_after,
                drop_connection=drop_connection,
                truncate_body=truncate_body,
                skip=skip,
            )
        )

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def request_log(self) -> list[tuple[str, str, int]]:
        """Return ``(method, path, status)`` of every request served (admin API excluded)."""
        return self.app.requests.entries()

    def request_counts(self) -> Counter[tuple[str, str]]:
        """Return how many times each ``(method, path)`` was requested."""
        return self.app.requests.counts()

    def reset_request_log(self) -> None:
        self.app.requests.clear()


def serve(
    host: str, port: int, data_dir: str, admin_token: str | None, *, deterministic: bool = False
) -> None:
    """Run a server in the foreground until SIGTERM or SIGINT, then stop gracefully.

    Prints exactly ``endpoint: <url>`` and ``token: <admin token>`` (flushed) once it listens: the admin token
    is shown once and stored only hashed.  On SIGTERM/SIGINT it stops accepting connections, finishes the
    requests in flight and closes the database.
    """
    server = LocalSynapse(
        data_dir, port=port, admin_token=admin_token, host=host, deterministic=deterministic
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        print(f"endpoint: {server.endpoint}", flush=True)
        print(f"token: {server.admin_token}", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
