"""MaterializedView and VirtualTable on the embedded server: defining SQL (joins, unions, aggregation), the
derived schema, queries that follow their sources, and Synapse's refusals."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, reason, unique
from .tables_util import (
    PKG,
    columns,
    download_csv,
    partial,
    query,
    query_ok,
    table,
    transaction,
    transaction_ok,
    values,
)

MV = PKG + "MaterializedView"
VT = PKG + "VirtualTable"


def derived(api: Api, parent: dict[str, Any], concrete: str, sql: Any, **fields: Any) -> Any:
    body = {"concreteType": concrete, "name": unique("derived"), "parentId": parent["id"], "definingSQL": sql}
    return api.post("/entity", body | fields)


def derived_ok(api: Api, parent: dict[str, Any], concrete: str, sql: str) -> dict[str, Any]:
    response = derived(api, parent, concrete, sql)
    assert response.status_code == 201, response.text
    return dict(response.json())


def filled(api: Api, parent: dict[str, Any], specs: list[dict[str, Any]], rows: list[list[Any]]) -> str:
    """A table with ``specs`` columns and ``rows`` (values in column order); returns its id."""
    cols = columns(api, *specs)
    tid = str(table(api, parent, cols)["id"])
    if rows:
        wire = [{"values": {c["id"]: v for c, v in zip(cols, row, strict=True)}} for row in rows]
        transaction_ok(api, tid, partial(tid, wire))
    return tid


@pytest.fixture(scope="module")
def project(alice: Api) -> dict[str, Any]:
    return alice.project()


@pytest.fixture(scope="module")
def people(alice: Api, project: dict[str, Any]) -> str:
    specs = [{"name": "uid", "columnType": "INTEGER"}, {"name": "name", "columnType": "STRING"}]
    return filled(alice, project, specs, [[1, "Alice"], [2, "Bob"]])


@pytest.fixture(scope="module")
def ages(alice: Api, project: dict[str, Any]) -> str:
    specs = [{"name": "uid", "columnType": "INTEGER"}, {"name": "age", "columnType": "INTEGER"}]
    return filled(alice, project, specs, [[1, 30], [3, 40]])


def names_of(api: Api, entity_id: str) -> list[tuple[str, str]]:
    listed = api.ok("GET", f"/entity/{entity_id}/column")["results"]
    return [(c["name"], c["columnType"]) for c in listed]


# -- defining SQL and schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("join", "expected"),
    [
        ("LEFT JOIN", [["1", "Alice", "30"], ["2", "Bob", None]]),
        ("INNER JOIN", [["1", "Alice", "30"]]),
        ("RIGHT JOIN", [["1", "Alice", "30"], ["3", None, "40"]]),
    ],
)
def test_materialized_view_joins_its_sources(
    alice: Api, project: dict[str, Any], people: str, ages: str, join: str, expected: list[list[Any]]
) -> None:
    key = "t2.uid" if join == "RIGHT JOIN" else "t1.uid"
    sql = (
        f"SELECT {key} AS uid, t1.name AS name, t2.age AS age FROM {people} t1 {join} {ages} t2"
        " ON t1.uid = t2.uid"
    )
    view = derived_ok(alice, project, MV, sql)
    assert names_of(alice, view["id"]) == [("uid", "INTEGER"), ("name", "STRING"), ("age", "INTEGER")]
    bundle = query_ok(alice, f"SELECT * FROM {view['id']} ORDER BY uid")
    assert values(bundle) == expected
    assert [r["rowId"] for r in bundle["queryResult"]["queryResults"]["rows"]] == list(
        range(1, len(expected) + 1)
    )


def test_materialized_view_unions_tables_and_widens_sizes(
    alice: Api, project: dict[str, Any], people: str
) -> None:
    other = filled(
        alice,
        project,
        [
            {"name": "uid", "columnType": "INTEGER"},
            {"name": "name", "columnType": "STRING", "maximumSize": 200},
        ],
        [[3, "Charlie"], [1, "Alice"]],
    )
    sql = f"SELECT uid, name FROM {people} UNION SELECT uid, name FROM {other} ORDER BY uid"
    view = derived_ok(alice, project, MV, sql)
    assert values(query_ok(alice, f"SELECT * FROM {view['id']}")) == [
        ["1", "Alice"],
        ["2", "Bob"],
        ["3", "Charlie"],
    ]
    listed = alice.ok("GET", f"/entity/{view['id']}/column")["results"]
    assert listed[1]["maximumSize"] == 200
    every = derived_ok(alice, project, MV, sql.replace("UNION", "UNION ALL"))
    assert query_ok(alice, f"SELECT COUNT(*) FROM {every['id']}")["queryCount"] == 1
    assert values(query_ok(alice, f"SELECT COUNT(*) FROM {every['id']}")) == [["4"]]


def test_virtual_table_aggregates_at_query_time(alice: Api, project: dict[str, Any]) -> None:
    staff = filled(
        alice,
        project,
        [{"name": "dept", "columnType": "STRING"}, {"name": "salary", "columnType": "INTEGER"}],
        [["IT", 70], ["HR", 60], ["IT", 80]],
    )
    sql = f"SELECT dept, COUNT(*) AS n, AVG(salary) FROM {staff} GROUP BY dept"
    view = derived_ok(alice, project, VT, sql)
    assert names_of(alice, view["id"]) == [("dept", "STRING"), ("n", "INTEGER"), ("AVG(salary)", "DOUBLE")]
    bundle = query_ok(alice, f"SELECT dept, n FROM {view['id']} ORDER BY dept")
    assert values(bundle) == [["HR", "1"], ["IT", "2"]]
    assert all("rowId" not in row for row in bundle["queryResult"]["queryResults"]["rows"])
    staff_cols = alice.ok("GET", f"/entity/{staff}/column")["results"]
    transaction_ok(
        alice, staff, partial(staff, [{"values": {staff_cols[0]["id"]: "HR", staff_cols[1]["id"]: "1"}}])
    )
    assert values(query_ok(alice, f"SELECT dept, n FROM {view['id']} ORDER BY dept")) == [
        ["HR", "2"],
        ["IT", "2"],
    ]


def test_derived_tables_follow_source_rows_and_schema(alice: Api, project: dict[str, Any]) -> None:
    specs = [{"name": "name", "columnType": "STRING"}]
    source = filled(alice, project, specs, [])
    view = derived_ok(alice, project, MV, f"SELECT * FROM {source}")
    assert values(query_ok(alice, f"SELECT * FROM {view['id']}")) == []
    cols = alice.ok("GET", f"/entity/{source}/column")["results"]
    transaction_ok(alice, source, partial(source, [{"values": {cols[0]["id"]: "Alice"}}]))
    assert values(query_ok(alice, f"SELECT * FROM {view['id']}")) == [["Alice"]]
    (extra,) = columns(alice, {"name": "age", "columnType": "INTEGER"})
    change = {"concreteType": PKG + "TableSchemaChangeRequest", "changes": [{"newColumnId": extra["id"]}]}
    transaction_ok(alice, source, change)
    bundle = query_ok(alice, f"SELECT * FROM {view['id']}")
    assert [h["name"] for h in bundle["selectColumns"]] == ["name", "age"]
    assert names_of(alice, view["id"]) == [("name", "STRING"), ("age", "INTEGER")]


def test_defining_sql_update_rebinds_the_schema(alice: Api, project: dict[str, Any], people: str) -> None:
    view = derived_ok(alice, project, VT, f"SELECT * FROM {people}")
    view = alice.ok("PUT", f"/entity/{view['id']}", view | {"definingSQL": f"SELECT name FROM {people}"})
    assert names_of(alice, view["id"]) == [("name", "STRING")]
    assert view["definingSQL"] == f"SELECT name FROM {people}"
    assert values(query_ok(alice, f"SELECT * FROM {view['id']}")) == [["Alice"], ["Bob"]]


def test_csv_download_of_a_virtual_table_has_no_row_ids(
    alice: Api, project: dict[str, Any], people: str
) -> None:
    view = derived_ok(alice, project, VT, f"SELECT name FROM {people} ORDER BY name DESC")
    _, text = download_csv(alice, f"SELECT * FROM {view['id']}")
    assert text.splitlines() == ["name", "Bob", "Alice"]


# -- refusals (Synapse's texts) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("", "The definingSQL of the materialized view is required and must not be the empty string."),
        ("   ", "The definingSQL of the materialized view is required and must not be a blank string."),
        (
            "INVALID SQL",
            'Encountered " <regular_identifier> "INVALID "" at line 1, column 1.\nWas expecting one of:',
        ),
    ],
)
def test_defining_sql_refusals(alice: Api, project: dict[str, Any], sql: str, expected: str) -> None:
    response = derived(alice, project, MV, sql)
    assert response.status_code == 400
    assert reason(response).startswith(expected)


def test_missing_defining_sql_is_required(alice: Api, project: dict[str, Any]) -> None:
    body = {"concreteType": VT, "name": unique("vt"), "parentId": project["id"]}
    response = alice.post("/entity", body)
    assert (response.status_code, reason(response)) == (
        400,
        "The definingSQL of the virtual table is required.",
    )


def test_source_without_columns_is_refused(alice: Api, project: dict[str, Any]) -> None:
    empty = table(alice, project, [])
    response = derived(alice, project, VT, f"SELECT * FROM {empty['id']}")
    assert (response.status_code, reason(response)) == (400, f"Schema for {empty['id']} is empty.")


def test_virtual_table_names_one_table(alice: Api, project: dict[str, Any], people: str, ages: str) -> None:
    joined = derived(alice, project, VT, f"SELECT * FROM {people} a JOIN {ages} b ON a.uid = b.uid")
    assert reason(joined) == "The JOIN keyword is not supported in this context"
    itself = derived(alice, project, VT, f"SELECT a.uid FROM {people} a JOIN {people} b ON a.uid = b.uid")
    assert reason(itself) == "The JOIN keyword is not supported in this context"
    union = derived(alice, project, VT, f"SELECT uid FROM {people} UNION SELECT uid FROM {people}")
    assert reason(union) == "The UNION keyword is not supported in this context"


def test_unknown_and_ambiguous_columns_are_refused(
    alice: Api, project: dict[str, Any], people: str, ages: str
) -> None:
    assert reason(derived(alice, project, MV, f"SELECT nope FROM {people}")) == "Column does not exist: nope"
    both = derived(alice, project, MV, f"SELECT uid FROM {people} a JOIN {ages} b ON a.uid = b.uid")
    assert both.status_code == 400 and "ambiguous" in reason(both)


def test_materialized_view_takes_no_transactions(alice: Api, project: dict[str, Any], people: str) -> None:
    view = derived_ok(alice, project, MV, f"SELECT * FROM {people}")
    (column_id,) = view["columnIds"][:1]
    response = transaction(alice, view["id"], partial(view["id"], [{"values": {column_id: "x"}}]))
    assert (response.status_code, reason(response)) == (400, "Unsupported type: materializedview")
    snapshot = transaction(alice, view["id"], createSnapshot=True)
    assert (snapshot.status_code, reason(snapshot)) == (400, "Unsupported type: materializedview")
    deleted = alice.post(f"/entity/{view['id']}/table/deleteRows", {"tableId": view["id"], "rowIds": [1]})
    assert (deleted.status_code, reason(deleted)) == (400, "Unsupported type: materializedview")


def test_reading_a_derived_table_needs_its_sources(
    alice: Api, bob: Api, project: dict[str, Any], people: str
) -> None:
    view = derived_ok(alice, project, MV, f"SELECT * FROM {people}")
    own = bob.project()
    refused = derived(bob, own, MV, f"SELECT * FROM {people}")
    assert refused.status_code == 403
    alice.ok("POST", f"/entity/{view['id']}/acl", {"resourceAccess": [
        {"principalId": int(bob.ok("GET", "/userProfile")["ownerId"]), "accessType": ["READ"]}]})  # fmt: skip
    body = {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT * FROM {view['id']}"}}
    response = bob.post(f"/entity/{view['id']}/table/query/async/start", body)
    assert (response.status_code, reason(response)) == (
        403,
        f"You do not have READ permission for the requested entity, {people}.",
    )


def test_a_definition_cannot_reach_itself(alice: Api, project: dict[str, Any], people: str) -> None:
    first = derived_ok(alice, project, MV, f"SELECT * FROM {people}")
    second = derived_ok(alice, project, MV, f"SELECT * FROM {first['id']}")
    looped = alice.put(f"/entity/{first['id']}", first | {"definingSQL": f"SELECT * FROM {second['id']}"})
    assert looped.status_code == 201 or looped.status_code == 200, looped.text
    response = query(alice, f"SELECT * FROM {first['id']}")
    assert (response.status_code, reason(response)) == (400, "Defining SQL cannot reference itself")
    itself = alice.put(f"/entity/{second['id']}", second | {"definingSQL": f"SELECT * FROM {second['id']}"})
    assert (itself.status_code, reason(itself)) == (400, "Defining SQL cannot reference itself")


def test_star_over_a_join_names_columns_by_table(
    alice: Api, project: dict[str, Any], people: str, ages: str
) -> None:
    view = derived_ok(alice, project, MV, f"select * from {people} F JOIN {ages} P on (F.uid = P.uid)")
    assert [name for name, _ in names_of(alice, view["id"])] == ["F.uid", "F.name", "P.uid", "P.age"]
    assert values(query_ok(alice, f"SELECT * FROM {view['id']}")) == [["1", "Alice", "1", "30"]]
    plain = derived_ok(alice, project, MV, f"SELECT * FROM {people} JOIN {ages} ON {people}.uid = {ages}.uid")
    assert [name for name, _ in names_of(alice, plain["id"])] == [
        f"{people}.uid", f"{people}.name", f"{ages}.uid", f"{ages}.age"
    ]  # fmt: skip


def test_grouping_over_a_view_is_refused(alice: Api, project: dict[str, Any]) -> None:
    folder = alice.folder(project)
    alice.file(folder)
    (name,) = columns(alice, {"name": "name", "columnType": "STRING", "maximumSize": 256})
    view = alice.ok("POST", "/entity", {"concreteType": PKG + "EntityView", "name": unique("view"),
                    "parentId": project["id"], "scopeIds": [folder["id"]], "viewTypeMask": 1,
                    "columnIds": [name["id"]]}, status=201)  # fmt: skip
    grouped = derived(alice, project, MV, f"SELECT name, COUNT(*) FROM {view['id']} GROUP BY name")
    assert reason(grouped) == (
        "The defining SQL of a materialized view with a view dependency cannot include a group by clause"
    )
    listed = derived_ok(alice, project, MV, f"SELECT name FROM {view['id']}")
    assert len(values(query_ok(alice, f"SELECT * FROM {listed['id']}"))) == 1


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "WITH x AS (SELECT uid FROM {t}) SELECT * FROM x",
            "Invalid SQL: WITH is not supported by the local server",
        ),
        (
            "SELECT uid FROM {t} WHERE uid IN (SELECT uid FROM {t})",
            "Invalid SQL: sub-queries are not supported",
        ),
        (
            "SELECT uid FROM {t} INTERSECT SELECT uid FROM {t}",
            "Invalid SQL: the definingSQL must be one SELECT",
        ),
        (
            "SELECT uid FROM {t} UNION SELECT uid, name FROM {t}",
            "Invalid SQL: each SELECT of a UNION must select",
        ),
    ],
)
def test_unsupported_definitions_are_refused(
    alice: Api, project: dict[str, Any], people: str, template: str, expected: str
) -> None:
    response = derived(alice, project, MV, template.format(t=people))
    assert response.status_code == 400 and reason(response).startswith(expected), response.text
