"""Paging helpers for the three list styles of REFERENCE 1.6.

* offset/limit -> ``PaginatedResults``: :func:`offset_limit` reads the query parameters,
  :func:`paginated` wraps one page (``totalNumberOfResults`` follows the "estimate" rule: a full page
  reports ``offset + len + 1``, a short one ``offset + len``), :func:`paginate` slices a complete list.
* nextPageToken (``"<limit>a<offset>"``): :func:`decode_page_token` / :func:`encode_page_token`, and
  :func:`token_page` which slices a complete list and returns the page plus the next token.
* :func:`list_wrapper` for ``ListWrapper`` answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .context import RequestContext
from .errors import BadRequest

T = TypeVar("T")


def offset_limit(
    ctx: RequestContext, *, default_limit: int = 10, max_limit: int | None = None
) -> tuple[int, int]:
    """Read ``offset``/``limit`` query parameters (400 if negative or not integers)."""
    offset = ctx.arg_int("offset", 0) or 0
    limit = ctx.arg_int("limit", default_limit)
    limit = default_limit if limit is None else limit
    if offset < 0:
        raise BadRequest("offset must be zero or greater")
    if limit < 0:
        raise BadRequest("limit must be zero or greater")
    if max_limit is not None and limit > max_limit:
        raise BadRequest(f"limit must be at most {max_limit}")
    return offset, limit


def paginated(page: Sequence[Any], offset: int, limit: int) -> dict[str, Any]:
    """Wrap one page into PaginatedResults with the estimated total."""
    total = offset + len(page) + (1 if limit and len(page) >= limit else 0)
    return {"totalNumberOfResults": total, "results": list(page)}


def paginate(items: Sequence[Any], offset: int, limit: int) -> dict[str, Any]:
    """Slice a complete list into PaginatedResults (estimate rule, as the real server does)."""
    return paginated(items[offset : offset + limit], offset, limit)


def exact_paginated(page: Sequence[Any], total: int) -> dict[str, Any]:
    """PaginatedResults with an exact total."""
    return {"totalNumberOfResults": total, "results": list(page)}


def encode_page_token(limit: int, offset: int) -> str:
    return f"{limit}a{offset}"


def decode_page_token(token: str | None, default_limit: int = 50) -> tuple[int, int]:
    """Return ``(limit, offset)`` from a ``"<limit>a<offset>"`` token (defaults when ``None``)."""
    if token is None or token == "":
        return default_limit, 0
    limit_text, sep, offset_text = str(token).partition("a")
    try:
        if not sep:
            raise ValueError(token)
        limit, offset = int(limit_text), int(offset_text)
    except ValueError as exc:
        raise BadRequest(f"Invalid nextPageToken: {token}") from exc
    if limit < 1 or offset < 0:
        raise BadRequest(f"Invalid nextPageToken: {token}")
    return limit, offset


def token_page(items: Sequence[T], token: str | None, default_limit: int = 50) -> tuple[list[T], str | None]:
    """Return the page of ``items`` selected by ``token`` and the token of the next page (or ``None``)."""
    limit, offset = decode_page_token(token, default_limit)
    page = list(items[offset : offset + limit])
    more = len(items) > offset + limit
    return page, encode_page_token(limit, offset + limit) if more else None


def list_wrapper(element_type: str, items: Sequence[Any]) -> dict[str, Any]:
    """Return a ListWrapper whose ``concreteType`` names the element class."""
    return {"concreteType": element_type, "list": list(items)}
