"""The defining SQL of a MaterializedView or VirtualTable (REFERENCE 2.6): parsed once with sqlglot, its
sources found, its column references resolved against their schemas, its result schema derived, and rewritten
to run on an in-memory SQLite database holding one table per source (``s0``, ``s1``...; each laid out like a
row table: ``ROW_ID``, ``ROW_VERSION``, ``"c<columnId>"``...).

Supported: ``SELECT`` lists with ``*``, ``alias.*``, aliases, functions, arithmetic and aggregates; ``FROM
syn1[.3] [AS] t1`` with ``[INNER|LEFT|RIGHT|FULL] JOIN ... ON``; ``WHERE``, ``GROUP BY``, ``HAVING``,
``ORDER BY``, ``LIMIT``/``OFFSET``; ``UNION [ALL]`` of such selects.  Sub-queries and ``WITH`` are refused.

The result schema follows Synapse's rules (``SQLTranslatorUtils.getSchemaOfSelect``): a selected column keeps
its ColumnModel (renamed by its alias); an expression gets the type of its value (COUNT -> INTEGER, AVG ->
DOUBLE, MIN/MAX -> the column's...) and is named by its alias or its SQL text; a UNION takes the first
select's schema, widening sizes to the largest of the parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from ...core.errors import BadRequest
from ..tables.service import Column, Resolver, Source, infer_type

_TABLE_REF = re.compile(r"\b(FROM|JOIN)(\s+)(syn\d+(?:\.\d+)?)(?![\w.])", re.IGNORECASE)
_FIRST_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")
_QUERY_STARTS = ("SELECT", "WITH")
_DEFAULT_STRING_SIZE = 50
_MAX_STRING_SIZE = 1000


@dataclass
class SourceTable:
    """One table named by the defining SQL: where it comes from and how the query refers to it."""

    source: Source
    name: str  # ``syn1`` or ``syn1.3``, as written
    physical: str  # the in-memory table, ``s<i>``
    columns: list[Column] = field(default_factory=list)


@dataclass
class Defined:
    """A defining SQL ready to run: its sources, the SQLite query and the schema of its result.

    ``schema`` holds ColumnModel bodies without ids; ``passthrough[i]`` is true when result column ``i`` is a
    source column's stored value (else a computed value to convert to the column's stored form).
    """

    sources: list[SourceTable]
    sql: str
    schema: list[dict[str, Any]]
    passthrough: list[bool]
    aggregate: bool
    joins: bool
    union: bool


def source_tables(sql: Any, what: str) -> tuple[str, list[SourceTable]]:
    """The text with its table references replaced by placeholders, and the tables they name.

    400 with Synapse's texts when the SQL is missing, empty or does not start like a query.
    """
    if sql is None:
        raise BadRequest(f"The definingSQL of the {what} is required.")
    if not isinstance(sql, str) or sql == "":
        raise BadRequest(f"The definingSQL of the {what} is required and must not be the empty string.")
    if not sql.strip():
        raise BadRequest(f"The definingSQL of the {what} is required and must not be a blank string.")
    _check_start(sql)
    tables: list[SourceTable] = []

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(3).lower()
        entity, _, version = name[3:].partition(".")
        physical = f"s{len(tables)}"
        tables.append(SourceTable(Source(int(entity), int(version) if version else None), name, physical))
        return f"{match.group(1)}{match.group(2)}{physical}"

    text = _TABLE_REF.sub(placeholder, sql).strip().rstrip(";")
    if not tables:
        raise BadRequest(
            f"Invalid SQL: the definingSQL must select FROM a Synapse table such as syn123: {sql}"
        )
    return text, tables


def _check_start(sql: str) -> None:
    """Refuse a statement that is not a query with the parse error Synapse's SQL grammar gives."""
    match = _FIRST_TOKEN.match(sql)
    if match is None or match.group(1).upper() in _QUERY_STARTS:
        return
    before = sql[: match.start(1)]
    line = before.count("\n") + 1
    column = match.start(1) - (before.rfind("\n") + 1) + 1
    raise BadRequest(
        f'Encountered " <regular_identifier> "{match.group(1)} "" at line {line}, column {column}.\n'
        'Was expecting one of:\n    "SELECT" ...\n    "WITH" ...\n    "(" ...\n    '
    )


