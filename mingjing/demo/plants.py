"""Planted anomalies: for every problem model, hits and the boundary cases that must not hit.

Each `plant_yktNN` function creates its own new people (in new households, with names from the
reserved planted characters) and gives them exactly the records the case needs, then records what
the detection engine must report (`hit`) and what it must not (`negative`). Planted people are kept
disjoint across models, and every planted person aged 80 or more who is alive and registered gets
the elderly allowance (unless the case is about that allowance), so each case triggers only the
models listed for it.

Readings of models.md that these cases pin down (the engine must follow the same):
- a period is "after the death month" when its month is later than the month of the death date;
  death on the last day of a paid month is therefore no hit for that month;
- age at a period = full years on the first day of the month;
- "active on a period" (payroll, terms of office, pensions, student records) = started on or
  before the last day of the month and not ended before its first day;
- a disability certificate "issued on or before the period" = issued on or before the last day of
  the month (the same convention);
- YKT04 counts the household's homes together (two members with one home each = two homes);
- YKT06 level compares the villages (region codes) of the payments involved;
- YKT07 "holder name is an official or a relative of one" compares `account_name` with the names
  of officials and of relatives (`relatives.relative_name`);
- refund rows (negative amounts) are only planted where counting them as payments or not gives
  the same hits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from engine import BUILTIN_MODELS
from mingjing.demo import ids, names
from mingjing.demo.county import (
    CANCELLED,
    CHILD,
    DEAD,
    HEAD,
    HOME_CODE,
    MOVED,
    PLANTED_SEQ_START,
    SPOUSE,
    SRC_CREMATION,
    SRC_POLICE,
    SRC_STATUS,
    Calendar,
    County,
    People,
    first_month_aged,
    month_end,
)
from mingjing.demo.registers import (
    BASIC_PENSION,
    DIBAO,
    DISABILITY,
    EDUCATION,
    ELDERLY,
    EXTRA_ACCOUNT,
    FARMLAND,
    PROGRAMMES,
    TEKUN,
    Registers,
    payable_months,
)

MODELS = BUILTIN_MODELS


@dataclass
class Planter:
    """Creates planted people and records, and collects the manifest's expectations."""

    rng: random.Random
    salt: int  # account-number salt of this run (see ids.account_numbers)
    county: County
    people: People
    reg: Registers
    cal: Calendar
    expected: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {m: [] for m in MODELS}
    )
    negatives: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {m: [] for m in MODELS}
    )
    auto_elderly: list[int] = field(default_factory=list)
    _used_seq: set[tuple[str, int, int]] = field(default_factory=set)
    _names: list[str] = field(default_factory=list)
    _villages: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        chars = names.PLANTED_GIVEN
        pairs = [a + b for a in chars for b in chars if a != b]
        self.rng.shuffle(pairs)
        self._names = pairs
        self._villages = list(range(len(self.county.village_codes)))
        self.rng.shuffle(self._villages)
        self._village_turn = 0

    # --- calendar shortcuts ---------------------------------------------------------------------

    @property
    def E(self) -> int:
        return self.cal.last

    def ago(self, years: int, month: int, day: int) -> date:
        """A date `years` calendar years before the window's first year (registers' history)."""
        return date(self.cal.period(0).year - years, month, day)

    def born(self, years: int, month: int, day: int) -> date:
        """A birth date `years` calendar years before the window's last year."""
        return date(self.cal.period(self.E).year - years, month, day)

    def day(self, m: int, day: int) -> date:
        """Day `day` of window month `m` (0 = the last day of the month)."""
        first = self.cal.period(m)
        return month_end(self.cal.first_abs + m) if day == 0 else first.replace(day=day)

    def birth_for_age(self, age: int) -> date:
        """A random birth date giving `age` full years on the first day of the last month.
        (Payments that must respect a minimum age go through `pay_due`, so a person who crosses
        60 or 80 inside the window is only paid from the month they reach it.)"""
        end = self.cal.period(self.E)
        latest = date(end.year - age, end.month, 1)
        return latest - timedelta(days=self.rng.randrange(1, 365))

    # --- people -------------------------------------------------------------------------------

    def village(self) -> int:
        v = self._villages[self._village_turn % len(self._villages)]
        self._village_turn += 1
        return v

    def new_name(self) -> str:
        surname = names.SURNAMES[self.rng.randrange(40)]
        return surname + self._names.pop()

    def new_id(
        self, birth: date, male: bool, prefix: str = HOME_CODE, seq: int | None = None
    ) -> str:
        if seq is None:
            seq = PLANTED_SEQ_START + int(male)
            while (prefix, birth.toordinal(), seq) in self._used_seq:
                seq += 2
            if seq > 999:
                raise ValueError("planted sequence codes exhausted")
        key = (prefix, birth.toordinal(), seq)
        if key in self._used_seq:
            raise ValueError(f"duplicate planted ID {key}")
        self._used_seq.add(key)
        return ids.make_id(prefix, birth, seq)

    def person(
        self,
        *,
        age: int | None = None,
        birth: date | None = None,
        male: bool | None = None,
        village: int | None = None,
        household: int | None = None,
        relation: int = HEAD,
        name: str | None = None,
        id18: str | None = None,
        prefix: str = HOME_CODE,
        seq: int | None = None,
        elderly: bool = True,
        old15: bool = False,
    ) -> int:
        """A planted person; a new household of their own unless `household` is given. With
        `elderly`, they get the elderly allowance whenever they are due it (set False when the
        case is about that allowance)."""
        if birth is None:
            birth = self.birth_for_age(age if age is not None else self.rng.randint(35, 70))
        if male is None:
            male = self.rng.random() < 0.6
        if household is None:
            household = self.people.new_household(
                village if village is not None else self.village(), self.county
            )
        if village is None:
            village = self.people.household_village[household]
        pid = self.people.add(
            id18=id18 or self.new_id(birth, male, prefix, seq),
            name=name or self.new_name(),
            birth=birth,
            male=male,
            village=village,
            household=household,
            relation=relation,
            old15=old15,
        )
        if elderly:
            self.auto_elderly.append(pid)
        return pid

    def member(
        self, head: int, relation: int, *, age: int, male: bool | None = None, elderly: bool = True
    ) -> int:
        return self.person(
            age=age, male=male, household=int(self._hh(head)), relation=relation, elderly=elderly
        )

    def _hh(self, pid: int) -> int:
        return self.people.pending["household"][pid - self._first_planted()]

    def _first_planted(self) -> int:
        return len(self.people) - len(self.people.pending["household"])

    def _get(self, key: str, pid: int) -> Any:
        return self.people.pending[key][pid - self._first_planted()]

    def _set(self, key: str, pid: int, value: Any) -> None:
        self.people.pending[key][pid - self._first_planted()] = value

    def village_of(self, pid: int) -> int:
        return int(self._get("village", pid))

    def id_of(self, pid: int) -> str:
        return self.people.id18[pid]

    def name_of(self, pid: int) -> str:
        return self.people.name[pid]

    def die(
        self,
        pid: int,
        when: date,
        *,
        police: bool = True,
        cremation: bool = False,
        status: bool = True,
    ) -> None:
        """Record a death in the chosen sources (police death record, cremation, register status)."""
        sources = (
            (SRC_POLICE if police else 0)
            | (SRC_CREMATION if cremation else 0)
            | (SRC_STATUS if status else 0)
        )
        self._set("death", pid, when.toordinal())
        self._set("sources", pid, sources)
        if status:
            self._set("status", pid, DEAD)
            self._set("status_date", pid, when.toordinal())

    def leave(self, pid: int, when: date, status: int = MOVED) -> None:
        self._set("status", pid, status)
        self._set("status_date", pid, when.toordinal())

    # --- records ------------------------------------------------------------------------------

    def pay(
        self,
        pid: int,
        code: str,
        start: int,
        end: int,
        cents: int | None = None,
        *,
        village: int | None = None,
        account: int | None = None,
    ) -> None:
        """Monthly payments from window month `start` to `end` (inclusive)."""
        self.reg.plans[code].add(
            pid,
            start,
            end,
            cents if cents is not None else self.standard(code),
            self.village_of(pid) if village is None else village,
            pid if account is None else account,
        )

    def pay_due(
        self,
        pid: int,
        code: str,
        start: int,
        end: int,
        cents: int | None = None,
        *,
        account: int | None = None,
    ) -> None:
        """Like `pay`, but never before the month the person reaches the programme's `min_age`."""
        min_age = PROGRAMMES[code].min_age
        if min_age is not None:
            birth = np.array([self._get("birth", pid)], dtype=np.int64)
            start = max(start, int(first_month_aged(birth, min_age)[0]) - self.cal.first_abs)
        if start <= end:
            self.pay(pid, code, start, end, cents, account=account)

    def pay_row(
        self,
        code: str,
        m: int,
        cents: int,
        *,
        pid: int | None = None,
        id_text: str | None = None,
        name: str | None = None,
        village: int | None = None,
        account: int | None = None,
    ) -> None:
        """One explicit payment row; `id_text` writes the ID exactly so (planted invalid forms)."""
        if village is None:
            village = self.village_of(pid) if pid is not None else self.village()
        if name is None and pid is not None:
            name = self.name_of(pid)
        self.reg.extra_payments.append(
            {
                "code": code,
                "period": m,
                "cents": cents,
                "pid": pid,
                "id_text": id_text,
                "name": name,
                "village": village,
                "account": account if account is not None else pid,
            }
        )

    def outside_account(self, holder: str) -> int:
        """An account of someone missing from the register (for unknown ID numbers)."""
        self.reg.extra_accounts.append(holder)
        return EXTRA_ACCOUNT + len(self.reg.extra_accounts) - 1

    def account_no(self, account: int) -> str:
        return ids.account_numbers(np.array([account]), self.salt)[0]

    @staticmethod
    def standard(code: str) -> int:
        std = PROGRAMMES[code].standard
        return std if std is not None else 50_000

    def certificate(self, pid: int, issued: date, status: str = "有效", level: int = 1) -> None:
        self.reg.disabilities.add(
            pid=pid,
            type=names.DISABILITY_TYPES[self.rng.randrange(7)],
            level=names.DISABILITY_LEVELS[level],
            issued=issued,
            status=status,
        )

    def official(
        self, pid: int, start: date, end: date | None = None, position: str = "村委委员"
    ) -> None:
        self.reg.officials.add(
            pid=pid, village=self.village_of(pid), position=position, start=start, end=end
        )

    def relative(self, official: int, relative: int, relation: str, filed: bool) -> None:
        self.reg.relatives.add(official=official, relative=relative, relation=relation, filed=filed)

    # --- expectations ---------------------------------------------------------------------------

    def hit(
        self,
        model: str,
        level: str,
        why: str,
        *,
        pid: int | None = None,
        id_text: str | None = None,
        program: str | None = None,
        account: int | None = None,
    ) -> None:
        self.expected[model].append(
            {"key": self._key(model, pid, id_text, program, account), "level": level, "why": why}
        )

    def negative(
        self,
        model: str,
        why: str,
        *,
        pid: int | None = None,
        id_text: str | None = None,
        program: str | None = None,
        account: int | None = None,
    ) -> None:
        self.negatives[model].append(
            {"key": self._key(model, pid, id_text, program, account), "why": why}
        )

    def _key(
        self,
        model: str,
        pid: int | None,
        id_text: str | None,
        program: str | None,
        account: int | None,
    ) -> dict[str, str]:
        if model == "YKT07":
            assert account is not None
            return {"account_no": self.account_no(account)}
        id_number = id_text if id_text is not None else self.id_of(pid)  # type: ignore[arg-type]
        if model in ("YKT04", "YKT13", "YKT15"):
            return {"id_number": id_number}
        assert program is not None
        return {"id_number": id_number, "program_code": program}

    # --- finishing --------------------------------------------------------------------------------

    def finish(self) -> None:
        """Fold the planted people into the register and pay the elderly allowance to planted
        people who are due it (born 80+ years ago, paid up to the month they die or leave)."""
        self.people.seal()
        if not self.auto_elderly:
            return
        pids = np.array(self.auto_elderly, dtype=np.int64)
        first, last = payable_months(self.people, self.cal)
        start = first_month_aged(self.people.birth[pids], 80) - self.cal.first_abs
        for p, s in zip(pids.tolist(), start.tolist(), strict=True):
            s = max(s, int(first[p]))
            if s <= last[p]:
                self.reg.plans[ELDERLY].add(
                    p, s, int(last[p]), 10_000, int(self.people.village[p]), p
                )


