"""The JSON API for alerts (list, detail, actions) and complaints (list, detail, figures), with
bearer tokens and an OpenAPI document.

Thin: every read goes through `policy.alerts_for` and the list's `filter_alerts` (so the API sees
exactly what the console sees), subjects through the presenter, and every write through
`mingjing.alerts.actions`. Served at /api/v1/, the document at
/api/v1/openapi.json (no bundled docs page: it would load assets from the internet).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema
from ninja.responses import Status
from ninja.security import HttpBearer

from mingjing.accounts import policy
from mingjing.accounts.models import Organisation
from mingjing.accounts.presenter import present_evidence, present_subject
from mingjing.alerts import actions
from mingjing.alerts.actions import ActionRefused
from mingjing.alerts.models import Alert
from mingjing.alerts.queries import AlertFilter, filter_alerts, sort_alerts
from mingjing.api.actions import digest
from mingjing.api.models import ApiToken
from mingjing.complaints.models import Complaint
from mingjing.complaints.queries import ComplaintFilter, filter_complaints
from mingjing.complaints.stats import cached_stats
from mingjing.complaints.views_log import do_view_complaint


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        """The token's user, or None (401) for an unknown, revoked or expired token and for an
        account that is inactive or has no role."""
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user", "user__membership")
            .filter(key_hash=digest(token), revoked=False)
            .exclude(expires_at__lte=now)
            .first()
        )
        if row is None or policy.role_of(row.user) is None:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="明镜 Mingjing API", version="1", urls_namespace="api", auth=TokenAuth(), docs_url=None,
    description="预警闭环与群众投诉接口 / the alert loop: list and read alerts within your jurisdiction, and "
                "act on them; complaints and tip-offs: list, read and count them.",
)


class ErrorOut(Schema):
    zh: str
    en: str


class AlertSummary(Schema):
    id: int
    model: str
    level: str
    status: str
    colour: str
    supervised: bool
    id_number_masked: str
    name: str
    region_code: str
    program_code: str
    amount: Decimal
    first_period: dt.date | None
    last_period: dt.date | None
    sign_due: dt.datetime | None
    result_due: dt.datetime | None
    created_at: dt.datetime


class EventOut(Schema):
    at: dt.datetime
    kind: str
    actor: str
    note: str


class EvidenceOut(Schema):
    dataset: str
    batch: int
    row: int
    values: dict[str, Any]  # masked as the presenter decides for this user


class AlertDetail(AlertSummary):
    id_number: str  # in full only where the policy allows it (each such read is recorded)
    account_no: str
    explanation: str
    observed: str
    periods: list[str]
    department: str
    township: str
    result: str
    result_account: str
    money_to_recover: Decimal
    money_recovered: Decimal
    rectified: bool
    not_seen: bool
    allowed_actions: list[str]
    evidence: list[EvidenceOut]
    events: list[EventOut]


class AlertPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AlertSummary]


class Filters(Schema):
    status: str | None = None
    level: str | None = None
    model: str | None = None
    township: str | None = None
    village: str | None = None
    program: str | None = None
    sort: Literal["amount", "-amount", "created", "-created"] = "-created"
    page: int = 1
    page_size: int = 50


def _summary(alert: Alert, user: Any) -> dict[str, Any]:
    hit = alert.hit
    subject = present_subject(alert, user, "list")
    return {
        "id": alert.pk, "model": alert.model, "level": alert.level, "status": alert.status,
        "colour": alert.colour, "supervised": alert.supervised, "id_number_masked": subject.id_number,
        "name": subject.name, "region_code": alert.region_code, "program_code": alert.program_code,
        "amount": alert.amount, "first_period": hit.first_period, "last_period": hit.last_period,
        "sign_due": alert.sign_due, "result_due": alert.result_due, "created_at": alert.created_at,
    }


def _get(request: HttpRequest, alert_id: int) -> Alert:
    alert = policy.alerts_for(request.user).select_related("hit", "department", "township").filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    return alert


def _detail(request: HttpRequest, alert: Alert) -> dict[str, Any]:
    subject = present_subject(alert, request.user, "page")
    if subject.full:
        actions.do_view_personal_data(alert=alert, user=request.user)  # type: ignore[arg-type]
    hit = alert.hit
    return {
        **_summary(alert, request.user),
        "id_number": subject.id_number, "account_no": subject.account_no, "name": subject.name,
        "explanation": subject.explanation, "observed": subject.observed,
        "periods": hit.periods, "department": alert.department.name if alert.department else "",
        "township": alert.township.name if alert.township else "", "result": alert.result,
        "result_account": alert.result_account, "money_to_recover": alert.money_to_recover,
        "money_recovered": alert.money_recovered, "rectified": alert.rectified, "not_seen": alert.not_seen,
        "allowed_actions": sorted(policy.alert_actions(request.user, alert)),
        "evidence": [{"dataset": t.dataset, "batch": r["batch"], "row": r["row"], "values": r["values"]}
                     for t in present_evidence(alert, request.user, subject) for r in t.rows],
        "events": [
            {"at": e.at, "kind": e.kind, "actor": e.actor.get_username() if e.actor else "system", "note": e.note}
            for e in alert.events.select_related("actor")
        ],
    }


@api.get("/alerts", response=AlertPage, summary="List alerts within your jurisdiction")
def list_alerts(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    chosen = AlertFilter(status=filters.status or "", level=filters.level or "", model=filters.model or "",
                         township=filters.township or "", village=filters.village or "",
                         program=filters.program or "", sort=filters.sort)
    alerts = sort_alerts(filter_alerts(policy.alerts_for(request.user), chosen), chosen.sort).select_related("hit")
    size = max(1, min(filters.page_size, 200))
    page = max(1, filters.page)
    count = alerts.count()
    rows = alerts[(page - 1) * size : page * size]
    return {"count": count, "page": page, "page_size": size, "results": [_summary(a, request.user) for a in rows]}


@api.get("/alerts/{alert_id}", response={200: AlertDetail, 404: ErrorOut}, summary="One alert, with evidence and timeline")
def get_alert(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    return _detail(request, _get(request, alert_id))


class ResultIn(Schema):
    result: Literal["confirmed", "partly", "not_confirmed"]
    account: str
    money_to_recover: Decimal = Decimal("0")
    money_recovered: Decimal = Decimal("0")
    rectified: bool = False


class ReasonIn(Schema):
    reason: str


class ReviewIn(Schema):
    approve: bool
    note: str = ""


class RectificationIn(Schema):
    money_recovered: Decimal
    note: str = ""


class ReassignIn(Schema):
    department_id: int | None = None
    township_id: int | None = None
    reason: str


def _act(request: HttpRequest, alert_id: int, do: Any, **kwargs: Any) -> Status[dict[str, Any]]:
    alert = _get(request, alert_id)
    try:
        alert = do(alert=alert, user=request.user, **kwargs)
    except ActionRefused as refused:
        return Status(403, {"zh": refused.zh, "en": refused.en})
    alert.refresh_from_db()
    return Status(200, _detail(request, alert))


RESPONSES = {200: AlertDetail, 403: ErrorOut, 404: ErrorOut}


@api.post("/alerts/{alert_id}/sign", response=RESPONSES, summary="Sign for an alert (签收)")
def sign(request: HttpRequest, alert_id: int) -> Status[dict[str, Any]]:
    return _act(request, alert_id, actions.do_sign_alert)


@api.post("/alerts/{alert_id}/result", response=RESPONSES, summary="Submit the verification result (核查结果)")
def submit_result(request: HttpRequest, alert_id: int, body: ResultIn) -> Status[dict[str, Any]]:
    return _act(request, alert_id, actions.do_submit_result, result=body.result, account=body.account,
                money_to_recover=body.money_to_recover, money_recovered=body.money_recovered,
                rectified=body.rectified)


@api.post("/alerts/{alert_id}/dismissal", response=RESPONSES, summary="Ask to dismiss a false positive (消除申请)")
def request_dismissal(request: HttpRequest, alert_id: int, body: ReasonIn) -> Status[dict[str, Any]]:
    return _act(request, alert_id, actions.do_request_dismissal, reason=body.reason)


@api.post("/alerts/{alert_id}/review", response=RESPONSES, summary="Approve or return a result or dismissal")
def review(request: HttpRequest, alert_id: int, body: ReviewIn) -> Status[dict[str, Any]]:
    return _act(request, alert_id, actions.do_review_alert, approve=body.approve, note=body.note)


@api.post("/alerts/{alert_id}/rectification", response=RESPONSES, summary="Record the rectification (整改)")
def rectify(request: HttpRequest, alert_id: int, body: RectificationIn) -> Status[dict[str, Any]]:
    return _act(request, alert_id, actions.do_record_rectification, money_recovered=body.money_recovered,
                note=body.note)


@api.post("/alerts/{alert_id}/reassign", response=RESPONSES, summary="Reassign (county commission only)")
def reassign(request: HttpRequest, alert_id: int, body: ReassignIn) -> Status[dict[str, Any]]:
    department = Organisation.objects.filter(pk=body.department_id, kind="department").first() if body.department_id else None
    township = (Organisation.objects.filter(pk=body.township_id, kind="township_commission").first()
                if body.township_id else None)
    return _act(request, alert_id, actions.do_reassign_alert, department=department, township=township,
                reason=body.reason)


# -- 监督一点通: complaints and tip-offs ----------------------------------------------------------
#
# Only what `policy.complaints_for` gives the token's user. Never the complainant's name or phone;
# never a tip-off's text or answer (its conduct allegations stay in the console, where each read
# is recorded); a detail read of a tip-off is recorded in the trail all the same.

MAX_PAGE = 100_000  # beyond: 422, never a database overflow
# `CATEGORY_CHOICES` (a test checks they agree): an unknown value is a 422 that lists these.
ComplaintCategory = Literal["project", "assets", "welfare", "labour", "openness", "conduct", "other"]


class ComplaintFilters(Schema):
    status: Complaint.Status | None = None
    channel: Complaint.Channel | None = None
    category: ComplaintCategory | None = None  # confirmed, else suggested
    township: str | None = Field(None, pattern=r"^\d{12}$")
    village: str | None = Field(None, pattern=r"^\d{12}$")
    since: dt.date | None = None  # filed on or after this day (China time)
    page: int = Field(1, le=MAX_PAGE)
    page_size: int = 50


class ComplaintSummary(Schema):
    reference: str
    channel: str
    status: str
    colour: str
    overdue: bool
    category: str
    suggested_category: str
    village_code: str
    township_code: str
    created_at: dt.datetime
    accept_due: dt.datetime | None
    answer_due: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    rating: str
    reopened_count: int
    repeat_of: str | None  # the reference of the earlier complaint, when the user may see it
    alert: int | None  # the alert it opened, when the user may see it


class ComplaintDetail(ComplaintSummary):
    text: str | None  # None for a tip-off
    answer: str | None  # None for a tip-off


class ComplaintPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ComplaintSummary]


class VillageCount(Schema):
    code: str
    name: str
    n: int


class ComplaintStatsOut(Schema):
    total: int
    by_category: dict[str, int]
    by_status: dict[str, int]
    by_channel: dict[str, int]
    finished: int
    on_time: int
    on_time_rate: float | None
    accepted: int
    accepted_on_time: int
    accept_on_time_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    repeats: int
    repeat_rate: float | None
    overdue: int
    targets: dict[str, float]
    by_village: list[VillageCount]


def _complaint_summaries(user: Any, complaints: list[Complaint]) -> list[dict[str, Any]]:
    """Rows of the list and the detail, in two extra queries at most: the earlier complaints and
    the alerts linked are named only when the user may see them."""
    now = timezone.now()
    earlier = {c.repeat_of_id for c in complaints if c.repeat_of_id}
    visible = policy.complaints_for(user)
    references = dict(visible.filter(pk__in=earlier).values_list("pk", "reference")) if earlier else {}
    alert_ids = {c.alert_id for c in complaints if c.alert_id}
    alerts = set(policy.alerts_for(user).filter(pk__in=alert_ids).values_list("pk", flat=True)) if alert_ids else set()
    return [{
        "reference": c.reference, "channel": c.channel, "status": c.status, "colour": c.colour,
        "overdue": c.is_overdue(now), "category": c.category, "suggested_category": c.suggested_category,
        "village_code": c.village_code, "township_code": c.township_code, "created_at": c.created_at,
        "accept_due": c.accept_due, "answer_due": c.answer_due, "answered_at": c.answered_at,
        "closed_at": c.closed_at, "rating": c.rating, "reopened_count": c.reopened_count,
        "repeat_of": references.get(c.repeat_of_id), "alert": c.alert_id if c.alert_id in alerts else None,
    } for c in complaints]


@api.get("/complaints", response=ComplaintPage, summary="List complaints and tip-offs within your jurisdiction")
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    # The console's filter (one place for what "category" and "since" mean: China's days).
    wanted = ComplaintFilter(status=filters.status or "", channel=filters.channel or "",
                             category=filters.category or "", township=filters.township or "",
                             village=filters.village or "", since=filters.since)
    complaints = filter_complaints(policy.complaints_for(request.user), wanted, request.user)
    size = max(1, min(filters.page_size, 200))
    page = max(1, filters.page)
    count = complaints.count()
    rows = list(complaints.defer("text", "answer", "public_text", "public_answer")[(page - 1) * size : page * size])
    return {"count": count, "page": page, "page_size": size, "results": _complaint_summaries(request.user, rows)}


@api.get("/complaints/stats", response=ComplaintStatsOut,
         summary="Counts, on-time, satisfaction and repeat rates of your complaints (as the cockpit)")
def complaints_stats(request: HttpRequest) -> dict[str, Any]:
    return cached_stats(request.user, timezone.now())


@api.get("/complaints/{reference}", response={200: ComplaintDetail, 404: ErrorOut},
         summary="One complaint (a tip-off without its text; the read is recorded)")
def get_complaint(request: HttpRequest, reference: str) -> dict[str, Any]:
    complaint = policy.complaints_for(request.user).filter(reference=reference.strip().upper()[:16]).first()
    if complaint is None:
        raise Http404
    if complaint.is_tipoff:
        do_view_complaint(complaint, request.user, via="api")  # type: ignore[arg-type]
    (summary,) = _complaint_summaries(request.user, [complaint])
    tipoff = complaint.is_tipoff
    return {**summary, "text": None if tipoff else complaint.text, "answer": None if tipoff else complaint.answer}
