"""The two paging styles of the REST API: offset/limit ``PaginatedResults`` and ``nextPageToken``.

A :class:`~synapse_models.Connection` offers them as methods (it is a :class:`Paging`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from ._http import Params, Requester, Service

__all__ = ["Paging"]


class Paging:
    """Iterating the listings of a connection, one request per page."""

    def iter_offset(
        self: Requester,
        path: str,
        *,
        params: Params = None,
        limit: int = 50,
        service: Service = "repo",
        results_key: str = "results",
    ) -> Iterator[Any]:
        """Iterate an offset/limit ``PaginatedResults`` listing; stops on a short page."""
        pages = self.offset_pages(path, params=params, limit=limit, service=service, results_key=results_key)
        for page in pages:
            yield from page.get(results_key) or []

    def offset_pages(
        self: Requester,
        path: str,
        *,
        params: Params = None,
        limit: int = 50,
        service: Service = "repo",
        results_key: str = "results",
    ) -> Iterator[dict[str, Any]]:
        """The pages (whole answers) of an offset/limit listing, one request each; stops after a short one."""
        offset = 0
        while True:
            query = {**(params or {}), "offset": offset, "limit": limit}
            page = self.get(path, service=service, params=query)
            yield page
            items = page.get(results_key) or []
            if len(items) < limit:
                return
            offset += len(items)

    def iter_token(
        self: Requester,
        method: Literal["GET", "POST"],
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        items_key: str = "page",
        service: Service = "repo",
        params: Params = None,
    ) -> Iterator[Any]:
        """Iterate a ``nextPageToken`` listing (the token travels in the body for POST, the query for GET)."""
        for page in self.token_pages(method, path, body, service=service, params=params):
            yield from page.get(items_key) or []

    def token_pages(
        self: Requester,
        method: Literal["GET", "POST"],
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        service: Service = "repo",
        params: Params = None,
        first: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The pages (whole answers) of a ``nextPageToken`` listing, one request each.

        ``first`` adds fields to the first request's body only (``includeTotalChildCount``...).
        """
        token: str | None = None
        extra = dict(first or {})
        while True:
            if method == "POST":
                request = {**(body or {}), **extra, "nextPageToken": token}
                page = self.post(path, request, service=service, params=params)
            else:
                page = self.get(path, service=service, params={**(params or {}), "nextPageToken": token})
            extra = {}
            yield page
            token = page.get("nextPageToken")
            if not token:
                return
