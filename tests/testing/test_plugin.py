"""The pytest plugin, seen from a user's test suite: each test here runs a user's test file with pytester."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Every inner session runs in its own process: an in-process run unloads the modules it imported, and the
# copies imported again afterwards (sqlglot's dialects, requests) break isinstance checks out here.
pytest_plugins = ["pytester"]


def test_the_plugin_is_registered_and_does_nothing_until_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        import os, sys, threading

        def test_plain(request):
            assert request.config.pluginmanager.hasplugin("synapse_models")
            loaded = [m for m in ("synapse_models.local", "werkzeug", "sqlglot", "requests", "pandas")
                      if m in sys.modules]
            assert loaded == []
            assert not any(t.name == "local-synapse" for t in threading.enumerate())
            assert "SYNAPSE_ENDPOINT" not in os.environ
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plain.py"],
        cwd=pytester.path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_without_the_local_extra_a_fixture_says_what_to_install(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
        def test_needs_a_server(synapse_project):
            pass

        def test_needs_nothing():
            pass
        """
    )
    block_werkzeug = (
        "import sys; sys.modules['werkzeug'] = None; import pytest; "
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'test_user.py']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", block_werkzeug], cwd=pytester.path, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 1 error" in result.stdout
    assert "pip install 'synapse-models[local]'" in result.stdout
    assert "Traceback" not in result.stdout


def test_without_synapseclient_its_fixture_skips(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import sys\nsys.modules['synapseclient'] = None  # as if it were not installed\n")
    pytester.makepyfile(
        test_user="""
        import threading

        def test_official(synapseclient_session):
            pass

        def test_no_server_was_started():
            assert not any(t.name == "local-synapse" for t in threading.enumerate())
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1, passed=1)
    result.stdout.fnmatch_lines(["*synapseclient is not installed*"])


def test_the_fixtures_give_one_user_its_connection_project_and_official_client(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_user="""
        import os
        from pathlib import Path

        import synapse_models as sm

        def test_fixtures(synapse_server, synapse_user, synapse_connection, synapse_project,
                          synapseclient_session):
            assert sm.get_connection() is synapse_connection
            assert synapse_connection.user_name == synapse_user.user_name
            assert synapse_user.user_name.startswith("test_fixtures-")
            assert synapse_user.endpoint == synapse_server.endpoint
            assert synapse_project.created_by == synapse_connection.user_id
            assert synapse_project.name.startswith("test_fixtures-")
            assert os.environ["SYNAPSE_ENDPOINT"] == synapse_server.endpoint
            assert os.environ["SYNAPSE_AUTH_TOKEN"] == synapse_user.token
            assert synapse_user.token not in repr(synapse_user)
            syn = synapseclient_session
            assert syn.credentials.username == synapse_user.user_name
            assert syn.repoEndpoint == synapse_server.endpoint + "/repo/v1"
            assert Path(syn.cache.cache_root_dir) != Path(os.environ["SYNAPSE_CACHE"])
            temporary = Path(str(synapse_server.data_dir)).parents[1]  # pytest's, for this session
            assert Path(syn.cache.cache_root_dir).is_relative_to(temporary)

        def test_seeding_belongs_to_the_test_user(synapse_server, synapse_connection):
            ids = synapse_server.load({"Seeded": {"a.txt": "hello"}})
            assert sm.Project.get(ids["Seeded"]).created_by == synapse_connection.user_id
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_tests_are_isolated_from_each_other(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
        import os

        import pytest

        import synapse_models as sm

        BEFORE = dict(os.environ)  # at collection, before any fixture
        seen = {}

        def test_first(synapse_connection):
            seen["project"] = sm.Project(name="Results").store().id
            seen["user"] = sm.me().user_name

        def test_second(synapse_connection):
            assert sm.me().user_name != seen["user"]
            assert list(sm.connections().values()) == [synapse_connection]
            again = sm.Project(name="Results").store()  # the name is free again
            assert again.id != seen["project"]
            with pytest.raises((sm.NotFoundError, sm.ForbiddenError)):
                sm.Project.get(seen["project"])

        def test_third_asks_for_nothing():
            assert sm.connections() == {}
            now = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
            assert now == {k: v for k, v in BEFORE.items() if k != "PYTEST_CURRENT_TEST"}
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_conftest_may_replace_the_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeconftest(
        f"""
        import pytest
        from synapse_models.local import LocalSynapse

        @pytest.fixture(scope="session")
        def synapse_server():
            with LocalSynapse(data_dir={str(tmp_path / "kept")!r}, deterministic=True) as server:
                yield server
        """
    )
    pytester.makepyfile(
        test_user=f"""
        def test_project(synapse_server, synapse_project):
            assert synapse_server.data_dir == {str(tmp_path / "kept")!r}
            assert type(synapse_project).get(synapse_project.id).name == synapse_project.name  # stored there
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert (tmp_path / "kept").is_dir()
