"""Synapse SQL -> SQLite, with sqlglot (REFERENCE 2.6 "Queries").

Supported: one ``SELECT`` over ``FROM syn123`` or ``FROM syn123.4`` (a snapshot); select lists with ``*``,
aliases, functions and arithmetic; ``DISTINCT``; ``WHERE`` with ``= <> != < > <= >= IN LIKE BETWEEN
IS [NOT] NULL AND OR NOT``; ``GROUP BY`` / ``HAVING`` with ``COUNT SUM AVG MIN MAX``; ``ORDER BY``;
``LIMIT``/``OFFSET``; ``col HAS (v1, v2)`` and ``col HAS_LIKE ('a%')`` on ``_LIST`` columns; double-quoted
column names; the system columns ``ROW_ID``, ``ROW_VERSION`` and
(views) ``ROW_ETAG``.  Literals compared with BOOLEAN, DATE and ENTITYID columns are converted to the stored
form (``'true'`` -> 1, ``'2024-01-01'`` -> epoch ms, ``'syn12'`` -> 12).

:func:`parse_source` finds the table of a query; :func:`translate` returns a :class:`Translated` query whose
rows hold values that :func:`cells.cell_text` turns into wire strings.  Every problem is a 400 whose
reason names it (``Column 'foo' does not exist``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ...core.errors import BadRequest
from .cells import Column, output_sql
from .resolver import Resolver, infer_type

_FROM = re.compile(r"\bFROM\s+(?:syn)(\d+)(?:\.(\d+))?(?=[\s;)]|$)", re.IGNORECASE)


_PLACEHOLDER = "__synapse_table__"


@dataclass(frozen=True)
class Source:
    """The table a query reads: entity id and optional snapshot version."""

    entity_id: int
    version: int | None


@dataclass
class Translated:
    """A query ready to run on the row table."""

    sql: str
    count_sql: str
    headers: list[dict[str, Any]]
    aggregate: bool
    meta_columns: list[str] = field(default_factory=list)
    meta_first: bool = False


def parse_source(sql: Any) -> Source:
    """Return the table (and version) named by ``FROM syn123[.4]``; 400 if absent."""
    if not isinstance(sql, str) or not sql.strip():
        raise BadRequest("Query.sql is required")
    match = _FROM.search(sql)
    if match is None:
        raise BadRequest(f"Invalid SQL: the query must select FROM a Synapse table such as syn123: {sql}")
    return Source(int(match.group(1)), int(match.group(2)) if match.group(2) else None)


def _quote_name(name: Any) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _quote_value(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def filters_condition(filters: Any) -> str | None:
    """Synapse SQL for ``Query.additionalFilters`` (ANDed), or None when there are none; 400 on bad input."""
    if not filters:
        return None
    if not isinstance(filters, list):
        raise BadRequest("Query.additionalFilters must be a list")
    parts = []
    for item in filters:
        if not isinstance(item, dict) or not item.get("columnName"):
            raise BadRequest("Each additional filter needs a columnName")
        values = item.get("values") or []
        if not isinstance(values, list) or not values:
            raise BadRequest(f"The filter on {item['columnName']} needs values")
        name, quoted = _quote_name(item["columnName"]), [_quote_value(v) for v in values]
        kind = str(item.get("concreteType", "")).rsplit(".", 1)[-1]
        if kind == "ColumnMultiValueFunctionQueryFilter":
            function = item.get("function")
            if function not in ("HAS", "HAS_LIKE"):
                raise BadRequest(f"Unsupported filter function: {function}")
            parts.append(f"({name} {function} ({', '.join(quoted)}))")
        elif kind == "ColumnSingleValueQueryFilter":
            operator = item.get("operator")
            if operator == "LIKE":
                parts.append("(" + " OR ".join(f"{name} LIKE {v}" for v in quoted) + ")")
            elif operator in ("EQUAL", "IN"):
                parts.append(f"({name} IN ({', '.join(quoted)}))")
            else:
                raise BadRequest(f"Unsupported filter operator: {operator}")
        else:
            raise BadRequest(f"Unsupported QueryFilter type: {item.get('concreteType')}")
    return " AND ".join(parts)


def _prepare(text: str) -> str:
    return _HAS.sub(lambda m: f"__has{'_like' if m.group(2) else ''}__({m.group(1)}, ", text)


def _parse(sql: str, condition: str | None = None) -> exp.Select:
    text = _prepare(_FROM.sub(f"FROM {_PLACEHOLDER}", sql, count=1).strip().rstrip(";"))
    try:
        statements = sqlglot.parse(text)
    except SqlglotError as exc:
        message = str(exc).split("\n")[0]
        raise BadRequest(f"Invalid SQL: {message}") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise BadRequest("Invalid SQL: only a single SELECT statement is supported")
    tree = statements[0]
    if tree.args.get("joins") or tree.args.get("with") or tree.find(exp.Subquery) is not None:
        raise BadRequest("Invalid SQL: joins and sub-queries are not supported")
    source = tree.args.get("from_") or tree.args.get("from")
    if source is None:
        raise BadRequest("Invalid SQL: the query must have a FROM clause")
    if condition is not None:
        try:
            extra = sqlglot.parse_one(_prepare(f"SELECT 1 FROM x WHERE {condition}")).args["where"].this
        except SqlglotError as exc:
            raise BadRequest(f"Invalid additionalFilters: {str(exc).splitlines()[0]}") from exc
        tree.where(extra, copy=False)
    return tree


_HAS = re.compile(r'("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s+HAS(_LIKE)?\s*\(', re.IGNORECASE)


def _int_literal(node: exp.Expression | None, what: str) -> int | None:
    if node is None:
        return None
    value = node.args.get("expression") if isinstance(node, (exp.Limit, exp.Offset)) else node
    if isinstance(value, exp.Literal) and not value.is_string and str(value.this).isdigit():
        return int(value.this)
    raise BadRequest(f"Invalid SQL: {what} must be a non-negative integer")


def translate(
    sql: str,
    columns: list[Column],
    table_name: str,
    *,
    physical: set[str] | None = None,
    is_view: bool = False,
    meta: str = "last",
    include_etag: bool = False,
    sort: list[dict[str, Any]] | None = None,
    offset: int | None = None,
    limit: int | None = None,
    filters: Any = None,
) -> Translated:
    """Translate a Synapse SQL query over ``columns`` stored in ``table_name``.

    ``meta``: where ROW_ID/ROW_VERSION(/ROW_ETAG) go for non-aggregate queries: ``"last"``, ``"first"``
    or ``"none"``.  ``offset``/``limit`` page on top of the query's own LIMIT/OFFSET.
    """
    tree = _parse(sql, filters_condition(filters))
    resolver = Resolver(columns, physical, is_view)
    projections: list[exp.Expression] = []
    headers: list[dict[str, Any]] = []
    for item in tree.expressions:
        if isinstance(item, exp.Star):
            for column in columns:
                node = resolver.node_for(column.name, allow_alias=False)
                projections.append(
                    exp.maybe_parse(output_sql(column.type, node.sql(dialect="sqlite")), dialect="sqlite")
                )
                headers.append({"name": column.name, "columnType": column.type, "id": column.id})
            continue
        inner = item.this if isinstance(item, exp.Alias) else item
        name = item.alias if isinstance(item, exp.Alias) else inner.sql()
        found = resolver.column_of(inner)
        if isinstance(found, Column) and not isinstance(item, exp.Alias):
            name = found.name
        column_type, encoding = infer_type(inner, resolver)
        header: dict[str, Any] = {"name": name, "columnType": column_type}
        if isinstance(found, Column):
            header["id"] = found.id
        headers.append(header)
        resolved = resolver.resolve(inner.copy())
        if isinstance(item, exp.Alias):
            resolver.aliases[item.alias] = resolved.copy()
        text = resolved.sql(dialect="sqlite")
        if encoding is not None:
            text = output_sql(encoding.type, text)
        projections.append(exp.maybe_parse(text, dialect="sqlite"))
    if not projections:
        raise BadRequest("Invalid SQL: the select list is empty")
    resolver.resolve_filters(tree)
    order_items: list[exp.Expression] = []
    for item in sort or []:
        if not isinstance(item, dict) or not isinstance(item.get("column"), str):
            raise BadRequest("Query.sort items need a column name")
        direction = str(item.get("direction") or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise BadRequest(f"Invalid sort direction: {item.get('direction')}")
        node = resolver.node_for(item["column"], allow_alias=True)
        order_items.append(exp.Ordered(this=node, desc=direction == "DESC"))
    order = tree.args.get("order")
    if order is not None:
        for ordered in order.expressions:
            ordered.set("this", resolver.resolve(ordered.this, allow_alias=True))
            order_items.append(ordered)
    aggregate = (
        tree.args.get("group") is not None
        or bool(tree.args.get("distinct"))
        or any(p.find(exp.AggFunc) is not None for p in projections)
    )
    meta_columns: list[str] = []
    if not aggregate and meta != "none":
        meta_columns = ["ROW_ID", "ROW_VERSION"] + (["ROW_ETAG"] if is_view and include_etag else [])
        meta_nodes: list[exp.Expression] = [exp.column(name) for name in meta_columns]
        projections = meta_nodes + projections if meta == "first" else projections + meta_nodes
    tree.set("expressions", projections)
    tree.set("order", exp.Order(expressions=order_items) if order_items else None)
    own_limit = _int_literal(tree.args.get("limit"), "LIMIT")
    own_offset = _int_literal(tree.args.get("offset"), "OFFSET")
    tree.set("limit", None)
    tree.set("offset", None)
    table = exp.to_table(table_name)
    table.set("this", exp.to_identifier(table_name, quoted=True))
    from_key = "from_" if "from_" in tree.args else "from"
    tree.set(from_key, exp.From(this=table))
    base = tree.sql(dialect="sqlite")
    count_sql = f"SELECT COUNT(*) FROM ({_paged(base, own_offset, own_limit)})"
    start = (own_offset or 0) + (offset or 0)
    if own_limit is not None:
        remaining = max(own_limit - (offset or 0), 0)
        final_limit: int | None = remaining if limit is None else min(remaining, limit)
    else:
        final_limit = limit
    return Translated(
        sql=_paged(base, start, final_limit),
        count_sql=count_sql,
        headers=headers,
        aggregate=aggregate,
        meta_columns=meta_columns,
        meta_first=meta == "first",
    )


def _paged(base: str, offset: int | None, limit: int | None) -> str:
    if limit is None and not offset:
        return base
    return f"{base} LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset or 0)}"
