"""The engine (DuckDB) and the plain-pandas reference of `bench/pandas_reference.py` agree.

1. The smallest demo county (one year of payments) is generated and imported once for this module,
inside a transaction that is rolled back and in a lake of its own; then each model that has a rule
file runs on the engine and in pandas over the same Parquet files, and the hits must be the same
set of (grain key, level). 2. The pandas reference passes every inline test of the rule files
(their boundary cases), run on the tests' own rows.

pandas is a benchmark dependency: without it the module is skipped.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

pytest.importorskip("pandas")

import engine
from engine import BUILTIN_MODELS, BUILTIN_RULES_DIR, runner
from mingjing.datahub.models import Batch
from mingjing.datahub.queries import snapshot
from tests.demo_county import home_settings, smallest_county

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pandas_reference  # noqa: E402

MODELS = list(BUILTIN_MODELS)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def outcome(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, Any]]:
    """Generate and import a county (rolled back), then run both sides over its Parquet files."""
    root = tmp_path_factory.mktemp("pandas-reference")
    county = root / "county"
    smallest_county(county, seed=5)
    home = root / "home"
    dirs = home_settings(home)
    with (
        override_settings(**dirs),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        assert not Batch.objects.exists(), "not the (empty) test database"
        call_command("demo", "load", str(county), stdout=io.StringIO())
        files = snapshot()
        transaction.set_rollback(True)

    rules = [engine.load_rule(BUILTIN_RULES_DIR / f"{m}.yaml") for m in MODELS
             if (BUILTIN_RULES_DIR / f"{m}.yaml").exists()]
    results = engine.run_models(rules, files, engine="duckdb")
    engine_hits = {
        r.model: {tuple(h.key[c] for c in rule.grain): h.level for h in r.hits}
        for rule, r in zip(rules, results, strict=True)
    }
    grains = {rule.code: tuple(rule.grain) for rule in rules}
    reference = pandas_reference.run_models(files, [rule.code for rule in rules])
    yield {"engine": engine_hits, "pandas": reference, "grains": grains}


@pytest.mark.parametrize("model", MODELS)
def test_the_engine_and_pandas_find_the_same_hits_at_the_same_levels(
    outcome: dict[str, Any], model: str
) -> None:
    if model not in outcome["engine"]:
        pytest.skip(f"{model}: no rule file in engine/rules yet (being written)")
    assert outcome["grains"][model] == pandas_reference.GRAIN[model], "grain differs from models.md"
    found, reference = outcome["engine"][model], outcome["pandas"][model]
    assert found, f"the demo county gives no {model} hit: nothing compared"
    only_engine = {k: v for k, v in found.items() if reference.get(k) != v}
    only_pandas = {k: v for k, v in reference.items() if found.get(k) != v}
    assert not only_engine and not only_pandas, (
        f"engine only or at another level: {only_engine}; pandas only or at another level: {only_pandas}"
    )


def inline_tests() -> list[Any]:
    cases = []
    for model in MODELS:
        path = BUILTIN_RULES_DIR / f"{model}.yaml"
        if not path.exists():
            cases.append(pytest.param(None, None, id=f"{model}-no-rule"))
            continue
        try:
            rule = engine.load_rule(path)
        except engine.RuleError as exc:  # reported by the test, not as a collection error
            cases.append(pytest.param(None, str(exc), id=f"{model}-invalid"))
            continue
        cases += [pytest.param(rule, i, id=f"{model}-{i}") for i in range(len(rule.tests))]
    return cases


@pytest.mark.parametrize(("rule", "index"), inline_tests())
def test_pandas_passes_the_inline_tests_of_the_rule_files(rule: Any, index: int | str | None) -> None:
    if rule is None and index is None:
        pytest.skip("no rule file in engine/rules yet (being written)")
    assert rule is not None, f"the rule file does not load: {index}"
    assert isinstance(index, int)
    test = rule.tests[index]
    sources = {use.alias: use.source for use in rule.datasets}
    tables = {sources[alias]: runner.table_from_rows(sources[alias], rows) for alias, rows in test.data.items()}
    found = pandas_reference.run_models(tables, [rule.code], params={rule.code: test.parameters or {}})[rule.code]
    expected: dict[tuple[Any, ...], str | None] = {}
    for wanted in test.expect:
        expected.setdefault(tuple(wanted[c] for c in rule.grain), wanted.get("level"))
    assert set(found) == set(expected), f"{test.name}: pandas {found}, expected {expected}"
    wrong = {k: (found[k], level) for k, level in expected.items() if level is not None and found[k] != level}
    assert not wrong, f"{test.name}: levels (pandas, expected) {wrong}"
