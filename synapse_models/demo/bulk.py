"""Chapter: the command line and bulk work -- a manifest made and synced up, a tree synced down (twice), a
copy -- through ``synapse-models`` (``cli.main``) and ``sm.sync_to``/``sm.sync_from``."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import synapse_models as sm

from . import _out as out

if TYPE_CHECKING:
    from . import Tour

TITLE = "The command line and bulk work"
WIDTH = 100


@contextlib.contextmanager
def _shell(tour: Tour, token: str, work: Path) -> Iterator[None]:
    """A user's shell: the server and token in the environment, ``work`` as the current directory."""
    wanted = {"SYNAPSE_ENDPOINT": tour.server.endpoint, "SYNAPSE_AUTH_TOKEN": token}
    wanted["SYNAPSE_MODELS_PROGRESS"] = "0"  # what the demo prints stays readable in a log
    saved = {k: os.environ.get(k) for k in wanted}
    here = os.getcwd()
    os.environ.update(wanted)
    os.chdir(work)
    try:
        yield
    finally:
        os.chdir(here)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(tour: Tour, *args: str, show: int = 6) -> list[str]:
    """Run ``synapse-models ARGS`` as the user would, print the command and (some of) what it printed."""
    from ..cli import main

    out.say("$ synapse-models " + " ".join(args))
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(list(args))
    lines = stdout.getvalue().splitlines()
    shown = lines[:show] + ([f"... ({len(lines) - show} more lines)"] if len(lines) > show else [])
    for line in shown + [f"(stderr) {m}" for m in stderr.getvalue().splitlines()]:
        text = "  " + line.replace(str(tour.workdir) + os.sep, "").replace("\t", "  ")
        out.say(text if len(text) <= WIDTH - 4 else text[: WIDTH - 7] + "...")
    if code != 0:
        raise RuntimeError(f"synapse-models {' '.join(args)} exited with {code}")
    return lines


def run(tour: Tour) -> None:
    with tour.private_cache():
        _run_chapter(tour)


def _run_chapter(tour: Tour) -> None:
    server = tour.server
    token = server.create_user("dana")
    dana = sm.connect(token, endpoint=server.endpoint, name="dana")
    work = tour.workdir / "bulk"
    results = work / "results"
    for plate, wells in (("plate1", 3), ("plate2", 3)):
        (results / plate).mkdir(parents=True)
        for well in range(1, wells + 1):
            (results / plate / f"well{well}.csv").write_text(f"cell,area\n1,{well * 17}\n2,{well * 23}\n")
    out.step("dana, on a cluster, has results/ with plate1/ and plate2/ of three CSV files each")

    with _shell(tour, token, work), dana:
        project_id = _run(tour, "create", "Project", "--name", "Imaging core")[0]
        _run(tour, "manifest", "results", "--parent-id", project_id, "--manifest-file", "manifest.tsv")
        manifest = work / "manifest.tsv"
        with open(manifest, newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        with open(manifest, "w", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["path", "parent", "plate", "well", "stain"])
            for row in rows:
                path = Path(row["path"])
                writer.writerow([row["path"], row["parent"], path.parent.name, int(path.stem[4:]), "DAPI"])
        out.step("manifest.tsv gained the annotation columns plate, well and stain")

        out.code('sm.sync_to("manifest.tsv", dry_run=True)   # checks every row, writes nothing')
        plan = sm.sync_to(manifest, dry_run=True, echo=None)
        out.step(f"the plan: {plan.counts()}, and not a single write")
        server.reset_request_log()
        out.code('sm.sync_to("manifest.tsv")')
        uploaded = sm.sync_to(manifest, echo=None)
        per_file = len(server.request_log()) / len(uploaded)
        out.step(f"{uploaded.counts()}: {per_file:.1f} requests per file, annotations included")
        again = sm.sync_to(manifest, echo=None)
        out.step(f"run again: {again.counts()} -- nothing is uploaded or rewritten")

        _run(tour, "get", "-r", project_id, "--download-location", "mirror")
        with open(work / "mirror" / "SYNAPSE_METADATA_MANIFEST.tsv", newline="") as handle:
            header = next(csv.reader(handle, delimiter="\t"))
        out.step("mirror/ has the tree, and in each directory the official manifests, with the columns")
        for line in textwrap.wrap(", ".join(header), WIDTH - 8):
            out.say("  " + line)
        server.reset_request_log()
        out.code('sm.sync_from(project_id, "mirror")   # the tree is unchanged')
        down = sm.sync_from(project_id, work / "mirror", progress=False)
        requests = len(server.request_log())
        out.step(f"{down.counts()} in {requests} requests (folder listings): no bundle, no byte")

        copies = _run(tour, "create", "Project", "--name", "Imaging core (shared copy)")[0]
        lines = _run(tour, "cp", project_id, "--destination-id", copies, "--skip-copy-annotations", show=3)
        out.step(
            f"{len(lines)} entities copied; the files point at copies of their file handles, "
            "no byte was uploaded"
        )
    sm.disconnect("dana")
