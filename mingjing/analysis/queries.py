"""Reads of the analysis app for the console: the model catalogue, runs, hit lists and details.

Rule files are parsed and checked once per change of the files (it takes seconds): `rules()` is
the one loader every page, action and command of the application uses.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet

import engine
from engine import Rule, RuleError
from mingjing.analysis.models import LEVEL_CHOICES, Hit, ModelSetting, Run, RunModel
from mingjing.datahub.queries import program_names, region_names

LEVELS = [code for code, _ in LEVEL_CHOICES]  # high, medium, low

# -- rules ------------------------------------------------------------------------------------------

_rules_lock = threading.Lock()
_rules_cache: dict[str, Any] = {"signature": None, "rules": []}


def _signature(directory: Path) -> tuple[Any, ...]:
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(Path(directory).glob("*.yaml"))
    )


def rules() -> list[Rule]:
    """The configured rule files, loaded again only when a file was added, removed or changed."""
    directory = Path(settings.RULES_DIR)
    signature = (str(directory), _signature(directory))
    with _rules_lock:
        if _rules_cache["signature"] != signature:
            _rules_cache["rules"] = engine.load_rules(directory)
            _rules_cache["signature"] = signature
        return list(_rules_cache["rules"])


# Models the system runs itself, without a rule file (their hits come from an app's own sweep):
# code -> title, for run and hit pages and the alerts' catalogue.
SYSTEM_MODELS = {
    "GK01": "三务公开超期",  # mingjing/portal/disclosures.py do_disclosure_sweep
    "TS01": "群众投诉转预警",  # mingjing/complaints/actions.py do_open_alert
}


def rule_titles() -> dict[str, str]:
    try:
        return {**SYSTEM_MODELS, **{r.code: r.title for r in rules()}}
    except RuleError:
        return dict(SYSTEM_MODELS)


# -- the model catalogue ----------------------------------------------------------------------------


def display_value(kind: str, value: Any) -> str:
    """A parameter value as typed in the form: lists comma-separated, booleans as true/false."""
    if value is None:
        return ""
    if kind == "string_list":
        items = value if isinstance(value, list) else [value]
        return ", ".join(str(i) for i in items)
    if kind == "boolean":
        return "true" if value in (True, "true", "True", "1") else "false"
    return str(value)


@dataclass
class ParameterRow:
    name: str
    label: str
    kind: str
    default: str
    current: str
    overridden: bool
    minimum: float | None
    maximum: float | None
    checked: bool = False  # booleans: the current value

    @property
    def range_text(self) -> str:
        def fmt(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else str(x)

        if self.minimum is not None and self.maximum is not None:
            return f"{fmt(self.minimum)} – {fmt(self.maximum)}"
        if self.minimum is not None:
            return f"≥ {fmt(self.minimum)}"
        if self.maximum is not None:
            return f"≤ {fmt(self.maximum)}"
        return ""


@dataclass
class ModelEntry:
    rule: Rule
    enabled: bool
    parameters: list[ParameterRow]
    setting: ModelSetting | None
    last: RunModel | None  # this model's result in the latest run that included it
    open_hits: int  # hits found by its latest run
    problem: str = ""  # stored values the rule no longer accepts

    @property
    def code(self) -> str:
        return self.rule.code


def latest_results(codes: Iterable[str]) -> dict[str, RunModel]:
    """Each model's result in the latest run that ran it (two queries whatever the history)."""
    latest = {
        row["code"]: row["last"]
        for row in RunModel.objects.filter(code__in=list(codes))
        .values("code")
        .annotate(last=Max("run_id"))
    }
    if not latest:
        return {}
    condition = Q()
    for code, run_id in latest.items():
        condition |= Q(code=code, run_id=run_id)
    return {r.code: r for r in RunModel.objects.filter(condition).select_related("run")}


def _entry(
    rule: Rule, setting: ModelSetting | None, last: RunModel | None, open_hits: int
) -> ModelEntry:
    stored = setting.params if setting else {}
    problem = ""
    try:
        current = rule.effective_parameters(stored)
    except RuleError as exc:
        current, problem = rule.effective_parameters(), f"{exc.zh}\n{exc.en}"
    rows = []
    for name, p in rule.parameters.items():
        default = rule.effective_parameters()[name]
        rows.append(
            ParameterRow(
                name=name,
                label=p.label,
                kind=p.type,
                default=display_value(p.type, default),
                current=display_value(p.type, current[name]),
                overridden=name in stored and current[name] != default,
                minimum=p.min,
                maximum=p.max,
                checked=bool(current[name]) if p.type == "boolean" else False,
            )
        )
    return ModelEntry(
        rule=rule,
        enabled=setting.enabled if setting else True,
        parameters=rows,
        setting=setting,
        last=last,
        open_hits=open_hits,
        problem=problem,
    )


