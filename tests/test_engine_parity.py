"""The same rules give the same hits on DuckDB and on Spark (local mode): the cross-engine suite.

Tests that need Spark carry the `spark` marker (`pytest -m "not spark"` leaves them out). Spark
takes seconds to start, so one SparkBackend serves the whole module, and each rule test runs on
Spark once, its outcome shared by the tests that look at it.

What cannot be identical on Spark is declared, not skipped: `SPARK_GAPS` for rule tests and
`EXPRESSION_GAPS` for single expressions are strict xfails, so a gap that closes fails the suite
until its declaration goes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine import dialects, load_rules, runner, sql
from engine.backends.base import Backend
from engine.backends.duckdb import DuckDBBackend
from engine.rules import Rule
from engine.runner import run_inline_test, run_models, table_from_rows
from engine.types import Hit, ModelResult

RULES = load_rules()

# pyspark checks the pandas version even when given Arrow; the engine does not use pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

# (rule code, test index) -> why Spark cannot give the same result. Empty: every rule test agrees.
SPARK_GAPS: dict[tuple[str, int], str] = {}

# Spark settings for tiny test data: compiling code for every query costs more than it saves, and
# one shuffle partition is plenty.
TINY_DATA_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def rule_cases() -> Iterator[Any]:
    for rule in RULES:
        for index, _ in enumerate(rule.tests):
            marks: list[Any] = [pytest.mark.spark]
            gap = SPARK_GAPS.get((rule.code, index))
            if gap:
                marks.append(pytest.mark.xfail(strict=True, reason=gap))
            yield pytest.param(rule, index, id=f"{rule.code}-{index}", marks=marks)


@pytest.fixture(scope="module")
def spark() -> Iterator[Backend]:
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'mingjing[spark]'")
    from engine.backends.spark import SparkBackend

    backend = SparkBackend(conf=TINY_DATA_CONF)
    yield backend
    backend.shutdown()


@pytest.fixture(scope="module")
def spark_outcomes() -> dict[tuple[str, int], Any]:
    """Each rule test's Spark outcome (or exception), computed once for the tests that share it."""
    return {}


