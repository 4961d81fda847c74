from __future__ import annotations

import math
from datetime import date, datetime, timezone

import pytest

from synapse_models import Annotations, ValidationError


def test_scalars_become_one_element_lists() -> None:
    notes = Annotations({"species": "Homo sapiens", "n": 12})
    assert notes["species"] == ["Homo sapiens"]
    assert notes["n"] == [12]


def test_wire_types_follow_python_types() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    wire = Annotations({"s": "x", "i": [1, 2], "f": 0.5, "b": True, "t": when, "mixed": [1, 2.5]}).to_wire(
        "syn1", "etag-1"
    )
    types = {k: v["type"] for k, v in wire["annotations"].items()}
    assert types == {
        "s": "STRING",
        "i": "LONG",
        "f": "DOUBLE",
        "b": "BOOLEAN",
        "t": "TIMESTAMP_MS",
        "mixed": "DOUBLE",
    }
    assert wire["annotations"]["t"]["value"] == [str(int(when.timestamp() * 1000))]
    assert wire["annotations"]["b"]["value"] == ["true"]
    assert wire["id"] == "syn1" and wire["etag"] == "etag-1"


def test_round_trip_gives_back_the_same_python_types() -> None:
    when = datetime(1969, 7, 20, 20, 17, 40, tzinfo=timezone.utc)
    original = Annotations(
        {"s": ["a", "b"], "i": -(2**40), "f": [1.25, float("inf")], "b": [False, True], "t": when}
    )
    back = Annotations.from_wire(original.to_wire(None, None))
    assert back == original
    assert isinstance(back["i"][0], int) and isinstance(back["f"][0], float)
    assert back["t"] == [when]


def test_nan_survives_the_round_trip() -> None:
    back = Annotations.from_wire(Annotations({"x": float("nan")}).to_wire(None, None))
    assert math.isnan(back["x"][0])


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("bad key!", 1, "keys may contain only"),
        ("k", [1, None], "None is not allowed"),
        ("k", {"nested": 1}, "dict is not an annotation type"),
        ("k", list(range(101)), "at most 100 values"),
        ("k", ["a", 1], "must share a type"),
        ("k", date(2024, 1, 1), "a date has no time zone"),
        ("k", "x" * 501, "at most 500 characters"),
        ("k", b"raw", "bytes are not an annotation type"),
    ],
)
def test_invalid_values_are_rejected_naming_key_and_value(key: str, value: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        Annotations({key: value})
    assert fragment in str(info.value)
    assert "annotations" in info.value.field


def test_item_assignment_is_validated_too() -> None:
    notes = Annotations()
    with pytest.raises(ValidationError):
        notes["k"] = [1, None]  # type: ignore[list-item]
    notes["k"] = 3
    assert notes["k"] == [3]


def test_at_most_100_keys() -> None:
    notes = Annotations({f"k{i}": i for i in range(100)})
    with pytest.raises(ValidationError, match="at most 100 keys"):
        notes["one_more"] = 1


def test_equality_with_plain_mapping() -> None:
    assert Annotations({"a": 1}) == {"a": [1]}
    assert Annotations({"a": 1}) != {"a": [2]}
