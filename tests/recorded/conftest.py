"""Recorded HTTP tests (vcrpy through pytest-recording).

By default the cassettes in the top-level ``cassettes/`` directory are replayed and no server runs.
``pytest tests/recorded --record-mode=rewrite`` re-records them: against real Synapse when
``SYNAPSE_AUTH_TOKEN`` and ``SYNAPSE_ENDPOINT`` are set, otherwise against a fresh LocalSynapse in
deterministic mode (fixed ids, etags and timestamps), so a re-recording gives a small diff. Authorization
headers are scrubbed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synapse_models as sm

ROOT = Path(__file__).resolve().parents[2]
REPLAY_ENDPOINT = "http://127.0.0.1:18765"
REPLAY_TOKEN = "replayed-token"


def _drop_volatile_headers(response: dict[str, Any]) -> dict[str, Any]:
    for name in list(response.get("headers", {})):
        if name.lower() in ("date", "server", "x-request-id"):
            del response["headers"][name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": [("authorization", "REDACTED"), ("cookie", None), ("set-cookie", None)],
        "before_record_response": _drop_volatile_headers,
        "match_on": ["method", "path", "query"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def recorded_connection(record_mode: str, tmp_path: Path) -> Iterator[sm.Connection]:
    """A connection whose traffic is recorded or replayed."""
    if record_mode == "none":
        yield sm.connect(REPLAY_TOKEN, endpoint=REPLAY_ENDPOINT)
        return
    if os.environ.get("SYNAPSE_AUTH_TOKEN") and os.environ.get("SYNAPSE_ENDPOINT"):
        yield sm.connect()
        return
    from synapse_models.local import LocalSynapse

    port = int(REPLAY_ENDPOINT.rsplit(":", 1)[1])
    with LocalSynapse(data_dir=tmp_path / "synapse", port=port, deterministic=True) as server:
        yield sm.connect(server.create_user("recorder"), endpoint=server.endpoint)
