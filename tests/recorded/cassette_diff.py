"""Say what changed in re-recorded cassettes: our client's requests, or the service's answers.

Usage (from the repository root, after a re-recording)::

    python -m tests.recorded.cassette_diff            # the working tree against HEAD
    python -m tests.recorded.cassette_diff main       # ... against another commit

For each changed cassette it pairs the old and new interactions in order (by method and path, so an inserted
or removed request does not shift the rest) and prints, for each pair that differs, whether the *request*
changed (method, URL, query or body: our client sends something else) or only the *response* (status or
body: the service answers something else), with the JSON fields that differ. Interactions present on one
side only are listed as added or removed requests (the client made more or fewer calls).
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = "cassettes"
MAX_FIELDS = 8


def _load(text: str | None) -> list[dict[str, Any]]:
    if not text:
        return []
    document = yaml.safe_load(text) or {}
    return list(document.get("interactions") or [])


def _old_text(rev: str, path: str) -> str | None:
    shown = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def _changed_paths(rev: str) -> list[str]:
    listed = subprocess.run(
        ["git", "diff", "--name-only", rev, "--", CASSETTES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "--", CASSETTES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(set(listed) | set(untracked))


def _key(interaction: dict[str, Any]) -> str:
    request = interaction["request"]
    return f"{request['method']} {request['uri'].split('?', 1)[0]}"


def _fields(old: Any, new: Any, where: str = "") -> Iterator[str]:
    """``where: old -> new`` for each leaf that differs between two decoded bodies."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            yield from _fields(old.get(key, "<absent>"), new.get(key, "<absent>"), f"{where}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _fields(a, b, f"{where}[{index}]")
    elif old != new:
        yield f"{where or 'body'}: {_short(old)} -> {_short(new)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    old_request, new_request = old["request"], new["request"]
    request_fields = [
        *_fields(old_request["uri"], new_request["uri"], "uri"),
        *_fields(old_request.get("body"), new_request.get("body"), "body"),
    ]
    if request_fields:
        lines.append("REQUEST changed (our client sends something else)")
        lines += [f"  {f}" for f in request_fields[:MAX_FIELDS]]
    old_response, new_response = old["response"], new["response"]
    response_fields = [
        *_fields(old_response["status"]["code"], new_response["status"]["code"], "status"),
        *_fields(old_response.get("body"), new_response.get("body"), "body"),
    ]
    if response_fields:
        lines.append("response changed (the service answers something else)")
        lines += [f"  {f}" for f in response_fields[:MAX_FIELDS]]
    return lines


def _request_id(interaction: dict[str, Any]) -> str:
    request = interaction["request"]
    return json.dumps([request["method"], request["uri"], request.get("body")], sort_keys=True)


def describe(old_text: str | None, new_text: str | None) -> list[str]:
    """The report for one cassette (empty when its requests and answers are the same).

    Interactions whose requests are identical are paired first (the k-th occurrence with the k-th), wherever
    they are: requests sent concurrently are recorded in whatever order they were sent, which is not a
    change. The rest are paired in order by method and path (a request that changed), or listed as added or
    removed.
    """
    old, new = _load(old_text), _load(new_text)
    if not old and not new:
        return []
    if not old or not new:
        return (
            [f"  a new cassette: {len(new)} interactions"] if new else [f"  removed: {len(old)} interactions"]
        )
    found: dict[int, list[str]] = {}
    waiting: dict[str, deque[int]] = defaultdict(deque)
    for index, item in enumerate(old):
        waiting[_request_id(item)].append(index)
    pairs, new_rest = [], []
    for index, item in enumerate(new):
        queue = waiting[_request_id(item)]
        if queue:
            pairs.append((queue.popleft(), index))
        else:
            new_rest.append(index)
    old_rest = sorted(index for queue in waiting.values() for index in queue)
    matcher = difflib.SequenceMatcher(
        a=[_key(old[i]) for i in old_rest], b=[_key(new[i]) for i in new_rest], autojunk=False
    )
    removed: list[int] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            pairs += [(old_rest[a0 + k], new_rest[b0 + k]) for k in range(a1 - a0)]
            continue
        removed += old_rest[a0:a1]
        for index in new_rest[b0:b1]:
            found[index] = [f"  + {_key(new[index])}: REQUEST newly made"]
    for old_index, new_index in pairs:
        changes = _compare(old[old_index], new[new_index])
        if changes:
            found[new_index] = [f"  #{new_index + 1} {_key(new[new_index])}", *[f"    {c}" for c in changes]]
    report = [line for index in sorted(found) for line in found[index]]
    report += [f"  - {_key(old[index])}: REQUEST no longer made" for index in removed]
    moved = [o for o, _ in sorted(pairs, key=lambda pair: pair[1])]
    if report and moved != sorted(moved):
        report.append("  (some requests were recorded in another order: they were sent concurrently)")
    return report


def main(argv: list[str]) -> int:
    rev = argv[0] if argv else "HEAD"
    changed = 0
    for path in _changed_paths(rev):
        current = ROOT / path
        report = describe(
            _old_text(rev, path), current.read_text(encoding="utf-8") if current.exists() else None
        )
        if report:
            changed += 1
            print(path)
            print("\n".join(report))
    if not changed:
        print(f"no cassette differs from {rev} in its interactions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
