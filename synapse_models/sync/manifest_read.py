"""Reading a manifest for ``sync_to`` the way the official client reads it, and checking every row.

Two styles are accepted: synapseutils' (``path``, ``parent``, ``id``...; usually the tab-separated
``SYNAPSE_METADATA_MANIFEST.tsv``) and the models' (``path``, ``parentId``, ``ID``...; the comma-separated
``manifest.csv``, where the download cart's informational columns are ignored and rows with an ``error`` are
skipped). The delimiter is a tab for ``.tsv``/``.txt`` files, a comma for ``.csv``, else what the header
holds.

Annotation typing follows the official client: pandas reads the file, so a column of whole numbers gives
integers, one with blanks gives floats, one of True/False gives booleans; then each text cell
``[a, b, "c, d"]`` splits on commas outside double quotes and each value is tried as an ISO 8601 datetime
(``Z`` is UTC; one without a zone is local time), then ``true``/``false`` in any case, then a Python number or
quoted string literal, and is otherwise kept as text. Empty cells are no annotation.

Paths expand ``~`` and ``$VARS``; relative ones are relative to the current directory (as the official
client), or to ``base_dir``. A URL path is a file that Synapse does not store (``synapseStore=False``).
"""

from __future__ import annotations

import ast
import csv
import math
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import attrs

from ..errors import ManifestProblem, ValidationError
from .manifest import CSV_COLUMNS, TSV_COLUMNS

__all__ = [
    "Manifest",
    "ManifestRow",
    "Reference",
    "dependencies",
    "is_url",
    "normalize",
    "parse_cell",
    "read_manifest",
]

LEGACY_COLUMNS = frozenset({*TSV_COLUMNS, "forceVersion"})
MODELS_COLUMNS = frozenset(
    {
        *CSV_COLUMNS,
        "forceVersion",
        "error",
        "versionNumber",
        "dataFileSizeBytes",
        "createdBy",
        "createdOn",
        "modifiedBy",
        "modifiedOn",
        "synapseURL",
        "dataFileMD5Hex",
    }
)
_LEGACY_LIST = re.compile(r"^\[.*\]$", re.DOTALL)
_MODELS_LIST = re.compile(r"^\[[^\]]*\]$")
_COMMAS = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')

Kind = Literal["row", "file", "url", "id"]


@attrs.frozen
class Reference:
    """One ``used``/``executed`` item: another row (by path), a local file outside the manifest, a URL or
    an entity id (``syn1`` or ``syn1.2``)."""

    kind: Kind
    value: str


@attrs.define(slots=True)
class ManifestRow:
    """One checked row."""

    line: int
    path: str
    """The absolute local path, or a URL."""
    parent_id: str
    name: str
    entity_id: str | None
    synapse_store: bool
    content_type: str | None
    force_version: bool
    annotations: dict[str, list[Any]]
    used: list[Reference]
    executed: list[Reference]
    activity_name: str | None
    activity_description: str | None
    size: int = 0

    @property
    def is_url(self) -> bool:
        return is_url(self.path)


@attrs.define
class Manifest:
    """The rows of a manifest and every problem found in them."""

    source: str
    style: Literal["legacy", "models"]
    rows: list[ManifestRow]
    problems: list[ManifestProblem]
    base: Path = Path()
    """The directory relative paths of the manifest are relative to."""


def is_url(text: str) -> bool:
    """A URL as the official client sees one (a scheme and a host, or ``file:`` with a path)."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    if len(parts.scheme) == 1 and parts.scheme.isalpha():  # a Windows drive letter
        return False
    if parts.scheme == "file" and parts.path:
        return True
    return bool(parts.scheme) and bool(parts.netloc)


def _value(text: str) -> Any:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        aware = moment if moment.tzinfo else moment.astimezone()  # no zone: local time, as the official
        # annotations keep milliseconds: round as the server does, so a rerun compares equal
        millis = math.floor(aware.timestamp() * 1000 + 0.5)
        return datetime.fromtimestamp(millis / 1000, tz=aware.tzinfo)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        literal = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    return literal if isinstance(literal, (int, float, str)) and not isinstance(literal, bool) else text


def parse_cell(cell: str, *, legacy: bool = True) -> list[Any]:
    """The typed values of one annotation cell (see the module docstring)."""
    cell = cell.strip()
    pattern = _LEGACY_LIST if legacy else _MODELS_LIST
    parts = [p.strip() for p in _COMMAS.split(cell[1:-1])] if pattern.match(cell) else [cell]
    return [_value(p) for p in parts if p]


def _plain(value: Any) -> Any:
    """numpy scalars (from pandas) as Python values."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (str, bytes)) else value


