"""Listing children and projects, looking entities up by name or alias."""

from __future__ import annotations

from typing import Any

from .conftest import Api, unique


def _children(api: Api, parent_id: str | None, **request: Any) -> dict[str, Any]:
    body = {"parentId": parent_id, "includeTypes": ["folder", "file"]} | request
    return dict(api.ok("POST", "/entity/children", body))


def test_post_children_pages_with_tokens(alice: Api) -> None:
    project = alice.project()
    names = [f"child {i:03d}" for i in range(55)]
    for name in names:
        alice.folder(project, name)
    first = _children(alice, project["id"])
    assert [h["name"] for h in first["page"]] == names[:50]
    assert isinstance(first["nextPageToken"], str)
    second = _children(alice, project["id"], nextPageToken=first["nextPageToken"])
    assert [h["name"] for h in second["page"]] == names[50:]
    assert "nextPageToken" not in second


def _all_pages(api: Api, parent_id: str, **request: Any) -> list[list[str]]:
    pages, token = [], None
    while True:
        page = _children(api, parent_id, nextPageToken=token, **request)
        pages.append([h["name"] for h in page["page"]])
        token = page.get("nextPageToken")
        if token is None:
            return pages


def test_pages_continue_after_the_last_child_shown_even_when_children_change(alice: Api) -> None:
    project = alice.project()
    for i in range(0, 110, 2):
        alice.folder(project, f"c{i:03d}")
    first = _children(alice, project["id"])
    assert first["page"][-1]["name"] == "c098"
    alice.folder(project, "c001")  # before the token's position: not shown on later pages
    alice.folder(project, "c099")  # after it: shown
    rest = _children(alice, project["id"], nextPageToken=first["nextPageToken"])
    assert [h["name"] for h in rest["page"]] == ["c099", "c100", "c102", "c104", "c106", "c108"]


def test_every_sort_order_pages_through_ties_without_losing_a_child(alice: Api) -> None:
    project = alice.project()
    made = [alice.folder(project, f"f{i:03d}")["name"] for i in range(120)]
    for sort_by in ("NAME", "CREATED_ON", "MODIFIED_ON"):
        for direction in ("ASC", "DESC"):
            pages = _all_pages(alice, project["id"], sortBy=sort_by, sortDirection=direction)
            assert [len(p) for p in pages] == [50, 50, 20]
            listed = [name for page in pages for name in page]
            assert sorted(listed) == made, (sort_by, direction)
    newest = _all_pages(alice, project["id"], sortBy="CREATED_ON", sortDirection="DESC")
    assert newest[0][0] == "f119" and newest[-1][-1] == "f000"


def test_a_token_of_another_listing_order_is_refused(alice: Api) -> None:
    project = alice.project()
    for i in range(51):
        alice.folder(project, f"x{i}")
    token = _children(alice, project["id"])["nextPageToken"]
    body = {
        "parentId": project["id"],
        "includeTypes": ["folder"],
        "nextPageToken": token,
        "sortBy": "CREATED_ON",
    }
    response = alice.post("/entity/children", body)
    assert response.status_code == 400 and "Invalid nextPageToken" in response.text


def test_post_children_filters_types_and_sorts(alice: Api) -> None:
    project = alice.project()
    folder_b = alice.folder(project, "b folder")
    alice.folder(project, "a folder")
    file = alice.file(project, name="c file")
    files_only = _children(alice, project["id"], includeTypes=["file"])
    assert [h["id"] for h in files_only["page"]] == [file["id"]]
    newest_first = _children(alice, project["id"], sortBy="CREATED_ON", sortDirection="DESC")
    assert [h["name"] for h in newest_first["page"]] == ["c file", "a folder", "b folder"]
    header = next(h for h in newest_first["page"] if h["id"] == folder_b["id"])
    assert header["type"] == "org.sagebionetworks.repo.model.Folder"
    assert header["benefactorId"] == int(project["id"][3:])


