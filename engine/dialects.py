"""Every difference between the engines' SQL dialects, in one place.

Rules are written in DuckDB's dialect, using only portable functions (`sql.ALLOWED_FUNCTIONS`)
and a few engine macros that this module expands per engine:

- `month_index(d)`      months since year 0: `year(d) * 12 + month(d)`. Month arithmetic on
                        periods without `date_diff`, whose month boundaries Spark counts differently.
- `month_start(d)`      the first day of d's month, as a DATE.
- `age_at(birth, day)`  full years on `day` (the contract's "age at a period" with the period's
                        first day).
- `id_digit_diff(a, b)` how many of the first 17 characters of two ID numbers differ.

sqlglot transpiles the rest (`list_contains` -> `array_contains`, `//` -> `DIV`, `||`, `concat`,
`CAST(x AS DECIMAL)` -> `DECIMAL(18, 3)`, `ORDER BY ... NULLS LAST`, string escapes). What it
translates word for word but Spark computes differently is rewritten by `_spark_fixes`:

- `list_contains(l, x)`  DuckDB ignores NULL elements; Spark's `array_contains` says NULL when the
                         array holds a NULL and not x. Spark: `array_contains(array_compact(l), x)`.
- `a / b`                DOUBLE in DuckDB whatever the operands (decimals too), and IEEE on a zero
                         divisor (inf, -inf, nan); Spark divides decimals as DECIMAL and fails on
                         zero. Spark: both operands as DOUBLE, a zero divisor gives `a * inf`.
- `avg(x)`               DOUBLE in DuckDB, DECIMAL for decimals in Spark. Spark: `avg(CAST(x AS DOUBLE))`.
- `CAST(x AS INTEGER)`   DuckDB rounds (3.7 -> 4), Spark truncates (3). Spark: through
                         `round(CAST(x AS DECIMAL(38, 10)))`, which also takes booleans and strings.
                         Left over: a DOUBLE exactly halfway (2.5) rounds to even in DuckDB (2), up
                         on Spark (3).
- `x LIKE pattern`       DuckDB has no escape character unless told; Spark's default is the
                         backslash. Spark: a literal pattern holding a backslash gets an explicit
                         `ESCAPE` of a character it does not contain.

Spark runs in ANSI mode (`engine.backends.spark`), so overflow, malformed casts and impossible
dates fail there as they do in DuckDB rather than giving NULL or wrapping around.
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
    expanded = expand_macros(tree.copy(), engine)
    if engine == "spark":
        expanded = _spark_fixes(expanded)
    return expanded.sql(dialect=engine)


# -- Spark: what sqlglot translates word for word but Spark computes differently ------------------

_INTEGER_TYPES = frozenset({exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.INT,
                            exp.DataType.Type.BIGINT})
_KNOWN_INTEGERS = (exp.Count, exp.Year, exp.Month, exp.Day, exp.Length, exp.Null)
_ESCAPE_CANDIDATES = "!#~^|@"


def _as_double(node: exp.Expression) -> exp.Expression:
    return exp.cast(node.copy(), exp.DataType.build("DOUBLE"))


def _spark_division(node: exp.Div) -> exp.Expression:
    """DuckDB's `/`: DOUBLE, and IEEE on a zero divisor (x / 0 = inf, -inf or nan)."""
    numerator, denominator = _as_double(node.this), _as_double(node.expression)
    infinity = exp.cast(exp.Literal.string("Infinity"), exp.DataType.build("DOUBLE"))
    return exp.Case(  # CASE ... END needs no parentheses
        ifs=[exp.If(this=exp.EQ(this=denominator, expression=exp.Literal.number(0)),
                    true=exp.Mul(this=numerator, expression=infinity))],
        # try_divide: the branch above handles zero; this keeps ANSI mode from failing on it anyway
        default=exp.Anonymous(this="try_divide", expressions=[numerator.copy(), denominator.copy()]),
    )


def _spark_integer_cast(node: exp.Cast) -> exp.Expression:
    """DuckDB rounds to the nearest integer (half away from zero for decimals); Spark truncates."""
    operand = node.this
    is_integer_literal = isinstance(operand, exp.Literal) and not operand.is_string and operand.is_int
    already_integer = isinstance(operand, exp.Cast) and operand.to.this in _INTEGER_TYPES
    if is_integer_literal or already_integer or isinstance(operand, _KNOWN_INTEGERS):
        return node
    exact = exp.cast(operand.copy(), exp.DataType.build("DECIMAL(38, 10)"))
    return exp.cast(exp.Round(this=exact), node.to.copy())


def _spark_like(node: exp.Like | exp.ILike) -> exp.Expression:
    """DuckDB's LIKE has no escape character by default; Spark's is the backslash."""
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string and "\\" in pattern.this):
        return node
    escape = next((c for c in _ESCAPE_CANDIDATES if c not in pattern.this), "\x1f")
    return exp.Escape(this=node.copy(), expression=exp.Literal.string(escape))


def _spark_fix(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayContains):
        compact = exp.Anonymous(this="array_compact", expressions=[node.this.copy()])
        return exp.ArrayContains(this=compact, expression=node.expression.copy())
    if isinstance(node, exp.Div):
        return _spark_division(node)
    if isinstance(node, exp.Avg):
        argument = node.this
        if isinstance(argument, exp.Distinct):
            return exp.Avg(this=exp.Distinct(expressions=[_as_double(e) for e in argument.expressions]))
        return exp.Avg(this=_as_double(argument))
    if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast) and node.to.this in _INTEGER_TYPES:
        return _spark_integer_cast(node)
    if isinstance(node, exp.Like | exp.ILike) and not isinstance(node.parent, exp.Escape):
        return _spark_like(node)
    return node


def _spark_fixes(tree: exp.Expression) -> exp.Expression:
    """Apply `_spark_fix` children first, so that nested expressions are fixed too."""
    for node in reversed(list(tree.walk(bfs=False))):  # pre-order reversed: children before parents
        fixed = _spark_fix(node)  # type: ignore[arg-type]
        if fixed is not node:
            node.replace(fixed)
    return tree
