"""Writing the official client's manifests: ``SYNAPSE_METADATA_MANIFEST.tsv`` and ``manifest.csv``.

Both list one file per row: ``path`` (absolute local path), the parent id, ``name``, the entity id,
``synapseStore``, ``contentType``, ``used``, ``executed``, ``activityName``, ``activityDescription``, then one
column per annotation key (sorted). The TSV is synapseutils' format (tab-separated, never quoted; columns
``parent`` and ``id``), the CSV the models' ``sync_from_synapse`` format read by the portal's download cart
(comma-separated, quoted where needed; columns ``parentId`` and ``ID``). Values: one value as itself, several
as ``[a,b]`` (a string holding a comma is wrapped in double quotes inside a list); datetimes in ISO 8601 UTC
(``2020-01-01T00:00:00Z``, with ``.mmm`` only when the milliseconds are not zero); other values by ``repr``
(``True``, ``12``, ``1.5``). ``used``/``executed`` join ``syn123.4`` references and URLs with ``;``.

:class:`ManifestWriter` streams: rows go to one spool file per directory, and the manifests are assembled at
the end, so memory does not grow with the number of files.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CSV_COLUMNS",
    "MANIFEST_CSV",
    "MANIFEST_TSV",
    "TSV_COLUMNS",
    "ManifestWriter",
    "format_values",
    "manifest_row",
]

log = logging.getLogger("synapse_models.sync")

MANIFEST_TSV = "SYNAPSE_METADATA_MANIFEST.tsv"
MANIFEST_CSV = "manifest.csv"
# the columns both manifests share, after the file's path, parent, name and id (named differently in each)
_FILE_COLUMNS = ["synapseStore", "contentType", "used", "executed", "activityName", "activityDescription"]
TSV_COLUMNS = ["path", "parent", "name", "id", *_FILE_COLUMNS]
CSV_COLUMNS = ["path", "parentId", "name", "ID", *_FILE_COLUMNS]
ManifestMode = Literal["all", "root", "suppress"]
_FLUSH_ROWS = 5000
_SORT_LIMIT = 20_000


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    utc = aware.astimezone(timezone.utc)
    if utc.microsecond >= 999_500:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    millis = round(utc.microsecond / 1000)
    base = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


def format_values(values: list[Any]) -> str:
    """One manifest cell for an annotation's values (see the module docstring)."""
    cells: list[str] = []
    for value in values:
        if isinstance(value, datetime):
            cells.append(_iso(value))
        elif isinstance(value, str):
            cells.append(f'"{value}"' if len(values) > 1 and "," in value else value)
        else:
            cells.append(repr(value))
    if len(cells) > 1:
        return f"[{','.join(cells)}]"
    return cells[0] if cells else ""


def manifest_row(
    *,
    path: str,
    parent_id: str | None,
    name: str,
    entity_id: str,
    synapse_store: bool,
    content_type: str | None,
    used: list[str],
    executed: list[str],
    activity_name: str | None,
    activity_description: str | None,
    annotations: dict[str, list[Any]],
) -> dict[str, Any]:
    """The row of one file, with the TSV's column names and annotation cells already formatted."""
    return {
        "path": path,
        "parent": parent_id or "",
        "name": name,
        "id": entity_id,
        "synapseStore": str(bool(synapse_store)),
        "contentType": content_type or "",
        "used": ";".join(used),
        "executed": ";".join(executed),
        "activityName": activity_name or "",
        "activityDescription": activity_description or "",
        "annotations": {key: format_values(list(values)) for key, values in annotations.items() if values},
    }