def test_post_children_ignores_entity_types_it_does_not_know(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    body = _children(alice, project["id"], includeTypes=["folder", "searchindex"])
    assert [h["id"] for h in body["page"]] == [folder["id"]]
    assert (
        alice.post("/entity/children", {"parentId": project["id"], "includeTypes": ["Folder!"]}).status_code
        == 400
    )


def test_post_children_counts_when_asked(alice: Api) -> None:
    project = alice.project()
    alice.folder(project)
    alice.file(project)
    body = _children(alice, project["id"], includeTotalChildCount=True, includeSumFileSizes=True)
    assert body["totalChildCount"] == 2
    assert body["sumFileSizesBytes"] >= 0


def test_post_children_requires_include_types(alice: Api) -> None:
    project = alice.project()
    assert alice.post("/entity/children", {"parentId": project["id"]}).status_code == 400
    assert alice.post("/entity/children", {"parentId": project["id"], "includeTypes": []}).status_code == 400
    bad = {"parentId": project["id"], "includeTypes": ["folder"], "nextPageToken": "zz"}
    assert alice.post("/entity/children", bad).status_code == 400


def test_post_children_of_unreadable_parent_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert (
        bob.post("/entity/children", {"parentId": project["id"], "includeTypes": ["folder"]}).status_code
        == 403
    )


def test_post_children_without_parent_lists_readable_projects(alice: Api, bob: Api) -> None:
    mine = alice.project()
    theirs = bob.project()
    ids = []
    token = None
    while True:
        page = _children(alice, None, includeTypes=["project"], nextPageToken=token)
        ids += [h["id"] for h in page["page"]]
        token = page.get("nextPageToken")
        if token is None:
            break
    assert mine["id"] in ids
    assert theirs["id"] not in ids


def test_post_children_hides_children_with_private_acl(alice: Api, bob: Api) -> None:
    project = alice.project()
    alice.ok("PUT", f"/entity/{project['id']}/acl", _grant(alice, project["id"], bob, ["READ"]))
    public = alice.folder(project)
    private = alice.folder(project)
    own_only = {
        "resourceAccess": [{"principalId": _owner(alice), "accessType": ["READ", "CHANGE_PERMISSIONS"]}]
    }
    alice.ok("POST", f"/entity/{private['id']}/acl", own_only, status=201)
    seen = [h["id"] for h in _children(bob, project["id"])["page"]]
    assert public["id"] in seen
    assert private["id"] not in seen


def _owner(api: Api) -> int:
    return int(api.ok("GET", "/userProfile")["ownerId"])


def _grant(owner: Api, entity_id: str, grantee: Api, access: list[str]) -> dict[str, Any]:
    acl = dict(owner.ok("GET", f"/entity/{entity_id}/acl"))
    acl["resourceAccess"] = [*acl["resourceAccess"], {"principalId": _owner(grantee), "accessType": access}]
    return acl


def test_post_child_finds_entity_by_name(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "lookup me")
    found = alice.ok("POST", "/entity/child", {"parentId": project["id"], "entityName": "lookup me"})
    assert found == {"id": folder["id"]}
    assert alice.ok("POST", "/entity/child", {"entityName": project["name"]}) == {"id": project["id"]}


def test_post_child_missing_name_returns_404(alice: Api) -> None:
    project = alice.project()
    assert alice.post("/entity/child", {"parentId": project["id"], "entityName": "nope"}).status_code == 404
    assert alice.post("/entity/child", {"parentId": project["id"]}).status_code == 400


def test_post_child_of_unreadable_project_returns_403(alice: Api, bob: Api) -> None:
    project = alice.project()
    assert bob.post("/entity/child", {"entityName": project["name"]}).status_code == 403


def test_get_entity_by_alias_returns_id(alice: Api) -> None:
    alias = unique("alias").replace(" ", "_")
    project = alice.project(alias=alias)
    assert alice.ok("GET", f"/entity/alias/{alias}") == {"id": project["id"]}
    assert (
        alice.post(
            "/entity", {"concreteType": project["concreteType"], "name": unique("p"), "alias": alias}
        ).status_code
        == 409
    )


def test_get_projects_lists_own_projects(alice: Api, bob: Api) -> None:
    mine = alice.project()
    theirs = bob.project()
    ids: list[str] = []
    token = None
    while True:
        page = alice.ok("GET", "/projects", **({"nextPageToken": token} if token else {}))
        ids += [p["id"] for p in page["results"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert mine["id"] in ids
    assert theirs["id"] not in ids


def test_hidden_children_neither_shorten_a_page_nor_appear_on_the_next(alice: Api, bob: Api) -> None:
    project = alice.project()
    alice.ok("PUT", f"/entity/{project['id']}/acl", _grant(alice, project["id"], bob, ["READ"]))
    own_only = {
        "resourceAccess": [{"principalId": _owner(alice), "accessType": ["READ", "CHANGE_PERMISSIONS"]}]
    }
    for i in range(70):
        folder = alice.folder(project, f"n{i:03d}")
        if i % 7 == 0:  # ten private folders spread over the listing
            alice.ok("POST", f"/entity/{folder['id']}/acl", own_only, status=201)
    pages = _all_pages(bob, project["id"])
    assert [len(p) for p in pages] == [50, 10]
    assert [n for p in pages for n in p] == [f"n{i:03d}" for i in range(70) if i % 7]
    assert [len(p) for p in _all_pages(alice, project["id"])] == [50, 20]
