"""Reads of 监督一点通 for the staff console: the list's filters and colour counts, my tasks, the
repeat group, the linked data, redaction for the public version. Who sees what is the policy's
(`policy.complaints_for`, `policy.complaint_actions`); this module only narrows what it allows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, Value, When
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.accounts.policy import AnyUser
from mingjing.complaints.actions import overdue_q
from mingjing.complaints.models import STATUS_COLOUR, Complaint
from mingjing.lib import workdays

S = Complaint.Status

# The colours of the list (`Complaint.colour` per object): red waits to be accepted, yellow is in
# hand, green is done (answered, closed, not accepted or passed on to another body).
COLOUR_STATUSES: dict[str, tuple[str, ...]] = {
    colour: tuple(status for status, c in STATUS_COLOUR.items() if c == colour) for colour in ("red", "yellow", "green")
}
COLOURS = tuple(COLOUR_STATUSES)

# The actions that make a complaint one of "my tasks": the step it waits for from this user.
# Left out: what is always possible and never owed (note, categorise, open an alert, publish) and
# the triager's second thoughts while a handler works on it (reassign, transfer once accepted).
DUTIES = frozenset({"accept", "answer", "record_transfer_answer", "review"})


@dataclass(frozen=True)
class ComplaintFilter:
    """What the list and the export are narrowed to, beyond the user's jurisdiction."""

    channel: str = ""
    status: str = ""
    colour: str = ""
    category: str = ""
    township: str = ""  # 12-digit township code
    village: str = ""  # 12-digit village code
    overdue: bool = False
    repeat: bool = False  # in a repeat group flagged to the county
    since: dt.date | None = None  # filed on or after (China date)
    until: dt.date | None = None  # filed on or before (China date)
    mine: bool = False  # my tasks only

    def as_dict(self) -> dict[str, Any]:
        """The filters actually set (for the trail and the filter badge)."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items()
                if v not in (None, "", False)}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=workdays.CHINA)


def filter_complaints(complaints: QuerySet[Complaint], f: ComplaintFilter, user: AnyUser | None, *,
                      now: dt.datetime | None = None, colour: bool = True) -> QuerySet[Complaint]:
    """Narrow `complaints` (already the user's jurisdiction) by `f`. `colour=False` leaves the
    colour out, for the counts by colour."""
    exact = {"channel": f.channel, "status": f.status, "township_code": f.township, "village_code": f.village}
    complaints = complaints.filter(**{field: value for field, value in exact.items() if value})
    if f.category:  # the confirmed category, else the suggested one
        complaints = complaints.filter(Q(category=f.category) | Q(category="", suggested_category=f.category))
    if colour and f.colour in COLOUR_STATUSES:
        complaints = complaints.filter(status__in=COLOUR_STATUSES[f.colour])
    if f.overdue:
        complaints = complaints.filter(overdue_q(now or timezone.now()))
    if f.repeat:
        complaints = complaints.filter(repeat_flagged=True)
    if f.since:
        complaints = complaints.filter(created_at__gte=_day_start(f.since))
    if f.until:
        complaints = complaints.filter(created_at__lt=_day_start(f.until + dt.timedelta(days=1)))
    if f.mine:
        complaints = complaints.filter(task_filter(user))
    return complaints


def due_now() -> Case:
    """`Complaint.due_now` in SQL: the deadline being worked to."""
    return Case(
        When(status=S.SUBMITTED, then=F("accept_due")),
        When(status=S.ACCEPTED, then=F("answer_due")),
        default=Value(None), output_field=DateTimeField(),
    )


def sort_complaints(complaints: QuerySet[Complaint], f: ComplaintFilter) -> QuerySet[Complaint]:
    """Newest first; my tasks by the nearest deadline (the overdue ones first, then none)."""
    if f.mine:
        return complaints.annotate(due=due_now()).order_by(F("due").asc(nulls_last=True), "-created_at", "-id")
    return complaints.order_by("-created_at", "-id")


def summarise(complaints: QuerySet[Complaint], now: dt.datetime | None = None) -> dict[str, Any]:
    """The list's header in one query: counts by colour, the overdue count and the total.
    `complaints` must not be narrowed by colour (the counts show what the other colours hold)."""
    now = now or timezone.now()
    counts = complaints.order_by().aggregate(
        total=Count("id"), overdue=Count("id", filter=overdue_q(now)),
        **{c: Count("id", filter=Q(status__in=statuses)) for c, statuses in COLOUR_STATUSES.items()},
    )
    return {"total": counts["total"], "overdue": counts["overdue"],
            "by_colour": {c: counts[c] for c in COLOURS}}


def filter_choices(complaints: QuerySet[Complaint]) -> dict[str, list[str]]:
    """The townships and villages the user's complaints come from (for the filter menus)."""
    pairs = complaints.order_by().values_list("township_code", "village_code").distinct()
    townships, villages = set(), set()
    for township, village in pairs:
        townships.add(township)
        villages.add(village)
    return {"townships": sorted(townships), "villages": sorted(villages)}


# -- my tasks -------------------------------------------------------------------------------------


def task_actions(user: AnyUser | None, complaint: Complaint) -> set[str]:
    """The duties among what the user may do to this complaint now, for complaints routed to,
    accepted by or escalated to the user's own organisation. (The county commission may act on
    every complaint of the county; only what is in its own charge is its task.)"""
    org = policy.organisation_of(user)
    if org is None or org.pk not in (complaint.triage_id, complaint.handler_id, complaint.escalated_to_id):
        return set()
    return policy.complaint_actions(user, complaint) & DUTIES


def task_filter(user: AnyUser | None) -> Q:
    """`task_actions` as one condition over complaints (the twin of `policy.complaint_actions`
    restricted to DUTIES, as `policy.task_filter` is of `alert_actions`; a test keeps them equal).

    - accept (and reject, transfer): a submitted complaint, by its accepting or escalated-to
      commission (`complaint.triage`);
    - record_transfer_answer: a transferred one, by the same;
    - answer (and extend): an accepted one, by its handler (`complaint.handle`);
    - review: a second answer under review, by the escalated-to organisation or the county
      (tip-offs: the escalated-to commission only), never its author (`complaint.review`).
    Never a complaint the user's organisation is ruled out of (recusal).
    """
    nothing = Q(pk__in=[])
    role = policy.role_of(user)
    org = policy.organisation_of(user)
    if user is None or role is None or org is None:
        return nothing
    county = role in policy.COUNTY
    public_matter = Q(channel=Complaint.Channel.COMPLAINT)
    duties = nothing
    if policy.has(user, "complaint.triage"):
        triager = Q(triage=org) | Q(escalated_to=org) | (public_matter if county else nothing)
        duties |= triager & Q(status__in=[S.SUBMITTED, S.TRANSFERRED])
    if policy.has(user, "complaint.handle"):
        handler = Q(handler=org) | (public_matter if county else nothing)
        duties |= handler & Q(status=S.ACCEPTED)
    if policy.has(user, "complaint.review"):
        reviewer = Q(escalated_to=org) | (public_matter if county else nothing)
        duties |= reviewer & Q(status=S.UNDER_REVIEW) & ~Q(answer_by=user.pk)
    in_charge = Q(triage=org) | Q(handler=org) | Q(escalated_to=org)
    return duties & in_charge & ~Q(excluded_orgs__contains=f",{org.pk},")


def tasks_for(user: AnyUser | None) -> QuerySet[Complaint]:
    return policy.complaints_for(user).filter(task_filter(user))


# -- the detail -----------------------------------------------------------------------------------


def repeat_group(complaint: Complaint, user: AnyUser | None) -> QuerySet[Complaint]:
    """The other complaints of its repeat group that the user may see, oldest first."""
    root_id = complaint.repeat_of_id or complaint.pk
    return (policy.complaints_for(user).filter(Q(pk=root_id) | Q(repeat_of_id=root_id))
            .exclude(pk=complaint.pk).order_by("created_at", "pk"))


LINKED_LIMIT = 20


@dataclass(frozen=True)
class Linked:
    """What Mingjing already knows about a complaint's village and the people it names, within
    the user's own rights (`policy.alerts_for`)."""

    village_alerts: list[Any]  # open alerts of the village
    village_total: int
    people_alerts: list[Any]  # alerts whose subject has a name the complaint names, in its township
    people_total: int


def linked_data(complaint: Complaint, user: AnyUser | None) -> Linked:
    from mingjing.alerts.models import Alert

    visible = policy.alerts_for(user).select_related("hit").defer("hit__evidence", "hit__values", "hit__key")
    village = visible.filter(region_code=complaint.village_code).exclude(status=Alert.Status.CLOSED)
    people = [p for p in complaint.people if p]
    named = (visible.filter(hit__name__in=people, township_code=complaint.township_code)
             if people else visible.none())
    newest = ("-created_at", "-id")
    return Linked(
        village_alerts=list(village.order_by(*newest)[:LINKED_LIMIT]), village_total=village.count(),
        people_alerts=list(named.order_by(*newest)[:LINKED_LIMIT]), people_total=named.count(),
    )


# -- the public version -------------------------------------------------------------------------

# Two-character surnames (复姓) that keep both characters: 欧阳娜娜 → 欧阳某.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "司空",
    "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "闻人", "澹台", "公冶", "宗政", "濮阳",
    "太叔", "申屠", "钟离", "赫连", "拓跋",
})


def surname_mou(name: str) -> str:
    """张三 → 张某, 欧阳娜娜 → 欧阳某: how a public text names a person."""
    name = name.strip()
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return f"{surname}某"


def redact_names(text: str, people: list[str]) -> str:
    """`text` with each named person replaced by surname + 某, longest names first (so 王小明 is
    not half-replaced by 王小)."""
    for name in sorted({p.strip() for p in people if p and p.strip()}, key=len, reverse=True):
        text = text.replace(name, surname_mou(name))
    return text
