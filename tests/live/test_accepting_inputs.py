"""Against LocalSynapse: objects where ids are expected, and annotations straight out of a DataFrame."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.errors import NotFoundError

pytestmark = pytest.mark.live


def test_get_takes_the_entity_or_its_header(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    raw = sm.Folder(name="raw", parent=project).store()
    (tmp_path / "counts.tsv").write_text("gene\tcount\n")
    counts = sm.File(str(tmp_path / "counts.tsv"), parent=raw).store()
    assert sm.Project.get(project).name == project.name
    assert sm.Folder.get(raw).id == raw.id
    assert sm.File.get(counts, download=False).data_file_handle_id == counts.data_file_handle_id
    header = next(iter(raw.children()))
    assert sm.File.get(header, download=False).id == counts.id
    assert sm.Entity.get(header).id == counts.id
    with pytest.raises(sm.ValidationError, match="is a Project, not a Folder"):
        sm.Folder.get(project)


def test_a_table_and_a_header_are_accepted_as_containers_and_sources(
    alice: sm.Connection, project: sm.Project
) -> None:
    table = sm.Table.from_dataframe(pd.DataFrame({"n": [1]}), name="t", parent=project).store()
    assert sm.Table.get(table).column_ids == table.column_ids
    header = next(h for h in project.children() if h.id == table.id)
    activity = sm.Activity("derive", used=[header, table])
    assert [u.reference.target_id for u in activity.used] == [table.id, table.id]  # type: ignore[union-attr]
    outer = sm.Folder(name="outer", parent=project).store()
    outer_header = next(h for h in project.children() if h.id == outer.id)
    nested = sm.Folder(name="nested", parent=outer_header).store()
    assert nested.parent_id == outer.id
    assert [step.path for step in sm.walk(outer_header)] == ["", "nested"]


def test_team_members_and_teams_are_accepted_where_principals_and_ids_are_expected(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    team = sm.Team(f"team {uuid.uuid4().hex[:8]}").store(connection=alice)
    try:
        assert sm.Team.get(team, connection=alice).name == team.name
        member = next(iter(team.members(connection=alice)))
        project.grant(member, ["READ"], connection=alice)
        assert sm.UserProfile.get(member, connection=alice).owner_id == str(member.principal_id)
        assert sm.AccessType.READ in project.acl(connection=alice)[member.principal_id]
        with pytest.raises(sm.ValidationError, match="give a principal id or a user name"):
            sm.UserProfile.get(team, connection=alice)
    finally:
        with contextlib.suppress(NotFoundError):
            team.delete(connection=alice)


def test_annotations_from_a_dataframe_row_round_trip_with_their_types(
    alice: sm.Connection, project: sm.Project
) -> None:
    frame = pd.DataFrame({"age": [34], "rin": np.array([8.5], dtype="float32"), "healthy": [True],
                          "site": ["Boston"], "enrolled": pd.to_datetime(["2021-11-30 10:00"], utc=True)})
    folder = sm.Folder(name="D1", parent=project, annotations=frame.iloc[0].to_dict()).store()
    back = sm.Folder.get(folder.id).annotations
    assert back.to_dict() == {"age": [34], "rin": [8.5], "healthy": [True], "site": ["Boston"],
                              "enrolled": [datetime(2021, 11, 30, 10, tzinfo=timezone.utc)]}
    folder.annotations["lanes"] = np.arange(1, 4)
    folder.annotations["passed"] = np.bool_(False)
    folder.store()
    again = sm.Folder.get(folder.id).annotations
    assert (again["lanes"], again["passed"]) == ([1, 2, 3], [False])
