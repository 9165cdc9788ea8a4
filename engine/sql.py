"""Analyst SQL, made safe and portable: parse, validate, bind parameters, compile per engine.

A rule's query must be one SELECT (CTEs and subqueries allowed) over the rule's declared dataset
aliases, using only functions that behave the same on every engine. Parameters are written
`$name` and bound as typed literals, never by string formatting.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from engine import dialects

if TYPE_CHECKING:
    from engine.rules import Rule

# sqlglot expression classes of functions and operators that passed the cross-engine tests.
ALLOWED_FUNCTIONS: frozenset[type[exp.Expression]] = frozenset({
    exp.And, exp.Or, exp.Not, exp.Xor,
    exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg,
    exp.Coalesce, exp.Case, exp.If, exp.Cast, exp.Nullif, exp.Greatest, exp.Least,
    exp.Abs, exp.Round, exp.Floor, exp.Ceil,
    exp.Year, exp.Month, exp.Day, exp.LastDay,
    exp.Substring, exp.Length, exp.Upper, exp.Lower, exp.Trim, exp.Concat, exp.DPipe,
    exp.ArrayContains, exp.LogicalOr, exp.LogicalAnd, exp.Exists,
})
ALLOWED_NODES_ALSO: frozenset[type[exp.Expression]] = frozenset({exp.Distinct})


class QueryError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


def parse(text: str) -> exp.Expression:
    try:
        statements = sqlglot.parse(text, read="duckdb")
    except ParseError as exc:
        raise QueryError(f"SQL 语法错误：{exc}", f"SQL syntax error: {exc}") from None
    found = [s for s in statements if s is not None]
    if len(found) != 1:
        raise QueryError(f"只允许一条 SELECT 语句，发现 {len(found)} 条",
                         f"exactly one SELECT statement is allowed, found {len(found)}")
    return found[0]  # type: ignore[return-value]


def validate(tree: exp.Expression, aliases: set[str], *, top_level_select: bool = True) -> None:
    """Reject anything but a SELECT over the aliases with allow-listed functions."""
    if top_level_select and not isinstance(tree, exp.Select):
        raise QueryError(f"只允许 SELECT 查询，发现 {type(tree).__name__}",
                         f"only a SELECT query is allowed, found {type(tree).__name__}")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier) or node.args.get("db") or node.args.get("catalog"):
                raise QueryError(f"不允许的数据来源：{node.sql('duckdb')}",
                                 f"data source not allowed: {node.sql('duckdb')}")
            if node.name not in aliases | ctes:
                raise QueryError(
                    f"表 {node.name} 不是规则声明的数据集别名(可用：{', '.join(sorted(aliases))})",
                    f"table {node.name} is not a declared dataset alias (known: {', '.join(sorted(aliases))})",
                )
        elif isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name not in dialects.MACROS:
                raise QueryError(f"不允许的函数 {node.name}：各引擎结果可能不同",
                                 f"function {node.name} is not allowed: it may differ between engines")
            if len(node.expressions) != dialects.ARITY[name]:
                raise QueryError(f"函数 {name} 需要 {dialects.ARITY[name]} 个参数",
                                 f"function {name} takes {dialects.ARITY[name]} arguments")
        elif isinstance(node, exp.Func) and type(node) not in ALLOWED_FUNCTIONS:
            fname = node.sql_name() if hasattr(node, "sql_name") else type(node).__name__
            raise QueryError(f"不允许的函数 {fname}：各引擎结果可能不同",
                             f"function {fname} is not allowed: it may differ between engines")
        elif isinstance(node, exp.Window | exp.Command | exp.Create | exp.Insert | exp.Delete
                        | exp.Update | exp.Drop | exp.Pragma | exp.Set | exp.Copy):
            raise QueryError(f"不允许的语句成分 {type(node).__name__}",
                             f"construct not allowed: {type(node).__name__}")


def literal(value: Any) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | Decimal | float):
        return exp.Literal.number(str(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list):
        return exp.Tuple(expressions=[literal(v) for v in value])
    raise QueryError(f"无法绑定的参数值 {value!r}", f"cannot bind parameter value {value!r}")


def bind(tree: exp.Expression, params: dict[str, Any]) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        # `x IN $list` with an empty list: Spark rejects `IN ()`, so it becomes plain FALSE.
        field = node.args.get("field") if isinstance(node, exp.In) else None
        if isinstance(field, exp.Placeholder | exp.Parameter) and params.get(field.name) == []:
            return exp.false()
        if isinstance(node, exp.Placeholder | exp.Parameter):
            name = node.name
            if name not in params:
                raise QueryError(f"查询使用了未声明的参数 ${name}", f"the query uses undeclared parameter ${name}")
            return literal(params[name])
        return node

    return tree.transform(replace)


def compile_rule(rule: Rule, params: dict[str, Any], engine: str) -> str:
    """The rule's query for an engine, wrapped to compute each row's level from `level_when`."""
    aliases = {d.alias for d in rule.datasets}
    try:
        text = rule.query_overrides.get(engine, rule.query)
        tree = parse(text)
        validate(tree, aliases)
        tree = bind(tree, params)
        branches = []
        for level in ("high", "medium", "low"):
            condition = rule.level_when.get(level)
            if condition:
                cond_tree = parse(f"SELECT {condition}").expressions[0]
                validate(cond_tree, set(), top_level_select=False)
                branches.append(exp.If(this=bind(cond_tree, params), true=exp.Literal.string(level)))
        level_expr: exp.Expression = (
            exp.Case(ifs=branches, default=exp.Literal.string(rule.level)) if branches
            else exp.Literal.string(rule.level)
        )
        assert isinstance(tree, exp.Select)
        wrapped = exp.select(exp.Star(), exp.alias_(level_expr, "_level")).from_(tree.subquery("q"))
        return dialects.emit(wrapped, engine)
    except QueryError as problem:
        from engine.rules import RuleError

        raise RuleError(str(rule.path), problem.zh, problem.en) from None