# ===========================================================================================
# One function per model. `E` is the last window month; months are window indices.
# ===========================================================================================


def plant_ykt01_paid_after_death(pl: Planter) -> None:
    E = pl.E
    a = pl.person(age=pl.rng.randint(60, 75))
    pl.die(a, pl.day(E - 8, 15))
    pl.pay(a, DIBAO, 0, E)
    pl.hit("YKT01", "high", "死亡后连续8个月仍发放低保", pid=a, program=DIBAO)

    b = pl.person(age=pl.rng.randint(85, 90), elderly=False)
    pl.die(b, pl.day(E - 5, 10), cremation=True)
    pl.pay_due(b, ELDERLY, 0, E - 4)
    pl.hit("YKT01", "medium", "死亡次月仍发放高龄津贴(仅1个月)", pid=b, program=ELDERLY)

    c = pl.person(age=pl.rng.randint(65, 75))
    pl.die(c, pl.day(E - 6, 3), police=False)  # only the household register shows the death
    pl.pay_due(c, BASIC_PENSION, 0, E)
    pl.hit(
        "YKT01",
        "high",
        "户籍已注明死亡(无死亡登记),其后仍发放基础养老金",
        pid=c,
        program=BASIC_PENSION,
    )
    pl.negative("YKT11", "户籍状态为死亡,不是迁出或注销(由YKT01发现)", pid=c, program=BASIC_PENSION)

    d = pl.person(age=pl.rng.randint(40, 55))
    pl.certificate(d, pl.ago(8, 5, 12))
    pl.die(
        d, pl.day(E - 3, 20), police=False, cremation=True, status=False
    )  # cremation record only
    pl.pay(d, DISABILITY, 0, E - 2)
    pl.hit(
        "YKT01",
        "medium",
        "火化记录显示死亡,户籍仍为正常,死亡次月仍发放残疾人补贴",
        pid=d,
        program=DISABILITY,
    )

    f = pl.person(age=pl.rng.randint(82, 88), elderly=False)
    pl.die(f, pl.day(E - 4, 0))  # the last day of the month
    pl.pay_due(f, ELDERLY, 0, E - 4)
    pl.negative("YKT01", "死于发放月最后一天,当月发放不算死亡后发放", pid=f, program=ELDERLY)

    g = pl.person(age=pl.rng.randint(50, 70))
    pl.die(g, pl.day(E - 2, 1))
    pl.pay(g, DIBAO, 0, E - 2)
    pl.negative("YKT01", "死亡当月的发放不算死亡后发放", pid=g, program=DIBAO)


