"""The villager portal's staff hub: one page linking to what this user may manage (disclosures,
policy texts, the micro-power list, the outbox, posters) and the portal link of their area.
The pages themselves are the portal's (`mingjing/portal/*_views.py`, routes in `urls_*.py`)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mingjing.accounts import policy
from mingjing.console.access import StaffRequest, staff_required


@require_GET
@staff_required
def hub(request: StaffRequest) -> HttpResponse:
    user = request.user
    org = policy.organisation_of(user)
    return render(request, "console/portal/hub.html", {
        "current": "portal",
        "org": org,
        "village": org.region_code if org is not None and policy.is_village(user) else "",
        "may": {name.replace(".", "_"): policy.has(user, name) for name in (
            "disclosure.view", "disclosure.import", "disclosure.categories", "policy.edit",
            "power.edit", "outbox.view", "poster.print")},
    })
