"""Names and literals of a Synapse SQL query (REFERENCE 2.6): which column or system column a name means,
``HAS``/``HAS_LIKE`` on ``_LIST`` columns, literals converted to the stored form of the column they are
compared with, and the type of a select expression.  ``sql.translate`` drives it.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from ...core.errors import BadRequest
from .cells import LIST_TYPES, Column, to_storage

_COERCED_TYPES = frozenset(
    {
        "BOOLEAN",
        "DATE",
        "ENTITYID",
        "INTEGER",
        "DOUBLE",
        "USERID",
        "FILEHANDLEID",
        "SUBMISSIONID",
        "EVALUATIONID",
    }
)


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


_STRING_FUNCS = (exp.Upper, exp.Lower, exp.Concat, exp.Substring, exp.Trim, exp.DPipe)


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)


class Resolver:
    def __init__(self, columns: list[Column], physical: set[str] | None, is_view: bool) -> None:
        self.columns = columns
        self.physical = physical
        self.is_view = is_view
        self.by_name = {c.name: c for c in columns}
        self.by_lower: dict[str, list[Column]] = {}
        for column in columns:
            self.by_lower.setdefault(column.name.lower(), []).append(column)
        self.aliases: dict[str, exp.Expression] = {}

    def lookup(self, name: str) -> Column | str | None:
        """A schema column, a system column name, or None."""
        column = self.by_name.get(name)
        if column is not None:
            return column
        upper = name.upper()
        if upper in ("ROW_ID", "ROW_VERSION") or (upper == "ROW_ETAG" and self.is_view):
            return upper
        matches = self.by_lower.get(name.lower(), [])
        return matches[0] if len(matches) == 1 else None

    def node_for(self, name: str, *, allow_alias: bool) -> exp.Expression:
        found = self.lookup(name)
        if isinstance(found, Column):
            if self.physical is not None and found.sql_name not in self.physical:
                return exp.Null()
            return exp.column(found.sql_name, quoted=True)
        if isinstance(found, str):
            return exp.column(found)
        if allow_alias and name in self.aliases:
            return self.aliases[name].copy()
        raise BadRequest(f"Column '{name}' does not exist")

    def column_node(self, column: exp.Column, *, allow_alias: bool) -> exp.Expression:
        """The stored column a column reference of the query means (a single table: no qualifier)."""
        if column.table:
            raise BadRequest(f"Column '{column.sql()}' does not exist")
        return self.node_for(column.name, allow_alias=allow_alias)

    def resolve(self, node: exp.Expression, *, allow_alias: bool = False) -> exp.Expression:
        """Replace column references in ``node`` (returns the possibly new root)."""
        _coerce_literals(node, self)
        lists: dict[str, tuple[str, list[Any]]] = {}

        def swap(sub: exp.Expression) -> exp.Expression:
            if isinstance(sub, exp.Anonymous) and str(sub.name).lower() in HAS_FUNCTIONS:
                return self._has(sub, lists)
            if isinstance(sub, exp.Column):
                return self.column_node(sub, allow_alias=allow_alias)
            return sub

        root = node.transform(swap, copy=False)
        if not lists:
            return root

        def expand(sub: exp.Expression) -> exp.Expression:
            if isinstance(sub, exp.Anonymous) and str(sub.name) in lists:
                target, items = lists[str(sub.name)]
                return _has_sql(target, str(sub.name).split("_")[3], items)
            return sub

        return root.transform(expand, copy=False)

    def resolve_filters(self, select: exp.Expression) -> None:
        """Resolve a query's WHERE, HAVING and GROUP BY in place (HAVING and GROUP BY may name aliases)."""
        for key in ("where", "having"):
            clause = select.args.get(key)
            if clause is not None:
                clause.set("this", self.resolve(clause.this, allow_alias=key == "having"))
        group = select.args.get("group")
        if group is not None:
            group.set("expressions", [self.resolve(e, allow_alias=True) for e in list(group.expressions)])

    def _has(self, node: exp.Anonymous, lists: dict[str, tuple[str, list[Any]]]) -> exp.Expression:
        """``col HAS (...)``: a placeholder expanded after the other columns are swapped."""
        args = list(node.expressions)
        found = self.column_of(args[0]) if args else None
        if not isinstance(found, Column) or found.type not in LIST_TYPES:
            raise BadRequest("Invalid SQL: HAS and HAS_LIKE need a _LIST column on their left")
        element = Column(found.id, found.name, found.base_type, found.max_size, None, None, None, {})
        like = str(node.name).lower() == "__has_like__"
        items: list[Any] = []
        for arg in args[1:]:
            raw = _literal_value(arg)
            if raw is None:
                raise BadRequest("Invalid SQL: HAS values must be literals")
            stored = raw if like else to_storage(element, raw)
            if found.base_type == "BOOLEAN" and not like:
                stored = 1 if stored == "true" else 0
            if found.base_type == "ENTITYID" and not like:
                stored = f"syn{stored}"
            items.append(stored)
        target = self.node_for(found.name, allow_alias=False).sql(dialect="sqlite")
        key = f"__hasready_{'like' if like else 'in'}_{len(lists)}"
        lists[key] = (target, items)
        return exp.Anonymous(this=key, expressions=[])

    def column_of(self, node: exp.Expression) -> Column | str | None:
        if isinstance(node, exp.Column) and not node.table:
            return self.lookup(node.name)
        return None


