"""What several commands share: connecting, argument types, provenance items, shared option groups."""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..connection import Connection
    from ..retry import RetryPolicy

__all__ = [
    "UsageError",
    "add_provenance_options",
    "annotations_json",
    "connect",
    "evaluation_id",
    "no_partial_downloads",
    "positive_int",
    "provenance_items",
    "synapse_id",
]

_SYNAPSE_ID = re.compile(r"^syn\d+(\.\d+)?$", re.IGNORECASE)
PARTIAL_SUFFIX = ".synapse-partial"
"""What the downloader appends to a file while its bytes arrive (see ``synapse_models.transfer.download``)."""


NOT_CONNECTED = (
    "not connected to Synapse: no token in SYNAPSE_AUTH_TOKEN, ~/.synapseConfig or the OS keyring; save one "
    "with 'synapse-models config' (or 'synapse-models login --remember'), or set SYNAPSE_AUTH_TOKEN"
)


class UsageError(Exception):
    """The command line is wrong in a way argparse cannot see (exit code 2, with the usage line)."""


def connect(args: argparse.Namespace, *, retry: RetryPolicy | None = None) -> Connection:
    """A connection from ``--profile``/``--endpoint`` (or the environment, config file and keyring), made the
    current one for the rest of the command.

    Unlike :func:`synapse_models.connect` it does not ask the server who the token belongs to: a command's
    first request shows a bad token just as clearly (the 401 names where the token came from), and users
    20-200 ms away from Synapse save that round trip on every command. ``login`` checks the token.

    Commands run in a context of their own (see ``main``), so the scope entered here ends with the command,
    and ``main`` closes the connection.
    """
    import synapse_models as sm
    from synapse_models.credentials import resolve_endpoints, resolve_token

    resolved = resolve_token(profile=args.profile)
    if resolved is None:
        raise sm.NotConnectedError(NOT_CONNECTED)
    conn = sm.Connection(
        resolve_endpoints(args.endpoint), resolved.token, token_source=resolved.source, retry=retry
    )
    args.opened.append(conn)
    conn.__enter__()
    return conn


# -- argument types (a bad value is a usage error, exit code 2) ---------------------------------------------


def synapse_id(text: str) -> str:
    """``syn123`` or ``syn123.4`` (any case), normalised to lower-case ``syn``."""
    value = text.strip()
    if not _SYNAPSE_ID.match(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Synapse id (expected e.g. syn123 or syn123.4)")
    return "syn" + value[3:]


def add_parent_option(parser: argparse.ArgumentParser, help: str, *, required: bool = False) -> None:
    """``--parent-id`` (also spelled ``--parentid`` and ``--parentId``, as the official client does)."""
    parser.add_argument(
        "--parent-id",
        "--parentid",
        "--parentId",
        dest="parent_id",
        type=synapse_id,
        required=required,
        metavar="syn123",
        help=help,
    )


def positive_int(text: str) -> int:
    """A version number: 1, 2, ..."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def evaluation_id(text: str) -> str:
    """An evaluation queue id: digits."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an evaluation id (digits, e.g. 9614112)")
    return text.strip()


def annotations_json(text: str) -> dict[str, Any]:
    """A JSON object of annotations: ``'{"species": "human", "age": [12, 13]}'``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('expected a JSON object such as \'{"foo": 1, "bar": "quux"}\'')
    return value


# -- provenance ------------------------------------------------------------------------------------------


def add_provenance_options(parser: argparse.ArgumentParser, *, activity_names: bool) -> None:
    """``--used`` and ``--executed`` (and ``--activity-name``/``--activity-description``)."""
    parser.add_argument(
        "--used",
        nargs="+",
        metavar="TARGET",
        default=[],
        help="what it was made from: Synapse ids (syn1 or syn1.2), URLs, or local files "
        "already in Synapse (found by md5)",
    )
    parser.add_argument(
        "--executed",
        nargs="+",
        metavar="TARGET",
        default=[],
        help="the code that made it: Synapse ids, URLs or local files already in Synapse",
    )
    if activity_names:
        parser.add_argument("--activity-name", metavar="NAME", help="a name for the step that made it")
        parser.add_argument("--activity-description", metavar="TEXT", help="what the step did")


def provenance_items(targets: Sequence[str]) -> list[Any]:
    """``--used``/``--executed`` values as Activity items: a local file becomes the entity version whose
    content it is (by md5); ids and URLs are passed on (and checked by :class:`~synapse_models.Activity`)."""
    import synapse_models as sm

    items: list[Any] = []
    for target in targets:
        if os.path.isfile(target):
            found = sm.File.from_path(target)
            items.append((found.id, found.version_number))
        else:
            items.append(target)
    return items


def make_activity(
    name: str | None, description: str | None, used: Sequence[str], executed: Sequence[str]
) -> Any:
    """An :class:`~synapse_models.Activity`, or ``None`` when no option asked for one."""
    if not (name or description or used or executed):
        return None
    import synapse_models as sm

    return sm.Activity(
        name=name, description=description, used=provenance_items(used), executed=provenance_items(executed)
    )


# -- downloads -------------------------------------------------------------------------------------------


@contextmanager
def no_partial_downloads(directory: str | os.PathLike[str], *, recursive: bool = False) -> Iterator[None]:
    """On Ctrl-C, remove the partial downloads this command started in ``directory`` (and below it).

    The Python API keeps a partial file so that a later call resumes it; a command that the user stopped
    leaves nothing behind instead.
    """
    import time

    started = time.time() - 1
    try:
        yield
    except KeyboardInterrupt:
        if recursive:
            paths = [os.path.join(d, f) for d, _, names in os.walk(directory) for f in names]
        else:
            try:
                paths = [entry.path for entry in os.scandir(directory)]
            except OSError:
                paths = []
        for path in paths:
            if path.endswith(PARTIAL_SUFFIX):
                try:
                    if os.stat(path).st_mtime >= started:
                        Path(path).unlink()
                except OSError:
                    pass
        raise
