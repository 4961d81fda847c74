"""Benchmarks for wikis, sharing and challenges (issue 5), run by hand; prints a comparison table.

    cd /work/main && /work/venv/bin/python tests/benchmarks/bench_collaboration.py [--n 30] [--latency-ms 0]

One in-process LocalSynapse; this library and the official ``synapseclient`` 4.14 both log in as the same user
and do the same work, one operation at a time:

(a) grant bob READ on N folders that inherit (each gets its own ACL: POST) and on N folders that already have
    their own ACL (PUT): ``folder.grant`` vs ``syn.setPermissions``;
(b) write N wiki pages with 1 KiB of markdown (different on each page, so no upload is deduplicated), then
    read each back with its markdown:
    ``Wiki.store``/``Wiki.get`` vs ``synapseclient.models.WikiPage.store``/``get`` + ``get_markdown_file``;
(c) score N submissions (status SCORED + two score annotations): ``status()``/``store()`` vs
    ``syn.getSubmissionStatus``/``syn.store``;
(d) list the N submissions: ``evaluation.submissions()`` vs ``syn.getSubmissions``.

Figures: mean wall time per operation and HTTP requests per operation (the server's request log), after a
warm-up round of 5 operations of each kind per client. With ``--latency-ms MS`` both clients talk to the
server through a loopback proxy that delays each request and each response by MS.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: make ``tests`` importable

from _harness import add_latency_option, latency_proxy

import synapse_models as sm
from synapse_models.local import LocalSynapse
from tests.peer import official_client

MARKDOWN = ("# Page\n\n" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 18)[:1024]


def _measure(server: LocalSynapse, n: int, work: Callable[[int], Any]) -> tuple[float, float]:
    server.reset_request_log()
    started = time.perf_counter()
    for i in range(n):
        work(i)
    elapsed = time.perf_counter() - started
    return elapsed / n * 1000, len(server.request_log()) / n


def _wiki_text(i: int, tag: str) -> str:
    return f"{MARKDOWN[:-16]}{tag[:8]:>8}{i:08d}"


def _run(
    who: str,
    server: LocalSynapse,
    alice: sm.Connection,
    bob: sm.Connection,
    syn: Any,
    n: int,
    scratch: Path,
    tag: str,
) -> list[tuple[str, str, float, float]]:
    from synapseclient.models import WikiPage

    rows: list[tuple[str, str, float, float]] = []
    ours = who == "synapse_models"
    bob_id = int(str(bob.user_id))
    project = sm.Project(name=f"bench {who} {tag}").store(connection=alice)
    inheriting = [sm.Folder(name=f"i{i}", parent=project).store(connection=alice) for i in range(n)]
    owning = [sm.Folder(name=f"o{i}", parent=project).store(connection=alice) for i in range(n)]
    for folder in owning:
        folder.grant(sm.WellKnownPrincipal.AUTHENTICATED_USERS, ["READ"])

    def grant_to(folders: list[sm.Folder]) -> Callable[[int], None]:
        def grant(i: int) -> None:
            if ours:
                folders[i].grant("bob", ["READ"])
            else:
                syn.setPermissions(folders[i].id, bob_id, ["READ"], warn_if_inherits=False)

        return grant

    rows.append(("(a) grant on an inheriting folder", who, *_measure(server, n, grant_to(inheriting))))
    rows.append(("(a) grant on a folder with its own ACL", who, *_measure(server, n, grant_to(owning))))

    owner = sm.Folder(name="wiki owner", parent=project).store(connection=alice)
    if ours:
        root_id = sm.Wiki(owner=owner, title="root", markdown="root").store(connection=alice).id
    else:
        root_id = WikiPage(owner_id=owner.id, title="root", markdown="root").store(synapse_client=syn).id
    page_ids: list[str] = []

    def write_page(i: int) -> None:
        if ours:
            page = sm.Wiki(owner=owner, title=f"p{i}", markdown=_wiki_text(i, tag), parent=root_id)
            page_ids.append(str(page.store(connection=alice).id))
        else:
            made = WikiPage(owner_id=owner.id, title=f"p{i}", markdown=_wiki_text(i, tag), parent_id=root_id)
            page_ids.append(str(made.store(synapse_client=syn).id))

    def read_page(i: int) -> None:
        if ours:
            assert sm.Wiki.get(owner, page_ids[i], connection=alice).markdown == _wiki_text(i, tag)
        else:
            page = WikiPage(owner_id=owner.id, id=page_ids[i]).get(synapse_client=syn)
            page.get_markdown_file(download_location=str(scratch / "md"), synapse_client=syn)

    rows.append(("(b) wiki page store (1 KiB)", who, *_measure(server, n, write_page)))
    rows.append(("(b) wiki page get + markdown", who, *_measure(server, n, read_page)))

    queue = sm.Evaluation(f"bench queue {who} {tag}", content_source=project).store(connection=alice)
    queue.grant("bob", ["READ", "SUBMIT"])
    bobs_project = sm.Project(name=f"bob entries {who} {tag}").store(connection=bob)
    entry = sm.Folder(name="entry", parent=bobs_project).store(connection=bob)
    bobs_queue = sm.Evaluation.get(queue.id, connection=bob)
    submission_ids = [bobs_queue.submit(entry, name=f"s{i}").id for i in range(n)]

    def score(i: int) -> None:
        if ours:
            status = sm.SubmissionStatus.get(submission_ids[i], connection=alice)
            status.status = sm.SubmissionStatusEnum.SCORED
            status.submission_annotations = sm.Annotations({"auc": 0.5 + i / 1000, "rank": i})
            status.store()
        else:
            legacy = syn.getSubmissionStatus(submission_ids[i])
            legacy.status = "SCORED"
            legacy.submissionAnnotations["auc"] = [0.5 + i / 1000]
            legacy.submissionAnnotations["rank"] = [i]
            syn.store(legacy)

    rows.append(("(c) score a submission", who, *_measure(server, n, score)))

    server.reset_request_log()
    started = time.perf_counter()
    listed = list(queue.submissions()) if ours else list(syn.getSubmissions(queue.id))
    elapsed = (time.perf_counter() - started) * 1000
    assert len(listed) == n, (who, len(listed))
    rows.append((f"(d) list {n} submissions (whole listing)", who, elapsed, float(len(server.request_log()))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    add_latency_option(parser)
    args = parser.parse_args()
    n = args.n
    warnings.simplefilter("ignore")
    rows: list[tuple[str, str, float, float]] = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalSynapse() as server,
        latency_proxy(server, args.latency_ms) as (endpoint, proxy),
    ):
        alice_token = server.create_user("alice")
        alice = sm.connect(alice_token, endpoint=endpoint, name="alice")
        bob = sm.connect(server.create_user("bob"), endpoint=endpoint, name="bob")
        syn = official_client(
            proxy or server, alice_token, Path(scratch), log_level=logging.ERROR, multi_threaded=False
        )
        for who in ("synapse_models", "synapseclient"):  # warm-up round, not reported
            _run(who, server, alice, bob, syn, 5, Path(scratch), "warm-up")
        for who in ("synapseclient", "synapse_models"):
            rows += _run(who, server, alice, bob, syn, n, Path(scratch), "measured")
    print(f"{'operation':<42} {'client':<15} {'ms/op':>8} {'requests/op':>12}")
    for op, who, ms, req in sorted(rows, key=lambda r: r[0]):
        print(f"{op:<42} {who:<15} {ms:8.1f} {req:12.1f}")


if __name__ == "__main__":
    main()
