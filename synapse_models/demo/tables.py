"""Chapter: tables from DataFrames, typed queries, schema changes, a file view with annotation columns, a
dataset of file versions and a materialized view joining two tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import synapse_models as sm

from . import _out as out

if TYPE_CHECKING:
    import pandas as pd

    from . import Tour

TITLE = "Tables and views, with pandas"


def _setup(tour: Tour) -> tuple[sm.Connection, sm.Project]:
    """Reuse what earlier chapters made, or make it (when this chapter runs alone)."""
    if "alice" not in tour.made:
        tour.made["alice"] = sm.connect(tour.server.create_user("alice"), endpoint=tour.server.endpoint)
    alice: sm.Connection = tour.made["alice"]
    if "project" not in tour.made:
        tour.made["project"] = sm.Project(name="RNA-seq pilot").store(connection=alice)
    return alice, tour.made["project"]


def _show(df: pd.DataFrame) -> None:
    for line in df.to_string(index=False, max_colwidth=28).splitlines():
        out.say(line)


def run(tour: Tour) -> None:
    import pandas as pd

    alice, project = _setup(tour)
    with alice:
        donors = pd.DataFrame(
            {
                "donor": ["D01", "D02", "D03", "D04", "D05"],
                "age": pd.array([34, 61, None, 47, 29], dtype="Int64"),
                "rin": [8.1, 6.4, 9.0, float("nan"), 7.7],
                "consented": [True, True, False, True, True],
                "enrolled": pd.to_datetime(
                    ["1968-05-01", "2021-11-30", "2022-01-15", "2023-07-04", "2024-02-29"], utc=True
                ),
                "tissues": [["brain", "blood"], ["liver"], [], ["blood"], ["brain"]],
            }
        )
        out.code('table = sm.Table.from_dataframe(donors, name="donors", parent=project).store()')
        table = sm.Table.from_dataframe(donors, name="donors", parent=project).store()
        tour.made["table"] = table
        described = ", ".join(
            f"{c.name} {c.type.value}" + (f"({c.maximum_size})" if c.maximum_size else "")
            for c in table.columns or []
        )
        out.step(f"created {table.id} with columns inferred from the dtypes: {described}")

        sql = f"SELECT donor, age, rin, enrolled, tissues FROM {table.id} WHERE age > 30 ORDER BY age"
        out.code(f'sm.query("{sql}")')
        older = sm.query(sql)
        _show(older)
        dtypes = ", ".join(f"{k}={v}" for k, v in older.dtypes.astype(str).items())
        out.expect(f"dtypes follow the column types: {dtypes} (1968 came back intact, lists are lists)")

        out.code('table.upsert(pd.DataFrame({"donor": ["D03", "D06"], "age": [52, 38]}), key="donor")')
        changes = pd.DataFrame({"donor": ["D03", "D06"], "age": pd.array([52, 38], dtype="Int64")})
        result = table.upsert(changes, key="donor")
        out.step(f"upsert: {result.updated} row updated by key, {result.inserted} row added")

        by_name = {c.name: c for c in table.columns or []}
        by_name["rin"].name = "rna_integrity"
        table.columns = [*(table.columns or []), sm.Column("site", sm.ColumnType.STRING, maximum_size=20)]
        table.store()
        renamed = [c.name for c in table.columns or []]
        out.step(f"renamed a column and added one through a schema-change transaction; columns now {renamed}")
        version = table.snapshot(comment="enrolment closed")
        out.step(f"snapshot version {version}: 'SELECT * FROM {table.id}.{version}' reads it forever")

        try:
            table.append(pd.DataFrame({"donor": ["D07"], "weight_kg": [70.5]}))
        except sm.ValidationError as error:
            out.expect(f"a frame with an unknown column is refused before any request: {error}")
        try:
            sm.query(f"SELECT nonsense FROM {table.id}")
        except sm.HTTPError as error:
            out.expect(
                f"bad SQL comes back as {type(error).__name__} with the server's reason: {error.reason}"
            )

        _file_view(tour, project)
        _dataset_and_join(project, table)


def _file_view(tour: Tour, project: sm.Project) -> None:
    files: list[Any] = list(tour.made.get("files") or [])
    scope: list[sm.Entity] = [project]
    view = sm.View(name="all files", parent=project, scope=scope, include=[sm.EntityType.FILE])
    if not files and not _has_files(project):
        # when the files chapter did not run, upload a few annotated files to look at
        folder = tour.made.get("raw") or sm.Folder(name="raw", parent=project).store()
        for i, (tissue, lane) in enumerate([("brain", 1), ("blood", 2), ("liver", 1)]):
            path = tour.workdir / f"D0{i + 1}_R1.fastq"
            path.write_text(f"@read{i}\nACGT\n+\nFFFF\n")
            sm.File(
                path,
                parent=folder,
                annotations={
                    "tissue": tissue,
                    "lane": lane,
                    "sequenced": datetime(2024, 3, i + 1, tzinfo=timezone.utc),
                },
            ).store()
    out.code(
        'view = sm.View(name="all files", parent=project, scope=[project], '
        "include=[sm.EntityType.FILE]).store()"
    )
    view.store()
    notes = [c.name for c in view.columns or [] if c.name not in {d.name for d in view.default_columns()}]
    out.step(f"created view {view.id}; annotation columns found in scope: {notes}")
    wanted = ", ".join(f'"{n}"' for n in ["name", *notes][:6])
    frame = view.query(f"SELECT {wanted} FROM {view.id} ORDER BY name")
    _show(frame)
    out.expect(f"one row per file in the project, {len(frame)} in all, annotations as typed columns")
    tour.made["view"] = view
    text_notes = [c.name for c in view.columns or [] if c.name in notes and c.type is sm.ColumnType.STRING]
    if text_notes:
        key = text_notes[0]
        rows = view.query(include_row_metadata=True)
        first = rows["name"].iloc[0]
        out.code(
            f'rows = view.query(include_row_metadata=True); rows.loc[<{first}>, "{key}"] = "reviewed"; '
            "view.update(rows)"
        )
        rows.loc[rows.index[0], key] = "reviewed"
        changed = view.update(rows)
        entity = sm.Entity.get(changed[0])
        out.step(
            f"only the changed cell was written back, etag-checked: {changed[0]} ({first}) now has "
            f"{key}={entity.annotations[key]}"
        )


def _dataset_and_join(project: sm.Project, table: sm.Table) -> None:
    import pandas as pd

    files = [h.id for _, _, others in project.walk() for h in others if h.entity_type == "FileEntity"]
    out.code("ds = sm.Dataset(name=\"pilot release\", parent=project); ds.add_item(file) ...; ds.store()")
    ds = sm.Dataset(name="pilot release", parent=project)
    for file_id in files:
        ds.add_item(file_id)
    ds.store()
    version = ds.snapshot(label="v1")
    out.step(f"dataset {ds.id}: {ds.count} file versions, {ds.size} bytes, checksum {ds.checksum}; "
             f"snapshot {version} keeps exactly these versions")

    batches = pd.DataFrame({"donor": ["D01", "D02", "D04"], "batch": ["B1", "B1", "B2"]})
    batch_table = sm.Table.from_dataframe(batches, name="batches", parent=project).store()
    sql = (f"SELECT d.donor AS donor, d.age AS age, b.batch AS batch FROM {table.id} d "
           f"JOIN {batch_table.id} b ON d.donor = b.donor")
    out.code(f'mv = sm.MaterializedView(name="donor batches", parent=project, defining_sql="{sql}").store()')
    joined = sm.MaterializedView(name="donor batches", parent=project, defining_sql=sql).store()
    _show(joined.query("SELECT * FROM {id} ORDER BY donor"))
    out.expect(f"the join's columns were derived by the server: {[c.name for c in joined.columns or []]}")


def _has_files(project: sm.Project) -> bool:
    return any(header.entity_type == "FileEntity" for _, _, others in project.walk() for header in others)
