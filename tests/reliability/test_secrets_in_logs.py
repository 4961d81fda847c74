"""No token and no presigned signature in any log line (ours, urllib3's, requests'), exception or repr, at
DEBUG, over a whole workflow: a multipart upload, a download, a table append and a CSV query, a wiki page
with an attachment, and a refused presigned URL."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_models as sm

SECRET_MARKS = ("X-Amz-Signature", "X-Amz-Credential", "Signature=", "X-Amz-Date", "X-Amz-Expires")


def test_a_whole_workflow_at_debug_leaks_no_token_and_no_signature(
    server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = str(server.create_user(f"secretive{os.urandom(3).hex()}"))
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache"))
    texts: list[str] = []
    caplog.set_level(logging.DEBUG)  # the root logger: ours, urllib3's and requests' records all reach it
    conn = sm.connect(token, endpoint=server.endpoint, name="secretive")
    project = sm.Project(name=f"secrets {os.urandom(4).hex()}").store(connection=conn)
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(6 * 1024 * 1024 + 17))  # two parts
    stored = sm.File(source, parent=project, annotations={"k": "v"}).store(connection=conn)
    monkeypatch.setenv("SYNAPSE_CACHE", str(tmp_path / "cache-2"))
    got = sm.File.get(stored.id, download_location=tmp_path / "down", connection=conn)
    table = sm.Table(name="t", parent=project, columns=[sm.Column("n", "INTEGER")]).store(connection=conn)
    table.append(pd.DataFrame({"n": range(30)}), connection=conn)
    rows = table.query(method="csv", connection=conn)
    attachment = tmp_path / "figure.txt"
    attachment.write_text("a figure")
    wiki = sm.Wiki(owner=project, title="About", markdown="# hello", attachments=[attachment]).store(
        connection=conn
    )
    fetched = wiki.download_attachment("figure.txt", tmp_path, connection=conn)
    _, url = _presigned(conn, stored)
    assert "X-Amz-Signature" in url  # the server does sign: the scan below would see one
    try:
        conn.raise_for_status(
            conn.raw("GET", url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), authorize=False)
        )
    except sm.HTTPError as exc:
        texts += [str(exc), repr(exc)]
    else:
        pytest.fail("a presigned URL with a wrong signature was accepted")
    texts += [repr(o) for o in (conn, stored, stored.file_handle, got, table, wiki, conn.transport)]
    texts += [record.getMessage() for record in caplog.records]
    project.delete(connection=conn)
    assert len(rows) == 30 and fetched.read_text() == "a figure"
    assert any("/presigned/" in t for t in texts)  # urllib3's request lines were captured
    leaks = [t for t in texts if token in t or any(mark in t for mark in SECRET_MARKS)]
    assert leaks == []


def _presigned(conn: sm.Connection, file: sm.File) -> tuple[dict[str, Any], str]:
    from synapse_models.transfer.download import file_handle_url

    return file_handle_url(
        conn,
        file_handle_id=str(file.data_file_handle_id),
        associate_object_id=str(file.id),
        associate_object_type="FileEntity",
    )


def test_a_transfer_error_quoting_a_presigned_url_keeps_no_signature() -> None:
    url = "http://127.0.0.1:9/file/v1/presigned/upload/1/2?X-Amz-Date=20260101T000000Z&X-Amz-Signature=abc123"
    err = sm.TransferError(f"part 2 of upload 1 failed: PUT {url}: refused")
    assert "X-Amz" not in str(err) and "abc123" not in repr(err)
    assert "http://127.0.0.1:9/file/v1/presigned/upload/1/2" in str(err)
