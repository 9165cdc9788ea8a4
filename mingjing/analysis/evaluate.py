"""How well the problem models find what the demo county planted: precision and recall per model.

The demo generator writes `manifest.json` with the hits a correct model must find
(`expected_hits`: {model: [{key, level, why}]}) and near misses it must not (`negatives`). This
compares them with the hits stored now, found by each model's latest run (`seen_in_latest`),
matching on the grain key. Key values are compared as text, so "2024" and 2024 agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mingjing.analysis.models import Hit, RunModel

Key = tuple[tuple[str, str | None], ...]


def key_of(raw: dict[str, Any]) -> Key:
    """A grain key as a hashable, order-free value with every value as text."""
    return tuple(sorted((str(k), None if v is None else str(v)) for k, v in raw.items()))


def show_key(key: Key) -> str:
    return ", ".join(f"{k}={v}" for k, v in key)


@dataclass
class ModelScore:
    model: str
    ran: bool  # the model has a result in some run (a rule file exists and was run)
    expected: int
    found: int
    true_positives: int
    level_agreements: int  # true positives whose level is the expected one
    missed: list[tuple[Key, str]] = field(default_factory=list)  # (key, why) expected, not found
    unexpected: list[tuple[Key, str]] = field(
        default_factory=list
    )  # (key, level) found, not expected
    level_mismatches: list[tuple[Key, str, str]] = field(
        default_factory=list
    )  # key, expected, found
    negatives_hit: list[tuple[Key, str]] = field(default_factory=list)  # planted near misses found

    @property
    def precision(self) -> float:
        """Share of the hits found that were expected; 1.0 when nothing was found (no false alarm)."""
        return self.true_positives / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Share of the expected hits that were found; 1.0 when nothing was expected."""
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def level_agreement(self) -> float:
        return self.level_agreements / self.true_positives if self.true_positives else 1.0

    @property
    def perfect(self) -> bool:
        return self.precision == 1.0 and self.recall == 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "ran": self.ran,
            "expected": self.expected,
            "found": self.found,
            "true_positives": self.true_positives,
            "precision": self.precision,
            "recall": self.recall,
            "level_agreement": self.level_agreement,
            "missed": [{"key": dict(k), "why": why} for k, why in self.missed],
            "unexpected": [{"key": dict(k), "level": level} for k, level in self.unexpected],
            "level_mismatches": [
                {"key": dict(k), "expected": e, "found": f} for k, e, f in self.level_mismatches
            ],
            "negatives_hit": [{"key": dict(k), "why": why} for k, why in self.negatives_hit],
        }


def evaluate(manifest: dict[str, Any], models: list[str] | None = None) -> dict[str, ModelScore]:
    """Score every model named in the manifest or holding hits (or only `models`), by code.

    Steps: 1. index the expected hits and the negatives by (model, key); 2. read the hits found
    by each model's latest run; 3. count matches, levels, misses and surprises per model.
    """
    expected: dict[str, dict[Key, dict[str, Any]]] = {
        model: {key_of(e["key"]): e for e in entries}
        for model, entries in (manifest.get("expected_hits") or {}).items()
    }
    negatives: dict[str, dict[Key, str]] = {
        model: {key_of(e["key"]): e.get("why", "") for e in entries}
        for model, entries in (manifest.get("negatives") or {}).items()
    }
    found: dict[str, dict[Key, str]] = {}
    hits = Hit.objects.filter(seen_in_latest=True)
    if models:
        hits = hits.filter(model__in=models)
    for model, raw_key, level in hits.values_list("model", "key", "level").iterator(
        chunk_size=2000
    ):
        found.setdefault(model, {})[key_of(raw_key)] = level
    ran = set(RunModel.objects.values_list("code", flat=True).distinct())
    codes = sorted(set(models) if models else set(expected) | set(found))
    scores: dict[str, ModelScore] = {}
    for code in codes:
        want = expected.get(code, {})
        got = found.get(code, {})
        matched = [k for k in got if k in want]
        score = ModelScore(
            model=code,
            ran=code in ran,
            expected=len(want),
            found=len(got),
            true_positives=len(matched),
            level_agreements=sum(1 for k in matched if got[k] == want[k].get("level")),
        )
        score.missed = [(k, want[k].get("why", "")) for k in want if k not in got]
        score.unexpected = [(k, got[k]) for k in got if k not in want]
        score.level_mismatches = [
            (k, str(want[k].get("level")), got[k])
            for k in matched
            if got[k] != want[k].get("level")
        ]
        score.negatives_hit = [(k, why) for k, why in negatives.get(code, {}).items() if k in got]
        scores[code] = score
    return scores
