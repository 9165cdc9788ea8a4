"""三务公开 pages: public (a village's sections, one item with its history, its files) and the
console (list by jurisdiction, draft, act on an item, categories, bulk import). Thin: every
write is an action of `portal/disclosures.py`, which checks the policy itself."""

from __future__ import annotations

import itertools
import re
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mingjing.accounts import policy
from mingjing.accounts.presenter import mask_name
from mingjing.console.access import StaffRequest, permission_required
from mingjing.datahub.reader import FileProblem
from mingjing.portal import disclosure_forms as f
from mingjing.portal import disclosures as d
from mingjing.portal.models import Disclosure, DisclosureAttachment, DisclosureCategory
from mingjing.portal.public import cached_page, place_or_404, places, render_public

S = Disclosure.Status
SECTIONS = dict(DisclosureCategory.Section.choices)
# Columns of a published table holding people's names: shown with the surname only (§6.4).
_NAME_HEADER = re.compile(r"姓名|户主|户名|名字|领取人|收款|代领人|联系人|申请人|享受人|对象|党员|成员|承包人|承租人|负责人")


# -- public ----------------------------------------------------------------------------------------


def _public_table(table: dict[str, Any]) -> dict[str, Any] | None:
    if not table or not table.get("columns"):
        return None
    columns = [str(c) for c in table["columns"]]
    masked = {i for i, c in enumerate(columns) if _NAME_HEADER.search(c)}
    rows = [[mask_name(c) if i in masked and c else c for i, c in enumerate(row)] for row in table.get("rows", [])]
    return {"columns": columns, "rows": rows}


@require_GET
@cached_page
def disclosures(request: HttpRequest, village_code: str, section: str) -> HttpResponse:
    """A section of a village: current items by category and period, newest first."""
    place = place_or_404(village_code)
    if section not in SECTIONS:
        raise Http404("no such section")
    return render_public(request, "portal/disclosures.html", {
        "section": section, "section_name": SECTIONS[section], "groups": d.archive(place.code, section),
    }, place)


def _visible(village_code: str, pk: int) -> Disclosure:
    return get_object_or_404(Disclosure.objects.select_related("category"), pk=pk, village_code=village_code,
                             status__in=d.VISIBLE)


@require_GET
@cached_page
def disclosure(request: HttpRequest, village_code: str, pk: int) -> HttpResponse:
    """One published item: text, table, files; every published version, each correction with
    what changed (its note and the lines of text that differ)."""
    place = place_or_404(village_code)
    item = _visible(place.code, pk)
    history = d.versions(item)
    steps = []
    for newer, older in itertools.pairwise(history):
        steps.append({"version": newer, "previous": older, "changes": d.changes_only(older.body, newer.body)})
    current = history[0] if history else item
    return render_public(request, "portal/disclosure.html", {
        "item": item, "current": current, "table": _public_table(item.table), "history": history, "steps": steps,
        "attachments": list(item.attachments.all()), "due": d.due_date(item.category, item.period),
        "period_label": d.period_label(item.period), "section_name": SECTIONS[item.category.section],
    }, place)


