"""The official ``synapseclient`` 4.14 stores a DataFrame larger than one upload part in a table.

``Table.store_rows(values=DataFrame)`` uploads the CSV in 8 MiB parts computed without the header line, then
sends the header along with part 1: part 1 is longer than ``partSizeBytes`` and the last part shorter by as
much.  S3 (and so Synapse) accepts parts of any size from 5 MiB and concatenates them; LocalSynapse must too.
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd
import pytest

synapseclient = pytest.importorskip("synapseclient")

from synapseclient.models import Column, ColumnType, Project, Table  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
_names = itertools.count(1)
PART_SIZE = 8 * 1024 * 1024  # the official client's default part size


def test_models_store_rows_from_a_large_dataframe(syn: Any) -> None:
    project = Project(name=f"project tables large {next(_names)}").store(synapse_client=syn)
    table = Table(
        name="large frame",
        parent_id=project.id,
        columns=[
            Column(name="n", column_type=ColumnType.INTEGER),
            Column(name="text", column_type=ColumnType.STRING, maximum_size=1000),
        ],
    ).store(synapse_client=syn)
    rows = 20_000
    frame = pd.DataFrame({"n": range(rows), "text": [f"{i:06d}" + "x" * 494 for i in range(rows)]})
    csv_size = len(frame.to_csv(index=False).encode())
    assert PART_SIZE < csv_size < 2 * PART_SIZE  # two parts, part 1 carries the header on top of 8 MiB

    table.store_rows(values=frame, synapse_client=syn)

    counted = Table.query(query=f"SELECT count(*) AS c, sum(n) AS s FROM {table.id}", synapse_client=syn)
    assert (int(counted["c"].iloc[0]), int(counted["s"].iloc[0])) == (rows, rows * (rows - 1) // 2)
    last = Table.query(query=f"SELECT n, text FROM {table.id} WHERE n = {rows - 1}", synapse_client=syn)
    assert last["text"].tolist() == [f"{rows - 1:06d}" + "x" * 494]
