"""Plain, readable terminal output for the demo (no colour codes when not a TTY)."""

from __future__ import annotations

import sys
from typing import Any

_TTY = sys.stdout.isatty()


def _style(code: str, text: str) -> str:
    return f"\033[{code}m{text}\033[0m" if _TTY else text


def banner(text: str) -> None:
    line = "═" * (len(text) + 4)
    print(f"\n{line}\n  {_style('1', text)}\n{line}")


def chapter(title: str) -> None:
    print(f"\n{_style('1;36', '▸ ' + title)}")


def step(text: str) -> None:
    print(f"  {_style('32', '✓')} {text}")


def say(text: str) -> None:
    print(f"    {text}")


def code(text: str) -> None:
    for line in text.strip("\n").splitlines():
        print(f"    {_style('2', '>>> ' if not line.startswith(' ') else '... ')}{line}")


def expect(text: str) -> None:
    print(f"  {_style('33', '!')} {text}")


def fail(text: str) -> None:
    print(f"  {_style('31', '✗')} {text}")


def tree(lines: list[tuple[int, str]]) -> None:
    for depth, label in lines:
        print("    " + "   " * depth + ("└─ " if depth else "") + label)


def table(rows: list[tuple[Any, ...]], headers: tuple[str, ...]) -> None:
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("    " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("    " + "  ".join("─" * w for w in widths))
