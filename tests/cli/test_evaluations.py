"""``submit`` to an evaluation queue by id or by name, an entity or a file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import synapse_models as sm

from .conftest import Run

Upload = Callable[..., sm.File]


def test_submit_an_entity_by_queue_id_and_a_file_by_queue_name(
    cli: Run, project: sm.Project, upload: Upload, shell: Path
) -> None:
    queue = sm.Evaluation(name=f"CLI queue {project.id}", content_source=project).store()
    entry = upload(project, "entry.csv", "a,b\n")
    by_id = cli("submit", "--evaluation-id", queue.id, "--entity", entry.id, "--name", "first try")
    assert by_id.code == 0, by_id.err
    [submission_id] = by_id.lines()
    submission = sm.Submission.get(submission_id)
    assert (submission.entity_id, submission.version_number, submission.name) == (entry.id, 1, "first try")
    assert f"as submission {submission_id}" in by_id.err
    (shell / "predictions.csv").write_text("p\n0.9\n")
    by_name = cli(
        "submit",
        "--evaluationName",
        queue.name,
        "-f",
        "predictions.csv",
        "--parent-id",
        project.id,
        "--used",
        entry.id,
        "--json",
    )
    assert by_name.code == 0, by_name.err
    document = json.loads(by_name.out)
    uploaded = sm.File.get(document["entity_id"], download=False)
    assert uploaded.name == "predictions.csv"
    assert uploaded.activity is not None and uploaded.activity.used[0].reference.target_id == entry.id  # type: ignore[attr-defined]
    assert document["evaluation_id"] == queue.id


def test_submit_usage_errors(cli: Run, project: sm.Project) -> None:
    assert cli("submit", "--entity", "syn1").code == 2  # no queue
    assert cli("submit", "--evaluation-id", "12").code == 2  # nothing to submit
    assert cli("submit", "--evaluation-id", "abc", "--entity", "syn1").code == 2
    no_parent = cli("submit", "--evaluation-id", "12", "-f", "x.csv")
    assert no_parent.code == 2 and "--parent-id" in no_parent.err
    unknown = cli("submit", "--evaluation-name", "no such queue anywhere", "--entity", project.id)
    assert unknown.code == 1 and unknown.err.startswith("error: 404")
