"""Public pages read from the lake: the subsidy policies and payment lists of a village (masked,
§6.4: surname only, no ID, account or phone number) and the self-lookup (本人查询).

The lookup page answers with `Cache-Control: no-store`, posts with a CSRF token, and never writes
the ID number into the page: the answer shows it masked, a refused lookup not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from mingjing.accounts.signals import client_ip
from mingjing.portal import lookup as lookup_actions
from mingjing.portal import payments, subscription_views
from mingjing.portal.lake_forms import LookupForm
from mingjing.portal.models import HouseholdCode, ProgrammePolicy
from mingjing.portal.policies import standard_words
from mingjing.portal.public import Place, cached_page, generation, place_or_404, render_public

PAGE_ROWS = 200  # rows of a payment list per page
MAX_PAGE = 1000
_PROGRAM = re.compile(r"^[0-9A-Za-z_\-]{1,32}$")
_PERIOD = re.compile(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$")


def policy_list() -> list[dict[str, Any]]:
    """Published policy texts, and for a programme in the data without a policy row, what the
    programs dataset says (name, department, standard). An unpublished row hides its programme."""
    rows = {p.program_code: p for p in ProgrammePolicy.objects.all()}
    found: list[dict[str, Any]] = [
        {"program_code": p.program_code, "name": p.name, "department": p.department, "basis": p.basis,
         "standard": p.standard, "cycle": p.cycle, "eligibility": p.eligibility, "contact": p.contact}
        for p in rows.values() if p.published
    ]
    for code, prog in payments.programmes().items():
        if code not in rows:
            standard = standard_words(prog["category"], prog["unit_standard"])  # the policy list's words
            found.append({"program_code": code, "name": prog["program_name"], "department": prog["department"],
                          "basis": "", "standard": standard, "cycle": "", "eligibility": "", "contact": ""})
    return sorted(found, key=lambda p: p["program_code"])


@require_GET
@cached_page
def subsidies(request: HttpRequest, village_code: str) -> HttpResponse:
    """The policy list and the index of what the village's payments publish (programme × period)."""
    place = place_or_404(village_code)
    return render_public(request, "portal/subsidies.html", {
        # The policy list is the county's, the same on every village's page: rendered once per
        # generation of the portal (a template fragment cache), read only when that misses.
        "policies": policy_list, "generation": generation(), "published": payments.village_periods(place.code),
    }, place)


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")[:6]
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() else 1


@require_GET
@cached_page
def subsidy_list(request: HttpRequest, village_code: str, program_code: str, period: str) -> HttpResponse:
    """Who was paid by one programme in one period (surname only), with the total and who was
    added or dropped since the previous period."""
    place = place_or_404(village_code)
    if not _PROGRAM.match(program_code) or not _PERIOD.match(period):
        raise Http404("no such list")
    month = dt.date(int(period[:4]), int(period[5:7]), 1)
    page = _page(request)
    found = payments.village_list(place.code, program_code, month, offset=(page - 1) * PAGE_ROWS, limit=PAGE_ROWS)
    if found is None:
        return render_public(request, "portal/not_found.html", {}, place, status=404)
    pages = (found.count + PAGE_ROWS - 1) // PAGE_ROWS
    return render_public(request, "portal/subsidy_list.html", {
        "list": found, "period": period, "page": page, "pages": pages,
        "first_row": (page - 1) * PAGE_ROWS,
        "previous_page": page - 1 if page > 1 else None, "next_page": page + 1 if page < pages else None,
    }, place)


def _household_note(place: Place, token: str) -> bool:
    """True when the household code (户廉码) is one of this village's: the page says so, nothing more."""
    return bool(token) and HouseholdCode.objects.filter(token=token[:24], village_code=place.code).exists()


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@csrf_protect
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, village_code: str) -> HttpResponse:
    """本人查询: the form (GET) and its answer (POST)."""
    place = place_or_404(village_code)
    if request.method != "POST":
        token = request.GET.get("h", "")[:24]
        household = _household_note(place, token)
        return _no_store(render_public(request, "portal/lookup.html", {
            "form": LookupForm(), "kept": {}, "h": token if household else "", "household": household,
        }, place))
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _no_store(render_public(request, "portal/lookup.html", {
            "form": form, "kept": form.kept(), "h": form.cleaned_data.get("h", ""),
            "household": _household_note(place, form.cleaned_data.get("h", "")),
        }, place, status=400))
    data = form.cleaned_data
    outcome = lookup_actions.do_lookup(data["id_number"], data["name"], data["account_last4"],
                                       client_ip(request) or request.META.get("REMOTE_ADDR", ""), place.code)
    if isinstance(outcome, lookup_actions.LookupRefused):
        return _no_store(render_public(request, "portal/lookup.html", {
            "form": LookupForm(), "kept": form.kept(), "refused": outcome, "h": data["h"],
            "household": _household_note(place, data["h"]),
        }, place, status=outcome.status))
    return _no_store(render_public(request, "portal/lookup_result.html", {
        "result": outcome, "pass_token": outcome.pass_token, "subscribe": subscription_views.form_context(outcome.pass_token),
    }, place))
