"""Staff pages of 监督一点通 (投诉管理): the list with colour counts and filters, my tasks, the
detail with its timeline and actions, photos, the linked data panel, the Excel export.

Thin: complaints come through `get_complaint_for_user` (404 outside `policy.complaints_for`),
reads through `mingjing.complaints.queries`, every change through `mingjing.complaints.actions`,
and what is read of a tip-off or a complainant through `mingjing.complaints.views_log` (the trail).

Who never sees whom: the complainant's name and phone only with `complaint.contact` (commission
staff); a village or department that handles a complaint never learns who filed it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from mingjing.accounts import policy
from mingjing.accounts.presenter import present_subject
from mingjing.alerts.queries import model_catalogue
from mingjing.complaints import actions, queries, routing, views_log
from mingjing.complaints.actions import CATEGORIES, ComplaintRefused
from mingjing.complaints.models import Complaint, ComplaintPhoto
from mingjing.complaints.queries import ComplaintFilter
from mingjing.console import complaint_forms as f
from mingjing.console.access import (
    StaffRequest,
    get_complaint_for_user,
    permission_required,
    staff_required,
)
from mingjing.datahub.queries import region_names
from mingjing.lib.spreadsheets import defuse

COMPLAINTS_PER_PAGE = 30
EXCERPT = 120  # characters of a complaint's text on its card
EXPORT_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the list -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One complaint as its card shows it. A tip-off's text stays on its detail page, where
    each view is recorded."""

    complaint: Complaint
    village: str
    township: str
    category: str
    suggested: bool  # the category is the classifier's suggestion, not yet confirmed by staff
    due: Any
    overdue: bool
    excerpt: str


def _rows(complaints: list[Complaint], names: dict[str, str]) -> list[Row]:
    now = timezone.now()
    rows = []
    for c in complaints:
        text = "" if c.is_tipoff else " ".join(c.text.split())
        rows.append(Row(
            complaint=c, village=names.get(c.village_code, c.village_code),
            township=names.get(c.township_code, c.township_code),
            category=str(CATEGORIES.get(c.category or c.suggested_category, "")), suggested=not c.category,
            due=c.due_now(), overdue=c.is_overdue(now),
            excerpt=text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""),
        ))
    return rows


def _list_filter(request: StaffRequest) -> tuple[f.ComplaintFilterForm, ComplaintFilter, dict[str, str]]:
    names = region_names()
    choices = queries.filter_choices(policy.complaints_for(request.user))
    form = f.ComplaintFilterForm(request.GET or None, choices=choices, names=names)
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
@permission_required("complaint.view")
def complaint_list(request: StaffRequest) -> HttpResponse:
    form, filt, names = _list_filter(request)
    visible = policy.complaints_for(request.user)
    now = timezone.now()
    # Counts by colour leave the colour filter out, so the other colours stay one tap away.
    summary = queries.summarise(queries.filter_complaints(visible, filt, request.user, now=now, colour=False), now)
    complaints = queries.sort_complaints(queries.filter_complaints(visible, filt, request.user, now=now), filt)
    page = Paginator(complaints.select_related("handler"), COMPLAINTS_PER_PAGE).get_page(request.GET.get("page"))
    ctx = {
        "form": form, "filter": filt, "filters_set": len(filt.as_dict()) - filt.mine, "summary": summary, "colours": summary["by_colour"],
        "colour_links": {c: _query_string(request.GET, colour=c if c != filt.colour else "", page="")
                         for c in queries.COLOURS},
        "overdue_link": _query_string(request.GET, overdue="" if filt.overdue else "1", page=""),
        "all_link": _query_string(request.GET, mine="", page=""),
        "mine_link": _query_string(request.GET, mine="1", page=""),
        "task_count": queries.tasks_for(request.user).count(),
        "page": page, "rows": _rows(list(page.object_list), names),
        "query": _query_string(request.GET, page=""),
        "may_export": policy.has(request.user, "complaint.export"),
    }
    template = "console/complaints/_page.html" if request.headers.get("HX-Request") else "console/complaints/list.html"
    return render(request, template, ctx)


@require_GET
@permission_required("complaint.view")
def complaint_tasks(request: StaffRequest) -> HttpResponse:
    """My tasks: the list narrowed to what waits for me (`queries.task_filter`)."""
    return redirect(f"{reverse('console:complaints')}?mine=1")


