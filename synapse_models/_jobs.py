"""Asynchronous jobs: ``{prefix}/async/start``, then polling ``{prefix}/async/get/{token}`` until done.

A :class:`~synapse_models.Connection` offers them as methods (it is an :class:`AsyncJobs`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from ._http import Requester, Service
from .errors import AsyncJobError, TransportError

__all__ = ["AsyncJobs"]

log = logging.getLogger("synapse_models")


class AsyncJobs:
    """Running the asynchronous jobs of a connection (table queries, uploads, view updates...)."""

    def run_async_job(
        self: Requester,
        prefix: str,
        body: Mapping[str, Any],
        *,
        service: Service = "repo",
        timeout: float = 600.0,
    ) -> Any:
        """Start ``{prefix}/async/start``, poll ``{prefix}/async/get/{token}`` until it finishes.

        Returns:
            The job's response body.

        Raises:
            AsyncJobError: The job did not finish within ``timeout`` seconds.
            HTTPError: The job failed; the status is the one the server mapped the failure to.
        """
        token = self.start_async_job(prefix, body, service=service)
        return self.wait_async_job(prefix, token, service=service, timeout=timeout)

    def start_async_job(
        self: Requester, prefix: str, body: Mapping[str, Any], *, service: Service = "repo"
    ) -> str:
        """``POST {prefix}/async/start``; returns the job's token (its idempotency key: poll it, never start
        the same work twice)."""
        return str(self.post(f"{prefix}/async/start", body, service=service)["token"])

    def wait_async_job(
        self: Requester, prefix: str, token: str, *, service: Service = "repo", timeout: float = 600.0
    ) -> Any:
        """Poll ``{prefix}/async/get/{token}`` until the job finishes; returns its response body.

        A poll is a read: one that fails (the connection broke, a 5xx or 429 after the transport's retries) is
        logged and the polling goes on, until ``timeout`` seconds have passed. The job runs on the server
        whatever happens to one poll, so starting it again would do its work twice.

        Raises:
            AsyncJobError: The job failed, or did not finish within ``timeout`` seconds.
            HTTPError: The job failed; the status is the one the server mapped the failure to.
        """
        deadline = time.monotonic() + timeout
        delay = 0.02
        where = f"job {token} at {prefix}"
        while True:
            try:
                response = self.raw("GET", f"{prefix}/async/get/{token}", service=service)
            except TransportError as exc:
                if time.monotonic() > deadline:
                    raise AsyncJobError(f"{where} could not be polled within {timeout:.0f} s: {exc}") from exc
                log.warning("polling %s failed (%s); polling again", where, exc)
                response = None
            if response is not None and (response.status_code >= 500 or response.status_code == 429):
                if time.monotonic() > deadline:
                    self.raise_for_status(response)
                log.warning("polling %s answered %d; polling again", where, response.status_code)
                response.close()
                response = None
            if response is not None and response.status_code != 202:
                self.raise_for_status(response)
                return response.json()
            if response is not None:
                status = response.json() if response.content else {}
                if status.get("jobState") == "FAILED":
                    raise AsyncJobError(f"job {token} failed: {status.get('errorMessage')}")
            if time.monotonic() > deadline:
                raise AsyncJobError(f"{where} did not finish within {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 1.6, 1.0)
