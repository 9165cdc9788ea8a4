"""Setting up a county's organisations from its data."""

from __future__ import annotations

from django.conf import settings

import engine
from mingjing.accounts.models import Organisation
from mingjing.datahub.queries import read_dataset

FIXED_DEPARTMENTS = ("民政局", "财政局", "教育局", "残联", "人社局", "农业农村局")


def do_create_organisations_from_data() -> dict[str, int]:
    """One commission per county and township and one organisation per village (from `regions`),
    one per department named by the programmes or the problem models. Idempotent."""
    made = {"county_commission": 0, "township_commission": 0, "village": 0, "department": 0}

    def ensure(kind: str, name: str, region: str = "", department: str = "") -> None:
        _, created = Organisation.objects.get_or_create(
            kind=kind, region_code=region, department=department, defaults={"name": name}
        )
        made[kind] += created

    regions = read_dataset("regions", ["code", "name", "level"])
    for row in regions.to_pylist() if regions is not None else []:
        if row["level"] == "county":
            ensure("county_commission", f"{row['name']}纪委监委", row["code"])
        elif row["level"] == "township":
            ensure("township_commission", f"{row['name']}纪委", row["code"])
        elif row["level"] == "village":
            ensure("village", f"{row['name']}村(居)委会", row["code"])
    departments = set(FIXED_DEPARTMENTS)
    programs = read_dataset("programs", ["department"])
    if programs is not None:
        departments |= {d for d in programs.column("department").to_pylist() if d}
    departments |= {r.department for r in engine.load_rules(settings.RULES_DIR) if r.department != "program"}
    for name in sorted(departments):
        ensure("department", name, department=name)
    return made
