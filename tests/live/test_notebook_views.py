"""What a notebook shows: listings as tables of their first page, models as views, user ids as names.

Each test counts the requests the server saw, because the promise is as much about what is *not* fetched (a
listing before it is iterated or displayed, a user name on attribute access) as about what is shown.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm
from synapse_models.errors import NotFoundError

SCRIPT = "<script>alert(1)</script>"


def _requests(server: Any, path: str = "") -> list[tuple[str, str]]:
    return [(m, p) for m, p, _ in server.request_log() if path in p]


def _rows(html: str) -> int:
    return html.count("</tr>") - 1  # the header row


def test_children_are_fetched_only_when_iterated_or_shown(
    alice: sm.Connection, project: sm.Project, server: Any
) -> None:
    sm.store_all([sm.Folder(name=f"sample {i:02d}", parent=project) for i in range(60)], connection=alice)
    server.reset_request_log()
    kids = project.children()
    assert re.fullmatch(r"<Listing of children of test_\S+ \(syn\d+\): not fetched yet>", repr(kids))
    assert _requests(server) == []

    html = kids._repr_html_()
    assert _requests(server) == [("POST", "/repo/v1/entity/children")]  # the first page, and nothing else
    assert "60 in all; the first 10 shown" in html
    assert _rows(html) == 10 and "sample 09" in html and "sample 10" not in html

    names = [h.name for h in kids]  # the page on show is not fetched again
    assert names == [f"sample {i:02d}" for i in range(60)]
    assert _requests(server) == [("POST", "/repo/v1/entity/children")] * 2
    assert list(kids) == [] and "none left" in kids._repr_html_()


def test_a_plain_iteration_asks_for_no_count(alice: sm.Connection, project: sm.Project, server: Any) -> None:
    sm.Folder(name="raw", parent=project).store()
    kids = project.children()
    assert next(kids).name == "raw"  # a listing is an iterator, as the generator before it was
    assert "1 in all" not in kids._repr_html_()
    assert "none left" in kids._repr_html_()


def test_an_offset_listing_shows_its_first_page(alice: sm.Connection, server: Any) -> None:
    team = sm.Team(f"views {uuid.uuid4().hex[:8]}").store(connection=alice)
    try:
        server.reset_request_log()
        members = team.members()
        assert _requests(server) == []
        html = members._repr_html_()
        assert len(_requests(server, "/teamMembers/")) == 1
        assert "alice" in html and "1 in all" in html
        assert [m.user_name for m in members] == ["alice"]
        assert len(_requests(server, "/teamMembers/")) == 1
    finally:
        team.delete()


def test_your_projects_and_messages_are_listings_too(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project, server: Any
) -> None:
    subject = f"counts {uuid.uuid4().hex[:6]}"
    sm.send_message(bob.user_name, subject, "The counts are in.", connection=alice)
    server.reset_request_log()
    mine, inbox, outbox = (
        sm.Project.list_mine(connection=alice),
        sm.Message.inbox(connection=bob),
        sm.Message.outbox(connection=alice),
    )
    assert _requests(server) == []  # nothing is asked before the listings are shown or iterated
    assert repr(mine) == "<Listing of projects you can see: not fetched yet>"
    html = mine._repr_html_()
    assert _requests(server) == [("GET", "/repo/v1/projects")]
    assert "<table" in html and project.name in html and "projects you can see" in html
    assert project.id in [header.id for header in mine]
    assert subject in inbox._repr_html_() and subject in outbox._repr_html_()
    assert [m.subject for m in inbox if m.subject == subject] == [subject]


def test_a_listing_that_fails_on_display_says_why_and_raises_when_iterated(
    alice: sm.Connection, project: sm.Project
) -> None:
    folder = sm.Folder(name="gone", parent=project).store()
    kids = folder.children()
    folder.delete()
    html = kids._repr_html_()
    assert "could not be listed" in html and "NotFoundError" not in html
    with pytest.raises(NotFoundError):
        list(kids)


def test_user_ids_show_as_names_from_one_batched_request(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project, server: Any
) -> None:
    project.grant(bob.user_name, ["READ"])
    seen = sm.Project.get(project.id, connection=bob)
    server.reset_request_log()
    assert seen.created_by == alice.user_id and seen.modified_by == alice.user_id  # plain ids: no request
    assert _requests(server) == []

    html = seen._repr_html_()
    assert _requests(server) == [("GET", "/repo/v1/userGroupHeaders/batch")]
    assert f"alice <span style='color:#666;font-size:90%'>({alice.user_id})</span>" in html
    seen._repr_html_()
    assert len(_requests(server)) == 1  # names already known are not asked again

    mine = sm.Project.get(project.id, connection=alice)
    server.reset_request_log()
    assert "alice" in mine._repr_html_() and _requests(server) == []  # the connection knows its own user


def test_a_file_shows_size_md5_and_content_type(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("gene,count\n" + "".join(f"g{i},{i}\n" for i in range(200)))
    file = sm.File(str(path), parent=project, annotations={"stage": "raw"}).store()
    html = sm.File.get(file.id, download=False)._repr_html_()
    size = path.stat().st_size
    assert f"{size / 1024:.1f} KiB ({size:,} bytes)" in html
    assert file.file_handle is not None and file.file_handle.content_md5 in html
    assert "text/csv" in html and "stage" in html and "raw" in html


def test_a_table_shows_its_columns_count_and_first_rows_from_one_query(
    alice: sm.Connection, project: sm.Project, server: Any
) -> None:
    frame = pd.DataFrame({"sample": [f"s{i}" for i in range(12)], "reads": range(12)})
    table = sm.Table.from_dataframe(frame, name="samples", parent=project).store()
    table = sm.Table.get(table.id)
    server.reset_request_log()
    html = table._repr_html_()
    starts = [p for m, p in _requests(server) if m == "POST"]
    assert starts == [f"/repo/v1/entity/{table.id}/table/query/async/start"]
    assert "2 columns" in html and "STRING" in html and "INTEGER" in html
    assert "the first 5 of 12 rows" in html
    preview = html[html.index("12 rows") :]
    assert _rows(preview) == 5 and "s4" in preview and "s5" not in preview


def test_everything_shown_is_escaped(alice: sm.Connection, project: sm.Project) -> None:
    project.description = SCRIPT
    project.annotations["note"] = SCRIPT
    project.store()
    team = sm.Team(f"{SCRIPT} {uuid.uuid4().hex[:8]}", description=SCRIPT).store()
    wiki = sm.Wiki(owner=project, title=SCRIPT, markdown=SCRIPT).store()
    table = sm.Table.from_dataframe(
        pd.DataFrame({SCRIPT.strip("<>/()"): [SCRIPT]}), name="t", parent=project
    ).store()
    try:
        shown: list[Any] = [
            project,
            team,
            wiki,
            sm.Table.get(table.id),
            team.members(),
            project.children(),
            project.acl(),
            sm.Wiki.headers(project)[0],
        ]
        for obj in shown:
            html = obj._repr_html_()
            assert "<script>" not in html, type(obj).__name__
        assert "&lt;script&gt;" in project._repr_html_() and "&lt;script&gt;" in team._repr_html_()
        assert "&lt;script&gt;" in sm.Table.get(table.id)._repr_html_()
    finally:
        team.delete()
