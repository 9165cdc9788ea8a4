"""The county's page of the audit trail: browse and filter it, and verify it on demand.

Thin: entries come from the policy's queryset (`policy.audit_for`), reads through
`mingjing.audit.queries`, the verification through `mingjing.audit.actions.do_verify`. Reading
the trail is not recorded (it would fill the trail with itself); verifying it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from mingjing.accounts import policy
from mingjing.audit import actions, queries
from mingjing.audit.actions import Verdict
from mingjing.audit.forms import TrailFilterForm
from mingjing.audit.models import AuditEntry
from mingjing.audit.queries import TrailFilter
from mingjing.console.access import StaffRequest, permission_required

ENTRIES_PER_PAGE = 50
DETAIL_SHOWN = 160  # characters of an entry's detail shown before "more"


@dataclass
class Row:
    entry: AuditEntry
    detail: str  # compact JSON
    short: str  # its first DETAIL_SHOWN characters, or "" when that is all of it


def _rows(entries: list[AuditEntry]) -> list[Row]:
    rows = []
    for entry in entries:
        detail = queries.compact_json(entry.detail) if entry.detail else ""
        rows.append(Row(entry, detail, detail[:DETAIL_SHOWN] if len(detail) > DETAIL_SHOWN else ""))
    return rows


def _page(request: StaffRequest, form: TrailFilterForm, verdict: Verdict | None = None) -> HttpResponse:
    """The page; a filter that does not validate shows its errors (400) and no entries."""
    valid = not form.is_bound or form.is_valid()
    entries = policy.audit_for(request.user) if valid else AuditEntry.objects.none()
    ids = queries.filter_trail(entries, form.to_filter() if valid else TrailFilter()).values_list("id", flat=True)
    paginator = Paginator(ids, ENTRIES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form, "valid": valid, "page": page, "rows": _rows(queries.entries_by_id(list(page.object_list))),
        "query": query.urlencode(), "filtered": any(request.GET.get(name) for name in form.fields),
        "verdict": verdict, "checkpoint": queries.read_checkpoints().latest,
    }
    return render(request, "console/audit/trail.html", ctx, status=200 if valid else 400)


@require_GET
@permission_required("audit.view")
def trail(request: StaffRequest) -> HttpResponse:
    return _page(request, TrailFilterForm(request.GET or None))


@require_POST
@permission_required("audit.view")
def verify(request: StaffRequest) -> HttpResponse:
    """Verify now (recorded). htmx swaps the verdict in place; without it, the whole page."""
    verdict = actions.do_verify(user=request.user)
    if request.headers.get("HX-Request") == "true":
        return render(request, "console/audit/_verdict.html",
                      {"verdict": verdict, "checkpoint": verdict.checkpoint})
    return _page(request, TrailFilterForm(), verdict)