def plant_ykt02_payroll_on_assistance(pl: Planter) -> None:
    E = pl.E
    h1 = pl.person(age=pl.rng.randint(35, 50))
    pl.reg.payroll.add(
        pid=h1, employer=pl.county.name + "第二中学", start=pl.ago(12, 9, 1), end=None
    )
    pl.pay(h1, DIBAO, 0, E)
    pl.hit("YKT02", "high", "本人为财政供养人员(在职)同时领取低保", pid=h1, program=DIBAO)

    h2 = pl.person(age=pl.rng.randint(52, 60), male=True)
    son = pl.member(h2, CHILD, age=pl.rng.randint(26, 32))
    pl.reg.payroll.add(
        pid=son, employer=pl.county.name + "人民医院", start=pl.ago(5, 7, 1), end=None
    )
    pl.pay(h2, DIBAO, 0, E)
    pl.hit("YKT02", "medium", "同户子女为财政供养人员,户主领取低保", pid=h2, program=DIBAO)

    h3 = pl.person(age=pl.rng.randint(45, 55))
    pl.reg.payroll.add(pid=h3, employer=pl.county.name + "财政局", start=pl.day(E - 5, 8), end=None)
    pl.pay(h3, TEKUN, 0, E)
    pl.hit("YKT02", "high", "入职财政供养单位后仍领取特困供养金", pid=h3, program=TEKUN)

    h4 = pl.person(age=pl.rng.randint(40, 55))
    pl.reg.payroll.add(
        pid=h4,
        employer=pl.county.name + "教育局",
        start=pl.ago(14, 3, 1),
        end=pl.cal.period(0) - timedelta(days=60),
    )
    pl.pay(h4, DIBAO, 0, E)
    pl.negative("YKT02", "财政供养已在发放期前离职", pid=h4, program=DIBAO)

    h5 = pl.person(age=pl.rng.randint(35, 50))
    pl.reg.payroll.add(pid=h5, employer=pl.county.name + "公安局", start=pl.ago(9, 8, 1), end=None)
    pl.certificate(h5, pl.ago(10, 6, 3))
    pl.pay(h5, DISABILITY, 0, E)
    pl.negative(
        "YKT02", "残疾人补贴不是低保特困,财政供养人员领取不命中本模型", pid=h5, program=DISABILITY
    )


def plant_ykt03_officials_on_assistance(pl: Planter) -> None:
    E = pl.E
    term = pl.ago(3, 10, 15)
    o1 = pl.person(age=pl.rng.randint(40, 58))
    pl.official(o1, term)
    pl.pay(o1, DIBAO, 0, E)
    pl.hit("YKT03", "high", "在任村干部本人领取低保", pid=o1, program=DIBAO)

    o2 = pl.person(age=pl.rng.randint(40, 55))
    pl.official(o2, term, position="村委会主任")
    r1 = pl.person(age=pl.rng.randint(66, 76), village=pl.village_of(o2))
    pl.relative(o2, r1, "父母", filed=False)
    pl.pay(r1, DIBAO, 0, E)
    pl.hit("YKT03", "high", "在任村干部的父母领取低保且未备案", pid=r1, program=DIBAO)

    o3 = pl.person(age=pl.rng.randint(40, 55))
    pl.official(o3, term, position="村会计")
    r2 = pl.person(age=pl.rng.randint(60, 70), village=pl.village_of(o3))
    pl.relative(o3, r2, "兄弟姐妹", filed=True)
    pl.pay(r2, TEKUN, 0, E)
    pl.hit("YKT03", "low", "在任村干部的兄弟姐妹领取特困供养金,已备案", pid=r2, program=TEKUN)

    o4 = pl.person(age=pl.rng.randint(50, 62))
    pl.official(o4, pl.ago(8, 1, 10), pl.ago(3, 9, 30), position="村党支部书记")
    r3 = pl.person(age=pl.rng.randint(25, 35), village=pl.village_of(o4))
    pl.relative(o4, r3, "子女", filed=False)
    pl.pay(r3, DIBAO, 0, E)
    pl.negative("YKT03", "亲属所关联的干部已在发放期前离任", pid=r3, program=DIBAO)

    o5 = pl.person(age=pl.rng.randint(50, 62))
    pl.official(o5, pl.ago(8, 1, 10), pl.ago(3, 9, 30))
    pl.pay(o5, DIBAO, 0, E)
    pl.negative("YKT03", "离任村干部领取低保(发放期内不在任)", pid=o5, program=DIBAO)

    o6 = pl.person(age=pl.rng.randint(35, 45))
    pl.official(o6, pl.day(E - 3, 5), position="村委会副主任")
    r6 = pl.person(age=pl.rng.randint(30, 45), village=pl.village_of(o6))
    pl.relative(o6, r6, "配偶", filed=False)
    pl.pay(r6, DIBAO, 0, E)
    pl.hit("YKT03", "high", "配偶新任村干部后仍领取低保,未备案", pid=r6, program=DIBAO)


