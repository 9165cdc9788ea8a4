"""Staff pages of the data hub: thin views over `datahub.actions`, reads through `access`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mingjing.accounts import policy
from mingjing.console.access import (
    StaffRequest,
    get_batch_for_user,
    permission_required,
    staff_required,
)
from mingjing.console.forms import UploadForm
from mingjing.datahub import actions, lake, queries, tasks
from mingjing.datahub.reader import FileProblem

BATCHES_PER_PAGE = 20


def _data_page(
    request: StaffRequest,
    form: UploadForm,
    *,
    problem: FileProblem | None = None,
    status: int = 200,
) -> HttpResponse:
    paginator = Paginator(policy.batches_for(request.user), BATCHES_PER_PAGE)
    ctx = {
        "datasets": queries.dataset_summaries(),
        "form": form if policy.has(request.user, "batch.upload") else None,
        "problem": problem,
        "page": paginator.get_page(request.GET.get("page")),
    }
    return render(request, "console/data.html", ctx, status=status)


@require_GET
@permission_required("batch.view")
def data(request: StaffRequest) -> HttpResponse:
    return _data_page(request, UploadForm())


@require_POST
@permission_required("batch.upload")
def upload(request: StaffRequest) -> HttpResponse:
    """Keep the file as a pending batch and queue its import; the batch page shows progress."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _data_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        batch = actions.do_register_upload(
            dataset=form.cleaned_data["dataset"],
            chunks=upload.chunks(),
            source_name=upload.name or "upload",
            user=request.user,
            sheet=form.cleaned_data["sheet"] or None,
            force=form.cleaned_data["force"],
            replace=form.cleaned_data["replace"],
        )
    except FileProblem as problem:
        return _data_page(request, form, problem=problem, status=400)
    tasks.queue_import(batch.pk)
    messages.success(
        request,
        _("File received as batch #%(id)s; the import runs in the background.") % {"id": batch.pk},
    )
    return redirect("console:batch", batch_id=batch.pk)


@require_GET
@permission_required("batch.view")
def batch(request: StaffRequest, batch_id: int) -> HttpResponse:
    return render(
        request, "console/batch.html", {"batch": get_batch_for_user(request.user, batch_id)}
    )


@require_GET
@permission_required("batch.view")
def batch_progress(request: StaffRequest, batch_id: int) -> HttpResponse:
    """The report fragment the batch page polls with htmx while the import is queued or running."""
    return render(
        request, "console/_batch_report.html", {"batch": get_batch_for_user(request.user, batch_id)}
    )


@require_GET
@staff_required
def batch_rejects(request: StaffRequest, batch_id: int) -> FileResponse:
    """The rejected rows hold full ID and account numbers: the owning department and the county."""
    batch = get_batch_for_user(request.user, batch_id)
    policy.require(request.user, "batch.rejects", batch)
    path = lake.rejects_path(batch.pk)
    if not batch.rows_rejected or not path.is_file():
        raise Http404("no rejects")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"batch-{batch.pk}-{batch.dataset}-rejects.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@staff_required
def batch_original(request: StaffRequest, batch_id: int) -> FileResponse:
    """The file as it was uploaded: the owning department and the county."""
    batch = get_batch_for_user(request.user, batch_id)
    policy.require(request.user, "batch.original", batch)
    path = lake.original_dir(batch.pk) / batch.source_name
    if not path.is_file():
        raise Http404("original missing")
    return FileResponse(path.open("rb"), as_attachment=True, filename=batch.source_name)


@require_POST
@staff_required
def batch_retract(request: StaffRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    policy.require(request.user, "batch.retract", batch)
    try:
        actions.do_retract_batch(batch=batch, user=request.user)
    except FileProblem as problem:
        messages.error(request, f"{problem.zh}\n{problem.en}")
    else:
        messages.success(
            request, _("Batch #%(id)s was retracted; its rows no longer count.") % {"id": batch.pk}
        )
    return redirect("console:batch", batch_id=batch.pk)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 with the policy's reason, in the user's language (`handler403`)."""
    reason = ""
    if isinstance(exception, policy.Refused):
        reason = exception.en if get_language() == "en" else exception.zh
    return render(request, "403.html", {"reason": reason}, status=403)
