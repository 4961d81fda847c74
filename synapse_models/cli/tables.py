"""Table commands: ``query``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import command
from ._output import Output, table

FORMATS = ("tsv", "csv", "json", "table")


def add_query(sub: Any) -> None:
    p = command(
        sub,
        "query",
        handler=run_query,
        summary="run a SQL query on a table or view",
        description="Run a Synapse SQL query and print the rows: tab-separated with a header line by "
        "default, or as CSV, JSON (a list of objects) or an aligned table.",
        example='synapse-models query "SELECT name, age FROM syn123 WHERE age > 30" --format csv\n'
        "synapse-models query 'SELECT * FROM syn123' | cut -f1 | sort | uniq -c",
    )
    p.add_argument(
        "sql",
        nargs="+",
        metavar="SQL",
        help="the query, best given as one quoted argument (several are joined with spaces)",
    )
    p.add_argument(
        "--format", choices=FORMATS, default=None, help="tsv (the default), csv, json (also --json) or table"
    )


def run_query(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    from ._common import connect

    connect(args)
    frame = sm.query(" ".join(args.sql))
    form = args.format or ("json" if out.json_mode else "tsv")
    if form == "json":
        # pandas turns its own types (numpy numbers, timestamps, missing values) into JSON ones
        out.json(json.loads(frame.to_json(orient="records", date_format="iso")))
    elif form == "table":
        cells = frame.astype(object).where(frame.notna(), None)
        for line in table(cells.itertuples(index=False), headers=[str(c) for c in frame.columns]):
            out.data(line)
    else:
        out.text(frame.to_csv(sep="\t" if form == "tsv" else ",", index=False, lineterminator="\n"))
    out.info(f"{len(frame)} row(s)")
    return 0
