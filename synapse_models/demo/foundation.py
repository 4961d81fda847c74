"""Chapter 1: connect, build a project tree with annotations, walk it, and meet the safety nets."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import synapse_models as sm

from . import _out as out

if TYPE_CHECKING:
    from . import Tour

TITLE = "Projects, folders and annotations"


def run(tour: Tour) -> None:
    server = tour.server
    alice_token = server.create_user("alice")
    tour.made["bob_token"] = server.create_user("bob")

    out.code("sm.connect(token, endpoint=server.endpoint)")
    alice = sm.connect(alice_token, endpoint=server.endpoint)
    tour.made["alice"] = alice
    out.step(f"connected as {alice.user_name} (user {alice.user_id}); the token never shows: {alice!r}")

    out.code('project = sm.Project(name="RNA-seq pilot", annotations={...}).store()')
    project = sm.Project(
        name="RNA-seq pilot",
        description="Bulk RNA-seq of 12 donors",
        annotations={
            "grant": "U01-HG-1234",
            "n_donors": 12,
            "started": datetime(2024, 3, 1, tzinfo=timezone.utc),
            "public": False,
        },
    ).store()
    tour.made["project"] = project
    out.step(f"created {project.id} {project.name!r}")

    raw = sm.Folder(name="raw", parent=project, annotations={"stage": "raw", "lanes": [1, 2, 3, 4]}).store()
    processed = sm.Folder(name="processed", parent=project, annotations={"stage": "aligned"}).store()
    batch = sm.Folder(name="batch 1", parent=raw, annotations={"flowcell": "HX7T2"}).store()
    tour.made.update(raw=raw, processed=processed)
    out.step(f"created folders raw ({raw.id}), processed ({processed.id}) and raw/batch 1 ({batch.id})")

    again = sm.Folder(name="raw", parent=project, description="FASTQ straight off the sequencer").store()
    out.step(f"storing a new Folder named 'raw' again updated the same entity: {again.id} == {raw.id}")

    loaded = sm.Project.get(name="RNA-seq pilot")
    out.code('sm.Project.get(name="RNA-seq pilot").annotations')
    for key, values in loaded.annotations.items():
        shown = [v.isoformat() if isinstance(v, datetime) else v for v in values]
        out.say(f"{key:<9} = {shown!r:<32} ({type(values[0]).__name__})")
    out.step("annotations came back as the Python types that went in")

    out.code("for folder, subfolders, others in project.walk(): ...")
    lines: list[tuple[int, str]] = []
    depth = {project.id: 0}
    for here, folders, others in project.walk():
        level = depth[here.id]
        lines.append((level, f"{here.name}/  ({here.id})"))
        for folder in folders:
            depth[folder.id] = level + 1
        lines.extend((level + 1, f"{o.name}  ({o.entity_type}, {o.id})") for o in others)
    out.tree(lines)

    out.code("stale = sm.Folder.get(raw.id); raw.store(); stale.store()")
    stale = sm.Folder.get(raw.id)
    raw = sm.Folder.get(raw.id)
    raw.description = "FASTQ files, demultiplexed"
    raw.store()
    stale.description = "an edit based on an old read"
    try:
        stale.store()
    except sm.PreconditionFailedError as err:
        out.expect(f"PreconditionFailedError: {err}")
        out.step("the second writer was stopped instead of silently overwriting the first")

    try:
        sm.Folder(name="raw/../../etc", parent=project)
    except sm.ValidationError as err:
        out.expect(f"ValidationError before any request: {err}")

    bob = sm.connect(tour.made["bob_token"], endpoint=server.endpoint, name="bob")
    try:
        sm.Project.get(project.id, connection=bob)
    except sm.ForbiddenError as err:
        out.expect(f"bob cannot read alice's project: {err.status} {err.reason}")
    out.step("access control is enforced between users")

    batch.delete()
    try:
        sm.Folder.get(batch.id)
    except sm.NotFoundError:
        out.step(f"deleted {batch.id}; it is in the trash can and no longer found")
