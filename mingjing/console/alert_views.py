"""Staff pages of the alert loop: list, export, detail with its actions, my tasks, inbox,
deadlines and the cockpit.

Thin: objects come through `alert_access` (404 outside the jurisdiction), reads through
`mingjing.alerts.queries`, and every change through `mingjing.alerts.actions`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from mingjing.accounts import policy
from mingjing.accounts.presenter import exports_in_full, present_evidence, present_subject
from mingjing.alerts import actions, queries
from mingjing.alerts.actions import ActionRefused
from mingjing.alerts.models import Alert, Notification
from mingjing.alerts.queries import AlertFilter
from mingjing.analysis.models import RunModel
from mingjing.audit.actions import record
from mingjing.complaints.stats import cockpit_section
from mingjing.console import alert_forms as f
from mingjing.console.access import (
    StaffRequest,
    get_alert_for_user,
    get_attachment_for_user,
    get_notification_for_user,
    permission_required,
    staff_required,
)
from mingjing.datahub.queries import region_names
from mingjing.lib import regions
from mingjing.lib.spreadsheets import defuse
from mingjing.portal.queries import visit_stats

ALERTS_PER_PAGE = 50
TASKS_PER_PAGE = 50
NOTIFICATIONS_PER_PAGE = 30
EXPORT_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the list -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One alert as a list shows it: the subject masked, the deadline worked to now, names."""

    alert: Alert
    masked_id: str
    name: str
    due: Any
    overdue: bool
    village: str
    township: str
    model_title: str


def _rows(alerts: list[Alert], names: dict[str, str], user: Any) -> list[Row]:
    now = timezone.now()
    catalogue = queries.model_catalogue()
    rows = []
    for a in alerts:
        subject = present_subject(a, user, "list")
        rows.append(Row(
            alert=a, masked_id=subject.id_number, name=subject.name, due=a.due_now(),
            overdue=a.is_overdue(now), village=names.get(a.region_code, a.region_code),
            township=names.get(a.township_code, a.township_code),
            model_title=catalogue[a.model].title if a.model in catalogue else "",
        ))
    return rows


def _alerts_by_id(ids: list[int]) -> list[Alert]:
    """The alerts of a page, in the page's order, with the few hit fields a list shows.

    Pages are paginated as ids first: the sort then carries two columns, not whole rows joined
    to their hits (5x faster on a township's 30,000 alerts)."""
    found = Alert.objects.filter(pk__in=ids).select_related("hit").defer(
        "hit__evidence", "hit__values", "hit__key", "hit__explanation")
    by_id = {a.pk: a for a in found}
    return [by_id[i] for i in ids if i in by_id]


def _list_filter(request: StaffRequest) -> tuple[f.AlertFilterForm, AlertFilter, dict[str, str]]:
    visible = policy.alerts_for(request.user)
    names = region_names()
    township = request.GET.get("township", "")
    choices = queries.filter_choices(visible, township if re.fullmatch(r"\d{12}", township) else "",
                                     cache_key=policy.jurisdiction_key(request.user))
    form = f.AlertFilterForm(request.GET or None, choices=choices, names=names, models=queries.model_catalogue())
    return form, form.to_filter(), names


def _query_string(params: QueryDict, **changes: str) -> str:
    q = params.copy()
    for key, value in changes.items():
        if value:
            q[key] = value
        else:
            q.pop(key, None)
    return q.urlencode()


@require_GET
@permission_required("alert.view")
def alert_list(request: StaffRequest) -> HttpResponse:
    form, filt, names = _list_filter(request)
    visible = policy.alerts_for(request.user)
    alerts = queries.filter_alerts(visible, filt)
    # Counts by colour leave the colour filter out, so the other colours stay one tap away.
    summary = queries.summarise(queries.filter_alerts(visible, filt, colour=False), filt.colour)
    paginator = Paginator(queries.sort_alerts(alerts, filt.sort).values_list("id", flat=True), ALERTS_PER_PAGE)
    paginator.count = summary["total"]  # already counted with the summary: saves a query
    page = paginator.get_page(request.GET.get("page"))
    ctx = {
        "form": form, "filter": filt, "summary": summary, "colours": summary["by_colour"],
        "colour_links": {c: _query_string(request.GET, colour=c if c != filt.colour else "", page="")
                         for c in queries.COLOURS},
        "page": page, "rows": _rows(_alerts_by_id(list(page.object_list)), names, request.user),
        "query": _query_string(request.GET, page=""),
        "can_edit_deadlines": policy.has(request.user, "deadlines.configure"),
    }
    template = "console/alerts/_page.html" if request.headers.get("HX-Request") else "console/alerts/list.html"
    return render(request, template, ctx)


