"""Provenance inside a manifest: what each ``used``/``executed`` item is, and rows that depend on each other
in a cycle (which no upload order can satisfy)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import ManifestProblem
from .manifest_read import ManifestRow, Reference, dependencies, is_url, normalize

__all__ = ["resolve_provenance"]

_SYNAPSE_ID = re.compile(r"^syn\d+(\.\d+)?$", re.IGNORECASE)


def resolve_provenance(rows: list[ManifestRow], base: Path, problems: list[ManifestProblem]) -> None:
    """Classify each provenance item (another row, a local file, a URL, an id); report the rest and cycles."""
    by_path = {row.path: row for row in rows}
    for row in rows:
        for column in ("used", "executed"):
            resolved: list[Reference] = []
            for item in getattr(row, column):
                text = item.value
                local = normalize(text, base)
                if os.path.isfile(local):
                    resolved.append(Reference("row" if local in by_path else "file", local))
                elif is_url(text):
                    resolved.append(Reference("url", text))
                elif _SYNAPSE_ID.match(text):
                    resolved.append(Reference("id", text.lower()))
                else:
                    problems.append(
                        ManifestProblem(
                            row.line, column, text, "is neither a local file, a URL nor a Synapse id"
                        )
                    )
            setattr(row, column, resolved)
    for cycle in _cycles(rows, by_path):
        lines = ", ".join(str(r.line) for r in cycle)
        for member in cycle:
            problems.append(
                ManifestProblem(
                    member.line, "used", member.path, f"is part of a provenance cycle (lines {lines})"
                )
            )


def _cycles(rows: list[ManifestRow], by_path: dict[str, ManifestRow]) -> list[list[ManifestRow]]:
    """Strongly connected groups of rows that depend on each other (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[ManifestRow]] = []
    counter = 0
    for start in (r.path for r in rows):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, dependencies(by_path[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, dependencies(by_path[nxt])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                selfish = node in set(dependencies(by_path[node]))
                if len(group) > 1 or selfish:
                    found.append(sorted((by_path[p] for p in group), key=lambda r: r.line))
    return found