def on_spark(spark: Backend, outcomes: dict[tuple[str, int], Any], rule: Rule, index: int,
             ) -> tuple[bool, list[Hit], str]:
    key = (rule.code, index)
    if key not in outcomes:
        try:
            outcomes[key] = run_inline_test(spark, rule, index)
        except Exception as exc:  # kept, so that each test sharing the outcome fails with it
            outcomes[key] = exc
    outcome = outcomes[key]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def plain(value: Any) -> Any:
    """A value as an explanation would show it: Decimal('5') and 5 alike, 3.0 and 3 not."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def summary(hit: Hit) -> dict[str, Any]:
    return {
        "fingerprint": hit.fingerprint, "key": plain(hit.key), "level": hit.level,
        "department": hit.department, "periods": hit.periods, "amount": hit.amount,
        "observed": hit.observed, "explanation": hit.explanation, "values": plain(hit.values),
        "evidence": [(e.dataset, e.batch, e.row, plain(e.values)) for e in hit.evidence],
    }


# -- every rule test, on Spark and against DuckDB ---------------------------------------------------


@pytest.mark.parametrize(("rule", "index"), list(rule_cases()))
def test_every_inline_test_of_every_rule_passes_on_spark(
    spark: Backend, spark_outcomes: dict[tuple[str, int], Any], rule: Rule, index: int
) -> None:
    passed, _, message = on_spark(spark, spark_outcomes, rule, index)
    assert passed, f"{rule.code} 「{rule.tests[index].name}」: {message}"


@pytest.mark.parametrize(("rule", "index"), list(rule_cases()))
def test_spark_gives_the_same_hits_as_duckdb(
    spark: Backend, spark_outcomes: dict[tuple[str, int], Any], rule: Rule, index: int
) -> None:
    _, spark_hits, _ = on_spark(spark, spark_outcomes, rule, index)
    _, duckdb_hits, _ = run_inline_test(DuckDBBackend(), rule, index)
    assert [summary(h) for h in spark_hits] == [summary(h) for h in duckdb_hits]


def test_the_cases_cover_every_rule_and_every_declared_gap_exists() -> None:
    tests = {(rule.code, i) for rule in RULES for i, _ in enumerate(rule.tests)}
    assert {rule.code for rule in RULES} >= {"YKT05"}
    assert set(SPARK_GAPS) <= tests, f"gaps declared for tests that do not exist: {set(SPARK_GAPS) - tests}"


# -- a snapshot of Parquet files, through run_models ------------------------------------------------


def write_snapshot(directory: Path) -> dict[str, list[tuple[int, Path]]]:
    """The rows of every rule test as one snapshot of two batches (Parquet files) per dataset.

    The second batch leaves out the columns it has no value in, as a file written before a column
    existed would: the engines must read the files alike, by column name.
    """
    rows_of: dict[str, list[list[dict[str, Any]]]] = {}
    for rule in RULES:
        sources = {use.alias: use.source for use in rule.datasets}
        for test in rule.tests:
            for alias, rows in test.data.items():
                rows_of.setdefault(sources[alias], []).append(rows)
    # One row per programme: load_programmes keeps whichever row of a code it reads last.
    seen: set[str] = set()
    rows_of["programs"] = [[r for r in group if r["program_code"] not in seen and not seen.add(r["program_code"])]
                           for group in rows_of.get("programs", [])]
    snapshot: dict[str, list[tuple[int, Path]]] = {}
    for source, groups in sorted(rows_of.items()):
        halves = [groups[: (len(groups) + 1) // 2], groups[(len(groups) + 1) // 2 :]]
        for batch, half in enumerate(halves, start=1):
            rows = [{**row, "_batch": batch} for group in half for row in group]
            if not rows:
                continue
            table = table_from_rows(source, rows)
            if batch == 2:
                table = table.drop_columns(
                    [name for name in table.column_names if table.column(name).null_count == len(table)]
                )
            path = directory / f"{source}-{batch}.parquet"
            pq.write_table(table, path)
            snapshot.setdefault(source, []).append((batch, path))
    return snapshot


def result_summary(result: ModelResult) -> dict[str, Any]:
    return {"model": result.model, "examined": result.examined, "rows": result.rows,
            "warning": result.warning, "hits": [summary(h) for h in result.hits]}


@pytest.mark.spark
def test_a_parquet_snapshot_gives_the_same_results_on_both_engines(
    spark: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.backends.spark import SparkBackend

    make_backend = runner.make_backend
    monkeypatch.setattr(runner, "make_backend", lambda engine, settings=None: (
        SparkBackend(settings, conf=TINY_DATA_CONF) if engine == "spark" else make_backend(engine, settings)
    ))
    snapshot = write_snapshot(tmp_path)
    duckdb_results = run_models(RULES, snapshot, engine="duckdb")
    spark_results = run_models(RULES, snapshot, engine="spark")  # a second backend: Spark is shared
    assert sum(len(r.hits) for r in duckdb_results) > len(RULES)  # the comparison is not vacuous
    assert [result_summary(r) for r in spark_results] == [result_summary(r) for r in duckdb_results]
    spark.open()  # the other backend's shutdown left the shared Spark running for this one
    try:
        assert spark.query("SELECT 1 AS n").to_pylist() == [{"n": 1}]
    finally:
        spark.close()


# -- single expressions: the allow-listed functions and the dialect fixes ---------------------------


SAMPLE = pa.table({
    "k": pa.array([1, 2, 3, 4, 5, 6], pa.int32()),
    "amount": pa.array([Decimal(v) if v else None for v in ["3.70", "2.50", "-2.50", "100.00", None, "0.00"]],
                       pa.decimal128(18, 2)),
    "ratio": pa.array([3.7, 2.4, -3.7, 0.1, None, 1e10], pa.float64()),
    "n": pa.array([3, 0, -7, 7, None, 0], pa.int32()),
    "flag": pa.array([True, False, None, True, False, True], pa.bool_()),
    "label": pa.array(["张三", "a\\b", "abc", "", None, "李四"], pa.string()),
    "number_text": pa.array(["3.7", "2", "-4.5", "12", None, "0"], pa.string()),
    "tags": pa.array([["a", None], ["x"], None, [], ["b", "x"], [None]], pa.list_(pa.string())),
    "d": pa.array([dt.date(2024, 3, 15), dt.date(2024, 2, 29), dt.date(2023, 12, 31), dt.date(2024, 1, 1), None,
                   dt.date(2000, 2, 29)], pa.date32()),
    "born": pa.array([dt.date(1944, 3, 16), dt.date(1944, 2, 29), dt.date(1943, 12, 31), dt.date(2010, 1, 2),
                      dt.date(1950, 5, 5), dt.date(1999, 3, 1)], pa.date32()),
    "id_a": pa.array(["110101194403020010", "110101194403010015", None, "11010119440301001X", "1", "110101"]),
    "id_b": pa.array(["110101194403020028", "110101194403010015", "110101194403010015", "110101194403010013",
                      "2", "120101"]),
})

# name -> DuckDB-dialect expression over SAMPLE (`t`); aggregates are named agg_*.
EXPRESSIONS = {
    "list_contains_ignores_null_elements": "list_contains(tags, 'x')",
    "list_contains_finds_an_element": "list_contains(tags, 'a')",
    "decimal_division_is_double": "amount / 3",
    "division_by_zero_is_ieee": "amount / n",
    "integer_division_is_double": "n / 2",
    "integer_division_operator_truncates": "n // 2",
    "modulo_keeps_the_sign_of_the_dividend": "n % 4",
    "decimal_to_integer_rounds": "CAST(amount AS INTEGER)",
    "double_to_integer_rounds": "CAST(ratio AS BIGINT)",
    "boolean_to_integer": "CAST(flag AS INTEGER)",
    "text_to_integer_rounds": "CAST(number_text AS INTEGER)",
    "double_to_decimal": "CAST(ratio AS DECIMAL(18, 2))",
    "date_to_text": "CAST(d AS VARCHAR)",
    "decimal_to_text": "CAST(amount AS VARCHAR)",
    "text_to_date": "CAST('2024-03-15' AS DATE)",
    "like_has_no_escape_character": "label LIKE 'a\\%'",
    "like_with_chinese": "label LIKE '%三'",
    "strings_compare_by_code_point": "label < 'b'",
    "concat_skips_nulls": "concat(label, '-', CAST(n AS VARCHAR))",
    "pipes_propagate_nulls": "label || '!'",
    "length_counts_characters": "length(label)",
    "upper_and_trim": "upper(trim(' ' || label || ' '))",
    "substring_from_one": "substring(label, 2, 1)",
    "month_start": "month_start(d)",
    "last_day": "last_day(d)",
    "month_index": "month_index(d)",
    "age_at": "age_at(born, d)",
    "id_digit_diff": "id_digit_diff(id_a, id_b)",
    "year_month_day": "year(d) * 10000 + month(d) * 100 + day(d)",
    "greatest_and_least_ignore_nulls": "greatest(n, 1) + least(amount, 1.00)",
    "coalesce_nullif": "coalesce(nullif(n, 0), -1)",
    "case_and_if": "CASE WHEN flag THEN 'y' WHEN NOT flag THEN 'n' END || CAST(if(flag, 1, 0) AS VARCHAR)",
    "round_decimal_half_away_from_zero": "round(amount, 0)",
    "round_double": "round(ratio, 1)",
    "ceil_and_floor_of_decimal": "ceil(amount) + floor(amount)",
    "abs": "abs(amount)",
    "in_list": "label IN ('abc', '张三')",
    "decimal_arithmetic": "amount * (1 + 0.10) - 1",
    "date_comparison_with_text": "d >= '2024-01-01'",
    "agg_bool_or_and": "bool_or(flag) || '/' || bool_and(flag)",
    "agg_count_distinct": "count(DISTINCT n)",
    "agg_count": "count(*) + count(n)",
    "agg_sum_decimal": "sum(amount)",
    "agg_sum_integer": "sum(n)",
    "agg_avg_decimal_is_double": "avg(amount)",
    "agg_avg_integer": "avg(n)",
    "agg_min_max_text": "min(label) || max(label)",
    "agg_min_max_date": "month_index(max(d)) - month_index(min(born))",
}

# name -> (expression, why the engines differ). Each is a strict xfail.
EXPRESSION_GAPS = {
    "double_halfway_to_integer": (
        "CAST(CAST(2.5 AS DOUBLE) AS INTEGER)",
        "a DOUBLE exactly halfway rounds to even in DuckDB (2), half up on Spark (3)",
    ),
    "substring_from_zero": (
        "substring(label, 0, 2)",
        "position 0 counts as a character before the first in DuckDB, as the first on Spark",
    ),
    "floor_of_double": (
        "floor(ratio)",
        "floor and ceil of a DOUBLE are DOUBLE in DuckDB (3.0), BIGINT on Spark (3)",
    ),
    "date_plus_interval": (
        "d + INTERVAL 1 MONTH",
        "a date plus an interval is a TIMESTAMP in DuckDB, a DATE on Spark",
    ),
    "date_minus_date": (
        "d - born",
        "a date minus a date is a number of days in DuckDB, an interval on Spark",
    ),
    "month_text_to_date": (
        "CAST('2024-03' AS DATE)",
        "DuckDB rejects a date without its day, Spark reads it as the first of the month",
    ),
}


def expression_cases() -> Iterator[Any]:
    for name, expression in EXPRESSIONS.items():
        yield pytest.param(expression, name.startswith("agg_"), id=name, marks=pytest.mark.spark)
    for name, (expression, reason) in EXPRESSION_GAPS.items():
        marks = [pytest.mark.spark, pytest.mark.xfail(strict=True, reason=reason)]
        yield pytest.param(expression, False, id=name, marks=marks)


def evaluate(backend: Backend, expression: str, aggregate: bool) -> Any:
    """The expression's values on an engine, as a rule would get them (validated, then emitted)."""
    if aggregate:
        text = f"SELECT {expression} AS v FROM t"
    else:
        text = f"SELECT k, {expression} AS v FROM t ORDER BY k"
    tree = sql.parse(text)
    sql.validate(tree, {"t"})
    backend.open()
    try:
        backend.create_view("t", SAMPLE.column_names, SAMPLE, SAMPLE.schema)
        rows = backend.query(dialects.emit(tree, backend.name)).to_pylist()
    except Exception as exc:  # an error on both engines is parity too; on one, a difference
        return f"error: {type(exc).__name__}"
    finally:
        backend.close()
    return [plain(row["v"]) for row in rows]


