"""Writes of the analysis app: starting detection runs and storing their hits."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

import engine
from engine import EngineSettings, ModelResult, Rule, RuleError
from mingjing.accounts import policy
from mingjing.analysis import queries
from mingjing.analysis.models import Hit, ModelSetting, Run, RunModel
from mingjing.audit.actions import record
from mingjing.datahub import queries as datahub_queries

logger = logging.getLogger("mingjing.analysis")


class RunProblem(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh}\n{en}")
        self.zh = zh
        self.en = en


def parse_param_overrides(items: list[str]) -> dict[str, dict[str, str]]:
    """`CODE.NAME=VALUE` strings (CLI `--param`) as {code: {name: value}}."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        code, dot, name = target.partition(".")
        if not sep or not dot or not code or not name:
            raise RunProblem(
                f"参数格式应为 模型.参数=值(如 YKT07.min_people=4)，收到“{item}”",
                f"a parameter is written MODEL.NAME=VALUE (e.g. YKT07.min_people=4), got '{item}'",
            )
        out.setdefault(code.strip(), {})[name.strip()] = value.strip()
    return out


def _selected_rules(codes: list[str]) -> list[Rule]:
    rules = queries.rules()
    by_code = {r.code: r for r in rules}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise RunProblem(
            f"未知的模型：{'、'.join(unknown)}。可用：{'、'.join(by_code)}",
            f"unknown models: {', '.join(unknown)}. Known: {', '.join(by_code)}",
        )
    if codes:
        return [by_code[c] for c in codes]
    disabled = set(ModelSetting.objects.filter(enabled=False).values_list("code", flat=True))
    return [r for r in rules if r.code not in disabled and r.status != "deprecated"]


