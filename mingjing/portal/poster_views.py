"""The console's poster page: choose a township (or one village), with or without household
slips, and download the PDF; the villages' QR codes are shown on the page as a preview.

Who may print what is the policy's `poster.print`: the county any township, a township
commission its own, a village its own poster and slips. The form offers only those areas, and the
action (`posters.do_make_posters`) checks again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from mingjing.accounts import policy
from mingjing.console.access import StaffRequest, permission_required
from mingjing.portal import posters, qr
from mingjing.portal.public import Place, places, townships

PREVIEWS = 60  # villages whose QR code the page shows at most
MAX_SLIPS = 800  # household slips of one request (some 20 s); more: village by village, or the command


def areas_for(user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The areas a user may print, grouped by township: the whole township first (if the user
    governs it), then each of its villages the user governs."""
    villages = places()
    groups = []
    for code, name in townships().items():
        own = sorted((p for p in villages.values() if p.township_code == code and policy.governs(user, p.code)),
                     key=lambda p: p.code)
        options = [(p.code, p.name) for p in own]
        if policy.governs(user, code) and own:
            options.insert(0, (code, str(_("%(township)s: every village") % {"township": name})))
        if options:
            groups.append((name, options))
    return groups


class PosterForm(forms.Form):
    area = forms.ChoiceField(label=_("Township or village"), error_messages={
        "required": _("Choose a township or village."),
        "invalid_choice": _("Choose a township or village of your own area."),
    })
    households = forms.BooleanField(
        label=_("Include household slips (户廉码), eight to a page, with the village's register"),
        required=False,
    )

    def __init__(self, *args: Any, areas: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = areas


def _preview(area: str) -> list[dict[str, Any]]:
    """Each village of the area with its URL and QR code as inline SVG (segno's own markup,
    made from a code checked against the villages)."""
    shown: list[Place] = posters.villages_of(area)[:PREVIEWS]
    return [{"place": p, "url": qr.village_url(p.code), "svg": mark_safe(qr.svg(qr.village_url(p.code), scale=3))}
            for p in shown]


@require_http_methods(["GET", "POST"])
@permission_required("poster.print")
def posters_page(request: StaffRequest) -> HttpResponse:
    areas = areas_for(request.user)
    allowed = [code for _group, options in areas for code, _name in options]
    problem = None
    status = 200
    if request.method == "POST":
        wanted = str(request.POST.get("area", ""))
        if wanted.isdigit() and len(wanted) == 12:  # a real code outside one's area is refused, not re-asked
            policy.require(request.user, "poster.print", wanted)
        form = PosterForm(request.POST, areas=areas)
        if form.is_valid():
            try:
                result = posters.do_make_posters(user=request.user, area_code=form.cleaned_data["area"],
                                                 households=form.cleaned_data["households"], max_slips=MAX_SLIPS)
            except posters.PosterProblem as exc:
                problem = exc
            else:
                response = HttpResponse(result.data, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
                response["Cache-Control"] = "no-store"
                return response
        area = form.data.get("area", "") if form.data.get("area", "") in allowed else ""
        status = 400
    else:
        wanted = request.GET.get("area", "")[:12]
        area = wanted if wanted in allowed else (allowed[0] if allowed else "")
        form = PosterForm(initial={"area": area}, areas=areas)
    return render(request, "console/portal/posters.html", {
        "current": "portal",
        "form": form,
        "problem": problem,
        "area": area,
        "previews": _preview(area) if area else [],
        "preview_limit": PREVIEWS,
    }, status=status)