def _cell(value: Any) -> Any:
    """Spreadsheet-safe: aware datetimes as local time, text that would run as a formula defused."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return defuse(value) if isinstance(value, str) else value


@require_GET
@permission_required("complaint.export")
def complaint_export(request: StaffRequest) -> HttpResponse:
    """The current filter as an XLSX file: never the complainant's details; a tip-off as its
    reference, category, status and dates only. Every export is recorded with its filter."""
    _form, filt, names = _list_filter(request)
    now = timezone.now()
    complaints = queries.sort_complaints(
        queries.filter_complaints(policy.complaints_for(request.user), filt, request.user, now=now), filt
    ).select_related("handler")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Complaint management"))
    sheet.append([_("Reference"), _("Channel"), _("Status"), _("Colour"), _("Category"), _("Suggested category"),
                  _("Township"), _("Village"), _("Project"), _("Text"), _("Handled by"), _("Filed"),
                  _("Accept by"), _("Accepted"), _("Answer by"), _("Extended"), _("Answered"), _("Closed"),
                  _("Overdue"), _("Reopened"), _("Rating"), _("Repeat complaint"), _("Published")])
    rows = 0
    for c in complaints.iterator(chunk_size=2000):
        tipoff = c.is_tipoff
        sheet.append([_cell(v) for v in (
            c.reference, c.get_channel_display(), c.get_status_display(), c.colour,
            str(CATEGORIES.get(c.category, "")), str(CATEGORIES.get(c.suggested_category, "")),
            "" if tipoff else names.get(c.township_code, c.township_code),
            "" if tipoff else names.get(c.village_code, c.village_code),
            "" if tipoff else c.project, "" if tipoff else c.text,
            "" if tipoff or c.handler is None else c.handler.name,
            c.created_at, c.accept_due, c.accepted_at, c.answer_due, _("yes") if c.extended else "",
            c.answered_at, c.closed_at, _("yes") if c.is_overdue(now) else "", c.reopened_count or "",
            c.get_rating_display() if c.rating else "", _("yes") if c.repeat_flagged else "",
            "" if tipoff else c.published_at,
        )])
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    views_log.do_record_export(request.user, filters=filt.as_dict(), rows=rows)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type=EXPORT_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="complaints-{stamp}.xlsx"'
    return response


# -- the detail and its actions -------------------------------------------------------------------

EVENT_LABELS = {
    "submitted": gettext_lazy("Filed by the villager"), "information_added": gettext_lazy("The villager added information"),
    "accepted": gettext_lazy("Accepted and routed"), "categorised": gettext_lazy("Category confirmed"),
    "rejected": gettext_lazy("Not accepted"), "transferred": gettext_lazy("Transferred"),
    "transfer_answered": gettext_lazy("Answer of the other body recorded"), "reassigned": gettext_lazy("Reassigned"),
    "extended": gettext_lazy("Deadline extended"), "answered": gettext_lazy("Answered"),
    "review_approved": gettext_lazy("Second answer approved"), "review_returned": gettext_lazy("Second answer returned"),
    "published": gettext_lazy("Published on the village page"), "note": gettext_lazy("Note"),
    "alert_opened": gettext_lazy("Alert opened"), "escalated": gettext_lazy("Escalated"),
    "closed_unrated": gettext_lazy("Closed without a rating"), "rated": gettext_lazy("Rated by the villager"),
    "reopened": gettext_lazy("Reopened"),
}


@dataclass
class ActionSpec:
    form: type[f.ActionForm]
    do: Callable[..., Any]
    title: Any  # lazily translated
    done: Any


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(f.AcceptForm, actions.do_accept, gettext_lazy("Accept and route"),
                         gettext_lazy("Accepted and routed to its handler.")),
    "reject": ActionSpec(f.RejectForm, actions.do_reject, gettext_lazy("Do not accept"),
                         gettext_lazy("Not accepted; the villager reads the reason with the code.")),
    "transfer": ActionSpec(f.TransferForm, actions.do_transfer, gettext_lazy("Transfer to another body"),
                           gettext_lazy("Transferred; its answer will be recorded when it comes back.")),
    "record_transfer_answer": ActionSpec(f.RecordTransferAnswerForm, actions.do_record_transfer_answer,
                                         gettext_lazy("Record the other body's answer"),
                                         gettext_lazy("The answer was recorded; the villager can read and rate it.")),
    "answer": ActionSpec(f.AnswerForm, actions.do_answer, gettext_lazy("Answer"), gettext_lazy("The answer was saved.")),
    "extend": ActionSpec(f.ExtendForm, actions.do_extend, gettext_lazy("Extend the deadline"),
                         gettext_lazy("The deadline was extended.")),
    "review": ActionSpec(f.ReviewForm, actions.do_review, gettext_lazy("Review the second answer"),
                         gettext_lazy("The review was recorded.")),
    "reassign": ActionSpec(f.ReassignForm, actions.do_reassign, gettext_lazy("Reassign"),
                           gettext_lazy("The complaint was reassigned.")),
    "publish": ActionSpec(f.PublishForm, actions.do_publish, gettext_lazy("Publish on the village page"),
                          gettext_lazy("Published on the village page.")),
    "categorise": ActionSpec(f.CategoriseForm, actions.do_categorise, gettext_lazy("Confirm the category"),
                             gettext_lazy("The category was saved.")),
    "open_alert": ActionSpec(f.OpenAlertForm, actions.do_open_alert, gettext_lazy("Open an alert"),
                             gettext_lazy("An alert was opened in the alert loop.")),
    "note": ActionSpec(f.NoteForm, actions.do_add_note, gettext_lazy("Add a note"), gettext_lazy("The note was added.")),
}
ACTION_ORDER = tuple(ACTIONS)


def offered(user: Any, complaint: Complaint) -> set[str]:
    """The actions the page offers: what the policy allows now, less a transfer that cannot be
    made (a tip-off never leaves the commissions; no receiving body configured)."""
    allowed = policy.complaint_actions(user, complaint)
    if complaint.is_tipoff or not f.transfer_bodies():
        allowed.discard("transfer")
    return allowed


def _action_form(action: str, complaint: Complaint, data: Any = None) -> f.ActionForm:
    return ACTIONS[action].form(data, prefix=action, complaint=complaint)


def _detail(request: StaffRequest, complaint: Complaint, *, bound: dict[str, f.ActionForm] | None = None,
            refused: ComplaintRefused | None = None, status: int = 200) -> HttpResponse:
    """The detail page. Showing a tip-off, or a complainant's contact details, is recorded."""
    user = request.user
    may_contact = policy.can(user, "complaint.contact", complaint)
    show_contact = may_contact and not complaint.anonymous
    if complaint.is_tipoff:
        views_log.do_view_complaint(complaint, user)
    if show_contact:
        views_log.do_view_contact(complaint, user)
    allowed = offered(user, complaint)
    action_forms = [
        (name, str(ACTIONS[name].title), (bound or {}).get(name) or _action_form(name, complaint))
        for name in ACTION_ORDER if name in allowed
    ]
    now = timezone.now()
    names = region_names()
    events = list(complaint.events.select_related("actor"))
    filed = next((e for e in events if e.kind == "submitted"), None)
    alert_visible = complaint.alert_id is not None and policy.alerts_for(user).filter(pk=complaint.alert_id).exists()
    ctx = {
        "complaint": complaint, "village": names.get(complaint.village_code, complaint.village_code),
        "township_name": names.get(complaint.township_code, complaint.township_code),
        "category": CATEGORIES.get(complaint.category, ""),
        "suggested": CATEGORIES.get(complaint.suggested_category, ""),
        # The classifier's confidence, when the filing recorded it.
        "confidence": filed.detail.get("confidence") if filed is not None else None,
        "show_contact": show_contact, "may_contact": may_contact,
        "may_originals": complaint.is_tipoff and may_contact,
        "photos": list(complaint.photos.order_by("added_at", "id")),
        "due": complaint.due_now(), "overdue": complaint.is_overdue(now),
        "recused": len(routing.ids_of(complaint.excluded_orgs)),
        "repeats": list(queries.repeat_group(complaint, user)[:50]),
        "alert_visible": alert_visible,
        "events": [(e, str(EVENT_LABELS.get(e.kind, e.kind))) for e in events],
        "action_forms": action_forms, "refused": refused,
    }
    return render(request, "console/complaints/detail.html", ctx, status=status)


