"""The HTTP side of asynchronous jobs (REFERENCE 1.7): ``.../async/start`` -> 201 ``{"token"}``, then
``.../async/get/{token}``; and the generic ``/asynchronous/job`` endpoints.

For an area (e.g. tables) the whole pattern is one call::

    def start_query(ctx: RequestContext, body: dict, id: str) -> JobWork:
        table = check_table(ctx, id)            # validation runs in the request: 4xx answered at once
        def work(job: Job) -> dict:             # runs later, in a worker thread
            with job.txn() as txn:              # a read transaction as the job's user (write=True to write)
                return run_query(txn, table, body)
        return work

    async_endpoints(routes, "/repo/v1/entity/<id>/table/query/async", start_query)

``get`` answers 202 + AsynchronousJobStatus while the job runs, 201 + the work's return value when done,
the mapped error status when the work raised an ``HttpError`` (400 for other exceptions), 404 for an unknown
token and 403 for another user's job.  ``POST /asynchronous/job`` starts a job of any ``concreteType`` an area
lists in the ``jobs`` of its ``AREA``; the core serves these two generic endpoints (:data:`routes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import RequestContext
from .errors import BadRequest
from .jobs import JobWork
from .routing import Reply, Routes

routes = Routes()


def async_endpoints(
    into: Routes, prefix: str, starter: Callable[..., JobWork], *, success_status: int = 201
) -> None:
    """Declare ``POST {prefix}/start`` and ``GET {prefix}/get/<token>`` for one kind of job in ``into``.

    ``starter(ctx, body, **path_args)`` validates the request (raising 4xx) and returns the work function.
    """

    def start(ctx: RequestContext, **path_args: str) -> dict[str, Any]:
        body = ctx.json()
        work = starter(ctx, body, **path_args)
        job = ctx.app.jobs.submit(ctx, body, work)
        return {"token": job.id}

    def get(ctx: RequestContext, token: str, **path_args: str) -> Reply:
        return ctx.app.jobs.result_reply(ctx, token, success_status=success_status)

    into.route("POST", f"{prefix}/start", status=201)(start)
    into.route("GET", f"{prefix}/get/<token>")(get)


@routes.route("POST", "/repo/v1/asynchronous/job", status=201)
def start_generic_job(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json_object()
    starter = ctx.app.job_types.get(str(body.get("concreteType")))
    if starter is None:
        raise BadRequest(f"Unsupported asynchronous request type: {body.get('concreteType')}")
    job = ctx.app.jobs.submit(ctx, body, starter(ctx, body))
    return job.status_json()


@routes.route("GET", "/repo/v1/asynchronous/job/<job_id>")
def get_generic_job(ctx: RequestContext, job_id: str) -> dict[str, Any]:
    return ctx.app.jobs.lookup(ctx, job_id).status_json()
