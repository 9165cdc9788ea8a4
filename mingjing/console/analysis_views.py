"""Staff pages of the analysis app: the model catalogue, detection runs, hits.

Thin views: writes go through `analysis.actions`, reads through `analysis.queries`, and every
run or hit is fetched through `access` (404 when it is missing or not the user's to see).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mingjing.accounts import policy
from mingjing.accounts.presenter import present_evidence, present_mapping, present_subject
from mingjing.analysis import queries, tasks
from mingjing.analysis.actions import RunProblem, do_start_run, do_update_model_setting
from mingjing.audit.actions import record
from mingjing.console.access import (
    StaffRequest,
    get_hit_for_user,
    get_run_for_user,
    permission_required,
    staff_required,
)
from mingjing.console.forms import HitFilterForm, ModelSettingForm, StartRunForm

RUNS_PER_PAGE = 20
HITS_PER_PAGE = 50


def _is_htmx(request: StaffRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# -- model catalogue --------------------------------------------------------------------------------


@require_GET
@permission_required("model.view")
def models(request: StaffRequest) -> HttpResponse:
    entries = queries.model_catalogue()
    cards = [{"entry": e, "form": ModelSettingForm(e)} for e in entries]
    return render(request, "console/models.html", {"cards": cards})


@require_POST
@permission_required("model.configure")
def model_setting(request: StaffRequest, code: str) -> HttpResponse:
    """Save one model's switch and parameters. htmx swaps the card; without it, back to the list."""
    entries = queries.model_catalogue(code)
    if not entries:
        raise Http404("no such model")
    form = ModelSettingForm(entries[0], request.POST)
    problem: RunProblem | None = None
    if form.is_valid():
        try:
            do_update_model_setting(
                code=code,
                user=request.user,
                enabled=form.cleaned_data["enabled"],
                params=form.params(),
            )
        except RunProblem as exc:
            problem = exc
        else:
            saved = _("Settings of %(code)s saved; they apply from the next run.") % {"code": code}
            if not _is_htmx(request):
                messages.success(request, saved)
                return redirect(f"{reverse('console:models')}#model-{code}")
            entry = queries.model_catalogue(code)[0]
            return render(
                request,
                "console/_model_card.html",
                {"card": {"entry": entry, "form": ModelSettingForm(entry), "saved": saved}},
            )
    card = {"entry": entries[0], "form": form, "problem": problem}
    if _is_htmx(request):  # htmx swaps 2xx responses only
        return render(request, "console/_model_card.html", {"card": card})
    cards = [
        card if e.code == code else {"entry": e, "form": ModelSettingForm(e)}
        for e in queries.model_catalogue()
    ]
    return render(request, "console/models.html", {"cards": cards}, status=400)


# -- runs -------------------------------------------------------------------------------------------


def _run_form(request: StaffRequest, data: object = None) -> StartRunForm:
    choices = [(r.code, f"{r.code} {r.title}") for r in queries.rules()]
    return StartRunForm(data, model_choices=choices)  # type: ignore[arg-type]


@require_http_methods(["GET", "POST"])
@permission_required("run.view")
def runs(request: StaffRequest) -> HttpResponse:
    """The runs history; POST starts a run in the background and shows its page."""
    problem: RunProblem | None = None
    status = 200
    if request.method == "POST":
        policy.require(request.user, "run.start")
        form = _run_form(request, request.POST)
        if form.is_valid():
            try:
                run = do_start_run(
                    user=request.user,
                    engine_name=form.cleaned_data["engine"],
                    models=list(form.cleaned_data["models"]),
                )
            except RunProblem as exc:
                problem = exc
            else:
                tasks.queue_run(run.pk)
                messages.success(
                    request, _("Run #%(id)s queued; it runs in the background.") % {"id": run.pk}
                )
                return redirect("console:run", run_id=run.pk)
        status = 400
    else:
        form = _run_form(request)
    page = Paginator(policy.runs_for(request.user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/runs.html",
        {"form": form if policy.has(request.user, "run.start") else None, "problem": problem, "page": page},
        status=status,
    )


@require_GET
@staff_required
def run(request: StaffRequest, run_id: int) -> HttpResponse:
    run = get_run_for_user(request.user, run_id)
    return render(
        request,
        "console/run.html",
        {"run": run, "results": queries.run_results(run), "titles": queries.rule_titles()},
    )


@require_GET
@staff_required
def run_progress(request: StaffRequest, run_id: int) -> HttpResponse:
    """The report fragment the run page polls with htmx while the run is queued or running."""
    run = get_run_for_user(request.user, run_id)
    return render(
        request,
        "console/_run_report.html",
        {"run": run, "results": queries.run_results(run), "titles": queries.rule_titles()},
    )


# -- hits -------------------------------------------------------------------------------------------


@require_GET
@permission_required("hit.view")
def hits(request: StaffRequest) -> HttpResponse:
    form = HitFilterForm(request.GET)
    filters = form.filters()
    visible = policy.hits_for(request.user)
    form.set_choices(queries.filter_choices(visible, filters.township))
    paginator = Paginator(queries.hit_list(visible, filters), HITS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    for h in page.object_list:
        h.subject = present_subject(h, request.user, "list")  # type: ignore[attr-defined]
    counts = queries.level_counts(queries.filter_hits(visible, filters))
    ctx = {
        "form": form,
        "filters": filters,
        "counts": counts,
        "total": sum(n for _, n in counts),
        "page": page,
        "titles": queries.rule_titles(),
        "regions": queries.region_names(),
        "programs": queries.program_names(),
    }
    return render(request, "console/hits.html", ctx)


@require_GET
@permission_required("hit.view")
def hit(request: StaffRequest, hit_id: int) -> HttpResponse:
    hit = get_hit_for_user(request.user, hit_id)
    subject = present_subject(hit, request.user, "page")
    if subject.full:  # the page shows full ID and account numbers: recorded in the trail
        record("hit.view_personal_data", actor=request.user, obj=hit)
    ctx = {
        "hit": hit,
        "subject": subject,
        "key": present_mapping(hit.key, subject, request.user),
        "query_output": present_mapping(hit.values, subject, request.user),
        "names": queries.hit_names(hit),
        "evidence": present_evidence(hit, request.user, subject),
        "may_see_batches": policy.has(request.user, "batch.view"),
    }
    return render(request, "console/hit.html", ctx)