@require_GET
@permission_required("complaint.view")
def complaint_detail(request: StaffRequest, complaint_id: int) -> HttpResponse:
    return _detail(request, get_complaint_for_user(request.user, complaint_id))


@require_POST
@staff_required
def complaint_act(request: StaffRequest, complaint_id: int, action: str) -> HttpResponse:
    """One action, posted as a plain form. Not allowed now: the page again with the reason (403);
    a form error: the page with the form's errors (400); refused by the action (its input judged,
    or the state changed meanwhile): its Chinese reason as a message. Then back to the page."""
    if action not in ACTIONS:
        raise Http404
    complaint = get_complaint_for_user(request.user, complaint_id)
    title = str(ACTIONS[action].title)
    if action not in offered(request.user, complaint):
        refused = ComplaintRefused(f"您现在不能对此件执行“{title}”（当前状态：{complaint.get_status_display()}）",
                                   f"you may not '{action}' this complaint now (status: {complaint.status})")
        return _detail(request, complaint, refused=refused, status=403)
    form = _action_form(action, complaint, request.POST)
    if not form.is_valid():
        return _detail(request, complaint, bound={action: form}, status=400)
    try:
        ACTIONS[action].do(complaint=complaint, user=request.user, **form.action_kwargs())
    except ComplaintRefused as refused:
        messages.error(request, refused.zh)
    else:
        messages.success(request, str(ACTIONS[action].done))
    return redirect("console:complaint", complaint_id=complaint.pk)


