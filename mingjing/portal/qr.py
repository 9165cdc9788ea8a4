"""QR codes of the portal: one per village (its public page) and one per household (户廉码).

Both are made with segno at error correction level Q: a poster on a door weathers, a slip gets
folded, and Q still reads with a quarter of the code gone. Pages show the code as inline SVG; the
PDF draws the module matrix as vector rectangles (`posters.py`), crisp at any print size.

A household code is a random token, created once per household and kept (`HouseholdCode`): the
same household gets the same slip on every print run, and the token says nothing by itself (no
household number, no name, not even the village: that is printed next to it anyway).
"""

from __future__ import annotations

import base64
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import segno
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from mingjing.datahub import queries as hub
from mingjing.portal.models import HouseholdCode

ERROR = "q"
TOKEN_BYTES = 10  # 80 random bits, written as 16 base32 letters
RESIDENT = "正常"  # persons.status of someone living in the household (not 死亡, 迁出, 注销)


# -- URLs -----------------------------------------------------------------------------------------


def _base(base_url: str | None) -> str:
    return (base_url or settings.BASE_URL).rstrip("/")


def village_url(village_code: str, base_url: str | None = None) -> str:
    """What a village's poster opens: its public home page."""
    return _base(base_url) + reverse("portal:village", args=[village_code])


def complaints_url(village_code: str, base_url: str | None = None) -> str:
    return _base(base_url) + reverse("portal:complaints", args=[village_code])


def household_url(token: str, base_url: str | None = None) -> str:
    """What a household's slip opens: /h/<token>/, which leads to its village's lookup."""
    return _base(base_url) + reverse("household", args=[token])


# -- codes ----------------------------------------------------------------------------------------


def make(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, boost_error=False, micro=False)


def matrix(url: str) -> list[list[bool]]:
    """The code's modules, row by row (True: dark), without the quiet zone: what the PDF draws."""
    return [[bool(module) for module in row] for row in make(url).matrix]


def svg(url: str, scale: int = 4) -> str:
    """Inline SVG for a page (no XML declaration, no namespace), with its quiet zone."""
    return str(make(url).svg_inline(scale=scale, title=url))


# -- household tokens -----------------------------------------------------------------------------


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().lower()


def households_of(village_codes: Iterable[str]) -> dict[str, list[str]]:
    """Household numbers with at least one resident, per village, sorted (read from the
    `persons` dataset once for all the villages asked)."""
    wanted = set(village_codes)
    table = hub.read_dataset("persons", ["region_code", "household_id", "status"]) if wanted else None
    if table is None:
        return {}
    villages = pa.array(sorted(wanted), type=pa.string())
    status = table["status"]
    living = pc.or_kleene(pc.is_null(status), pc.equal(status, RESIDENT))  # no status column: all
    table = table.filter(pc.and_kleene(pc.is_in(table["region_code"], value_set=villages), living))
    found: dict[str, set[str]] = defaultdict(set)
    for row in table.select(["region_code", "household_id"]).to_pylist():
        if row["household_id"]:
            found[row["region_code"]].add(str(row["household_id"]))
    return {code: sorted(ids) for code, ids in found.items()}


@dataclass(frozen=True)
class Slip:
    """What a household's slip shows: its number in the village and the code's token."""

    village_code: str
    number: int
    token: str


def ensure_household_codes(village_codes: Iterable[str], households: dict[str, list[str]] | None = None,
                           ) -> tuple[dict[str, list[Slip]], int]:
    """Every current household of these villages with its code, creating the missing ones.

    `households` is `households_of(village_codes)` when the caller has read it already.
    Returns the codes per village in slip order (creation order: a household keeps its slip
    number across print runs) and how many were created now. Codes of households that have since
    left stay in the table (an old slip still leads somewhere) but are not printed again.

    Steps: 1. read the households from the lake; 2. create the missing codes (a concurrent run
    or a token collision is ignored, then caught by step 3); 3. read them all back, retrying
    for any household still without a code."""
    if households is None:
        households = households_of(village_codes)
    created = 0
    for _attempt in range(3):
        with transaction.atomic():
            have = set(HouseholdCode.objects.filter(village_code__in=list(households))
                       .values_list("village_code", "household_id"))
            missing = [HouseholdCode(token=new_token(), village_code=village, household_id=household)
                       for village, ids in households.items() for household in ids
                       if (village, household) not in have]
            if not missing:
                break
            before = HouseholdCode.objects.filter(village_code__in=list(households)).count()
            HouseholdCode.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
            created += HouseholdCode.objects.filter(village_code__in=list(households)).count() - before
    slips: dict[str, list[Slip]] = {village: [] for village in households}
    current = {(village, h) for village, ids in households.items() for h in ids}
    counters: dict[str, int] = defaultdict(int)
    rows = (HouseholdCode.objects.filter(village_code__in=list(households)).order_by("village_code", "id")
            .values_list("village_code", "household_id", "token"))
    for village, household, token in rows.iterator():
        counters[village] += 1  # numbered among all the village's codes: a number is never reused
        if (village, household) in current:
            slips[village].append(Slip(village, counters[village], token))
    return slips, created


def household_codes(village_code: str) -> list[Slip]:
    """The village's household codes in slip order, created where missing."""
    return ensure_household_codes([village_code])[0].get(village_code, [])
