"""Server-side table benchmark (issue 4): how long LocalSynapse itself takes for the big table operations.

    cd /work/main && /work/venv/bin/python tests/benchmarks/bench_local_tables.py [--rows 1000000]

Raw REST calls only (no client library): a CSV of N rows x 6 mixed columns (STRING, INTEGER, DOUBLE, BOOLEAN,
DATE, STRING) is uploaded through the multipart endpoints, loaded with an UploadToTableRequest transaction,
then read back whole with the CSV download job and the presigned URL, and one query page is fetched.
Each figure is wall time from the first request to the last answer of that step.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from synapse_models.local import LocalSynapse
from tests.local.conftest import Api
from tests.local.files_util import upload
from tests.local.tables_util import PKG, columns, download_csv, query_ok, table, transaction


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    lines = ["s,i,d,b,t,s2"]
    lines += [
        f"name{k},{k},{k * 0.25},{'true' if k % 2 else 'false'},{1600000000000 + k},x{k % 100}"
        for k in range(rows)
    ]
    data = ("\n".join(lines) + "\n").encode()
    with LocalSynapse() as server:
        api = Api(server.endpoint, server.create_user("bench"))
        cols = columns(
            api,
            {"name": "s", "columnType": "STRING"},
            {"name": "i", "columnType": "INTEGER"},
            {"name": "d", "columnType": "DOUBLE"},
            {"name": "b", "columnType": "BOOLEAN"},
            {"name": "t", "columnType": "DATE"},
            {"name": "s2", "columnType": "STRING", "maximumSize": 20},
        )
        created = table(api, api.project(), cols)
        tid = created["id"]
        start = time.perf_counter()
        handle = upload(api, data, name="rows.csv")
        uploaded = time.perf_counter()
        change = {
            "concreteType": PKG + "UploadToTableRequest",
            "tableId": tid,
            "uploadFileHandleId": handle["id"],
            "csvTableDescriptor": {"isFirstLineHeader": True},
        }
        response = transaction(api, tid, change)
        loaded = time.perf_counter()
        assert response.status_code == 201, response.text
        _, text = download_csv(api, f"SELECT * FROM {tid}")
        downloaded = time.perf_counter()
        assert text.count("\n") == rows + 1
        bundle = query_ok(api, f"SELECT * FROM {tid} WHERE i >= {rows // 2}")
        queried = time.perf_counter()
    load = os.getloadavg()[0]
    print(
        f"rows={rows} csv={len(data) / 1e6:.1f} MB  (1-min load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    print(f"multipart upload of the CSV      {uploaded - start:7.2f} s")
    print(f"UploadToTableRequest (load)      {loaded - uploaded:7.2f} s")
    print(f"CSV download job + GET           {downloaded - loaded:7.2f} s")
    print(f"query page ({bundle['maxRowsPerPage']} rows, count)  {queried - downloaded:7.2f} s")


if __name__ == "__main__":
    main()
