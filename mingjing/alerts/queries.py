"""Reads of the alert loop: lists, tasks, the cockpit. Who sees what is `accounts.policy`'s."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.alerts.models import Alert

# -- lists, tasks and the cockpit -----------------------------------------------------------------
# The list, its Excel export and the cockpit all filter with `filter_alerts`, so the cockpit's
# numbers for a scope are, by construction, what the list shows for the same scope.

COLOUR_STATUSES: dict[str, tuple[str, ...]] = {
    "red": (Alert.Status.NEW,),
    "yellow": (Alert.Status.VERIFYING, Alert.Status.UNDER_REVIEW, Alert.Status.RECTIFYING),
    "green": (Alert.Status.CLOSED,),
}
COLOURS = tuple(COLOUR_STATUSES)
LEVELS = ("high", "medium", "low")


@dataclass(frozen=True)
class AlertFilter:
    """What the list, the export and the cockpit are narrowed to, beyond the user's jurisdiction."""

    status: str = ""
    colour: str = ""
    level: str = ""
    model: str = ""
    township: str = ""  # township region code
    village: str = ""  # village region code
    program: str = ""
    supervised: bool | None = None
    not_seen: bool = False
    sort: str = "-created"

    def as_dict(self) -> dict[str, Any]:
        """The filters actually set (for the audit trail and for links)."""
        return {k: v for k, v in asdict(self).items()
                if k != "sort" and v is not None and v != "" and not (k == "not_seen" and not v)}


def filter_alerts(alerts: QuerySet[Alert], f: AlertFilter, *, colour: bool = True) -> QuerySet[Alert]:
    """Narrow `alerts` by `f`. `colour=False` leaves out the colour, for the counts by colour."""
    exact = {"status": f.status, "level": f.level, "model": f.model, "township_code": f.township,
             "region_code": f.village, "program_code": f.program}
    alerts = alerts.filter(**{field: value for field, value in exact.items() if value})
    if colour and f.colour in COLOUR_STATUSES:
        alerts = alerts.filter(status__in=COLOUR_STATUSES[f.colour])
    if f.supervised is not None:
        alerts = alerts.filter(supervised=f.supervised)
    if f.not_seen:
        alerts = alerts.filter(not_seen=True)
    return alerts


def next_due() -> Case:
    """The deadline the handler works to now: signing for a new alert (or its result deadline
    when it has no signing one), the result for one being verified; none after that."""
    return Case(
        When(status=Alert.Status.NEW, then=Coalesce("sign_due", "result_due")),
        When(status=Alert.Status.VERIFYING, then=F("result_due")),
        default=Value(None),
        output_field=DateTimeField(),
    )


def sort_alerts(alerts: QuerySet[Alert], sort: str) -> QuerySet[Alert]:
    if sort == "deadline":
        return alerts.annotate(due=next_due()).order_by(F("due").asc(nulls_last=True), "id")
    field, direction = {"created": ("created_at", ""), "-created": ("created_at", "-"),
                        "amount": ("amount", ""), "-amount": ("amount", "-")}.get(sort, ("created_at", "-"))
    return alerts.order_by(f"{direction}{field}", f"{direction}id")


def overdue_q(now: dt.datetime) -> Q:
    """Overdue, as the sweep escalates it and every page shows it: not signed for by the signing
    deadline, or no result by the result deadline. `Alert.due_now()` is the per-object twin."""
    return Q(status=Alert.Status.NEW, sign_due__lt=now) | Q(
        status__in=[Alert.Status.NEW, Alert.Status.VERIFYING], result_due__lt=now)


class NoIndex(Func):
    """A column SQLite must not walk an index for. Grouping by a bare indexed column makes SQLite
    read the rows in index order, one rowid lookup each (2x slower than a scan on 100,000
    alerts); its no-op unary + prevents that. Other databases get the plain column."""

    template = "%(expressions)s"

    def __init__(self, field: str) -> None:
        super().__init__(F(field), output_field=CharField())

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