def _file_response(attachment: DisclosureAttachment) -> FileResponse:
    try:
        path = d.attachment_path(attachment)
        handle = path.open("rb")
    except OSError as exc:
        raise Http404("file missing") from exc
    inline = attachment.content_type.startswith("image/")
    response = FileResponse(handle, content_type=attachment.content_type, as_attachment=not inline)
    response["Content-Disposition"] = content_disposition_header(not inline, attachment.name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def disclosure_file(request: HttpRequest, village_code: str, pk: int, attachment_id: int) -> HttpResponseBase:
    """A file of a published (or corrected) item; nothing of a draft is ever served here."""
    item = _visible(place_or_404(village_code).code, pk)
    return _file_response(get_object_or_404(DisclosureAttachment, pk=attachment_id, disclosure=item))


@require_GET
def disclosure_table(request: HttpRequest, village_code: str, pk: int) -> HttpResponse:
    """A published table as CSV (names masked as on the page; formula-looking cells defused)."""
    item = _visible(place_or_404(village_code).code, pk)
    table = _public_table(item.table)
    if table is None:
        raise Http404("no table")
    response = HttpResponse(d.table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{item.title[:60]}.csv")
    return response


# -- console ---------------------------------------------------------------------------------------


def _ctx(**more: Any) -> dict[str, Any]:
    return {"current": "portal", **more}


def _get_for_user(user: Any, pk: int) -> Disclosure:
    return get_object_or_404(policy.disclosures_for(user), pk=pk)


@require_GET
@permission_required("disclosure.view")
def console_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    rows = policy.disclosures_for(user).order_by("-id")
    form = f.FilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["village"]:
            rows = rows.filter(village_code=form.cleaned_data["village"])
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    names = {code: p.full_name for code, p in places().items()}
    villages = sorted((code, name) for code, name in names.items() if policy.governs(user, code))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.village_name = names.get(row.village_code, "")
    return render(request, "console/portal/disclosures.html", _ctx(
        page=page, names=names, villages=villages, form=form, statuses=S.choices,
        may_write=policy.has(user, "disclosure.write"), may_import=policy.has(user, "disclosure.import"),
        awaiting=policy.disclosures_for(user).filter(status=S.SUBMITTED).count()))


@require_http_methods(["GET", "POST"])
@permission_required("disclosure.write")
def console_new(request: StaffRequest) -> HttpResponse:
    """Villages publish only for themselves: the village is the user's own."""
    org = policy.organisation_of(request.user)
    village = org.region_code if org is not None else ""
    if not policy.can(request.user, "disclosure.write", village):
        raise policy.Refused("只有村级账号可以为本村起草公开事项", "only a village's own accounts draft its items")
    form = f.DraftForm(request.POST or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            item = d.do_create_draft(user=request.user, village_code=village, category=form.cleaned_data["category"],
                                     period=form.cleaned_data["period"], title=form.cleaned_data["title"],
                                     body=form.cleaned_data["body"])
            return redirect("console:portal_disclosure", item.pk)
        except d.DisclosureProblem as exc:
            problem = exc
    status = 400 if request.method == "POST" else 200
    return render(request, "console/portal/disclosure_new.html", _ctx(
        form=form, problem=problem, village=village, village_name=places().get(village)), status=status)


def _detail(request: StaffRequest, item: Disclosure, *, bound: dict[str, Any] | None = None,
            problem: d.DisclosureProblem | FileProblem | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    editable = item.status in d.EDITABLE
    may = {
        "edit": editable and policy.can(user, "disclosure.write", item),
        "submit": editable and policy.can(user, "disclosure.write", item),
        "approve": item.status == S.SUBMITTED and policy.can(user, "disclosure.approve", item),
        "correct": item.status == S.PUBLISHED and policy.can(user, "disclosure.write", item)
        and not Disclosure.objects.filter(series=item.series).exclude(status__in=d.VISIBLE).exists(),
    }
    bound = bound or {}
    forms = {
        "edit": bound.get("edit") or f.EditForm(initial={"category": item.category_id, "period": item.period,
                                                         "title": item.title, "body": item.body}),
        "table": bound.get("table") or f.FileForm(prefix="table"),
        "attach": bound.get("attach") or f.FileForm(prefix="attach"),
        "return": bound.get("return") or f.ReturnForm(prefix="return"),
        "correct": bound.get("correct") or f.CorrectionForm(prefix="correct", initial={"title": item.title, "body": item.body}),
    }
    history = d.versions(item, public=False)
    previous = next((v for v in history if v.version < item.version and v.status in d.VISIBLE), None)
    return render(request, "console/portal/disclosure.html", _ctx(
        item=item, may=may, forms=forms, problem=problem, history=history,
        changes=d.changes_only(previous.body, item.body) if previous else [],
        attachments=list(item.attachments.all()), village_name=getattr(places().get(item.village_code), "full_name", ""),
        due=d.due_date(item.category, item.period), period_label=d.period_label(item.period),
        max_rows=d.MAX_TABLE_ROWS, max_columns=d.MAX_TABLE_COLUMNS, max_mb=d.MAX_ATTACHMENT_BYTES // 1024 // 1024,
    ), status=status)


@require_GET
@permission_required("disclosure.view")
def console_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_for_user(request.user, pk))


ACTIONS = ("edit", "table", "attach", "detach", "submit", "approve", "return", "correct")


@require_POST
@permission_required("disclosure.view")
def console_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    """One button of the detail page. Refusals by the policy are 403s; bad input re-renders the page."""
    if action not in ACTIONS:
        raise Http404("no such action")
    user = request.user
    item = _get_for_user(user, pk)
    form: Any = None
    try:
        if action == "edit":
            form = f.EditForm(request.POST)
            if form.is_valid():
                d.do_edit_draft(user=user, disclosure=item, category=form.cleaned_data["category"],
                                period=form.cleaned_data["period"], title=form.cleaned_data["title"],
                                body=form.cleaned_data["body"])
        elif action in ("table", "attach"):
            form = f.FileForm(request.POST, request.FILES, prefix=action)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                limit = d.MAX_TABLE_BYTES if action == "table" else d.MAX_ATTACHMENT_BYTES
                if upload.size > limit:
                    raise d.DisclosureProblem(f"文件最大 {limit // 1024 // 1024} MB", f"the file may be at most {limit // 1024 // 1024} MB")
                data = upload.read()
                if action == "table":
                    d.do_set_table(user=user, disclosure=item, data=data, source_name=upload.name or "")
                else:
                    d.do_attach(user=user, disclosure=item, name=upload.name or "", data=data)
        elif action == "detach":
            raw = request.POST.get("attachment", "")
            if not raw.isdigit() or len(raw) > 12:
                raise Http404("no such attachment")
            attachment = get_object_or_404(DisclosureAttachment, pk=int(raw), disclosure=item)
            d.do_remove_attachment(user=user, attachment=attachment)
        elif action == "submit":
            d.do_submit(user=user, disclosure=item)
        elif action == "approve":
            d.do_approve(user=user, disclosure=item)
        elif action == "return":
            form = f.ReturnForm(request.POST, prefix="return")
            if form.is_valid():
                d.do_return(user=user, disclosure=item, reason=form.cleaned_data["reason"])
        elif action == "correct":
            form = f.CorrectionForm(request.POST, prefix="correct")
            if form.is_valid():
                fresh = d.do_correct(user=user, disclosure=item, change_note=form.cleaned_data["change_note"],
                                     title=form.cleaned_data["title"], body=form.cleaned_data["body"])
                messages.success(request, _("A correction was started: edit it, then submit it for approval."))
                return redirect("console:portal_disclosure", fresh.pk)
    except d.DisclosureProblem as exc:
        item.refresh_from_db()
        return _detail(request, item, bound={action: form} if form is not None else None, problem=exc, status=400)
    if form is not None and not form.is_valid():
        return _detail(request, item, bound={action: form}, status=400)
    messages.success(request, _("Saved."))
    return redirect("console:portal_disclosure", item.pk)


@require_GET
@permission_required("disclosure.view")
def console_file(request: StaffRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    item = _get_for_user(request.user, pk)
    return _file_response(get_object_or_404(DisclosureAttachment, pk=attachment_id, disclosure=item))


@require_http_methods(["GET", "POST"])
@permission_required("disclosure.categories")
def console_categories(request: StaffRequest) -> HttpResponse:
    """The county's categories: add an "X" heading; change cadence, due day and use of any."""
    form = f.CategoryAddForm(request.POST or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            d.do_add_category(user=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("console:portal_categories")
        except d.DisclosureProblem as exc:
            problem = exc
    return _categories_page(request, form, problem, status=400 if request.method == "POST" else 200)


def _categories_page(request: StaffRequest, form: f.CategoryAddForm, problem: Any = None, status: int = 200,
                     edit: tuple[int, f.CategoryEditForm] | None = None) -> HttpResponse:
    rows = []
    for cat in DisclosureCategory.objects.all().order_by("section", "order", "code"):
        bound = edit[1] if edit and edit[0] == cat.pk else f.CategoryEditForm(
            prefix=f"c{cat.pk}", initial={"cadence": cat.cadence, "due_day": cat.due_day, "active": cat.active})
        rows.append((cat, bound))
    return render(request, "console/portal/categories.html", _ctx(
        rows=rows, form=form, problem=problem, sections=SECTIONS), status=status)


@require_POST
@permission_required("disclosure.categories")
def console_category(request: StaffRequest, pk: int) -> HttpResponse:
    cat = get_object_or_404(DisclosureCategory, pk=pk)
    form = f.CategoryEditForm(request.POST, prefix=f"c{cat.pk}")
    if form.is_valid():
        try:
            d.do_update_category(user=request.user, category=cat, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("console:portal_categories")
        except d.DisclosureProblem as exc:
            return _categories_page(request, f.CategoryAddForm(), exc, status=400, edit=(cat.pk, form))
    return _categories_page(request, f.CategoryAddForm(), status=400, edit=(cat.pk, form))


@require_http_methods(["GET", "POST"])
@permission_required("disclosure.import")
def console_import(request: StaffRequest) -> HttpResponse:
    """Upload → result: every row or none (the import is one transaction)."""
    form = f.FileForm(request.POST or None, request.FILES or None)
    ctx: dict[str, Any] = {"form": form, "max_rows": d.MAX_IMPORT_ROWS}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > d.MAX_IMPORT_BYTES:
                ctx["problem"] = d.DisclosureProblem(f"文件最大 {d.MAX_IMPORT_BYTES // 1024 // 1024} MB",
                                                     f"the file may be at most {d.MAX_IMPORT_BYTES // 1024 // 1024} MB")
            else:
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "upload"
                    with path.open("wb") as out:
                        for chunk in upload.chunks():
                            out.write(chunk)
                    try:
                        report = d.do_import_disclosures(user=request.user, path=path, source_name=upload.name or "")
                        ctx["report"] = report
                        status = 200
                    except FileProblem as exc:
                        ctx["problem"] = exc
                    except d.ImportProblem as exc:
                        ctx["rows"] = exc.problems
    return render(request, "console/portal/disclosure_import.html", _ctx(**ctx), status=status)


@require_GET
@permission_required("disclosure.import")
def console_import_template(request: StaffRequest) -> HttpResponse:
    response = HttpResponse(d.template_workbook(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, "公开事项导入模板.xlsx")
    return response
