"""Where a complaint goes, and where it must never go (recusal, 回避).

- Both channels are accepted by the discipline commission above the village: its township
  commission, or the county commission when the township commission is ruled out.
- Nobody handles or reads a complaint that names one of their own: an organisation is ruled out
  when a person named in it is a member (a staff account of that name), an official of it in the
  officials register, or the relative of one of its officials in the relatives register (the
  registers alert conflicts use). Names are all a villager can give, so they are matched by name:
  officials within the village's township, staff accounts of the county. A homonym rules an
  organisation out too: recusal errs on the side of caution.
- A tip-off is never routed to the village concerned (`handler_choices`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Q

from mingjing.accounts.models import Organisation
from mingjing.datahub.queries import read_dataset
from mingjing.lib import regions


def _officials_named(names: set[str], township: str) -> set[str]:
    """Region codes (villages, or the township itself) where a named person is an official or an
    official's relative, within `township`."""
    officials = read_dataset("officials", ["id_number", "name", "region_code"])
    if officials is None:
        return set()
    local = [row for row in officials.to_pylist() if regions.within(row["region_code"], township)
             or row["region_code"] == township]
    codes = {row["region_code"] for row in local if row["name"] in names}
    relatives = read_dataset("relatives", ["official_id_number", "relative_name"])
    if relatives is not None:
        related = {row["official_id_number"] for row in relatives.to_pylist() if row["relative_name"] in names}
        codes |= {row["region_code"] for row in local if row["id_number"] in related}
    return codes


def excluded_organisations(village_code: str, people: Iterable[str]) -> set[int]:
    """The organisations that must never see a complaint about `village_code` naming `people`."""
    names = {p.strip() for p in people if p and p.strip()}
    if not names:
        return set()
    township = regions.township_of(village_code)
    codes = _officials_named(names, township)
    excluded = set(
        Organisation.objects.filter(
            kind__in=[Organisation.Kind.VILLAGE, Organisation.Kind.TOWNSHIP_COMMISSION], region_code__in=codes
        ).values_list("pk", flat=True)
    )
    excluded |= set(
        User.objects.filter(first_name__in=names, is_active=True, membership__isnull=False)
        .values_list("membership__organisation_id", flat=True)
    )
    return excluded


def as_text(ids: Iterable[int]) -> str:
    """`Complaint.excluded_orgs`: ",id,id," (empty when none)."""
    ids = sorted(set(ids))
    return f",{','.join(map(str, ids))}," if ids else ""


def ids_of(text: str) -> set[int]:
    return {int(part) for part in text.strip(",").split(",") if part}


def county_commission() -> Organisation | None:
    return Organisation.objects.filter(kind=Organisation.Kind.COUNTY_COMMISSION).order_by("pk").first()


def township_commission(village_code: str) -> Organisation | None:
    return Organisation.objects.filter(
        kind=Organisation.Kind.TOWNSHIP_COMMISSION, region_code=regions.township_of(village_code)
    ).first()


def triage_for(village_code: str, excluded: set[int]) -> Organisation | None:
    """The commission that accepts it: the village's township commission unless ruled out, else
    the county commission (unless ruled out too: then nobody below the operator, None)."""
    township = township_commission(village_code)
    if township is not None and township.pk not in excluded:
        return township
    county = county_commission()
    return county if county is not None and county.pk not in excluded else None


def level_above(org: Organisation | None, village_code: str, excluded: set[int]) -> Organisation | None:
    """Who an overdue or reopened complaint goes up to: a village's or department's → the
    township commission; a township commission's → the county commission (the county's stays).
    Never a ruled-out organisation: the county instead, or None when it is ruled out too."""
    candidates = []
    if org is None or org.kind in (Organisation.Kind.VILLAGE, Organisation.Kind.DEPARTMENT):
        candidates.append(township_commission(village_code))
    candidates.append(county_commission())
    return next((o for o in candidates if o is not None and o.pk not in excluded), None)


def handler_choices(complaint: object) -> list[Organisation]:
    """Who a triage officer may route an accepted complaint to, never a ruled-out organisation.
    Complaints: the village's township commission, the county departments, the village itself;
    tip-offs: a discipline commission only (the township's or the county's)."""
    from mingjing.complaints.models import Complaint

    assert isinstance(complaint, Complaint)
    township = Q(kind=Organisation.Kind.TOWNSHIP_COMMISSION, region_code=regions.township_of(complaint.village_code))
    if complaint.is_tipoff:
        where = township | Q(kind=Organisation.Kind.COUNTY_COMMISSION)
    else:
        where = (township | Q(kind=Organisation.Kind.DEPARTMENT)
                 | Q(kind=Organisation.Kind.VILLAGE, region_code=complaint.village_code))
    excluded = ids_of(complaint.excluded_orgs)
    return [org for org in Organisation.objects.filter(where).order_by("kind", "region_code", "name")
            if org.pk not in excluded]