HAS_FUNCTIONS = ("__has__", "__has_like__")


def _has_sql(target: str, mode: str, items: list[Any]) -> exp.Expression:
    """EXISTS over the JSON array elements of ``target`` (IN the items, or LIKE any of them)."""
    literals = [_stored_literal(i).sql(dialect="sqlite") for i in items]
    if mode == "like":
        condition = " OR ".join(f"value LIKE {lit}" for lit in literals) or "0"
    else:
        condition = f"value IN ({', '.join(literals)})" if literals else "0"
    text = f"EXISTS (SELECT 1 FROM json_each({target}) WHERE {condition})"
    return exp.maybe_parse(text, dialect="sqlite")


def _literal_value(node: exp.Expression) -> Any:
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    if isinstance(node, exp.Literal):
        return node.this
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return "-" + str(node.this.this)
    return None


def _stored_literal(value: Any) -> exp.Expression:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            return exp.Neg(this=exp.Literal.number(-value))
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _coerce_one(column: Column, node: exp.Expression) -> None:
    raw = _literal_value(node)
    if raw is None:
        return
    stored = to_storage(column, raw)
    if stored is None:
        return
    node.replace(_stored_literal(stored))


def _coerce_literals(root: exp.Expression, resolver: Resolver) -> None:
    """Convert literals compared with BOOLEAN/DATE/ENTITYID/number columns to the stored form."""
    for node in list(root.find_all(*_COMPARISONS, exp.Between, exp.In)):
        if isinstance(node, exp.Between):
            column, others = resolver.column_of(node.this), [node.args.get("low"), node.args.get("high")]
        elif isinstance(node, exp.In):
            column, others = resolver.column_of(node.this), list(node.expressions)
        else:
            left, right = node.this, node.expression
            column, others = resolver.column_of(left), [right]
            if column is None:
                column, others = resolver.column_of(right), [left]
        if isinstance(column, Column) and column.type in _COERCED_TYPES:
            for other in others:
                if other is not None:
                    _coerce_one(column, other)


def infer_type(node: exp.Expression, resolver: Resolver) -> tuple[str | None, Column | None]:
    """(columnType, column whose output encoding applies) of a select expression (before resolution)."""
    found = resolver.column_of(node)
    if isinstance(found, Column):
        return found.type, found
    if isinstance(found, str):
        return ("STRING" if found == "ROW_ETAG" else "INTEGER"), None
    if isinstance(node, exp.Count):
        return "INTEGER", None
    if isinstance(node, exp.Avg):
        return "DOUBLE", None
    if isinstance(node, (exp.Sum, exp.Min, exp.Max)):
        inner = resolver.column_of(node.this)
        if isinstance(inner, Column):
            if isinstance(node, exp.Sum):
                return ("INTEGER" if inner.type == "INTEGER" else "DOUBLE"), None
            return inner.type, inner
        if isinstance(inner, str):
            return "INTEGER", None
        return "DOUBLE", None
    if isinstance(node, _STRING_FUNCS):
        return "STRING", None
    if isinstance(node, _ARITHMETIC):
        return "DOUBLE", None
    if isinstance(node, exp.Literal):
        return ("STRING" if node.is_string else "DOUBLE"), None
    return None, None
