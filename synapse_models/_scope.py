"""Context-local scopes: which value is current in this thread or asyncio task.

``with conn:`` and ``sm.using(conn)`` make a connection the current one. The current value lives in a
``ContextVar``, so every thread and asyncio task sees its own. The tokens that undo each activation live
in a second ``ContextVar`` (a stack per context), never on the shared object: two threads or tasks entering
the same connection at once each leave their own scope.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Generic, TypeVar

__all__ = ["Scope"]

T = TypeVar("T")


class Scope(Generic[T]):
    """A value that is current within nested ``enter``/``leave`` pairs of one context.

    Args:
        name: The name of the underlying ``ContextVar`` (for debugging).
    """

    def __init__(self, name: str) -> None:
        self._current: ContextVar[T | None] = ContextVar(name, default=None)
        self._entered: ContextVar[tuple[tuple[T, Token[T | None]], ...]] = ContextVar(
            f"{name}_entered", default=()
        )

    def current(self) -> T | None:
        """The innermost value entered in this context, or ``None``."""
        return self._current.get()

    def enter(self, value: T) -> None:
        """Make ``value`` current in this context until the matching :meth:`leave`."""
        token = self._current.set(value)
        self._entered.set((*self._entered.get(), (value, token)))

    def leave(self, value: T) -> None:
        """Undo the innermost :meth:`enter` of this context, which must have been for ``value``.

        Raises:
            RuntimeError: This context did not enter ``value`` last (scopes must nest).
        """
        entered = self._entered.get()
        if not entered or entered[-1][0] is not value:
            raise RuntimeError(f"leaving a scope of {value!r} that this thread or task did not enter last")
        self._entered.set(entered[:-1])
        self._current.reset(entered[-1][1])
