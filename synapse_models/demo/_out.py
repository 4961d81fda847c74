"""What the demo prints, and the rules every chapter gets by printing through here.

* Every line fits :data:`WIDTH` columns: long text wraps under its own indent, tables shrink their widest
  column and wrap its cells, long code lines continue on ``...`` lines.
* Colour only on a terminal, never with ``NO_COLOR`` set or ``TERM=dumb`` (the command line's rule).
* On a terminal that is not UTF-8 (``PYTHONIOENCODING=ascii``, or a ``C``/``POSIX`` locale, which Python
  itself runs in UTF-8) the symbols become ASCII look-alikes and other text is transliterated: no
  ``UnicodeEncodeError``, no mojibake.
* A reader that goes away (``| head``) raises ``BrokenPipeError`` out of the tour, and the command line ends
  quietly with 141; nothing here catches it.

The streams and the environment are read when a line is printed, so a test can change them.
"""

from __future__ import annotations

import os
import sys
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any

from ..cli._output import use_colour

__all__ = ["WIDTH", "banner", "chapter", "code", "expect", "fail", "say", "step", "table", "tree"]

WIDTH = 100
"""The widest line the demo prints, in columns."""

# symbols the demo uses, and their ASCII stand-ins
_ASCII = {
    "✓": "+",
    "✗": "x",
    "▸": ">",
    "═": "=",
    "─": "-",
    "└": "`",
    "—": "--",
    "–": "-",
    "…": "...",
    "→": "->",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "•": "*",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
}


def banner(text: str) -> None:
    line = _symbol("═") * min(len(text) + 4, WIDTH)
    _print("")
    _print(line)
    _lines(text, "  ", "  ", style="1")
    _print(line)


def chapter(title: str) -> None:
    _print("")
    _lines(f"{_symbol('▸')} {title}", "", "  ", style="1;36")


def step(text: str) -> None:
    _lines(text, f"  {_style('32', _symbol('✓'))} ", "    ")


def expect(text: str) -> None:
    _lines(text, f"  {_style('33', '!')} ", "    ")


def fail(text: str) -> None:
    _lines(text, f"  {_style('31', _symbol('✗'))} ", "    ")


def say(text: str) -> None:
    _lines(text, "    ", "    ")


def code(text: str) -> None:
    for line in text.strip("\n").splitlines():
        first = "... " if line.startswith(" ") else ">>> "
        _lines(line, "    " + _style("2", first), "    " + _style("2", "... ") + "    ")


def tree(lines: Sequence[tuple[int, str]]) -> None:
    for depth, label in lines:
        indent = "    " + "   " * depth
        _lines(label, indent + (_symbol("└─") + " " if depth else ""), indent + "   ")


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    """Left-aligned columns; the widest shrinks (its cells wrap) until a row fits the width."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    room = WIDTH - 4 - 2 * (len(widths) - 1)
    while sum(widths) > room and max(widths) > 8:
        widths[widths.index(max(widths))] -= 1
    for n, row in enumerate(cells):
        wrapped = [
            textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(row, widths, strict=True)
        ]
        for k in range(max(map(len, wrapped))):
            parts = [
                (lines[k] if k < len(lines) else "").ljust(w)
                for lines, w in zip(wrapped, widths, strict=True)
            ]
            _print(("    " + "  ".join(parts)).rstrip())
        if n == 0:
            _print("    " + "  ".join(_symbol("─") * w for w in widths))


# -- the rules ---------------------------------------------------------------------------------------------


def _lines(text: str, first: str, rest: str, *, style: str = "") -> None:
    """``text`` wrapped to :data:`WIDTH` columns: ``first`` before its first line, ``rest`` before the others
    (the prefixes may hold colour codes, which take no room)."""
    room = WIDTH - max(_visible(first), _visible(rest))
    for n, paragraph in enumerate(text.split("\n")):
        pieces = textwrap.wrap(_plain(paragraph), room, break_on_hyphens=False, drop_whitespace=True) or [""]
        for k, piece in enumerate(pieces):
            _print((first if n == 0 and k == 0 else rest) + (_style(style, piece) if style else piece))


def _print(line: str) -> None:
    stream = sys.stdout
    stream.write(_plain(line) + "\n")


def _style(code: str, text: str) -> str:
    return f"\033[{code}m{text}\033[0m" if use_colour(sys.stdout) else text


def _visible(text: str) -> int:
    """The columns ``text`` takes on screen (colour codes take none)."""
    while "\033[" in text:
        start = text.index("\033[")
        end = text.index("m", start)
        text = text[:start] + text[end + 1 :]
    return len(text)


def _symbol(text: str) -> str:
    return _plain(text)


def _plain(text: str) -> str:
    """``text`` as the terminal can show it: unchanged on UTF-8, ASCII look-alikes otherwise."""
    if not ascii_only() or text.isascii():
        return text
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
        elif char in _ASCII:
            out.append(_ASCII[char])
        else:
            decomposed = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(decomposed or "?")
    return "".join(out)


def ascii_only() -> bool:
    """Whether stdout should get ASCII: its encoding is not UTF-8, or the locale is ``C``/``POSIX`` (Python
    then writes UTF-8 on its own, PEP 538/540, to a terminal that shows ASCII)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower().replace("-", "").replace("_", "")
    if encoding not in ("utf8", "utf8sig"):
        return True
    asked_for_utf8 = os.environ.get("PYTHONUTF8") == "1" or "utf8" in getattr(sys, "_xoptions", {})
    return bool(sys.flags.utf8_mode) and not asked_for_utf8
