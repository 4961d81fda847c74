"""Tables defined by SQL over other tables: :class:`MaterializedView` (joins and unions allowed) and
:class:`VirtualTable` (one table, aggregation evaluated when queried).

Their columns are the columns of the defining SQL's result: the server derives them when the entity is
stored, and :meth:`~TableBase.schema` reads them. Rows cannot be written to them; change their sources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import attrs

from .._convert import WIRE_NAME
from ..errors import ValidationError
from ._table_base import TableBase
from .tree import EntityType

if TYPE_CHECKING:
    from ..connection import Connection

__all__ = ["MaterializedView", "VirtualTable"]


def _sql(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("defining_sql", value, "a defining SQL is a string like 'SELECT * FROM syn123'")
    return value


@attrs.define(kw_only=True)
class _DerivedTable(TableBase):
    """A table whose rows are the result of ``defining_sql``; its columns follow from that SQL."""

    _SCHEMA_BY_TRANSACTION: ClassVar[bool] = False

    defining_sql: str | None = attrs.field(default=None, converter=_sql, metadata={WIRE_NAME: "definingSQL"})
    """The Synapse SQL whose result this table is (``SELECT ... FROM syn123 ...``)."""

    def _check_storable(self) -> None:
        super()._check_storable()
        if self.defining_sql is None or not self.defining_sql.strip():
            raise ValidationError(
                "defining_sql",
                self.defining_sql,
                f"a {type(self).__name__} needs a defining SQL ('SELECT ... FROM syn123')",
            )
        if self.columns and any(c.id is None for c in self.columns):
            raise ValidationError(
                "columns",
                [c.name for c in self.columns if c.id is None],
                "the columns come from the defining SQL; change the SQL instead",
            )

    def _before_store(self, conn: Connection) -> None:
        """Nothing to create: the server derives the columns (the schema is reloaded after the store)."""

    def _after_store(self, conn: Connection) -> None:
        super()._after_store(conn)
        self.columns = None  # the server has bound the columns of the (new) SQL
        self._load_columns(conn)


@attrs.define(kw_only=True)
class MaterializedView(_DerivedTable):
    """A table that is the result of a SQL query over other tables and views (JOINs and UNIONs allowed).

    Its rows follow its sources; they cannot be written directly.

    Example:
        >>> sql = f"SELECT p.id, p.name, s.score FROM {people.id} p JOIN {scores.id} s ON p.id = s.id"
        >>> mv = MaterializedView(name="joined", parent=project, defining_sql=sql).store()
        >>> mv.query()
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.table.MaterializedView"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.MATERIALIZED_VIEW


@attrs.define(kw_only=True)
class VirtualTable(_DerivedTable):
    """A query over one table or view, evaluated each time it is queried (aggregations included).

    Its results have no row ids (``include_row_metadata`` is refused).

    Example:
        >>> counts = VirtualTable(name="per dept", parent=project,
        ...     defining_sql=f"SELECT dept, COUNT(*) AS n FROM {staff.id} GROUP BY dept").store()
        >>> counts.query()
    """

    CONCRETE_TYPE: ClassVar[str] = "org.sagebionetworks.repo.model.table.VirtualTable"
    ENTITY_TYPE: ClassVar[EntityType] = EntityType.VIRTUAL_TABLE

    _ROW_IDS: ClassVar[bool] = False
