"""What other areas may use of the tables area: column models, cell values, and its hook point.

* :class:`Column` (a resolved ColumnModel), ``create_column(txn, body)``, ``LIST_TYPES``;
* ``to_storage(column, value)`` (a cell's stored form, 400 when invalid) and ``parse_date(text)``;
* ``VIEW_KINDS`` / :class:`ViewKind` — how an area serves a table-like entity type whose rows it computes
  (:class:`ComputedRows` when it computes them in SQL).
"""

from .cells import LIST_TYPES, Column, parse_date, to_storage
from .hooks import VIEW_KINDS, ComputedRows, ViewKind
from .schema import create_column

__all__ = [
    "LIST_TYPES",
    "VIEW_KINDS",
    "Column",
    "ComputedRows",
    "ViewKind",
    "create_column",
    "parse_date",
    "to_storage",
]
