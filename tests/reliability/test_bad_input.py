"""The bad inputs of issue 10, section 5: each a ValidationError naming the field and the value, before any
request (the mock server records every request it gets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.transport import MockTransport, Request, Response

SEEN: list[str] = []


def _handler(request: Request) -> Response:
    SEEN.append(f"{request.method} {request.path}")
    return Response(404, json={"reason": "not here"})


CONN = Connection(
    Endpoints.from_base("https://synapse.test", "test"), "tok", transport=MockTransport(_handler)
)
TWICE = pd.DataFrame([[1, 2]], columns=["a", "a"])
TABLE = sm.Table(id="syn5", name="t", parent="syn1", columns=[sm.Column("a", "STRING")])
PROJECT = sm.Project(id="syn1", name="p")

CASES: list[tuple[str, Callable[[], Any], str, Any]] = [
    ("Folder(name=123)", lambda: sm.Folder(name=123), "name", 123),
    ("Folder(name=b'x')", lambda: sm.Folder(name=b"x"), "name", b"x"),
    ("File(path=123)", lambda: sm.File(path=123), "path", 123),
    ("append with a column twice", lambda: TABLE.append(TWICE, connection=CONN), "columns['a']", "a"),
    (
        "from_dataframe with a column twice",
        lambda: sm.Table.from_dataframe(TWICE, name="t", parent="syn1"),
        "columns['a']",
        "a",
    ),
    ("grant(bob, None)", lambda: PROJECT.grant("bob", None, connection=CONN), "access", None),
    ("full-width digits", lambda: sm.Folder.get("syn１２３", connection=CONN), "id", "syn１２３"),
    ("version 0", lambda: sm.File.get("syn1.0", connection=CONN), "id", "syn1.0"),
    ("an id past 2^63", lambda: sm.Folder.get("syn" + "9" * 30, connection=CONN), "id", "syn" + "9" * 30),
    ("a team id past 2^63", lambda: sm.Team.get(2**64, connection=CONN), "id", 2**64),
    (
        "a name of bytes for a lookup",
        lambda: sm.Folder.get(name=b"x", parent="syn1", connection=CONN),
        "entity_name",
        b"x",
    ),
    ("a connection that is not one", lambda: sm.Folder.get("syn1", connection=42), "connection", 42),  # type: ignore[arg-type]
    ("store_all(None)", lambda: sm.store_all(None, connection=CONN), "entities", None),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("what", "action", "field", "value"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_before_any_request(
    what: str, action: Callable[[], Any], field: str, value: Any
) -> None:
    SEEN.clear()
    with pytest.raises(sm.ValidationError) as err:
        action()
    assert (err.value.field, err.value.value) == (field, value)
    assert field in str(err.value) and repr(value) in str(err.value)
    assert SEEN == []
