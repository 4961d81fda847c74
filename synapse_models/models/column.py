"""Table columns: :class:`Column` (a ColumnModel) and :class:`ColumnType`."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from .._convert import READ_ONLY, WIRE_NAME, from_wire, to_wire
from ..errors import ValidationError
from ._html import Displayed

__all__ = ["Column", "ColumnType", "FacetType"]


class ColumnType(enum.Enum):
    """The type of a table column; cells travel as strings encoded per type."""

    STRING = "STRING"
    DOUBLE = "DOUBLE"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    FILEHANDLEID = "FILEHANDLEID"
    ENTITYID = "ENTITYID"
    SUBMISSIONID = "SUBMISSIONID"
    EVALUATIONID = "EVALUATIONID"
    LINK = "LINK"
    MEDIUMTEXT = "MEDIUMTEXT"
    LARGETEXT = "LARGETEXT"
    USERID = "USERID"
    STRING_LIST = "STRING_LIST"
    INTEGER_LIST = "INTEGER_LIST"
    BOOLEAN_LIST = "BOOLEAN_LIST"
    DATE_LIST = "DATE_LIST"
    ENTITYID_LIST = "ENTITYID_LIST"
    USERID_LIST = "USERID_LIST"
    JSON = "JSON"

    @property
    def is_list(self) -> bool:
        """Whether cells of this type are lists."""
        return self.value.endswith("_LIST")

    @property
    def element_type(self) -> ColumnType:
        """The type of one element of a ``_LIST`` type (the type itself otherwise)."""
        return ColumnType(self.value[:-5]) if self.is_list else self


class FacetType(enum.Enum):
    """How a column can be faceted in the web UI."""

    ENUMERATION = "enumeration"
    RANGE = "range"


_SIZED = {ColumnType.STRING, ColumnType.LINK, ColumnType.STRING_LIST}
_NO_DEFAULT = {
    ColumnType.FILEHANDLEID,
    ColumnType.ENTITYID,
    ColumnType.SUBMISSIONID,
    ColumnType.EVALUATIONID,
    ColumnType.USERID,
    ColumnType.MEDIUMTEXT,
    ColumnType.LARGETEXT,
}


def _column_type(value: ColumnType | str) -> ColumnType:
    if isinstance(value, ColumnType):
        return value
    try:
        return ColumnType(str(value).upper())
    except ValueError:
        raise ValidationError(
            "type", value, "not a column type; choose from " + ", ".join(t.value for t in ColumnType)
        ) from None


def _facet_type(value: FacetType | str | None) -> FacetType | None:
    if value is None or isinstance(value, FacetType):
        return value
    try:
        return FacetType(str(value).lower())
    except ValueError:
        raise ValidationError("facet_type", value, "choose 'enumeration' or 'range'") from None


def _check_name(_: object, __: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 256:
        raise ValidationError("name", value, "a column name has 1 to 256 characters")
    if value.upper() in ("ROW_ID", "ROW_VERSION", "ROW_ETAG", "ROW_BENEFACTOR"):
        raise ValidationError("name", value, "is a reserved system column name")


@attrs.define
class Column(Displayed):
    """One column of a table or view (a Synapse ColumnModel).

    Column models are immutable on the server: changing a stored column's name or type makes a new model, and
    ``Table.store()`` swaps it in through a schema change.

    Example:
        >>> Column("age", ColumnType.INTEGER)
        >>> Column("tissue", "STRING", maximum_size=40, enum_values=["brain", "liver"])
    """

    name: str = attrs.field(validator=_check_name)
    """The column name (unique in its table)."""
    type: ColumnType = attrs.field(converter=_column_type, metadata={WIRE_NAME: "columnType"})
    """The column type."""
    maximum_size: int | None = attrs.field(default=None, kw_only=True)
    """Longest value for STRING/LINK (and STRING_LIST elements), 1–1000 (the server's default is 50)."""
    maximum_list_length: int | None = attrs.field(default=None, kw_only=True)
    """Most elements in a ``_LIST`` cell, 1–100 (default 100)."""
    enum_values: list[str] | None = attrs.field(default=None, kw_only=True)
    """The only values allowed (at most 100)."""
    default_value: str | None = attrs.field(default=None, kw_only=True)
    """The value a new row gets when it gives none (as the cell string)."""
    facet_type: FacetType | None = attrs.field(default=None, kw_only=True, converter=_facet_type)
    """Faceting in the web UI."""
    json_sub_columns: list[dict[str, Any]] | None = attrs.field(default=None, kw_only=True)
    """Facetable sub-columns of a JSON column (``{"name", "columnType", "jsonPath"}``)."""
    id: str | None = attrs.field(default=None, init=False, metadata={READ_ONLY: True})
    """The server's id of this column model; ``None`` until created."""

    def __attrs_post_init__(self) -> None:
        if self.maximum_size is not None:
            if self.type not in _SIZED:
                raise ValidationError(
                    "maximum_size",
                    self.maximum_size,
                    f"only STRING, LINK and STRING_LIST columns take a size, not {self.type.value}",
                )
            if not 1 <= self.maximum_size <= 1000:
                raise ValidationError("maximum_size", self.maximum_size, "must be between 1 and 1000")
        if self.maximum_list_length is not None:
            if not self.type.is_list:
                raise ValidationError(
                    "maximum_list_length",
                    self.maximum_list_length,
                    f"only _LIST columns take a list length, not {self.type.value}",
                )
            if not 1 <= self.maximum_list_length <= 100:
                raise ValidationError(
                    "maximum_list_length", self.maximum_list_length, "must be between 1 and 100"
                )
        if self.enum_values is not None and len(self.enum_values) > 100:
            raise ValidationError("enum_values", f"<{len(self.enum_values)} values>", "at most 100 values")
        if self.default_value is not None and (
            self.type in _NO_DEFAULT or (self.type.is_list and self.type is not ColumnType.STRING_LIST)
        ):
            raise ValidationError(
                "default_value", self.default_value, f"{self.type.value} columns cannot have a default value"
            )

    def spec(self) -> dict[str, Any]:
        """The definition sent to the server (everything but the id); equal specs share one column model."""
        return to_wire(self)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Column:
        """Build a column from a ColumnModel JSON object."""
        return from_wire(cls, data)

    def with_id(self, column_id: str | None) -> Column:
        """This column, marked as the stored column model ``column_id``."""
        object.__setattr__(self, "id", column_id)
        return self