# -- photos ---------------------------------------------------------------------------------------


def _photo(request: StaffRequest, complaint_id: int, photo_id: int) -> tuple[Complaint, ComplaintPhoto]:
    complaint = get_complaint_for_user(request.user, complaint_id)
    return complaint, get_object_or_404(ComplaintPhoto.objects.filter(complaint=complaint), pk=photo_id)


@require_GET
@permission_required("complaint.view")
def complaint_photo(request: StaffRequest, complaint_id: int, photo_id: int) -> FileResponse:
    """The photo as shown: re-encoded without EXIF, to those who may see its complaint."""
    _complaint, photo = _photo(request, complaint_id, photo_id)
    try:
        handle = photo.shown.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("photo missing") from missing
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@permission_required("complaint.contact")
def complaint_photo_original(request: StaffRequest, complaint_id: int, photo_id: int) -> FileResponse:
    """A tip-off's original photo (EXIF and GPS kept, as evidence): commission staff holding
    `complaint.contact` only, each download recorded."""
    complaint, photo = _photo(request, complaint_id, photo_id)
    policy.require(request.user, "complaint.contact", complaint)
    if not complaint.is_tipoff or not photo.original:
        raise Http404("no original")
    try:
        handle = photo.original.open("rb")
    except FileNotFoundError as missing:
        raise Http404("photo missing") from missing
    views_log.do_download_original(complaint, photo, request.user)
    suffix = PurePath(photo.original.name or "").suffix
    return FileResponse(handle, as_attachment=True, filename=f"{complaint.reference}-{photo.pk}{suffix}")


# -- linked data ----------------------------------------------------------------------------------


@dataclass
class LinkedRow:
    alert: Any
    name: str
    masked_id: str
    model_title: str
    village: str


def _linked_rows(alerts: list[Any], user: Any, names: dict[str, str]) -> list[LinkedRow]:
    catalogue = model_catalogue()
    rows = []
    for a in alerts:
        subject = present_subject(a, user, "list")
        rows.append(LinkedRow(alert=a, name=subject.name, masked_id=subject.id_number,
                              model_title=catalogue[a.model].title if a.model in catalogue else "",
                              village=names.get(a.region_code, a.region_code)))
    return rows


@require_GET
@permission_required("complaint.view")
def complaint_linked(request: StaffRequest, complaint_id: int) -> HttpResponse:
    """What Mingjing knows about the village and the people named, within the user's own rights
    (`policy.alerts_for`); opening it is recorded."""
    complaint = get_complaint_for_user(request.user, complaint_id)
    linked = queries.linked_data(complaint, request.user)
    views_log.do_view_linked(complaint, request.user, alerts=linked.village_total + linked.people_total)
    names = region_names()
    ctx = {
        "complaint": complaint, "linked": linked, "village": names.get(complaint.village_code, complaint.village_code),
        "village_rows": _linked_rows(linked.village_alerts, request.user, names),
        "people_rows": _linked_rows(linked.people_alerts, request.user, names),
        "limit": queries.LINKED_LIMIT,
    }
    template = "console/complaints/_linked.html" if request.headers.get("HX-Request") else "console/complaints/linked.html"
    return render(request, template, ctx)
