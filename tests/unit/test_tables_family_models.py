"""Dataset, DatasetCollection, MaterializedView and VirtualTable offline: wire bodies (checked against the
REST schemas), item editing and validation before any request."""

from __future__ import annotations

from typing import Any

import pytest

import synapse_models as sm
from synapse_models import (
    Column,
    ColumnType,
    Dataset,
    DatasetCollection,
    EntityRef,
    MaterializedView,
    VirtualTable,
)
from synapse_models._convert import from_wire, to_wire
from tests.local.synapse_schema import SCHEMA_DIR, SynapseSchemas
from tests.unit.test_collab_acl import FakeConnection

T = "org.sagebionetworks.repo.model.table."
needs_schemas = pytest.mark.skipif(not SCHEMA_DIR.is_dir(), reason=f"schema directory {SCHEMA_DIR} is absent")


@needs_schemas
@pytest.mark.parametrize(
    ("entity", "schema"),
    [
        (Dataset(name="d", parent="syn1", items=[EntityRef("syn5", 2)]), T + "Dataset"),
        (DatasetCollection(name="c", parent="syn1", items=[("syn6", 1)]), T + "DatasetCollection"),
        (
            MaterializedView(name="m", parent="syn1", defining_sql="SELECT * FROM syn2"),
            T + "MaterializedView",
        ),
        (VirtualTable(name="v", parent="syn1", defining_sql="SELECT * FROM syn2"), T + "VirtualTable"),
    ],
    ids=["dataset", "collection", "materialized view", "virtual table"],
)
def test_wire_bodies_validate_against_the_rest_schema(entity: sm.Entity, schema: str) -> None:
    assert SynapseSchemas().errors(schema, to_wire(entity)) == []


def test_dataset_body_sends_items_and_reads_computed_fields() -> None:
    ds = Dataset(name="d", parent="syn1", items=[EntityRef("SYN5", 2)])
    body = to_wire(ds)
    assert body["items"] == [{"entityId": "syn5", "versionNumber": 2}]
    assert not {"size", "count", "checksum"} & body.keys()
    answer = {**body, "id": "syn9", "etag": "e", "size": 10, "count": 1, "checksum": "abc"}
    loaded = from_wire(sm.Entity, answer)
    assert isinstance(loaded, Dataset) and (loaded.size, loaded.count, loaded.checksum) == (10, 1, "abc")
    assert "size" not in to_wire(loaded)


def test_derived_body_uses_synapse_key_for_the_sql() -> None:
    body = to_wire(MaterializedView(name="m", parent="syn1", defining_sql="SELECT 1 FROM syn2"))
    assert body["definingSQL"] == "SELECT 1 FROM syn2" and "definingSql" not in body
    assert from_wire(sm.Entity, {**body, "id": "syn3"}).defining_sql == "SELECT 1 FROM syn2"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: EntityRef("x", 1), "entity_id"),
        (lambda: EntityRef("syn1", 0), "version_number"),
        (lambda: Dataset(name="d", parent="syn1", items=["syn1"]), "items"),
        (lambda: Dataset(name="d", parent="syn1", items=[("syn1", 1), ("syn1", 2)]), "items"),
        (lambda: MaterializedView(name="m", parent="syn1", defining_sql=3), "defining_sql"),
    ],
)
def test_bad_values_are_refused_when_built(make: Any, field: str) -> None:
    with pytest.raises(sm.ValidationError) as err:
        make()
    assert err.value.field == field


def test_items_edit_in_place_by_entity() -> None:
    conn = FakeConnection()
    ds = Dataset(name="d", parent="syn1", items=[EntityRef("syn5", 1)])
    ds.add_item(EntityRef("syn6", 3), connection=conn)
    assert ds.add_item("syn5.4", connection=conn) == [EntityRef("syn5", 4)]
    assert ds.items == [EntityRef("syn5", 4), EntityRef("syn6", 3)]
    assert ds.remove_item("syn6") == EntityRef("syn6", 3)
    with pytest.raises(sm.ValidationError, match="not an item"):
        ds.remove_item(EntityRef("syn6", 3))
    assert conn.calls == []  # an id with a version needs no lookup...


def test_an_item_without_version_is_looked_up() -> None:
    header = {
        "id": "syn7",
        "name": "f",
        "type": "org.sagebionetworks.repo.model.FileEntity",
        "versionNumber": 2,
    }
    folder = {"id": "syn8", "name": "d", "type": "org.sagebionetworks.repo.model.Folder", "versionNumber": 1}
    conn = FakeConnection({("GET", "/entity/syn7/type"): header, ("GET", "/entity/syn8/type"): folder})
    ds = Dataset(name="d", parent="syn1")
    assert ds.add_item("syn7", connection=conn) == [EntityRef("syn7", 2)]  # ...one without does
    collection = DatasetCollection(name="c", parent="syn1")
    with pytest.raises(sm.ValidationError, match="holds datasets, not a FileEntity"):
        collection.add_item("syn7", connection=conn)
    with pytest.raises(sm.ValidationError, match="holds files"):
        Dataset(name="d2", parent="syn1").add_item(
            sm.Project(id="syn3", name="p"), version=1, connection=conn
        )


def test_derived_tables_need_sql_and_take_no_columns() -> None:
    conn = FakeConnection()
    with pytest.raises(sm.ValidationError) as err:
        VirtualTable(name="v", parent="syn1").store(connection=conn)
    assert err.value.field == "defining_sql"
    mv = MaterializedView(name="m", parent="syn1", defining_sql="SELECT * FROM syn2",
                          columns=[Column("a", ColumnType.STRING)])  # fmt: skip
    with pytest.raises(sm.ValidationError) as err:
        mv.store(connection=conn)
    assert err.value.field == "columns"
    with pytest.raises(sm.ValidationError, match="no ROW_ID"):
        VirtualTable(name="v", parent="syn1", defining_sql="SELECT 1 FROM syn2").query(
            include_row_metadata=True, connection=conn
        )
    assert conn.calls == []