def summarise(alerts: QuerySet[Alert], colour: str = "") -> dict[str, Any]:
    """The list's header in one query: counts by colour, and the total and money of the alerts
    of `colour` (all when empty). `alerts` must not be narrowed by colour (`filter_alerts(...,
    colour=False)`): the counts by colour then show what the other colours hold."""
    rows = (
        alerts.annotate(s=NoIndex("status")).values("s")
        .annotate(n=Count("id"), amount=Sum("amount"), to_recover=Sum("money_to_recover"),
                  recovered=Sum("money_recovered"))
        .order_by()
    )
    by_status: dict[str, dict[str, Any]] = {r["s"]: dict(r) for r in rows}
    wanted = COLOUR_STATUSES.get(colour) or tuple(Alert.Status.values)
    chosen = [by_status[s] for s in wanted if s in by_status]
    cent = Decimal("0.01")

    def money(key: str) -> Decimal:
        return sum((r[key] or Decimal(0) for r in chosen), Decimal(0)).quantize(cent)

    return {
        "total": sum(r["n"] for r in chosen),
        "by_colour": {c: sum(by_status[s]["n"] for s in statuses if s in by_status)
                      for c, statuses in COLOUR_STATUSES.items()},
        "amount": money("amount"), "to_recover": money("to_recover"), "recovered": money("recovered"),
    }


class LocalMonth(Func):
    """'YYYY-MM' of a timestamp in China time (UTC+8, no daylight saving since 1991).

    Dialect difference: Django's TruncMonth calls a Python function per row on SQLite (0.7 s for
    100,000 alerts); built-in string functions do it in a few tens of milliseconds."""

    output_field = CharField()
    template = "to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as 'YYYY-MM-DD HH:MM:SS' UTC text: the month is its first 7 characters unless
        # adding 8 hours crosses into the next month (day 28+ and 16:00 or later), and only
        # those rows pay for strftime's parsing (it takes 0.6 s for 100,000 rows).
        return self.as_sql(compiler, connection, template=(
            "CASE WHEN substr(%(expressions)s, 9, 2) >= '28' AND substr(%(expressions)s, 12, 2) >= '16' "
            "THEN strftime('%%%%Y-%%%%m', %(expressions)s, '+8 hours') ELSE substr(%(expressions)s, 1, 7) END"
        ), **extra)


class DaysBetween(Func):
    """Days (fractional) from `start` to `end`. Dialect difference: SQLite's julianday() instead of
    Django's duration arithmetic, which is a Python function per row there."""

    output_field = FloatField()
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(end, start)  # rendered as "end - start"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s))",
                           arg_joiner=") - julianday(", **extra)


def cockpit_stats(alerts: QuerySet[Alert], *, top: int = 10) -> dict[str, Any]:
    """Everything the cockpit draws, for alerts already narrowed to a scope (by `filter_alerts`).

    Three grouped passes instead of a query per chart: 1. counts and money by model, status and
    level, from which colours, levels, models, money, the on-time share and the handling time are
    summed here; 2. counts by month of creation (China time); 3. counts by township and village,
    for the drill-down and the villages with the most alerts.
    """
    closed = Q(status=Alert.Status.CLOSED)
    handled = closed & Q(closed_at__isnull=False)
    groups = (
        alerts.annotate(m=NoIndex("model"), s=NoIndex("status"), lv=NoIndex("level"))
        .values("m", "s", "lv")
        .annotate(
            n=Count("id"), amount=Sum("amount"), to_recover=Sum("money_to_recover"),
            recovered=Sum("money_recovered"), supervised=Count("id", filter=Q(supervised=True)),
            on_time=Count("id", filter=closed & (Q(result_due__isnull=True) | Q(closed_at__lte=F("result_due")))),
            handled=Count("id", filter=handled),
            handling_days=Sum(DaysBetween("created_at", "closed_at"), filter=handled),
        )
        .order_by()
    )
    zero = Decimal(0)
    by_status = dict.fromkeys(Alert.Status.values, 0)
    by_level = dict.fromkeys(LEVELS, 0)
    by_model: dict[str, dict[str, Any]] = {}
    months = {r["month"]: r["n"] for r in
              alerts.annotate(month=LocalMonth("created_at")).values("month").annotate(n=Count("id")).order_by()}
    totals = {"amount": zero, "to_recover": zero, "recovered": zero}
    supervised = on_time = handled_n = 0
    handling = 0.0
    rows: list[dict[str, Any]] = [dict(g) for g in groups]
    for g in rows:
        by_status[g["s"]] = by_status.get(g["s"], 0) + g["n"]
        by_level[g["lv"]] = by_level.get(g["lv"], 0) + g["n"]
        model = by_model.setdefault(g["m"], {"model": g["m"], "n": 0, "amount": zero, "recovered": zero})
        model["n"] += g["n"]
        model["amount"] += g["amount"] or zero
        model["recovered"] += g["recovered"] or zero
        for key in totals:
            totals[key] += g[key] or zero
        supervised += g["supervised"]
        on_time += g["on_time"]
        handled_n += g["handled"]
        handling += g["handling_days"] or 0.0
    closed_n = by_status[Alert.Status.CLOSED]
    regions = list(alerts.values("township_code", "region_code").annotate(n=Count("id")).order_by())
    villages = sorted(((r["region_code"], r["n"]) for r in regions if r["region_code"]), key=lambda v: (-v[1], v[0]))
    townships: dict[str, int] = {}
    for r in regions:
        if r["township_code"]:
            townships[r["township_code"]] = townships.get(r["township_code"], 0) + r["n"]
    cent = Decimal("0.01")
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_colour": {c: sum(by_status[s] for s in statuses) for c, statuses in COLOUR_STATUSES.items()},
        "by_level": by_level,
        "supervised": supervised,
        **{key: value.quantize(cent) for key, value in totals.items()},
        "closed": closed_n,
        "on_time": on_time,
        "on_time_rate": (Decimal(on_time) / closed_n).quantize(Decimal("0.001")) if closed_n else None,
        "avg_handling_days": (Decimal(str(handling / handled_n)).quantize(Decimal("0.1")) if handled_n else None),
        "by_model": sorted(by_model.values(), key=lambda m: (-m["n"], m["model"])),
        "monthly": _fill_months(months),
        "by_township": sorted(townships.items(), key=lambda t: (-t[1], t[0])),
        "by_village": villages,
        "top_villages": villages[:top],
    }


