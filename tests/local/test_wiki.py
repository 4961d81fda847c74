"""Wiki pages (V2 and the V1 facade), history, order hints and attachments of the embedded server.

REFERENCE 2.8.
"""

from __future__ import annotations

import gzip
from typing import Any

import requests

from synapse_models.local import LocalSynapse
from tests.local.conftest import Api, reason


def _me(api: Api) -> str:
    return str(api.ok("GET", "/userProfile")["ownerId"])


def _page(
    api: Api, owner: str, title: str = "Home", parent: str | None = None, **fields: Any
) -> dict[str, Any]:
    body = {
        "title": title,
        "markdownFileHandleId": api.handle(f"{title}.md.gz"),
        "parentWikiId": parent,
    } | fields
    return dict(api.ok("POST", f"/entity/{owner}/wiki2", body, status=201))


def test_create_root_and_get_it(alice: Api) -> None:
    project = alice.project()
    assert alice.get(f"/entity/{project['id']}/wiki2").status_code == 404
    root = _page(alice, project["id"])
    assert "parentWikiId" not in root
    assert root["createdBy"] == _me(alice)
    assert alice.ok("GET", f"/entity/{project['id']}/wiki2")["id"] == root["id"]
    assert alice.ok("GET", f"/entity/{project['id']}/wiki2/{root['id']}")["title"] == "Home"
    key = alice.ok("GET", f"/entity/{project['id']}/wikikey")
    assert key == {"wikiPageId": root["id"], "ownerObjectId": project["id"][3:], "ownerObjectType": "ENTITY"}


def test_second_root_conflicts(alice: Api) -> None:
    project = alice.project()
    _page(alice, project["id"])
    body = {"title": "again", "markdownFileHandleId": alice.handle()}
    second_root = alice.post(f"/entity/{project['id']}/wiki2", body)
    owner = project["id"].removeprefix("syn")
    assert (second_root.status_code, reason(second_root)) == (
        409,
        f"An owner already exists with the ownerId: {owner} and ownerType: ENTITY",
    )


