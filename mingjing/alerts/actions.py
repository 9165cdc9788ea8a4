"""Every write of the alert loop. Views, the API, the sweep and the detection run call these.

Each action checks that the user may take it (`policy.alert_actions`), changes the alert in one
transaction, appends an `AlertEvent` and an audit entry, and sends notifications on commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.accounts.models import Organisation
from mingjing.alerts import conflicts, notify
from mingjing.alerts.models import Alert, AlertEvent, Attachment, DeadlinePolicy, Notification, Talk
from mingjing.alerts.queries import overdue_q
from mingjing.analysis.models import Hit, Run
from mingjing.audit.actions import record
from mingjing.lib import regions, workdays

DEFAULT_DEADLINES = {"high": (1, 10), "medium": (3, 15), "low": (None, None)}  # working days (workflow.md)
TALK_THRESHOLDS = {"medium": 4, "high": 2}  # alerts of a village in one year


class ActionRefused(policy.Refused):
    """A refused alert action: not allowed now, or its input judged invalid (after the check)."""


def _require(user: User, alert: Alert, action: str) -> None:
    if action not in policy.alert_actions(user, alert):
        raise ActionRefused(
            f"您不能对此预警执行“{action}”(当前状态：{alert.get_status_display()})",
            f"you may not '{action}' this alert (status: {alert.status})",
        )


def _log(alert: Alert, user: User | None, kind: str, note: str = "", **detail: Any) -> None:
    AlertEvent.objects.create(alert=alert, actor=user, kind=kind, note=note, detail=detail)
    record(f"alert.{kind}", actor=user, obj=alert, detail={"note": note, **detail})


# -- deadlines ------------------------------------------------------------------------------------


def deadlines_for(level: str) -> tuple[int | None, int | None]:
    policy = DeadlinePolicy.objects.filter(level=level).first()
    if policy is None:
        return DEFAULT_DEADLINES[level]
    return policy.sign_days, policy.result_days


def _set_deadlines(alert: Alert, start: dt.datetime) -> None:
    sign_days, result_days = deadlines_for(alert.level)
    alert.sign_due = workdays.deadline(start, sign_days) if sign_days else None
    alert.result_due = workdays.deadline(start, result_days) if result_days else None


def do_set_deadline_policy(*, user: User, level: str, sign_days: int | None, result_days: int | None) -> DeadlinePolicy:
    if not policy.can(user, "deadlines.configure"):
        raise ActionRefused("只有县级管理员可以修改办理时限", "only county administrators may change deadlines")
    with transaction.atomic():
        before = deadlines_for(level)
        deadlines, _ = DeadlinePolicy.objects.update_or_create(
            level=level, defaults={"sign_days": sign_days, "result_days": result_days}
        )
        record("settings.deadlines", actor=user, obj=deadlines,
               detail={"level": level, "before": list(before), "after": [sign_days, result_days]})
    return deadlines


# -- from hits to alerts --------------------------------------------------------------------------


class _Router:
    """Routing targets, read once per sync rather than twice per new alert."""

    def __init__(self) -> None:
        self.departments: dict[str, Organisation] = {}
        self.townships: dict[str, Organisation] = {}
        # One organisation per department name and per township code (a unique constraint).
        for org in Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT):
            self.departments[org.department] = org
        for org in Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP_COMMISSION):
            self.townships[org.region_code] = org

    def route(self, hit: Hit) -> tuple[Organisation | None, Organisation | None]:
        return self.departments.get(hit.department), self.townships.get(hit.township_code)


def sync_alerts(run: Run) -> dict[str, int]:
    """Make the run's hits into alerts: create, update, reopen, or mark not seen. Never delete.

    Steps: 1. new hits get an alert, routed and with deadlines; 2. known hits update their alert,
    and a closed alert whose hit gained periods after closing is reopened; 3. alerts of the run's
    models whose hit was not found are marked not seen; 4. conflict villages are recomputed.
    """
    counts = {"created": 0, "updated": 0, "reopened": 0, "not_seen": 0}
    models = list(run.model_results.values_list("code", flat=True))
    now = timezone.now()
    found = Hit.objects.filter(last_run=run, seen_in_latest=True).select_related("alert")
    conflict_map = conflicts.conflict_villages([h.id_number for h in found if h.id_number])
    pending_notifications: list[Alert] = []
    router = _Router()
    with transaction.atomic():
        for hit in found.iterator(chunk_size=1000):
            alert = getattr(hit, "alert", None)
            codes = conflict_map.get(hit.id_number, [])
            villages = f",{','.join(codes)}," if codes else ""
            if alert is None:
                department, township = router.route(hit)
                alert = Alert(
                    hit=hit, level=hit.level, original_level=hit.level, model=hit.model,
                    region_code=hit.region_code, township_code=hit.township_code,
                    program_code=hit.program_code, amount=hit.amount, department=department,
                    township=township, conflict_villages=villages,
                )
                _set_deadlines(alert, now)
                alert.save()
                _log(alert, None, "created", f"由 {hit.model} 疑点生成 / created from a {hit.model} hit",
                     run=run.pk, department=department.name if department else "", township=township.name if township else "")
                pending_notifications.append(alert)
                counts["created"] += 1
                continue
            alert.amount = hit.amount
            alert.not_seen = False
            alert.conflict_villages = villages
            fields = ["amount", "not_seen", "conflict_villages", "updated_at"]
            new_periods = sorted(set(hit.periods) - set(alert.closed_periods))
            if (alert.status == Alert.Status.CLOSED and new_periods
                    and new_periods[-1] > max(alert.closed_periods, default="")):
                alert.status = Alert.Status.NEW
                alert.reopened_count += 1
                alert.closed_at = None
                alert.rectified = False
                alert.result = ""
                alert.review_kind = ""
                _set_deadlines(alert, now)
                fields += ["status", "reopened_count", "closed_at", "rectified", "result", "review_kind",
                           "sign_due", "result_due"]
                alert.save(update_fields=fields)
                _log(alert, None, "reopened",
                     f"办结后问题仍在持续：新增发放期间 {'、'.join(new_periods)} / "
                     f"the problem continued after closing: new periods {', '.join(new_periods)}", run=run.pk)
                pending_notifications.append(alert)
                counts["reopened"] += 1
            else:
                alert.save(update_fields=fields)
                counts["updated"] += 1
        counts["not_seen"] = Alert.objects.filter(
            model__in=models, hit__seen_in_latest=False, not_seen=False
        ).update(not_seen=True)
    for alert in pending_notifications:
        notify.alert_assigned(alert)
    return counts


# -- the lifecycle --------------------------------------------------------------------------------


def do_sign_alert(*, alert: Alert, user: User) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _require(user, alert, "sign")
        alert.status = Alert.Status.VERIFYING
        alert.signed_at = timezone.now()
        alert.signed_by = user
        alert.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
        _log(alert, user, "signed", "已签收 / signed for")
    return alert


def do_submit_result(
    *,
    alert: Alert,
    user: User,
    result: str,
    account: str,
    money_to_recover: Decimal = Decimal("0"),
    money_recovered: Decimal = Decimal("0"),
    rectified: bool = False,
    files: list[UploadedFile] | None = None,
) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _require(user, alert, "submit_result")  # refuse outsiders before judging their input
        if result not in (Alert.Result.CONFIRMED, Alert.Result.PARTLY, Alert.Result.NOT_CONFIRMED):
            raise ActionRefused(f"无效的核查结果“{result}”", f"invalid result '{result}'")
        if not account.strip():
            raise ActionRefused("请填写核查情况说明", "a written account of the verification is required")
        if money_to_recover < 0 or money_recovered < 0 or money_recovered > money_to_recover:
            raise ActionRefused(
                "追回金额不能为负，也不能超过应追回金额",
                "amounts cannot be negative, and recovered cannot exceed to recover",
            )
        alert.status = Alert.Status.UNDER_REVIEW
        alert.review_kind = Alert.Review.RESULT
        alert.result = result
        alert.result_account = account
        alert.money_to_recover = money_to_recover
        alert.money_recovered = money_recovered
        alert.rectified = rectified
        alert.result_by = user
        alert.result_by_kind = policy.submitter_kind(user)
        alert.result_at = timezone.now()
        alert.save(update_fields=[
            "status", "review_kind", "result", "result_account", "money_to_recover", "money_recovered",
            "rectified", "result_by", "result_by_kind", "result_at", "updated_at",
        ])
        for upload in files or []:
            Attachment.objects.create(alert=alert, file=upload, name=upload.name or "attachment", uploaded_by=user)
        _log(alert, user, "result_submitted", account, result=result, money_to_recover=str(money_to_recover),
             money_recovered=str(money_recovered), rectified=rectified, attachments=len(files or []))
    notify.review_needed(alert)
    return alert


def do_request_dismissal(*, alert: Alert, user: User, reason: str) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _require(user, alert, "request_dismissal")
        if not reason.strip():
            raise ActionRefused("申请消除须说明理由", "a dismissal request needs a reason")
        alert.status = Alert.Status.UNDER_REVIEW
        alert.review_kind = Alert.Review.DISMISSAL
        alert.dismissal_reason = reason
        alert.result_by = user
        alert.result_by_kind = policy.submitter_kind(user)
        alert.result_at = timezone.now()
        alert.save(update_fields=["status", "review_kind", "dismissal_reason", "result_by", "result_by_kind",
                                  "result_at", "updated_at"])
        _log(alert, user, "dismissal_requested", reason)
    notify.review_needed(alert)
    return alert


def do_review_alert(*, alert: Alert, user: User, approve: bool, note: str = "") -> Alert:
    """Approve (close, or wait for rectification) or return with a reason."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _require(user, alert, "review")
        if not approve and not note.strip():
            raise ActionRefused("退回须说明理由", "returning an alert needs a reason")
        if not approve:
            alert.status = Alert.Status.VERIFYING
            alert.review_kind = ""
            alert.save(update_fields=["status", "review_kind", "updated_at"])
            _log(alert, user, "returned", note)
        else:
            if alert.review_kind == Alert.Review.DISMISSAL:
                alert.result = Alert.Result.DISMISSED
            if alert.result in (Alert.Result.CONFIRMED, Alert.Result.PARTLY) and not alert.rectified:
                alert.status = Alert.Status.RECTIFYING  # 整改不完成，预警不变色
            else:
                _close(alert)
            alert.review_kind = ""
            alert.save(update_fields=["status", "result", "review_kind", "closed_at", "closed_periods", "updated_at"])
            _log(alert, user, "approved", note, result=alert.result)
    if not approve:
        notify.returned(alert, note)
    return alert


