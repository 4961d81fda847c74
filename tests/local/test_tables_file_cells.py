"""FILEHANDLEID cells: a table takes a file handle only from its creator, or one already in the table, as
Synapse checks it (``TableEntityManagerImpl.validateFileHandles``): 403 ``Cannot access files: [ids]``."""

from __future__ import annotations

from typing import Any

from .conftest import Api, reason
from .tables_util import (
    columns,
    partial,
    query_ok,
    row_set,
    table,
    transaction,
    transaction_ok,
    upload_csv,
    values,
)


def _owner(api: Api) -> int:
    return int(api.ok("GET", "/userProfile")["ownerId"])


def _shared_table(alice: Api, bob: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A table with a label and a file column that bob may edit."""
    project = alice.project()
    acl = dict(alice.ok("GET", f"/entity/{project['id']}/acl"))
    acl["resourceAccess"] = [
        *acl["resourceAccess"],
        {"principalId": _owner(bob), "accessType": ["READ", "DOWNLOAD", "UPDATE", "CREATE"]},
    ]
    alice.ok("PUT", f"/entity/{project['id']}/acl", acl)
    label, cell = columns(
        alice, {"name": "label", "columnType": "STRING"}, {"name": "f", "columnType": "FILEHANDLEID"}
    )
    return table(alice, project, [label, cell]), label, cell


def test_a_cell_takes_the_callers_own_file_handle(alice: Api) -> None:
    project = alice.project()
    (cell,) = columns(alice, {"name": "f", "columnType": "FILEHANDLEID"})
    created = table(alice, project, [cell])
    mine = alice.handle("mine.txt")

    transaction_ok(alice, created["id"], partial(created["id"], [{"values": {cell["id"]: mine}}]))

    assert values(query_ok(alice, f"SELECT f FROM {created['id']}")) == [[mine]]


def test_someone_elses_file_handle_is_refused_in_synapses_words(alice: Api, bob: Api) -> None:
    created, label, cell = _shared_table(alice, bob)
    theirs, other = sorted([alice.handle("a.txt"), alice.handle("b.txt")], key=int)
    rows = [
        {"values": {label["id"]: "x", cell["id"]: other}},
        {"values": {label["id"]: "y", cell["id"]: theirs}},
    ]

    response = transaction(bob, created["id"], partial(created["id"], rows))

    assert response.status_code == 403
    assert reason(response) == f"Cannot access files: [{theirs}, {other}]"
    assert values(query_ok(alice, f"SELECT label FROM {created['id']}")) == []  # nothing was written


def test_a_handle_already_in_the_table_may_be_written_again_by_anyone(alice: Api, bob: Api) -> None:
    created, label, cell = _shared_table(alice, bob)
    theirs = alice.handle("a.txt")
    transaction_ok(alice, created["id"], partial(created["id"], [{"values": {cell["id"]: theirs}}]))
    change = row_set(created["id"], [label, cell], [{"values": ["copy", theirs]}])

    transaction_ok(bob, created["id"], change)

    assert values(query_ok(alice, f"SELECT label, f FROM {created['id']} WHERE label = 'copy'")) == [
        ["copy", theirs]
    ]


def test_a_csv_upload_is_checked_too_and_rolled_back_whole(alice: Api, bob: Api) -> None:
    created, _, _ = _shared_table(alice, bob)
    theirs, mine = alice.handle("a.txt"), bob.handle("b.txt")

    refused = upload_csv(bob, created["id"], f"label,f\nok,{mine}\nno,{theirs}\n")

    assert refused.status_code == 403 and reason(refused) == f"Cannot access files: [{theirs}]"
    assert values(query_ok(alice, f"SELECT label FROM {created['id']}")) == []
    assert upload_csv(bob, created["id"], f"label,f\nok,{mine}\n").status_code == 201
    assert values(query_ok(alice, f"SELECT label, f FROM {created['id']}")) == [["ok", mine]]


def test_a_handle_that_does_not_exist_is_refused(alice: Api) -> None:
    project = alice.project()
    (cell,) = columns(alice, {"name": "f", "columnType": "FILEHANDLEID"})
    created = table(alice, project, [cell])

    response = transaction(
        alice, created["id"], partial(created["id"], [{"values": {cell["id"]: "99999999"}}])
    )

    assert response.status_code == 403 and reason(response) == "Cannot access files: [99999999]"


def test_an_administrator_may_write_any_handle(alice: Api, admin: Api) -> None:
    project = admin.project()
    (cell,) = columns(admin, {"name": "f", "columnType": "FILEHANDLEID"})
    created = table(admin, project, [cell])
    theirs = alice.handle("a.txt")

    transaction_ok(admin, created["id"], partial(created["id"], [{"values": {cell["id"]: theirs}}]))
