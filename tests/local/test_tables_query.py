"""Synapse SQL on the embedded server: the supported subset, paging, bundle parts and errors."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, reason
from .tables_util import columns, partial, query, query_ok, table, transaction_ok, values

PEOPLE = [
    ("ann", "31", "1.5", "true", "0"),
    ("bob", "42", "2.5", "false", "86400000"),
    ("cy", "7", None, "true", "-86400000"),
    ("dee", "42", "4.0", None, None),
]


@pytest.fixture(scope="module")
def people(alice: Api) -> dict[str, Any]:
    cols = columns(
        alice,
        {"name": "name", "columnType": "STRING"},
        {"name": "age", "columnType": "INTEGER"},
        {"name": "my score", "columnType": "DOUBLE"},
        {"name": "ok", "columnType": "BOOLEAN"},
        {"name": "born", "columnType": "DATE"},
    )
    created = table(alice, alice.project(), cols)
    rows = [
        {"values": {c["id"]: v for c, v in zip(cols, person, strict=True) if v is not None}}
        for person in PEOPLE
    ]
    transaction_ok(alice, created["id"], partial(created["id"], rows))
    return created


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ("age = 42", ["bob", "dee"]),
        ("age <> 42", ["ann", "cy"]),
        ("age != 42", ["ann", "cy"]),
        ("age < 31", ["cy"]),
        ("age >= 31", ["ann", "bob", "dee"]),
        ("age <= 7 OR name = 'dee'", ["cy", "dee"]),
        ("name IN ('ann', 'cy')", ["ann", "cy"]),
        ("name NOT IN ('ann', 'cy')", ["bob", "dee"]),
        ("name LIKE '%e%'", ["dee"]),
        ("age BETWEEN 30 AND 41", ["ann"]),
        ('"my score" IS NULL', ["cy"]),
        ('"my score" IS NOT NULL AND NOT ok = false', ["ann"]),
        ("ok = true", ["ann", "cy"]),
        ("ok = 'false'", ["bob"]),
        ("born < '1970-01-01'", ["cy"]),
        ("ROW_ID > 2", ["cy", "dee"]),
    ],
)
def test_where_clauses_filter_rows(alice: Api, people: dict[str, Any], where: str, names: list[str]) -> None:
    rows = values(query_ok(alice, f"SELECT name FROM {people['id']} WHERE {where} ORDER BY name"))

    assert [r[0] for r in rows] == names


def test_select_aliases_functions_and_order(alice: Api, people: dict[str, Any]) -> None:
    bundle = query_ok(
        alice, f"SELECT UPPER(name) AS shout, age * 2 FROM {people['id']} ORDER BY shout DESC LIMIT 2"
    )

    assert values(bundle) == [["DEE", "84"], ["CY", "14"]]
    assert [h["name"] for h in bundle["selectColumns"]] == ["shout", "age * 2"]


def test_group_by_with_aggregates_has_no_row_ids(alice: Api, people: dict[str, Any]) -> None:
    bundle = query_ok(
        alice,
        f'SELECT age, COUNT(*), SUM("my score"), AVG(age), MIN(name), MAX(name) FROM {people["id"]}'
        " GROUP BY age ORDER BY age",
    )

    assert values(bundle) == [
        ["7", "1", None, "7.0", "cy", "cy"],
        ["31", "1", "1.5", "31.0", "ann", "ann"],
        ["42", "2", "6.5", "42.0", "bob", "dee"],
    ]
    rows = bundle["queryResult"]["queryResults"]["rows"]
    assert all("rowId" not in r for r in rows)
    types = [h["columnType"] for h in bundle["selectColumns"]]
    assert types == ["INTEGER", "INTEGER", "DOUBLE", "DOUBLE", "STRING", "STRING"]


def test_distinct_and_count(alice: Api, people: dict[str, Any]) -> None:
    assert values(query_ok(alice, f"SELECT DISTINCT age FROM {people['id']} ORDER BY age")) == [
        ["7"],
        ["31"],
        ["42"],
    ]
    assert values(query_ok(alice, f"SELECT COUNT(*) FROM {people['id']} WHERE ok = true")) == [["2"]]


def test_select_star_returns_row_id_and_version(alice: Api, people: dict[str, Any]) -> None:
    bundle = query_ok(alice, f"SELECT * FROM {people['id']} WHERE name = 'ann'")

    row = bundle["queryResult"]["queryResults"]["rows"][0]
    assert row == {"rowId": 1, "versionNumber": 1, "values": ["ann", "31", "1.5", "true", "0"]}
    assert [c["name"] for c in bundle["columnModels"]] == ["name", "age", "my score", "ok", "born"]
    assert bundle["queryCount"] == 1
    assert bundle["lastUpdatedOn"]


def test_paging_with_offset_limit_and_sort(alice: Api, people: dict[str, Any]) -> None:
    sort = [{"column": "age", "direction": "DESC"}, {"column": "name", "direction": "ASC"}]
    bundle = query_ok(alice, f"SELECT name FROM {people['id']}", offset=1, limit=2, sort=sort)

    assert values(bundle) == [["dee"], ["ann"]]
    assert bundle["queryCount"] == 4


def test_sql_limit_offset_combine_with_request_paging(alice: Api, people: dict[str, Any]) -> None:
    bundle = query_ok(alice, f"SELECT name FROM {people['id']} ORDER BY name LIMIT 3 OFFSET 1", offset=1)

    assert values(bundle) == [["cy"], ["dee"]]
    assert bundle["queryCount"] == 3


def test_max_rows_per_page_splits_results_with_next_page_token(alice: Api) -> None:
    (wide,) = columns(alice, {"name": "wide", "columnType": "STRING", "maximumSize": 1000})
    created = table(alice, alice.project(), [wide])
    tid = created["id"]
    transaction_ok(alice, tid, partial(tid, [{"values": {wide["id"]: str(i)}} for i in range(300)]))

    bundle = query_ok(alice, f"SELECT wide FROM {tid}")

    page = bundle["maxRowsPerPage"]
    assert 0 < page < 300
    first = values(bundle)
    assert len(first) == page
    token = bundle["queryResult"]["nextPageToken"]
    from .tables_util import job_ok

    second = job_ok(alice, f"/entity/{tid}/table/query/nextPage", token)
    assert second["queryResults"]["rows"][0]["values"] == [str(page)]


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT foo FROM T", "Column 'foo' does not exist"),
        ("SELECT name FROM T WHERE bar = 1", "Column 'bar' does not exist"),
        ("SELECT name FROM T WHERE", "Invalid SQL"),
        ("SELEC name FROM T", "Invalid SQL"),
        ("DELETE FROM T", "Invalid SQL"),
        ("SELECT name FROM T WHERE age = 'abc'", "abc"),
        ("SELECT name FROM T ORDER BY nope", "Column 'nope' does not exist"),
    ],
)
def test_bad_sql_is_400_naming_the_problem(
    alice: Api, people: dict[str, Any], sql: str, fragment: str
) -> None:
    response = query(alice, sql.replace(" T", " " + people["id"]))

    assert response.status_code == 400
    assert fragment in reason(response)


def test_query_parts_follow_the_mask(alice: Api, people: dict[str, Any]) -> None:
    bundle = query_ok(alice, f"SELECT name FROM {people['id']}", part_mask=0x2 | 0x8)

    assert set(bundle) == {"concreteType", "queryCount", "maxRowsPerPage"}


def test_job_status_reports_complete_and_failed_queries(alice: Api, people: dict[str, Any]) -> None:
    from .tables_util import PKG

    good = {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT name FROM {people['id']}"}}
    bad = {"concreteType": PKG + "QueryBundleRequest", "query": {"sql": f"SELECT nope FROM {people['id']}"}}
    statuses = []
    for body in (good, bad):
        token = alice.ok("POST", f"/entity/{people['id']}/table/query/async/start", body, status=201)["token"]
        while alice.get(f"/entity/{people['id']}/table/query/async/get/{token}").status_code == 202:
            pass
        statuses.append(alice.ok("GET", f"/asynchronous/job/{token}"))

    done, failed = statuses
    assert done["jobState"] == "COMPLETE"
    assert done["responseBody"]["queryCount"] == 4
    assert failed["jobState"] == "FAILED"
    assert "Column 'nope' does not exist" in failed["errorMessage"]


def test_unsupported_filters_are_refused_not_ignored(alice: Api, people: dict[str, Any]) -> None:
    from .tables_util import PKG

    sql = f"SELECT name FROM {people['id']}"
    body = {
        "concreteType": PKG + "QueryBundleRequest",
        "query": {"sql": sql, "selectedFacets": [{"columnName": "age"}]},
    }
    response = alice.post(f"/entity/{people['id']}/table/query/async/start", body)

    assert response.status_code == 400
    assert "selectedFacets" in reason(response)


def test_has_and_has_like_match_list_elements(alice: Api) -> None:
    tags, flags = columns(
        alice, {"name": "tags", "columnType": "STRING_LIST"}, {"name": "flags", "columnType": "BOOLEAN_LIST"}
    )
    created = table(alice, alice.project(), [tags, flags])
    tid = created["id"]
    rows = [
        {"values": {tags["id"]: '["red","blue"]', flags["id"]: "[true]"}},
        {"values": {tags["id"]: '["green"]', flags["id"]: "[false]"}},
        {"values": {}},
    ]
    transaction_ok(alice, tid, partial(tid, rows))

    def ids(where: str) -> list[int]:
        bundle = query_ok(alice, f"SELECT tags FROM {tid} WHERE {where} ORDER BY ROW_ID")
        return [r["rowId"] for r in bundle["queryResult"]["queryResults"]["rows"]]

    assert ids("tags HAS ('blue', 'green')") == [1, 2]
    assert ids("tags HAS ('red')") == [1]
    assert ids("\"tags\" HAS_LIKE ('gr%')") == [2]
    assert ids("NOT tags HAS ('red') AND tags IS NOT NULL") == [2]
    assert ids("flags HAS (true)") == [1]
    assert query(alice, f"SELECT tags FROM {tid} WHERE ROW_ID HAS (1)").status_code == 400


def test_additional_filters_are_anded_to_the_where_clause(alice: Api, people: dict[str, Any]) -> None:
    filters = [
        {"concreteType": "org.sagebionetworks.repo.model.table.ColumnSingleValueQueryFilter",
         "columnName": "name", "operator": "LIKE", "values": ["%n%", "%e%"]},
        {"concreteType": "org.sagebionetworks.repo.model.table.ColumnSingleValueQueryFilter",
         "columnName": "age", "operator": "IN", "values": ["31", "42"]},
    ]  # fmt: skip

    rows = values(
        query_ok(
            alice, f"SELECT name FROM {people['id']} WHERE age > 0 ORDER BY name", additionalFilters=filters
        )
    )

    assert rows == [["ann"], ["dee"]]
