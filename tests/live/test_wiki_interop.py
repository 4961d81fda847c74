"""Wikis written by this library read by the official ``synapseclient`` 4.14, and the other way round.

Both clients store V2 markdown as a gzipped file handle; these tests show the two agree on that format.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm
from tests.peer import official_client

synapseclient = pytest.importorskip("synapseclient")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MARKDOWN = "# Shared page\n\nWritten by one client, read by the other — ✓ µ.\n"


@pytest.fixture(scope="module")
def peer(server: Any, alice_token: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The official client, logged in as alice."""
    home = tmp_path_factory.mktemp("peer")
    return official_client(server, alice_token, home, log_level=logging.WARNING, multi_threaded=False)


def test_official_client_reads_our_wiki(
    alice: sm.Connection, project: sm.Project, peer: Any, tmp_path: Path
) -> None:
    from synapseclient.models import WikiPage

    home = sm.Wiki(owner=project, title="Home", markdown=MARKDOWN).store()
    legacy = peer.getWiki(project.id)
    assert (legacy.id, legacy.title, legacy.markdown) == (home.id, "Home", MARKDOWN)
    page = WikiPage(owner_id=project.id, id=home.id).get(synapse_client=peer)
    path = page.get_markdown_file(download_location=str(tmp_path), synapse_client=peer)
    assert Path(path).read_text(encoding="utf-8") == MARKDOWN


def test_we_read_the_official_clients_wiki_and_attachment(
    alice: sm.Connection, project: sm.Project, peer: Any, tmp_path: Path
) -> None:
    from synapseclient.models import WikiPage

    made = WikiPage(owner_id=project.id, title="Theirs", markdown=MARKDOWN).store(synapse_client=peer)
    assert sm.Wiki.get(project, made.id).markdown == MARKDOWN
    notes = tmp_path / "notes.txt"
    notes.write_text("attached by the official client")
    legacy = peer.store(
        synapseclient.Wiki(
            owner=project.id,
            title="Legacy",
            markdown="see the file",
            parentWikiId=made.id,
            attachments=[str(notes)],
        )
    )
    ours = sm.Wiki.get(project, legacy.id)
    assert ours.markdown == "see the file" and ours.parent == made.id
    assert ours.attachment_names() == ["notes.txt"]
    got = ours.download_attachment("notes.txt", tmp_path / "back.txt")
    assert got.read_text() == "attached by the official client"