def _delimiter(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".txt", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    return "\t" if "\t" in header else ","


def _line_numbers(path: Path, delimiter: str) -> list[int]:
    """The file line of each data record, skipping blank lines as pandas does."""
    lines: list[int] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if record:
                lines.append(start)
            start = reader.line_num + 1
    return lines


def _flag(value: Any, default: bool | None) -> bool | None:
    value = _plain(value)
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return default
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(value)


def _records(path: Path, delimiter: str) -> tuple[list[str], list[dict[str, Any]]]:
    import pandas as pd

    frame = pd.read_csv(path, sep=delimiter)
    columns = [str(c) for c in frame.columns]
    frame = frame.astype(object).where(frame.notna(), "")
    return columns, frame.to_dict("records")


def read_manifest(
    source: str | os.PathLike[str],
    *,
    base_dir: str | os.PathLike[str] | None = None,
) -> Manifest:
    """Read and check a manifest; every problem found locally is in ``.problems`` with its line.

    Provenance references between rows are resolved by :func:`._provenance.resolve_provenance`, and remote
    checks (that parents exist and are containers) are the caller's.
    """
    path = Path(os.path.expanduser(os.fspath(source)))
    problems: list[ManifestProblem] = []
    if not path.is_file():
        raise ValidationError("source", str(source), "not a manifest file or directory")
    delimiter = _delimiter(path)
    try:
        columns, records = _records(path, delimiter)
    except Exception as exc:  # pandas' parser errors: the file is not a table
        problems.append(ManifestProblem(0, "manifest", str(path), f"cannot be read as a table: {exc}"))
        return Manifest(str(path), "legacy", [], problems)
    style: Literal["legacy", "models"] = (
        "models" if "parentId" in columns and "parent" not in columns else "legacy"
    )
    parent_column, id_column = ("parentId", "ID") if style == "models" else ("parent", "id")
    for column in ("path", parent_column):
        if column not in columns:
            problems.append(ManifestProblem(1, "columns", columns, f"a manifest needs a {column!r} column"))
    if problems:
        return Manifest(str(path), style, [], problems)
    lines = _line_numbers(path, delimiter)
    if len(lines) != len(records):
        lines = list(range(2, len(records) + 2))
    fixed = LEGACY_COLUMNS if style == "legacy" else MODELS_COLUMNS
    annotation_columns = [c for c in columns if c not in fixed]
    base = Path(os.fspath(base_dir)).expanduser() if base_dir is not None else Path.cwd()
    rows: list[ManifestRow] = []
    for line, record in zip(lines, records, strict=True):
        if style == "models" and str(record.get("error") or "").strip():
            continue
        rows.append(
            _row(
                line, record, parent_column, id_column, annotation_columns, style == "legacy", base, problems
            )
        )
    _check_unique(rows, problems)
    return Manifest(str(path), style, rows, problems, base)


def normalize(text: str, base: Path) -> str:
    """A manifest path as an absolute path: ``~`` and ``$VARS`` expanded, relative to ``base``."""
    return os.path.normpath(os.path.join(base, os.path.expandvars(os.path.expanduser(text))))


def _row(
    line: int,
    record: dict[str, Any],
    parent_column: str,
    id_column: str,
    annotation_columns: list[str],
    legacy: bool,
    base: Path,
    problems: list[ManifestProblem],
) -> ManifestRow:
    """One row; its problems are added to ``problems`` (the row is still returned, for the checks that
    look across rows, but is never stored)."""
    from ..models.annotations import Annotations
    from ..models.folder import Folder

    def problem(field: str, value: Any, text: str) -> None:
        problems.append(ManifestProblem(line, field, value, text))

    raw_path = str(_plain(record.get("path", ""))).strip()
    size = 0
    url = is_url(raw_path)
    local = raw_path if url else normalize(raw_path, base)
    if not raw_path:
        problem("path", raw_path, "is empty")
    elif not url:
        if not os.path.isfile(local):
            problem("path", raw_path, "is not a file or does not exist")
        else:
            size = os.path.getsize(local)
            if size == 0:
                problem("path", raw_path, "is empty (0 bytes); Synapse does not accept empty files")
    parent = str(_plain(record.get(parent_column, ""))).strip()
    try:
        from . import _internals

        parent_id, version = _internals.parse_entity_id(parent, parent_column)
        if version is not None:
            problem(parent_column, parent, "a parent takes no version")
    except ValidationError:
        parent_id = ""
        problem(parent_column, parent, "is not a Synapse id of a project or folder")
    name = str(_plain(record.get("name", "")) or "").strip() or os.path.basename(
        urlsplit(raw_path).path if url else local.rstrip("/")
    )
    try:
        Folder(name=name)
    except ValidationError as exc:
        problem("name", name, exc.problem)
    entity_id: str | None = None
    if str(_plain(record.get(id_column, "")) or "").strip():
        try:
            from . import _internals

            entity_id = _internals.parse_entity_id(str(record[id_column]).strip(), id_column)[0]
        except ValidationError as exc:
            problem(id_column, record[id_column], exc.problem)
    flags: dict[str, bool] = {}
    for column, default in (("synapseStore", True), ("forceVersion", False)):
        try:
            flags[column] = bool(_flag(record.get(column, ""), default))
        except ValueError:
            problem(column, record.get(column), "expected True or False")
    annotations: dict[str, list[Any]] = {}
    for column in annotation_columns:
        value = _plain(record.get(column, ""))
        if value == "" or value is None:
            continue
        values = parse_cell(value, legacy=legacy) if isinstance(value, str) else [value]
        try:
            annotations.update(Annotations({column: values}).to_dict())
        except ValidationError as exc:
            problem(column, value, exc.problem)
    provenance: dict[str, list[Reference]] = {}
    for column in ("used", "executed"):
        cell = str(_plain(record.get(column, "")) or "")
        provenance[column] = [Reference("file", item.strip()) for item in cell.split(";") if item.strip()]
    return ManifestRow(
        line=line,
        path=local,
        parent_id=parent_id,
        name=name,
        entity_id=entity_id,
        synapse_store=False if url else flags.get("synapseStore", True),
        content_type=str(_plain(record.get("contentType", "")) or "").strip() or None,
        force_version=flags.get("forceVersion", False),
        annotations=annotations,
        used=provenance["used"],
        executed=provenance["executed"],
        activity_name=str(_plain(record.get("activityName", "")) or "") or None,
        activity_description=str(_plain(record.get("activityDescription", "")) or "") or None,
        size=size,
    )


def _check_unique(rows: list[ManifestRow], problems: list[ManifestProblem]) -> None:
    seen_paths: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for row in list(rows):
        first = seen_paths.setdefault(row.path, row.line)
        if first != row.line:
            problems.append(ManifestProblem(row.line, "path", row.path, f"is also on line {first}"))
        key = (row.name, row.parent_id)
        first = seen_names.setdefault(key, row.line)
        if first != row.line:
            problems.append(
                ManifestProblem(
                    row.line, "name", row.name, f"line {first} has the same name and parent {row.parent_id}"
                )
            )


def dependencies(row: ManifestRow) -> Iterator[str]:
    """The paths of the rows this row's provenance names."""
    for item in (*row.used, *row.executed):
        if item.kind == "row":
            yield item.value
