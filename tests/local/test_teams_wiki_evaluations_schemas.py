"""Responses of the teams, wiki and evaluation areas checked against the official JSON schemas.

Every member of a response must be a property of its schema (following ``implements``/``extends``) with the
JSON type the schema declares, recursively through ``$ref`` objects and arrays.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from tests.local.conftest import Api, unique

SCHEMA_ROOT = Path("/work/shared/synapse-rest/schema")
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "map": (dict,),
}


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_ROOT / (name.replace(".", "/") + ".json")).read_text())
    properties: dict[str, Any] = {}
    for parent in [*data.get("implements", []), *([data["extends"]] if "extends" in data else [])]:
        properties.update(_schema(parent["$ref"]).get("properties", {}))
    properties.update(data.get("properties", {}))
    return data | {"properties": properties}


def _check(value: Any, spec: dict[str, Any], where: str) -> None:
    if "$ref" in spec:
        target = _schema(spec["$ref"])
        if "enum" in target:
            names = [e if isinstance(e, str) else e["name"] for e in target["enum"]]
            assert isinstance(value, str) and value in names, where
            return
        if target.get("properties") or target.get("type") == "object":
            _check_object(value, spec["$ref"], where)
            return
    declared = spec.get("type")
    if declared is None:
        return
    assert isinstance(value, JSON_TYPES[declared]), f"{where}: {value!r} is not {declared}"
    if declared == "integer":
        assert not isinstance(value, bool), where
    if declared == "array" and "items" in spec:
        assert isinstance(value, list)
        for i, item in enumerate(value):
            _check(item, spec["items"], f"{where}[{i}]")


def _check_object(value: Any, name: str, where: str = "") -> None:
    assert isinstance(value, dict), f"{where or name}: not an object"
    properties = _schema(name)["properties"]
    for key, member in value.items():
        assert key in properties, f"{where or name}: {key} is not a property of {name}"
        _check(member, properties[key], f"{where or name}.{key}")


def _paginated(value: Any, item: str) -> None:
    assert set(value) <= {"totalNumberOfResults", "results"}
    for i, result in enumerate(value["results"]):
        _check_object(result, item, f"results[{i}]")


M = "org.sagebionetworks.repo.model."
E = "org.sagebionetworks.evaluation.model."


def test_team_responses_match_schemas(alice: Api, bob: Api) -> None:
    team = alice.ok("POST", "/team", {"name": unique("schema team"), "canPublicJoin": True}, status=201)
    _check_object(team, M + "Team")
    me = alice.ok("GET", "/userProfile")["ownerId"]
    bob_id = bob.ok("GET", "/userProfile")["ownerId"]
    _paginated(alice.ok("GET", f"/teamMembers/{team['id']}"), M + "TeamMember")
    _check_object(alice.ok("GET", f"/team/{team['id']}/member/{me}"), M + "TeamMember")
    _check_object(
        alice.ok("GET", f"/team/{team['id']}/member/{bob_id}/membershipStatus"), M + "TeamMembershipStatus"
    )
    _check_object(alice.ok("GET", f"/team/{team['id']}/acl"), M + "AccessControlList")
    _check_object(alice.ok("GET", f"/teamMembers/count/{team['id']}"), M + "Count")
    _check_object(alice.ok("GET", f"/user/{me}/team/id"), M + "PaginatedTeamIds")
    invitation = alice.ok(
        "POST", "/membershipInvitation", {"teamId": team["id"], "inviteeId": bob_id}, status=201
    )
    _check_object(invitation, M + "MembershipInvitation")
    private = alice.ok("POST", "/team", {"name": unique("schema private")}, status=201)
    request = bob.ok("POST", "/membershipRequest", {"teamId": private["id"], "message": "hi"}, status=201)
    _check_object(request, M + "MembershipRequest")


def test_evaluation_responses_match_schemas(alice: Api) -> None:
    project = alice.project()
    evaluation = alice.ok(
        "POST", "/evaluation", {"name": unique("schema queue"), "contentSource": project["id"]}, status=201
    )
    _check_object(evaluation, E + "Evaluation")
    _check_object(
        alice.ok("GET", f"/evaluation/{evaluation['id']}/permissions"), E + "UserEvaluationPermissions"
    )
    folder = alice.folder(project)
    body = {"evaluationId": evaluation["id"], "entityId": folder["id"], "versionNumber": 1}
    submission = alice.ok("POST", "/evaluation/submission", body, status=201, etag=folder["etag"])
    _check_object(submission, E + "Submission")
    status = alice.ok("GET", f"/evaluation/submission/{submission['id']}/status")
    _check_object(status, E + "SubmissionStatus")
    scored = status | {
        "status": "SCORED",
        "submissionAnnotations": {"annotations": {"auc": {"type": "DOUBLE", "value": ["0.5"]}}},
    }
    _check_object(
        alice.ok("PUT", f"/evaluation/submission/{submission['id']}/status", scored), E + "SubmissionStatus"
    )
    _paginated(
        alice.ok("GET", f"/evaluation/{evaluation['id']}/submission/bundle/all"), E + "SubmissionBundle"
    )
    team = alice.ok("POST", "/team", {"name": unique("schema challengers")}, status=201)
    eligibility = alice.ok("GET", f"/evaluation/{evaluation['id']}/team/{team['id']}/submissionEligibility")
    _check_object(eligibility, E + "TeamSubmissionEligibility")
    window = {"roundStart": "2000-01-01T00:00:00.000Z", "roundEnd": "2001-01-01T00:00:00.000Z"}
    limits = [{"limitType": "DAILY", "maximumSubmissions": 2}]
    created = alice.ok(
        "POST", f"/evaluation/{evaluation['id']}/round", window | {"limits": limits}, status=201
    )
    _check_object(created, E + "EvaluationRound")
    _check_object(
        alice.ok("POST", f"/evaluation/{evaluation['id']}/round/list", {}), E + "EvaluationRoundListResponse"
    )


def test_wiki_responses_match_schemas(alice: Api) -> None:
    project = alice.project()
    v1 = alice.ok("POST", f"/entity/{project['id']}/wiki", {"title": "t", "markdown": "m"}, status=201)
    _check_object(v1, M + "wiki.WikiPage")
    v2 = alice.ok("GET", f"/entity/{project['id']}/wiki2/{v1['id']}")
    _check_object(v2, M + "v2.wiki.V2WikiPage")
    _paginated(alice.ok("GET", f"/entity/{project['id']}/wikiheadertree2"), M + "v2.wiki.V2WikiHeader")
    _paginated(alice.ok("GET", f"/entity/{project['id']}/wikiheadertree"), M + "wiki.WikiHeader")
    history = alice.ok("GET", f"/entity/{project['id']}/wiki2/{v1['id']}/wikihistory", offset=0, limit=10)
    _paginated(history, M + "v2.wiki.V2WikiHistorySnapshot")
    _check_object(alice.ok("GET", f"/entity/{project['id']}/wiki2orderhint"), M + "v2.wiki.V2WikiOrderHint")
    _check_object(alice.ok("GET", f"/entity/{project['id']}/wikikey"), M + "dao.WikiPageKey")
