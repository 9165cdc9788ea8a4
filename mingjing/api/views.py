"""The JSON API for alerts (list, detail, actions), with bearer tokens and an OpenAPI document.

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
from ninja import NinjaAPI, Query, Schema
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
    description="预警闭环接口 / the alert loop: list and read alerts within your jurisdiction, and act on them.",
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
