"""Hooks: how one area lets others plug behaviour into it, per app.

An area that calls out declares a :class:`HookPoint` in its service (``FILE_HANDLE``, ``PURGE``...), typed by
what may be plugged in.  Another area plugs in by listing ``hook(POINT, value)`` in its ``AREA``; the app
collects the hooks of the areas it is built from into one :class:`Hooks`, and the declaring area reads them at
run time through ``txn.app.hooks``.  Nothing is registered by importing a module: two apps built from
different areas see different hooks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class HookPoint(Generic[T]):
    """A named place where other areas plug in values of type ``T`` (functions or small records)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"HookPoint({self.name!r})"


@dataclass(frozen=True)
class Hook:
    """One value plugged into a hook point (build it with :func:`hook`, which checks the value's type)."""

    point: HookPoint[Any]
    value: Any


def hook(point: HookPoint[T], value: T) -> Hook:
    """Return the hook plugging ``value`` into ``point``."""
    return Hook(point, value)


class Hooks:
    """The hooks of one app, by hook point, in the order of its areas."""

    def __init__(self, hooks: Iterable[Hook] = ()) -> None:
        self._values: dict[HookPoint[Any], list[Any]] = {}
        for item in hooks:
            self._values.setdefault(item.point, []).append(item.value)

    def all(self, point: HookPoint[T]) -> list[T]:
        """Return every value plugged into ``point`` (empty when no area plugs in)."""
        return list(self._values.get(point, ()))

    def last(self, point: HookPoint[T]) -> T | None:
        """Return the value plugged last into ``point``, or ``None``."""
        values = self._values.get(point)
        return values[-1] if values else None
