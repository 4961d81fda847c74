"""Answers about datasets, dataset collections, materialized views and virtual tables validate against the
official (strict) Synapse JSON schemas.

As for tables (``test_tables_schemas``), a null cell travels as JSON ``null`` inside ``Row.values``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, unique
from .synapse_schema import SCHEMA_DIR, SynapseSchemas
from .tables_util import PKG, columns, download_csv, partial, query_ok, table, transaction_ok
from .test_tables_datasets import COLLECTION, DATASET, defaults, ref
from .test_tables_derived import MV, VT

if not SCHEMA_DIR.is_dir():
    pytest.skip(f"Synapse schema directory {SCHEMA_DIR} is absent", allow_module_level=True)

ALL_PARTS = {"includeEntity": True, "includeAnnotations": True, "includeTableBundle": True}


@pytest.fixture(scope="module")
def schemas() -> SynapseSchemas:
    return SynapseSchemas()


def _entity(api: Api, parent: dict[str, Any], concrete: str, **fields: Any) -> dict[str, Any]:
    body = {"concreteType": concrete, "name": unique("family"), "parentId": parent["id"]} | fields
    return dict(api.ok("POST", "/entity", body, status=201))


@pytest.fixture(scope="module")
def answers(alice: Api) -> dict[str, Any]:
    """One answer of every response type about the table family."""
    project = alice.project()
    out: dict[str, Any] = {"dataset_defaults": defaults(alice, "dataset")}
    out["collection_defaults"] = defaults(alice, "datasetcollection")
    file = alice.file(project)
    (note,) = columns(alice, {"name": "note", "columnType": "STRING"})
    ids = [c["id"] for c in out["dataset_defaults"]] + [note["id"]]
    dataset = _entity(alice, project, DATASET, items=[ref(file)], columnIds=ids)
    out["dataset"] = dataset
    out["dataset_get"] = alice.ok("GET", f"/entity/{dataset['id']}")
    out["dataset_query"] = query_ok(alice, f"SELECT * FROM {dataset['id']}", includeEntityEtag=True)
    change = partial(dataset["id"], [{"rowId": int(file["id"][3:]), "values": {note["id"]: "n"}}])
    out["dataset_write"] = transaction_ok(alice, dataset["id"], change)
    out["dataset_snapshot"] = transaction_ok(alice, dataset["id"], createSnapshot=True)
    out["dataset_bundle"] = alice.ok("POST", f"/entity/{dataset['id']}/bundle2", ALL_PARTS)
    collection_ids = [c["id"] for c in out["collection_defaults"]]
    out["collection"] = _entity(alice, project, COLLECTION, items=[ref(dataset)], columnIds=collection_ids)
    out["collection_query"] = query_ok(alice, f"SELECT * FROM {out['collection']['id']}")
    cols = columns(alice, {"name": "k", "columnType": "INTEGER"}, {"name": "v", "columnType": "STRING"})
    source = table(alice, project, cols)
    transaction_ok(alice, source["id"], partial(source["id"], [{"values": {cols[0]["id"]: "1"}}]))
    out["mv"] = _entity(
        alice, project, MV, definingSQL=f"SELECT k, COUNT(*) AS n FROM {source['id']} GROUP BY k"
    )
    out["mv_query"] = query_ok(alice, f"SELECT * FROM {out['mv']['id']}")
    out["mv_bundle"] = alice.ok("POST", f"/entity/{out['mv']['id']}/bundle2", ALL_PARTS)
    out["vt"] = _entity(alice, project, VT, definingSQL=f"SELECT v FROM {source['id']}")
    out["vt_query"] = query_ok(alice, f"SELECT * FROM {out['vt']['id']}")
    out["vt_download"], _ = download_csv(alice, f"SELECT * FROM {out['vt']['id']}")
    out["vt_columns"] = alice.ok("GET", f"/entity/{out['vt']['id']}/column")
    return out


CASES = [
    ("dataset", PKG + "Dataset"),
    ("dataset_get", PKG + "Dataset"),
    ("dataset_query", PKG + "QueryResultBundle"),
    ("dataset_write", PKG + "TableUpdateTransactionResponse"),
    ("dataset_snapshot", PKG + "TableUpdateTransactionResponse"),
    ("dataset_bundle", "org.sagebionetworks.repo.model.entitybundle.v2.EntityBundle"),
    ("collection", PKG + "DatasetCollection"),
    ("collection_query", PKG + "QueryResultBundle"),
    ("mv", PKG + "MaterializedView"),
    ("mv_query", PKG + "QueryResultBundle"),
    ("mv_bundle", "org.sagebionetworks.repo.model.entitybundle.v2.EntityBundle"),
    ("vt", PKG + "VirtualTable"),
    ("vt_query", PKG + "QueryResultBundle"),
    ("vt_download", PKG + "DownloadFromTableResult"),
    ("vt_columns", PKG + "PaginatedColumnModels"),
]


@pytest.mark.parametrize(("key", "type_name"), CASES)
def test_family_answer_matches_its_schema(
    schemas: SynapseSchemas, answers: dict[str, Any], key: str, type_name: str
) -> None:
    errors = schemas.errors(type_name, answers[key])

    assert [e for e in errors if not (e.endswith("None is not of type 'string'") and "/values/" in e)] == []


@pytest.mark.parametrize("key", ["dataset_defaults", "collection_defaults"])
def test_family_default_columns_are_column_models(
    schemas: SynapseSchemas, answers: dict[str, Any], key: str
) -> None:
    assert [schemas.errors(PKG + "ColumnModel", model) for model in answers[key]] == [[]] * len(answers[key])
