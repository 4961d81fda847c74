"""Chapter: a project wiki, a team, sharing, and a small challenge scored by its organiser."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import synapse_models as sm

from . import _out as out

if TYPE_CHECKING:
    from . import Tour

TITLE = "Collaboration: wikis, teams, sharing and a challenge"

HOME = """# RNA-seq pilot

Bulk RNA-seq of 12 donors. Raw FASTQ files are in `raw/`, aligned counts in `processed/`.
See the sample sheet attached to this page, and *Methods* for how the data were made.
"""


def run(tour: Tour) -> None:
    alice, project = _setup(tour)

    # -- a wiki ---------------------------------------------------------------------------------------
    sheet = tour.workdir / "samples.csv"
    sheet.write_text("donor,group,rin\nD01,case,8.1\nD02,control,7.9\n")
    out.code(
        'home = sm.Wiki(owner=project, title="RNA-seq pilot", markdown=HOME,\n'
        '               attachments=["samples.csv"]).store()'
    )
    home = sm.Wiki(owner=project, title="RNA-seq pilot", markdown=HOME, attachments=[sheet]).store()
    methods = sm.Wiki(
        owner=project,
        title="Methods",
        parent=home,
        markdown="## Alignment\nSTAR 2.7 against GRCh38, counts with featureCounts.",
    ).store()
    out.step(
        f"wrote the project wiki: root page {home.id} and sub-page {methods.id} 'Methods'; the markdown "
        "went up gzipped as a file handle, as Synapse stores it"
    )
    by_id = {h.id: h for h in sm.Wiki.headers(project)}
    out.tree([(0 if h.parent_id is None else 1, f"{h.title}  (wiki {h.id})") for h in by_id.values()])
    loaded = sm.Wiki.get(project)
    out.code("sm.Wiki.get(project).markdown.splitlines()[0]")
    out.say(repr(loaded.markdown.splitlines()[0] if loaded.markdown else ""))
    copy = loaded.download_attachment("samples.csv", tour.workdir / "downloaded-samples.csv")
    lines = copy.read_text().count("\n")
    out.step(f"attachment {loaded.attachment_names()} downloaded by name: {lines} lines")

    # -- a team ---------------------------------------------------------------------------------------
    out.code('team = sm.Team("RNA-seq analysts", description="people who analyse the pilot").store()')
    team = sm.Team("RNA-seq analysts", description="people who analyse the pilot").store()
    out.code('team.invite("bob", message="Join the analysis team")')
    team.invite("bob", message="Join the analysis team")
    bob = sm.connect(tour.made["bob_token"], endpoint=tour.server.endpoint, name="bob")
    tour.made["bob"] = bob
    bobs_team = sm.Team.get(name="RNA-seq analysts", connection=bob)
    status = bobs_team.membership_status(bob.user_id)
    out.step(
        f"bob sees an open invitation: has_open_invitation={status.has_open_invitation}, "
        f"can_join={status.can_join}"
    )
    out.code('sm.Team.get(name="RNA-seq analysts", connection=bob).join()')
    bobs_team.join()
    out.table(
        [(m.user_name, m.principal_id, "yes" if m.is_admin else "no") for m in team.members()],
        ("member", "principal id", "admin"),
    )

    # -- sharing --------------------------------------------------------------------------------------
    before = sm.Project(id=project.id).permissions(connection=bob)
    out.step(
        f"before sharing, bob's permissions on {project.id}: can_view={before.can_view}, "
        f"can_download={before.can_download}"
    )
    out.code('project.grant(team, ["READ", "DOWNLOAD"])')
    acl = project.grant(team, ["READ", "DOWNLOAD"])
    names = {int(str(alice.user_id)): "alice", int(str(team.id)): f"team {team.name!r}"}
    out.table(
        [
            (names.get(e.principal_id, e.principal_id), ", ".join(sorted(a.value for a in e.access_type)))
            for e in acl
        ],
        ("principal", "access"),
    )
    after = sm.Project(id=project.id).permissions(connection=bob)
    out.step(
        f"after sharing with the team, bob's permissions: can_view={after.can_view}, "
        f"can_download={after.can_download}, can_edit={after.can_edit} (computed by the server)"
    )
    out.step(f"bob now reads the wiki too: {sm.Wiki.get(project.id, connection=bob).title!r}")
    try:
        project.grant(team, ["READ", "TELEPORT"])
    except sm.ValidationError as err:
        out.expect(f"ValidationError before any request: {err}")

    # -- annotation schemas ---------------------------------------------------------------------------
    _schemas(tour, project)

    # -- a challenge ----------------------------------------------------------------------------------
    _challenge(alice, bob, project, team)


SAMPLE = {
    "type": "object",
    "properties": {
        "donor": {"type": "string", "pattern": "^D[0-9]+$"},
        "rin": {"type": "number", "minimum": 0},
    },
    "required": ["donor"],
}


def _schemas(tour: Tour, project: sm.Project) -> None:
    out.code(
        'sm.SchemaOrganization(name="pilot.lab").store()\n'
        'schema = sm.JSONSchema(organization="pilot.lab", name="sample", version="1.0.0",\n'
        "                       body=SAMPLE).store()\n"
        "samples.bind_schema(schema)"
    )
    sm.SchemaOrganization(name="pilot.lab").store()
    schema = sm.JSONSchema(organization="pilot.lab", name="sample", version="1.0.0", body=SAMPLE).store()
    samples = sm.Folder(name="samples", parent=project).store()
    samples.bind_schema(schema)
    path = tour.workdir / "D03.fastq"
    path.write_text("@read1\nACGT\n+\nIIII\n")
    out.code('sm.File(path="D03.fastq", parent=samples, annotations={"donor": "3", "rin": "high"}).store()')
    bad = sm.File(path=path, parent=samples, annotations={"donor": "3", "rin": "high"}).store()
    result = bad.validate()
    out.expect(
        f"{bad.name} is stored, but does not conform to {schema.uri}: {result.validation_error_message}"
    )
    out.table([(v.pointer, v.keyword, v.message) for v in result.violations], ("where", "keyword", "problem"))
    bad.annotations["donor"] = "D03"
    bad.annotations["rin"] = 8.3
    bad.store()
    stats = samples.validation_statistics()
    out.step(
        f"fixed the annotations: {stats.number_of_valid_children} valid, "
        f"{stats.number_of_invalid_children} invalid in {samples.name!r}"
    )


def _challenge(alice: sm.Connection, bob: sm.Connection, project: sm.Project, team: sm.Team) -> None:
    out.code(
        'queue = sm.Evaluation("Pilot challenge", content_source=project, '
        "submission_instructions=...).store()"
    )
    queue = sm.Evaluation(
        "Pilot challenge",
        content_source=project,
        submission_instructions="Submit a folder of predictions",
        submission_receipt="Thanks, your entry will be scored shortly.",
    )
    queue.store(connection=alice)
    queue.grant(team, ["READ", "SUBMIT"])
    out.step(f"evaluation queue {queue.id} {queue.name!r}; team members may submit")

    bobs_project = sm.Project(name="Bob's challenge entries").store(connection=bob)
    entry = sm.Folder(
        name="predictions v1", parent=bobs_project, annotations={"model": "random forest"}
    ).store(connection=bob)
    out.code(
        'queue_for_bob = sm.Evaluation.get(name="Pilot challenge", connection=bob)\n'
        'submission = queue_for_bob.submit(entry, name="first try")'
    )
    submission = sm.Evaluation.get(name="Pilot challenge", connection=bob).submit(entry, name="first try")
    out.step(f"bob submitted {entry.id} as submission {submission.id}")

    out.code('for s in queue.submissions(status="RECEIVED"): ...')
    for received in queue.submissions(status="RECEIVED"):
        status = received.status()
        status.status = sm.SubmissionStatusEnum.SCORED
        status.submission_annotations = sm.Annotations({"auc": 0.87, "rank": 1, "passed": True})
        status.store()
        out.step(f"alice scored submission {received.id} from user {received.user_id}: SCORED, auc 0.87")

    mine = sm.Submission.get(submission.id, connection=bob).status()
    scores: dict[str, Any] = {k: v[0] for k, v in mine.submission_annotations.items()}
    out.step(f"bob sees his result: {mine.status.value if mine.status else None} {scores}")
    stale = sm.Submission.get(submission.id, connection=alice).status()
    mine_again = sm.Submission.get(submission.id, connection=alice).status()
    mine_again.submission_annotations["rank"] = 2
    mine_again.store()
    stale.submission_annotations["rank"] = 3
    try:
        stale.store()
    except sm.PreconditionFailedError:
        out.expect(
            "a second scorer working from an old read got PreconditionFailedError, not a silent overwrite"
        )


def _setup(tour: Tour) -> tuple[sm.Connection, sm.Project]:
    """Reuse what earlier chapters made, or make it (when this chapter runs alone)."""
    if "alice" not in tour.made:
        tour.made["alice"] = sm.connect(tour.server.create_user("alice"), endpoint=tour.server.endpoint)
    if "bob_token" not in tour.made:
        tour.made["bob_token"] = tour.server.create_user("bob")
    alice: sm.Connection = tour.made["alice"]
    if "project" not in tour.made:
        tour.made["project"] = sm.Project(name="RNA-seq pilot").store(connection=alice)
    project: sm.Project = tour.made["project"]
    return alice, project
