"""The HTTP server under the embedded Synapse: waitress, stoppable, draining in-flight requests on stop.

:class:`HttpServer` serves a WSGI app with waitress (a production WSGI server, pure Python): HTTP/1.1
keep-alive, a bounded pool of worker threads, bounded request headers and bodies (waitress answers 413 for a
body over ``max_body_bytes`` and 400 for broken chunked encoding before the app sees anything; a request
reaches the app only once its whole body arrived, so a client that disconnects mid-body never half-runs a
request), and connections idle for ``idle_seconds`` are closed.

:meth:`HttpServer.stop` is graceful: it stops accepting connections, lets the requests in flight (being
received, served or answered) finish and their answers be sent (up to ``grace_seconds``), then closes every
connection (idle keep-alive ones included) and stops the workers.
``serve_forever()`` runs the event loop in the calling thread (``LocalSynapse`` gives it a daemon thread).

The app may close the client's connection abruptly (fault injection) through the callable
``environ["synapse_local.drop"]``: it waits until what was already written is sent, then shuts the socket.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

from .core.app import DROP_KEY


class _Task(WSGITask):  # type: ignore[misc]
    """A waitress task whose environ can drop the client's connection (fault injection)."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[DROP_KEY] = self._drop
        return environ

    def _drop(self) -> None:
        channel = self.channel
        deadline = time.monotonic() + 5
        while channel.total_outbufs_len and time.monotonic() < deadline:  # let written bytes go first
            time.sleep(0.002)
        self.close_on_finish = True
        with contextlib.suppress(OSError):
            channel.socket.shutdown(socket.SHUT_RDWR)


class _Channel(HTTPChannel):  # type: ignore[misc]
    task_class = _Task

    def handle_close(self) -> None:
        # A client that goes away in the middle of a large body leaves the half-received request behind, its
        # body in a temporary file waitress would never close: close it with the connection.
        pending = self.request
        if pending is not None:
            with contextlib.suppress(Exception):
                pending.close()
        super().handle_close()


class HttpServer:
    """A waitress server for ``app`` on ``host:port`` (port 0 = a free one).

    Args:
        app: the WSGI application.
        host: interface to bind.
        port: TCP port; 0 picks a free one (see :attr:`port`).
        threads: worker threads (requests served at once; more wait in a queue).
        max_body_bytes: largest request body accepted (waitress answers 413 beyond it).
        idle_seconds: a connection with no activity for that long is closed.
        grace_seconds: how long :meth:`stop` waits for in-flight requests.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str,
        port: int,
        *,
        threads: int = 16,
        max_body_bytes: int,
        idle_seconds: int = 120,
        grace_seconds: float = 30,
    ) -> None:
        self.grace_seconds = grace_seconds
        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=max_body_bytes,
            channel_timeout=idle_seconds,
            cleanup_interval=max(1, min(30, idle_seconds // 2)),
            ident="synapse-models",
            expose_tracebacks=False,
            log_socket_errors=False,  # clients that go away are not server errors
            asyncore_use_poll=True,
            clear_untrusted_proxy_headers=True,
        )
        self._server.channel_class = _Channel
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def serve_forever(self) -> None:
        """Run the event loop until :meth:`stop`; then drain and close (in this thread)."""
        server = self._server
        try:
            while not self._stop_requested.is_set():
                server.asyncore.loop(timeout=0.5, map=server._map, use_poll=True, count=1)
            self._drain()
        finally:
            self._stopped.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop accepting, finish the requests in flight (at most ``grace_seconds``), close everything."""
        self._stop_requested.set()
        with contextlib.suppress(Exception):
            self._server.pull_trigger()  # wake the event loop
        self._stopped.wait(self.grace_seconds + 10 if timeout is None else timeout)

    def _busy(self) -> bool:
        for channel in list(self._server._map.values()):
            if isinstance(channel, HTTPChannel) and (
                channel.requests or channel.total_outbufs_len or channel.request is not None
            ):  # a request being received, being served, or an answer still being sent
                return True
        return False

    def _drain(self) -> None:
        server = self._server
        server.accepting = False
        with contextlib.suppress(OSError):
            server.del_channel()
            server.socket.close()  # no new connections from here on
        deadline = time.monotonic() + self.grace_seconds
        while self._busy() and time.monotonic() < deadline:
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        if self._busy():
            logging.getLogger("synapse_models.local").warning(
                "stopping with requests still in flight after %.0f s", self.grace_seconds
            )
        for channel in list(server._map.values()):
            if channel is not server.trigger:
                with contextlib.suppress(Exception):
                    channel.handle_close()
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        with contextlib.suppress(Exception):
            server.trigger.close()
