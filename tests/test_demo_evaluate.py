"""The problem models against the demo county: every planted case found, nothing else found.

The smallest county the generator makes (one year of payments) is generated, imported and
detected once for this module; every model is then scored by `mingjing.analysis.evaluate`
against the manifest's expected hits. The work runs inside one transaction that is rolled back,
in a lake of its own, so the rest of the suite never sees it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from engine import BUILTIN_MODELS, BUILTIN_RULES_DIR
from mingjing.analysis.evaluate import evaluate, show_key
from mingjing.datahub.models import Batch
from tests.demo_county import home_settings, smallest_county

MODELS = list(BUILTIN_MODELS)  # the built-in models of models.md

# The mark makes pytest-django set up the test database even when this module runs alone (the
# module fixture below asks for `django_db_setup`, which only sets up what marked tests need).
pytestmark = pytest.mark.django_db


def detect() -> dict[str, Any]:
    out = io.StringIO()
    call_command("detect", "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outcome(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, Any]]:
    """Generate, load, detect twice and evaluate; hand back plain data, keep nothing."""
    root = tmp_path_factory.mktemp("demo-evaluate")
    county = root / "county"
    manifest = smallest_county(county)
    home = root / "home"
    dirs = home_settings(home)
    with (
        override_settings(RULES_DIR=BUILTIN_RULES_DIR, **dirs),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        assert not Batch.objects.exists(), "not the (empty) test database"
        call_command("demo", "load", str(county), stdout=io.StringIO())
        first = detect()
        second = detect()
        scores = evaluate(manifest)
        transaction.set_rollback(True)
    yield {"manifest": manifest, "first": first, "second": second, "scores": scores}


@pytest.mark.parametrize("model", MODELS)
def test_the_model_finds_every_planted_case_and_nothing_else(
    outcome: dict[str, Any], model: str
) -> None:
    if not (BUILTIN_RULES_DIR / f"{model}.yaml").exists():
        pytest.skip(f"{model}: no rule file in engine/rules yet (being written)")
    score = outcome["scores"].get(model)
    assert score is not None, f"{model} has neither expected hits nor hits"
    assert score.ran, f"{model} did not run"
    details = "\n".join(
        [f"missed {show_key(k)} ({why})" for k, why in score.missed]
        + [f"unexpected {show_key(k)} [{level}]" for k, level in score.unexpected]
    )
    assert score.expected > 0, f"the demo county plants no case for {model}"
    assert (score.precision, score.recall) == (1.0, 1.0), details
    assert not score.negatives_hit, f"near misses flagged: {score.negatives_hit}"


@pytest.mark.parametrize("model", MODELS)
def test_the_model_gives_each_planted_case_its_expected_level(
    outcome: dict[str, Any], model: str
) -> None:
    if not (BUILTIN_RULES_DIR / f"{model}.yaml").exists():
        pytest.skip(f"{model}: no rule file in engine/rules yet (being written)")
    score = outcome["scores"][model]
    assert not score.level_mismatches, [
        f"{show_key(k)}: expected {e}, found {f}" for k, e, f in score.level_mismatches
    ]


def test_a_second_run_over_the_same_data_adds_no_hit(outcome: dict[str, Any]) -> None:
    first, second = outcome["first"], outcome["second"]
    assert first["status"] == second["status"] == "done"
    assert first["hits_new"] == first["hits_total"] > 0
    assert second["hits_total"] == first["hits_total"]
    assert second["hits_new"] == 0
    assert all(m["new_hits"] == 0 for m in second["models"])
