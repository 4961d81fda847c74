from __future__ import annotations

import threading

import pytest

import synapse_models as sm
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    ServerError,
    error_for_status,
)
from synapse_models.registry import _registry, get_connection

ENDPOINTS = Endpoints.from_base("http://127.0.0.1:9", "test")


def test_errors_map_by_status_and_read_well() -> None:
    err = error_for_status(404, "The resource cannot be found", "GET", "/repo/v1/entity/syn9")
    assert isinstance(err, NotFoundError) and err.status == 404
    assert str(err) == "404 Not Found: GET /repo/v1/entity/syn9 — The resource cannot be found"
    assert isinstance(error_for_status(412, "stale"), PreconditionFailedError)
    assert isinstance(error_for_status(403, "no"), ForbiddenError)
    assert isinstance(error_for_status(400, "bad"), BadRequestError)
    assert isinstance(error_for_status(502, "upstream"), ServerError)


def test_validation_error_names_field_and_value() -> None:
    err = sm.ValidationError("name", "a/b", "bad characters")
    assert err.field == "name" and err.value == "a/b"
    assert "name='a/b'" in str(err)


def test_connection_repr_hides_the_token() -> None:
    conn = Connection(ENDPOINTS, "very-secret-token", name="x")
    assert "very-secret-token" not in repr(conn)
    assert "very-secret-token" not in str(vars(conn).get("token_source"))


def test_explicit_connection_wins_then_scope_then_default() -> None:
    default = Connection(ENDPOINTS, "a", name="default")
    other = Connection(ENDPOINTS, "b", name="other")
    _registry.update(default=default, other=other)
    from synapse_models.registry import _default

    _default[:] = ["default"]
    assert get_connection() is default
    assert get_connection("other") is other
    with other:
        assert get_connection() is other
        assert get_connection(default) is default
        with sm.using("default"):
            assert get_connection() is default
        assert get_connection() is other
    assert get_connection() is default
    bound = Connection(ENDPOINTS, "c", name="bound")
    with other:
        assert get_connection(bound=bound) is bound


def test_scope_is_per_thread() -> None:
    default = Connection(ENDPOINTS, "a", name="default")
    other = Connection(ENDPOINTS, "b", name="other")
    _registry.update(default=default, other=other)
    from synapse_models.registry import _default

    _default[:] = ["default"]
    seen: list[Connection] = []
    with other:
        worker = threading.Thread(target=lambda: seen.append(get_connection()))
        worker.start()
        worker.join()
    assert seen == [default]


def test_unknown_connection_name_is_a_clear_error() -> None:
    with pytest.raises(sm.NotConnectedError, match="no connection named 'nope'"):
        get_connection("nope")
