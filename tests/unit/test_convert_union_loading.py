"""The first unknown ``concreteType`` read loads the union's members once; a thread reading one while another
is still loading them waits for the load instead of falling back to the unknown-type class."""

from __future__ import annotations

import threading
import time
from typing import ClassVar

import attrs

from synapse_models._convert import from_wire, register_union, set_union_loader


@attrs.define(kw_only=True)
class _Base:
    name: str = ""


@attrs.define(kw_only=True)
class _Fallback(_Base):
    pass


def test_a_second_reader_waits_for_the_load_in_progress() -> None:
    register_union(_Base, _Fallback, fallback=True)
    started = threading.Event()

    def load() -> None:
        started.set()
        time.sleep(0.3)  # the members are still being imported when the second reader arrives

        @attrs.define(kw_only=True)
        class Member(_Base):
            CONCRETE_TYPE: ClassVar[str] = "test.Member"

        register_union(_Base, Member)

    set_union_loader(_Base, load)
    seen: list[object] = []
    first = threading.Thread(target=lambda: seen.append(from_wire(_Base, {"concreteType": "test.Member"})))
    first.start()
    started.wait(5)
    second = from_wire(_Base, {"concreteType": "test.Member"})
    first.join(5)

    assert type(second).__name__ == "Member"
    assert [type(x).__name__ for x in seen] == ["Member"]
    assert type(from_wire(_Base, {"concreteType": "test.Other"})) is _Fallback
