"""Reading the trail and its checkpoints (the console page, `verify`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from mingjing.audit import checkpoints
from mingjing.audit.checkpoints import BadCheckpoint, Checkpoint
from mingjing.audit.models import AuditEntry

# -- checkpoints ----------------------------------------------------------------------------------


@dataclass
class CheckpointFile:
    checkpoints: list[Checkpoint] = field(default_factory=list)  # the lines whose signature holds
    bad_lines: list[int] = field(default_factory=list)  # line numbers of the others

    @property
    def latest(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None


def read_checkpoints() -> CheckpointFile:
    """Every line of the checkpoint file, judged. No file yet is an empty result."""
    found = CheckpointFile()
    try:
        with checkpoints.path().open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    found.checkpoints.append(checkpoints.parse(line, number))
                except BadCheckpoint:
                    found.bad_lines.append(number)
    except FileNotFoundError:
        pass
    return found


# -- the trail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailFilter:
    action: str = ""  # a prefix: "alert." finds every step of the alert loop
    actor: str = ""  # a username, as recorded (kept when an account is renamed)
    object_type: str = ""
    object_id: str = ""
    since: dt.date | None = None  # local dates, both ends included
    until: dt.date | None = None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_trail(entries: QuerySet[AuditEntry], f: TrailFilter) -> QuerySet[AuditEntry]:
    """The entries matching `f`, newest first. Dates are bounded by the form (years 2000–2999)."""
    if f.action:
        entries = entries.filter(action__startswith=f.action)
    if f.actor:
        entries = entries.filter(actor_name=f.actor)
    if f.object_type:
        entries = entries.filter(object_type=f.object_type)
    if f.object_id:
        entries = entries.filter(object_id=f.object_id)
    if f.since:
        entries = entries.filter(at__gte=_start_of(f.since))
    if f.until:
        entries = entries.filter(at__lt=_start_of(f.until + dt.timedelta(days=1)))
    return entries.order_by("-id")


def entries_by_id(ids: list[int]) -> list[AuditEntry]:
    """The entries of a page, in the page's order (pages are paginated as ids first)."""
    by_id = {e.pk: e for e in AuditEntry.objects.filter(pk__in=ids).defer("prev_hash")}
    return [by_id[i] for i in ids if i in by_id]


def compact_json(detail: Any) -> str:
    """An entry's detail on one line, keys sorted, Chinese kept readable."""
    return json.dumps(detail, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