def do_record_rectification(*, alert: Alert, user: User, money_recovered: Decimal, note: str = "") -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _require(user, alert, "rectify")
        if money_recovered < alert.money_recovered:
            raise ActionRefused("追回金额不能减少", "money recovered cannot go down")
        alert.money_recovered = money_recovered
        alert.rectified = True
        _close(alert)
        alert.save(update_fields=["money_recovered", "rectified", "status", "closed_at", "closed_periods", "updated_at"])
        _log(alert, user, "rectified", note, money_recovered=str(money_recovered))
    return alert


def _close(alert: Alert) -> None:
    alert.status = Alert.Status.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_periods = list(alert.hit.periods)


def do_reassign_alert(
    *, alert: Alert, user: User, department: Organisation | None, township: Organisation | None, reason: str
) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        _require(user, alert, "reassign")
        before = (alert.department.name if alert.department else "", alert.township.name if alert.township else "")
        alert.department = department
        alert.township = township
        alert.save(update_fields=["department", "township", "updated_at"])
        _log(alert, user, "reassigned", reason, before=list(before),
             after=[department.name if department else "", township.name if township else ""])
    notify.alert_assigned(alert)
    return alert


def do_mark_notifications_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark one's own notifications read (a conditional update: marking twice changes nothing)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def do_view_personal_data(*, alert: Alert, user: User) -> None:
    """A staff member opened the alert's personal data: recorded, as the law asks."""
    record("alert.view_personal_data", actor=user, obj=alert, detail={"hit": alert.hit_id})


