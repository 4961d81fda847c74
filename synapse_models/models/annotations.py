"""Typed annotations: ``str -> list[str | int | float | bool | datetime]``.

The Python type of the values picks the Synapse type, and values come back as the same Python type:

=============  ===============
Python         Synapse
=============  ===============
``str``        STRING
``int``        LONG
``float``      DOUBLE (``int`` and ``float`` mixed in one list also give DOUBLE)
``bool``       BOOLEAN
``datetime``   TIMESTAMP_MS (naive datetimes are taken as UTC; millisecond precision)
=============  ===============

Values straight out of a DataFrame are welcome too: numpy and pandas scalars (``np.int64``, ``np.float32``,
``np.bool_``, ``np.str_``, ``np.datetime64``, ``pd.Timestamp``) become the Python value they stand for, and a
1-D array, Series or Index is a list of values. A *missing* value (``None``, ``pd.NA``, ``pd.NaT``, a NaT
``np.datetime64``) raises :class:`~synapse_models.errors.ValidationError` naming the key: leave the key out
(``{k: v for k, v in row.items() if pd.notna(v)}``) or delete it. A float NaN is a value Synapse keeps
(DOUBLE ``NaN``), so it is stored as such. numpy and pandas are never imported for this: their values are
recognised by their type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from datetime import date, datetime, timezone
from typing import Any, TypeAlias

from .._convert import converter, from_wire, to_wire
from .._repr import LIMIT, clip, short_value
from ..errors import ValidationError
from ._wire import AnnotationEntry, AnnotationsBody

__all__ = ["AnnotationValue", "Annotations", "AnnotationsInput"]

AnnotationValue: TypeAlias = "str | int | float | bool | datetime"
AnnotationsInput: TypeAlias = "Mapping[str, AnnotationValue | Sequence[AnnotationValue]]"

_KEY = re.compile(r"^[A-Za-z0-9,_.]+$")
MAX_KEYS = 100
MAX_VALUES = 100
MAX_STRING_CHARS = 500
_RESERVED = {"_accessRequirementIds"}


_MISSING = frozenset({"NAType", "NaTType"})


def _missing(key: str, value: object) -> ValidationError:
    return ValidationError(
        f"annotations[{key!r}]",
        value,
        f"{'None' if value is None else 'a missing value'} is not allowed as an annotation value; leave the "
        "key out (or delete it) instead",
    )


def _plain(key: str, value: object) -> object:
    """A numpy or pandas scalar as the Python value it stands for; other values as they are.

    Recognised by the module of their type, so neither library is imported here.
    """
    kind = type(value)
    if kind.__module__.split(".", 1)[0] not in ("numpy", "pandas"):
        return value
    if kind.__name__ in _MISSING:
        raise _missing(key, value)
    if isinstance(value, datetime):  # pd.Timestamp: a datetime with nanoseconds Synapse would not keep
        return value.to_pydatetime(warn=False)  # type: ignore[attr-defined]
    dtype_kind = getattr(getattr(value, "dtype", None), "kind", None)
    if getattr(value, "ndim", 0) != 0:
        return value  # an array: the caller takes it as a list
    if dtype_kind == "b":
        return bool(value)
    if dtype_kind in ("i", "u"):
        return int(value)  # type: ignore[call-overload]
    if dtype_kind == "f":
        # a float32 prints as the decimal it was written from (0.1, not 0.10000000149011612): keep that one
        small = getattr(getattr(value, "dtype", None), "itemsize", 8) < 8
        return float(str(value)) if small else float(value)  # type: ignore[arg-type]
    if dtype_kind in ("U", "S"):
        return str(value)
    if dtype_kind == "M":
        moment = value.astype("datetime64[us]").item()  # type: ignore[attr-defined]
        if moment is None:
            raise _missing(key, value)
        if not isinstance(moment, datetime):  # a date-only numpy value: midnight UTC
            if isinstance(moment, date):
                return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)
            raise ValidationError(f"annotations[{key!r}]", value, "outside the years 1 to 9999")
        return moment
    return value


def _values(key: str, raw: object) -> list[Any]:
    """The values of one key: a scalar as a one-element list, a sequence (or 1-D array) as a list."""
    if isinstance(raw, bytes):
        raise ValidationError(f"annotations[{key!r}]", raw, "bytes are not an annotation type; decode them")
    raw = _plain(key, raw)
    if isinstance(raw, str) or not isinstance(raw, (Sequence, set, frozenset, tuple)):
        if getattr(raw, "ndim", None) == 1 and hasattr(raw, "__iter__"):  # numpy array, pandas Series/Index
            return [_plain(key, v) for v in raw]
        return [raw]
    return [_plain(key, v) for v in raw]


def _kind(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "LONG"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, datetime):
        if value != value:  # pd.NaT passed inside something we did not unpack
            raise _missing(key, value)
        return "TIMESTAMP_MS"
    if value is None:
        raise _missing(key, value)
    if isinstance(value, date):
        raise ValidationError(
            f"annotations[{key!r}]",
            value,
            "a date has no time zone; pass datetime(y, m, d, tzinfo=timezone.utc)",
        )
    raise ValidationError(
        f"annotations[{key!r}]",
        value,
        f"{type(value).__name__} is not an annotation type (use str, int, float, bool, datetime)",
    )


def _validate(key: object, raw: object) -> tuple[str, list[Any]]:
    if not isinstance(key, str) or not _KEY.match(key) or key in _RESERVED:
        raise ValidationError("annotations", key, "keys may contain only letters, digits, ',', '_' and '.'")
    values = _values(key, raw)
    if len(values) > MAX_VALUES:
        raise ValidationError(
            f"annotations[{key!r}]", f"<{len(values)} values>", f"at most {MAX_VALUES} values per key"
        )
    kinds = {_kind(key, v) for v in values}
    if len(kinds) > 1 and kinds != {"LONG", "DOUBLE"}:
        raise ValidationError(
            f"annotations[{key!r}]",
            values,
            f"values of one key must share a type, got {', '.join(sorted(kinds))}",
        )
    if kinds == {"STRING"} and sum(len(str(v)) for v in values) > MAX_STRING_CHARS:
        raise ValidationError(
            f"annotations[{key!r}]",
            values,
            f"string values of one key may hold at most {MAX_STRING_CHARS} characters in all",
        )
    return key, values


def wire_type(values: Sequence[AnnotationValue]) -> str:
    """The Synapse type of a validated list of values (STRING for an empty list)."""
    kinds = {_kind("", v) for v in values}
    if not kinds:
        return "STRING"
    return "DOUBLE" if kinds == {"LONG", "DOUBLE"} else kinds.pop()


def _encode(value: AnnotationValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return str(math.floor(aware.timestamp() * 1000 + 0.5))
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)


def _decode(kind: str, text: str) -> AnnotationValue:
    if kind == "LONG":
        return int(text)
    if kind == "DOUBLE":
        return float(text)
    if kind == "BOOLEAN":
        return text.lower() == "true"
    if kind == "TIMESTAMP_MS":
        return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
    return text


class Annotations(MutableMapping[str, list[AnnotationValue]]):
    """A validated mapping of annotation keys to lists of typed values.

    Scalars are accepted and stored as one-element lists; invalid keys or values raise
    :class:`~synapse_models.errors.ValidationError` at once, before any request.

    Example:
        >>> notes = Annotations({"species": "Homo sapiens", "n_samples": 12})
        >>> notes["n_samples"]
        [12]
    """

    __slots__ = ("_data",)

    def __init__(self, data: AnnotationsInput | None = None) -> None:
        self._data: dict[str, list[AnnotationValue]] = {}
        if data:
            if not isinstance(data, Mapping):
                raise ValidationError("annotations", data, "expected a mapping of keys to values")
            for key, value in data.items():
                self[key] = value

    def __getitem__(self, key: str) -> list[AnnotationValue]:
        return self._data[key]

    def __setitem__(self, key: str, value: AnnotationValue | Sequence[AnnotationValue]) -> None:
        checked_key, values = _validate(key, value)
        if checked_key not in self._data and len(self._data) >= MAX_KEYS:
            raise ValidationError("annotations", checked_key, f"at most {MAX_KEYS} keys per entity")
        self._data[checked_key] = values

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Annotations):
            return self._data == other._data
        if isinstance(other, Mapping):
            try:
                return self._data == Annotations(other)._data
            except ValidationError:
                return False
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return clip(f"Annotations({short_value(self._data)})", LIMIT)

    def to_dict(self) -> dict[str, list[AnnotationValue]]:
        """A plain ``dict`` copy."""
        return {k: list(v) for k, v in self._data.items()}

    def copy(self) -> Annotations:
        """A copy (values as they are, not checked again)."""
        result = Annotations()
        result._data = self.to_dict()
        return result

    def to_body(self, entity_id: str | None, etag: str | None) -> AnnotationsBody:
        """The ``Annotations`` v2 body of these annotations, for the object ``entity_id`` at ``etag``."""
        values = {
            k: AnnotationEntry(type=wire_type(v), value=[_encode(x) for x in v])
            for k, v in self._data.items()
        }
        return AnnotationsBody(id=entity_id or None, etag=etag or None, annotations=values)

    def to_wire(self, entity_id: str | None, etag: str | None) -> dict[str, Any]:
        """The ``Annotations`` v2 JSON body."""
        return to_wire(self.to_body(entity_id, etag))

    @classmethod
    def from_body(cls, body: AnnotationsBody | None) -> Annotations:
        """Read an ``Annotations`` v2 body (values are taken as the server has them, not checked again)."""
        result = cls()
        for key, entry in (body.annotations if body else {}).items():
            result._data[key] = [_decode(entry.type, text) for text in entry.value]
        return result

    @classmethod
    def from_wire(cls, data: Mapping[str, Any] | None) -> Annotations:
        """Read an ``Annotations`` v2 JSON body (or just its ``annotations`` map)."""
        if not data:
            return cls()
        if "annotations" not in data:  # the map alone
            entries = converter.structure(data, dict[str, AnnotationEntry])
            return cls.from_body(AnnotationsBody(annotations=entries))
        return cls.from_body(from_wire(AnnotationsBody, data))


def to_annotations(value: AnnotationsInput | Annotations | None) -> Annotations:
    """attrs converter: anything mapping-like (or ``None``) to :class:`Annotations`."""
    if isinstance(value, Annotations):
        return value
    return Annotations(value)


# Annotations inside other bodies (a submission status's scores) travel as Annotations v2 bodies.
converter.register_structure_hook(Annotations, lambda data, _: Annotations.from_wire(data))
converter.register_unstructure_hook(Annotations, lambda notes: notes.to_wire(None, None))
