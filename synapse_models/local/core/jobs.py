"""Asynchronous jobs (REFERENCE 1.7): ``.../async/start`` -> 201 ``{"token"}``, ``.../async/get/{token}``.

For an area (e.g. tables) the whole pattern is one call::

    def start_query(ctx: RequestContext, body: dict, id: str) -> JobWork:
        table = check_table(ctx, id)            # validation runs in the request: 4xx answered at once
        def work(job: Job) -> dict:             # runs later, in a worker thread
            with job.txn() as txn:              # a read transaction as the job's user (write=True to write)
                return run_query(txn, table, body)
        return work

    async_endpoints("/repo/v1/entity/<id>/table/query/async", start_query)

``get`` answers 202 + AsynchronousJobStatus while the job runs, 201 + the work's return value when done,
the mapped error status when the work raised an ``HttpError`` (400 for other exceptions), 404 for an unknown
token and 403 for another user's job.  In deterministic mode jobs run synchronously right after the start
transaction commits, so a recorded cassette never depends on how many polls a job needed.
Generic ``/asynchronous/job`` requests dispatch on ``concreteType`` via :func:`register_job_type`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .context import RequestContext, Txn, User
from .errors import BadRequest, Forbidden, HttpError, NotFound
from .ids import format_time
from .routing import Reply, route

if TYPE_CHECKING:
    from .app import SynapseApp

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

    def __init__(self, app: SynapseApp, job_id: str, user: User, request_body: Any, started_on: str) -> None:
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


JobWork = Callable[[Job], Any]
JobStarter = Callable[..., JobWork]


class JobManager:
    """The jobs of one server."""

    def __init__(self, app: SynapseApp) -> None:
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


def async_endpoints(prefix: str, starter: JobStarter, *, success_status: int = 201) -> None:
    """Register ``POST {prefix}/start`` and ``GET {prefix}/get/<token>`` for one kind of job.

    ``starter(ctx, body, **path_args)`` validates the request (raising 4xx) and returns the work function.
    """

    def start(ctx: RequestContext, **path_args: str) -> dict[str, Any]:
        body = ctx.json()
        work = starter(ctx, body, **path_args)
        job = ctx.app.jobs.submit(ctx, body, work)
        return {"token": job.id}

    def get(ctx: RequestContext, token: str, **path_args: str) -> Reply:
        return ctx.app.jobs.result_reply(ctx, token, success_status=success_status)

    route("POST", f"{prefix}/start", status=201)(start)
    route("GET", f"{prefix}/get/<token>")(get)


_JOB_TYPES: dict[str, Callable[[RequestContext, dict[str, Any]], JobWork]] = {}


def register_job_type(
    concrete_type: str, starter: Callable[[RequestContext, dict[str, Any]], JobWork]
) -> None:
    """Make ``POST /asynchronous/job`` accept requests of ``concrete_type``."""
    _JOB_TYPES[concrete_type] = starter


@route("POST", "/repo/v1/asynchronous/job", status=201)
def start_generic_job(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    starter = _JOB_TYPES.get(str(body.get("concreteType")))
    if starter is None:
        raise BadRequest(f"Unsupported asynchronous request type: {body.get('concreteType')}")
    job = ctx.app.jobs.submit(ctx, body, starter(ctx, body))
    return job.status_json()


@route("GET", "/repo/v1/asynchronous/job/<job_id>")
def get_generic_job(ctx: RequestContext, job_id: str) -> dict[str, Any]:
    return ctx.app.jobs.lookup(ctx, job_id).status_json()