def parse(text: str) -> exp.Query:
    """The one SELECT (or UNION of SELECTs) of a defining SQL; 400 naming what is not supported."""
    try:
        statements = sqlglot.parse(text)
    except SqlglotError as exc:
        raise BadRequest(f"Invalid SQL: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1 or not isinstance(statements[0], (exp.Select, exp.Union)):
        raise BadRequest("Invalid SQL: the definingSQL must be one SELECT statement (or a UNION of them)")
    tree = statements[0]
    if tree.args.get("with_") is not None or tree.args.get("with") is not None:
        raise BadRequest("Invalid SQL: WITH is not supported by the local server")
    for node in tree.find_all(exp.SetOperation):
        if not isinstance(node, exp.Union):
            raise BadRequest(f"Invalid SQL: {node.key.upper()} is not supported; only UNION is")
    if any(
        isinstance(s.parent, exp.Subquery) or s.find_ancestor(exp.Subquery) for s in tree.find_all(exp.Select)
    ):
        raise BadRequest("Invalid SQL: sub-queries are not supported")
    return tree


class _SourcesResolver(Resolver):
    """A :class:`Resolver` over several source tables: ``t1.name`` or an unambiguous ``name``."""

    def __init__(self, tables: list[tuple[str, SourceTable]]) -> None:
        super().__init__([c for _, table in tables for c in table.columns], None, False)
        self.tables = tables
        self.by_reference = {reference.lower(): (reference, table) for reference, table in tables}
        for reference, table in tables:  # a table without alias is also named by its id (syn1.col)
            if reference == table.physical:
                self.by_reference.setdefault(table.name.lower(), (reference, table))

    def find(self, name: str, qualifier: str | None) -> tuple[str, Column | str] | None:
        """``(reference, column or system column)`` a possibly qualified name means; None if nothing."""
        candidates = self.tables
        if qualifier:
            named = self.by_reference.get(qualifier.lower())
            if named is None:
                raise BadRequest(f"Column does not exist: {qualifier}.{name}")
            candidates = [named]
        found: list[tuple[str, Column | str]] = []
        for reference, table in candidates:
            exact = [c for c in table.columns if c.name == name]
            loose = [c for c in table.columns if c.name.lower() == name.lower()]
            if exact or len(loose) == 1:
                found.append((reference, (exact or loose)[0]))
            elif name.upper() in ("ROW_ID", "ROW_VERSION"):
                found.append((reference, name.upper()))
        if len(found) > 1:
            raise BadRequest(f"Column reference '{name}' is ambiguous; qualify it with its table")
        return found[0] if found else None

    def lookup(self, name: str) -> Column | str | None:
        hit = self.find(name, None)
        return None if hit is None else hit[1]

    def column_of(self, node: exp.Expression) -> Column | str | None:
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            hit = self.find(node.name, node.table or None)
            return None if hit is None else hit[1]
        return None

    def node_for(self, name: str, *, allow_alias: bool) -> exp.Expression:
        return self._node(name, None, allow_alias=allow_alias)

    def column_node(self, column: exp.Column, *, allow_alias: bool) -> exp.Expression:
        return self._node(column.name, column.table or None, allow_alias=allow_alias)

    def _node(self, name: str, qualifier: str | None, *, allow_alias: bool) -> exp.Expression:
        hit = self.find(name, qualifier)
        if hit is None:
            if allow_alias and qualifier is None and name in self.aliases:
                return self.aliases[name].copy()
            raise BadRequest(f"Column does not exist: {name}")
        reference, found = hit
        sql_name = found.sql_name if isinstance(found, Column) else found
        return exp.column(sql_name, table=exp.to_identifier(reference, quoted=True), quoted=True)


def _select_tables(select: exp.Select, tables: dict[str, SourceTable]) -> list[tuple[str, SourceTable]]:
    """The ``(reference, table)`` of the FROM and JOINs of one SELECT, renamed to their in-memory tables."""
    found: list[tuple[str, SourceTable]] = []
    source = select.args.get("from_") or select.args.get("from")
    nodes = [source.this] if source is not None else []
    nodes += [join.this for join in select.args.get("joins") or []]
    for node in nodes:
        if not isinstance(node, exp.Table) or node.name not in tables:
            raise BadRequest("Invalid SQL: FROM and JOIN must name Synapse tables such as syn123")
        table = tables[node.name]
        reference = node.alias or table.physical
        node.set("this", exp.to_identifier(table.physical, quoted=True))
        node.set("alias", exp.TableAlias(this=exp.to_identifier(reference, quoted=True)))
        found.append((reference, table))
    if not found:
        raise BadRequest("Invalid SQL: the query must have a FROM clause")
    return found


def _expression_model(name: str, inner: exp.Expression, resolver: _SourcesResolver) -> dict[str, Any]:
    column_type, encoding = infer_type(inner, resolver)
    if encoding is not None and column_type == encoding.type:
        return {**_model(encoding), "name": name}
    column_type = column_type or "STRING"
    model: dict[str, Any] = {"name": name, "columnType": column_type}
    if column_type == "STRING":
        sizes = [c.max_size or _DEFAULT_STRING_SIZE for c in _columns_in(inner, resolver) if c.max_size]
        texts = [len(str(lit.this)) for lit in inner.find_all(exp.Literal) if lit.is_string]
        model["maximumSize"] = min(_MAX_STRING_SIZE, max(_DEFAULT_STRING_SIZE, sum(sizes) + sum(texts)))
    return model


def _columns_in(node: exp.Expression, resolver: _SourcesResolver) -> list[Column]:
    return [c for col in node.find_all(exp.Column) if isinstance(c := resolver.column_of(col), Column)]


def _model(column: Column) -> dict[str, Any]:
    return {k: v for k, v in column.body.items() if k != "id"}


def _output(node: exp.Expression, position: int) -> exp.Expression:
    """The projection of result column ``position`` (named ``o<position>`` in the in-memory query)."""
    return exp.Alias(this=node, alias=exp.to_identifier(f"o{position}", quoted=True))


def _translate_select(
    select: exp.Select, tables: dict[str, SourceTable]
) -> tuple[list[dict[str, Any]], list[bool], bool]:
    """Resolve one SELECT in place (columns -> ``ref."c<id>"``); return its schema, passthrough flags and
    whether it aggregates."""
    resolver = _SourcesResolver(_select_tables(select, tables))
    projections: list[exp.Expression] = []
    schema: list[dict[str, Any]] = []
    passthrough: list[bool] = []
    for item in select.expressions:
        inner = item.this if isinstance(item, exp.Alias) else item
        star = isinstance(inner, exp.Star) or (
            isinstance(inner, exp.Column) and isinstance(inner.this, exp.Star)
        )
        if star:
            qualifier = inner.table if isinstance(inner, exp.Column) else None
            for reference, table in resolver.tables:
                if qualifier and reference.lower() != qualifier.lower():
                    continue
                # Synapse expands * to alias."col" (or syn1."col" when several tables have no alias)
                shown = reference if reference != table.physical else table.name
                prefix = f"{shown}." if reference != table.physical or len(resolver.tables) > 1 else ""
                for column in table.columns:
                    node = exp.column(
                        column.sql_name, table=exp.to_identifier(reference, quoted=True), quoted=True
                    )
                    projections.append(_output(node, len(projections)))
                    schema.append({**_model(column), "name": prefix + column.name})
                    passthrough.append(True)
            continue
        found = resolver.column_of(inner)
        if isinstance(item, exp.Alias):
            name = item.alias
        elif isinstance(inner, exp.Column):  # a column is named as written, without quotes
            name = f"{inner.table}.{inner.name}" if inner.table else inner.name
        else:
            name = inner.sql()
        if isinstance(found, Column):
            schema.append({**_model(found), "name": name})
            passthrough.append(True)
        else:
            schema.append(_expression_model(name, inner, resolver))
            passthrough.append(False)
        resolved = resolver.resolve(inner.copy())
        if isinstance(item, exp.Alias):
            resolver.aliases[item.alias] = resolved.copy()
        projections.append(_output(resolved, len(projections)))
    if not projections:
        raise BadRequest("Invalid SQL: the select list is empty")
    select.set("expressions", projections)
    for join in select.args.get("joins") or []:
        if join.args.get("on") is not None:
            join.set("on", resolver.resolve(join.args["on"]))
        if join.args.get("using"):
            raise BadRequest("Invalid SQL: JOIN ... USING is not supported; use ON")
    resolver.resolve_filters(select)
    order = select.args.get("order")
    if order is not None:
        for ordered in order.expressions:
            ordered.set("this", resolver.resolve(ordered.this, allow_alias=True))
    grouped = select.args.get("group") is not None
    aggregate = grouped or any(p.find(exp.AggFunc) is not None for p in projections)
    return schema, passthrough, aggregate


def _widen(first: list[dict[str, Any]], other: list[dict[str, Any]]) -> None:
    if len(first) != len(other):
        raise BadRequest("Invalid SQL: each SELECT of a UNION must select the same number of columns")
    for mine, theirs in zip(first, other, strict=True):
        for key in ("maximumSize", "maximumListLength"):
            if theirs.get(key) is not None and (mine.get(key) or 0) < theirs[key]:
                mine[key] = theirs[key]


def _order_union(tree: exp.Union, schema: list[dict[str, Any]]) -> None:
    """ORDER BY of a UNION names result columns: point it at the in-memory output names."""
    order = tree.args.get("order")
    if order is None:
        return
    names = {model["name"].lower(): f"o{i}" for i, model in enumerate(schema)}
    for ordered in order.expressions:
        target = ordered.this
        if not isinstance(target, exp.Column) or target.name.lower() not in names:
            raise BadRequest("Invalid SQL: the ORDER BY of a UNION must name result columns")
        ordered.set("this", exp.column(names[target.name.lower()], quoted=True))


def translate(text: str, tables: list[SourceTable]) -> Defined:
    """Translate a defining SQL (placeholders in, sources' columns known) for the in-memory database."""
    tree = parse(text)
    by_name = {table.physical: table for table in tables}
    selects = [tree] if isinstance(tree, exp.Select) else list(tree.find_all(exp.Select))
    schema: list[dict[str, Any]] | None = None
    passthrough: list[bool] = []
    aggregate = joins = False
    for select in selects:
        part, flags, part_aggregate = _translate_select(select, by_name)
        aggregate = aggregate or part_aggregate
        joins = joins or bool(select.args.get("joins"))
        if schema is None:
            schema, passthrough = part, flags
        else:
            _widen(schema, part)
            passthrough = [a and b for a, b in zip(passthrough, flags, strict=True)]
    assert schema is not None
    if isinstance(tree, exp.Union):
        _order_union(tree, schema)
    return Defined(
        tables, tree.sql(dialect="sqlite"), schema, passthrough, aggregate, joins, isinstance(tree, exp.Union)
    )