def plant_ykt04_assets(pl: Planter) -> None:
    from mingjing.demo.registers import location, plate

    E = pl.E
    nrng = np.random.default_rng(pl.rng.randrange(2**32))

    def vehicle(pid: int, vtype: str, status: str = "正常") -> None:
        pl.reg.vehicles.add(
            pid=pid, plate=plate(nrng), type=vtype, registered=pl.ago(5, 4, 18), status=status
        )

    def home(pid: int, usage: str = "住宅") -> None:
        pl.reg.properties.add(
            pid=pid,
            location=location(nrng, pl.county, pl.village_of(pid)),
            usage=usage,
            area="96.50",
            registered=pl.ago(7, 8, 9),
        )

    def business(pid: int, role: str, status: str) -> None:
        t = pl.county.village_township[pl.village_of(pid)]
        pl.reg.businesses.add(
            pid=pid,
            business=f"{pl.county.name}{pl.county.township_names[t]}恒丰建材有限公司",
            role=role,
            established=pl.ago(6, 3, 2),
            status=status,
        )

    v1 = pl.person()
    vehicle(v1, "小型轿车")
    pl.pay(v1, DIBAO, 0, E)
    pl.hit("YKT04", "medium", "低保对象名下有在用小型轿车", pid=v1)

    v2 = pl.person(age=pl.rng.randint(45, 60))
    vehicle(v2, "轻型普通货车")
    business(v2, "法定代表人", "存续")
    pl.pay(v2, TEKUN, 0, E)
    pl.hit("YKT04", "high", "特困对象名下有货车且为存续企业法定代表人(两类财产)", pid=v2)

    v3 = pl.person(age=pl.rng.randint(52, 62), male=True)
    son = pl.member(v3, CHILD, age=pl.rng.randint(25, 32))
    vehicle(son, "小型普通客车")
    pl.pay(v3, DIBAO, 0, E)
    pl.hit("YKT04", "medium", "同户子女名下有在用小型普通客车", pid=v3)

    v4 = pl.person()
    home(v4)
    home(v4)
    pl.pay(v4, DIBAO, 0, E)
    pl.hit("YKT04", "medium", "低保对象名下有2套住宅", pid=v4)

    v5 = pl.person()
    home(v5, "商业")
    pl.pay(v5, DIBAO, 0, E)
    pl.hit("YKT04", "medium", "低保对象名下有商业用房", pid=v5)

    v6 = pl.person()
    business(v6, "股东", "在业")
    pl.pay(v6, DIBAO, 0, E)
    pl.hit("YKT04", "medium", "低保对象为在业企业股东", pid=v6)

    v7 = pl.person(age=pl.rng.randint(45, 60), male=True)
    wife = pl.member(v7, SPOUSE, age=pl.rng.randint(45, 60), male=False)
    home(v7)
    home(wife)
    pl.pay(v7, DIBAO, 0, E)
    pl.hit("YKT04", "medium", "夫妻各有1套住宅,家庭合计2套", pid=v7)

    n1 = pl.person()
    vehicle(n1, "摩托车")
    pl.pay(n1, DIBAO, 0, E)
    pl.negative("YKT04", "摩托车属于豁免车型", pid=n1)

    n2 = pl.person()
    vehicle(n2, "小型轿车", status="报废")
    pl.pay(n2, DIBAO, 0, E)
    pl.negative("YKT04", "名下轿车已报废", pid=n2)

    n3 = pl.person()
    business(n3, "法定代表人", "注销")
    pl.pay(n3, DIBAO, 0, E)
    pl.negative("YKT04", "名下企业已注销", pid=n3)

    n4 = pl.person()
    home(n4)
    pl.pay(n4, DIBAO, 0, E)
    pl.negative("YKT04", "仅有1套住宅,未超过max_homes", pid=n4)

    n5 = pl.person(age=pl.rng.randint(62, 70))
    vehicle(n5, "小型轿车")
    business(n5, "经营者", "存续")
    pl.pay_due(n5, BASIC_PENSION, 0, E)
    pl.negative("YKT04", "有车有企业但只领基础养老金,不是低保特困对象", pid=n5)

    n6 = pl.person()
    business(n6, "股东", "吊销")
    vehicle(n6, "残疾人专用车")
    pl.pay(n6, TEKUN, 0, E)
    pl.negative("YKT04", "企业已吊销,残疾人专用车豁免", pid=n6)


