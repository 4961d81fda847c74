"""The hook point of the evaluations area.

* :data:`EVALUATION_DELETED` — ``(txn, evaluation_id) -> None``, run when an evaluation is deleted (the wiki
  area drops the evaluation's pages).
"""

from __future__ import annotations

from collections.abc import Callable

from ...core.hooks import HookPoint
from ...core.txn import Txn

EVALUATION_DELETED: HookPoint[Callable[[Txn, int], None]] = HookPoint("evaluation_deleted")
