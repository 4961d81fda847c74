"""Wiki pages (V2, gzipped markdown file handles), sub-pages and attachments against LocalSynapse."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import synapse_models as sm
from synapse_models.errors import ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError
from synapse_models.transfer.download import fetch_bytes

MARKDOWN = "# RNA-seq pilot\n\nCounts per gene — *12 samples*, µ = 3.5 ✓\n"


def test_root_page_round_trips_markdown(alice: sm.Connection, project: sm.Project) -> None:
    home = sm.Wiki(owner=project, title="About", markdown=MARKDOWN).store()
    assert home.id and home.etag and home.markdown_file_handle_id and home.parent_wiki_id is None
    loaded = sm.Wiki.get(project)
    assert (loaded.id, loaded.title, loaded.markdown) == (home.id, "About", MARKDOWN)
    assert sm.Wiki.get(project.id, home.id).markdown == MARKDOWN


def test_markdown_is_stored_gzipped_like_synapse_does(alice: sm.Connection, project: sm.Project) -> None:
    home = sm.Wiki(owner=project, title="About", markdown=MARKDOWN).store()
    raw = fetch_bytes(
        alice,
        file_handle_id=str(home.markdown_file_handle_id),
        associate_object_id=str(home.id),
        associate_object_type="WikiMarkdown",
    )
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw).decode("utf-8") == MARKDOWN
    handle = alice.get(f"/fileHandle/{home.markdown_file_handle_id}", service="file")
    assert handle["contentType"] == "application/x-gzip"


def test_sub_pages_and_header_tree(alice: sm.Connection, project: sm.Project) -> None:
    home = sm.Wiki(owner=project, title="Home", markdown="root").store()
    methods = sm.Wiki(owner=project, title="Methods", markdown="how", parent=home).store()
    results = sm.Wiki(owner=project, title="Results", markdown="what", parent=home).store()
    detail = sm.Wiki(owner=project, title="Alignment", markdown="STAR", parent=methods).store()
    assert {h.title for h in home.children()} == {"Methods", "Results"}
    assert [h.title for h in methods.children()] == ["Alignment"]
    tree = {h.id: h.parent_id for h in sm.Wiki.headers(project)}
    assert tree == {home.id: None, methods.id: home.id, results.id: home.id, detail.id: methods.id}
    header = next(h for h in home.children() if h.title == "Results")
    assert header.get().markdown == "what"
    assert sm.Wiki.get(project, detail.id).parent == methods.id


def test_a_second_root_page_updates_the_existing_root(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    keep, replace = tmp_path / "keep.txt", tmp_path / "replace.txt"
    keep.write_text("kept")
    replace.write_text("old")
    first = sm.Wiki(owner=project, title="Home", markdown="root", attachments=[keep, replace]).store()
    replace.write_text("new")
    again = sm.Wiki(owner=project, markdown="rewritten by a re-run script", attachments=[replace]).store()
    assert again.id == first.id and again.title == "Home"
    loaded = sm.Wiki.get(project)
    assert loaded.markdown == "rewritten by a re-run script"
    assert loaded.attachment_names() == ["keep.txt", "replace.txt"]
    assert loaded.download_attachment("replace.txt", tmp_path / "r.txt").read_text() == "new"
    assert [h.id for h in sm.Wiki.headers(project)] == [first.id]
    with pytest.raises(ConflictError):
        sm.Wiki(owner=project, title="Another root", markdown="x").store(create_or_update=False)


def test_attachments_upload_and_download_by_name(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    figure = tmp_path / "design.png"
    figure.write_bytes(bytes(range(256)) * 40)
    table = tmp_path / "samples.csv"
    table.write_text("id,group\n1,a\n2,b\n")
    page = sm.Wiki(
        owner=project, title="Design", markdown="![design](design.png)", attachments=[figure, str(table)]
    ).store()
    assert len(page.attachment_file_handle_ids) == 2 and page.attachments == []
    loaded = sm.Wiki.get(project, page.id)
    assert loaded.attachment_names() == ["design.png", "samples.csv"]
    out = tmp_path / "out"
    out.mkdir()
    got = loaded.download_attachment("design.png", out)
    assert got == out / "design.png" and got.read_bytes() == figure.read_bytes()
    assert loaded.download_attachment("samples.csv", tmp_path / "copy.csv").read_text() == table.read_text()
    with pytest.raises(NotFoundError, match=r"no attachment named 'missing\.txt'"):
        loaded.download_attachment("missing.txt", out)


def test_attachment_of_the_same_name_replaces_and_unchanged_is_not_reuploaded(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("v1")
    page = sm.Wiki(owner=project, title="Notes", markdown="see notes", attachments=[notes]).store()
    first_ids = list(page.attachment_file_handle_ids)
    etag = page.etag
    page.attachments = [notes]
    page.store()
    assert page.attachment_file_handle_ids == first_ids and page.etag == etag
    notes.write_text("v2")
    page.attachments = [notes]
    page.store()
    assert len(page.attachment_file_handle_ids) == 1 and page.attachment_file_handle_ids != first_ids
    assert page.download_attachment("notes.txt", tmp_path / "back.txt").read_text() == "v2"


def test_update_is_etag_checked_and_no_op_is_skipped(alice: sm.Connection, project: sm.Project) -> None:
    page = sm.Wiki(owner=project, title="Home", markdown="one").store()
    stale = sm.Wiki.get(project)
    etag, handle = page.etag, page.markdown_file_handle_id
    page.store()
    assert (page.etag, page.markdown_file_handle_id) == (etag, handle)
    page.markdown = "two"
    page.store()
    assert page.etag != etag and page.markdown_file_handle_id != handle
    assert sm.Wiki.get(project).markdown == "two"
    stale.title = "Overwrite"
    with pytest.raises(PreconditionFailedError):
        stale.store()
    assert sm.Wiki.get(project).title == "Home"


def test_delete_removes_the_page_and_its_sub_pages(alice: sm.Connection, project: sm.Project) -> None:
    home = sm.Wiki(owner=project, title="Home", markdown="root").store()
    child = sm.Wiki(owner=project, title="Child", markdown="c", parent=home).store()
    child.delete()
    assert home.children() == []
    again = sm.Wiki(owner=project, title="Child 2", markdown="c", parent=home).store()
    home.delete()
    with pytest.raises(NotFoundError):
        sm.Wiki.get(project)
    with pytest.raises(NotFoundError):
        sm.Wiki.get(project, again.id)


def test_bob_reads_the_wiki_only_after_sharing(
    alice: sm.Connection, bob: sm.Connection, project: sm.Project
) -> None:
    sm.Wiki(owner=project, title="Home", markdown=MARKDOWN).store(connection=alice)
    with pytest.raises((ForbiddenError, NotFoundError)):
        sm.Wiki.get(project.id, connection=bob)
    project.grant("bob", ["READ"])
    assert sm.Wiki.get(project.id, connection=bob).markdown == MARKDOWN
    page = sm.Wiki.get(project.id, connection=bob)
    page.markdown = "bob edits"
    with pytest.raises(ForbiddenError):
        page.store()


def test_evaluation_wiki(alice: sm.Connection, project: sm.Project) -> None:
    queue = sm.Evaluation(f"wiki queue {project.id}", content_source=project).store()
    try:
        sm.Wiki(owner=queue, title="Rules", markdown="be nice").store()
        assert sm.Wiki.get(queue).markdown == "be nice"
    finally:
        queue.delete()
