"""The local file cache, laid out like the official client's so both can share it.

Layout: ``<root>/<file handle id % 1000>/<file handle id>/``; each such directory holds a ``.cacheMap`` JSON
object mapping the absolute path (forward slashes) of every known copy of that file handle to
``{"modified_time": "2024-01-01T12:00:00.123Z", "content_md5": "<hex>"}`` (older maps hold only the time
string). A copy counts as cached while its modification time still equals the recorded one: to the
millisecond, or to the second for a time recorded as ``.000Z`` (the official client writes whole seconds; it
reads both forms the same way). Writes take the same ``.cacheMap.lock`` directory lock as the official client.

The root is, first match wins: the ``root`` argument, the ``SYNAPSE_CACHE`` environment variable, ``location``
in the ``[cache]`` section of ``~/.synapseConfig`` (or ``SYNAPSE_CONFIG_FILE``), ``~/.synapseCache``.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

__all__ = ["Cache", "default_cache_root"]

FANOUT = 1000
MAP_NAME = ".cacheMap"
_LOCK_STALE_SECONDS = 10.0
_LOCK_WAIT_SECONDS = 70.0


def default_cache_root(environ: dict[str, str] | None = None) -> Path:
    """The cache root from the environment or configuration (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("SYNAPSE_CACHE"):
        return Path(os.path.expandvars(env["SYNAPSE_CACHE"])).expanduser()
    from ..credentials import _read_config, config_path

    parser = _read_config(config_path(dict(env)))
    if parser is not None and parser.has_option("cache", "location"):
        return Path(os.path.expandvars(parser.get("cache", "location"))).expanduser()
    return Path.home() / ".synapseCache"


def _normalize(path: str | os.PathLike[str]) -> str:
    return re.sub(r"\\", "/", os.path.abspath(path))


def _iso(epoch_seconds: float) -> str:
    """UTC ISO time with milliseconds rounded to the nearest, as the official client writes them."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=timezone.utc)
    if moment.microsecond >= 999500:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    millis = round(moment.microsecond / 1000.0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}Z"


def _unmodified(path: str, recorded: str | None) -> bool:
    if recorded is None:
        return False
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return False
    if recorded == _iso(mtime):
        return True
    # the official client records whole seconds (``.000Z``): compare those to the second
    return recorded.endswith(".000Z") and recorded == _iso(math.floor(mtime))


class Cache:
    """A cache root; every method is safe to call from several threads and processes.

    Args:
        root: The cache directory (see the module docstring for the default).
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        if root is not None and not isinstance(root, (str, os.PathLike)):
            from ..errors import ValidationError

            raise ValidationError("cache_root", root, "a directory is a str or a pathlib.Path")
        self.root = Path(root).expanduser() if root is not None else default_cache_root()

    def __repr__(self) -> str:
        return f"Cache({str(self.root)!r})"

    def directory(self, file_handle_id: str | int) -> Path:
        """The directory of a file handle: ``<root>/<id % 1000>/<id>``."""
        number = int(file_handle_id)
        return self.root / str(number % FANOUT) / str(number)

    def entries(self, file_handle_id: str | int) -> dict[str, Any]:
        """The raw ``.cacheMap`` of a file handle (``{}`` if none or unreadable)."""
        map_file = self.directory(file_handle_id) / MAP_NAME
        try:
            data = json.loads(map_file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(
        self,
        file_handle_id: str | int,
        *,
        directory: str | os.PathLike[str] | None = None,
        md5: str | None = None,
    ) -> Path | None:
        """An unmodified cached copy of the file handle, or ``None``.

        Args:
            file_handle_id: The file handle.
            directory: Only a copy inside this directory counts.
            md5: Only copies recorded with this md5 count (entries without an md5 are accepted).
        """
        wanted = _normalize(directory) if directory is not None else None
        best: tuple[str, str] | None = None
        for path, entry in self.entries(file_handle_id).items():
            recorded, content_md5 = _entry_fields(entry)
            if wanted is not None and _normalize(os.path.dirname(path)) != wanted:
                continue
            if md5 and content_md5 and content_md5 != md5:
                continue
            if _unmodified(path, recorded) and (best is None or str(recorded) > best[1]):
                best = (path, str(recorded))
        return Path(best[0]) if best else None

    def known_md5(self, file_handle_id: str | int, path: str | os.PathLike[str]) -> str | None:
        """The md5 recorded for ``path`` if the file is unchanged since (saves hashing it again)."""
        entry = self.entries(file_handle_id).get(_normalize(path))
        recorded, content_md5 = _entry_fields(entry)
        return content_md5 if content_md5 and _unmodified(_normalize(path), recorded) else None

    def add(self, file_handle_id: str | int, path: str | os.PathLike[str], md5: str) -> None:
        """Record ``path`` (an existing file) as a copy of the file handle."""
        key = _normalize(path)
        # milliseconds, not whole seconds: an edit within the same second must not look unchanged
        mtime = os.path.getmtime(key)
        recorded = _iso(mtime)
        if recorded.endswith(".000Z"):
            # a time that rounds to a whole second reads as a whole-second entry (compared by floor), so it
            # must be the floor: 12.9996 s would otherwise be recorded as 13.000 and never match again
            recorded = _iso(math.floor(mtime))
        entry = {"modified_time": recorded, "content_md5": md5}
        with self._locked(file_handle_id) as cache_map:
            cache_map[key] = entry

    def remove(self, file_handle_id: str | int, path: str | os.PathLike[str]) -> None:
        """Forget one copy (the file itself is left alone)."""
        with self._locked(file_handle_id) as cache_map:
            cache_map.pop(_normalize(path), None)

    @contextmanager
    def _locked(self, file_handle_id: str | int) -> Iterator[dict[str, Any]]:
        directory = self.directory(file_handle_id)
        directory.mkdir(parents=True, exist_ok=True)
        lock = directory / f"{MAP_NAME}.lock"
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                lock.mkdir()
                break
            except FileExistsError:
                try:
                    if time.time() - lock.stat().st_mtime > _LOCK_STALE_SECONDS:
                        lock.rmdir()  # a crashed writer's lock
                        continue
                except OSError:
                    continue
                if time.monotonic() > deadline:
                    raise TimeoutError(f"could not lock {directory / MAP_NAME}") from None
                time.sleep(0.01)
        try:
            cache_map = self.entries(file_handle_id)
            yield cache_map
            temporary = directory / f"{MAP_NAME}.{os.getpid()}.tmp"
            temporary.write_text(json.dumps(cache_map) + "\n")
            os.replace(temporary, directory / MAP_NAME)
        finally:
            with suppress(OSError):
                lock.rmdir()


def _entry_fields(entry: Any) -> tuple[str | None, str | None]:
    if isinstance(entry, dict):
        return entry.get("modified_time"), entry.get("content_md5")
    if isinstance(entry, str):
        return entry, None
    return None, None
