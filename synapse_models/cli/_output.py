"""What the commands print, and where: data on stdout, messages on stderr.

* ``data()`` writes a line of results to stdout; with ``--json`` a command calls ``json()`` once instead.
* ``info()`` and ``warn()`` write to stderr, and ``--quiet`` silences them; ``error()`` always writes.
* Nothing here raises ``UnicodeEncodeError``: on a console that cannot encode a character (``LANG=C``,
  ``PYTHONIOENCODING=ascii``) the text is written with backslash escapes, and JSON is written ASCII-only.
* Colour only on a terminal, never with ``NO_COLOR`` set (https://no-color.org) or ``TERM=dumb``.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

__all__ = ["Output", "jsonable", "table", "used_text"]

_RED, _YELLOW = "31", "33"


class Output:
    """The streams of one command run and the ``--json``/``--quiet`` choices.

    Args:
        json_mode: Print one JSON document on stdout instead of text.
        quiet: Leave out informational messages and progress bars.
        stdout: Where data goes (``sys.stdout`` when omitted).
        stderr: Where messages go (``sys.stderr`` when omitted).
    """

    def __init__(
        self,
        *,
        json_mode: bool = False,
        quiet: bool = False,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.json_mode = json_mode
        self.quiet = quiet
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr

    @property
    def progress(self) -> bool | None:
        """What to pass as ``progress=``: ``False`` when quiet, else ``None`` (bars on a terminal only)."""
        return False if self.quiet else None

    # -- stdout ----------------------------------------------------------------------------------------

    def data(self, line: str) -> None:
        """Write one line of results."""
        _write(self.stdout, line + "\n")

    def text(self, text: str) -> None:
        """Write text as is (already terminated)."""
        _write(self.stdout, text)

    def json(self, value: Any) -> None:
        """Write one JSON document (ASCII-only when stdout cannot encode everything)."""
        _write(
            self.stdout, json.dumps(jsonable(value), indent=2, ensure_ascii=not _is_utf8(self.stdout)) + "\n"
        )

    def made(self, obj: Any, message: str) -> None:
        """What a command that made or stored an object prints: the object as JSON with ``--json``, else its
        id (for scripts); then ``message`` for the reader (unless ``--quiet``)."""
        if self.json_mode:
            self.json(obj)
        else:
            self.data(str(obj.id))
        self.info(message)

    def binary(self) -> IO[bytes]:
        """The byte stream under stdout, for file contents."""
        self.stdout.flush()
        buffer: IO[bytes] = getattr(self.stdout, "buffer")  # noqa: B009 - text streams are typed without it
        return buffer

    def flush(self) -> None:
        """Flush stdout (a closed pipe shows up here as BrokenPipeError)."""
        self.stdout.flush()

    # -- stderr ----------------------------------------------------------------------------------------

    def info(self, message: str) -> None:
        """An informational message, unless ``--quiet``."""
        if not self.quiet:
            _write(self.stderr, message + "\n")

    def warn(self, message: str) -> None:
        """A warning, unless ``--quiet``."""
        if not self.quiet:
            _write(self.stderr, self._colour("warning:", _YELLOW) + " " + _one_line(message) + "\n")

    def error(self, message: str) -> None:
        """An error: one line, always shown."""
        _write(self.stderr, self._colour("error:", _RED) + " " + _one_line(message) + "\n")

    def _colour(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if use_colour(self.stderr) else text


def use_colour(stream: IO[str]) -> bool:
    """Whether to colour what goes to ``stream``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _is_utf8(stream: IO[str]) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
    return encoding in ("utf8", "utf8sig")


def _write(stream: IO[str], text: str) -> None:
    try:
        stream.write(text)
    except UnicodeEncodeError:
        # the text is encoded before any of it is written, so nothing was written yet
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _one_line(message: str) -> str:
    return " ".join(message.split())


def jsonable(value: Any) -> Any:
    """Plain JSON data from models (attrs classes), annotations, enums, datetimes and containers.

    Public attrs fields are kept (bookkeeping fields, whose names start with ``_``, are not), ``None`` values
    are left out of objects, datetimes become ISO 8601 strings.
    """
    import attrs

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if attrs.has(type(value)):
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            if field.name.startswith("_"):
                continue
            item = getattr(value, field.name)
            if item is not None:
                out[field.name] = jsonable(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str] | None = None) -> list[str]:
    """Lines of left-aligned columns separated by two spaces (the last column is not padded)."""
    cells = [[_cell(c) for c in row] for row in rows]
    if headers is not None:
        cells.insert(0, list(headers))
    if not cells:
        return []
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(max(map(len, cells)))]
    return [
        "  ".join(c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)).rstrip()
        for row in cells
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def used_text(item: Any) -> str:
    """One ``used``/``executed`` item of an activity: ``syn1.2`` or the URL."""
    reference = getattr(item, "reference", None)
    if reference is not None:
        version = reference.target_version_number
        return f"{reference.target_id}.{version}" if version else str(reference.target_id)
    return str(getattr(item, "url", item))