def test_create_requires_markdown_and_own_handles(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert alice.post(f"/entity/{project['id']}/wiki2", {"title": "x"}).status_code == 400
    foreign = {"title": "x", "markdownFileHandleId": bob.handle()}
    response = alice.post(f"/entity/{project['id']}/wiki2", foreign)
    assert response.status_code == 403
    assert "creator" in reason(response)


def test_update_checks_etag_and_keeps_history(alice: Api) -> None:
    project = alice.project()
    root = _page(alice, project["id"])
    path = f"/entity/{project['id']}/wiki2/{root['id']}"
    updated = alice.ok("PUT", path, root | {"title": "Second"})
    assert updated["title"] == "Second" and updated["etag"] != root["etag"]
    assert alice.put(path, root | {"title": "Stale"}).status_code == 412
    history = alice.ok("GET", path + "/wikihistory", offset=0, limit=10)
    assert [h["version"] for h in history["results"]] == ["1", "0"]
    assert alice.ok("GET", path, wikiVersion=0)["title"] == "Home"
    restored = alice.ok("PUT", path + "/0")
    assert restored["title"] == "Home"
    assert len(alice.ok("GET", path + "/wikihistory", offset=0, limit=10)["results"]) == 3


def test_sub_pages_header_tree_and_cascading_delete(alice: Api) -> None:
    project = alice.project()
    root = _page(alice, project["id"])
    child = _page(alice, project["id"], "Child", parent=root["id"])
    grandchild = _page(alice, project["id"], "Grandchild", parent=child["id"])
    tree = alice.ok("GET", f"/entity/{project['id']}/wikiheadertree2")
    assert [(h["id"], h["title"], h.get("parentId")) for h in tree["results"]] == [
        (root["id"], "Home", None),
        (child["id"], "Child", root["id"]),
        (grandchild["id"], "Grandchild", child["id"]),
    ]
    assert len(alice.ok("GET", f"/entity/{project['id']}/wikiheadertree")["results"]) == 3
    assert alice.delete(f"/entity/{project['id']}/wiki2/{child['id']}").status_code == 200
    assert alice.get(f"/entity/{project['id']}/wiki2/{grandchild['id']}").status_code == 404
    assert [h["id"] for h in alice.ok("GET", f"/entity/{project['id']}/wikiheadertree2")["results"]] == [
        root["id"]
    ]


def test_order_hint_round_trip_with_etag(alice: Api) -> None:
    project = alice.project()
    root = _page(alice, project["id"])
    first = _page(alice, project["id"], "A", parent=root["id"])
    second = _page(alice, project["id"], "B", parent=root["id"])
    hint = alice.ok("GET", f"/entity/{project['id']}/wiki2orderhint")
    assert hint["ownerObjectType"] == "ENTITY"
    changed = alice.ok(
        "PUT", f"/entity/{project['id']}/wiki2orderhint", hint | {"idList": [second["id"], first["id"]]}
    )
    assert changed["idList"] == [second["id"], first["id"]]
    assert alice.put(f"/entity/{project['id']}/wiki2orderhint", hint).status_code == 412
    tree = alice.ok("GET", f"/entity/{project['id']}/wikiheadertree2")
    assert [h["id"] for h in tree["results"]] == [second["id"], first["id"], root["id"]]


def test_attachments_by_name_and_unique_names(alice: Api) -> None:
    project = alice.project()
    first, second = alice.handle("data.csv"), alice.handle("plot.png")
    root = _page(alice, project["id"], attachmentFileHandleIds=[first, second])
    base = f"/entity/{project['id']}/wiki2/{root['id']}"
    handles = alice.ok("GET", base + "/attachmenthandles")
    assert [h["fileName"] for h in handles["list"]] == ["data.csv", "plot.png"]
    redirect = alice.get(base + "/attachment", fileName="plot.png")
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == "https://example.org/plot.png"
    text = alice.get(base + "/attachment", fileName="plot.png", redirect="false")
    assert text.status_code == 200 and text.text == "https://example.org/plot.png"
    assert alice.get(base + "/attachment", fileName="missing.txt").status_code == 404
    duplicate = root | {"attachmentFileHandleIds": [first, alice.handle("data.csv")]}
    assert alice.put(base, duplicate).status_code == 400


def test_v1_markdown_is_gzipped_into_a_file_handle(alice: Api) -> None:
    project = alice.project()
    page = alice.ok(
        "POST", f"/entity/{project['id']}/wiki", {"title": "V1", "markdown": "# Hello\nworld"}, status=201
    )
    assert page["markdown"] == "# Hello\nworld"
    v2 = alice.ok("GET", f"/entity/{project['id']}/wiki2/{page['id']}")
    handle = alice.ok("GET", f"/file/v1/fileHandle/{v2['markdownFileHandleId']}")
    assert handle["fileName"] == f"{page['id']}_markdown.txt.gz"
    assert handle["contentType"] == "application/x-gzip"
    url = alice.get(f"/entity/{project['id']}/wiki2/{page['id']}/markdown", redirect="false").text
    assert gzip.decompress(requests.get(url, timeout=10).content).decode() == "# Hello\nworld"
    assert alice.get(f"/entity/{project['id']}/wiki2/{page['id']}/markdown").status_code == 307
    updated = alice.ok("PUT", f"/entity/{project['id']}/wiki/{page['id']}", page | {"markdown": "changed"})
    assert updated["markdown"] == "changed"
    assert alice.ok("GET", f"/entity/{project['id']}/wiki")["markdown"] == "changed"
    assert (
        alice.put(f"/entity/{project['id']}/wiki/{page['id']}", page | {"markdown": "stale"}).status_code
        == 412
    )


def test_v2_page_visible_through_v1(alice: Api) -> None:
    project = alice.project()
    page = alice.ok("POST", f"/entity/{project['id']}/wiki", {"title": "V1", "markdown": "text"}, status=201)
    body = {"title": "sub", "markdown": "sub text", "parentWikiId": page["id"]}
    child = alice.ok("POST", f"/entity/{project['id']}/wiki", body, status=201)
    assert alice.ok("GET", f"/entity/{project['id']}/wiki/{child['id']}")["parentWikiId"] == page["id"]
    assert alice.ok("GET", f"/entity/{project['id']}/wiki2/{child['id']}")["title"] == "sub"
    assert alice.delete(f"/entity/{project['id']}/wiki/{page['id']}").status_code == 200
    assert alice.get(f"/entity/{project['id']}/wiki2/{child['id']}").status_code == 404


def test_markdown_download_through_batch_is_authorized_by_owner(alice: Api, bob: Api) -> None:
    project = alice.project()
    page = alice.ok("POST", f"/entity/{project['id']}/wiki", {"title": "x", "markdown": "secret"}, status=201)
    handle_id = alice.ok("GET", f"/entity/{project['id']}/wiki2/{page['id']}")["markdownFileHandleId"]
    request = {
        "requestedFiles": [
            {
                "fileHandleId": handle_id,
                "associateObjectId": page["id"],
                "associateObjectType": "WikiMarkdown",
            }
        ],
        "includePreSignedURLs": True,
        "includeFileHandles": True,
    }
    mine = alice.ok("POST", "/file/v1/fileHandle/batch", request)["requestedFiles"][0]
    assert "failureCode" not in mine and mine["preSignedURL"]
    theirs = bob.ok("POST", "/file/v1/fileHandle/batch", request)["requestedFiles"][0]
    assert theirs["failureCode"] == "UNAUTHORIZED"
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"].append({"principalId": int(_me(bob)), "accessType": ["READ"]})
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert "failureCode" not in bob.ok("POST", "/file/v1/fileHandle/batch", request)["requestedFiles"][0]


def test_wiki_permissions_follow_the_owner(alice: Api, bob: Api) -> None:
    project = alice.project()
    root = _page(alice, project["id"])
    assert bob.get(f"/entity/{project['id']}/wiki2").status_code == 403
    assert (
        bob.post(
            f"/entity/{project['id']}/wiki2", {"title": "b", "markdownFileHandleId": bob.handle()}
        ).status_code
        == 403
    )
    acl = alice.ok("GET", f"/entity/{project['id']}/acl")
    acl["resourceAccess"].append({"principalId": int(_me(bob)), "accessType": ["READ"]})
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    assert bob.ok("GET", f"/entity/{project['id']}/wiki2")["id"] == root["id"]
    assert bob.put(f"/entity/{project['id']}/wiki2/{root['id']}", root | {"title": "bob"}).status_code == 403
    assert bob.delete(f"/entity/{project['id']}/wiki2/{root['id']}").status_code == 403


def test_bundle_reports_root_wiki_id(alice: Api) -> None:
    project = alice.project()
    bundle = alice.ok("POST", f"/entity/{project['id']}/bundle2", {"includeRootWikiId": True})
    assert "rootWikiId" not in bundle
    root = _page(alice, project["id"])
    bundle = alice.ok("POST", f"/entity/{project['id']}/bundle2", {"includeRootWikiId": True})
    assert bundle["rootWikiId"] == root["id"]


def test_evaluation_owned_wiki(alice: Api, server: LocalSynapse) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST",
        "/evaluation",
        {"name": f"wiki queue {project['id']}", "contentSource": project["id"]},
        status=201,
    )
    page = alice.ok(
        "POST", f"/evaluation/{evaluation['id']}/wiki", {"title": "Rules", "markdown": "be nice"}, status=201
    )
    assert alice.ok("GET", f"/evaluation/{evaluation['id']}/wiki2")["id"] == page["id"]
    assert alice.ok("GET", f"/evaluation/{evaluation['id']}/wiki/{page['id']}")["markdown"] == "be nice"
    assert alice.get("/evaluation/999999999/wiki2").status_code == 404
    alice.ok("DELETE", f"/evaluation/{evaluation['id']}")
    with server.app.store.read() as db:
        left = db.execute(
            "SELECT COUNT(*) FROM wiki_pages WHERE owner_id = ?", (evaluation["id"],)
        ).fetchone()
    assert left[0] == 0


def test_missing_wikis_are_refused_in_synapse_words(alice: Api) -> None:
    project = alice.project()
    number = project["id"].removeprefix("syn")
    no_root = f"A root wiki does not exist for ownerId: {number} and ownerType: ENTITY"
    for path in ("wiki2", "wiki", "wikiheadertree", "wikiheadertree2", "wiki2/123"):
        response = alice.get(f"/entity/{project['id']}/{path}")
        assert (response.status_code, reason(response)) == (404, no_root), path
    _page(alice, project["id"])
    response = alice.get(f"/entity/{project['id']}/wiki2/999999999")
    assert (response.status_code, reason(response)) == (404, "No wiki page found with id: 999999999")
