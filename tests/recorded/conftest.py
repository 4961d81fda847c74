"""Recorded HTTP tests: the client's traffic for every area, as a contract with the Synapse REST service.

Each test marked ``@pytest.mark.vcr`` has one cassette, ``cassettes/<module>/<test>.yaml``. By default
(``--record-mode=none``, set in pyproject.toml) the cassette is replayed: no server runs, and a request that
is not in it, or whose method, URL, query or body differs, fails the test. ``--record-mode=rewrite``
records it again:

* against the service named by ``SYNAPSE_ENDPOINT`` with the token in ``SYNAPSE_AUTH_TOKEN`` when both are
  set (synapse.org: ``https://repo-prod.prod.sagebase.org``);
* otherwise against a fresh deterministic LocalSynapse per test (fixed ids, etags and timestamps), so that
  re-recording an unchanged client gives an unchanged cassette.

Every name a test creates starts with the run's prefix (``recording.name(...)``): random when recording
against a real service (project, team and queue names are unique across Synapse), derived from the test's
name against LocalSynapse, and in both cases stored in the cassette's metadata so a replay sends exactly the
recorded request bodies. Everything a test creates is registered with ``made`` and deleted after the test,
even when it fails. See docs/recorded_tests.rst.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import attrs
import pytest

import synapse_models as sm

from ._format import KNOWN_SECRETS, ReadableYaml, RefusingPersister, match_body
from ._scrub import normalize_request, normalize_response

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
LOCAL_PORT = 18765
"""The port LocalSynapse listens on while recording, so that cassettes recorded at different times agree."""
REPLAY_TOKEN = "replayed-token"
"""What a replay sends as its token (requests are matched without their headers)."""
MATCH_ON = ["method", "scheme", "host", "port", "path", "query", "structural_body"]

T = TypeVar("T")


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Our serializer (readable YAML), body matcher and persister, for every cassette of this directory."""
    vcr.register_serializer("yaml", ReadableYaml)
    vcr.register_matcher("structural_body", match_body)
    vcr.register_persister(RefusingPersister)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Replays may not touch the network at all (pytest-recording lifts the block while recording)."""
    here = Path(__file__).parent
    for item in items:
        if item.get_closest_marker("vcr") and here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.block_network)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "serializer": "yaml",
        "match_on": MATCH_ON,
        "before_record_request": normalize_request,
        "before_record_response": normalize_response,
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@attrs.define
class Recording:
    """Where this test's traffic goes and how it names what it creates."""

    mode: str
    """``replay`` (from the cassette), ``local`` (recording against LocalSynapse) or ``service``
    (recording against the endpoint in ``SYNAPSE_ENDPOINT``)."""
    endpoint: str
    prefix: str
    """Starts every name the test creates; stored in the cassette."""
    cassette: Any = None
    """The vcrpy cassette of the test."""

    def name(self, what: str) -> str:
        """A name for something the test creates: ``"smrec-1a2b3c4d <what>"``."""
        return f"{self.prefix} {what}"

    def requests_made(self, method: str, path: str = "", *, authorized: bool | None = None) -> int:
        """How many ``method`` requests whose path matches the regular expression ``path`` the test made so
        far (in replay: the recorded ones that were played). ``authorized=False`` counts only those sent
        without a token: the presigned ones (file bytes)."""
        pattern = re.compile(path)
        counts = [
            self.cassette.play_counts[index] if self.mode == "replay" else 1
            for index, (request, _) in enumerate(self.cassette.data)
            if request.method == method
            and pattern.search(request.path)
            and (authorized is None or authorized == ("Authorization" in request.headers))
        ]
        return sum(counts)

    def eventually(
        self, call: Callable[[], T], until: Callable[[T], bool], *, attempts: int = 30, delay: float = 2.0
    ) -> T:
        """``call()`` until ``until(result)``: a real service updates views and search indexes a little later.

        A replay makes the same calls and gets the same answers as the recording, so it stops at the same
        attempt (and does not wait: sleeping is switched off in replay).
        """
        result = call()
        for _ in range(attempts - 1):
            if until(result):
                return result
            time.sleep(delay)
            result = call()
        return result


