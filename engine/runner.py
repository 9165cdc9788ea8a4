"""Running rules over a pinned snapshot, and running their inline tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from engine.backends import make_backend
from engine.backends.base import Backend, DatasetInput, EngineSettings, Programme
from engine.rules import Rule, parse_test_value
from engine.types import Hit, ModelResult, Snapshot


def run_models(
    rules: list[Rule],
    snapshot: Snapshot,
    *,
    engine: str = "duckdb",
    params: dict[str, dict[str, Any]] | None = None,
    settings: EngineSettings | None = None,
    on_result: Callable[[ModelResult], None] | None = None,
) -> list[ModelResult]:
    """Run each rule over the snapshot's files; `params` holds overrides per model code."""
    backend = make_backend(engine, settings)
    inputs: dict[str, DatasetInput] = {name: [p for _, p in files] for name, files in snapshot.items()}
    programmes = load_programmes(backend, inputs)
    results = []
    try:
        for rule in rules:
            effective = rule.effective_parameters((params or {}).get(rule.code))
            result = backend.run_rule(rule, inputs, effective, programmes)
            results.append(result)
            if on_result:
                on_result(result)
    finally:
        backend.shutdown()
    return results


def load_programmes(backend: Backend, inputs: dict[str, DatasetInput]) -> dict[str, Programme]:
    """Programme code -> name and department, for explanations and routing."""
    from mingjing.datahub.contract import DATASETS, arrow_schema

    source = inputs.get("programs")
    if isinstance(source, pa.Table):
        rows = source.select(["program_code", "program_name", "department"]).to_pylist()
    elif source:
        backend.open()
        try:
            backend.create_view("programs", ["program_code", "program_name", "department"], source,
                                arrow_schema(DATASETS["programs"]))
            rows = backend.query("SELECT program_code, program_name, department FROM programs").to_pylist()
        finally:
            backend.close()
    else:
        rows = []
    return {r["program_code"]: Programme(r["program_name"] or r["program_code"], r["department"] or "") for r in rows}


# -- inline tests ---------------------------------------------------------------------------------


def table_from_rows(source: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows written in a rule's test as a table of the dataset's stored schema.

    Missing columns are null; for ID numbers, `*id_valid`, `birth_date`, `gender` and `id_region`
    are derived as the importer would, unless the test gives them.
    """
    from mingjing.datahub.contract import DATASETS, arrow_schema
    from mingjing.lib import ids

    schema = arrow_schema(DATASETS[source])
    filled = []
    for i, row in enumerate(rows, start=1):
        values = {k: parse_test_value(v) for k, v in row.items()}
        for name in list(values):
            if name.endswith("id_number") and values[name] is not None:
                number = str(values[name])
                prefix = name[: -len("id_number")]
                values.setdefault(f"{prefix}id_valid", ids.is_valid(number))
                if not prefix and f"{prefix}birth_date" in schema.names:
                    values.setdefault("birth_date", ids.birth_date(number) if len(number) == 18 else None)
                    values.setdefault("gender", ids.gender(number) if len(number) == 18 else None)
                    values.setdefault("id_region", number[:6])
        values.setdefault("_batch", 0)
        values.setdefault("_row", i)
        filled.append(values)
    unknown = {k for r in filled for k in r} - set(schema.names)
    if unknown:
        raise ValueError(f"test data for {source} has unknown columns: {', '.join(sorted(unknown))}")
    arrays = [pa.array([_typed(r.get(f.name), f.type) for r in filled], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _typed(value: Any, typ: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_decimal(typ):
        return Decimal(str(value))
    if pa.types.is_date(typ) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if pa.types.is_string(typ):
        return str(value)
    return value


def run_inline_test(backend: Backend, rule: Rule, test_index: int) -> tuple[bool, list[Hit], str]:
    """Run one inline test; (passed, hits, explanation of a failure)."""
    test = rule.tests[test_index]
    sources = {use.alias: use.source for use in rule.datasets}
    tables: dict[str, DatasetInput] = {}
    for alias, rows in test.data.items():
        if alias not in sources:
            return False, [], f"测试数据中的 {alias} 不是声明的别名 / test data alias {alias} is not declared"
        tables[sources[alias]] = table_from_rows(sources[alias], rows)
    programmes: dict[str, Programme] = {}
    if "programs" in tables:
        programs = tables["programs"]
        assert isinstance(programs, pa.Table)
        programmes = {r["program_code"]: Programme(r["program_name"] or "", r["department"] or "")
                      for r in programs.to_pylist()}
    params = rule.effective_parameters(test.parameters)
    result = backend.run_rule(rule, tables, params, programmes)
    return _compare(result.hits, test.expect)


def _compare(hits: list[Hit], expect: list[dict[str, Any]]) -> tuple[bool, list[Hit], str]:
    remaining = list(hits)
    for wanted in expect:
        match = next((h for h in remaining if _matches(h, wanted)), None)
        if match is None:
            found = [_describe(h) for h in hits]
            return False, hits, f"expected a hit {wanted}, found {found}"
        remaining.remove(match)
    if remaining:
        return False, hits, f"unexpected hits: {[_describe(h) for h in remaining]}"
    return True, hits, ""


def _matches(hit: Hit, wanted: dict[str, Any]) -> bool:
    for name, value in wanted.items():
        if name == "periods":
            actual: Any = [f"{p.year}-{p.month:02d}" for p in hit.periods]
        elif name == "amount":
            actual, value = hit.amount, Decimal(str(value))
        elif name in ("level", "department", "observed"):
            actual = getattr(hit, name)
        else:
            actual = hit.key.get(name, hit.values.get(name))
        if actual != value:
            return False
    return True


def _describe(hit: Hit) -> dict[str, Any]:
    return {**hit.key, "level": hit.level, "periods": [f"{p.year}-{p.month:02d}" for p in hit.periods]}


def check_rules(rules: list[Rule], engine: str = "duckdb", settings: EngineSettings | None = None,
                ) -> list[tuple[Rule, str, bool, str]]:
    """Every inline test of every rule: (rule, test name, passed, message)."""
    backend = make_backend(engine, settings)
    outcomes = []
    try:
        for rule in rules:
            for i, test in enumerate(rule.tests):
                passed, _, message = run_inline_test(backend, rule, i)
                outcomes.append((rule, test.name, passed, message))
    finally:
        backend.shutdown()
    return outcomes
