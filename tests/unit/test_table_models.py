"""Table and View models offline: construction, inference, validation before any request."""

from __future__ import annotations

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models import Column, ColumnType, EntityType, Table, View
from synapse_models._convert import from_wire, to_wire
from synapse_models.credentials import Endpoints
from synapse_models.tables.query import table_id_of


def test_from_dataframe_infers_columns_and_keeps_overrides() -> None:
    when = pd.to_datetime(["2020-01-01", "1960-01-01"])
    df = pd.DataFrame({"name": ["a", "bb"], "n": [1, 2], "when": when})
    table = Table.from_dataframe(
        df, name="t", parent="syn1", columns=[Column("name", ColumnType.STRING, maximum_size=100)]
    )
    assert [(c.name, c.type) for c in table.columns or []] == [
        ("name", ColumnType.STRING),
        ("n", ColumnType.INTEGER),
        ("when", ColumnType.DATE),
    ]
    assert (table.columns or [])[0].maximum_size == 100
    with pytest.raises(sm.ValidationError) as err:
        Table.from_dataframe(df, name="t", parent="syn1", columns=[Column("missing", ColumnType.STRING)])
    assert err.value.field == "columns['missing']"


def test_table_wire_body_has_column_ids_not_columns() -> None:
    table = Table(name="t", parent="syn1", columns=[Column("a", ColumnType.INTEGER)])
    table.column_ids = ["5"]
    body = to_wire(table)
    assert body["concreteType"] == "org.sagebionetworks.repo.model.table.TableEntity"
    assert body["columnIds"] == ["5"] and "columns" not in body
    loaded = from_wire(sm.Entity, {**body, "id": "syn9", "etag": "e"})
    assert isinstance(loaded, Table) and loaded.column_ids == ["5"] and loaded.columns is None


def test_table_rejects_duplicate_column_names() -> None:
    with pytest.raises(sm.ValidationError, match="two columns"):
        Table(name="t", parent="syn1", columns=[Column("a", "STRING"), Column("a", "INTEGER")])


def test_append_on_unstored_table_is_refused() -> None:
    table = Table(name="t", parent="syn1", columns=[Column("a", ColumnType.INTEGER)])
    with pytest.raises(sm.ValidationError, match="not stored yet"):
        table.append(pd.DataFrame({"a": [1]}), connection=sm.Connection(_endpoints()))


def _endpoints() -> Endpoints:
    return Endpoints.from_base("http://127.0.0.1:9", "test")


def test_view_mask_follows_include() -> None:
    view = View(name="v", parent="syn1", scope=["syn2", "syn3"], include=[EntityType.FILE, EntityType.FOLDER])
    assert view.view_type_mask == 0x09 and view.scope_ids == ["syn2", "syn3"]
    body = to_wire(view)
    assert body["scopeIds"] == ["syn2", "syn3"] and body["viewTypeMask"] == 0x09 and "include" not in body
    loaded = from_wire(sm.Entity, {**body, "id": "syn4"})
    assert isinstance(loaded, View) and loaded.include == [EntityType.FILE, EntityType.FOLDER]
    assert View(name="v", parent="syn1", scope=["syn2"]).view_type_mask == 0x01


def test_view_rejects_unknown_types() -> None:
    with pytest.raises(sm.ValidationError, match="include"):
        View(name="v", parent="syn1", scope=["syn2"], include=["spreadsheet"])


def test_query_needs_a_from_clause() -> None:
    assert table_id_of('SELECT * FROM syn12.3 WHERE "a b" = 1') == "syn12"
    with pytest.raises(sm.ValidationError) as err:
        sm.query("SELECT 1")
    assert err.value.field == "sql"
