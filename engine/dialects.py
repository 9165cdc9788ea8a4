"""Every difference between the engines' SQL dialects, in one place.

Rules are written in DuckDB's dialect, using only portable functions (`sql.ALLOWED_FUNCTIONS`)
and a few engine macros that this module expands per engine:

- `month_index(d)`      months since year 0: `year(d) * 12 + month(d)`. Month arithmetic on
                        periods without `date_diff`, whose month boundaries Spark counts differently.
- `month_start(d)`      the first day of d's month, as a DATE.
- `age_at(birth, day)`  full years on `day` (the contract's "age at a period" with the period's
                        first day).
- `id_digit_diff(a, b)` how many of the first 17 characters of two ID numbers differ.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

ENGINES = ("duckdb", "spark")
MACROS = ("month_index", "month_start", "age_at", "id_digit_diff")


def _month_index(args: list[exp.Expression], engine: str) -> exp.Expression:
    (d,) = args
    return exp.paren(exp.Add(this=exp.Mul(this=exp.Year(this=d.copy()), expression=exp.Literal.number(12)),
                             expression=exp.Month(this=d.copy())))


def _month_start(args: list[exp.Expression], engine: str) -> exp.Expression:
    (d,) = args
    # make_date exists in both engines under the same name and returns a DATE in both.
    return exp.Anonymous(this="make_date", expressions=[exp.Year(this=d.copy()), exp.Month(this=d.copy()),
                                                        exp.Literal.number(1)])


def _age_at(args: list[exp.Expression], engine: str) -> exp.Expression:
    birth, day = args
    not_yet = exp.or_(
        exp.GT(this=exp.Month(this=birth.copy()), expression=exp.Month(this=day.copy())),
        exp.and_(
            exp.EQ(this=exp.Month(this=birth.copy()), expression=exp.Month(this=day.copy())),
            exp.GT(this=exp.Day(this=birth.copy()), expression=exp.Day(this=day.copy())),
        ),
    )
    years = exp.Sub(this=exp.Year(this=day.copy()), expression=exp.Year(this=birth.copy()))
    correction = exp.Case(ifs=[exp.If(this=exp.paren(not_yet), true=exp.Literal.number(1))],
                          default=exp.Literal.number(0))
    return exp.paren(exp.Sub(this=years, expression=correction))


def _id_digit_diff(args: list[exp.Expression], engine: str) -> exp.Expression:
    a, b = args
    total: exp.Expression | None = None
    for i in range(1, 18):
        differs = exp.NEQ(
            this=exp.Substring(this=a.copy(), start=exp.Literal.number(i), length=exp.Literal.number(1)),
            expression=exp.Substring(this=b.copy(), start=exp.Literal.number(i), length=exp.Literal.number(1)),
        )
        term = exp.Case(ifs=[exp.If(this=differs, true=exp.Literal.number(1))], default=exp.Literal.number(0))
        total = term if total is None else exp.Add(this=total, expression=term)
    assert total is not None
    return exp.paren(total)


EXPANSIONS: dict[str, Callable[[list[exp.Expression], str], exp.Expression]] = {
    "month_index": _month_index,
    "month_start": _month_start,
    "age_at": _age_at,
    "id_digit_diff": _id_digit_diff,
}
ARITY = {"month_index": 1, "month_start": 1, "age_at": 2, "id_digit_diff": 2}


def expand_macros(tree: exp.Expression, engine: str) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in EXPANSIONS:
            return EXPANSIONS[node.name.lower()](list(node.expressions), engine)
        return node

    return tree.transform(replace)


def emit(tree: exp.Expression, engine: str) -> str:
    """SQL text for an engine from a validated, parameter-bound DuckDB-dialect tree."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    return expand_macros(tree.copy(), engine).sql(dialect=engine)