def plant_ykt05_elderly_below_age(pl: Planter) -> None:
    E = pl.E
    first = pl.cal.period(E - 2)
    u1 = pl.person(birth=date(first.year - 80, first.month, 2), elderly=False)
    pl.pay(u1, ELDERLY, E - 2, E)
    pl.hit(
        "YKT05", "high", f"{first:%Y-%m}月1日差1天满80周岁即发放高龄津贴", pid=u1, program=ELDERLY
    )

    u2 = pl.person(birth=date(first.year - 80, first.month, 1), elderly=False)
    pl.pay(u2, ELDERLY, E - 2, E)
    pl.negative("YKT05", "发放月1日恰满80周岁", pid=u2, program=ELDERLY)

    u3 = pl.person(age=76, elderly=False)
    pl.pay(u3, ELDERLY, E - 5, E)
    pl.hit("YKT05", "high", "76岁领取高龄津贴", pid=u3, program=ELDERLY)

    u4 = pl.person(age=58)
    pl.pay(u4, BASIC_PENSION, 0, E)
    pl.hit("YKT05", "high", "58岁领取基础养老金(起领60岁)", pid=u4, program=BASIC_PENSION)

    sixty = pl.cal.period(E - 3)
    u5 = pl.person(birth=date(sixty.year - 60, sixty.month, 1))
    pl.pay(u5, BASIC_PENSION, E - 3, E)
    pl.negative("YKT05", "发放月1日恰满60周岁", pid=u5, program=BASIC_PENSION)

    u6 = pl.person(birth=date(sixty.year - 60, sixty.month, 2))
    pl.pay(u6, BASIC_PENSION, E - 3, E)
    pl.hit("YKT05", "high", "发放月1日差1天满60周岁即领取基础养老金", pid=u6, program=BASIC_PENSION)


def plant_ykt06_duplicates(pl: Planter) -> None:
    E = pl.E
    d1 = pl.person()
    pl.pay(d1, DIBAO, 0, E)
    pl.pay_row(DIBAO, E - 4, 70_000, pid=d1)
    pl.hit("YKT06", "medium", "同一村同期重复发放低保2笔", pid=d1, program=DIBAO)

    d2 = pl.person(age=pl.rng.randint(86, 92), elderly=False)
    pl.pay_due(d2, ELDERLY, 0, E)
    other = next(v for v in (pl.village() for _ in range(5)) if v != pl.village_of(d2))
    pl.pay_row(ELDERLY, E - 6, 10_000, pid=d2, village=other)
    pl.hit("YKT06", "high", "两个村同期各发放一笔高龄津贴", pid=d2, program=ELDERLY)

    d3 = pl.person()
    pl.pay(d3, DIBAO, 0, E)
    pl.pay_row(TEKUN, E - 2, 110_000, pid=d3)
    pl.hit("YKT06", "medium", "同期同时领取互斥的低保和特困供养金", pid=d3, program=DIBAO)
    pl.hit("YKT06", "medium", "同期同时领取互斥的特困供养金和低保", pid=d3, program=TEKUN)

    d4 = pl.person()
    pl.pay(d4, DIBAO, 0, E - 5)
    pl.pay(d4, TEKUN, E - 4, E)
    pl.negative("YKT06", "低保转特困,前后月份不重叠", pid=d4, program=DIBAO)
    pl.negative("YKT06", "低保转特困,前后月份不重叠", pid=d4, program=TEKUN)

    d5 = pl.person(age=pl.rng.randint(82, 88), elderly=False)
    pl.certificate(d5, pl.ago(11, 4, 1))
    pl.pay_due(d5, ELDERLY, 0, E)
    pl.pay(d5, DISABILITY, 0, E)
    pl.negative("YKT06", "高龄津贴与残疾人补贴不互斥,同期可同领", pid=d5, program=ELDERLY)

    r = pl.person()
    pl.pay(r, DIBAO, 0, E - 6)
    pl.pay_row(DIBAO, E - 5, -70_000, pid=r)
    pl.negative("YKT06", "退出低保次月只有一笔退回(负数)记录", pid=r, program=DIBAO)


def plant_ykt07_shared_accounts(pl: Planter) -> None:
    E = pl.E
    # 1. one household of three on the head's account: no hit
    head = pl.person(age=pl.rng.randint(45, 55), male=True)
    wife = pl.member(head, SPOUSE, age=pl.rng.randint(45, 55), male=False)
    child = pl.member(head, CHILD, age=pl.rng.randint(18, 24))
    for p in (head, wife, child):
        pl.pay(p, DIBAO, 0, E, account=head)
    pl.negative("YKT07", "同户3人共用户主账户", account=head)

    # 2. three elders of different households paid into a neighbour's account: medium
    x = pl.person(age=pl.rng.randint(40, 50))
    for _ in range(3):
        e = pl.person(age=pl.rng.randint(82, 90), elderly=False)
        pl.pay_due(e, ELDERLY, 0, E - 4)
        pl.pay_due(e, ELDERLY, E - 3, E, account=x)
    pl.hit("YKT07", "medium", "一个账户代领3户老人的高龄津贴", account=x)

    # 3. five people of different households: high
    y = pl.person(age=pl.rng.randint(40, 50))
    for _ in range(5):
        e = pl.person(age=pl.rng.randint(62, 75))
        pl.pay_due(e, BASIC_PENSION, 0, E - 3)
        pl.pay_due(e, BASIC_PENSION, E - 2, E, account=y)
    pl.hit("YKT07", "high", "一个账户代领5人基础养老金", account=y)

    # 4. three tekun people paid into a village official's account: high
    o7 = pl.person(age=pl.rng.randint(40, 55))
    pl.official(o7, pl.ago(3, 10, 12), position="民政协理员")
    for _ in range(3):
        t = pl.person(age=pl.rng.randint(62, 75))
        pl.pay(t, TEKUN, 0, E - 5)
        pl.pay(t, TEKUN, E - 4, E, account=o7)
    pl.hit("YKT07", "high", "村干部本人账户代领3名特困人员供养金", account=o7)

    # 5. three disabled people paid into an official's relative's account: high
    o8 = pl.person(age=pl.rng.randint(45, 58))
    pl.official(o8, pl.ago(3, 10, 12), position="村党支部书记")
    z = pl.person(age=pl.rng.randint(24, 30), village=pl.village_of(o8))
    pl.relative(o8, z, "子女", filed=False)
    for _ in range(3):
        k = pl.person(age=pl.rng.randint(30, 60))
        pl.certificate(k, pl.ago(9, 3, 3))
        pl.pay(k, DISABILITY, 0, E - 2)
        pl.pay(k, DISABILITY, E - 1, E, account=z)
    pl.hit("YKT07", "high", "村干部子女账户代领3人残疾人补贴", account=z)

    # 6. a couple on the head's account plus one outsider: medium
    h = pl.person(age=pl.rng.randint(50, 60), male=True)
    h_wife = pl.member(h, SPOUSE, age=pl.rng.randint(50, 60), male=False)
    pl.pay(h, DIBAO, 0, E, account=h)
    pl.pay(h_wife, DIBAO, 0, E, account=h)
    outsider = pl.person()
    pl.pay(outsider, DIBAO, 0, E - 7)
    pl.pay(outsider, DIBAO, E - 6, E, account=h)
    pl.hit("YKT07", "medium", "户主账户同时代领非同户1人,共3人", account=h)

    # 7. two people of different households: below min_people
    k2 = pl.person(age=pl.rng.randint(40, 50))
    for _ in range(2):
        e = pl.person(age=pl.rng.randint(82, 88), elderly=False)
        pl.pay_due(e, ELDERLY, 0, E - 4)
        pl.pay_due(e, ELDERLY, E - 3, E, account=k2)
    pl.negative("YKT07", "只有2人共用账户,未达min_people", account=k2)

    # 8. three people of different households, one per month: never 3 in one period
    l_ = pl.person(age=pl.rng.randint(40, 50))
    for j in range(3):
        e = pl.person()
        m = E - 5 + j
        pl.pay(e, DIBAO, 0, m - 1)
        pl.pay(e, DIBAO, m, m, account=l_)
        pl.pay(e, DIBAO, m + 1, E)
    pl.negative("YKT07", "3人各在不同月份使用同一账户,同期不足3人", account=l_)


