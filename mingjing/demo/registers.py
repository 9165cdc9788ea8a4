"""Background registers and payment plans of the demo county, clean for every problem model.

"Clean" is the point of this module: the background must give no hit for YKT01-YKT15, so each
step below states the rule it respects (see `shared/design/models.md`). Payments are kept as plans,
one interval of months per person and programme, and only expanded month by month when files are
written, so ten million payment rows never sit in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from mingjing.demo import names
from mingjing.demo.county import (
    CHILD,
    DAUGHTER_IN_LAW,
    GRANDCHILD,
    HEAD,
    NORMAL,
    PARENT,
    SPOUSE,
    Calendar,
    County,
    People,
    age_on,
    first_month_aged,
    ymd,
)


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    category: str
    department: str
    standard: int | None  # cents per person per month; None = no fixed standard
    min_age: int | None = None
    excludes: tuple[str, ...] = ()


DIBAO, TEKUN, ELDERLY, DISABILITY, EDUCATION, FARMLAND, BASIC_PENSION, FAMILY_REWARD = (
    "MZ001",
    "MZ002",
    "MZ003",
    "CL001",
    "JY001",
    "NY001",
    "RS001",
    "WJ001",
)
PROGRAMMES: dict[str, Programme] = {
    p.code: p
    for p in (
        # dibao and tekun exclude each other, listed on both sides so that a one-sided or a
        # symmetric reading of `excludes` gives the same hits.
        Programme(DIBAO, "农村最低生活保障金", "dibao", "民政局", 70_000, excludes=(TEKUN,)),
        Programme(TEKUN, "特困人员救助供养金", "tekun", "民政局", 110_000, excludes=(DIBAO,)),
        Programme(ELDERLY, "高龄津贴", "elderly", "民政局", 10_000, min_age=80),
        Programme(DISABILITY, "残疾人两项补贴", "disability", "残联", 16_000),
        Programme(EDUCATION, "雨露计划", "education", "教育局", 25_000),
        Programme(FARMLAND, "耕地地力保护补贴", "agriculture", "农业农村局", None),
        Programme(BASIC_PENSION, "城乡居民基础养老金", "other", "人社局", 18_800, min_age=60),
        Programme(
            FAMILY_REWARD, "农村部分计划生育家庭奖励扶助金", "other", "卫健局", 8_000, min_age=60
        ),
    )
}
ASSISTANCE = (DIBAO, TEKUN)
EXTRA_ACCOUNT = 10**9  # account ids from here on belong to people missing from the register
FARMLAND_MONTH = 6  # the farmland subsidy is paid once a year, for June
FARMLAND_CENTS_PER_TENTH_MU = 955  # 95.50 yuan per mu


class Table:
    """A register as columns of plain lists (values: person index, `date`, str, int, bool)."""

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self.data: dict[str, list[Any]] = {c: [] for c in columns}

    def add(self, **values: Any) -> None:
        for c in self.columns:
            self.data[c].append(values.get(c))

    def __len__(self) -> int:
        return len(self.data[self.columns[0]])

    def rows(self) -> Iterator[dict[str, Any]]:
        cols = [self.data[c] for c in self.columns]
        for values in zip(*cols, strict=True):
            yield dict(zip(self.columns, values, strict=True))


class Plan:
    """Monthly payments of one programme as intervals: person `pid` is paid `cents` for every
    window month from `start` to `end` (inclusive), into `account`, by `village`."""

    fields = ("pid", "start", "end", "cents", "village", "account")

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []
        self.cols: dict[str, np.ndarray] = {}

    def add_many(self, **arrays: Any) -> None:
        n = len(arrays["pid"])
        part = {}
        for f in self.fields:
            value = arrays[f]
            part[f] = np.broadcast_to(np.asarray(value, dtype=np.int64), (n,)).copy()
        self.parts.append(part)

    def add(self, pid: int, start: int, end: int, cents: int, village: int, account: int) -> None:
        self.add_many(
            pid=[pid], start=start, end=end, cents=cents, village=village, account=account
        )

    def seal(self) -> None:
        if self.parts:
            self.cols = {f: np.concatenate([p[f] for p in self.parts]) for f in self.fields}
        else:
            self.cols = {f: np.zeros(0, dtype=np.int64) for f in self.fields}
        keep = self.cols["start"] <= self.cols["end"]
        self.cols = {f: v[keep] for f, v in self.cols.items()}
        self.parts = []

    def month(self, m: int) -> dict[str, np.ndarray]:
        c = self.cols
        sel = (c["start"] <= m) & (c["end"] >= m)
        return {f: v[sel] for f, v in c.items()}

    def rows_total(self) -> int:
        c = self.cols
        return int((c["end"] - c["start"] + 1).sum())


@dataclass
class Registers:
    payroll: Table = field(default_factory=lambda: Table("pid", "employer", "start", "end"))
    officials: Table = field(
        default_factory=lambda: Table("pid", "village", "position", "start", "end")
    )
    relatives: Table = field(
        default_factory=lambda: Table("official", "relative", "relation", "filed")
    )
    vehicles: Table = field(
        default_factory=lambda: Table("pid", "plate", "type", "registered", "status")
    )
    properties: Table = field(
        default_factory=lambda: Table("pid", "location", "usage", "area", "registered")
    )
    businesses: Table = field(
        default_factory=lambda: Table("pid", "business", "role", "established", "status")
    )
    pensions: Table = field(default_factory=lambda: Table("pid", "cents", "start", "end"))
    students: Table = field(default_factory=lambda: Table("pid", "school", "start", "end"))
    disabilities: Table = field(
        default_factory=lambda: Table("pid", "type", "level", "issued", "status")
    )
    plans: dict[str, Plan] = field(default_factory=lambda: {c: Plan() for c in PROGRAMMES})
    # Explicit payment rows (planted duplicates, unknown IDs, refunds): see plants.py.
    extra_payments: list[dict[str, Any]] = field(default_factory=list)
    # Accounts not owned by a person of the register (account id EXTRA_ACCOUNT + k): holder names.
    extra_accounts: list[str] = field(default_factory=list)


def payable_months(people: People, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """First and last window month in which each person may be paid: from the month after birth,
    up to and including the month of death, moving out or cancellation (YKT01, YKT11)."""
    first_abs = cal.first_abs
    by, bm, _ = ymd(people.birth)
    first = np.maximum(0, by * 12 + bm - first_abs)  # month after the birth month
    last = np.full(len(people), cal.last, dtype=np.int64)
    dead = people.death > 0
    dy, dm, _ = ymd(np.where(dead, people.death, people.birth))
    last = np.where(dead, np.minimum(last, dy * 12 + dm - 1 - first_abs), last)
    gone = (people.status == 2) | (people.status == 3)
    sy, sm, _ = ymd(np.where(gone, people.status_date, people.birth))
    last = np.where(gone, np.minimum(last, sy * 12 + sm - 1 - first_abs), last)
    return first, last


def _random_dates(
    rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, k: int
) -> np.ndarray:
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (k,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (k,))
    return lo + np.floor(rng.random(k) * (np.maximum(hi - lo, 0) + 1)).astype(np.int64)


def _d(ordinal: int) -> date:
    return date.fromordinal(int(ordinal))


def build_registers(
    rng: np.random.Generator, county: County, people: People, cal: Calendar
) -> Registers:
    """Background registers and payment plans, in numbered steps (each keeps one model quiet):

    1. payroll (active staff and retirees)          -> their households get no assistance (YKT02)
    2. officials and their relatives                -> no assistance for them or their households (YKT03)
    3. tekun, then dibao households                 -> assets, pensions and payroll kept away (YKT04, YKT10)
    4. vehicles, properties, businesses             -> only exempt / gone / one home for assistance households
    5. pensions                                     -> at most 799.99 for dibao recipients (YKT10)
    6. students and education aid                   -> paid only in months of an active record (YKT09)
    7. disability certificates and allowance         -> paid only after the month of issue (YKT14)
    8. elderly allowance                            -> every living person aged >= 80 paid (YKT05, YKT15)
    9. basic pension, family reward, farmland        -> from age 60; the living head (or next adult) paid
    Every plan stops at the month of death or moving out (YKT01, YKT11); every person has one
    account, and dibao households may share the head's (YKT07).
    """
    reg = Registers()
    n = len(people)
    first_pay, last_pay = payable_months(people, cal)
    ref = cal.period_end(cal.last)
    ref_o = ref.toordinal()
    age_end = age_on(people.birth, cal.period(cal.last))
    alive_end = people.death == 0
    normal = people.status == NORMAL
    hh = people.household
    n_households = len(people.household_ids)
    hh_start = np.searchsorted(hh, np.arange(n_households))
    hh_end = np.searchsorted(hh, np.arange(n_households), side="right")
    excluded = np.zeros(n_households, dtype=bool)  # households kept off assistance
    township_name = [county.township_names[t] for t in county.village_township]
    is_payroll = np.zeros(n, dtype=bool)

    # 1. payroll: active staff aged 23-59, and retirees who left before turning 61
    staff = np.flatnonzero(
        alive_end & normal & (age_end >= 23) & (age_end <= 59) & (rng.random(n) < 0.03)
    )
    retirees = np.flatnonzero(
        alive_end & (age_end >= 61) & (age_end <= 72) & (rng.random(n) < 0.025)
    )
    for group, retired in ((staff, False), (retirees, True)):
        start = people.birth[group] + _random_dates(rng, 22 * 365, 26 * 365, len(group))
        for i, p in enumerate(group.tolist()):
            employer = _employer(rng, county.name, township_name[people.village[p]])
            end = None
            if retired:
                end = _d(people.birth[p]).replace(day=1) + timedelta(days=60 * 365 + 15)
                pension_start = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
                reg.pensions.add(
                    pid=p, cents=int(rng.integers(300_000, 600_000)), start=pension_start, end=None
                )
            reg.payroll.add(pid=p, employer=employer, start=_d(min(start[i], ref_o - 400)), end=end)
            is_payroll[p] = True
    excluded[hh[is_payroll]] = True

    # 2. officials (6-7 per village, heads or spouses aged 30-62) and their relatives
    is_official = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(
        alive_end
        & normal
        & ~is_payroll
        & (age_end >= 30)
        & (age_end <= 62)
        & ((people.relation == HEAD) | (people.relation == SPOUSE))
    )
    by_village = np.split(
        candidates,
        np.searchsorted(people.village[candidates], np.arange(1, len(county.village_codes))),
    )
    term = date(2021, 10, 1).toordinal()
    adults = np.flatnonzero(alive_end & (age_end >= 25))
    adults_by_village = np.split(
        adults, np.searchsorted(people.village[adults], np.arange(1, len(county.village_codes)))
    )
    for v, cand in enumerate(by_village):
        k = min(len(cand), int(rng.integers(6, 8)))
        chosen = rng.choice(cand, size=k, replace=False) if k else cand[:0]
        positions = list(names.OFFICIAL_POSITIONS)
        for j, p in enumerate(sorted(chosen.tolist())):
            start = _d(term + int(rng.integers(0, 25)))
            end = None
            if rng.random() < 0.12:  # a former official, term ended before the window
                start = _d(date(2018, 1, 1).toordinal() + int(rng.integers(0, 40)))
                end = date(2021, 9, 30)
            reg.officials.add(
                pid=p, village=v, position=positions[j % len(positions)], start=start, end=end
            )
            is_official[p] = True
            excluded[hh[p]] = True
            for q in range(hh_start[hh[p]], hh_end[hh[p]]):
                if q == p:
                    continue
                rel = _relation_to_official(int(people.relation[p]), int(people.relation[q]))
                reg.relatives.add(
                    official=p, relative=q, relation=rel, filed=bool(rng.random() < 0.55)
                )
            pool = adults_by_village[v]
            if len(pool) and rng.random() < 0.5:  # a sibling in another household
                q = int(pool[rng.integers(0, len(pool))])
                if hh[q] != hh[p]:
                    reg.relatives.add(
                        official=p, relative=q, relation="兄弟姐妹", filed=bool(rng.random() < 0.55)
                    )
                    excluded[hh[q]] = True

    # 3. assistance households: tekun (single elderly), then dibao (about 5% of people)
    sizes = hh_end - hh_start
    head_of = hh_start  # the head is the first member of each background household
    assisted = np.zeros(n_households, dtype=bool)
    tekun_hh = np.flatnonzero(
        ~excluded & (sizes == 1) & (age_end[head_of] >= 60) & (last_pay[head_of] >= 0)
    )
    tekun_hh = rng.permutation(tekun_hh)[: max(1, int(n * 0.008))]
    tekun_hh.sort()
    assisted[tekun_hh] = True
    tk = head_of[tekun_hh]
    tk_start = np.where(
        rng.random(len(tk)) < 0.8, 0, rng.integers(0, max(1, cal.months - 6), len(tk))
    )
    reg.plans[TEKUN].add_many(
        pid=tk,
        start=np.maximum(tk_start, first_pay[tk]),
        end=last_pay[tk],
        cents=np.where(rng.random(len(tk)) < 0.7, 110_000, 100_000),
        village=people.village[tk],
        account=tk,
    )
    dibao_cand = rng.permutation(np.flatnonzero(~excluded & ~assisted & (last_pay[head_of] >= 0)))
    target = int(n * 0.05)
    cum = np.cumsum(sizes[dibao_cand])
    dibao_hh = np.sort(dibao_cand[: int(np.searchsorted(cum, target)) + 1])
    assisted[dibao_hh] = True
    members = (
        np.concatenate([np.arange(hh_start[h], hh_end[h]) for h in dibao_hh])
        if len(dibao_hh)
        else np.zeros(0, np.int64)
    )
    m_hh = hh[members]
    pos = np.searchsorted(dibao_hh, m_hh)
    k = len(dibao_hh)
    r = rng.random(k)
    h_start = np.where(r < 0.12, rng.integers(1, max(2, cal.months - 3), k), 0)
    h_end = np.where(
        r > 0.87,
        rng.integers(cal.months // 3, max(cal.months // 3 + 1, cal.months - 1), k),
        cal.last,
    )
    grade = rng.choice(np.array([70_000, 56_000, 42_000]), size=k, p=[0.35, 0.4, 0.25])
    share = (rng.random(k) < 0.5) & (sizes[dibao_hh] >= 2)
    account = np.where(share[pos], hh_start[m_hh], members)
    reg.plans[DIBAO].add_many(
        pid=members,
        start=np.maximum(h_start[pos], first_pay[members]),
        end=np.minimum(h_end[pos], last_pay[members]),
        cents=grade[pos],
        village=people.village[members],
        account=account,
    )

    # 4. assets: free for other households; exempt or gone for assistance households
    plate_chars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    free_hh = np.flatnonzero(~assisted)
    _vehicles(
        rng, reg, people, free_hh, hh_start, hh_end, age_end, plate_chars, 0.24, exempt_only=False
    )
    _vehicles(
        rng,
        reg,
        people,
        np.flatnonzero(assisted),
        hh_start,
        hh_end,
        age_end,
        plate_chars,
        0.14,
        exempt_only=True,
    )
    _properties(rng, reg, county, people, free_hh, hh_start, hh_end, age_end, assisted=False)
    _properties(
        rng, reg, county, people, np.flatnonzero(assisted), hh_start, hh_end, age_end, assisted=True
    )
    in_assisted = assisted[hh]
    owners = np.flatnonzero(
        (age_end >= 22) & (age_end <= 68) & ~in_assisted & (rng.random(n) < 0.04)
    )
    for p in owners.tolist():
        status = rng.choice(["存续", "在业", "注销", "吊销"], p=[0.6, 0.25, 0.1, 0.05])
        _business(rng, reg, county, people, p, str(status))
    for p in np.flatnonzero((age_end >= 22) & in_assisted & (rng.random(n) < 0.02)).tolist():
        _business(rng, reg, county, people, p, str(rng.choice(["注销", "吊销"])))

    # 5. pensions: enterprise retirees (not on assistance) and small land-loss pensions (< 800)
    has_pension = np.zeros(n, dtype=bool)
    has_pension[np.array(reg.pensions.data["pid"], dtype=np.int64)] = True
    enterprise = np.flatnonzero(
        (age_end >= 60) & ~in_assisted & ~has_pension & (rng.random(n) < 0.07) & (last_pay >= 0)
    )
    start_m = first_month_aged(people.birth[enterprise], 60)
    for i, p in enumerate(enterprise.tolist()):
        s = max(int(start_m[i]), 2010 * 12)
        reg.pensions.add(
            pid=p,
            cents=int(rng.integers(180_000, 350_000)),
            start=date(s // 12, s % 12 + 1, 1),
            end=_death_month(people, p),
        )
    has_pension[enterprise] = True
    small = np.flatnonzero(
        (age_end >= 60) & ~has_pension & (rng.random(n) < 0.04) & (last_pay >= 0)
    )
    for p in small.tolist():
        reg.pensions.add(
            pid=p,
            cents=int(rng.integers(20_000, 80_000)),
            start=date(2015, 1, 1),
            end=_death_month(people, p),
        )
    has_pension[small] = True

    # 6. students; education aid for students of dibao households and some others
    dibao_member = np.zeros(n, dtype=bool)
    dibao_member[members] = True
    studying = np.flatnonzero(
        (age_end >= 15) & (age_end <= 22) & (rng.random(n) < 0.55) & (last_pay >= 0)
    )
    for p in studying.tolist():
        by = _d(people.birth[p]).year
        entry = by + int(rng.choice([15, 15, 18]))
        years = int(rng.choice([3, 3, 4]))
        enrolled = date(entry, 9, 1)
        leaves = date(entry + years, 6, 30)
        if rng.random() < 0.03:  # dropped out
            leaves = _d(enrolled.toordinal() + int(rng.integers(100, 700)))
        if enrolled > ref or leaves < cal.period(0) - timedelta(days=400):
            continue
        school = county_prefixed(
            county.name, names.SCHOOLS[int(rng.integers(0, len(names.SCHOOLS)))]
        )
        left = None if leaves > ref else leaves  # still enrolled: no end date yet
        reg.students.add(pid=p, school=school, start=enrolled, end=left)
        if dibao_member[p] or rng.random() < 0.15:
            s_m = max(cal.index(enrolled), int(first_pay[p]), 0)
            e_m = min(cal.index(left) if left else cal.last, int(last_pay[p]))
            reg.plans[EDUCATION].add(
                p, s_m, e_m, 25_000 if rng.random() < 0.8 else 20_000, int(people.village[p]), p
            )

    # 7. disability certificates; the allowance from the month after issue
    holders = np.flatnonzero((rng.random(n) < 0.032) & (people.birth < ref_o - 365))
    issued = _random_dates(
        rng,
        np.maximum(people.birth[holders] + 200, date(2008, 1, 1).toordinal()),
        ref_o - 20,
        len(holders),
    )
    for i, p in enumerate(holders.tolist()):
        level = int(rng.choice(4, p=[0.15, 0.25, 0.3, 0.3]))
        valid = rng.random() < 0.88
        status = "有效" if valid else str(rng.choice(["注销", "过期"]))
        reg.disabilities.add(
            pid=p,
            type=names.DISABILITY_TYPES[int(rng.integers(0, 7))],
            level=names.DISABILITY_LEVELS[level],
            issued=_d(issued[i]),
            status=status,
        )
        if valid and (level <= 1 or dibao_member[p] or rng.random() < 0.5):
            s_m = max(cal.index(_d(issued[i])) + 1, int(first_pay[p]), 0)
            reg.plans[DISABILITY].add(
                p, s_m, int(last_pay[p]), 16_000 if level <= 1 else 8_000, int(people.village[p]), p
            )

    # 8. elderly allowance for everyone from the first month that finds them 80
    start80 = first_month_aged(people.birth, 80) - cal.first_abs
    old = np.flatnonzero(start80 <= last_pay)
    reg.plans[ELDERLY].add_many(
        pid=old,
        start=np.maximum(start80[old], first_pay[old]),
        end=last_pay[old],
        cents=10_000,
        village=people.village[old],
        account=old,
    )

    # 9. basic pension (60+, no other pension) and the farmland subsidy (June, head or next adult)
    start60 = first_month_aged(people.birth, 60) - cal.first_abs
    basic = np.flatnonzero((start60 <= last_pay) & ~has_pension & (rng.random(n) < 0.95))
    reg.plans[BASIC_PENSION].add_many(
        pid=basic,
        start=np.maximum(start60[basic], first_pay[basic]),
        end=last_pay[basic],
        cents=np.where(age_end[basic] >= 75, 18_800, 15_800),
        village=people.village[basic],
        account=basic,
    )
    reward = np.flatnonzero((start60 <= last_pay) & (rng.random(n) < 0.45))
    reg.plans[FAMILY_REWARD].add_many(
        pid=reward,
        start=np.maximum(start60[reward], first_pay[reward]),
        end=last_pay[reward],
        cents=8_000,
        village=people.village[reward],
        account=reward,
    )
    farming = np.flatnonzero(rng.random(n_households) < 0.7)
    mu_tenths = rng.integers(15, 121, size=n_households)
    for m in range(cal.months):
        if cal.period(m).month != FARMLAND_MONTH:
            continue
        payee = head_of[farming].copy()
        ok = (first_pay[payee] <= m) & (last_pay[payee] >= m) & (age_end[payee] >= 18)
        for j in np.flatnonzero(~ok).tolist():
            h = farming[j]
            payee[j] = -1
            for q in range(hh_start[h], hh_end[h]):
                if first_pay[q] <= m <= last_pay[q] and age_end[q] >= 18:
                    payee[j] = q
                    break
        sel = payee >= 0
        reg.plans[FARMLAND].add_many(
            pid=payee[sel],
            start=m,
            end=m,
            cents=mu_tenths[farming[sel]] * FARMLAND_CENTS_PER_TENTH_MU,
            village=people.village[payee[sel]],
            account=payee[sel],
        )
    return reg


def _death_month(people: People, p: int) -> date | None:
    if people.death[p] == 0:
        return None
    d = _d(people.death[p])
    return d.replace(day=1)


def county_prefixed(county_name: str, text: str) -> str:
    """`县第一中学` -> `明镜县第一中学`: list entries starting with 县 belong to this county."""
    return county_name + text[1:] if text.startswith("县") else text


def _employer(rng: np.random.Generator, county_name: str, township: str) -> str:
    if rng.random() < 0.6:
        return county_prefixed(
            county_name, names.EMPLOYERS[int(rng.integers(0, len(names.EMPLOYERS)))]
        )
    return township + names.TOWNSHIP_EMPLOYERS[int(rng.integers(0, len(names.TOWNSHIP_EMPLOYERS)))]


def _relation_to_official(official_rel: int, member_rel: int) -> str:
    """How a household member is related to the official (who is the head or the head's spouse)."""
    if member_rel in (HEAD, SPOUSE):
        return "配偶"
    if member_rel == CHILD:
        return "子女"
    if member_rel == PARENT:
        return "父母" if official_rel == HEAD else "配偶父母"
    if member_rel == GRANDCHILD:
        return "孙子女"
    if member_rel == DAUGHTER_IN_LAW:
        return "子女配偶"
    return "其他"


def plate(rng: np.random.Generator, chars: str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") -> str:
    return "湘C" + "".join(chars[int(i)] for i in rng.integers(0, len(chars), 5))


def _vehicles(
    rng: np.random.Generator,
    reg: Registers,
    people: People,
    households: np.ndarray,
    hh_start: np.ndarray,
    hh_end: np.ndarray,
    age_end: np.ndarray,
    chars: str,
    share: float,
    *,
    exempt_only: bool,
) -> None:
    owning = households[rng.random(len(households)) < share]
    for h in owning.tolist():
        adults = [q for q in range(hh_start[h], hh_end[h]) if age_end[q] >= 18]
        if not adults:
            continue
        owner = adults[int(rng.integers(0, len(adults)))]
        registered = _d(date(2005, 1, 1).toordinal() + int(rng.integers(0, 7000)))
        if exempt_only:
            if rng.random() < 0.8:  # an exempt type, whatever its status
                vtype = names.EXEMPT_VEHICLE_TYPES[int(rng.integers(0, 4))]
                status = str(rng.choice(["正常", "正常", "报废"]))
            else:  # a car that is gone
                vtype = names.OTHER_VEHICLE_TYPES[int(rng.integers(0, 2))]
                status = str(rng.choice(["报废", "注销"]))
        else:
            pool = names.OTHER_VEHICLE_TYPES + names.EXEMPT_VEHICLE_TYPES
            vtype = pool[int(rng.choice(len(pool), p=_VEHICLE_P))]
            status = str(rng.choice(["正常", "注销", "报废"], p=[0.88, 0.06, 0.06]))
        reg.vehicles.add(
            pid=owner,
            plate=plate(rng, chars),
            type=vtype,
            registered=min(registered, date(2026, 1, 1)),
            status=status,
        )


_VEHICLE_P = np.array([0.35, 0.12, 0.14, 0.04, 0.05, 0.2, 0.01, 0.05, 0.04])
_VEHICLE_P = _VEHICLE_P / _VEHICLE_P.sum()


def _properties(
    rng: np.random.Generator,
    reg: Registers,
    county: County,
    people: People,
    households: np.ndarray,
    hh_start: np.ndarray,
    hh_end: np.ndarray,
    age_end: np.ndarray,
    *,
    assisted: bool,
) -> None:
    r = rng.random(len(households))
    for j, h in enumerate(households.tolist()):
        adults = [q for q in range(hh_start[h], hh_end[h]) if age_end[q] >= 18]
        if not adults:
            continue
        if assisted:
            usages = ["住宅"] if r[j] < 0.35 else []
        elif r[j] < 0.5:
            usages = ["住宅"]
        elif r[j] < 0.6:
            usages = ["住宅", "住宅"]
        elif r[j] < 0.66:
            usages = ["住宅", names.NON_RESIDENTIAL_USAGES[int(rng.integers(0, 5))]]
        else:
            usages = []
        owner = adults[0]  # one member holds all the household's titles: at most one home (YKT04)
        for usage in usages:
            reg.properties.add(
                pid=owner,
                location=location(rng, county, int(people.village[owner])),
                usage=usage,
                area=f"{int(rng.integers(4000, 22000)) / 100:.2f}",
                registered=_d(date(2008, 1, 1).toordinal() + int(rng.integers(0, 6200))),
            )


def location(rng: np.random.Generator, county: County, village: int) -> str:
    t = county.village_township[village]
    return (
        f"{county.name}{county.township_names[t]}{county.village_names[village]}"
        f"{int(rng.integers(1, 13))}组{int(rng.integers(1, 90))}号"
    )


def _business(
    rng: np.random.Generator, reg: Registers, county: County, people: People, p: int, status: str
) -> None:
    stem = names.BUSINESS_STEMS[int(rng.integers(0, len(names.BUSINESS_STEMS)))]
    kind = names.BUSINESS_KINDS[int(rng.integers(0, len(names.BUSINESS_KINDS)))]
    role = str(rng.choice(["经营者", "法定代表人", "股东"], p=[0.5, 0.3, 0.2]))
    if kind.endswith(("商店", "餐馆", "五金店", "农资经营部")):
        role = "经营者"
    t = county.village_township[int(people.village[p])]
    reg.businesses.add(
        pid=p,
        business=f"{county.name}{county.township_names[t]}{stem}{kind}",
        role=role,
        established=_d(date(2006, 1, 1).toordinal() + int(rng.integers(0, 7000))),
        status=status,
    )
