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


def _drawn_tree() -> dict[str, int]:
    """The class names drawn in the tree of errors.py's docstring, with their depth."""
    import re

    import synapse_models.errors as errors

    text = (errors.__doc__ or "").split("The tree::", 1)[1].split("\n\n", 2)[1]
    columns = {
        found.group(): found.start() for line in text.splitlines() if (found := re.search(r"\w+", line))
    }
    root = min(columns.values())
    return {name: (column - root) // 4 for name, column in columns.items()}


def test_every_exception_is_drawn_in_the_tree_under_its_parent_and_exported() -> None:
    import inspect

    import synapse_models.errors as errors

    classes = {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    }
    drawn = _drawn_tree()
    assert sorted(drawn) == sorted(classes)
    for name, cls in classes.items():
        parent = next(base for base in cls.__mro__[1:] if base.__name__ in classes or base is Exception)
        expected = 0 if parent is Exception else drawn[parent.__name__] + 1
        assert drawn[name] == expected, f"{name} is drawn at depth {drawn[name]}, under the wrong parent"
        assert name in sm.__all__ and getattr(sm, name) is cls
        assert name in errors.__all__
    assert "EntityUpdateFailure" in sm.__all__ and sm.EntityUpdateFailure is errors.EntityUpdateFailure
