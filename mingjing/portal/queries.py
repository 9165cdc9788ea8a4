"""Figures about the portal for staff pages (the cockpit's visits)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from mingjing.portal import visits
from mingjing.portal.models import Visit


def visit_stats(*, township: str = "", village: str = "", days: int = 30, top: int = 10) -> dict[str, Any]:
    """Visits of the village pages in the last `days` days within a cockpit scope: per day (every
    day, zero included, for the chart) and the villages visited most."""
    visits.flush()  # this process's pending counts first
    today = timezone.localdate()
    start = today - dt.timedelta(days=days - 1)
    rows = Visit.objects.filter(day__gte=start)
    if village:
        rows = rows.filter(village_code=village)
    elif township:
        rows = rows.filter(village_code__startswith=township[:9])
    per_day = dict(rows.values_list("day").annotate(n=Sum("count")).values_list("day", "n"))
    by_village = list(rows.values("village_code").annotate(n=Sum("count")).order_by("-n", "village_code")[:top])
    daily = [((start + dt.timedelta(days=i)).isoformat(), int(per_day.get(start + dt.timedelta(days=i), 0)))
             for i in range(days)]
    return {
        "daily": daily,
        "total": sum(n for _, n in daily),
        "by_village": [(r["village_code"], int(r["n"])) for r in by_village],
    }