def model_catalogue(code: str | None = None) -> list[ModelEntry]:
    """Every rule file (or one) with the county's settings and its latest run's figures."""
    selected = [r for r in rules() if code is None or r.code == code]
    codes = [r.code for r in selected]
    settings_by_code = {s.code: s for s in ModelSetting.objects.filter(code__in=codes)}
    last = latest_results(codes)
    open_hits = dict(
        Hit.objects.filter(model__in=codes, seen_in_latest=True)
        .values_list("model")
        .annotate(n=Count("id"))
    )
    return [
        _entry(r, settings_by_code.get(r.code), last.get(r.code), open_hits.get(r.code, 0))
        for r in selected
    ]


# -- runs -------------------------------------------------------------------------------------------


def run_results(run: Run) -> list[RunModel]:
    return list(run.model_results.all())


def duration(run: Run) -> dt.timedelta | None:
    if run.started_at and run.finished_at:
        return run.finished_at - run.started_at
    return None


# -- hits -------------------------------------------------------------------------------------------

SORTS = {
    "-amount": ("-amount", "id"),
    "amount": ("amount", "id"),
    "-last_period": ("-last_period", "-amount", "id"),
    "last_period": ("last_period", "-amount", "id"),
}
SEEN_CHOICES = ("seen", "not_seen", "all")


@dataclass
class HitFilters:
    model: str = ""
    level: str = ""
    township: str = ""
    village: str = ""
    programme: str = ""
    period: dt.date | None = None  # a month: hits whose first..last period covers it
    seen: str = "seen"
    sort: str = "-amount"

    @property
    def active(self) -> bool:
        return any(
            [
                self.model,
                self.level,
                self.township,
                self.village,
                self.programme,
                self.period,
                self.seen != "seen",
            ]
        )


def filter_hits(hits: QuerySet[Hit], f: HitFilters) -> QuerySet[Hit]:
    """The hits matching the filters, except the level (so the level counts stay informative)."""
    if f.model:
        hits = hits.filter(model=f.model)
    if f.township:
        hits = hits.filter(township_code=f.township)
    if f.village:
        hits = hits.filter(region_code=f.village)
    if f.programme:
        hits = hits.filter(program_code=f.programme)
    if f.period:
        hits = hits.filter(first_period__lte=f.period, last_period__gte=f.period)
    if f.seen == "seen":
        hits = hits.filter(seen_in_latest=True)
    elif f.seen == "not_seen":
        hits = hits.filter(seen_in_latest=False)
    return hits


def level_counts(hits: QuerySet[Hit]) -> list[tuple[str, int]]:
    counts = dict(hits.order_by().values_list("level").annotate(n=Count("id")))
    return [(level, counts.get(level, 0)) for level in LEVELS]


def hit_list(hits: QuerySet[Hit], f: HitFilters) -> QuerySet[Hit]:
    """The page's rows: filtered, by level too, sorted; without the heavy JSON columns."""
    hits = filter_hits(hits, f)
    if f.level:
        hits = hits.filter(level=f.level)
    return hits.defer("evidence", "values", "key", "periods").order_by(
        *SORTS.get(f.sort, SORTS["-amount"])
    )


@dataclass
class FilterChoices:
    models: list[tuple[str, str]]
    townships: list[tuple[str, str]]
    villages: list[tuple[str, str]]
    programmes: list[tuple[str, str]]


def filter_choices(hits: QuerySet[Hit], township: str = "") -> FilterChoices:
    """What the filters can offer: the values that occur among the hits, with their names."""
    titles = rule_titles()
    regions = region_names()
    programs = program_names()
    models = sorted(set(hits.order_by().values_list("model", flat=True).distinct()) | set(titles))
    townships = sorted(
        set(hits.order_by().values_list("township_code", flat=True).distinct()) - {""}
    )
    villages_qs = hits.filter(township_code=township) if township else hits
    villages = sorted(
        set(villages_qs.order_by().values_list("region_code", flat=True).distinct()) - {""}
    )
    programmes = sorted(
        set(hits.order_by().values_list("program_code", flat=True).distinct()) - {""}
    )
    return FilterChoices(
        models=[(c, f"{c} {titles.get(c, '')}".strip()) for c in models],
        townships=[(c, f"{regions.get(c, '')} {c}".strip()) for c in townships],
        villages=[(c, f"{regions.get(c, '')} {c}".strip()) for c in villages],
        programmes=[(c, f"{programs.get(c, '')} {c}".strip()) for c in programmes],
    )


def hit_names(hit: Hit) -> dict[str, str]:
    """Names for the codes a hit carries: village, township, programme, model title."""
    regions = region_names()
    return {
        "village": regions.get(hit.region_code, ""),
        "township": regions.get(hit.township_code, ""),
        "programme": program_names().get(hit.program_code, ""),
        "model": rule_titles().get(hit.model, ""),
    }
