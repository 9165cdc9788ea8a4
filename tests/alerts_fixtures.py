"""Organisations, personas with memberships, and hits made into alerts, for the alert-loop tests.

The county 110101 has township 110101001000 with villages 110101001201 and 110101001202, and a
second township 110101002000. Personas: alice (county commission administrator), tom
(township commission of 001), olga (township commission of 002), dora (民政局), fred (财政局),
victor (supervision committee chair of village 110101001201).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User

from engine.types import Hit as EngineHit
from engine.types import ModelResult
from mingjing.accounts.models import Membership, Organisation, Role
from mingjing.analysis.actions import store_result
from mingjing.analysis.models import Run
from mingjing.lib.ids import check_char

VILLAGE = "110101001201"
OTHER_VILLAGE = "110101001202"
TOWNSHIP = "110101001000"
OTHER_TOWNSHIP = "110101002000"


def person(seq: int, birth: str = "19500101") -> str:
    first17 = f"110101{birth}{seq:03d}"
    return first17 + check_char(first17)


@dataclass
class Cast:
    alice: User
    tom: User
    olga: User
    dora: User
    fred: User
    victor: User
    county: Organisation
    township: Organisation
    other_township: Organisation
    civil_affairs: Organisation
    finance: Organisation
    village: Organisation


def make_cast(alice: User) -> Cast:
    def org(kind: str, name: str, region: str = "", department: str = "") -> Organisation:
        return Organisation.objects.create(kind=kind, name=name, region_code=region, department=department)

    county, _ = Organisation.objects.get_or_create(
        kind="county_commission", region_code="110101000000", department="", defaults={"name": "县纪委监委"}
    )
    township = org("township_commission", "城关镇纪委", TOWNSHIP)
    other_township = org("township_commission", "东河镇纪委", OTHER_TOWNSHIP)
    civil_affairs = org("department", "县民政局", department="民政局")
    finance = org("department", "县财政局", department="财政局")
    village = org("village", "东风村", VILLAGE)

    def member(user: User, organisation: Organisation, role: str) -> User:
        membership, _ = Membership.objects.update_or_create(
            user=user, defaults={"organisation": organisation, "role": role}
        )
        user.membership = membership  # replace what the instance may have cached
        return user

    def staff(name: str) -> User:
        return User.objects.create_user(name, password=f"{name}-password", is_staff=True, email=f"{name}@example.org")

    return Cast(
        alice=member(alice, county, Role.COUNTY_ADMIN),
        tom=member(staff("tom"), township, Role.TOWNSHIP_OFFICER),
        olga=member(staff("olga"), other_township, Role.TOWNSHIP_OFFICER),
        dora=member(staff("dora"), civil_affairs, Role.DEPARTMENT_OFFICER),
        fred=member(staff("fred"), finance, Role.DEPARTMENT_OFFICER),
        victor=member(staff("victor"), village, Role.VILLAGE_SUPERVISOR),
        county=county, township=township, other_township=other_township,
        civil_affairs=civil_affairs, finance=finance, village=village,
    )


def engine_hit(
    seq: int,
    *,
    model: str = "YKT01",
    level: str = "high",
    region: str = VILLAGE,
    department: str = "民政局",
    periods: tuple[str, ...] = ("2024-01", "2024-02"),
    amount: str = "1400.00",
) -> EngineHit:
    id_number = person(seq)
    return EngineHit(
        model=model, rule_id="00000000-0000-0000-0000-0000000000" + model[-2:], version=1,
        fingerprint=f"{model}-{id_number}".ljust(64, "0")[:64], key={"id_number": id_number, "program_code": "DB01"},
        level=level, department=department, id_number=id_number, name=f"测试{seq}", region_code=region,
        program_code="DB01", account_no=None,
        periods=[dt.date(int(p[:4]), int(p[5:]), 1) for p in periods], amount=Decimal(amount),
        observed="死亡月份 2023-12", explanation=f"测试{seq}（110101******{id_number[-4:]}）疑点说明。", values={},
    )


def run_with(*hits: EngineHit, models: tuple[str, ...] = ("YKT01",)) -> Run:
    """A finished detection run that found exactly `hits`, stored and synced into alerts."""
    from mingjing.alerts.actions import sync_alerts

    run = Run.objects.create(status=Run.Status.DONE, models_total=len(models))
    for model in models:
        found = [h for h in hits if h.model == model]
        store_result(run, ModelResult(model, examined=100, rows=len(found), hits=found, seconds=0.1, parameters={}))
    sync_alerts(run)
    return run