def plant_ykt08_above_standard(pl: Planter) -> None:
    E = pl.E
    s1 = pl.person()
    pl.pay(s1, DIBAO, 0, E - 4)
    pl.pay_row(DIBAO, E - 3, 70_001, pid=s1)
    pl.pay(s1, DIBAO, E - 2, E)
    pl.hit("YKT08", "high", "低保单笔700.01元,超标准1分", pid=s1, program=DIBAO)

    s2 = pl.person()
    pl.pay(s2, DIBAO, 0, E, 70_000)
    pl.negative("YKT08", "低保恰为标准700.00元", pid=s2, program=DIBAO)

    s3 = pl.person()
    pl.certificate(s3, pl.ago(12, 11, 20))
    pl.pay(s3, DISABILITY, 0, E - 8)
    pl.pay_row(DISABILITY, E - 7, 32_000, pid=s3)
    pl.pay(s3, DISABILITY, E - 6, E)
    pl.hit("YKT08", "high", "残疾人补贴单笔320元,超标准160元", pid=s3, program=DISABILITY)

    s4 = pl.person(age=pl.rng.randint(45, 60))
    june = max(m for m in range(E + 1) if pl.cal.period(m).month == 6) if pl.cal.months >= 12 else E
    pl.pay_row(FARMLAND, june, 654_321, pid=s4)
    pl.negative("YKT08", "耕地地力补贴无固定标准,6543.21元不判超标", pid=s4, program=FARMLAND)

    s5 = pl.person(age=pl.rng.randint(84, 88), elderly=False)
    pl.pay_due(s5, ELDERLY, 0, E - 10)
    pl.pay_row(ELDERLY, E - 9, 120_000, pid=s5)
    pl.pay_due(s5, ELDERLY, E - 8, E)
    pl.hit("YKT08", "high", "高龄津贴一次发放1200元(标准100元/月)", pid=s5, program=ELDERLY)

    r = pl.person()
    pl.pay(r, DIBAO, 0, E - 3, 56_000)
    pl.pay_row(DIBAO, E - 2, -56_000, pid=r)
    pl.negative("YKT08", "负数退回记录不超标准", pid=r, program=DIBAO)


def plant_ykt09_education_without_enrolment(pl: Planter) -> None:
    E = pl.E

    def student(start: date, end: date | None) -> int:
        p = pl.person(age=pl.rng.randint(16, 20))
        pl.reg.students.add(pid=p, school=pl.county.name + "职业中等专业学校", start=start, end=end)
        return p

    e1 = pl.person(age=pl.rng.randint(16, 20))
    pl.pay(e1, EDUCATION, 0, E)
    pl.hit("YKT09", "medium", "无学籍记录领取雨露计划", pid=e1, program=EDUCATION)

    e2 = student(pl.ago(2, 9, 1), pl.day(E - 4, 0))
    pl.pay(e2, EDUCATION, 0, E - 3)
    pl.hit("YKT09", "medium", "学籍于上月末结束,次月仍领取", pid=e2, program=EDUCATION)

    e3 = student(pl.ago(2, 9, 1), pl.day(E - 3, 5))
    pl.pay(e3, EDUCATION, 0, E - 3)
    pl.negative("YKT09", "学籍在当月5日结束,当月仍算在读", pid=e3, program=EDUCATION)

    e4 = student(pl.day(E - 1, 1), None)
    pl.pay(e4, EDUCATION, E - 2, E)
    pl.hit("YKT09", "medium", "入学前一个月已开始领取", pid=e4, program=EDUCATION)

    e5 = student(pl.day(E - 2, 0), None)
    pl.pay(e5, EDUCATION, E - 2, E)
    pl.negative("YKT09", "当月最后一天入学,当月算在读", pid=e5, program=EDUCATION)


def plant_ykt10_pension_on_dibao(pl: Planter) -> None:
    E = pl.E

    def pension(p: int, cents: int, start: date, end: date | None = None) -> None:
        pl.reg.pensions.add(pid=p, cents=cents, start=start, end=end)

    q1 = pl.person(age=pl.rng.randint(60, 70))
    pension(q1, 80_000, pl.ago(4, 1, 1))
    pl.pay(q1, DIBAO, 0, E)
    pl.negative("YKT10", "养老金恰为800.00元,不超过收入线", pid=q1, program=DIBAO)

    q2 = pl.person(age=pl.rng.randint(60, 70))
    pension(q2, 80_001, pl.ago(4, 1, 1))
    pl.pay(q2, DIBAO, 0, E)
    pl.hit("YKT10", "medium", "养老金800.01元,超过收入线1分", pid=q2, program=DIBAO)

    q3 = pl.person(age=pl.rng.randint(60, 62))
    pension(q3, 235_000, pl.cal.period(E - 4))
    pl.pay(q3, DIBAO, 0, E)
    pl.hit("YKT10", "medium", "开始领取2350元养老金后仍领低保", pid=q3, program=DIBAO)

    q4 = pl.person(age=pl.rng.randint(60, 70))
    end = pl.cal.period(0) - timedelta(days=40)
    pension(q4, 150_000, pl.ago(6, 1, 1), end.replace(day=1))
    pl.pay(q4, DIBAO, 0, E)
    pl.negative("YKT10", "养老金在发放期前已终止", pid=q4, program=DIBAO)

    q5 = pl.person(age=pl.rng.randint(60, 70))
    pension(q5, 200_000, pl.ago(5, 1, 1))
    pl.pay(q5, TEKUN, 0, E)
    pl.negative("YKT10", "特困对象不适用低保收入线模型", pid=q5, program=TEKUN)