def _tsv_safe(text: str) -> str:
    """A cell of the never-quoted TSV: a tab or line break in a value cannot be written, so it is a space."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


class ManifestWriter:
    """Collects manifest rows during a sync and writes the manifests at the end.

    Args:
        root: The local directory of the sync.
        mode: ``"all"`` (a manifest in every directory, listing the files in it and below it, as the official
            client), ``"root"`` (one, at ``root``) or ``"suppress"``.
    """

    def __init__(self, root: Path, mode: ManifestMode) -> None:
        self.root = root
        self.mode = mode
        self._spool = Path(tempfile.mkdtemp(prefix="synapse-manifest-"))
        self._index: dict[str, int] = {}
        self._keys: dict[str, set[str]] = {}
        self._counts: dict[str, int] = {}
        self._buffer: dict[str, list[str]] = {}
        self._buffered = 0

    def __enter__(self) -> ManifestWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self._spool, ignore_errors=True)

    def directory(self, relative: str) -> None:
        """Register a directory (it gets a manifest even without files, as the official ``manifest.csv``)."""
        while relative not in self._index:
            self._index[relative] = len(self._index)
            self._keys[relative] = set()
            self._counts[relative] = 0
            if not relative:
                return
            relative = relative.rsplit("/", 1)[0] if "/" in relative else ""

    def add(self, relative_dir: str, row: dict[str, Any]) -> None:
        """Add the row of one file that is in ``relative_dir``."""
        if self.mode == "suppress":
            return
        self.directory(relative_dir)
        self._keys[relative_dir].update(row["annotations"])
        self._counts[relative_dir] += 1
        self._buffer.setdefault(relative_dir, []).append(json.dumps(row, separators=(",", ":")))
        self._buffered += 1
        if self._buffered >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        for relative, lines in self._buffer.items():
            with open(self._spool / f"{self._index[relative]}.jsonl", "a", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
        self._buffer.clear()
        self._buffered = 0

    def _rows(self, relative: str) -> Iterator[dict[str, Any]]:
        spool = self._spool / f"{self._index[relative]}.jsonl"
        if self._counts[relative] <= _SORT_LIMIT:
            rows = (
                [json.loads(line) for line in spool.read_text(encoding="utf-8").splitlines()]
                if spool.exists()
                else []
            )
            yield from sorted(rows, key=lambda r: str(r["path"]))
            return
        with open(spool, encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)

    def _subtrees(self) -> dict[str, list[str]]:
        """Every directory -> itself and all directories below it (sorted), in O(directories x depth)."""
        below: dict[str, list[str]] = {d: [] for d in self._index}
        for d in self._index:
            if d:
                below[d.rsplit("/", 1)[0] if "/" in d else ""].append(d)
        out: dict[str, list[str]] = {}

        def collect(d: str) -> list[str]:
            if d not in out:
                stack, found = [d], []
                while stack:
                    here = stack.pop()
                    found.append(here)
                    stack.extend(below[here])
                out[d] = sorted(found)
            return out[d]

        for d in self._index:
            collect(d)
        return out

    def finish(self) -> list[Path]:
        """Write the manifests (atomically, each renamed into place when complete); return their paths."""
        if self.mode == "suppress":
            return []
        self._flush()
        self.directory("")
        targets = [""] if self.mode == "root" else sorted(self._index)
        subtrees = self._subtrees()
        written: list[Path] = []
        for relative in targets:
            subtree = subtrees[relative]
            keys = sorted(set().union(*(self._keys[d] for d in subtree)))
            has_files = any(self._counts[d] for d in subtree)
            directory = self.root / relative if relative else self.root
            written.append(self._write(directory / MANIFEST_CSV, subtree, keys, csv_format=True))
            if has_files:  # the official client writes the TSV only where there are files
                written.append(self._write(directory / MANIFEST_TSV, subtree, keys, csv_format=False))
        return written

    def _write(self, target: Path, subtree: list[str], keys: list[str], *, csv_format: bool) -> Path:
        # a name of this process's own: several processes may write the same manifest at once
        partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        columns = CSV_COLUMNS if csv_format else TSV_COLUMNS
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL) if csv_format else None
            self._line(handle, writer, [*columns, *keys])
            for relative in subtree:
                for row in self._rows(relative):
                    values = [row[c] for c in TSV_COLUMNS] + [row["annotations"].get(k, "") for k in keys]
                    self._line(handle, writer, [str(v) for v in values])
        os.replace(partial, target)
        return target

    @staticmethod
    def _line(handle: io.TextIOBase, writer: Any, cells: list[str]) -> None:
        if writer is not None:
            writer.writerow(cells)
        else:  # CRLF, as Python's csv module (and so the official client) ends lines
            handle.write("\t".join(_tsv_safe(c) for c in cells) + "\r\n")
