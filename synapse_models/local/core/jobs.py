"""Asynchronous jobs (REFERENCE 1.7): :class:`Job` (one job and its state) and :class:`JobManager` (the jobs
of one server).

A job's work is a function of the :class:`Job`; it runs later, in a worker thread, and opens its transactions
with ``job.txn()`` (a read transaction as the job's user; ``write=True`` to write).  A work that raises an
``HttpError`` fails the job with that status (400 for other exceptions).  In deterministic mode jobs run
synchronously right after the start transaction commits, so a recorded cassette never depends on how many
polls a job needed.  The HTTP side (``.../async/start`` and ``.../async/get/{token}``) is in
``async_endpoints.py``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from .errors import BadRequest, Forbidden, HttpError, NotFound
from .ids import format_time
from .routing import Reply
from .txn import Server, Txn, User

log = logging.getLogger("synapse_models.local")

_EXCEPTION_CLASSES = {
    400: "java.lang.IllegalArgumentException",
    403: "org.sagebionetworks.repo.model.UnauthorizedException",
    404: "org.sagebionetworks.repo.web.NotFoundException",
    409: "org.sagebionetworks.repo.model.NameConflictException",
    412: "org.sagebionetworks.repo.model.ConflictingUpdateException",
}


class Job:
    """One asynchronous job and its state."""

    def __init__(self, app: Server, job_id: str, user: User, request_body: Any, started_on: str) -> None:
        self.app = app
        self.id = job_id
        self.user = user
        self.request_body = request_body
        self.state = "PROCESSING"
        self.started_on = started_on
        self.changed_on = started_on
        self.response: Any = None
        self.error: HttpError | None = None
        self.progress_current = 0
        self.progress_total = 100
        self.progress_message: str | None = None
        self._started = time.monotonic()
        self.runtime_ms = 0
        self.done = threading.Event()

    @contextmanager
    def txn(self, *, write: bool = False) -> Iterator[Txn]:
        """Open a transaction on behalf of the job's user."""
        opener = self.app.store.write if write else self.app.store.read
        with opener() as db:
            txn = Txn(self.app, db, self.user, writable=write)
            yield txn
        for callback in txn.after_commit:
            callback()

    def set_progress(self, current: int, total: int, message: str | None = None) -> None:
        self.progress_current, self.progress_total, self.progress_message = current, total, message

    def _finish(self, state: str) -> None:
        self.state = state
        self.runtime_ms = int((time.monotonic() - self._started) * 1000)
        if not self.app.deterministic:
            self.changed_on = format_time(datetime.now(timezone.utc))
        self.done.set()

    def status_json(self) -> dict[str, Any]:
        """Return the AsynchronousJobStatus of this job."""
        error = self.error
        return {
            "jobState": self.state,
            "jobCanceling": False,
            "requestBody": self.request_body,
            "responseBody": self.response if self.state == "COMPLETE" else None,
            "jobId": self.id,
            "startedByUserId": self.user.id,
            "startedOn": self.started_on,
            "changedOn": self.changed_on,
            "progressMessage": self.progress_message,
            "progressCurrent": self.progress_current,
            "progressTotal": self.progress_total,
            "exception": None
            if error is None
            else _EXCEPTION_CLASSES.get(error.status, "java.lang.Exception"),
            "errorMessage": None if error is None else error.reason,
            "errorDetails": None if error is None else error.reason,
            "runtimeMS": self.runtime_ms if self.state != "PROCESSING" else None,
        }


#: The work of a job, run later in a worker thread; its return value is the job's response body.
JobWork = Callable[[Job], Any]


class JobManager:
    """The jobs of one server."""

    def __init__(self, app: Server) -> None:
        self.app = app
        self._jobs: dict[str, Job] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, ctx: Txn, request_body: Any, work: JobWork) -> Job:
        """Create a job; it starts once ``ctx``'s transaction commits."""
        job = Job(self.app, str(ctx.next_id("asyncJob")), ctx.user, request_body, ctx.now())
        with self._lock:
            self._jobs[job.id] = job
        if self.app.deterministic:
            ctx.on_commit(lambda: self._execute(job, work))
        else:
            ctx.on_commit(lambda: self._spawn(job, work))
        return job

    def _spawn(self, job: Job, work: JobWork) -> None:
        thread = threading.Thread(target=self._execute, args=(job, work), name=f"job-{job.id}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    @staticmethod
    def _execute(job: Job, work: JobWork) -> None:
        try:
            job.response = work(job)
        except HttpError as error:
            job.error = error
            job._finish("FAILED")
        except Exception as exc:
            log.exception("async job %s failed", job.id)
            job.error = BadRequest(f"{type(exc).__name__}: {exc}")
            job._finish("FAILED")
        else:
            job._finish("COMPLETE")

    def lookup_any(self, token: str) -> Job:
        """Return job ``token`` whoever started it; 404 if unknown."""
        with self._lock:
            job = self._jobs.get(token)
        if job is None:
            raise NotFound(f"Asynchronous job with token {token} does not exist")
        return job

    def lookup(self, ctx: Txn, token: str) -> Job:
        """Return the caller's job ``token``; 404 if unknown, 403 if another user started it."""
        job = self.lookup_any(token)
        if job.user.id != ctx.user.id:
            raise Forbidden("Only the user that created a job can access the job's status")
        return job

    def result_reply(self, ctx: Txn, token: str, *, success_status: int = 201) -> Reply:
        """Answer an ``async/get``: 202 while running, the result when done, the error when failed."""
        job = self.lookup(ctx, token)
        if job.state == "PROCESSING":
            return Reply(job.status_json(), 202)
        if job.error is not None:
            raise job.error
        return Reply(job.response, success_status)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Wait (bounded) for running job threads."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
