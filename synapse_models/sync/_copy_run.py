"""The state of one ``copy`` run: its results, the old -> new id map, submitting tasks, and the wiki phase.

Wikis are copied last, once every entity has its copy, so that links between copied pages and to copied
entities can be rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..models.tree import EntityHeader
from ..transfer.progress import Overall
from . import _internals
from ._copy_items import CopyOutcome, ItemTask, Options, copy_folder, copy_item
from ._copy_wikis import WikiCopied, WikiRewrite, WikiTask, copy_wiki, rewrite, rewrite_page
from ._executor import Pipeline
from .results import CopyResult, CopyResults

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["CopyRun", "children_by_name", "copy_wikis"]


class CopyRun:
    """The state of one copy: results, the old -> new id map, the owners whose wikis are to be copied."""

    def __init__(
        self,
        conn: Connection,
        pipeline: Pipeline,
        options: Options,
        kinds: dict[str, bool],
        shard: tuple[int, int] | None,
        bar: Overall,
    ) -> None:
        self.conn, self.pipeline, self.options, self.kinds, self.shard = conn, pipeline, options, kinds, shard
        self.bar = bar
        self.results = CopyResults()
        self.mapping: dict[str, str] = {}
        self.wiki_owners: list[tuple[str, str]] = []
        self.deferred: list[ItemTask] = []
        self.created: set[str] = set()
        """Folders made by this copy: nothing in them can clash, so they are not listed."""

    def existing_in(self, container_id: str) -> dict[str, str]:
        """The children of a destination container by name (none for a folder this copy created)."""
        return {} if container_id in self.created else children_by_name(self.conn, container_id)

    def take(self, outcome: CopyOutcome) -> None:
        result = outcome.result
        self.results.append(result)
        self.bar.done(1)
        if result.kind == "Folder" and result.status == "copied" and result.new_id is not None:
            self.created.add(result.new_id)
        if result.new_id is not None:
            self.mapping[result.source_id] = result.new_id
            if outcome.has_wiki:
                self.wiki_owners.append((result.source_id, result.new_id))

    def failed(self, items: list[tuple[str, str, str]]) -> Callable[[BaseException], None]:
        def record(exc: BaseException) -> None:
            self.bar.done(len(items))
            for source_id, kind, path in items:
                self.results.append(CopyResult(source_id, kind, "failed", path=path, error=exc))

        return record

    def submit(self, function: Any, task: Any, items: list[tuple[str, str, str]], many: bool = False) -> None:
        def take_all(outcomes: list[CopyOutcome]) -> None:
            for outcome in outcomes:
                self.take(outcome)

        self.bar.expect(len(items))
        self.pipeline.submit(function, task, take_all if many else self.take, self.failed(items))

    def item(
        self, header: EntityHeader, kind: str, path: str, parent_id: str, existing: dict[str, str]
    ) -> None:
        task = ItemTask(
            source_id=header.id,
            kind=kind,
            name=header.name,
            path=path,
            parent_id=parent_id,
            existing_id=existing.get(header.name),
            options=self.options,
        )
        if kind in ("View", "Link"):
            self.deferred.append(task)  # their targets must be copied first
        else:
            self.submit(copy_folder if kind == "Folder" else copy_item, task, [(header.id, kind, path)])


def children_by_name(conn: Connection, container_id: str) -> dict[str, str]:
    """A container's children: name -> id."""
    return {header.name: header.id for header in _internals.children(conn, container_id)}


def copy_wikis(run: CopyRun) -> None:
    """Copy the wiki of every copied owner, then rewrite the links of the copied pages."""
    copied: list[tuple[str, str, WikiCopied]] = []

    def copied_one(pair: tuple[str, str]) -> Callable[[WikiCopied], None]:
        def done(outcome: WikiCopied) -> None:
            run.results.extend(outcome.results)
            copied.append((*pair, outcome))

        return done

    def rewritten(result: CopyResult) -> None:
        if result.error is not None:  # a page whose links could not be rewritten
            run.results.append(result)

    for source_owner, target_owner in run.wiki_owners:
        task = WikiTask(source_owner, target_owner, run.options.on_clash)
        run.pipeline.submit(
            copy_wiki,
            task,
            copied_one((source_owner, target_owner)),
            run.failed([(f"{source_owner}/wiki", "Wiki", "")]),
        )
    run.pipeline.drain()
    pages = {(s.lower(), old): (t, new) for s, t, outcome in copied for old, new in outcome.pages.items()}
    for _, target_owner, outcome in copied:
        for page_id, text in outcome.texts.items():
            fixed = rewrite(text, run.mapping, pages)
            if fixed != text:
                run.pipeline.submit(
                    rewrite_page,
                    WikiRewrite(target_owner, page_id, fixed),
                    rewritten,
                    run.failed([(page_id, "Wiki", "")]),
                )
    run.pipeline.drain()
