"""``query`` in each output format."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

import synapse_models as sm

from .conftest import Run


def _table(project: sm.Project) -> sm.Table:
    frame = pd.DataFrame({"name": ["ann", "bob", "cé"], "age": [31, 42, 27], "score": [0.5, None, 1.25]})
    return sm.Table.from_dataframe(frame, name="people", parent=project).store()


def test_query_prints_tab_separated_rows_with_a_header(cli: Run, project: sm.Project) -> None:
    table = _table(project)
    result = cli("query", f"SELECT name, age FROM {table.id} WHERE age > 30 ORDER BY age")
    assert result.code == 0
    assert result.lines() == ["name\tage", "ann\t31", "bob\t42"]
    assert "2 row(s)" in result.err


def test_query_as_csv_json_and_table(cli: Run, project: sm.Project) -> None:
    table = _table(project)
    sql = f"SELECT name, age, score FROM {table.id} ORDER BY age"
    rows = list(csv.reader(io.StringIO(cli("query", sql, "--format", "csv").out)))
    assert rows == [["name", "age", "score"], ["cé", "27", "1.25"], ["ann", "31", "0.5"], ["bob", "42", ""]]
    document = json.loads(cli("query", sql, "--json").out)
    assert document == [
        {"name": "cé", "age": 27, "score": 1.25},
        {"name": "ann", "age": 31, "score": 0.5},
        {"name": "bob", "age": 42, "score": None},
    ]
    assert json.loads(cli("query", sql, "--format", "json").out) == document
    aligned = cli("query", sql, "--format", "table").lines()
    assert aligned == ["name  age  score", "cé    27   1.25", "ann   31   0.5", "bob   42"]


def test_query_joins_several_words_and_reports_bad_sql(cli: Run, project: sm.Project) -> None:
    table = _table(project)
    assert cli("query", "SELECT", "name", "FROM", table.id, "WHERE", "age=27").lines() == ["name", "cé"]
    bad = cli("query", f"SELECT nope FROM {table.id}")
    assert bad.code == 1 and bad.err.startswith("error: 400 Bad Request") and bad.out == ""
    no_table = cli("query", "SELECT 1")
    assert no_table.code == 1 and "FROM syn123" in no_table.err