def plant_ykt11_paid_after_moving_out(pl: Planter) -> None:
    E = pl.E
    m1 = pl.person()
    pl.leave(m1, pl.day(E - 6, 20))
    pl.pay(m1, DIBAO, 0, E - 5)
    pl.hit("YKT11", "medium", "迁出次月仍发放低保", pid=m1, program=DIBAO)

    m2 = pl.person()
    pl.leave(m2, pl.day(E - 4, 12))
    pl.pay(m2, DIBAO, 0, E - 4)
    pl.negative("YKT11", "迁出当月的发放不命中", pid=m2, program=DIBAO)

    m3 = pl.person(age=pl.rng.randint(64, 70))
    pl.leave(m3, pl.day(E - 8, 5), CANCELLED)
    pl.pay_due(m3, BASIC_PENSION, 0, E)
    pl.hit("YKT11", "medium", "户籍注销后仍发放基础养老金", pid=m3, program=BASIC_PENSION)


def plant_ykt12_invalid_or_unknown_ids(pl: Planter) -> None:
    E = pl.E

    def outsider_row(code: str, id_text: str, months: range, cents: int) -> str:
        name = pl.new_name()
        account = pl.outside_account(name)
        for m in months:
            pl.pay_row(code, m, cents, id_text=id_text, name=name, account=account)
        return name

    bad_check = ids.wrong_check(pl.new_id(pl.born(58, 4, 17), True))
    outsider_row(DIBAO, bad_check, range(E - 3, E + 1), 70_000)
    pl.hit("YKT12", "medium", "身份证号校验码错误", id_text=bad_check, program=DIBAO)

    body = f"{HOME_CODE}19770231{PLANTED_SEQ_START + 41:03d}"
    bad_date = body + ids.check_char(body)
    june = max(m for m in range(E + 1) if pl.cal.period(m).month == 6) if pl.cal.months >= 12 else E
    outsider_row(FARMLAND, bad_date, range(june, june + 1), 123_456)
    pl.hit("YKT12", "medium", "身份证号出生日期不存在(2月31日)", id_text=bad_date, program=FARMLAND)

    unknown = pl.new_id(pl.born(54, 8, 9), False)
    outsider_row(DIBAO, unknown, range(E - 5, E + 1), 56_000)
    pl.hit("YKT12", "medium", "身份证号有效但户籍中查无此人", id_text=unknown, program=DIBAO)

    body = f"{HOME_CODE}19650312{PLANTED_SEQ_START + 43:03d}"
    right = ids.check_char(body)
    lower_x = body + "x"
    if right == "X":  # the check must be wrong for this case
        lower_x = ids.wrong_check(body + right)
    outsider_row(DIBAO, lower_x, range(E - 2, E + 1), 42_000)
    pl.hit("YKT12", "medium", "小写x校验码但校验不通过", id_text=lower_x.upper(), program=DIBAO)

    j1 = pl.person(birth=pl.born(70, 11, 23))
    for m in range(0, E + 1):
        pl.pay_row(BASIC_PENSION, m, 15_800, pid=j1, id_text=ids.to_old15(pl.id_of(j1)))
    pl.negative("YKT12", "发放表用15位旧号,升位后与户籍一致", pid=j1, program=BASIC_PENSION)

    j2 = _person_with_x_check(pl)
    for m in range(0, E + 1):
        pl.pay_row(BASIC_PENSION, m, 15_800, pid=j2, id_text=pl.id_of(j2).lower())
    pl.negative("YKT12", "发放表校验码写作小写x,户籍中有此人", pid=j2, program=BASIC_PENSION)

    j3 = pl.person(age=pl.rng.randint(66, 72))
    for m in range(0, E + 1):
        pl.pay_row(BASIC_PENSION, m, 15_800, pid=j3, id_text=ids.full_width(pl.id_of(j3)))
    pl.negative("YKT12", "发放表身份证号为全角数字,户籍中有此人", pid=j3, program=BASIC_PENSION)

    j4 = pl.person(birth=pl.born(68, 2, 14), old15=True)
    pl.pay_due(j4, BASIC_PENSION, 0, E)
    pl.negative("YKT12", "户籍登记为15位旧号,发放表为18位", pid=j4, program=BASIC_PENSION)


def _person_with_x_check(pl: Planter) -> int:
    for offset in range(400):
        birth = pl.born(69, 1, 1) + timedelta(days=offset)
        for seq in range(PLANTED_SEQ_START + 1, 1000, 2):
            candidate = ids.make_id(HOME_CODE, birth, seq)
            if candidate.endswith("X") and (HOME_CODE, birth.toordinal(), seq) not in pl._used_seq:
                return pl.person(birth=birth, male=True, seq=seq)
    raise RuntimeError("no ID with an X check character found")  # pragma: no cover


