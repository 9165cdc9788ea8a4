"""The demo county's geography and people: regions, households, ID numbers, names, deaths, moves.

Everything is columnar (numpy arrays and plain lists indexed by person number) so that a county of a
million people fits in a few hundred megabytes and builds in seconds. Planted (anomaly) people are
appended later through `People.add`; their ID sequence codes come from a reserved range (900-999)
and their given names from a reserved character list, so they never collide with the background.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from mingjing.demo import ids, names

STATUS_TEXT = ("正常", "死亡", "迁出", "注销")
NORMAL, DEAD, MOVED, CANCELLED = 0, 1, 2, 3
RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "儿媳", "女婿", "兄弟姐妹", "其他")
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, DAUGHTER_IN_LAW = 0, 1, 2, 3, 4, 5

# Death sources (bit mask): the police register's death record, the funeral home's cremation
# record, and the household register's status column (`persons.status = 死亡`).
SRC_POLICE, SRC_CREMATION, SRC_STATUS = 1, 2, 4

# Address codes (GB/T 2260) for ID numbers. The home county's 6-digit code is a real code, because
# ID validators (stdnum.cn.ric) check the address code against the code table; townships and
# villages below it are invented. The other codes are for people who married or moved in.
HOME_CODE = "430321"
OTHER_CODES = ("430121", "433122", "360121", "422826")
COUNTY_NAME = "明镜县"
PLANTED_SEQ_START = 900  # ID sequence codes 900-999 are reserved for planted people

DAY0 = date(1970, 1, 1).toordinal()


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_start(m: int) -> date:
    return date(m // 12, m % 12 + 1, 1)


def month_end(m: int) -> date:
    return month_start(m + 1) - timedelta(days=1)


def ymd(ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of proleptic ordinals (vectorised `date.fromordinal`)."""
    d64 = (ordinals.astype(np.int64) - DAY0).astype("datetime64[D]")
    y = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d64 - d64.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, day


@dataclass(frozen=True)
class Calendar:
    """The payment window: `months` monthly periods ending with `end` (a first-of-month date)."""

    end: date
    months: int

    @property
    def first_abs(self) -> int:
        return month_index(self.end) - self.months + 1

    @property
    def last(self) -> int:
        return self.months - 1

    def period(self, i: int) -> date:
        return month_start(self.first_abs + i)

    def period_end(self, i: int) -> date:
        return month_end(self.first_abs + i)

    def index(self, d: date) -> int:
        """Index of the month containing `d` (negative before the window)."""
        return month_index(d) - self.first_abs

    def label(self, i: int) -> str:
        return f"{self.period(i):%Y-%m}"


@dataclass
class County:
    code6: str
    name: str
    township_codes: list[str]
    township_names: list[str]
    village_codes: list[str]
    village_names: list[str]
    village_township: list[int]

    @property
    def code12(self) -> str:
        return self.code6 + "000000"