def _fill_months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Months ('YYYY-MM') without alerts count as 0, so the trend line does not skip them."""
    if not counts:
        return []
    (year, month) = map(int, min(counts).split("-"))
    last = max(counts)
    out = []
    while f"{year}-{month:02d}" <= last:
        key = f"{year}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _distinct(alerts: QuerySet[Alert], field: str) -> list[str]:
    return [v for v in alerts.order_by(field).values_list(field, flat=True).distinct() if v]


def in_scope(alerts: QuerySet[Alert], township: str, village: str = "") -> bool:
    """Whether the user's alerts include any in this township (and village): a scope they may
    open. Index probes, not DISTINCT scans."""
    scoped = alerts.filter(township_code=township)
    if village:
        scoped = scoped.filter(region_code=village)
    return scoped.exists()


def filter_choices(alerts: QuerySet[Alert], township: str = "", *, cache_key: str = "") -> dict[str, list[str]]:
    """Values the filter menus offer: what occurs within the user's jurisdiction.

    Four DISTINCT scans cost more than the rest of a list page on 100,000 alerts, so with a
    `cache_key` (the jurisdiction) the menus are cached until an alert is added or saved, or for
    five minutes."""
    from django.core.cache import cache

    def compute() -> dict[str, list[str]]:
        townships = _distinct(alerts, "township_code")
        # Villages of the chosen township (or of the only one): 500 villages make a useless menu.
        only = township or (townships[0] if len(townships) == 1 else "")
        villages = _distinct(alerts.filter(township_code=only), "region_code") if only else []
        return {"models": _distinct(alerts, "model"), "townships": townships, "villages": villages,
                "programs": _distinct(alerts, "program_code")}

    if not cache_key:
        return compute()
    # Two queries: SQLite answers a lone MAX from its index, but not two in one query.
    last_id = Alert.objects.aggregate(v=Max("id"))["v"]
    last_change = Alert.objects.aggregate(v=Max("updated_at"))["v"]
    key = f"mingjing:alert-menus:{cache_key}:{township}:{last_id}:{last_change.timestamp() if last_change else 0}"
    menus = cache.get_or_set(key, compute, timeout=300)
    return menus if menus is not None else compute()


def tasks_for_user(user: User | AnonymousUser) -> QuerySet[Alert]:
    """Alerts this user can act on now (`policy.task_filter`, the one-query twin of
    `policy.alert_actions`), overdue first, then by the nearest deadline."""
    now = timezone.now()
    return (
        policy.alerts_for(user).filter(policy.task_filter(user))
        .annotate(due=next_due())
        .annotate(overdue=Case(When(due__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-overdue", F("due").asc(nulls_last=True), "-created_at", "-id")
    )


@dataclass(frozen=True)
class ModelInfo:
    code: str
    title: str
    parameter_labels: dict[str, str]


def model_catalogue() -> dict[str, ModelInfo]:
    """Problem models' titles and parameter labels, for lists and detail pages (from the one
    cached rule loader; a broken rule file is reported by `mingjing rules check`)."""
    from engine.rules import RuleError
    from mingjing.analysis.queries import SYSTEM_MODELS, rules

    system = {code: ModelInfo(code, title, {}) for code, title in SYSTEM_MODELS.items()}
    try:
        loaded = rules()
    except RuleError:
        return system
    return system | {r.code: ModelInfo(r.code, r.title, {name: p.label for name, p in r.parameters.items()}) for r in loaded}
