"""sm.copy against the session LocalSynapse: files by handle copy, folders, tables, views, links, wikis."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm

from .conftest import make_tree, requests_of

LINK = "org.sagebionetworks.repo.model.Link"


def _uploads(server: Any) -> int:
    return sum(
        1 for m, p, _ in server.request_log() if m == "PUT" and p.startswith("/file/v1/presigned/upload/")
    )


def _names(container: str) -> dict[str, dict[str, str]]:
    return {s.path: {h.name: h.type.rsplit(".", 1)[-1] for h in s.files} for s in sm.walk(container)}


@pytest.fixture
def destination(alice: sm.Connection, request: pytest.FixtureRequest) -> Any:
    made = sm.Project(name=f"copy of {request.node.name}"[:200]).store()
    yield made
    made.delete()


def test_a_project_tree_is_copied_without_uploading_bytes(
    alice: sm.Connection, project: sm.Project, destination: sm.Project, tmp_path: Path, log: Any
) -> None:
    files = make_tree(project, tmp_path / "src", {"": 1, "a": 2, "a/b": 2})
    project.annotations["grant"] = "U01"
    project.store()
    log.reset_request_log()

    results = sm.copy(project, destination)

    assert results.ok, results.failed
    assert results.counts() == {"copied": 7}  # 2 folders, 5 files
    assert _uploads(log) == 0
    assert requests_of(log)["POST /file/vN/filehandles/copy"] == 0  # alice's own handles are reused
    assert _names(str(destination.id)) == _names(str(project.id))
    for relative, source in files.items():
        copied = sm.File.get(results.mapping[str(source.id)], download=False)
        assert copied.annotations == source.annotations
        assert copied.data_file_handle_id == source.data_file_handle_id
        assert copied.activity is not None and copied.activity.name == "Copied file"
        assert [(u.reference.target_id, u.reference.target_version_number) for u in copied.activity.used] == [
            (source.id, 1)
        ], relative
    assert sm.Project.get(destination.id).annotations["grant"] == ["U01"]


def test_files_of_another_user_get_copied_handles(
    alice: sm.Connection, bob: sm.Connection, tmp_path: Path
) -> None:
    shared = sm.Project(name=f"bob shares {tmp_path.name}").store(connection=bob)
    local = tmp_path / "bobs.txt"
    local.write_text("bob's data\n")
    original = sm.File(str(local), parent=shared).store(connection=bob)
    shared.acl(connection=bob).grant(alice.user_id, ["READ", "DOWNLOAD"]).store(connection=bob)
    mine = sm.Project(name=f"alice copies {tmp_path.name}").store(connection=alice)
    try:
        results = sm.copy(str(original.id), mine, connection=alice)

        assert results.counts() == {"copied": 1}, results.failed
        copy = sm.File.get(
            results.mapping[str(original.id)], connection=alice, download_location=tmp_path / "d"
        )
        assert copy.data_file_handle_id != original.data_file_handle_id
        assert copy.file_handle is not None and copy.file_handle.created_by == alice.user_id
        assert Path(str(copy.path)).read_text() == "bob's data\n"
    finally:
        mine.delete(connection=alice)
        shared.delete(connection=bob)


def test_tables_views_and_links_are_copied_with_rows_and_remapped_targets(
    alice: sm.Connection, project: sm.Project, destination: sm.Project, tmp_path: Path
) -> None:
    files = make_tree(project, tmp_path / "src", {"data": 2})
    data = next(h for h in project.children(["folder"]) if h.name == "data")
    frame = pd.DataFrame({"sample": [f"s{i}" for i in range(120)], "reads": list(range(120))})
    table = sm.Table.from_dataframe(frame, name="samples", parent=project).store()
    view = sm.View(name="data files", parent=project, scope=[data.id]).store()
    outside = sm.Project(name=f"outside {tmp_path.name}").store()
    conn = alice
    link = conn.post(
        "/entity",
        {
            "concreteType": LINK,
            "name": "to file",
            "parentId": project.id,
            "linksTo": {"targetId": files["data/file0.txt"].id},
        },
    )
    other = conn.post(
        "/entity",
        {
            "concreteType": LINK,
            "name": "to outside",
            "parentId": project.id,
            "linksTo": {"targetId": outside.id},
        },
    )
    try:
        results = sm.copy(project, destination)

        assert results.ok, results.failed
        new = results.mapping
        rows = sm.Table.get(new[str(table.id)]).query().sort_values("reads").reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, frame, check_dtype=False)
        copied_view = sm.Entity.get(new[str(view.id)])
        assert isinstance(copied_view, sm.View) and copied_view.scope_ids == [new[data.id]]
        assert [c.name for c in copied_view.schema()] == [c.name for c in view.schema()]
        assert (
            conn.get(f"/entity/{new[link['id']]}")["linksTo"]["targetId"]
            == new[str(files["data/file0.txt"].id)]
        )
        assert conn.get(f"/entity/{new[other['id']]}")["linksTo"]["targetId"] == outside.id
        skipped = sm.copy(
            project,
            sm.Folder(name="no tables", parent=destination).store(),
            tables=False,
            views=False,
            links=False,
        )
        assert {r.kind for r in skipped} == {"Folder", "File"}
    finally:
        outside.delete()


def test_wikis_are_copied_with_attachments_and_links_rewritten(
    alice: sm.Connection, project: sm.Project, destination: sm.Project, tmp_path: Path, log: Any
) -> None:
    files = make_tree(project, tmp_path / "src", {"docs": 1})
    target = files["docs/file0.txt"]
    attachment = tmp_path / "figure.txt"
    attachment.write_text("figure 1\n")
    home = sm.Wiki(owner=project, title="Home", markdown="first draft", attachments=[attachment]).store()
    child = sm.Wiki(
        owner=project,
        title="Methods",
        parent=home.id,
        markdown=f"Back to [home](#!Synapse:{project.id}/wiki/{home.id}); data in {target.id}",
    ).store()
    home.markdown = f"See [methods](#!Synapse:{project.id}/wiki/{child.id}) and {target.id}."
    home.store()
    sm.Wiki(owner=target, title="About this file", markdown=f"Lives in project {project.id}").store()
    log.reset_request_log()

    results = sm.copy(project, destination)

    assert results.ok, results.failed
    new = results.mapping
    assert results.counts() == {"copied": 5}  # folder, file, three wiki pages
    assert _uploads(log) <= 3  # only rewritten markdown is uploaded; the attachment's bytes are not
    pages = {h.title: h for h in sm.Wiki.headers(destination)}
    copied_home = sm.Wiki.get(destination, pages["Home"].id)
    copied_child = sm.Wiki.get(destination, pages["Methods"].id)
    assert copied_home.markdown == (
        f"See [methods](#!Synapse:{destination.id}/wiki/{copied_child.id}) and {new[str(target.id)]}."
    )
    assert copied_child.markdown == (
        f"Back to [home](#!Synapse:{destination.id}/wiki/{copied_home.id}); data in {new[str(target.id)]}"
    )
    assert copied_child.parent == copied_home.id
    assert copied_home.attachment_names() == ["figure.txt"]
    assert copied_home.download_attachment("figure.txt", tmp_path).read_text() == "figure 1\n"
    assert sm.Wiki.get(new[str(target.id)]).markdown == f"Lives in project {destination.id}"


def test_a_rerun_copies_only_what_is_missing(
    alice: sm.Connection, project: sm.Project, destination: sm.Project, tmp_path: Path, log: Any
) -> None:
    make_tree(project, tmp_path / "src", {"": 3, "a": 3})
    log.inject_fault(method="POST", path="/repo/v1/entity/bundle2/create", status=403, times=2)

    first = sm.copy(project, destination)
    assert first.counts() == {"copied": 5, "failed": 2}
    log.reset_request_log()
    second = sm.copy(project, destination)

    assert second.counts() == {"copied": 2, "exists": 5}
    assert requests_of(log)["POST /repo/vN/entity/bundleN/create"] == 2
    assert _names(str(destination.id)) == _names(str(project.id))


def test_on_clash_and_versions(
    alice: sm.Connection, project: sm.Project, destination: sm.Project, tmp_path: Path
) -> None:
    local = tmp_path / "data.txt"
    contents = [b"one\n", b"two, longer\n", b"three, the longest\n"]
    file: sm.File | None = None
    for content in contents:
        local.write_bytes(content)
        file = sm.File(str(local), parent=project).store() if file is None else file.store()
    assert file is not None and file.version_number == 3

    every = sm.copy(str(file.id), destination, versions="all")
    again = sm.copy(str(file.id), destination)
    with pytest.raises(sm.ConflictError):
        sm.copy(str(file.id), destination, on_clash="error").raise_first()
    updated = sm.copy(str(file.id), destination, on_clash="update", provenance=None)

    copy_id = every.mapping[str(file.id)]
    versions = list(sm.File.get(copy_id, download=False).versions())
    assert [v.version_number for v in versions] == [4, 3, 2, 1]
    md5s = [v.content_md5 for v in reversed(versions)]
    assert md5s[:3] == [hashlib.md5(c).hexdigest() for c in contents] and md5s[3] == md5s[2]
    assert again.counts() == {"exists": 1} and again.mapping[str(file.id)] == copy_id
    assert updated.counts() == {"updated": 1}
    latest = sm.File.get(copy_id, download=False)
    assert latest.activity is None


def test_a_folder_copy_makes_a_named_folder_and_refuses_its_own_subtree(
    alice: sm.Connection, project: sm.Project, tmp_path: Path
) -> None:
    make_tree(project, tmp_path / "src", {"raw": 2, "raw/deep": 1})
    raw = next(h for h in project.children(["folder"]) if h.name == "raw")
    deep = next(h for h in sm.Folder.get(raw.id).children(["folder"]) if h.name == "deep")
    elsewhere = sm.Folder(name="archive", parent=project).store()

    results = sm.copy(raw.id, elsewhere, provenance="existing")

    assert results.ok and results.counts() == {"copied": 5}
    assert sorted(s.path for s in sm.walk(elsewhere)) == ["", "raw", "raw/deep"]
    with pytest.raises(sm.ValidationError, match="inside"):
        sm.copy(raw.id, deep.id)


def test_shards_copy_disjoint_slices_and_share_the_folders(
    alice: sm.Connection, project: sm.Project, destination: sm.Project, tmp_path: Path
) -> None:
    files = make_tree(project, tmp_path / "src", {"": 4, "x": 4})

    halves = [sm.copy(project, destination, shard=(k, 2)) for k in range(2)]

    copied = [{r.source_id for r in half if r.kind == "File" and r.status == "copied"} for half in halves]
    assert copied[0].isdisjoint(copied[1]) and copied[0] | copied[1] == {str(f.id) for f in files.values()}
    assert all(half.ok for half in halves)
    assert _names(str(destination.id)) == _names(str(project.id))


def _restricted_server(calls: list[str]) -> sm.Connection:
    """A connection whose only file is under an access requirement (the local server has none)."""
    from synapse_models.credentials import Endpoints
    from synapse_models.transport import MockTransport, Request, Response

    def handler(request: Request) -> Response:
        calls.append(f"{request.method} {request.path}")
        if request.path.endswith("/bundle2"):
            entity = {
                "concreteType": "org.sagebionetworks.repo.model.FileEntity",
                "id": "syn7",
                "name": "secret.txt",
                "parentId": "syn2",
                "versionNumber": 1,
                "dataFileHandleId": "9",
            }
            return Response(
                200,
                json={
                    "entity": entity,
                    "fileHandles": [{"id": "9", "createdBy": "2"}],
                    "restrictionInformation": {"restrictionLevel": "CONTROLLED_BY_ACT"},
                },
            )
        return Response(500, json={"reason": f"unexpected {request.path}"})

    conn = sm.Connection(
        Endpoints.from_base("https://synapse.test", "test"), "t", transport=MockTransport(handler)
    )
    conn.user_id = "1"
    return conn


def test_an_entity_under_access_requirements_is_not_copied() -> None:
    from synapse_models.sync._copy_items import FileItem, FilesTask, Options, copy_files

    calls: list[str] = []
    conn = _restricted_server(calls)
    options = Options(versions="latest", annotations=True, provenance="traceback", on_clash="skip")

    outcomes = copy_files(
        conn, FilesTask([FileItem("syn7", "secret.txt", "secret.txt")], "syn1", {}, options)
    )

    assert [o.result.status for o in outcomes] == ["skipped"]
    assert isinstance(outcomes[0].result.error, sm.ForbiddenError)
    assert "CONTROLLED_BY_ACT" in str(outcomes[0].result.error)
    assert outcomes[0].result.error.url == "https://synapse.test/repo/v1/entity/syn7/bundle2"
    assert calls == ["POST /repo/v1/entity/syn7/bundle2"]  # no handle copied, nothing created


def test_a_table_with_a_file_column_gets_copied_handles(
    alice: sm.Connection, project: sm.Project, destination: sm.Project
) -> None:
    from synapse_models.transfer import upload_bytes

    handle = upload_bytes(alice, b"cell bytes", "cell.txt", parent_id=project.id)
    columns = [sm.Column(name="f", type="FILEHANDLEID"), sm.Column(name="n", type="INTEGER")]
    table = sm.Table(name="with files", parent=project, columns=columns).store()
    table.append(pd.DataFrame({"f": [str(handle["id"]), None], "n": [1, 2]}))

    results = sm.copy(project, destination)

    assert results.ok, results.failed
    rows = sm.Table.get(results.mapping[str(table.id)]).query().sort_values("n").reset_index(drop=True)
    assert list(rows["n"]) == [1, 2] and pd.isna(rows["f"][1])
    new_handle = str(rows["f"][0])
    assert new_handle != str(handle["id"])
    copied = alice.get(f"/fileHandle/{new_handle}", service="file")
    assert copied["contentMd5"] == handle["contentMd5"] and copied["createdBy"] == alice.user_id
