"""What other areas may use of the tables area: column models, cell values, sources and its hook point.

* :class:`Column` (a resolved ColumnModel), ``create_column(txn, body)``, ``resolve_columns``,
  ``LIST_TYPES``;
* ``to_storage(column, value)`` (a cell's stored form, 400 when invalid) and ``parse_date(text)``;
* sources of queries: :class:`Source` (``FROM syn1[.3]``), ``table_record``, ``schema_of``,
  ``source_rows`` (what the caller may read of a table or view, in stored form);
* the SQL layer's name resolution (:class:`Resolver`, ``infer_type``), for areas that translate SQL of
  their own (a MaterializedView's defining SQL);
* ``VIEW_KINDS`` / :class:`ViewKind` / ``view_kind`` — how an area serves a table-like entity type whose rows
  it computes (:class:`ComputedRows` when it computes them in SQL).
"""

from .cells import LIST_TYPES, Column, parse_date, to_storage
from .columns import resolve_columns
from .hooks import VIEW_KINDS, ComputedRows, ViewKind, view_kind
from .resolver import Resolver, infer_type
from .schema import create_column
from .sources import schema_of, source_rows, table_record
from .sql import Source

__all__ = [
    "LIST_TYPES",
    "VIEW_KINDS",
    "Column",
    "ComputedRows",
    "Resolver",
    "Source",
    "ViewKind",
    "create_column",
    "infer_type",
    "parse_date",
    "resolve_columns",
    "schema_of",
    "source_rows",
    "table_record",
    "to_storage",
    "view_kind",
]
