"""Every route, as another user and as anonymous, against Alice's private objects (issue 10, sec. 2).

The table below holds, for EVERY route the app serves (the first test compares it with the app's route table,
so a new route cannot be left out), the status Bob and anonymous get when the route's path arguments and body
name Alice's private project, file, table, view, wiki, evaluation, submission, team, activity, file handle,
multipart upload and job token.  Each answer must also be free of Alice's secrets (her names, her bytes) and
of redirects to her bytes, and Alice's objects must be unchanged afterwards.

Reviewed by hand: every 2xx is a public read in Synapse, the caller's own data, or a batch whose items are
refused (the comment says which).  A 400 means the route refused the sweep's generic body or query before
looking at access; those routes' access rules have targeted tests (test_security_files.py and the area tests).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from synapse_models.local import LocalSynapse
from tests.local.conftest import Api
from tests.local.route_sweep import SECRET, body_for, build_world, fill

#: "METHOD path" -> (status for Bob, status for anonymous).
EXPECTED: dict[str, tuple[int, int]] = {
    "GET /": (200, 200),  # public in Synapse
    "DELETE /repo/v1/entity/<id>/schema/binding": (403, 403),
    "DELETE /repo/v1/schema/organization/<id>": (403, 403),
    "DELETE /repo/v1/schema/type/registered/<path:id>": (403, 403),
    "GET /repo/v1/entity/<id>/derivedKeys": (403, 403),
    "GET /repo/v1/entity/<id>/json": (403, 403),
    "GET /repo/v1/entity/<id>/schema/binding": (403, 403),
    "GET /repo/v1/entity/<id>/schema/validation": (403, 403),
    "GET /repo/v1/entity/<id>/schema/validation/statistics": (403, 403),
    "GET /repo/v1/schema/organization": (400, 400),
    "GET /repo/v1/schema/organization/<id>/acl": (403, 403),
    "GET /repo/v1/schema/type/create/async/get/<token>": (403, 403),
    "GET /repo/v1/schema/type/registered/<path:id>": (200, 200),  # public in Synapse
    "GET /repo/v1/schema/type/validation/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/schema/validation/invalid": (403, 403),
    "POST /repo/v1/schema/list": (400, 400),
    "POST /repo/v1/schema/organization": (400, 403),
    "POST /repo/v1/schema/organization/list": (200, 200),  # public in Synapse
    "POST /repo/v1/schema/type/create/async/start": (400, 403),
    "POST /repo/v1/schema/type/validation/async/start": (400, 400),
    "POST /repo/v1/schema/version/list": (400, 400),
    "PUT /repo/v1/entity/<id>/schema/binding": (400, 400),
    "PUT /repo/v1/schema/organization/<id>/acl": (400, 403),
    "DELETE /repo/v1/projectSettings/<id>": (404, 403),
    "GET /repo/v1/projectSettings/<id>": (404, 404),
    "GET /repo/v1/projectSettings/<project_id>/type/<settings_type>": (400, 400),
    "GET /repo/v1/storageLocation": (200, 200),  # the caller's own storage locations (none)
    "GET /repo/v1/storageLocation/<int:id>": (404, 404),
    # public in Synapse; no quiz was taken here
    "GET /repo/v1/user/<user_id>/certifiedUserPassingRecord": (404, 404),
    "POST /repo/v1/projectSettings": (400, 403),
    "POST /repo/v1/storageLocation": (400, 403),
    "PUT /repo/v1/projectSettings": (400, 403),
    "DELETE /admin/v1/faults": (403, 403),
    "POST /admin/v1/faults": (403, 403),
    "DELETE /admin/v1/stats": (403, 403),
    "GET /admin/v1/stats": (403, 403),
    "POST /admin/v1/users": (403, 403),
    "GET /auth/v1": (200, 200),  # public in Synapse
    "GET /file/v1": (200, 200),  # public in Synapse
    "GET /file/v1/entity/<id>/uploadDestination": (403, 403),
    "GET /file/v1/entity/<id>/uploadDestination/<location>": (403, 403),
    "GET /file/v1/entity/<id>/uploadDestinationLocations": (403, 403),
    "GET /file/v1/entity/<id>/uploadDestinations": (403, 403),
    "POST /file/v1/externalFileHandle": (400, 403),
    "GET /file/v1/file/<handle_id>": (400, 400),
    "POST /file/v1/file/multipart": (400, 403),
    "PUT /file/v1/file/multipart/<upload_id>/add/<int:part_number>": (403, 403),
    "PUT /file/v1/file/multipart/<upload_id>/complete": (403, 403),
    "POST /file/v1/file/multipart/<upload_id>/presigned/url/batch": (403, 403),
    "DELETE /file/v1/fileHandle/<handle_id>": (403, 403),
    "GET /file/v1/fileHandle/<handle_id>": (403, 403),
    "POST /file/v1/fileHandle/<handle_id>/copy": (403, 403),
    "GET /file/v1/fileHandle/<handle_id>/url": (403, 403),
    "POST /file/v1/fileHandle/batch": (201, 201),  # per-item UNAUTHORIZED, no URL (checked below)
    "POST /file/v1/filehandles/copy": (
        200,
        403,
    ),  # per-item UNAUTHORIZED, nothing copied; anonymous cannot copy
    "GET /file/v1/presigned/download/<handle_id>": (403, 403),
    "PUT /file/v1/presigned/upload/<int:upload_id>/<int:part_number>": (403, 403),
    "GET /repo/v1": (200, 200),  # public in Synapse
    "POST /repo/v1/activity": (201, 403),  # Bob's own activity
    "DELETE /repo/v1/activity/<activity_id>": (403, 403),
    "GET /repo/v1/activity/<activity_id>": (403, 403),
    "PUT /repo/v1/activity/<activity_id>": (403, 403),
    "GET /repo/v1/activity/<activity_id>/generated": (403, 403),
    "POST /repo/v1/asynchronous/job": (400, 400),
    "GET /repo/v1/asynchronous/job/<job_id>": (403, 403),
    "GET /repo/v1/column": (200, 200),  # public in Synapse
    "POST /repo/v1/column": (400, 403),
    "GET /repo/v1/column/<column_id>": (200, 200),  # public in Synapse
    "POST /repo/v1/column/batch": (400, 403),
    "GET /repo/v1/column/tableview/defaults": (400, 400),
    "GET /repo/v1/column/tableview/defaults/<view_type>": (200, 200),  # public in Synapse
    "GET /repo/v1/column/view/scope/async/get/<token>": (403, 403),
    "POST /repo/v1/column/view/scope/async/start": (400, 400),
    "POST /repo/v1/entity": (403, 403),
    "DELETE /repo/v1/entity/<id>": (403, 403),
    "GET /repo/v1/entity/<id>": (403, 403),
    "PUT /repo/v1/entity/<id>": (403, 403),
    "GET /repo/v1/entity/<id>/access": (400, 400),
    "GET /repo/v1/entity/<id>/accessRequirement": (403, 403),
    "DELETE /repo/v1/entity/<id>/acl": (403, 403),
    "GET /repo/v1/entity/<id>/acl": (403, 403),
    "POST /repo/v1/entity/<id>/acl": (403, 403),
    "PUT /repo/v1/entity/<id>/acl": (403, 403),
    "GET /repo/v1/entity/<id>/annotations2": (403, 403),
    "PUT /repo/v1/entity/<id>/annotations2": (403, 403),
    "GET /repo/v1/entity/<id>/benefactor": (403, 403),
    "POST /repo/v1/entity/<id>/bundle2": (403, 403),
    "PUT /repo/v1/entity/<id>/bundle2": (400, 403),
    "GET /repo/v1/entity/<id>/column": (403, 403),
    "GET /repo/v1/entity/<id>/evaluation": (200, 200),  # an empty page: only queues the caller may read
    "GET /repo/v1/entity/<id>/file": (403, 403),
    "GET /repo/v1/entity/<id>/filehandles": (403, 403),
    "GET /repo/v1/entity/<id>/filepreview": (403, 403),
    "DELETE /repo/v1/entity/<id>/generatedBy": (403, 403),
    "GET /repo/v1/entity/<id>/generatedBy": (403, 403),
    "PUT /repo/v1/entity/<id>/generatedBy": (403, 403),
    "GET /repo/v1/entity/<id>/path": (403, 403),
    "GET /repo/v1/entity/<id>/permissions": (200, 200),  # the caller's own (empty) permissions
    "GET /repo/v1/entity/<id>/table/append/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/table/append/async/start": (403, 403),
    "GET /repo/v1/entity/<id>/table/column/<column_id>/row/<int:row_id>/version/<int:version>/file": (
        403,
        403,
    ),
    "POST /repo/v1/entity/<id>/table/deleteRows": (403, 403),
    "GET /repo/v1/entity/<id>/table/download/csv/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/table/download/csv/async/start": (403, 403),
    "POST /repo/v1/entity/<id>/table/filehandles": (403, 403),
    "GET /repo/v1/entity/<id>/table/query/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/table/query/async/start": (403, 403),
    "GET /repo/v1/entity/<id>/table/query/nextPage/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/table/query/nextPage/async/start": (400, 400),
    "POST /repo/v1/entity/<id>/table/snapshot": (403, 403),
    "GET /repo/v1/entity/<id>/table/transaction/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/table/transaction/async/start": (403, 403),
    "GET /repo/v1/entity/<id>/table/upload/csv/async/get/<token>": (403, 403),
    "POST /repo/v1/entity/<id>/table/upload/csv/async/start": (403, 403),
    "GET /repo/v1/entity/<id>/type": (403, 403),
    "GET /repo/v1/entity/<id>/version": (403, 403),
    "DELETE /repo/v1/entity/<id>/version/<version>": (403, 403),
    "GET /repo/v1/entity/<id>/version/<version>": (403, 403),
    "GET /repo/v1/entity/<id>/version/<version>/annotations2": (403, 403),
    "POST /repo/v1/entity/<id>/version/<version>/bundle2": (403, 403),
    "GET /repo/v1/entity/<id>/version/<version>/file": (403, 403),
    "PUT /repo/v1/entity/<id>/version/<version>/filehandle": (403, 403),
    "GET /repo/v1/entity/<id>/version/<version>/filehandles": (403, 403),
    "GET /repo/v1/entity/<id>/version/<version>/filepreview": (403, 403),
    "GET /repo/v1/entity/<id>/version/<version>/generatedBy": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki": (403, 403),
    "POST /repo/v1/entity/<owner>/wiki": (403, 403),
    "DELETE /repo/v1/entity/<owner>/wiki/<wiki_id>": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki/<wiki_id>": (403, 403),
    "PUT /repo/v1/entity/<owner>/wiki/<wiki_id>": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki/<wiki_id>/attachment": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki/<wiki_id>/attachmenthandles": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki/<wiki_id>/attachmentpreview": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2": (403, 403),
    "POST /repo/v1/entity/<owner>/wiki2": (403, 403),
    "DELETE /repo/v1/entity/<owner>/wiki2/<wiki_id>": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2/<wiki_id>": (403, 403),
    "PUT /repo/v1/entity/<owner>/wiki2/<wiki_id>": (403, 403),
    "PUT /repo/v1/entity/<owner>/wiki2/<wiki_id>/<int:version>": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2/<wiki_id>/attachment": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2/<wiki_id>/attachmenthandles": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2/<wiki_id>/attachmentpreview": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2/<wiki_id>/markdown": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2/<wiki_id>/wikihistory": (403, 403),
    "GET /repo/v1/entity/<owner>/wiki2orderhint": (403, 403),
    "PUT /repo/v1/entity/<owner>/wiki2orderhint": (403, 403),
    "GET /repo/v1/entity/<owner>/wikiheadertree": (403, 403),
    "GET /repo/v1/entity/<owner>/wikiheadertree2": (403, 403),
    "GET /repo/v1/entity/<owner>/wikikey": (403, 403),
    "GET /repo/v1/entity/alias/<alias>": (404, 404),
    "POST /repo/v1/entity/bundle2/create": (400, 400),
    "POST /repo/v1/entity/child": (400, 400),
    "POST /repo/v1/entity/children": (400, 400),
    "POST /repo/v1/entity/header": (200, 200),  # unreadable entities are left out
    "GET /repo/v1/entity/md5/<md5>": (200, 200),  # unreadable entities are left out
    "GET /repo/v1/entity/type": (400, 400),
    "GET /repo/v1/evaluation": (200, 200),  # public in Synapse
    "POST /repo/v1/evaluation": (400, 403),
    "DELETE /repo/v1/evaluation/<id>": (403, 403),
    "GET /repo/v1/evaluation/<id>": (403, 403),
    "PUT /repo/v1/evaluation/<id>": (400, 400),
    "DELETE /repo/v1/evaluation/<id>/acl": (410, 410),
    "GET /repo/v1/evaluation/<id>/acl": (403, 403),
    "GET /repo/v1/evaluation/<id>/permissions": (200, 200),  # the caller's own (empty) permissions
    "POST /repo/v1/evaluation/<id>/round": (403, 403),
    "DELETE /repo/v1/evaluation/<id>/round/<round_id>": (403, 403),
    "GET /repo/v1/evaluation/<id>/round/<round_id>": (403, 403),
    "PUT /repo/v1/evaluation/<id>/round/<round_id>": (403, 403),
    "POST /repo/v1/evaluation/<id>/round/list": (403, 403),
    "PUT /repo/v1/evaluation/<id>/statusBatch": (403, 403),
    "GET /repo/v1/evaluation/<id>/submission": (200, 403),  # the caller's own submissions (none)
    "GET /repo/v1/evaluation/<id>/submission/all": (403, 403),
    "GET /repo/v1/evaluation/<id>/submission/bundle": (200, 403),  # the caller's own submissions (none)
    "GET /repo/v1/evaluation/<id>/submission/bundle/all": (403, 403),
    "GET /repo/v1/evaluation/<id>/submission/count": (403, 403),
    "GET /repo/v1/evaluation/<id>/submission/status/all": (403, 403),
    "GET /repo/v1/evaluation/<id>/team/<team_id>/submissionEligibility": (404, 403),
    "GET /repo/v1/evaluation/<owner>/wiki": (403, 403),
    "POST /repo/v1/evaluation/<owner>/wiki": (403, 403),
    "DELETE /repo/v1/evaluation/<owner>/wiki/<wiki_id>": (404, 403),
    "GET /repo/v1/evaluation/<owner>/wiki/<wiki_id>": (403, 403),
    "PUT /repo/v1/evaluation/<owner>/wiki/<wiki_id>": (404, 403),
    "GET /repo/v1/evaluation/<owner>/wiki/<wiki_id>/attachment": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki/<wiki_id>/attachmenthandles": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki/<wiki_id>/attachmentpreview": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2": (403, 403),
    "POST /repo/v1/evaluation/<owner>/wiki2": (403, 403),
    "DELETE /repo/v1/evaluation/<owner>/wiki2/<wiki_id>": (404, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2/<wiki_id>": (403, 403),
    "PUT /repo/v1/evaluation/<owner>/wiki2/<wiki_id>": (404, 403),
    "PUT /repo/v1/evaluation/<owner>/wiki2/<wiki_id>/<int:version>": (404, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2/<wiki_id>/attachment": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2/<wiki_id>/attachmenthandles": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2/<wiki_id>/attachmentpreview": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2/<wiki_id>/markdown": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2/<wiki_id>/wikihistory": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wiki2orderhint": (403, 403),
    "PUT /repo/v1/evaluation/<owner>/wiki2orderhint": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wikiheadertree": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wikiheadertree2": (403, 403),
    "GET /repo/v1/evaluation/<owner>/wikikey": (403, 403),
    "POST /repo/v1/evaluation/acl": (410, 410),
    "PUT /repo/v1/evaluation/acl": (400, 400),
    "GET /repo/v1/evaluation/available": (200, 200),  # public in Synapse
    "GET /repo/v1/evaluation/name/<path:name>": (404, 404),
    "POST /repo/v1/evaluation/submission": (400, 403),
    "DELETE /repo/v1/evaluation/submission/<id>": (403, 403),
    "GET /repo/v1/evaluation/submission/<id>": (403, 403),
    "PUT /repo/v1/evaluation/submission/<id>/cancellation": (403, 403),
    "GET /repo/v1/evaluation/submission/<id>/status": (403, 403),
    "PUT /repo/v1/evaluation/submission/<id>/status": (400, 400),
    "GET /repo/v1/healthcheck": (200, 200),  # public in Synapse
    "POST /repo/v1/membershipInvitation": (403, 403),
    "POST /repo/v1/message": (403, 403),  # Alice's file handle is not Bob's to send
    "GET /repo/v1/message/<message_id>": (403, 403),
    "GET /repo/v1/message/<message_id>/file": (403, 403),
    "GET /repo/v1/message/inbox": (200, 403),  # the caller's own inbox
    "GET /repo/v1/message/outbox": (200, 403),  # the caller's own outbox
    "PUT /repo/v1/message/status": (403, 403),
    "DELETE /repo/v1/membershipInvitation/<id>": (404, 404),
    "GET /repo/v1/membershipInvitation/<id>": (404, 404),
    "GET /repo/v1/membershipInvitation/openInvitationCount": (200, 403),  # the caller's own count
    "POST /repo/v1/membershipRequest": (201, 403),  # Bob asks to join: allowed, changes nothing of Alice's
    "DELETE /repo/v1/membershipRequest/<id>": (404, 404),
    "GET /repo/v1/membershipRequest/<id>": (404, 404),
    "GET /repo/v1/membershipRequest/openRequestCount": (200, 403),  # the caller's own count
    "POST /repo/v1/principal/alias": (400, 400),
    "GET /repo/v1/projects": (200, 200),  # the caller's own projects
    "GET /repo/v1/status": (200, 200),  # public in Synapse
    "GET /repo/v1/table/download/csv/async/get/<token>": (403, 403),
    "POST /repo/v1/table/download/csv/async/start": (403, 403),
    "GET /repo/v1/table/upload/csv/preview/async/get/<token>": (403, 403),
    "POST /repo/v1/table/upload/csv/preview/async/start": (403, 403),
    "POST /repo/v1/team": (201, 403),  # Bob's own team
    "PUT /repo/v1/team": (400, 400),
    "DELETE /repo/v1/team/<id>": (403, 403),
    "GET /repo/v1/team/<id>": (200, 200),  # public in Synapse
    "GET /repo/v1/team/<id>/acl": (200, 403),  # Synapse gives every signed-in user READ on a team
    "DELETE /repo/v1/team/<id>/member/<principal_id>": (403, 403),
    "GET /repo/v1/team/<id>/member/<principal_id>": (200, 200),  # public in Synapse
    "PUT /repo/v1/team/<id>/member/<principal_id>": (
        204,
        403,
    ),  # a no-op: Alice is already a member of her team
    "GET /repo/v1/team/<id>/member/<principal_id>/membershipStatus": (200, 200),  # public in Synapse
    "PUT /repo/v1/team/<id>/member/<principal_id>/permission": (403, 403),
    "POST /repo/v1/team/<id>/memberList": (200, 200),  # public in Synapse
    "GET /repo/v1/team/<id>/openInvitation": (403, 403),
    "GET /repo/v1/team/<id>/openRequest": (403, 403),
    "PUT /repo/v1/team/acl": (400, 400),
    "POST /repo/v1/teamList": (200, 200),  # public in Synapse
    "GET /repo/v1/teamMembers/<id>": (200, 200),  # public in Synapse
    "GET /repo/v1/teamMembers/count/<id>": (200, 200),  # public in Synapse
    "GET /repo/v1/teams": (200, 200),  # public in Synapse
    "PUT /repo/v1/trashcan/purge/<id>": (200, 403),  # Synapse: a no-op when not in the trash
    "PUT /repo/v1/trashcan/restore/<id>": (404, 403),
    "PUT /repo/v1/trashcan/restore/<id>/<parent_id>": (404, 403),
    "PUT /repo/v1/trashcan/trash/<id>": (403, 403),
    "GET /repo/v1/trashcan/view": (200, 403),  # the caller's own trash can
    "POST /repo/v1/user/<id>/memberList": (200, 200),  # public in Synapse
    "GET /repo/v1/user/<id>/openInvitation": (403, 403),
    "GET /repo/v1/user/<id>/openRequest": (403, 403),
    "GET /repo/v1/user/<id>/team": (200, 200),  # public in Synapse
    "GET /repo/v1/user/<id>/team/id": (200, 200),  # public in Synapse
    "GET /repo/v1/user/<user_id>/bundle": (200, 200),  # public in Synapse
    "GET /repo/v1/user/bundle": (200, 403),  # the caller's own bundle
    "GET /repo/v1/userGroupHeaders": (200, 200),  # public in Synapse
    "GET /repo/v1/userGroupHeaders/batch": (400, 400),
    "GET /repo/v1/userProfile": (200, 200),  # public in Synapse
    "POST /repo/v1/userProfile": (200, 200),  # public: user profiles by id
    "PUT /repo/v1/userProfile": (400, 403),
    "GET /repo/v1/userProfile/<profile_id>": (200, 200),  # public in Synapse
    "GET /repo/v1/version": (200, 200),  # public in Synapse
}


@pytest.fixture(scope="module")
def world(alice: Api) -> dict[str, str]:
    return build_world(alice)


def _etags(alice: Api, world: dict[str, str]) -> dict[str, Any]:
    return {
        "project": alice.ok("GET", f"/entity/{world['project']}")["etag"],
        "file": alice.ok("GET", f"/entity/{world['file']}")["etag"],
        "table": alice.ok("GET", f"/entity/{world['table']}")["etag"],
        "view": alice.ok("GET", f"/entity/{world['view']}")["etag"],
        "acl": alice.ok("GET", f"/entity/{world['project']}/acl")["etag"],
        "wiki": alice.ok("GET", f"/entity/{world['project']}/wiki/{world['wiki']}")["etag"],
        "evaluation": alice.ok("GET", f"/evaluation/{world['evaluation']}")["etag"],
        "team": alice.ok("GET", f"/team/{world['team']}")["etag"],
        "members": alice.ok("GET", f"/teamMembers/count/{world['team']}"),
        "activity": alice.ok("GET", f"/activity/{world['activity']}")["etag"],
        "handle": alice.ok("GET", f"/file/v1/fileHandle/{world['handle']}")["etag"],
        "inbox": alice.ok("GET", "/message/inbox", inboxFilter="UNREAD,READ,ARCHIVED")["results"],
    }


@pytest.fixture(scope="module")
def before(alice: Api, world: dict[str, str]) -> dict[str, Any]:
    return _etags(alice, world)


def test_the_table_covers_every_served_route(server: LocalSynapse) -> None:
    served = {f"{spec.method} {spec.path}" for spec in server.app.routes}
    assert set(EXPECTED) == served


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_route_refuses_others_as_synapse_does(
    route: str, bob: Api, anonymous: Api, world: dict[str, str], before: dict[str, Any]
) -> None:
    method, path = route.split(" ", 1)
    concrete = fill(method, path, world)
    body = None if method in ("GET", "DELETE") else body_for(world)
    for caller, expected in zip((bob, anonymous), EXPECTED[route], strict=True):
        response = caller.session.request(
            method, caller.endpoint + concrete, json=body, timeout=30, allow_redirects=False
        )
        who = "bob" if caller is bob else "anonymous"
        assert response.status_code == expected, (who, route, response.status_code, response.text[:300])
        assert SECRET not in _without_queue_name(response.text), (who, route, response.text[:300])
        assert "Location" not in response.headers, (who, route)
        if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            assert response.json().get("reason"), (who, route)


def _without_queue_name(text: str) -> str:
    """``text`` without the queue name Synapse itself puts in its evaluation refusals.

    EvaluationManagerImpl words them "User 1 is not authorized to READ evaluation 2 (name)": the real service
    names the queue to a caller it refuses, so this server does too; nothing else may carry a secret.
    """
    return re.sub(r"(is not authorized to \w+ evaluation \d+) \([^)]*\)", r"\1", text)


def test_alices_objects_are_unchanged_after_the_sweep(
    alice: Api, world: dict[str, str], before: dict[str, Any]
) -> None:
    assert _etags(alice, world) == before
