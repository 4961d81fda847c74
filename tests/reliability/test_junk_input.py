"""Generated junk thrown at every public constructor and verb (enumerated from ``sm.__all__``): only the
library's own errors come out (mostly ValidationError, before any request), never an internal traceback.

The server is a MockTransport that answers every request with a 404; what matters here is what the library
does with the input, not what a server would answer.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import synapse_models as sm
from synapse_models import registry
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.transport import MockTransport, Request, Response

# names whose use reaches outside the test (the network, the OS keyring, the registry itself)
_OUTSIDE = {"connect", "forget", "disconnect", "connections"}

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.sampled_from(
        [
            "syn123",
            "syn1.0",
            "syn１２３",
            "syn" + "9" * 30,
            "../../x",
            "",
            " ",
            "\x00",
            "READ",
            "STRING",
            "a/b",
            "2024-13-45",
            "{}",
            "[]",
            "http://",
            "file:///etc/passwd",
        ]
    ),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3
    ),
    st.builds(object),
)


def _handler(request: Request) -> Response:
    return Response(404, json={"reason": f"nothing at {request.path}"})


@pytest.fixture
def conn(isolated_env: Any) -> Iterator[Connection]:
    made = Connection(
        Endpoints.from_base("https://synapse.test", "test"), "tok", transport=MockTransport(_handler)
    )
    made.user_id, made.user_name = "1", "junk-tester"
    registry._registry["default"] = made  # the default connection, without a request to check a token
    registry._default[:] = ["default"]
    yield made


def _public(name: str) -> Any:
    return getattr(sm, name)


MODELS = sorted(
    name
    for name in sm.__all__
    if inspect.isclass(_public(name))
    and attrs.has(_public(name))
    and not issubclass(_public(name), BaseException)
)
FUNCTIONS = sorted(name for name in sm.__all__ if inspect.isfunction(_public(name)) and name not in _OUTSIDE)


def _call(
    target: Callable[..., Any], data: st.DataObject, conn: Connection, skip: tuple[str, ...] = ()
) -> Any:
    """Call ``target`` with junk for each parameter (``connection`` is the mock connection)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for parameter in inspect.signature(target).parameters.values():
        if parameter.name in ("self", "cls") or parameter.name in skip:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name == "connection":
            kwargs["connection"] = conn
            continue
        if parameter.default is not parameter.empty and data.draw(st.booleans()):
            continue  # leave some optional ones as they are
        value = data.draw(JUNK, label=parameter.name)
        if parameter.kind is parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[parameter.name] = value
    return target(*args, **kwargs)


def _only_ours(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except sm.SynapseError:
        return None


def _construct(cls: type[Any], data: st.DataObject, conn: Connection) -> Any:
    kwargs = {}
    for field in attrs.fields(cls):
        if not field.init:
            continue
        required = field.default is attrs.NOTHING
        if required or data.draw(st.booleans()):
            kwargs[field.alias or field.name] = data.draw(JUNK, label=field.name)
    return cls(**kwargs)


def _verbs(cls: type[Any]) -> list[str]:
    names = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not callable(member) or inspect.isclass(member):
            continue
        names.append(name)
    return names


# The same examples on every run (CI must not fail at random); JUNK_EXAMPLES=500 explores afresh.
SETTINGS = settings(
    max_examples=int(os.environ.get("JUNK_EXAMPLES", "25")),
    derandomize="JUNK_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", MODELS)
@SETTINGS
@given(data=st.data())
def test_junk_at_a_constructor_and_its_verbs_raises_only_library_errors(
    name: str, data: st.DataObject, conn: Connection
) -> None:
    cls = _public(name)
    made = _only_ours(lambda: _construct(cls, data, conn))
    for verb in _verbs(cls):
        target = getattr(made, verb) if made is not None else getattr(cls, verb)
        if made is None and not (inspect.ismethod(target) and target.__self__ is cls):
            continue  # an instance method with no instance
        _only_ours(lambda target=target: _call(target, data, conn))  # type: ignore[misc]


@pytest.mark.parametrize("name", FUNCTIONS)
@SETTINGS
@given(data=st.data())
def test_junk_at_a_function_raises_only_library_errors(
    name: str, data: st.DataObject, conn: Connection
) -> None:
    _only_ours(lambda: _call(_public(name), data, conn))
