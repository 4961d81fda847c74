"""Fixtures for the embedded-server tests: one LocalSynapse per test module, HTTP helpers per user."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from synapse_models.local import LocalSynapse

PREFIXES = ("/repo/", "/auth/", "/file/", "/admin/")
_names = itertools.count(1)


def unique(prefix: str) -> str:
    """Return a name no other test of the session uses."""
    return f"{prefix} {next(_names)}"


class Api:
    """A tiny REST client: paths without a service prefix go to ``/repo/v1``."""

    def __init__(self, endpoint: str, token: str | None = None) -> None:
        self.endpoint = endpoint
        self.token = token
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        if path == "/" or path.startswith(PREFIXES):
            return self.endpoint + path
        return f"{self.endpoint}/repo/v1{path}"

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.session.request(
            method, self.url(path), json=body, params=params or None, timeout=10, allow_redirects=False
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.request("POST", path, body, **params)

    def put(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.request("PUT", path, body, **params)

    def delete(self, path: str, **params: Any) -> requests.Response:
        return self.request("DELETE", path, **params)

    def ok(self, method: str, path: str, body: Any = None, status: int | None = None, **params: Any) -> Any:
        """Send a request, assert a 2xx (or ``status``) answer and return its JSON (``None`` if empty)."""
        response = self.request(method, path, body, **params)
        if status is not None:
            assert response.status_code == status, (response.status_code, response.text)
        else:
            assert response.ok, (response.status_code, response.text)
        return response.json() if response.content else None

    # -- entity shortcuts ------------------------------------------------------------------------------
    def project(self, name: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {"concreteType": "org.sagebionetworks.repo.model.Project", "name": name or unique("project")}
        return dict(self.ok("POST", "/entity", body | fields, status=201))

    def folder(self, parent: dict[str, Any] | str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        parent_id = parent if isinstance(parent, str) else parent["id"]
        body = {
            "concreteType": "org.sagebionetworks.repo.model.Folder",
            "name": name or unique("folder"),
            "parentId": parent_id,
        }
        return dict(self.ok("POST", "/entity", body | fields, status=201))

    def handle(self, name: str = "data.txt") -> str:
        """Return the id of a file handle owned by this user.

        Uses ``POST /file/v1/externalFileHandle`` when the files area is served; otherwise (entity area only)
        any numeric id is accepted, so a fresh counter value is returned.
        """
        body = {
            "concreteType": "org.sagebionetworks.repo.model.file.ExternalFileHandle",
            "externalURL": f"https://example.org/{name}",
            "fileName": name,
            "contentType": "text/plain",
        }
        response = self.post("/file/v1/externalFileHandle", body)
        if response.status_code == 404:
            return str(900000 + next(_names))
        assert response.ok, response.text
        return str(response.json()["id"])

    def activity(self) -> str:
        """Return the id of an Activity of this user (any numeric id without an activity area)."""
        response = self.post("/activity", {"name": unique("activity")})
        if response.status_code == 404:
            return str(800000 + next(_names))
        assert response.ok, response.text
        return str(response.json()["id"])

    def file(
        self, parent: dict[str, Any], handle_id: str | None = None, name: str | None = None, **fields: Any
    ) -> Any:
        handle_id = handle_id or self.handle()
        body = {
            "concreteType": "org.sagebionetworks.repo.model.FileEntity",
            "name": name or unique("file"),
            "parentId": parent["id"],
            "dataFileHandleId": handle_id,
        }
        return self.ok("POST", "/entity", body | fields, status=201)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSynapse]:
    with LocalSynapse() as local:
        yield local


@pytest.fixture(scope="module")
def admin(server: LocalSynapse) -> Api:
    return Api(server.endpoint, server.admin_token)


@pytest.fixture(scope="module")
def alice(server: LocalSynapse) -> Api:
    return Api(server.endpoint, server.create_user(unique("alice").replace(" ", "")))


@pytest.fixture(scope="module")
def bob(server: LocalSynapse) -> Api:
    return Api(server.endpoint, server.create_user(unique("bob").replace(" ", "")))


@pytest.fixture(scope="module")
def anonymous(server: LocalSynapse) -> Api:
    return Api(server.endpoint)


def reason(response: requests.Response) -> str:
    """Return the ErrorResponse reason of a failed answer."""
    body = response.json()
    assert body["concreteType"] == "org.sagebionetworks.repo.model.ErrorResponse"
    return str(body["reason"])
