"""The portal's own pages: the county and township indexes, a village's home page (the QR
code's target), the complaints entry, the text-size switch and the household code. The
sections' pages live with their features (`urls_<feature>.py`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from mingjing.portal.models import Disclosure, HouseholdCode
from mingjing.portal.public import (
    BIG_TEXT_COOKIE,
    cached_page,
    place_or_404,
    places,
    render_public,
    townships,
)

MAX_QUERY = 20  # characters of a village name search


@require_GET
@cached_page
def county_index(request: HttpRequest) -> HttpResponse:
    """Find a village by name (a plain GET form: works without JavaScript), or browse townships."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    found = []
    if query:
        found = sorted((p for p in places().values() if query in p.name or query in p.full_name),
                       key=lambda p: p.code)[:50]
    return render_public(request, "portal/index.html", {
        "query": query, "found": found, "townships": townships().items(),
    })


@require_GET
@cached_page
def township_index(request: HttpRequest, township_code: str) -> HttpResponse:
    names = townships()
    if township_code not in names:
        return render_public(request, "portal/not_found.html", {}, status=404)
    villages = sorted((p for p in places().values() if p.township_code == township_code), key=lambda p: p.code)
    return render_public(request, "portal/township.html", {
        "township_code": township_code, "township_name": names[township_code], "villages": villages,
    })


@require_GET
@cached_page
def village(request: HttpRequest, village_code: str) -> HttpResponse:
    """The page a village's QR code opens: its sections and what it published last."""
    place = place_or_404(village_code)
    latest = (Disclosure.objects.filter(village_code=place.code, status=Disclosure.Status.PUBLISHED)
              .select_related("category").order_by("-published_at", "-id")[:5])
    return render_public(request, "portal/village.html", {"latest": latest}, place)


@require_GET
@cached_page
def complaints_entry(request: HttpRequest, village_code: str) -> HttpResponse:
    """我要投诉: file a complaint or a tip-off, look one up, read published answers; and how to
    reach the township commission and the discipline hotline."""
    place = place_or_404(village_code)
    return render_public(request, "portal/complaints.html", {}, place)


@require_GET
def text_size(request: HttpRequest) -> HttpResponse:
    """Large text for the elderly, kept in a cookie (no JavaScript needed)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith("/"):
        target = reverse("portal:index")
    response = HttpResponseRedirect(target)
    if request.GET.get("big") == "1":
        response.set_cookie(BIG_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(BIG_TEXT_COOKIE)
    return response


@require_GET
def household(request: HttpRequest, token: str) -> HttpResponse:
    """户廉码: the household's slip leads to its village's lookup, with the household noted."""
    code = get_object_or_404(HouseholdCode, token=token[:24])
    return HttpResponseRedirect(reverse("portal:lookup", args=[code.village_code]) + f"?h={code.token}")
