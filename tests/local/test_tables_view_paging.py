"""Entity views computed in SQL page by page: the same rows, cells and visibility as the materialized rows
a snapshot freezes, pages that continue where the last one stopped, what the caller may not read left out."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .tables_util import PKG, columns, query_ok, transaction_ok, values

_OWN_ONLY = "CHANGE_PERMISSIONS"


def _annotate(api: Api, entity: dict[str, Any], **annotations: tuple[str, list[str]]) -> None:
    current = api.ok("GET", f"/entity/{entity['id']}/annotations2")
    current["annotations"] = {k: {"type": t, "value": v} for k, (t, v) in annotations.items()}
    api.ok("PUT", f"/entity/{entity['id']}/annotations2", current)


def _owner(api: Api) -> int:
    return int(api.ok("GET", "/userProfile")["ownerId"])


def _restrict(api: Api, entity: dict[str, Any], *readers: Api) -> None:
    """Give the entity an ACL of its own: its owner, and READ for ``readers``."""
    entries = [{"principalId": _owner(api), "accessType": ["READ", _OWN_ONLY]}]
    entries += [{"principalId": _owner(r), "accessType": ["READ"]} for r in readers]
    api.ok("POST", f"/entity/{entity['id']}/acl", {"resourceAccess": entries}, status=201)


def _share(api: Api, entity: dict[str, Any], reader: Api) -> None:
    acl = dict(api.ok("GET", f"/entity/{entity['id']}/acl"))
    acl["resourceAccess"] = [*acl["resourceAccess"], {"principalId": _owner(reader), "accessType": ["READ"]}]
    api.ok("PUT", f"/entity/{entity['id']}/acl", acl)


def _view(api: Api, parent: dict[str, Any], scope: list[str], mask: int, cols: list[dict[str, Any]]) -> Any:
    body = {
        "concreteType": PKG + "EntityView",
        "name": f"view {len(cols)} {mask}",
        "parentId": parent["id"],
        "scopeIds": scope,
        "viewTypeMask": mask,
        "columnIds": [c["id"] for c in cols],
    }
    return api.ok("POST", "/entity", body, status=201)


def _every_column(api: Api) -> list[dict[str, Any]]:
    defaults = api.ok("GET", "/column/tableview/defaults", viewEntityType="entityview", viewTypeMask=0x09)
    extra = columns(
        api,
        {"name": "tissue", "columnType": "STRING", "maximumSize": 20},
        {"name": "count", "columnType": "INTEGER"},
        {"name": "ratio", "columnType": "DOUBLE"},
        {"name": "ok", "columnType": "BOOLEAN"},
        {"name": "tags", "columnType": "STRING_LIST", "maximumSize": 5},
        {"name": "when", "columnType": "DATE"},
        {"name": "short", "columnType": "STRING", "maximumSize": 2},
    )
    return [*defaults["list"], *extra]


def _rows(bundle: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = bundle["queryResult"]["queryResults"]["rows"]
    return [(r["rowId"], r["versionNumber"], r.get("etag"), *r["values"]) for r in rows]


def test_computed_rows_equal_the_materialized_rows_of_a_snapshot(alice: Api, bob: Api) -> None:
    project = alice.project()
    folder = alice.folder(project, "data")
    sub = alice.folder(folder, "deep")
    private = alice.folder(folder, "private")
    first = alice.file(folder, name="a.txt")
    second = alice.file(sub, name="b.txt")
    hidden = alice.file(private, name="c.txt")
    notes = {"count": ("LONG", ["3"]), "ratio": ("DOUBLE", ["0.5"]), "ok": ("BOOLEAN", ["true"])}
    notes |= {"tags": ("STRING", ["x", "y"]), "when": ("TIMESTAMP_MS", ["1000"])}
    _annotate(alice, first, tissue=("STRING", ["liver"]), **notes)
    _annotate(
        alice, second, tissue=("STRING", ["brain"]), short=("STRING", ["too long"]), count=("DOUBLE", ["1.5"])
    )
    _annotate(alice, hidden, tissue=("STRING", ["kidney"]))
    _restrict(alice, private)
    _restrict(alice, second, bob)
    view = _view(alice, project, [folder["id"]], 0x09, _every_column(alice))

    snapshot = transaction_ok(alice, view["id"], createSnapshot=True)["snapshotVersionNumber"]
    computed = _rows(query_ok(alice, f"SELECT * FROM {view['id']} ORDER BY ROW_ID", includeEntityEtag=True))
    frozen = _rows(query_ok(alice, f"SELECT * FROM {view['id']}.{snapshot} ORDER BY ROW_ID"))

    assert [r[:2] + r[3:] for r in computed] == [r[:2] + r[3:] for r in frozen]
    names = [c["name"] for c in _every_column(alice)]
    by_name = {r[3 + names.index("name")]: r for r in computed}
    assert sorted(by_name) == ["a.txt", "b.txt", "c.txt", "deep", "private"]  # the scope folder is no row
    assert by_name["b.txt"][2] == alice.ok("GET", f"/entity/{second['id']}")["etag"]
    row = dict(zip(names, by_name["a.txt"][3:], strict=True))
    cells = (row["tissue"], row["count"], row["ratio"], row["ok"], row["tags"], row["when"])
    assert cells == ("liver", "3", "0.5", "true", '["x","y"]', "1000")
    assert row["path"] == f"/{project['name']}/data/a.txt" and row["benefactorId"] == project["id"]
    assert row["projectId"] == project["id"] and row["parentId"] == folder["id"]
    deep = dict(zip(names, by_name["b.txt"][3:], strict=True))
    assert deep["short"] is None  # too long for its column: null, as in a materialized view
    assert deep["benefactorId"] == second["id"] and deep["count"] is None  # 1.5 is no INTEGER

    _share(alice, project, bob)
    seen = {r[0] for r in values(query_ok(bob, f"SELECT name FROM {view['id']}"))}
    assert seen == {
        "a.txt",
        "b.txt",
        "deep",
    }  # not the private folder nor what it holds; b.txt by its own ACL
    assert values(query_ok(bob, f"SELECT name FROM {view['id']} WHERE tissue = 'brain'")) == [["b.txt"]]


def test_pages_without_order_come_in_row_id_order_and_continue_where_they_stopped(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    made = [alice.folder(folder, f"f{i:03d}")["id"] for i in range(130)]
    view = _view(alice, project, [folder["id"]], 0x08, columns(alice, {"name": "n", "columnType": "INTEGER"}))

    pages = [
        _rows(query_ok(alice, f"SELECT n FROM {view['id']} LIMIT 50 OFFSET {offset}"))
        for offset in (0, 50, 100)
    ]

    assert [len(p) for p in pages] == [50, 50, 30]
    assert [f"syn{r[0]}" for page in pages for r in page] == made
    count = query_ok(alice, f"SELECT n FROM {view['id']} WHERE ROW_ID > {made[99][3:]}", part_mask=0x2)
    assert count["queryCount"] == 30


def test_a_trashed_folder_takes_its_files_out_of_the_view(alice: Api) -> None:
    project = alice.project()
    folder = alice.folder(project)
    gone = alice.folder(folder, "gone")
    alice.file(gone, name="x.txt")
    alice.file(folder, name="y.txt")
    view = _view(alice, project, [folder["id"]], 0x01, columns(alice, {"name": "n", "columnType": "INTEGER"}))
    assert len(values(query_ok(alice, f"SELECT n FROM {view['id']}"))) == 2

    alice.ok("PUT", f"/trashcan/trash/{gone['id']}")

    assert len(values(query_ok(alice, f"SELECT n FROM {view['id']}"))) == 1