def effective_params(rules: list[Rule], overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """County settings, then this run's overrides, coerced and range-checked per model."""
    stored = {s.code: s.params for s in ModelSetting.objects.all()}
    by_code = {r.code for r in rules}
    for code in overrides:
        if code not in by_code:
            raise RunProblem(f"参数指定的模型 {code} 不在本次运行中", f"parameter for model {code}, which this run does not include")
    out = {}
    for rule in rules:
        merged = {**stored.get(rule.code, {}), **overrides.get(rule.code, {})}
        try:
            out[rule.code] = rule.effective_parameters(merged)
        except RuleError as exc:
            raise RunProblem(exc.zh, exc.en) from exc
    return out


def do_start_run(
    *,
    user: User | None = None,
    engine_name: str = "duckdb",
    models: list[str] | None = None,
    param_overrides: dict[str, dict[str, Any]] | None = None,
) -> Run:
    """Validate the request and queue a run. Parameters are checked now, so a bad one fails fast.
    Runs belong to the county commission (`user=None`: the command line)."""
    policy.require_unless_system(user, "run.start")
    if engine_name not in ("duckdb", "spark"):
        raise RunProblem(f"未知的引擎 {engine_name}(可用 duckdb、spark)", f"unknown engine {engine_name} (duckdb or spark)")
    rules = _selected_rules(models or [])
    effective_params(rules, param_overrides or {})
    with transaction.atomic():
        run = Run.objects.create(
            engine=engine_name,
            requested_models=models or [],
            param_overrides=param_overrides or {},
            models_total=len(rules),
            created_by=user if user is not None and user.is_authenticated else None,
        )
        record("run.started", actor=user, obj=run, detail={
            "engine": engine_name, "models": models or [], "param_overrides": param_overrides or {}})
    return run


def run_detection(run_id: int) -> Run:
    """Run a queued run: claim it, pin the snapshot, run each model, store its hits.

    Steps: 1. claim (conditional update, so two workers never run the same run); 2. pin the active
    batches and record the effective parameters; 3. per model, run the engine and upsert the hits
    in one transaction (`store_result`); 4. finish.
    """
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.PENDING).update(
        status=Run.Status.RUNNING, started_at=timezone.now()
    )
    run = Run.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        rules = _selected_rules(run.requested_models)
        params = effective_params(rules, run.param_overrides)
        snapshot = datahub_queries.snapshot()
        run.snapshot = {name: [batch for batch, _ in files] for name, files in snapshot.items() if files}
        run.params = params
        run.models_total = len(rules)
        run.save(update_fields=["snapshot", "params", "models_total"])
        engine_settings = EngineSettings(
            memory_limit=settings.ENGINE_MEMORY_LIMIT,
            threads=settings.DUCKDB_THREADS,
            temp_directory=settings.STAGING_DIR,
            spark_master=settings.SPARK_MASTER,
        )

        def on_result(result: ModelResult) -> None:
            store_result(run, result)

        engine.run_models(rules, snapshot, engine=run.engine, params=params, settings=engine_settings,
                          on_result=on_result)
    except Exception as exc:
        logger.exception("run %s failed", run.pk)
        message = f"{exc.zh}\n{exc.en}" if isinstance(exc, RunProblem | RuleError) else f"运行出错 / run failed: {exc}"
        Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, error=message, finished_at=timezone.now())
        run.refresh_from_db()
        return run
    Run.objects.filter(pk=run.pk).update(status=Run.Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _month(text: dt.date) -> str:
    return f"{text.year}-{text.month:02d}"


def store_result(run: Run, result: ModelResult) -> RunModel:
    """Upsert one model's hits by fingerprint; mark its hits not found this time as not seen.

    A rerun updates periods, amount, level, explanation and evidence of a known hit and never
    creates a second one; a hit that disappears is kept, flagged `seen_in_latest = False`.
    """
    with transaction.atomic():
        found = {h.fingerprint: h for h in result.hits}
        # Everything of this model is "not seen" until this run's upsert below finds it again.
        Hit.objects.filter(model=result.model, seen_in_latest=True).update(seen_in_latest=False)
        existing: dict[str, Hit] = {}
        fingerprints = list(found)
        for start in range(0, len(fingerprints), 500):  # stay under SQLite's parameter limit
            chunk = fingerprints[start : start + 500]
            existing.update({h.fingerprint: h for h in Hit.objects.filter(fingerprint__in=chunk)})
        fresh, changed = [], []
        for fp, h in found.items():
            fields: dict[str, Any] = {
                "model": h.model, "rule_id": h.rule_id, "version": h.version, "level": h.level,
                "key": h.key, "department": h.department or "",
                "id_number": h.id_number or "", "name": h.name or "", "region_code": h.region_code or "",
                "township_code": (h.region_code[:9] + "000") if h.region_code else "",
                "program_code": h.program_code or "", "account_no": h.account_no or "",
                "periods": [_month(p) for p in h.periods], "first_period": h.first_period,
                "last_period": h.last_period, "period_count": len(h.periods), "amount": h.amount,
                "observed": h.observed, "explanation": h.explanation, "values": h.values,
                "evidence": [
                    {"dataset": e.dataset, "batch": e.batch, "row": e.row, "columns": list(e.values),
                     "values": e.values}
                    for e in h.evidence
                ],
                "last_run": run, "seen_in_latest": True,
            }
            if fp in existing:
                hit = existing[fp]
                for name, value in fields.items():
                    setattr(hit, name, value)
                changed.append(hit)
            else:
                fresh.append(Hit(fingerprint=fp, first_run=run, **fields))
        Hit.objects.bulk_create(fresh, batch_size=1000)
        if changed:
            Hit.objects.bulk_update(changed, [*_UPDATED_FIELDS, "updated_at"], batch_size=1000)
        outcome = RunModel.objects.create(
            run=run, code=result.model, examined=result.examined, rows=result.rows, hits=len(found),
            new_hits=len(fresh), seconds=round(result.seconds, 3), parameters=result.parameters,
            warning=result.warning or "",
        )
        Run.objects.filter(pk=run.pk).update(
            models_done=run.model_results.count(),
            hits_total=sum(run.model_results.values_list("hits", flat=True)),
            hits_new=sum(run.model_results.values_list("new_hits", flat=True)),
        )
    return outcome


_UPDATED_FIELDS = [
    "model", "rule_id", "version", "level", "key", "department", "id_number", "name", "region_code",
    "township_code", "program_code", "account_no", "periods", "first_period", "last_period",
    "period_count", "amount", "observed", "explanation", "values", "evidence", "last_run", "seen_in_latest",
]


def do_update_model_setting(*, code: str, user: User | None, enabled: bool, params: dict[str, Any]) -> ModelSetting:
    policy.require_unless_system(user, "model.configure")
    rules = {r.code: r for r in queries.rules()}
    if code not in rules:
        raise RunProblem(f"未知的模型 {code}", f"unknown model {code}")
    try:
        rules[code].effective_parameters(params)
    except RuleError as exc:
        raise RunProblem(exc.zh, exc.en) from exc
    with transaction.atomic():
        before = ModelSetting.objects.filter(code=code).values("enabled", "params").first()
        setting, _ = ModelSetting.objects.update_or_create(
            code=code, defaults={"enabled": enabled, "params": params, "updated_by": user}
        )
        record("model.settings", actor=user, obj=setting,
               detail={"code": code, "before": before, "after": {"enabled": enabled, "params": params}})
    return setting