def _cell(value: Any) -> Any:
    """Spreadsheet-safe: aware datetimes as local time, and text that would run as a formula
    (=, +, -, @ first) kept as text."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return defuse(value) if isinstance(value, str) else value


@require_GET
@permission_required("alert.export")
def alert_export(request: StaffRequest) -> HttpResponse:
    """The current filter as an XLSX file, subjects as the presenter shows them for an export
    (in full to the county only); every export is recorded with its filter and row count."""
    _form, filt, names = _list_filter(request)
    full_id = exports_in_full(request.user)
    alerts = queries.sort_alerts(queries.filter_alerts(policy.alerts_for(request.user), filt), filt.sort)
    alerts = alerts.select_related("hit", "department", "township").defer(
        "hit__evidence", "hit__values", "hit__key")
    catalogue = queries.model_catalogue()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Alerts"))
    sheet.append([_("No."), _("Problem model"), _("Model title"), _("Level"), _("Status"), _("Colour"),
                  _("Supervised"), _("ID number"), _("Name"), _("Township"), _("Village"), _("Programme"),
                  _("Amount (yuan)"), _("First period"), _("Last period"), _("Sign for by"), _("Result by"),
                  _("Department"), _("Township commission"), _("Result"), _("Money to recover (yuan)"),
                  _("Money recovered (yuan)"), _("Created"), _("Closed"), _("Not seen in the latest run"),
                  _("Explanation")])
    rows = 0
    for a in alerts.iterator(chunk_size=2000):
        hit = a.hit
        subject = present_subject(a, request.user, "export")
        sheet.append([_cell(v) for v in (
            a.pk, a.model, catalogue[a.model].title if a.model in catalogue else "", a.get_level_display(),
            a.get_status_display(), a.colour, _("yes") if a.supervised else "",
            subject.id_number, subject.name,
            names.get(a.township_code, a.township_code), names.get(a.region_code, a.region_code), a.program_code,
            a.amount, hit.first_period, hit.last_period, a.sign_due, a.result_due,
            a.department.name if a.department else "", a.township.name if a.township else "",
            a.get_result_display() if a.result else "", a.money_to_recover, a.money_recovered, a.created_at,
            a.closed_at, _("yes") if a.not_seen else "", subject.explanation,
        )])
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    record("alerts.export", actor=request.user, object_type="alerts.alert",
           detail={"filter": filt.as_dict(), "sort": filt.sort, "rows": rows, "full_id": full_id})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type=EXPORT_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="alerts-{stamp}.xlsx"'
    return response


# -- the detail and its actions -------------------------------------------------------------------

EVENT_LABELS = {
    "created": gettext_lazy("Alert created"), "signed": gettext_lazy("Signed for"),
    "result_submitted": gettext_lazy("Result submitted"), "dismissal_requested": gettext_lazy("Dismissal requested"),
    "returned": gettext_lazy("Returned"), "approved": gettext_lazy("Approved"),
    "rectified": gettext_lazy("Rectification recorded"), "reassigned": gettext_lazy("Reassigned"),
    "escalated": gettext_lazy("Escalated"), "supervised": gettext_lazy("Raised to county supervision"),
    "reopened": gettext_lazy("Reopened"),
}
ACTION_ORDER = ("sign", "submit_result", "request_dismissal", "review", "rectify", "reassign")


@dataclass
class ActionSpec:
    form: type[f.ActionForm]
    do: Callable[..., Alert]
    title: Any  # lazily translated
    done: Any


ACTIONS: dict[str, ActionSpec] = {
    "sign": ActionSpec(
        f.SignForm, actions.do_sign_alert, gettext_lazy("Sign for"), gettext_lazy("Signed for.")),
    "submit_result": ActionSpec(
        f.ResultForm, actions.do_submit_result, gettext_lazy("Submit the verification result"),
        gettext_lazy("The result was submitted for review.")),
    "request_dismissal": ActionSpec(
        f.DismissalForm, actions.do_request_dismissal, gettext_lazy("Request dismissal"),
        gettext_lazy("The dismissal request was submitted for review.")),
    "review": ActionSpec(
        f.ReviewForm, actions.do_review_alert, gettext_lazy("Review"), gettext_lazy("The review was recorded.")),
    "rectify": ActionSpec(
        f.RectificationForm, actions.do_record_rectification, gettext_lazy("Record the rectification"),
        gettext_lazy("The rectification was recorded; the alert is closed.")),
    "reassign": ActionSpec(
        f.ReassignForm, actions.do_reassign_alert, gettext_lazy("Reassign"), gettext_lazy("The alert was reassigned.")),
}


def _action_form(action: str, alert: Alert, data: Any = None, files: Any = None) -> f.ActionForm:
    return ACTIONS[action].form(data, files, prefix=action, alert=alert)


def _thresholds(alert: Alert) -> list[tuple[str, str, Any]]:
    """The model's parameters in the run that last found the hit: the thresholds it was held to."""
    result = RunModel.objects.filter(run_id=alert.hit.last_run_id, code=alert.model).first()
    params = result.parameters if result else {}
    info = queries.model_catalogue().get(alert.model)
    labels = info.parameter_labels if info else {}
    return [(name, labels.get(name, ""), value) for name, value in params.items()]