# -- the sweep ------------------------------------------------------------------------------------


def do_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate overdue alerts and create talk tasks. Idempotent: run it as often as you like.

    Steps: 1. overdue medium → high, with the high deadlines from now; 2. overdue high → county
    supervision (督办); 3. villages with ≥ 4 medium or ≥ 2 high alerts this year → a talk (约谈).
    """
    now = now or timezone.now()
    overdue = overdue_q(now)
    counts = {"raised": 0, "supervised": 0, "talks": 0}
    for alert in Alert.objects.filter(overdue, level="medium").select_related("hit"):
        with transaction.atomic():
            alert.level = "high"
            _set_deadlines(alert, now)
            alert.save(update_fields=["level", "sign_due", "result_due", "updated_at"])
            _log(alert, None, "escalated", "逾期未办，由中升为高 / overdue: raised from medium to high")
        notify.escalated(alert, supervised=False)
        counts["raised"] += 1
    for alert in Alert.objects.filter(overdue, level="high", supervised=False):
        with transaction.atomic():
            alert.supervised = True
            alert.save(update_fields=["supervised", "updated_at"])
            _log(alert, None, "supervised", "逾期未办，提级由县纪委监委督办 / overdue: raised to county supervision")
        notify.escalated(alert, supervised=True)
        counts["supervised"] += 1
    counts["talks"] = _create_talks(now)
    return counts


def _create_talks(now: dt.datetime) -> int:
    year = now.astimezone(workdays.CHINA).year
    start = dt.datetime(year, 1, 1, tzinfo=workdays.CHINA)
    rows = (
        Alert.objects.filter(created_at__gte=start, created_at__lt=start.replace(year=year + 1))
        .exclude(region_code="")
        .exclude(result__in=[Alert.Result.NOT_CONFIRMED, Alert.Result.DISMISSED])
        .values("region_code")
        .annotate(high=Count("id", filter=Q(level="high")), medium=Count("id", filter=Q(level="medium")))
    )
    created = 0
    for row in rows:
        if row["high"] < TALK_THRESHOLDS["high"] and row["medium"] < TALK_THRESHOLDS["medium"]:
            continue
        township = Organisation.objects.filter(
            kind=Organisation.Kind.TOWNSHIP_COMMISSION, region_code=regions.township_of(row["region_code"])
        ).first()
        talk, made = Talk.objects.get_or_create(
            village_code=row["region_code"], year=year,
            defaults={"township": township, "high_alerts": row["high"], "medium_alerts": row["medium"]},
        )
        if made:
            record("talk.created", obj=talk, detail={"high": row["high"], "medium": row["medium"]})
            notify.talk_created(talk)
            created += 1
    return created