def _one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send one HTTP request at a time, recording or replaying.

    To open a connection (and, recording, to send a request), vcrpy briefly puts the real connection classes
    back, for every thread: a connection another thread opens in that moment is a real one (the client sends
    several requests at once: file parts, folder listings). Recording, its request is sent but never
    recorded; replaying, it reaches the network blocker and fails the test or leaks its socket.
    """
    from urllib3.connectionpool import HTTPConnectionPool

    lock = threading.RLock()  # re-entrant: urllib3 calls urlopen again for a retry or a redirect
    urlopen = HTTPConnectionPool.urlopen

    def one_at_a_time(pool: HTTPConnectionPool, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return urlopen(pool, *args, **kwargs)

    monkeypatch.setattr(HTTPConnectionPool, "urlopen", one_at_a_time)


def _join_threads_started_since(before: set[threading.Thread], timeout: float = 30.0) -> None:
    """Let the threads a test left running (a walk's listing ahead, a pool's last tasks) finish while its
    cassette is still in place: a request they send after it would reach the network blocker in the next
    test."""
    deadline = time.monotonic() + timeout
    for thread in set(threading.enumerate()) - before:
        if not thread.daemon or thread.name.startswith(("ThreadPoolExecutor", "synapse")):
            thread.join(max(0.0, deadline - time.monotonic()))


def _check_everything_was_recorded(server: Any, cassette: Any) -> None:
    """Fail a recording whose cassette misses a request the server answered (see _one_request_at_a_time)."""
    served = Counter((method, path) for method, path, _ in server.request_log())
    recorded = Counter((request.method, unquote(request.path)) for request, _ in cassette.data)
    if served - recorded:
        pytest.fail(
            f"requests answered by the server but missing from the cassette: {dict(served - recorded)}"
        )


def _recorded_value(cassette: Any, key: str, value: str) -> str:
    try:
        return str(cassette.get_metadata(key, value))
    except Exception as exc:  # vcrpy's MissingMetadataError: a cassette from before metadata existed
        raise RuntimeError(
            f"{cassette.path} has no {key!r} in its metadata: re-record it (docs/recorded_tests.rst)"
        ) from exc


@pytest.fixture
def recording(
    vcr: Any,
    record_mode: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Recording]:
    """The target of this test (the cassette, LocalSynapse or the real service) and its name prefix."""
    if vcr is None:
        pytest.fail("recorded tests need @pytest.mark.vcr")
    before = set(threading.enumerate())
    request.addfinalizer(lambda: _join_threads_started_since(before))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SYNAPSE_MODELS_PROGRESS", "0")
    _one_request_at_a_time(monkeypatch)
    if record_mode == "none":
        monkeypatch.setattr(time, "sleep", lambda seconds: None)  # a replay has nothing to wait for
        endpoint = _recorded_value(vcr, "endpoint", "")
        yield Recording("replay", endpoint, _recorded_value(vcr, "prefix", ""), vcr)
        return
    if os.environ.get("SYNAPSE_AUTH_TOKEN") and os.environ.get("SYNAPSE_ENDPOINT"):
        KNOWN_SECRETS.add(os.environ["SYNAPSE_AUTH_TOKEN"])
        endpoint = os.environ["SYNAPSE_ENDPOINT"].rstrip("/")
        prefix = _recorded_value(vcr, "prefix", f"smrec-{secrets.token_hex(4)}")
        yield Recording("service", _recorded_value(vcr, "endpoint", endpoint), prefix, vcr)
        return
    from synapse_models.local import LocalSynapse
    from synapse_models.transfer import upload

    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("SYNAPSE_ENDPOINT", raising=False)
    # parts one at a time: the same order in every recording, so that re-recording gives the same cassette
    monkeypatch.setattr(upload, "DEFAULT_WORKERS", 1, raising=False)
    stable = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:8]
    with LocalSynapse(data_dir=tmp_path / "synapse", port=LOCAL_PORT, deterministic=True) as server:
        token = server.create_user("recorder")
        KNOWN_SECRETS.update({token, server.admin_token})
        monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", token)  # for the command line
        prefix = _recorded_value(vcr, "prefix", f"smrec-{stable}")
        yield Recording("local", _recorded_value(vcr, "endpoint", server.endpoint), prefix, vcr)
        _check_everything_was_recorded(server, vcr)


@pytest.fixture
def connection(recording: Recording, monkeypatch: pytest.MonkeyPatch) -> sm.Connection:
    """The default connection of the test, to wherever ``recording`` points."""
    if recording.mode == "replay":
        monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", REPLAY_TOKEN)  # for the command line
    monkeypatch.setenv("SYNAPSE_ENDPOINT", recording.endpoint)
    return sm.connect(os.environ["SYNAPSE_AUTH_TOKEN"], endpoint=recording.endpoint)


class Made:
    """What a test created, deleted in reverse order when it ends (also when it failed).

    Entities are moved to the trash and purged from it; teams, evaluation queues and submissions are
    deleted. Something already gone is fine. A failure to delete is reported after the test; it fails a
    test that passed (a recording must not leave content behind), and is only reported for one that failed.
    """

    def __init__(self, connection: sm.Connection) -> None:
        self.connection = connection
        self.items: list[Any] = []

    def __call__(self, item: T) -> T:
        self.items.append(item)
        return item

    def clean(self) -> list[str]:
        problems = []
        for item in reversed(self.items):
            try:
                self._delete(item)
            except sm.NotFoundError:
                pass
            except Exception as exc:
                problems.append(f"could not delete {item!r}: {exc}")
        return problems

    def _delete(self, item: Any) -> None:
        if isinstance(item, sm.Entity):
            with contextlib.suppress(sm.NotFoundError):  # already in the trash: purge it all the same
                item.delete(connection=self.connection)
            self.connection.put(f"/trashcan/purge/{item.id}")
        else:
            item.delete(connection=self.connection)


@pytest.fixture
def made(connection: sm.Connection, request: pytest.FixtureRequest) -> Iterator[Made]:
    created = Made(connection)
    yield created
    problems = created.clean()
    report = getattr(request.node, "rep_call", None)
    if problems and report is not None and report.passed:
        pytest.fail("cleanup after the test failed: " + "; ".join(problems))
    for problem in problems:
        print(f"cleanup: {problem}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so that ``made`` knows whether the test passed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