def build_county(rng: np.random.Generator, persons: int) -> County:
    """1. villages scale with the population (about 2,200 people each, at least 6);
    2. 3-20 townships, codes 1xx for 镇 and 2xx for 乡; 3. villages 2xx (村委会) and 0xx (社区)."""
    n_villages = max(6, round(persons / 2200))
    n_townships = min(20, max(3, n_villages // 4))
    stems = list(names.TOWNSHIP_STEMS)
    rng.shuffle(stems)
    township_codes, township_names = [], []
    n_zhen = 0
    for t in range(n_townships):
        is_zhen = t % 3 != 2
        if is_zhen:
            n_zhen += 1
            code = f"{100 + n_zhen:03d}"
        else:
            code = f"{200 + (t - n_zhen) + 1:03d}"
        township_codes.append(HOME_CODE + code + "000")
        township_names.append(stems[t % len(stems)] + ("镇" if is_zhen else "乡"))
    village_codes, village_names, village_township = [], [], []
    per = np.full(n_townships, n_villages // n_townships)
    per[: n_villages % n_townships] += 1
    for t in range(n_townships):
        stems_v = list(names.VILLAGE_STEMS)
        rng.shuffle(stems_v)
        n_community = 1 if per[t] >= 3 and township_names[t].endswith("镇") else 0
        for v in range(int(per[t])):
            base = stems_v[v % len(stems_v)] + ("" if v < len(stems_v) else "新")
            if v < n_community:
                code, name = f"{v + 1:03d}", base + "社区"
            else:
                code, name = f"{200 + v - n_community + 1:03d}", base + "村"
            village_codes.append(township_codes[t][:9] + code)
            village_names.append(name)
            village_township.append(t)
    return County(
        HOME_CODE,
        COUNTY_NAME,
        township_codes,
        township_names,
        village_codes,
        village_names,
        village_township,
    )


# Household templates: members as (relation, age offset range from the head, same gender as head?)
# with the head's age range; sizes 1-6.
_TEMPLATES: dict[
    int, list[tuple[float, tuple[float, float], list[tuple[int, float, float, str]]]]
] = {
    1: [(1.0, (24, 97), [])],
    2: [
        (0.75, (24, 93), [(SPOUSE, -6, 4, "opp")]),
        (0.15, (45, 92), [(CHILD, -36, -20, "any")]),
        (0.10, (24, 58), [(PARENT, 22, 35, "any")]),
    ],
    3: [
        (0.7, (26, 66), [(SPOUSE, -6, 4, "opp"), (CHILD, -34, -20, "any")]),
        (0.3, (26, 58), [(SPOUSE, -6, 4, "opp"), (PARENT, 22, 34, "any")]),
    ],
    4: [
        (
            0.6,
            (30, 60),
            [(SPOUSE, -6, 4, "opp"), (CHILD, -34, -20, "any"), (CHILD, -36, -22, "any")],
        ),
        (
            0.4,
            (28, 58),
            [(SPOUSE, -6, 4, "opp"), (CHILD, -32, -20, "any"), (PARENT, 22, 34, "any")],
        ),
    ],
    5: [
        (
            0.5,
            (30, 56),
            [
                (SPOUSE, -6, 4, "opp"),
                (CHILD, -32, -20, "any"),
                (CHILD, -34, -22, "any"),
                (PARENT, 22, 34, "any"),
            ],
        ),
        (
            0.5,
            (48, 78),
            [
                (SPOUSE, -6, 4, "opp"),
                (CHILD, -30, -22, "same"),
                (DAUGHTER_IN_LAW, -31, -21, "opp"),
                (GRANDCHILD, -54, -44, "any"),
            ],
        ),
    ],
    6: [
        (
            1.0,
            (28, 56),
            [
                (SPOUSE, -6, 4, "opp"),
                (CHILD, -32, -20, "any"),
                (CHILD, -34, -22, "any"),
                (PARENT, 23, 33, "same"),
                (PARENT, 22, 35, "opp"),
            ],
        ),
    ],
}
_SIZE_P = {1: 0.16, 2: 0.27, 3: 0.22, 4: 0.18, 5: 0.11, 6: 0.06}


@dataclass
class People:
    """Person-indexed columns. `death` is the true death date (0 = alive), `sources` says which
    datasets record it; `status`/`status_date` are what the household register shows."""

    id18: list[str]
    name: list[str]
    birth: np.ndarray  # ordinal
    male: np.ndarray  # bool
    village: np.ndarray
    household: np.ndarray  # household number (index into household_ids)
    relation: np.ndarray
    status: np.ndarray
    status_date: np.ndarray  # ordinal, 0 = none
    death: np.ndarray  # ordinal, 0 = alive
    sources: np.ndarray  # SRC_* bit mask
    cremation_delay: np.ndarray  # days from death to cremation
    old15: np.ndarray  # written as a 15-digit number in the household register
    planted: np.ndarray  # bool
    household_ids: list[str]
    household_village: list[int]
    pending: dict[str, list] = field(default_factory=dict)  # planted rows not yet sealed

    def __len__(self) -> int:
        return len(self.id18)

    def add(
        self,
        *,
        id18: str,
        name: str,
        birth: date,
        male: bool,
        village: int,
        household: int,
        relation: int = HEAD,
        status: int = NORMAL,
        status_date: date | None = None,
        death: date | None = None,
        sources: int = 0,
        cremation_delay: int = 0,
        old15: bool = False,
    ) -> int:
        """Append one planted person; returns its index."""
        ex = self.pending
        if not ex:
            for key in (
                "birth",
                "male",
                "village",
                "household",
                "relation",
                "status",
                "status_date",
                "death",
                "sources",
                "cremation_delay",
                "old15",
            ):
                ex[key] = []
        self.id18.append(id18)
        self.name.append(name)
        ex["birth"].append(birth.toordinal())
        ex["male"].append(male)
        ex["village"].append(village)
        ex["household"].append(household)
        ex["relation"].append(relation)
        ex["status"].append(status)
        ex["status_date"].append(status_date.toordinal() if status_date else 0)
        ex["death"].append(death.toordinal() if death else 0)
        ex["sources"].append(sources)
        ex["cremation_delay"].append(cremation_delay)
        ex["old15"].append(old15)
        return len(self.id18) - 1

    def new_household(self, village: int, county: County) -> int:
        self.household_ids.append(_household_code(county, village, len(self.household_ids)))
        self.household_village.append(village)
        return len(self.household_ids) - 1

    def seal(self) -> None:
        """Fold the planted rows into the numpy columns (once, after planting)."""
        if not self.pending:
            return
        ex = self.pending
        self.birth = np.concatenate([self.birth, np.array(ex["birth"], dtype=np.int64)])
        self.male = np.concatenate([self.male, np.array(ex["male"], dtype=bool)])
        for key, dtype in (
            ("village", np.int32),
            ("household", np.int32),
            ("relation", np.int8),
            ("status", np.int8),
            ("status_date", np.int64),
            ("death", np.int64),
            ("sources", np.int8),
            ("cremation_delay", np.int8),
        ):
            setattr(self, key, np.concatenate([getattr(self, key), np.array(ex[key], dtype=dtype)]))
        self.old15 = np.concatenate([self.old15, np.array(ex["old15"], dtype=bool)])
        n_new = len(ex["birth"])
        self.planted = np.concatenate([self.planted, np.ones(n_new, dtype=bool)])
        self.pending = {}


def _household_code(county: County, village: int, number: int) -> str:
    """户号: the village's township+village digits and a running number (unique in the county)."""
    return f"{county.village_codes[village][6:]}{number:07d}"


def build_people(rng: np.random.Generator, county: County, n: int, cal: Calendar) -> People:
    """The background population, in numbered steps:

    1. household sizes and templates (who lives with whom, and how old);
    2. households spread evenly over villages;
    3. birth dates, genders, address codes and unique ID sequence codes;
    4. names, unique per (name, birth date) so YKT13 never fires on the background;
    5. deaths (more often at old age) and moves out / cancellations over the last four years.
    """
    ref = month_end(month_index(cal.end)).toordinal()  # last day of the window
    # 1. sizes, trimmed so the total is exactly n
    sizes_all = np.array(list(_SIZE_P))
    probs = np.array(list(_SIZE_P.values()))
    sizes = rng.choice(sizes_all, size=n // 2 + 10, p=probs / probs.sum())
    cum = np.cumsum(sizes)
    keep = int(np.searchsorted(cum, n, side="right"))
    sizes = sizes[:keep]
    rest = n - int(sizes.sum())
    if rest:
        sizes = np.append(sizes, rest)
    n_households = len(sizes)
    # 2. villages: contiguous blocks of households
    n_villages = len(county.village_codes)
    hh_village = (np.arange(n_households) * n_villages) // n_households
    # templates and members
    person_hh: list[np.ndarray] = []
    person_rel: list[np.ndarray] = []
    person_age: list[np.ndarray] = []
    person_male: list[np.ndarray] = []
    person_slot: list[np.ndarray] = []
    for size, options in _TEMPLATES.items():
        hh = np.flatnonzero(sizes == size)
        if not len(hh):
            continue
        weights = np.array([o[0] for o in options])
        choice = rng.choice(len(options), size=len(hh), p=weights / weights.sum())
        for k, (_, (lo, hi), members) in enumerate(options):
            sel = hh[choice == k]
            if not len(sel):
                continue
            if size == 1:
                # single-person households are mostly elderly
                head_age = lo + (hi - lo) * rng.beta(2.2, 1.4, size=len(sel))
            else:
                head_age = rng.uniform(lo, hi, size=len(sel))
            head_male = rng.random(len(sel)) < 0.82
            person_hh.append(sel)
            person_rel.append(np.full(len(sel), HEAD))
            person_age.append(head_age)
            person_male.append(head_male)
            person_slot.append(np.zeros(len(sel), dtype=np.int64))
            for slot, (rel, olo, ohi, gender) in enumerate(members, start=1):
                age = head_age + rng.uniform(olo, ohi, size=len(sel))
                # out-of-range ages are re-drawn, not clipped (clipping would pile up birth dates)
                age = np.where(age < 0.05, rng.uniform(0.05, 12, size=len(sel)), age)
                age = np.where(age > 102.5, rng.uniform(86, 101, size=len(sel)), age)
                if gender == "opp":
                    male = ~head_male
                elif gender == "same":
                    male = head_male.copy()
                else:
                    male = rng.random(len(sel)) < 0.52
                person_hh.append(sel)
                person_rel.append(np.full(len(sel), rel))
                person_age.append(age)
                person_male.append(male)
                person_slot.append(np.full(len(sel), slot))
    hh_of = np.concatenate(person_hh)
    order = np.lexsort((np.concatenate(person_slot), hh_of))
    hh_of = hh_of[order]
    relation = np.concatenate(person_rel)[order].astype(np.int8)
    age = np.concatenate(person_age)[order]
    male = np.concatenate(person_male)[order]
    village = hh_village[hh_of].astype(np.int32)
    # 3. birth dates, address codes, sequence codes
    birth = ref - np.floor(age * 365.2425).astype(np.int64)
    birth = np.minimum(birth, ref)
    by, bm, bd = ymd(birth)
    codes = np.array([int(HOME_CODE), *(int(c) for c in OTHER_CODES)], dtype=np.int64)
    code_idx = np.where(rng.random(n) < 0.93, 0, rng.integers(1, len(codes), size=n))
    key = (code_idx.astype(np.int64) * 100_000 + (birth - birth.min())) * 2 + male
    order = np.argsort(key, kind="stable")
    sk = key[order]
    starts = np.r_[True, sk[1:] != sk[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    rank = np.arange(n) - first[group]
    offsets = rng.integers(0, 150, size=len(first))
    seq_sorted = 2 * (rank + offsets[group]) + male[order].astype(np.int64)
    if seq_sorted.max() >= PLANTED_SEQ_START:
        raise ValueError("too many people share a birth date; sequence codes overflow")
    seq = np.empty(n, dtype=np.int64)
    seq[order] = seq_sorted
    id18 = ids.id_numbers(codes[code_idx], by * 10000 + bm * 100 + bd, seq)
    # 4. names
    name = _names(rng, n, hh_of, relation, male, birth, n_households)
    # 5. deaths and moves
    status = np.zeros(n, dtype=np.int8)
    status_date = np.zeros(n, dtype=np.int64)
    death = np.zeros(n, dtype=np.int64)
    sources = np.zeros(n, dtype=np.int8)
    span_start = month_start(cal.first_abs - 24).toordinal()
    years = (ref - span_start) / 365.2425
    hazard = np.select(
        [age >= 90, age >= 80, age >= 65, age >= 50], [0.15, 0.07, 0.018, 0.005], 0.001
    )
    dies = rng.random(n) < 1 - (1 - hazard) ** years
    earliest = np.maximum(birth, span_start)
    k = int(dies.sum())
    death[dies] = earliest[dies] + np.floor(rng.random(k) * (ref - earliest[dies] + 1)).astype(
        np.int64
    )
    r = rng.random(n)
    sources[dies & (r < 0.82)] = SRC_POLICE | SRC_STATUS
    sources[dies & (r >= 0.82) & (r < 0.92)] = SRC_STATUS
    sources[dies & (r >= 0.92)] = SRC_POLICE
    cremated = dies & (rng.random(n) < 0.6)
    sources[cremated] |= SRC_CREMATION
    shows_dead = (sources & SRC_STATUS) > 0
    status[shows_dead] = DEAD
    status_date[shows_dead] = death[shows_dead]
    # cremation a few days after death, but in the same month, so every source gives one month
    delay = rng.integers(0, 4, size=n)
    safe = np.where(death > 0, death, ref - 5)
    _, m_death, _ = ymd(safe)
    _, m_cremation, _ = ymd(safe + delay)
    delay = np.where(m_death == m_cremation, delay, 0).astype(np.int8)
    movable = ~dies & (age >= 18) & (age < 60)
    moves = movable & (rng.random(n) < 0.012)
    cancels = ~dies & ~moves & (rng.random(n) < 0.001)
    for mask, st in ((moves, MOVED), (cancels, CANCELLED)):
        k = int(mask.sum())
        status[mask] = st
        status_date[mask] = span_start + np.floor(rng.random(k) * (ref - span_start + 1)).astype(
            np.int64
        )
    household_ids = [_household_code(county, int(v), h) for h, v in enumerate(hh_village)]
    return People(
        id18=id18,
        name=name,
        birth=birth,
        male=male,
        village=village,
        household=hh_of.astype(np.int32),
        relation=relation,
        status=status,
        status_date=status_date,
        death=death,
        sources=sources,
        cremation_delay=delay,
        old15=(by < 2000) & (by >= 1900) & (rng.random(n) < 0.04),
        planted=np.zeros(n, dtype=bool),
        household_ids=household_ids,
        household_village=hh_village.astype(int).tolist(),
    )


def _names(
    rng: np.random.Generator,
    n: int,
    hh_of: np.ndarray,
    relation: np.ndarray,
    male: np.ndarray,
    birth: np.ndarray,
    n_households: int,
) -> list[str]:
    """Names: children share the head's (or his spouse's) surname; about 1.5% of households have
    minority names with a middle dot. (name, birth date) is made unique by re-drawing given names."""
    sw = np.array(names.SURNAME_WEIGHTS)
    hh_surname = rng.choice(len(names.SURNAMES), size=n_households, p=sw / sw.sum())
    surname = rng.choice(len(names.SURNAMES), size=n, p=sw / sw.sum())
    takes_family = (relation == HEAD) & male | (relation == CHILD) | (relation == GRANDCHILD)
    surname = np.where(takes_family, hh_surname[hh_of], surname)
    minority_hh = rng.random(n_households) < 0.015
    minority = minority_hh[hh_of]
    n_male, n_female = len(names.MALE_GIVEN), len(names.FEMALE_GIVEN)
    given_all = names.MALE_GIVEN + names.FEMALE_GIVEN
    n_given = len(given_all)
    g1 = np.empty(n, dtype=np.int64)
    g2 = np.empty(n, dtype=np.int64)
    base = birth.min()

    def draw(idx: np.ndarray) -> None:
        k = len(idx)
        m = male[idx]
        g1[idx] = np.where(m, rng.integers(0, n_male, k), n_male + rng.integers(0, n_female, k))
        second = np.where(m, rng.integers(0, n_male, k), n_male + rng.integers(0, n_female, k))
        g2[idx] = np.where(rng.random(k) < 0.72, second + 1, 0)  # 0 = one-character given name
        mi = minority[idx]
        g1[idx[mi]] = rng.integers(0, len(names.MINORITY_FIRST), int(mi.sum()))
        g2[idx[mi]] = rng.integers(0, len(names.MINORITY_SECOND), int(mi.sum()))

    draw(np.arange(n))
    for _ in range(50):
        code = np.where(
            minority, 10**7 + g1 * 100 + g2, (surname * n_given + g1) * (n_given + 1) + g2
        )
        key = code * 100_000 + (birth - base)
        order = np.argsort(key, kind="stable")
        sk = key[order]
        dup = np.r_[False, sk[1:] == sk[:-1]]
        if not dup.any():
            break
        draw(np.sort(order[dup]))
    else:  # pragma: no cover - 50 rounds always suffice in practice
        raise RuntimeError("could not make (name, birth date) unique")
    out = []
    sur = names.SURNAMES
    for i in range(n):
        if minority[i]:
            out.append(names.MINORITY_FIRST[g1[i]] + "·" + names.MINORITY_SECOND[g2[i]])
        else:
            out.append(sur[surname[i]] + given_all[g1[i]] + (given_all[g2[i] - 1] if g2[i] else ""))
    return out


def age_on(birth: np.ndarray, d: date) -> np.ndarray:
    """Full years on date `d` for an array of birth ordinals."""
    by, bm, bd = ymd(birth)
    before = (d.month < bm) | ((d.month == bm) & (d.day < bd))
    return d.year - by - before.astype(np.int64)


def first_month_aged(birth: np.ndarray, years: int) -> np.ndarray:
    """Absolute month index of the first month whose first day finds the person `years` old."""
    by, bm, bd = ymd(birth)
    m = (by + years) * 12 + (bm - 1)
    return m + (bd > 1).astype(np.int64)