@pytest.mark.parametrize(("expression", "aggregate"), list(expression_cases()))
def test_an_expression_gives_the_same_values_on_both_engines(spark: Backend, expression: str, aggregate: bool,
                                                            ) -> None:
    duckdb_values = evaluate(DuckDBBackend(), expression, aggregate)
    assert evaluate(spark, expression, aggregate) == duckdb_values


# -- the emitted SQL (no Spark needed) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "spark_sql"),
    [
        ("list_contains(tags, 'x')", "ARRAY_CONTAINS(ARRAY_COMPACT(tags), 'x')"),
        ("avg(amount)", "AVG(CAST(amount AS DOUBLE))"),
        ("CAST(amount AS INTEGER)", "CAST(ROUND(CAST(amount AS DECIMAL(38, 10))) AS INT)"),
        ("CAST(count(*) AS BIGINT)", "CAST(COUNT(*) AS BIGINT)"),
        ("label LIKE 'a\\%'", "label LIKE 'a\\\\%' ESCAPE '!'"),
        ("label LIKE 'a%'", "label LIKE 'a%'"),
        ("n // 2", "n DIV 2"),
        ("amount / n",
         "CASE WHEN CAST(n AS DOUBLE) = 0 THEN CAST(amount AS DOUBLE) * CAST('Infinity' AS DOUBLE) "
         "ELSE TRY_DIVIDE(CAST(amount AS DOUBLE), CAST(n AS DOUBLE)) END"),
    ],
)
def test_spark_sql_is_rewritten_where_spark_computes_differently(expression: str, spark_sql: str) -> None:
    tree = sql.parse(f"SELECT {expression} AS v FROM t")
    assert dialects.emit(tree, "spark") == f"SELECT {spark_sql} AS v FROM t"


def test_duckdb_sql_is_left_as_the_rule_wrote_it() -> None:
    text = "SELECT list_contains(tags, 'x') AS a, avg(amount) AS b, CAST(amount AS INTEGER) AS c, amount / n AS d FROM t"
    assert dialects.emit(sql.parse(text), "duckdb") == (
        "SELECT ARRAY_CONTAINS(tags, 'x') AS a, AVG(amount) AS b, CAST(amount AS INT) AS c, amount / n AS d FROM t"
    )
