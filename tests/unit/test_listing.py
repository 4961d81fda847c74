"""Listings against a scripted server: what a display fetches, what iteration fetches, and failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.models.listing import offset_listing, stepwise_listing
from synapse_models.transport import MockTransport, Request, Response

ITEMS = [{"id": str(i), "name": f"item {i}"} for i in range(120)]


class Server:
    """Answers ``GET /things`` with offset/limit pages of ITEMS; ``fail_at`` makes one offset answer 403."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.offsets: list[int] = []
        self.fail_at = fail_at

    def __call__(self, request: Request) -> Response:
        offset, limit = int(request.params["offset"]), int(request.params["limit"])
        self.offsets.append(offset)
        if offset == self.fail_at:
            return Response(403, json={"reason": "no longer yours"})
        return Response(
            200, json={"totalNumberOfResults": offset + limit + 1, "results": ITEMS[offset : offset + limit]}
        )


def _listing(server: Server) -> sm.Listing[dict[str, Any]]:
    conn = Connection(
        Endpoints.from_base("https://synapse.test", "test"), "token", transport=MockTransport(server)
    )
    return offset_listing(conn, "things", "/things", lambda item: item)


def test_a_display_fetches_one_page_and_iteration_goes_on_from_it() -> None:
    server = Server()
    things = _listing(server)
    assert server.offsets == []
    html = things._repr_html_()
    assert server.offsets == [0]
    assert "50 fetched, more to come; the first 10 shown" in html
    assert "item 9" in html and "item 10" not in html
    assert [t["id"] for t in things] == [str(i) for i in range(120)]
    assert server.offsets == [0, 50, 100]


def test_a_display_during_iteration_shows_what_comes_next() -> None:
    server = Server()
    things = _listing(server)
    taken = [next(things) for _ in range(45)]
    assert taken[-1]["id"] == "44"
    html = things._repr_html_()
    assert server.offsets == [0] and "5 fetched after the 45 taken" in html and "item 45" in html
    assert next(things)["id"] == "45"


def test_a_failure_met_by_a_display_is_raised_by_the_iteration_not_swallowed() -> None:
    server = Server(fail_at=50)
    things = _listing(server)
    assert len([next(things) for _ in range(50)]) == 50
    html = things._repr_html_()
    assert "could not be listed" in html and "no longer yours" in html
    with pytest.raises(sm.ForbiddenError):
        next(things)
    with pytest.raises(sm.ForbiddenError):
        list(things)


def test_a_stepwise_listing_shows_its_first_step_only() -> None:
    made: list[int] = []

    def steps() -> Iterator[int]:
        for i in range(5):
            made.append(i)
            yield i

    listing = stepwise_listing("steps", steps, row=lambda i: [("step", i)])
    assert made == []
    assert "1 so far; iterate for the rest" in listing._repr_html_()
    assert made == [0]
    assert list(listing) == [0, 1, 2, 3, 4]


def test_an_empty_listing_says_so() -> None:
    listing = stepwise_listing("nothing", lambda: iter(()))
    assert "nothing</b>: none" in listing._repr_html_()
    assert list(listing) == []
