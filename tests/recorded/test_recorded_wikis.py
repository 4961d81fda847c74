"""Wikis: a root page with an attachment, a sub-page, the header tree, updates with etags, deletion."""

from __future__ import annotations

from pathlib import Path

import pytest

import synapse_models as sm

from .conftest import Made, Recording

HOME = """# RNA-seq pilot

Bulk RNA-seq of 12 donors. See the sample sheet attached to this page, and *Methods*.
"""


@pytest.mark.vcr
def test_wiki_pages_attachment_and_updates(
    recording: Recording, connection: sm.Connection, made: Made, tmp_path: Path
) -> None:
    project = made(sm.Project(name=recording.name("wiki")).store())
    sheet = tmp_path / "samples.csv"
    sheet.write_text("donor,group,rin\nD01,case,8.1\nD02,control,7.9\n")
    home = sm.Wiki(owner=project, title="RNA-seq pilot", markdown=HOME, attachments=[sheet]).store()
    methods = sm.Wiki(owner=project, title="Methods", parent=home, markdown="## Alignment\nSTAR 2.7").store()

    loaded = sm.Wiki.get(project)
    assert (loaded.id, loaded.title, loaded.markdown) == (home.id, "RNA-seq pilot", HOME)
    assert sm.Wiki.get(project, methods.id).markdown == "## Alignment\nSTAR 2.7"
    assert [(h.title, h.parent_id) for h in home.children()] == [("Methods", home.id)]
    assert sorted((h.title, h.parent_id) for h in sm.Wiki.headers(project)) == [
        ("Methods", home.id),
        ("RNA-seq pilot", None),
    ]
    assert loaded.attachment_names() == ["samples.csv"]
    copy = loaded.download_attachment("samples.csv", tmp_path / "downloaded")
    assert copy.read_text() == sheet.read_text()
    with pytest.raises(sm.NotFoundError, match="no attachment named"):
        loaded.download_attachment("other.csv", tmp_path)

    stale = sm.Wiki.get(project)
    loaded.markdown = HOME + "\nUpdated: 14 donors.\n"
    loaded.store()
    assert sm.Wiki.get(project).markdown.endswith("Updated: 14 donors.\n")
    stale.title = "a title from an old read"
    with pytest.raises(sm.PreconditionFailedError):
        stale.store()

    methods.delete()
    assert [h.title for h in sm.Wiki.headers(project)] == ["RNA-seq pilot"]
