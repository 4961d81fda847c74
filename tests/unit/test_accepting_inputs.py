"""What users coming from pandas and the official client will pass: numpy and pandas scalars as annotation
values, entity objects where ids are expected, and attributes a model does not have."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

import synapse_models as sm
from synapse_models import Annotations, ValidationError
from synapse_models.connection import Connection
from synapse_models.credentials import Endpoints
from synapse_models.models.ids import parse_entity_id
from synapse_models.transport import MockTransport, Request, Response

# -- numpy and pandas values as annotations ------------------------------------------------------------------


def test_numpy_and_pandas_scalars_are_stored_as_their_synapse_types() -> None:
    notes = Annotations({
        "count": np.int64(12),
        "small": np.uint8(7),
        "ratio": np.float32(0.1),
        "precise": np.float64(2.5),
        "passed": np.bool_(True),
        "label": np.str_("brain"),
        "seen": pd.Timestamp("2024-01-02 03:04:05.678901234", tz="UTC"),
        "day": np.datetime64("2024-01-02"),
    })
    wire = notes.to_wire(None, None)["annotations"]
    assert {k: v["type"] for k, v in wire.items()} == {
        "count": "LONG", "small": "LONG", "ratio": "DOUBLE", "precise": "DOUBLE", "passed": "BOOLEAN",
        "label": "STRING", "seen": "TIMESTAMP_MS", "day": "TIMESTAMP_MS",
    }  # fmt: skip
    assert wire["ratio"]["value"] == ["0.1"]  # the decimal the float32 was written from
    assert wire["passed"]["value"] == ["true"]
    seen = datetime(2024, 1, 2, 3, 4, 5, 679000, timezone.utc)  # milliseconds, rounded
    assert wire["seen"]["value"] == [str(int(seen.timestamp() * 1000))]
    assert wire["day"]["value"] == [str(int(datetime(2024, 1, 2, tzinfo=timezone.utc).timestamp() * 1000))]
    # what is kept is the plain Python value, so reading it back gives Python types
    assert [type(notes[k][0]) for k in ("count", "ratio", "passed", "label")] == [int, float, bool, str]


def test_a_dataframe_row_can_be_used_as_annotations() -> None:
    frame = pd.DataFrame({"donor": ["D1"], "age": [34], "rin": [8.5], "healthy": [True],
                          "enrolled": pd.to_datetime(["2021-11-30"])})
    notes = Annotations(frame.iloc[0].to_dict())
    assert notes.to_dict() == {"donor": ["D1"], "age": [34], "rin": [8.5], "healthy": [True],
                               "enrolled": [datetime(2021, 11, 30)]}


def test_arrays_and_series_are_lists_of_values() -> None:
    notes = Annotations({"lanes": np.array([1, 2, 3]), "tissues": pd.Series(["brain", "liver"])})
    assert notes["lanes"] == [1, 2, 3] and all(type(v) is int for v in notes["lanes"])
    assert notes["tissues"] == ["brain", "liver"]


@pytest.mark.parametrize("missing", [pd.NA, pd.NaT, np.datetime64("NaT"), None, [1, pd.NA]])
def test_a_missing_value_is_refused_naming_the_key(missing: object) -> None:
    with pytest.raises(ValidationError, match="leave the key out") as err:
        Annotations({"age": missing})
    assert err.value.field == "annotations['age']"


def test_a_float_nan_is_a_value_synapse_keeps() -> None:
    wire = Annotations({"score": np.float64("nan")}).to_wire(None, None)["annotations"]
    assert wire["score"] == {"type": "DOUBLE", "value": ["NaN"]}


@pytest.mark.parametrize("value", [np.timedelta64(1, "s"), pd.Timedelta(1), np.datetime64("20000-01-01")])
def test_numpy_and_pandas_values_without_an_annotation_type_are_refused(value: object) -> None:
    with pytest.raises(ValidationError) as err:
        Annotations({"k": value})
    assert err.value.field == "annotations['k']"


def test_annotations_do_not_import_numpy_or_pandas() -> None:
    code = ("import sys; import synapse_models as sm; sm.Annotations({'a': 1, 'b': 'x'}); "
            "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- entities where ids are expected -------------------------------------------------------------------------


def test_an_entity_or_its_header_stands_for_its_id() -> None:
    folder = sm.Folder(name="raw", parent="syn1", id="syn22")
    header = sm.EntityHeader(id="syn33", name="counts.tsv", type="org.sagebionetworks.repo.model.FileEntity")
    assert parse_entity_id(folder) == ("syn22", None)
    assert parse_entity_id(header) == ("syn33", None)
    assert sm.File(name="a.txt", parent=folder).parent_id == "syn22"
    assert sm.File(name="a.txt", parent=header).parent_id == "syn33"
    assert parse_entity_id(sm.EntityRef("syn44", 3)) == ("syn44", 3)  # a dataset item names its version
    assert sm.Activity("x", used=[sm.EntityRef("syn44", 3)]).used[0].reference.target_version_number == 3  # type: ignore[union-attr]


def test_an_unstored_entity_where_an_id_is_expected_is_a_validation_error_before_any_request() -> None:
    sent: list[Request] = []

    def server(request: Request) -> Response:
        sent.append(request)
        return Response(500)

    endpoints = Endpoints.from_base("https://synapse.test", "test")
    conn = Connection(endpoints, "token", transport=MockTransport(server))
    with pytest.raises(ValidationError, match="no id yet; store") as err:
        sm.File.get(sm.File(name="a.txt", parent="syn1"), connection=conn)
    assert err.value.field == "id" and sent == []


# -- attributes a model does not have ------------------------------------------------------------------------


def test_setting_an_unknown_attribute_points_to_the_annotations() -> None:
    f = sm.File(name="a.txt", parent="syn1")
    with pytest.raises(AttributeError, match=r"""use file.annotations\['foo'\] = 'x'""") as err:
        f.foo = "x"  # type: ignore[attr-defined]
    assert err.value.name == "foo"
    assert "foo" not in f.annotations


def test_a_misspelt_field_is_named() -> None:
    with pytest.raises(AttributeError, match="did you mean 'description'"):
        sm.Folder(name="raw", parent="syn1").descripton = "x"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="Team has no attribute 'foo'") as err:
        sm.Team(name="t").foo = 1  # type: ignore[attr-defined]
    assert "annotations" not in str(err.value)


def test_fields_and_properties_are_still_set_as_before() -> None:
    f = sm.File(name="a.txt", parent="syn1")
    f.description, f.parent, f.annotations = "counts", "syn2", {"stage": "raw"}  # type: ignore[assignment]
    assert (f.description, f.parent_id, f.annotations["stage"]) == ("counts", "syn2", ["raw"])
    with pytest.raises(ValidationError):
        f.name = "bad/name"  # attrs validators still run
    with pytest.raises(AttributeError, match="has no setter"):
        f.connection = None  # type: ignore[misc]
