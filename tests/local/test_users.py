"""User profiles, user/group headers, aliases and user bundles."""

from __future__ import annotations

from synapse_models.local import LocalSynapse

from .conftest import Api, reason, unique


def test_get_profile_anonymous_returns_anonymous_profile(anonymous: Api) -> None:
    profile = anonymous.ok("GET", "/userProfile")
    assert profile["ownerId"] == "273950"
    assert profile["userName"] == "anonymous"


def test_get_profile_with_trailing_slash_returns_own_profile(alice: Api) -> None:
    assert alice.ok("GET", "/userProfile/") == alice.ok("GET", "/userProfile")


def test_get_own_profile_includes_emails(alice: Api) -> None:
    profile = alice.ok("GET", "/userProfile")
    assert profile["emails"]
    assert int(profile["ownerId"]) >= 3350000


def test_get_other_profile_hides_emails(alice: Api, bob: Api) -> None:
    bob_id = bob.ok("GET", "/userProfile")["ownerId"]
    profile = alice.ok("GET", f"/userProfile/{bob_id}")
    assert profile["ownerId"] == bob_id
    assert "emails" not in profile
    assert "email" not in profile


def test_get_unknown_profile_returns_404(alice: Api) -> None:
    assert alice.get("/userProfile/999").status_code == 404
    assert reason(alice.get("/userProfile/999")) == "UserProfile cannot be found for: 999"
    assert alice.get("/userProfile/abc").status_code == 400


def test_a_group_has_no_profile_or_user_bundle(alice: Api) -> None:
    # Synapse's wording (DBOUserProfileDAOImpl): a group such as AUTHENTICATED_USERS has no profile.
    response = alice.get("/user/273948/bundle", mask="1")
    assert response.status_code == 404
    assert reason(response) == "UserProfile cannot be found for: 273948"


def test_the_bootstrap_admin_user_has_a_profile(alice: Api) -> None:
    profile = alice.ok("GET", "/userProfile/1")
    assert (profile["ownerId"], profile["userName"]) == ("1", "migrationAdmin")


def test_put_profile_updates_fields_and_checks_etag(server: LocalSynapse) -> None:
    user = Api(server.endpoint, server.create_user(unique("frank").replace(" ", "")))
    profile = user.ok("GET", "/userProfile")
    updated = user.ok("PUT", "/userProfile", profile | {"firstName": "Frank", "company": "Sage"})
    assert updated["firstName"] == "Frank"
    assert updated["etag"] != profile["etag"]
    assert user.put("/userProfile", profile | {"firstName": "Stale"}).status_code == 412


def test_post_profiles_returns_list_wrapper(alice: Api, bob: Api) -> None:
    ids = [int(alice.ok("GET", "/userProfile")["ownerId"]), int(bob.ok("GET", "/userProfile")["ownerId"])]
    body = alice.ok("POST", "/userProfile", {"list": ids})
    assert body["concreteType"] == "org.sagebionetworks.repo.model.UserProfile"
    assert [p["ownerId"] for p in body["list"]] == [str(i) for i in ids]


def test_get_user_group_headers_by_prefix_finds_user(alice: Api, bob: Api) -> None:
    bob_profile = bob.ok("GET", "/userProfile")
    page = alice.ok("GET", "/userGroupHeaders", prefix=bob_profile["userName"][:4], typeFilter="USERS_ONLY")
    names = [h["userName"] for h in page["children"]]
    assert bob_profile["userName"] in names
    assert all(h["isIndividual"] for h in page["children"])
    teams_only = alice.ok("GET", "/userGroupHeaders", prefix=bob_profile["userName"], typeFilter="TEAMS_ONLY")
    assert teams_only["children"] == []


def test_get_user_group_headers_batch_returns_headers(alice: Api, bob: Api) -> None:
    bob_id = bob.ok("GET", "/userProfile")["ownerId"]
    page = alice.ok("GET", "/userGroupHeaders/batch", ids=f"{bob_id},273948")
    assert [h["ownerId"] for h in page["children"]] == [bob_id, "273948"]
    assert page["children"][1]["isIndividual"] is False


def test_post_principal_alias_finds_user_name(alice: Api, bob: Api) -> None:
    bob_profile = bob.ok("GET", "/userProfile")
    found = alice.ok("POST", "/principal/alias", {"alias": bob_profile["userName"], "type": "USER_NAME"})
    assert found == {"principalId": int(bob_profile["ownerId"])}
    missing = alice.post("/principal/alias", {"alias": "nobody-here", "type": "USER_NAME"})
    assert missing.status_code == 404
    assert alice.post("/principal/alias", {"alias": "x", "type": "NOPE"}).status_code == 400


def test_get_user_bundle_returns_requested_parts(alice: Api) -> None:
    bundle = alice.ok("GET", "/user/bundle", mask=0x9)
    assert bundle["userProfile"]["ownerId"] == bundle["userId"]
    assert bundle["isCertified"] is True
    assert "isVerified" not in bundle
