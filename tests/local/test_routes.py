"""The routes of the server: written down (a route cannot vanish or appear unnoticed) and per app.

Adding an endpoint means adding its line to ``routes.txt`` (``METHOD path`` in werkzeug rule syntax, sorted).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from synapse_models.local import LocalSynapse
from synapse_models.local.areas import AREAS
from synapse_models.local.core.area import Area

from .conftest import Api

ROUTES_FILE = Path(__file__).with_name("routes.txt")


def test_served_routes_match_the_committed_list() -> None:
    with LocalSynapse() as server:
        served = sorted(f"{spec.method} {spec.path}" for spec in server.app.routes)
    expected = [line for line in ROUTES_FILE.read_text().splitlines() if line.strip()]
    assert len(served) == len(set(served)), "a route is declared twice"
    missing, extra = sorted(set(expected) - set(served)), sorted(set(served) - set(expected))
    assert (missing, extra) == ([], []), "update routes.txt when an endpoint is added or removed on purpose"


def _without(*names: str) -> tuple[Area, ...]:
    return tuple(area for area in AREAS if area.name not in names)


def test_apps_built_from_different_areas_do_not_share_routes_or_hooks() -> None:
    with LocalSynapse() as full, LocalSynapse(areas=_without("wiki")) as small:
        full_routes = {(spec.method, spec.path) for spec in full.app.routes}
        small_routes = {(spec.method, spec.path) for spec in small.app.routes}
        assert small_routes < full_routes
        assert all("wiki" in path for _, path in full_routes - small_routes)
        for server, has_wiki in ((full, True), (small, False)):
            api = Api(server.endpoint, server.admin_token)
            project = api.project()
            page = api.post(f"/entity/{project['id']}/wiki2", {"markdownFileHandleId": api.handle("home.md")})
            assert page.status_code == (201 if has_wiki else 404), page.text
            # the wiki's bundle part is plugged into the full app only
            bundle = api.ok("POST", f"/entity/{project['id']}/bundle2", {"includeRootWikiId": True})
            assert bundle.get("rootWikiId") == (page.json()["id"] if has_wiki else None)


@pytest.mark.parametrize("leaf", ["status", "admin", "provenance", "views", "wiki"])
def test_a_leaf_area_can_be_left_out(leaf: str) -> None:
    with LocalSynapse(areas=_without(leaf)) as server:
        api = Api(server.endpoint, server.admin_token)
        folder = api.folder(api.project())
        assert api.ok("GET", f"/entity/{folder['id']}")["name"] == folder["name"]
        assert not any(
            spec.path.startswith(f"/repo/v1/{leaf}") for spec in server.app.routes if leaf != "status"
        )


def test_an_app_refuses_areas_without_the_areas_they_require(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="area 'files' requires entities"):
        LocalSynapse(data_dir=tmp_path, areas=_without("entities")).start()
