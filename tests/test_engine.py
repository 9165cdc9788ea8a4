"""The engine's own contract: no Django, safe SQL, strict rule files, stable fingerprints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

import engine
from engine import RuleError, runner, sql
from engine.backends.duckdb import DuckDBBackend

ROOT = Path(__file__).resolve().parent.parent
YKT05 = ROOT / "engine" / "rules" / "YKT05.yaml"


def write_rule(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(YKT05.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / "rule.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_the_engine_never_imports_django() -> None:
    code = (
        "import sys, engine\n"
        "rules = engine.load_rules()\n"
        "outcomes = engine.check_rules([r for r in rules if r.code == 'YKT05'])\n"
        "assert outcomes and all(ok for _, _, ok, _ in outcomes), outcomes\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("DROP TABLE pay", "SELECT"),
        ("SELECT 1 FROM pay; SELECT 2 FROM pay", "one SELECT"),
        ("SELECT * FROM persons", "not a declared dataset alias"),
        ("SELECT * FROM read_parquet('/etc/passwd')", "not allowed"),
        ("SELECT * FROM main.pay", "not allowed"),
        ("SELECT hash(id_number) AS h FROM pay", "not allowed"),
        ("SELECT levenshtein(name, 'x') AS d FROM pay", "not allowed"),
        ("SELECT row_number() OVER () AS n FROM pay", "not allowed"),
        ("SELECT id_number FROM pay WHERE amount > $unknown", "undeclared parameter"),
        ("SELECT age_at(birth_date) AS a FROM pay", "takes 2 arguments"),
    ],
)
def test_a_query_outside_the_portable_subset_is_rejected_with_a_reason(
    tmp_path: Path, query: str, fragment: str
) -> None:
    with pytest.raises(RuleError) as caught:
        engine.load_rule(write_rule(tmp_path, query=query))
    assert fragment in caught.value.en
    assert caught.value.zh  # and it says so in Chinese too


def test_an_unknown_key_in_a_rule_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="treshold"):
        engine.load_rule(write_rule(tmp_path, treshold=3))


def test_a_rule_without_a_missing_test_cannot_be_stable(tmp_path: Path) -> None:
    raw = yaml.safe_load(YKT05.read_text(encoding="utf-8"))
    hits_only = [t for t in raw["tests"] if t["expect"]]
    with pytest.raises(RuleError, match="one that does not"):
        engine.load_rule(write_rule(tmp_path, tests=hits_only))


def test_an_unknown_dataset_column_is_an_error(tmp_path: Path) -> None:
    datasets = {"pay": {"source": "payments", "columns": ["id_number", "salary"]}, "prog": {"source": "programs", "columns": ["program_code", "min_age"]}}
    with pytest.raises(RuleError, match="salary"):
        engine.load_rule(write_rule(tmp_path, datasets=datasets))


def test_parameters_are_bound_as_typed_literals_never_as_text() -> None:
    tree = sql.bind(sql.parse("SELECT name FROM pay WHERE name = $who"), {"who": "x' OR '1'='1"})
    text = tree.sql(dialect="duckdb")
    assert text == "SELECT name FROM pay WHERE name = 'x'' OR ''1''=''1'"


def test_parameter_overrides_are_coerced_and_range_checked() -> None:
    rule = engine.load_rule(ROOT / "engine" / "rules" / "YKT05.yaml")
    assert rule.effective_parameters() == {}
    with pytest.raises(RuleError, match="no parameter"):
        rule.effective_parameters({"min_people": 3})


def test_the_macros_compute_age_and_month_arithmetic_the_same_way_on_duckdb() -> None:
    backend = DuckDBBackend()
    backend.open()
    try:
        backend.create_view("t", ["b", "p"], pa.table({"b": pa.array([None], pa.date32()), "p": pa.array([None], pa.date32())}), pa.schema([]))
        text = sql.dialects.emit(
            sql.parse(
                "SELECT age_at(DATE '1944-03-02', DATE '2024-03-01') AS a1,"
                " age_at(DATE '1944-03-01', DATE '2024-03-01') AS a2,"
                " month_index(DATE '2024-01-31') - month_index(DATE '2023-12-01') AS m,"
                " month_start(DATE '2024-02-29') AS s,"
                " id_digit_diff('110101194403020010', '110101194403020910') AS d"
            ),
            "duckdb",
        )
        row = backend.query(text).to_pylist()[0]
    finally:
        backend.close()
    assert (row["a1"], row["a2"], row["m"], str(row["s"]), row["d"]) == (79, 80, 1, "2024-02-01", 1)


def test_test_data_gets_the_derived_id_columns_the_importer_would_store() -> None:
    table = runner.table_from_rows("payments", [{"id_number": "110101194403020010", "period": "2024-03", "amount": 100}])
    row = table.to_pylist()[0]
    assert row["id_valid"] is True and str(row["birth_date"]) == "1944-03-02" and row["gender"] == "男"
    assert str(row["period"]) == "2024-03-01" and str(row["amount"]) == "100.00" and row["_row"] == 1


def test_fingerprints_do_not_change_with_parameters_or_reruns() -> None:
    rule = engine.load_rule(YKT05)
    backend = DuckDBBackend()
    first = runner.run_inline_test(backend, rule, 0)[1]
    second = runner.run_inline_test(backend, rule, 0)[1]
    assert [h.fingerprint for h in first] == [h.fingerprint for h in second]
    assert len(first[0].fingerprint) == 64 and first[0].key == {"id_number": "110101194403020010", "program_code": "GL01"}


def test_a_hit_carries_evidence_rows_with_their_batch_and_source_row() -> None:
    rule = engine.load_rule(YKT05)
    passed, hits, _ = runner.run_inline_test(DuckDBBackend(), rule, 0)
    assert passed
    evidence = hits[0].evidence
    assert [(e.dataset, e.batch, e.row) for e in evidence] == [("payments", 0, 1), ("payments", 0, 2)]
    assert {str(e.values["period"]) for e in evidence} == {"2024-03-01", "2024-02-01"}


def test_the_duckdb_sandbox_refuses_files_outside_the_pinned_batches(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pinned = tmp_path / "pinned.parquet"
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1]}), pinned)
    pq.write_table(pa.table({"x": [2]}), other)
    backend = DuckDBBackend()
    backend.open()
    try:
        backend.create_view("t", ["x"], [pinned], pa.schema([("x", pa.int64())]))
        backend.seal()
        assert backend.query("SELECT x FROM t").to_pylist() == [{"x": 1}]
        with pytest.raises(Exception, match=r"disabled by configuration|Permission"):
            backend.query(f"SELECT * FROM read_parquet('{other}')")
        with pytest.raises(Exception, match="locked"):
            backend.query("SET enable_external_access = true")
    finally:
        backend.close()


def test_every_built_in_rule_passes_its_inline_tests_on_duckdb() -> None:
    outcomes = engine.check_rules(engine.load_rules())
    failures = [(r.code, name, message) for r, name, ok, message in outcomes if not ok]
    assert outcomes and not failures


def test_an_empty_list_parameter_binds_to_false_so_spark_accepts_it() -> None:
    tree = sql.bind(sql.parse("SELECT a FROM pay WHERE t NOT IN $x AND u IN $y"), {"x": [], "y": ["摩托车"]})
    assert tree.sql(dialect="spark") == "SELECT a FROM pay WHERE NOT FALSE AND u IN ('摩托车')"
