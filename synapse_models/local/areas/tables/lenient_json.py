"""JSON cells read the way Synapse reads them: with the lenient grammar of the ``org.json`` library.

Synapse stores a JSON cell as ``new JSONObject(text).toString()``, falling back to ``JSONArray``; that parser
accepts what strict JSON refuses — single-quoted strings, unquoted keys and values (``{a: b}``), ``True`` or
``NULL`` in any case, trailing commas, ``;`` between members, ``=``/``=>`` after keys — which is what pandas
writes for a ``dict`` cell (``{'key': 'value', 'n': 2}``).  The stored form is strict, compact JSON.  Only an
object or an array is a JSON cell; anything else is refused with org.json's messages, as Synapse words it.
"""

from __future__ import annotations

import json
from typing import Any

#: Characters that end an unquoted value (org.json's JSONTokener.nextValue).
_STOPS = frozenset(',:]}/\\"[{;=#')


class JSONSyntaxError(ValueError):
    """A text org.json cannot parse; the message ends with org.json's position suffix."""


class _Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.line = 1
        self.character = 1

    def next(self) -> str:
        if self.index >= len(self.text):
            self.index += 1
            return ""
        char = self.text[self.index]
        self.index += 1
        if char == "\n":
            self.line, self.character = self.line + 1, 0
        else:
            self.character += 1
        return char

    def back(self) -> None:
        self.index -= 1
        if 0 <= self.index < len(self.text) and self.text[self.index] != "\n":
            self.character -= 1

    def next_clean(self) -> str:
        while True:
            char = self.next()
            if char == "" or char > " ":
                return char

    def error(self, message: str) -> JSONSyntaxError:
        return JSONSyntaxError(f"{message} at {self.index} [character {self.character} line {self.line}]")

    def string(self, quote: str) -> str:
        escapes = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r"}
        out: list[str] = []
        while True:
            char = self.next()
            if char in ("", "\n", "\r"):
                raise self.error("Unterminated string")
            if char == quote:
                return "".join(out)
            if char != "\\":
                out.append(char)
                continue
            char = self.next()
            if char == "u":
                digits = "".join(self.next() for _ in range(4))
                try:
                    out.append(chr(int(digits, 16)))
                except ValueError:
                    raise self.error("Illegal escape.") from None
            elif char in escapes:
                out.append(escapes[char])
            elif char in ('"', "'", "\\", "/"):
                out.append(char)
            else:
                raise self.error("Illegal escape.")

    def value(self) -> Any:
        char = self.next_clean()
        if char in ('"', "'"):
            return self.string(char)
        if char == "{":
            self.back()
            return self.object()
        if char == "[":
            self.back()
            return self.array()
        chars = []
        while char != "" and char >= " " and char not in _STOPS:
            chars.append(char)
            char = self.next()
        self.back()
        word = "".join(chars).strip()
        if not word:
            raise self.error("Missing value")
        return _word_value(word)

    def object(self) -> dict[str, Any]:
        if self.next_clean() != "{":
            raise self.error("A JSONObject text must begin with '{'")
        result: dict[str, Any] = {}
        while True:
            char = self.next_clean()
            if char == "":
                raise self.error("A JSONObject text must end with '}'")
            if char == "}":
                return result
            self.back()
            key = _text_of(self.value())
            char = self.next_clean()
            if char == "=":
                if self.next() != ">":
                    self.back()
            elif char != ":":
                raise self.error("Expected a ':' after a key")
            if key in result:
                raise self.error(f'Duplicate key "{key}"')
            result[key] = self.value()
            char = self.next_clean()
            if char in (";", ","):
                if self.next_clean() == "}":
                    return result
                self.back()
            elif char == "}":
                return result
            else:
                raise self.error("Expected a ',' or '}'")

    def array(self) -> list[Any]:
        if self.next_clean() != "[":
            raise self.error("A JSONArray text must start with '['")
        result: list[Any] = []
        if self.next_clean() == "]":
            return result
        self.back()
        while True:
            if self.next_clean() == ",":
                self.back()
                result.append(None)
            else:
                self.back()
                result.append(self.value())
            char = self.next_clean()
            if char == ",":
                if self.next_clean() == "]":
                    return result
                self.back()
            elif char == "]":
                return result
            else:
                raise self.error("Expected a ',' or ']'")


def _word_value(word: str) -> Any:
    """An unquoted value: true/false/null in any case, a number, or else the text itself."""
    lowered = word.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if (word[0].isdigit() or word[0] in "-.") and "_" not in word:
        try:
            return float(word) if any(c in word for c in ".eE") else int(word)
        except ValueError:
            return word
    return word


def _text_of(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def normalize_json_cell(text: str) -> str:
    """Return the stored (strict, compact) form of a JSON cell; ``JSONSyntaxError`` in Synapse's words."""
    try:
        parsed: Any = _Tokens(text).object()
    except JSONSyntaxError as object_error:
        try:
            parsed = _Tokens(text).array()
        except JSONSyntaxError as array_error:
            raise JSONSyntaxError(f"Invalid JSON object or array: {object_error}, {array_error}") from None
    return json.dumps(parsed, separators=(",", ":"), allow_nan=False)