def _detail(request: StaffRequest, alert: Alert, *, bound: dict[str, f.ActionForm] | None = None,
            refused: ActionRefused | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    subject = present_subject(alert, user, "page")
    if subject.full:
        actions.do_view_personal_data(alert=alert, user=user)
    allowed = policy.alert_actions(user, alert)
    action_forms = [
        (name, str(ACTIONS[name].title), (bound or {}).get(name) or _action_form(name, alert))
        for name in ACTION_ORDER if name in allowed
    ]
    now = timezone.now()
    names = region_names()
    info = queries.model_catalogue().get(alert.model)
    ctx = {
        "alert": alert, "hit": alert.hit, "subject": subject,
        "model_title": info.title if info else "",
        "thresholds": _thresholds(alert),
        "sign_overdue": alert.sign_overdue(now), "result_overdue": alert.result_overdue(now),
        "village": names.get(alert.region_code, ""), "township_name": names.get(alert.township_code, ""),
        "evidence": present_evidence(alert, user, subject),
        "may_see_batches": policy.has(user, "batch.view"),
        "attachments": alert.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"),
        "events": [(e, str(EVENT_LABELS.get(e.kind, e.kind))) for e in alert.events.select_related("actor")],
        "action_forms": action_forms, "refused": refused,
    }
    return render(request, "console/alerts/detail.html", ctx, status=status)


@require_GET
@permission_required("alert.view")
def alert_detail(request: StaffRequest, alert_id: int) -> HttpResponse:
    return _detail(request, get_alert_for_user(request.user, alert_id))


@require_POST
@staff_required
def alert_act(request: StaffRequest, alert_id: int, action: str) -> HttpResponse:
    """One lifecycle action. A form error re-renders the page (400); a refusal shows the
    action's bilingual reason (403) and changes nothing."""
    if action not in ACTIONS:
        raise Http404
    alert = get_alert_for_user(request.user, alert_id)
    form = _action_form(action, alert, request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, alert, bound={action: form}, status=400)
    try:
        ACTIONS[action].do(alert=alert, user=request.user, **form.action_kwargs())
    except ActionRefused as refused:
        alert = get_alert_for_user(request.user, alert_id)
        return _detail(request, alert, bound={action: form}, refused=refused, status=403)
    messages.success(request, str(ACTIONS[action].done))
    return redirect("console:alert", alert_id=alert_id)


@require_GET
@permission_required("alert.view")
def attachment_download(request: StaffRequest, alert_id: int, attachment_id: int) -> FileResponse:
    attachment = get_attachment_for_user(request.user, alert_id, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("file missing") from missing
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


# -- my tasks and the inbox -----------------------------------------------------------------------


@require_GET
@staff_required
def tasks(request: StaffRequest) -> HttpResponse:
    page = Paginator(queries.tasks_for_user(request.user).values_list("id", flat=True),
                     TASKS_PER_PAGE).get_page(request.GET.get("page"))
    rows = _rows(_alerts_by_id(list(page.object_list)), region_names(), request.user)
    tasks_ = [
        (row, [(name, str(ACTIONS[name].title)) for name in ACTION_ORDER
               if name != "reassign" and name in policy.alert_actions(request.user, row.alert)])
        for row in rows
    ]
    return render(request, "console/alerts/tasks.html", {"page": page, "tasks": tasks_})


@require_GET
@staff_required
def inbox(request: StaffRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).select_related("alert")
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    unread = notifications.filter(read_at__isnull=True).count()
    return render(request, "console/alerts/inbox.html", {"page": page, "unread": unread})


@require_POST
@staff_required
def notification_read(request: StaffRequest, notification_id: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, notification_id)
    actions.do_mark_notifications_read(user=request.user, ids=[notification.pk])
    if request.headers.get("HX-Request"):
        notification.refresh_from_db()
        return render(request, "console/alerts/_notification.html", {"n": notification})
    return redirect("console:inbox")


@require_POST
@staff_required
def notifications_read_all(request: StaffRequest) -> HttpResponse:
    count = actions.do_mark_notifications_read(user=request.user)
    messages.success(request, _("%(n)s notifications marked as read.") % {"n": count})
    return redirect("console:inbox")


# -- deadlines ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("deadlines.configure")
def deadline_settings(request: StaffRequest) -> HttpResponse:
    current = {level: actions.deadlines_for(level) for level in queries.LEVELS}
    form = f.DeadlinesForm(request.POST or None, current=current)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "console/alerts/deadlines.html", {"form": form}, status=400)
        changed = 0
        for level, (sign_days, result_days) in form.policies().items():
            if (sign_days, result_days) != current[level]:
                actions.do_set_deadline_policy(user=request.user, level=level, sign_days=sign_days,
                                               result_days=result_days)
                changed += 1
        messages.success(request, _("Deadlines saved (%(n)s levels changed). They apply to alerts created from now on.")
                         % {"n": changed})
        return redirect("console:deadlines")
    return render(request, "console/alerts/deadlines.html", {"form": form})


# -- the cockpit ----------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def _visit_scope(user: Any, township: str, village: str) -> tuple[str, str]:
    """The portal visits the cockpit shows: its chosen scope, else the user's own area (a
    township commission its township, a village itself; the county and departments: all)."""
    if township or village or policy.is_county(user):
        return township, village
    org = policy.organisation_of(user)
    if org is None or not org.region_code:
        return "", ""
    if policy.is_village(user):
        return regions.township_of(org.region_code), org.region_code
    return org.region_code, ""


@require_GET
@permission_required("cockpit.view")
def cockpit(request: StaffRequest) -> HttpResponse:
    """County → township → village, each level only within the user's jurisdiction: a scope the
    user does not see is 404, like an alert they do not see."""
    visible = policy.alerts_for(request.user)
    township = request.GET.get("township", "")
    village = request.GET.get("village", "")
    if village and not township:
        township = regions.township_of(village)
    if township and not queries.in_scope(visible, township, village):
        raise Http404
    scope = AlertFilter(township=township, village=village)
    alerts = queries.filter_alerts(visible, scope)
    stats = queries.cockpit_stats(alerts)
    names = region_names()
    catalogue = queries.model_catalogue()
    cockpit_url = reverse("console:cockpit")
    if village:
        drill: list[tuple[str, str, int, str]] = []
    elif township:
        drill = [(code, names.get(code, code), n, f"{cockpit_url}?township={township}&village={code}")
                 for code, n in stats["by_village"]]
    else:
        drill = [(code, names.get(code, code), n, f"{cockpit_url}?township={code}")
                 for code, n in stats["by_township"]]
    visits_township, visits_village = _visit_scope(request.user, township, village)
    portal_visits = visit_stats(township=visits_township, village=visits_village)
    colour_labels = {"red": _("New"), "yellow": _("In hand"), "green": _("Closed")}
    level_labels = {"high": _("high"), "medium": _("medium"), "low": _("low")}
    chart_data = {
        "labels": {
            "alerts": _("Alerts"), "amount": _("Amount at stake (yuan)"), "recovered": _("Recovered (yuan)"),
            "to_recover": _("To recover (yuan)"),
        },
        "by_model": [{"code": m["model"], "title": catalogue[m["model"]].title if m["model"] in catalogue else "",
                      "n": m["n"], "amount": _money(m["amount"]), "recovered": _money(m["recovered"])}
                     for m in stats["by_model"]],
        "by_colour": [{"key": c, "label": colour_labels[c], "n": stats["by_colour"][c]} for c in queries.COLOURS],
        "by_level": [{"key": lvl, "label": level_labels[lvl], "n": stats["by_level"][lvl]} for lvl in queries.LEVELS],
        "monthly": stats["monthly"],
        "money": {"amount": _money(stats["amount"]), "to_recover": _money(stats["to_recover"]),
                  "recovered": _money(stats["recovered"])},
        "top_villages": [{"code": code, "name": names.get(code, code), "n": n,
                          "url": f"{cockpit_url}?township={regions.township_of(code)}&village={code}"}
                         for code, n in stats["top_villages"]],
        "visits": portal_visits["daily"],
    }
    complaints = (cockpit_section(request.user, timezone.now(), township=township, village=village)
                  if policy.has(request.user, "complaint.view") else None)
    if complaints is not None:
        chart_data["complaints"] = complaints["chart"]
    list_query = _query_string(QueryDict(mutable=True), township=township, village=village)
    ctx = {
        "stats": stats, "chart_data": chart_data, "drill": drill, "township": township, "village": village,
        "township_name": names.get(township, township), "village_name": names.get(village, village),
        "list_query": list_query, "colour_labels": colour_labels,
        "portal_visits": portal_visits,
        "visit_villages": [(code, names.get(code, code), n) for code, n in portal_visits["by_village"]],
        "complaints": complaints,
        "on_time_percent": (stats["on_time_rate"] * 100).quantize(Decimal("0.1"))
        if stats["on_time_rate"] is not None else None,
    }
    return render(request, "console/alerts/cockpit.html", ctx)
