"""Pages of the micro-power list and the policy texts.

Public (no sign-in): a village's list (the county's basic list and the village's additions) and
one matter with its steps drawn as a flow. Console: the list by jurisdiction
(`policy.power_items_for`: the county sees everything, a village its own additions and the basic
list, read-only), the forms, and the county's policy texts. Thin: every write is an action of
`power.py` or `policies.py`, which checks the policy itself.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mingjing.accounts import policy
from mingjing.console.access import StaffRequest, permission_required
from mingjing.datahub import queries as hub
from mingjing.portal import policies, power
from mingjing.portal.models import PowerItem, ProgrammePolicy
from mingjing.portal.power_forms import PolicyForm, PowerItemForm, in_language
from mingjing.portal.public import cached_page, place_or_404, render_public

# -- public -----------------------------------------------------------------------------------------


@require_GET
@cached_page
def power_list(request: HttpRequest, village_code: str) -> HttpResponse:
    place = place_or_404(village_code)
    return render_public(request, "portal/power.html", {"groups": power.public_items(place.code)}, place)


@require_GET
@cached_page
def power_item(request: HttpRequest, village_code: str, pk: int) -> HttpResponse:
    """One matter: the county's or this village's own, active; anything else is not found."""
    place = place_or_404(village_code)
    item = PowerItem.objects.filter(pk=pk, active=True, village_code__in=["", place.code]).first()
    if item is None:
        raise Http404("no such matter")
    return render_public(request, "portal/power_item.html", {"item": item}, place)


# -- console: the micro-power list ------------------------------------------------------------------


def _own_village(user: policy.AnyUser) -> str:
    """Where a new matter goes: the county's basic list, or the village's own additions."""
    if policy.is_county(user):  # the basic list
        return ""
    org = policy.organisation_of(user)
    if org is None or not policy.is_village(user) or not org.region_code:
        raise Http404("no village")
    return str(org.region_code)


@require_GET
@permission_required("power.edit")
def console_power(request: StaffRequest) -> HttpResponse:
    user = request.user
    items = list(policy.power_items_for(user).order_by("village_code", "order", "code"))
    names = hub.region_names()
    rows = [{"item": i, "editable": policy.can(user, "power.edit", i), "village": names.get(i.village_code, i.village_code)}
            for i in items]
    return render(request, "console/portal/power_list.html", {
        "current": "portal",
        "basic": [r for r in rows if not r["item"].village_code],
        "additions": [r for r in rows if r["item"].village_code],
        "is_county": policy.is_county(user),
        "village": "" if policy.is_county(user) else _own_village(user),
    })


def _form_page(request: StaffRequest, form: PowerItemForm, item: PowerItem | None, status: int = 200) -> HttpResponse:
    return render(request, "console/portal/power_form.html", {
        "current": "portal", "form": form, "item": item}, status=status)


def _apply_problem(form: PowerItemForm | PolicyForm, problem: power.PowerInvalid | policies.PolicyInvalid) -> None:
    form.add_error(problem.field if problem.field in form.fields else None, in_language(problem))


@require_http_methods(["GET", "POST"])
@permission_required("power.edit")
def console_power_new(request: StaffRequest) -> HttpResponse:
    village_code = _own_village(request.user)
    form = PowerItemForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, form, None, status=400)
        try:
            item = power.do_create_item(request.user, village_code=village_code, **form.values())
        except power.PowerInvalid as problem:
            _apply_problem(form, problem)
            return _form_page(request, form, None, status=400)
        messages.success(request, _("Matter “%(title)s” added.") % {"title": item.title})
        return redirect("console:portal_power")
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
@permission_required("power.edit")
def console_power_edit(request: StaffRequest, pk: int) -> HttpResponse:
    """Outside the user's list: 404; in it but not theirs to edit (a village and the basic list): 403."""
    item = get_object_or_404(policy.power_items_for(request.user), pk=pk)
    policy.require(request.user, "power.edit", item)
    form = PowerItemForm(request.POST or None, initial=PowerItemForm.initial_of(item))
    if request.method == "POST":
        if not form.is_valid():
            return _form_page(request, form, item, status=400)
        try:
            power.do_update_item(request.user, item, **form.values())
        except power.PowerInvalid as problem:
            _apply_problem(form, problem)
            return _form_page(request, form, item, status=400)
        messages.success(request, _("Matter “%(title)s” saved.") % {"title": form.cleaned_data["title"]})
        return redirect("console:portal_power")
    return _form_page(request, form, item)


@require_POST
@permission_required("power.edit")
def console_power_active(request: StaffRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(policy.power_items_for(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    power.do_set_active(request.user, item, active=active)
    messages.success(request, (_("Matter “%(title)s” is listed again.") if active
                               else _("Matter “%(title)s” no longer listed.")) % {"title": item.title})
    return redirect("console:portal_power")


# -- console: the policy texts ----------------------------------------------------------------------


@require_GET
@permission_required("policy.edit")
def console_policies(request: StaffRequest) -> HttpResponse:
    return render(request, "console/portal/policy_list.html", {
        "current": "portal", "rows": ProgrammePolicy.objects.all(),
    })


@require_POST
@permission_required("policy.edit")
def console_policies_sync(request: StaffRequest) -> HttpResponse:
    counts = policies.sync_policies(request.user)
    messages.success(request, _("Synchronised with the programmes data: %(created)s added, %(updated)s renamed.")
                     % {"created": counts["policies_created"], "updated": counts["policies_updated"]})
    return redirect("console:portal_policies")


@require_http_methods(["GET", "POST"])
@permission_required("policy.edit")
def console_policy(request: StaffRequest, program_code: str) -> HttpResponse:
    item = get_object_or_404(ProgrammePolicy, program_code=program_code[:32])
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_of(item))
    if request.method == "POST":
        if form.is_valid():
            try:
                policies.do_edit_policy(request.user, item, **form.cleaned_data)
            except policies.PolicyInvalid as problem:
                _apply_problem(form, problem)
            else:
                messages.success(request, _("Policy text of “%(name)s” saved.") % {"name": item.name})
                return redirect("console:portal_policies")
        return render(request, "console/portal/policy_form.html",
                      {"current": "portal", "form": form, "item": item}, status=400)
    return render(request, "console/portal/policy_form.html", {"current": "portal", "form": form, "item": item})