def plant_ykt13_several_ids(pl: Planter) -> None:
    E = pl.E

    def same_person(
        birth: date,
        seqs: list[int],
        prefixes: list[str] | None = None,
        paid: list[bool] | None = None,
        births: list[date] | None = None,
    ) -> list[int]:
        name = pl.new_name()
        out = []
        for k, seq in enumerate(seqs):
            b = births[k] if births else birth
            p = pl.person(
                birth=b,
                male=True,
                name=name,
                seq=seq,
                prefix=prefixes[k] if prefixes else HOME_CODE,
            )
            if paid is None or paid[k]:
                pl.pay_due(p, BASIC_PENSION, 0, E)
            out.append(p)
        return out

    for p in same_person(pl.born(68, 5, 6), [951, 953]):
        pl.hit("YKT13", "medium", "同名同生日,身份证号仅1位不同", pid=p)
    for p in same_person(pl.born(65, 9, 21), [961, 983]):
        pl.hit("YKT13", "medium", "同名同生日,身份证号2位不同", pid=p)
    for p in same_person(pl.born(66, 1, 30), [971, 973, 975]):
        pl.hit("YKT13", "medium", "同名同生日3个号码,两两仅1位不同", pid=p)
    for p in same_person(pl.born(67, 7, 8), [917, 939], prefixes=[HOME_CODE, "430121"]):
        pl.negative("YKT13", "同名同生日但号码有3位不同", pid=p)
    t5 = same_person(pl.born(64, 3, 3), [991, 993], paid=[True, False])
    pl.negative("YKT13", "近似号码中只有一个有发放记录", pid=t5[0])
    t7 = same_person(
        pl.born(69, 3, 12), [957, 957], births=[pl.born(69, 3, 12), pl.born(69, 3, 13)]
    )
    for p in t7:
        pl.negative("YKT13", "同名、号码仅出生日1位不同,但生日不同", pid=p)

    t6 = pl.person(birth=pl.born(71, 10, 30), male=False)
    for m in range(0, E + 1):
        text = ids.to_old15(pl.id_of(t6)) if m % 2 else pl.id_of(t6)
        pl.pay_row(BASIC_PENSION, m, 15_800, pid=t6, id_text=text)
    pl.negative("YKT13", "同一人15位与18位号码交替出现,标准化后为同一号码", pid=t6)


def plant_ykt14_disability_without_certificate(pl: Planter) -> None:
    E = pl.E
    k1 = pl.person()
    pl.pay(k1, DISABILITY, 0, E)
    pl.hit("YKT14", "medium", "无残疾人证领取残疾人补贴", pid=k1, program=DISABILITY)

    k2 = pl.person()
    pl.certificate(k2, pl.ago(9, 6, 1), status="注销")
    pl.pay(k2, DISABILITY, 0, E)
    pl.hit("YKT14", "medium", "残疾人证已注销仍领取", pid=k2, program=DISABILITY)

    k3 = pl.person()
    pl.certificate(k3, pl.day(E - 3, 10))
    pl.pay(k3, DISABILITY, E - 6, E)
    pl.hit("YKT14", "medium", "发证之前的月份已领取残疾人补贴", pid=k3, program=DISABILITY)

    k4 = pl.person()
    pl.certificate(k4, pl.day(E - 6, 20))
    pl.pay(k4, DISABILITY, E - 6, E)
    pl.negative("YKT14", "当月20日发证,当月起领取", pid=k4, program=DISABILITY)

    k5 = pl.person()
    pl.certificate(k5, pl.ago(12, 2, 2), status="注销", level=2)
    pl.certificate(k5, pl.ago(5, 8, 8), level=1)
    pl.pay(k5, DISABILITY, 0, E)
    pl.negative("YKT14", "旧证注销、新证有效", pid=k5, program=DISABILITY)


def plant_ykt15_elderly_not_paid(pl: Planter) -> None:
    E = pl.E
    w1 = pl.person(age=85, elderly=False)
    pl.pay_due(w1, BASIC_PENSION, 0, E, 18_800)
    pl.hit("YKT15", "low", "85岁在册老人近3个月未领高龄津贴", pid=w1)

    w2 = pl.person(age=90, elderly=False)
    pl.pay_due(w2, ELDERLY, 0, E - 3)
    pl.hit("YKT15", "low", "90岁老人近3个月停发高龄津贴", pid=w2)

    w3 = pl.person(age=88, elderly=False)
    pl.pay_due(w3, ELDERLY, E, E)
    pl.negative("YKT15", "近3个月中有1个月领取", pid=w3)

    w4 = pl.person(age=92, elderly=False)
    pl.die(w4, pl.day(E - 5, 14), status=False)  # police death record only
    pl.pay_due(w4, ELDERLY, 0, E - 5)
    pl.negative("YKT15", "已死亡(仅死亡登记)的老人未领取", pid=w4)

    w5 = pl.person(age=84, elderly=False)
    pl.leave(w5, pl.day(E - 6, 9))
    pl.pay_due(w5, ELDERLY, 0, E - 6)
    pl.negative("YKT15", "已迁出的老人未领取", pid=w5)

    e1 = pl.cal.period(E - 1)
    w6 = pl.person(birth=date(e1.year - 80, e1.month, 1), elderly=False)
    pl.negative("YKT15", "近3个月中只有2个月年满80周岁", pid=w6)

    e2 = pl.cal.period(E - 2)
    w7 = pl.person(birth=date(e2.year - 80, e2.month, 1), elderly=False)
    pl.hit("YKT15", "low", "近3个月首月1日恰满80周岁,一直未领取", pid=w7)

    w8 = pl.person(age=83, elderly=False)
    pl.leave(w8, pl.day(E - 10, 3), CANCELLED)
    pl.pay_due(w8, ELDERLY, 0, E - 10)
    pl.negative("YKT15", "户籍已注销的老人未领取", pid=w8)

    w9 = pl.person(age=81, elderly=False)
    pl.die(w9, pl.day(E - 4, 22), police=False)  # household register status only
    pl.pay_due(w9, ELDERLY, 0, E - 4)
    pl.negative("YKT15", "户籍状态为死亡的老人未领取", pid=w9)


PLANTS: tuple[Callable[[Planter], None], ...] = (
    plant_ykt01_paid_after_death,
    plant_ykt02_payroll_on_assistance,
    plant_ykt03_officials_on_assistance,
    plant_ykt04_assets,
    plant_ykt05_elderly_below_age,
    plant_ykt06_duplicates,
    plant_ykt07_shared_accounts,
    plant_ykt08_above_standard,
    plant_ykt09_education_without_enrolment,
    plant_ykt10_pension_on_dibao,
    plant_ykt11_paid_after_moving_out,
    plant_ykt12_invalid_or_unknown_ids,
    plant_ykt13_several_ids,
    plant_ykt14_disability_without_certificate,
    plant_ykt15_elderly_not_paid,
)


def plant_all(pl: Planter) -> None:
    """Run every plant, then fold planted people into the register."""
    for plant in PLANTS:
        plant(pl)
    pl.finish()


__all__ = ["MODELS", "PLANTS", "Planter", "plant_all"]
