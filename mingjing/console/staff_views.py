"""Staff accounts for county administrators: the list, the sheet import, deactivation.

An import is two steps, like the command's `--dry-run` then the real run: the upload is kept in
the staging folder under a random token and checked (nothing written); the administrator reads
the report and confirms, which imports the same file for real. The one-time passwords of new
accounts appear once, on the confirmation's response (never cached), with a slip list to
download; they are stored nowhere in clear.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mingjing.accounts import policy, staff
from mingjing.accounts.actions import StaffReport, do_import_staff_file, do_set_staff_active
from mingjing.accounts.policy import Refused
from mingjing.console.access import StaffRequest, get_staff_account_for_user, permission_required
from mingjing.datahub.reader import FileProblem

ACCOUNTS_PER_PAGE = 50
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
STAGED_FOR_SECONDS = 24 * 3600  # an unconfirmed upload is removed after a day
PROBLEMS_SHOWN = 500
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class StaffSheetForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Staff sheet"),
        help_text=gettext_lazy("XLSX or CSV (UTF-8 or GBK), columns 姓名, 手机, 组织, 角色, 邮箱 in any order."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv,.txt"}),
    )
    sheet = forms.CharField(
        label=gettext_lazy("Sheet name"), required=False, max_length=255,
        help_text=gettext_lazy("Workbooks only; the first sheet when left empty."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)d MB; a staff sheet may be at most %(max)d MB.")
                % {"size": upload.size // (1024 * 1024), "max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def _staging() -> Path:
    folder = Path(settings.STAGING_DIR) / "staff"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.upload"):
        if time.time() - old.stat().st_mtime > STAGED_FOR_SECONDS:
            old.unlink(missing_ok=True)
    return folder


def _staged_path(user_id: int, token: str) -> Path:
    """The staged upload of this user and token; 404 for any other token (or someone else's)."""
    if not _TOKEN.match(token or ""):
        raise Http404
    path = _staging() / f"{user_id}-{token}.upload"
    if not path.exists():
        raise Http404
    return path


def _list_page(request: StaffRequest, form: StaffSheetForm, *, problem: FileProblem | None = None,
               status: int = 200) -> HttpResponse:
    accounts = policy.staff_for(request.user)
    query = request.GET.get("q", "").strip()[:64]
    if query:
        accounts = accounts.filter(
            Q(first_name__icontains=query) | Q(username__contains=query)
            | Q(membership__organisation__name__icontains=query)
        )
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    for account in page.object_list:
        account.masked_phone = staff.mask_phone(account.username)  # type: ignore[attr-defined]
        membership = getattr(account, "membership", None)
        account.role_name = staff.role_name(membership.role) if membership else ""  # type: ignore[attr-defined]
    ctx = {"page": page, "form": form, "problem": problem, "query": query, "max_rows": staff.max_rows()}
    return render(request, "console/staff/list.html", ctx, status=status)


@require_GET
@permission_required("staff.manage")
def staff_list(request: StaffRequest) -> HttpResponse:
    return _list_page(request, StaffSheetForm())


@require_GET
@permission_required("staff.manage")
def staff_template(request: StaffRequest) -> HttpResponse:
    response = HttpResponse(
        staff.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, "人员名单模板.xlsx")
    return response


@require_POST
@permission_required("staff.manage")
def staff_upload(request: StaffRequest) -> HttpResponse:
    """Step 1: keep the file, check every row, write nothing; show what the import would do."""
    form = StaffSheetForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    token = secrets.token_hex(16)
    path = _staging() / f"{request.user.pk}-{token}.upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    source = Path(upload.name or "upload").name[:200]
    sheet = form.cleaned_data["sheet"] or None
    try:
        report = do_import_staff_file(path, user=request.user, sheet=sheet, dry_run=True, source=source)
    except FileProblem as problem:
        path.unlink(missing_ok=True)
        return _list_page(request, form, problem=problem, status=400)
    if not report.ok:
        path.unlink(missing_ok=True)
    return _report_page(request, report, token=token, sheet=sheet or "", status=200 if report.ok else 400)


@never_cache
@require_POST
@permission_required("staff.manage")
def staff_confirm(request: StaffRequest) -> HttpResponse:
    """Step 2: import the checked file for real (all rows or none) and show the new passwords once."""
    path = _staged_path(request.user.pk, request.POST.get("token", ""))
    source = request.POST.get("source", "")[:200]
    sheet = request.POST.get("sheet", "")[:255] or None
    try:
        report = do_import_staff_file(path, user=request.user, sheet=sheet, source=source)
    except FileProblem as problem:
        return _list_page(request, StaffSheetForm(), problem=problem, status=400)
    finally:
        path.unlink(missing_ok=True)
    return _report_page(request, report, status=200 if report.ok else 400)


def _report_page(request: StaffRequest, report: StaffReport, *, token: str = "", sheet: str = "",
                 status: int = 200) -> HttpResponse:
    ctx = {
        "report": report,
        "problems": report.problems[:PROBLEMS_SHOWN],
        "more_problems": max(0, len(report.problems) - PROBLEMS_SHOWN),
        "token": token,
        "sheet": sheet,
        "slips_href": _slips_href(request, report) if report.new_accounts else "",
        "slips_name": f"staff-passwords-{timezone.localdate():%Y%m%d}.csv",
    }
    return render(request, "console/staff/report.html", ctx, status=status)


def _slips_href(request: StaffRequest, report: StaffReport) -> str:
    """The slip list as a data: URL, so the passwords travel in this one response only."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机（登录账号）", "组织", "角色", "一次性密码", "登录地址"])
    login = request.build_absolute_uri("/login/")
    for line in report.new_accounts:
        writer.writerow([line.name, line.phone, line.organisation, line.role_name, line.password, login])
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")


@require_POST
@permission_required("staff.manage")
def staff_set_active(request: StaffRequest, account_id: int) -> HttpResponse:
    account = get_staff_account_for_user(request.user, account_id)
    active = request.POST.get("active") == "1"
    try:
        do_set_staff_active(account=account, active=active, user=request.user)
    except Refused as refused:
        messages.error(request, refused.zh)
    else:
        name = account.get_full_name() or account.username
        messages.success(request, (_("%(name)s can sign in again.") if active
                                   else _("%(name)s is deactivated; their history is kept.")) % {"name": name})
    return redirect("console:staff")
