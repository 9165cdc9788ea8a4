"""Reads of the alert loop, and the one place that decides who sees and does what."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from mingjing.accounts.models import Organisation
from mingjing.alerts.models import Alert
from mingjing.lib import workdays


def organisation_of(user: User | AnonymousUser) -> Organisation | None:
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.organisation if membership else None


def is_county(user: User | AnonymousUser) -> bool:
    """County commission staff (and superusers, who administer the instance) see everything."""
    if not user.is_authenticated:
        return False
    org = organisation_of(user)
    return bool(user.is_superuser or (org and org.kind == Organisation.Kind.COUNTY_COMMISSION))


def alerts_for_user(user: User | AnonymousUser) -> QuerySet[Alert]:
    """Jurisdiction (workflow.md): county all; township its township; department what is routed
    to it; village its own village, never an alert about one of its cadres or their relatives."""
    alerts = Alert.objects.all()
    if not user.is_authenticated:
        return alerts.none()
    if is_county(user):
        return alerts
    org = organisation_of(user)
    if org is None:
        return alerts.none()
    if org.kind == Organisation.Kind.TOWNSHIP_COMMISSION:
        return alerts.filter(Q(township_code=org.region_code) | Q(township=org))
    if org.kind == Organisation.Kind.DEPARTMENT:
        return alerts.filter(department=org)
    if org.kind == Organisation.Kind.VILLAGE:
        return alerts.filter(region_code=org.region_code).exclude(conflict_villages__contains=f",{org.region_code},")
    return alerts.none()


def allowed_actions(user: User | AnonymousUser, alert: Alert) -> set[str]:
    """What this user may do to this alert now (the buttons shown, and the check in actions)."""
    if not user.is_authenticated:
        return set()
    org = organisation_of(user)
    county = is_county(user)
    handler = org is not None and org.pk in (alert.department_id, alert.township_id)
    actions: set[str] = set()
    if county:
        actions.add("reassign")
    if alert.status == Alert.Status.NEW and (handler or county):
        actions.add("sign")
    if alert.status == Alert.Status.VERIFYING and (handler or county):
        actions |= {"submit_result", "request_dismissal"}
    if alert.status == Alert.Status.RECTIFYING and (handler or county):
        actions.add("rectify")
    # Reviewed by the level above, never by the submitter: a department's result by the township
    # commission (or the county), a township's result by the county.
    township_above = (
        alert.result_by_kind == Organisation.Kind.DEPARTMENT
        and org is not None and org.kind == Organisation.Kind.TOWNSHIP_COMMISSION
        and org.region_code == alert.township_code
    )
    if alert.status == Alert.Status.UNDER_REVIEW and alert.result_by_id != user.pk and (county or township_above):
        actions.add("review")
    return actions


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
        return {k: v for k, v in asdict(self).items() if v not in ("", None, False) and k != "sort"}


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


def is_overdue(alert: Alert, now: dt.datetime | None = None) -> bool:
    """Overdue as the sweep sees it: not signed for by the signing deadline, or no result by the
    result deadline."""
    now = now or timezone.now()
    if alert.status == Alert.Status.NEW and alert.sign_due and alert.sign_due < now:
        return True
    return bool(alert.status in (Alert.Status.NEW, Alert.Status.VERIFYING) and alert.result_due
                and alert.result_due < now)


def summarise(alerts: QuerySet[Alert]) -> dict[str, Any]:
    """Counts by colour, by status and by level, the money, and the on-time share, in one query."""
    closed = Q(status=Alert.Status.CLOSED)
    row = alerts.aggregate(
        total=Count("id"),
        **{f"status_{s}": Count("id", filter=Q(status=s)) for s in Alert.Status.values},
        **{f"level_{lvl}": Count("id", filter=Q(level=lvl)) for lvl in LEVELS},
        supervised=Count("id", filter=Q(supervised=True)),
        amount=Sum("amount"), to_recover=Sum("money_to_recover"), recovered=Sum("money_recovered"),
        on_time=Count("id", filter=closed & (Q(result_due__isnull=True) | Q(closed_at__lte=F("result_due")))),
    )
    by_status = {s: row[f"status_{s}"] for s in Alert.Status.values}
    cent = Decimal("0.01")
    return {
        "total": row["total"],
        "by_status": by_status,
        "by_colour": {c: sum(by_status[s] for s in statuses) for c, statuses in COLOUR_STATUSES.items()},
        "by_level": {lvl: row[f"level_{lvl}"] for lvl in LEVELS},
        "supervised": row["supervised"],
        "amount": (row["amount"] or Decimal(0)).quantize(cent),  # SQLite's SUM drops the scale
        "to_recover": (row["to_recover"] or Decimal(0)).quantize(cent),
        "recovered": (row["recovered"] or Decimal(0)).quantize(cent),
        "closed": by_status[Alert.Status.CLOSED],
        "on_time": row["on_time"],
    }


def cockpit_stats(alerts: QuerySet[Alert], *, top: int = 10) -> dict[str, Any]:
    """Everything the cockpit draws, for alerts already narrowed to a scope.

    Steps: 1. the one-query summary (colours, levels, money, on time); 2. by model, with money;
    3. created per month (China time); 4. average handling time of closed alerts; 5. the villages
    with the most alerts.
    """
    stats = summarise(alerts)
    stats["on_time_rate"] = (
        (Decimal(stats["on_time"]) / stats["closed"]).quantize(Decimal("0.001")) if stats["closed"] else None
    )
    stats["by_model"] = list(
        alerts.values("model")
        .annotate(n=Count("id"), amount=Sum("amount"), recovered=Sum("money_recovered"))
        .order_by("-n", "model")
    )
    months = (
        alerts.annotate(month=TruncMonth("created_at", tzinfo=workdays.CHINA))
        .values("month").annotate(n=Count("id")).order_by("month")
    )
    stats["monthly"] = _fill_months([(m["month"], m["n"]) for m in months])
    handling = alerts.filter(status=Alert.Status.CLOSED, closed_at__isnull=False).aggregate(
        avg=Avg(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()))
    )["avg"]
    stats["avg_handling_days"] = (
        Decimal(handling.total_seconds() / 86400).quantize(Decimal("0.1")) if handling is not None else None
    )
    stats["top_villages"] = counts_by(alerts, "region_code")[:top]
    return stats


def _fill_months(rows: list[tuple[dt.date | dt.datetime, int]]) -> list[tuple[str, int]]:
    """Months without alerts count as 0, so the trend line does not skip them."""
    if not rows:
        return []
    counts = {(m.year, m.month): n for m, n in rows}
    (year, month), last = min(counts), max(counts)
    out = []
    while (year, month) <= last:
        out.append((f"{year}-{month:02d}", counts.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _distinct(alerts: QuerySet[Alert], field: str) -> list[str]:
    return [v for v in alerts.order_by(field).values_list(field, flat=True).distinct() if v]


def scope_regions(alerts: QuerySet[Alert], township: str = "") -> tuple[list[str], list[str]]:
    """The townships, and the villages (of `township` if given), that occur in `alerts`."""
    villages = alerts.filter(township_code=township) if township else alerts
    return _distinct(alerts, "township_code"), _distinct(villages, "region_code")


def filter_choices(alerts: QuerySet[Alert], township: str = "") -> dict[str, list[str]]:
    """Values the filter menus offer: what occurs within the user's jurisdiction."""
    townships, villages = scope_regions(alerts, township)
    return {"models": _distinct(alerts, "model"), "townships": townships, "villages": villages,
            "programs": _distinct(alerts, "program_code")}


