"""File names from the server, as names on this machine: never paths.

A file handle's ``fileName`` (or an attachment's) is whatever its uploader chose, and another client may
have chosen ``../../.bashrc``, ``/etc/passwd``, ``a/b``, ``..`` or a name with a NUL or a newline. Every
place the library writes a downloaded file under such a name goes through :func:`local_name`, which
*sanitises* rather than refuses, so that the download still happens, under a recognisable name, inside the
directory asked for:

* ``/`` and ``\\`` become ``_`` (``../../escaped.txt`` -> ``.._.._escaped.txt``, ``/etc/passwd`` ->
  ``_etc_passwd``), so a name is one path component;
* NUL and other control characters (C0, DEL, C1) become ``_``;
* an empty name, ``.`` and ``..`` become the fallback (``file-<file handle id>``);
* a name longer than 255 bytes (UTF-8) is shortened, keeping its extension.

Any other character is kept as it is: ``données ✓.txt`` is written as ``données ✓.txt``. A name that had to be
changed is logged at WARNING with the name used.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

__all__ = ["MAX_NAME_BYTES", "free_name", "local_name", "path_inside"]

log = logging.getLogger("synapse_models")

MAX_NAME_BYTES = 255
"""The longest file name most file systems accept, in bytes."""
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]")


def local_name(name: object, *, fallback: str) -> str:
    """``name`` as one file name (see the module docstring); ``fallback`` when nothing usable is left."""
    text = name if isinstance(name, str) else ""
    safe = _UNSAFE.sub("_", text)
    if safe in ("", ".", ".."):
        safe = fallback
    if len(safe.encode()) > MAX_NAME_BYTES:
        stem, suffix = os.path.splitext(safe)
        suffix = suffix if len(suffix.encode()) < 32 else ""
        room = MAX_NAME_BYTES - len(suffix.encode())
        safe = stem.encode()[:room].decode("utf-8", "ignore") + suffix
    if safe != text:
        log.warning("the file name %r from the server is not a plain name; writing it as %r", text, safe)
    return safe


def path_inside(directory: Path, name: object, *, fallback: str) -> Path:
    """``directory / local_name(name)``, checked to be a direct child of ``directory``.

    Raises:
        ValueError: Never for a name made by :func:`local_name`; a guard should that change.
    """
    target = directory / local_name(name, fallback=fallback)
    if target.parent != directory or target.name in ("", ".", ".."):
        raise ValueError(f"{name!r} does not name a file inside {directory}")
    return target


def free_name(target: Path) -> Path:
    """``name.ext`` -> ``name(1).ext`` (the first name not taken in its directory), as the official client
    renames a download that would overwrite a different file."""
    n = 1
    while True:
        candidate = target.with_name(f"{target.stem}({n}){target.suffix}")
        if not candidate.exists():
            return candidate
        n += 1
