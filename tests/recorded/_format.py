"""How cassettes are written, read back and matched: readable YAML, a secrets check, structural body matching.

The file format is vcrpy's YAML with three readability changes that are undone on reading:

* a JSON body is written as YAML (``body: {json: ...}``), in the order the server sent it, when writing it
  back compactly gives the same bytes (otherwise it stays a string: exactness beats looks);
* a gzip answer (wiki markdown) is written as its text (``body: {gzip_text: ...}``) when gzipping that text
  again (as the client does, ``mtime=0``) gives the same bytes;
* multi-line text is written as a ``|`` block, and ``metadata`` (the run prefix, the endpoint) comes first.

``Content-Length`` is not stored: it is set from the body when a cassette is read.
"""

from __future__ import annotations

import difflib
import gzip
import json
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request

from ._scrub import dump_json, find_secrets, normalize_body, parse_json, secret_headers

KNOWN_SECRETS: set[str] = set()
"""Tokens in use by the current recording; a cassette containing one is refused (see RefusingPersister)."""


class CassetteSecretError(RuntimeError):
    """A cassette about to be written contains a secret; it was not written."""


# -- the YAML format -----------------------------------------------------------------------------------------


# libyaml when PyYAML has it: a replay spends most of its time reading cassettes
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself when a block cannot represent the value exactly
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _readable_body(data: str | bytes | None) -> Any:
    """The stored form of a body vcrpy holds as ``str`` (UTF-8) or ``bytes``."""
    if isinstance(data, bytes) and data[:2] == b"\x1f\x8b":
        try:
            text = gzip.decompress(data).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError):
            return data
        if gzip.compress(text.encode("utf-8"), mtime=0) == data:
            return {"gzip_text": text}
        return data
    if isinstance(data, str):
        document = parse_json(data)
        if document is not None and dump_json(document) == data:
            return {"json": document}
    return data


def _exact_body(stored: Any) -> str | bytes | None:
    if isinstance(stored, dict) and "json" in stored:
        return dump_json(stored["json"])
    if isinstance(stored, dict) and "gzip_text" in stored:
        return gzip.compress(stored["gzip_text"].encode("utf-8"), mtime=0)
    return stored  # type: ignore[no-any-return]


def _length(data: str | bytes | None) -> int:
    if data is None:
        return 0
    return len(data.encode("utf-8") if isinstance(data, str) else data)


def serialize(cassette: dict[str, Any]) -> str:
    interactions = []
    for item in cassette["interactions"]:
        request, response = item["request"], item["response"]
        body = response.get("body") or {}
        interactions.append(
            {
                "request": {
                    "method": request["method"],
                    "uri": request["uri"],
                    "headers": request["headers"],
                    "body": _readable_body(request["body"]),
                },
                "response": {
                    "status": response["status"],
                    "headers": {
                        k: v for k, v in response["headers"].items() if k.lower() != "content-length"
                    },
                    "body": _readable_body(body.get("string")),
                },
            }
        )
    document = {
        "metadata": cassette.get("metadata") or {},
        "interactions": interactions,
        "version": cassette["version"],
    }
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def deserialize(text: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(text, Loader=_Loader)
    for item in document.get("interactions", []):
        request, response = item["request"], item["response"]
        request["body"] = _exact_body(request.get("body"))
        data = _exact_body(response.get("body"))
        response["body"] = {"string": data}
        headers = dict(response.get("headers") or {})
        headers["Content-Length"] = [str(_length(data))]
        response["headers"] = headers
    if not document.get("metadata"):
        document.pop("metadata", None)
    return document


class ReadableYaml:
    """The serializer registered as ``yaml``."""

    serialize = staticmethod(serialize)
    deserialize = staticmethod(deserialize)


# -- the persister: UTF-8 files, and never one with a secret ------------------------------------------------


def check_cassette_text(text: str) -> list[str]:
    """Everything wrong with a cassette's text from the point of view of secrets."""
    problems = find_secrets(text, tuple(sorted(KNOWN_SECRETS)))
    try:
        document = yaml.load(text, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        return [*problems, f"not valid YAML: {exc}"]
    for number, item in enumerate(document.get("interactions", []), 1):
        for side in ("request", "response"):
            for name in secret_headers(item.get(side, {}).get("headers") or {}):
                problems.append(f"interaction {number}: the {side} header {name} has a value")
    return problems


class RefusingPersister:
    """vcrpy's file persister, in UTF-8, with the cassette's metadata, refusing to write a secret."""

    @staticmethod
    def load_cassette(cassette_path: str | Path, serializer: Any) -> tuple[Any, ...]:
        from vcr.persisters.filesystem import CassetteNotFoundError
        from vcr.serialize import deserialize as vcr_deserialize

        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        return tuple(vcr_deserialize(path.read_text(encoding="utf-8"), serializer))

    @staticmethod
    def save_cassette(cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any) -> None:
        from vcr.serialize import serialize as vcr_serialize

        text = vcr_serialize(cassette_dict, serializer)
        problems = check_cassette_text(text)
        if problems:
            raise CassetteSecretError(f"{cassette_path} was not written: " + "; ".join(problems))
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# -- matching bodies ----------------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells ``true`` from ``1`` and ``1`` from ``1.0`` (Python's ``==`` does not)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _normalized(request: Request) -> bytes | None:
    body = request.body_bytes
    if isinstance(body, str):
        body = body.encode("utf-8")
    return normalize_body(body)


def match_body(made: Request, recorded: Request) -> None:
    """vcrpy matcher: JSON bodies compared as JSON values (key order and spacing do not matter, types do);
    other bodies compared exactly, which for file parts and gzip means their length and md5 (see _scrub).

    Raises:
        AssertionError: The bodies differ; the message is a short diff (recorded -> this request).
    """
    mine, theirs = _normalized(made), _normalized(recorded)
    if mine == theirs:
        return
    mine_json, theirs_json = parse_json(mine), parse_json(theirs)
    if mine_json is not None and theirs_json is not None:
        if _same(mine_json, theirs_json):
            return
        old = json.dumps(theirs_json, indent=1, sort_keys=True).splitlines()
        new = json.dumps(mine_json, indent=1, sort_keys=True).splitlines()
        diff = difflib.unified_diff(old, new, "recorded", "this request", n=1, lineterm="")
        raise AssertionError("the JSON bodies differ:\n" + "\n".join(list(diff)[:40]))
    raise AssertionError(f"the bodies differ: recorded {_describe(theirs)}, this request {_describe(mine)}")


def _describe(body: bytes | None) -> str:
    if body is None:
        return "no body"
    text = body.decode("utf-8", "replace")
    return repr(text[:200] + ("..." if len(text) > 200 else ""))
