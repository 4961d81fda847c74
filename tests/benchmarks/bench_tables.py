"""Benchmark for tables (issue 4), run by hand; prints times, peak memory and ratios.

    cd /work/main && /work/venv/bin/python tests/benchmarks/bench_tables.py [--rows 1000000] [--latency-ms 0]

One LocalSynapse runs in its own process. Each client runs in a fresh subprocess that builds the same
DataFrame (``--rows`` x 6 mixed-type columns: INTEGER, STRING, DOUBLE, BOOLEAN, DATE, STRING with few values),
creates a table, appends the frame, and reads every row back into a DataFrame (``--latency-ms MS``: both
through a loopback proxy that delays each request and each response by MS):

* synapse_models: ``Table(...).store()``, ``table.append(df)``, ``table.query()``;
* the official client: ``synapseclient.models.Table(...).store()``, ``df.to_csv(path)`` and
  ``table.store_rows(values=path)`` (``--official-values dataframe`` passes the DataFrame itself instead),
  then ``Table.query("SELECT * FROM ...")``.

Peak memory is the subprocess's own peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``); it is compared
with the DataFrame's size (``df.memory_usage(deep=True).sum()``), and reported both in total and above the
process's RSS right after the imports (the interpreter, pandas and the client libraries).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import add_latency_option, admin, dispatch_phase, local_server, peak_rss_mib, run_phase

MIB = 1024 * 1024


def _rss_now_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def _frame(rows: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(4)
    start = np.datetime64("1950-01-01T00:00:00", "ms").astype("int64")
    stop = np.datetime64("2030-01-01T00:00:00", "ms").astype("int64")
    return pd.DataFrame(
        {
            "sample_id": np.arange(rows, dtype="int64"),
            "label": pd.Series([f"sample-{i:07d}" for i in range(rows)], dtype="str"),
            "score": rng.normal(size=rows),
            "passed": rng.random(rows) > 0.5,
            "collected": pd.to_datetime(rng.integers(start, stop, size=rows), unit="ms", utc=True),
            "tissue": pd.Series(
                np.array(["brain", "liver", "blood", "kidney"])[rng.integers(0, 4, size=rows)], dtype="str"
            ),
        }
    )


# -- phases (each runs in its own subprocess) ------------------------------------------------------------


def phase_ours(a: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd  # noqa: F401  (imports counted in the baseline, like the official client's)

    import synapse_models as sm

    baseline = _rss_now_mib()
    df = _frame(a["rows"])
    size = df.memory_usage(deep=True).sum() / MIB
    conn = sm.connect(a["token"], endpoint=a["endpoint"])
    started = time.perf_counter()
    project = sm.Project(name="bench ours").store(connection=conn)
    columns = [
        sm.Column("sample_id", "INTEGER"),
        sm.Column("label", "STRING", maximum_size=20),
        sm.Column("score", "DOUBLE"),
        sm.Column("passed", "BOOLEAN"),
        sm.Column("collected", "DATE"),
        sm.Column("tissue", "STRING", maximum_size=10),
    ]
    table = sm.Table(name="bench", parent=project, columns=columns).store(connection=conn)
    after_df = _rss_now_mib()
    table.append(df, connection=conn)
    appended = time.perf_counter()
    peak_append = peak_rss_mib()
    back = table.query(connection=conn)
    done = time.perf_counter()
    peak = peak_rss_mib()  # before the checks below, which make copies of their own
    assert len(back) == len(df), (len(back), len(df))
    assert str(back["collected"].dtype) == "datetime64[ns, UTC]" and str(back["sample_id"].dtype) == "Int64"
    ordered = back.sort_values("sample_id").reset_index(drop=True)
    assert ordered["collected"].equals(df["collected"].astype("datetime64[ns, UTC]"))
    return {
        "append": appended - started,
        "query": done - appended,
        "total": done - started,
        "peak": peak,
        "baseline": baseline,
        "df": size,
        "after_df": after_df,
        "peak_append": peak_append,
        "dtypes": {k: str(v) for k, v in back.dtypes.items()},
    }


def phase_official(a: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd  # noqa: F401
    import synapseclient
    from synapseclient.models import Column, ColumnType, Project, Table

    baseline = _rss_now_mib()
    df = _frame(a["rows"])
    size = df.memory_usage(deep=True).sum() / MIB
    home = Path(a["home"])
    home.mkdir(parents=True, exist_ok=True)
    syn = synapseclient.Synapse(
        repoEndpoint=f"{a['endpoint']}/repo/v1",
        authEndpoint=f"{a['endpoint']}/auth/v1",
        fileHandleEndpoint=f"{a['endpoint']}/file/v1",
        portalEndpoint=f"{a['endpoint']}/",
        skip_checks=True,
        cache_client=False,
        configPath=str(home / "synapseConfig"),
        cache_root_dir=str(home / "cache"),
        silent=True,
    )
    syn.login(authToken=a["token"])
    syn.multi_threaded = False  # as /work/shared/peer/README.md advises for LocalSynapse
    started = time.perf_counter()
    project = Project(name="bench official").store(synapse_client=syn)
    columns = [
        Column(name="sample_id", column_type=ColumnType.INTEGER),
        Column(name="label", column_type=ColumnType.STRING, maximum_size=20),
        Column(name="score", column_type=ColumnType.DOUBLE),
        Column(name="passed", column_type=ColumnType.BOOLEAN),
        Column(name="collected", column_type=ColumnType.DATE),
        Column(name="tissue", column_type=ColumnType.STRING, maximum_size=10),
    ]
    table = Table(name="bench", parent_id=project.id, columns=columns).store(synapse_client=syn)
    if a["official_values"] == "dataframe":
        table.store_rows(values=df, synapse_client=syn)
    else:  # write the CSV the way a user would, then let store_rows upload it (timed too)
        path = home / "rows.csv"
        df.to_csv(path, index=False)
        table.store_rows(values=str(path), synapse_client=syn)
    appended = time.perf_counter()
    back = Table.query(query=f"SELECT * FROM {table.id}", synapse_client=syn)
    done = time.perf_counter()
    assert len(back) == len(df), (len(back), len(df))
    return {
        "append": appended - started,
        "query": done - appended,
        "total": done - started,
        "peak": peak_rss_mib(),
        "baseline": baseline,
        "df": size,
        "dtypes": {k: str(v) for k, v in back.dtypes.items()},
    }


PHASES = {name[6:]: fn for name, fn in globals().items() if name.startswith("phase_")}


def _line(label: str, r: dict[str, Any]) -> str:
    extra = r["peak"] - r["baseline"]
    return (
        f"    {label:<28} append {r['append']:7.1f} s  query {r['query']:7.1f} s"
        f"  total {r['total']:7.1f} s"
        f" | peak RSS {r['peak']:6.0f} MiB = {r['peak'] / r['df']:.1f}x df"
        f" ({extra:.0f} MiB above imports = {extra / r['df']:.1f}x df)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-official", action="store_true", help="only time synapse_models")
    parser.add_argument("--skip-ours", action="store_true", help="only time the official client")
    parser.add_argument(
        "--official-values",
        choices=("csv", "dataframe"),
        default="csv",
        help="what to pass to the official store_rows: a CSV path written with df.to_csv "
        "(default; timed) or the DataFrame itself",
    )
    add_latency_option(parser)
    if dispatch_phase(PHASES, sys.argv[1:]):
        return
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-tables-") as scratch,
        local_server(Path(scratch) / "server", args.latency_ms) as (endpoint, admin_token),
    ):
        work = Path(scratch)
        common = {"endpoint": endpoint, "rows": args.rows, "official_values": args.official_values}
        print(
            f"LocalSynapse at {endpoint} (separate process); python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs; {args.rows:,} rows x 6 columns"
        )
        ours: dict[str, Any] = {}
        if not args.skip_ours:
            ours_user = admin(endpoint, admin_token, "POST", "/users", {"userName": "bench-ours"})
            ours = run_phase(__file__, "ours", {**common, "token": ours_user["token"]})
            print(f"    DataFrame size (deep): {ours['df']:.0f} MiB")
            print(_line("synapse_models", ours), flush=True)
            print(f"    dtypes back: {ours['dtypes']}", flush=True)
            print(
                f"    RSS: {ours['baseline']:.0f} MiB after imports, {ours['after_df']:.0f} MiB "
                f"with the DataFrame, peak {ours['peak_append']:.0f} MiB by the end of append, "
                f"{ours['peak']:.0f} MiB by the end of the query",
                flush=True,
            )
        if args.skip_official:
            return
        theirs_user = admin(endpoint, admin_token, "POST", "/users", {"userName": "bench-official"})
        theirs = run_phase(
            __file__, "official", {**common, "token": theirs_user["token"], "home": str(work / "off")}
        )
        print(_line(f"synapseclient ({args.official_values})", theirs))
        print(f"    dtypes back: {theirs['dtypes']}")
        if not ours:
            return
        print(
            f"    speed-up end to end {theirs['total'] / ours['total']:.1f}x (target >= 2x); "
            f"append {theirs['append'] / ours['append']:.1f}x, "
            f"query {theirs['query'] / ours['query']:.1f}x"
        )
        print(f"    synapse_models peak {ours['peak'] / ours['df']:.1f}x the DataFrame (target < 3x)")


if __name__ == "__main__":
    main()