def counts_by(alerts: QuerySet[Alert], field: str) -> list[tuple[str, int]]:
    """Alerts per value of `field` (township_code, region_code ...), most first."""
    rows = alerts.exclude(**{field: ""}).values(field).annotate(n=Count("id")).order_by("-n", field)
    return [(r[field], r["n"]) for r in rows]


def sees_full_subject(user: User | AnonymousUser) -> bool:
    """Who sees a subject's full ID and account numbers on the detail page (each view audited):
    the commissions and departments that verify. Village cadres, who never act on an alert, see
    them masked."""
    org = organisation_of(user)
    return is_county(user) or (org is not None and org.kind != Organisation.Kind.VILLAGE)


def tasks_for_user(user: User | AnonymousUser) -> QuerySet[Alert]:
    """Alerts this user can act on now (the same rules as `allowed_actions`, as one query),
    overdue first, then by the nearest deadline. Reassigning is not a task: the county may
    reassign anything. For the county: reviews, and alerts under its supervision (督办)."""
    if not user.is_authenticated:
        return Alert.objects.none()
    org = organisation_of(user)
    handling = Q(status__in=[Alert.Status.NEW, Alert.Status.VERIFYING, Alert.Status.RECTIFYING])
    not_mine = ~Q(result_by=user)
    can = Q(pk__in=[])
    if org is not None:
        can |= handling & (Q(department=org) | Q(township=org))
    if is_county(user):
        can |= Q(status=Alert.Status.UNDER_REVIEW) & not_mine
        can |= handling & Q(supervised=True)
    elif org is not None and org.kind == Organisation.Kind.TOWNSHIP_COMMISSION:
        can |= Q(status=Alert.Status.UNDER_REVIEW, result_by_kind=Organisation.Kind.DEPARTMENT,
                 township_code=org.region_code) & not_mine
    now = timezone.now()
    return (
        alerts_for_user(user).filter(can)
        .annotate(due=next_due())
        .annotate(overdue=Case(When(due__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-overdue", F("due").asc(nulls_last=True), "-created_at", "-id")
    )


def can_edit_deadlines(user: User | AnonymousUser) -> bool:
    """County administrators (and superusers): the same rule as `do_set_deadline_policy`."""
    if not user.is_authenticated:
        return False
    membership = getattr(user, "membership", None)
    return bool(user.is_superuser or (membership and membership.is_county_admin))


def region_names() -> dict[str, str]:
    """Region code -> name: the organisations' names, overridden by the `regions` dataset."""
    from mingjing.datahub.queries import snapshot

    names = dict(
        Organisation.objects.exclude(region_code="").exclude(kind=Organisation.Kind.DEPARTMENT)
        .values_list("region_code", "name")
    )
    names.update(_dataset_region_names(tuple(str(path) for _, path in snapshot()["regions"])))
    return names


@lru_cache(maxsize=4)
def _dataset_region_names(paths: tuple[str, ...]) -> dict[str, str]:
    """Cached per set of Parquet files: a batch's file never changes once active."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not paths:
        return {}
    table = pa.concat_tables([pq.read_table(p, columns=["code", "name"]) for p in paths])
    return {row["code"]: row["name"] for row in table.to_pylist()}


@dataclass(frozen=True)
class ModelInfo:
    code: str
    title: str
    parameter_labels: dict[str, str]


def model_catalogue() -> dict[str, ModelInfo]:
    """Problem models' titles and parameter labels, for lists and detail pages. Reading and
    checking the rule files takes seconds, so it is cached until a file in the folder changes."""
    from django.conf import settings

    directory = Path(settings.RULES_DIR)
    files = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.glob("*.yaml")))
    return _catalogue(str(directory), files)


@lru_cache(maxsize=2)
def _catalogue(directory: str, files: tuple[tuple[str, int, int], ...]) -> dict[str, ModelInfo]:
    import engine
    from engine.rules import RuleError

    try:
        rules = engine.load_rules(Path(directory))
    except RuleError:
        return {}  # a broken rule file is reported by `mingjing rules check`; pages show codes
    return {
        r.code: ModelInfo(r.code, r.title, {name: p.label for name, p in r.parameters.items()}) for r in rules
    }
