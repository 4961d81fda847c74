"""A pytest plugin for official-suite runs: each test's outcome, and which HTTP requests it had refused.

Loaded with ``-p official_suite_capture``; both files get one JSON object per line.

* ``$OFFICIAL_SUITE_RESULTS``: each test phase's outcome, ``{"test", "phase", "outcome", "message",
  "seconds"}`` (written by the controlling process only when pytest-xdist runs workers), plus one
  ``"phase": "collect"`` line per collected test and per file that failed to import, so a test that
  never reported (a crashed run) is counted as not run instead of vanishing.
* ``$OFFICIAL_SUITE_CAPTURE``: every response with status >= 400, every request slower than
  ``SLOW_SECONDS`` and every request the network guard stopped, ``{"test", "phase", "method", "url",
  "status", "seconds", "body"}``. Query parameters naming a signature, token, credential or key are
  redacted, and request headers (the bearer token) are never recorded.

The runner joins the two, so every failure comes with the refusals that led to it. A test's background
tasks that outlive it are recorded under the test running at the time.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

SLOW_SECONDS = 2.0
_BODY_CHARS = 800
_SECRET_PARAM_PARTS = ("signature", "token", "credential", "security", "key")

_lock = threading.Lock()
_current: dict[str, str] = {"test": "", "phase": ""}


def _redact(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (name, "REDACTED" if any(p in name.lower() for p in _SECRET_PARAM_PARTS) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _record(method: str, url: str, status: int | None, seconds: float, body: str) -> None:
    path = os.environ.get("OFFICIAL_SUITE_CAPTURE")
    if not path:
        return
    line = {
        "test": _current["test"],
        "phase": _current["phase"],
        "method": method,
        "url": _redact(url),
        "status": status,
        "seconds": round(seconds, 3),
        "body": body[:_BODY_CHARS],
    }
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _worth_recording(status: int, seconds: float) -> bool:
    return status >= 400 or seconds > SLOW_SECONDS


def _text_of(read: Callable[[], str]) -> str:
    try:
        return read()
    except Exception as exc:  # a streamed body that is not read yet, or not text
        return f"<body not captured: {type(exc).__name__}>"


def _patch_requests() -> None:
    import requests

    original = requests.Session.send

    @functools.wraps(original)
    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        start = time.monotonic()
        try:
            response = original(self, request, **kwargs)
        except Exception as exc:
            _record(str(request.method), str(request.url), None, time.monotonic() - start, repr(exc))
            raise
        seconds = time.monotonic() - start
        if _worth_recording(response.status_code, seconds):
            body = "" if kwargs.get("stream") else _text_of(lambda: response.text)
            _record(str(request.method), str(request.url), response.status_code, seconds, body)
        return response

    requests.Session.send = send  # type: ignore[method-assign]


def _httpx_body(response: Any) -> str:
    return _text_of(lambda: response.text) if response.is_stream_consumed or response.is_closed else ""


def _patch_httpx() -> None:
    import httpx

    original_sync = httpx.Client.send
    original_async = httpx.AsyncClient.send

    @functools.wraps(original_sync)
    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        start = time.monotonic()
        try:
            response = original_sync(self, request, **kwargs)
        except Exception as exc:
            _record(request.method, str(request.url), None, time.monotonic() - start, repr(exc))
            raise
        seconds = time.monotonic() - start
        if _worth_recording(response.status_code, seconds):
            _record(request.method, str(request.url), response.status_code, seconds, _httpx_body(response))
        return response

    @functools.wraps(original_async)
    async def send_async(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        start = time.monotonic()
        try:
            response = await original_async(self, request, **kwargs)
        except Exception as exc:
            _record(request.method, str(request.url), None, time.monotonic() - start, repr(exc))
            raise
        seconds = time.monotonic() - start
        if _worth_recording(response.status_code, seconds):
            _record(request.method, str(request.url), response.status_code, seconds, _httpx_body(response))
        return response

    httpx.Client.send = send  # type: ignore[method-assign]
    httpx.AsyncClient.send = send_async  # type: ignore[method-assign]


_config: dict[str, pytest.Config] = {}


def pytest_configure(config: pytest.Config) -> None:
    _config["config"] = config
    _patch_requests()
    _patch_httpx()


def _message(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return str(longrepr or "").strip().splitlines()[-1:][0] if longrepr else ""


def _write_result(line: dict[str, Any]) -> None:
    path = os.environ.get("OFFICIAL_SUITE_RESULTS")
    if path:
        with _lock, open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        _write_result({"test": item.nodeid, "phase": "collect", "outcome": "collected"})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        message = str(report.longrepr or "").strip().splitlines()[-1:] or [""]
        _write_result({"test": report.nodeid, "phase": "collect", "outcome": "failed", "message": message[0]})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get("OFFICIAL_SUITE_RESULTS")
    config = _config.get("config")
    if not path or (config is not None and hasattr(config, "workerinput")):
        return  # an xdist worker: its controller writes the line
    if report.when != "call" and report.outcome == "passed":
        return
    _write_result(
        {
            "test": report.nodeid,
            "phase": report.when,
            "outcome": report.outcome,
            "message": _message(report)[:2000] if report.outcome != "passed" else "",
            "seconds": round(report.duration, 3),
        }
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    _current.update(test=item.nodeid, phase="setup")
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    _current.update(test=item.nodeid, phase="call")
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    _current.update(test=item.nodeid, phase="teardown")
    return (yield)
