"""Payments as the portal shows them: per village, programme and period (masked), and to one person.

Payments stay in the lake; the portal never copies them into its database. But the lake's batch
files are sorted by the person key (`DATASETS["payments"].sort_keys`), and a county has dozens of
payment batches, so a village's list would scan every file and a lookup would open every one. The
portal therefore keeps a *portal index*: one DuckDB database file per set of active batches,

    HOME/portal-index/index-<key>.duckdb     key = hash of the active batch ids it was built from

holding only the columns it needs (of an account number, its last four digits: the lookup's
factor), twice over: `pay_village` sorted by (region, programme, period)
for the lists and `pay_person` sorted by person for the lookup, in 8,192-row groups, plus the small
tables the pages need (per village/programme/period counts and totals, each programme's latest
period, the people register reduced to what the may-be-eligible check needs, the programmes).
DuckDB's min/max statistics of a text column keep only its first bytes, which every ID number and
region code of a county shares, so the tables carry numeric keys (`k`: the ID's first 17 digits,
with an ART index; `r`: the region code) and every read filters on them.

- Built lazily on first need after the active batches change (one process builds, under a file
  lock; the others wait and open it), written to a temporary name and renamed, older files
  removed. `ensure_index()` builds it ahead (after an import or `mingjing demo`).
- Each process keeps one read-only connection to the current file and a cursor per thread; the
  connection has no file access besides its own database (`enable_external_access = false`), no
  extension autoload or autoinstall, and its configuration locked. The building connection reads
  the pinned lake files with fixed SQL; no request text ever reaches SQL except as a bound parameter.
- Which index is current is one small query on the active batch ids per call (not
  `queries.snapshot()`, which makes a path for every batch of every dataset).

Measured on the 1M-person demo county (~10M payments; `bench/portal_bench.py`, bench/RESULTS.md):
the index builds in ~85 s; a lookup's reads take ~10 ms and a village list's ~10 ms at the median,
the whole pages p95 33 ms (lookup) and 24 ms (list) on 2 shared cores.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

from mingjing.accounts.presenter import mask_name
from mingjing.datahub import queries as hub
from mingjing.lib import ids

INDEX_VERSION = 3  # bump when the index's tables change: the key changes, the file is rebuilt
INDEXED = ("payments", "persons", "deaths", "programs")
RECENT_PERIODS = 3  # YKT15's default `months`: the periods an eligible person went unpaid
GONE_STATUSES = ("死亡", "迁出", "注销")


# -- the index ---------------------------------------------------------------------------------------


def index_dir() -> Path:
    return Path(settings.HOME) / "portal-index"


def _active() -> dict[str, list[int]]:
    """The active batch ids of the datasets the index holds: one small query per request (not
    `queries.snapshot()`, which also makes a path for every batch of every dataset)."""
    from mingjing.datahub.models import Batch

    found: dict[str, list[int]] = {name: [] for name in INDEXED}
    for dataset, batch_id in (Batch.objects.filter(status=Batch.Status.ACTIVE, dataset__in=INDEXED)
                              .order_by("dataset", "id").values_list("dataset", "id")):
        found[dataset].append(batch_id)
    return found


def _key(active: dict[str, list[int]]) -> str:
    text = ";".join(f"{name}:{','.join(str(b) for b in active[name])}" for name in INDEXED)
    return hashlib.sha256(f"v{INDEX_VERSION};{text}".encode()).hexdigest()[:20]


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


ROW_GROUP = 8192  # rows per DuckDB row group: a point read decompresses one small group

# Numeric keys beside the text ones: DuckDB's min/max statistics of a text column keep only its
# first bytes, which every ID number (and region code) of a county shares, so only a number prunes.
# `k` is the ID number's first 17 digits (the lake's `id_valid` rows only), `r` the region code.
_SCHEMA = """
CREATE TABLE pay_village (r BIGINT, program_code VARCHAR, period DATE, id_number VARCHAR, name VARCHAR,
                          amount DECIMAL(18, 2));
CREATE TABLE pay_person (k BIGINT, id_number VARCHAR, program_code VARCHAR, period DATE, amount DECIMAL(18, 2),
                         name VARCHAR, account_tail VARCHAR, paid_date DATE);
CREATE TABLE village_periods (r BIGINT, program_code VARCHAR, period DATE, n BIGINT, total DECIMAL(38, 2));
CREATE TABLE programme_latest (program_code VARCHAR, latest DATE);
CREATE TABLE data_periods (period DATE);
CREATE TABLE people (k BIGINT, id_number VARCHAR, birth_date DATE, gone BOOLEAN);
CREATE TABLE programs (program_code VARCHAR, program_name VARCHAR, category VARCHAR, department VARCHAR,
                       unit_standard DECIMAL(18, 2), min_age INTEGER);
"""
_K = "CAST(substr(id_number, 1, 17) AS BIGINT)"


def _build(target: Path, snap: dict[str, list[tuple[int, Path]]]) -> None:
    """Write the index for `snap` to `target` (via a temporary file renamed into place)."""
    tmp = target.with_name(target.name + ".building")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": settings.DUCKDB_MEMORY_LIMIT,
        "threads": settings.DUCKDB_THREADS,
        "temp_directory": str(index_dir() / "spill"),
    })
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH '{_quote(tmp)}' AS ix (ROW_GROUP_SIZE {ROW_GROUP})")
        con.execute("USE ix")
        con.execute(_SCHEMA)
        pay = [p for _, p in snap["payments"]]
        if pay:
            src = f"read_parquet({_files(pay)}, union_by_name = true)"
            con.execute(f"""INSERT INTO pay_village
                SELECT TRY_CAST(region_code AS BIGINT) AS r, program_code, period, id_number, name, amount
                FROM {src} ORDER BY r, program_code, period, name, id_number""")
            con.execute(f"""INSERT INTO pay_person
                SELECT {_K} AS k, id_number, program_code, period, amount, name,
                       right(regexp_replace(account_no, '[^0-9]', '', 'g'), 4) AS account_tail, paid_date
                FROM {src} WHERE id_valid ORDER BY k, program_code, period""")
        con.execute("""INSERT INTO village_periods SELECT r, program_code, period, count(*), sum(amount)
                       FROM pay_village GROUP BY ALL ORDER BY ALL""")
        con.execute("INSERT INTO programme_latest SELECT program_code, max(period) FROM pay_village GROUP BY ALL")
        con.execute("INSERT INTO data_periods SELECT DISTINCT period FROM pay_village ORDER BY period")
        persons = [p for _, p in snap["persons"]]
        deaths = [p for _, p in snap["deaths"]]
        if persons:
            dead = (f"SELECT DISTINCT id_number FROM read_parquet({_files(deaths)}, union_by_name = true)"
                    if deaths else "SELECT NULL::VARCHAR AS id_number WHERE false")
            gone = ", ".join(f"'{s}'" for s in GONE_STATUSES)
            con.execute(f"""INSERT INTO people
                SELECT CAST(substr(p.id_number, 1, 17) AS BIGINT) AS k, p.id_number, max(p.birth_date),
                       bool_or(p.status IN ({gone})) OR bool_or(d.id_number IS NOT NULL)
                FROM read_parquet({_files(persons)}, union_by_name = true) p
                LEFT JOIN ({dead}) d ON d.id_number = p.id_number
                WHERE p.id_valid GROUP BY p.id_number ORDER BY k""")
        programs = [p for _, p in snap["programs"]]
        if programs:
            con.execute(f"""INSERT INTO programs SELECT program_code, any_value(program_name), any_value(category),
                                   any_value(department), any_value(unit_standard), any_value(min_age)
                            FROM read_parquet({_files(programs)}, union_by_name = true) GROUP BY program_code""")
        # Point reads by person go through an ART index (2-3 ms instead of a row group scan).
        con.execute("CREATE INDEX pay_person_k ON pay_person (k)")
        con.execute("CREATE INDEX people_k ON people (k)")
        con.execute("CHECKPOINT ix")
        con.execute("USE memory")
        con.execute("DETACH ix")
    finally:
        con.close()
    tmp.replace(target)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


@dataclass(frozen=True)
class _Meta:
    """The index's small tables, read once per opened index."""

    programmes: dict[str, dict[str, Any]]
    latest: dict[str, dt.date]  # programme -> its latest period anywhere in the data
    periods: list[dt.date]  # every period in the data, newest first


def _open(path: Path) -> tuple[duckdb.DuckDBPyConnection, _Meta]:
    con = duckdb.connect(str(path), read_only=True, config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "enable_external_access": False,
        "threads": 1,  # a page's query is a point read; many requests share the cores
        "memory_limit": "256MB",
    })
    con.execute("SET enable_progress_bar = false")
    con.execute("SET lock_configuration = true")
    programmes = {r[0]: {"program_code": r[0], "program_name": r[1] or r[0], "category": r[2] or "",
                         "department": r[3] or "", "unit_standard": r[4], "min_age": r[5]}
                  for r in con.execute("SELECT program_code, program_name, category, department, unit_standard, "
                                       "min_age FROM programs ORDER BY program_code").fetchall()}
    latest = dict(con.execute("SELECT program_code, latest FROM programme_latest").fetchall())
    periods = [r[0] for r in con.execute("SELECT period FROM data_periods ORDER BY period DESC").fetchall()]
    return con, _Meta(programmes, latest, periods)


class _Index:
    """The process's connection to the current index file, and a cursor per thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.path: Path | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self.meta = _Meta({}, {}, [])
        self.local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        path = index_dir() / f"index-{_key(_active())}.duckdb"
        if path != self.path:
            with self.lock:
                if path != self.path:
                    if not path.exists():
                        path = _build_once()
                    self.con, self.meta = _open(path)
                    self.path = path
        local = self.local
        if getattr(local, "path", None) != path:
            assert self.con is not None
            local.cursor = self.con.cursor()
            local.path = path
        cursor: duckdb.DuckDBPyConnection = local.cursor
        return cursor


def _build_once() -> Path:
    """Build the index of the active batches under a file lock, so that processes build it once,
    and remove the older files after. The path of the index built (or found built)."""
    folder = index_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            snap = hub.snapshot()
            path = folder / f"index-{_key({name: [b for b, _ in snap[name]] for name in INDEXED})}.duckdb"
            if not path.exists():
                _build(path, snap)
            for old in folder.glob("index-*.duckdb*"):
                if old != path and not old.name.startswith(path.name):
                    old.unlink(missing_ok=True)  # open connections keep reading their (unlinked) file
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


_index = _Index()


def ensure_index() -> Path:
    """Build the index for the active batches now, if it is not built yet (after an import)."""
    _index.cursor()
    assert _index.path is not None
    return _index.path


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return _index.cursor().execute(sql, params).fetchall()


def _region(code: str) -> int:
    return int(code) if code.isdigit() and len(code) == 12 else -1


def _person(id_number: str) -> int:
    return int(id_number[:17]) if len(id_number) == 18 and id_number[:17].isdigit() else -1


# -- what the pages show -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSummary:
    period: dt.date
    count: int
    total: Decimal

    @property
    def key(self) -> str:
        return self.period.strftime("%Y-%m")

    @property
    def label(self) -> str:  # formatted here, not by a template filter per cell
        return month_label(self.period)

    @property
    def yuan(self) -> str:
        return yuan(self.total)


@dataclass
class ProgrammePeriods:
    program_code: str
    program_name: str
    department: str
    periods: list[PeriodSummary] = field(default_factory=list)  # newest first


def programmes() -> dict[str, dict[str, Any]]:
    """program_code -> name, category, department, unit_standard, min_age (the programs dataset)."""
    _index.cursor()
    return _index.meta.programmes


def village_periods(village_code: str) -> list[ProgrammePeriods]:
    """The programmes paid in a village and, for each, its periods with counts and totals."""
    rows = _rows("SELECT program_code, period, n, total FROM village_periods WHERE r = ? "
                 "ORDER BY program_code, period DESC", [_region(village_code)])
    names = _index.meta.programmes
    found: dict[str, ProgrammePeriods] = {}
    for code, period, n, total in rows:
        if code not in found:
            prog = names.get(code, {})
            found[code] = ProgrammePeriods(code, prog.get("program_name", code), prog.get("department", ""))
        found[code].periods.append(PeriodSummary(period, n, total))
    return list(found.values())


def month_label(day: dt.date) -> str:
    """2026-09-01 → "2026年9月": how the portal names a payment period everywhere."""
    return f"{day.year}年{day.month}月"


def yuan(value: Decimal | None) -> str:
    """2750.5 → "2750.50" (formatted here: a list of hundreds of rows, template filters are slow)."""
    return f"{value or 0:.2f}"


@dataclass(frozen=True)
class ListRow:
    name: str  # masked: surname only
    amount: Decimal

    @property
    def yuan(self) -> str:
        return yuan(self.amount)


@dataclass
class VillageList:
    program_code: str
    program_name: str
    department: str
    period: dt.date
    rows: list[ListRow]  # the requested page
    count: int
    total: Decimal
    previous_period: dt.date | None
    added: list[str]  # masked names of people paid now and not in the previous period
    dropped: list[str]  # masked names of people paid in the previous period and not now


def village_list(village_code: str, program_code: str, period: dt.date, *,
                 offset: int = 0, limit: int = 200) -> VillageList | None:
    """Who in the village was paid by the programme for the period (masked), with the total and
    who was added or dropped since the programme's previous period in the village (people are
    compared by ID number here; only masked names leave this function). None: nothing paid."""
    cur = _index.cursor()
    r = _region(village_code)
    periods = cur.execute("SELECT period, n, total FROM village_periods WHERE r = ? AND program_code = ? "
                          "AND period <= ? ORDER BY period DESC LIMIT 2", [r, program_code, period]).fetchall()
    if not periods or periods[0][0] != period:
        return None
    _, count, total = periods[0]
    prev_period = periods[1][0] if len(periods) > 1 else None
    # Both periods' rows in one read (a few hundred rows): the page, and who came and went.
    both = cur.execute("SELECT period, id_number, name, amount FROM pay_village WHERE r = ? AND program_code = ? "
                       "AND period IN (?, ?) ORDER BY name, id_number",
                       [r, program_code, period, prev_period or period]).fetchall()
    now = [row for row in both if row[0] == period]
    rows = now[offset:offset + limit]
    added: list[str] = []
    dropped: list[str] = []
    if prev_period is not None:
        before = [row for row in both if row[0] == prev_period]
        now_ids = {row[1] for row in now}
        before_ids = {row[1] for row in before}
        added = _distinct_names(row for row in now if row[1] not in before_ids)
        dropped = _distinct_names(row for row in before if row[1] not in now_ids)
    prog = _index.meta.programmes.get(program_code, {})
    return VillageList(program_code, prog.get("program_name", program_code), prog.get("department", ""),
                       period, [ListRow(mask_name(row[2]), row[3]) for row in rows], count, total or Decimal(0),
                       prev_period, added, dropped)


def _distinct_names(rows: Iterable[tuple[Any, ...]]) -> list[str]:
    """Masked names, one per person (a person paid twice in a period counts once)."""
    seen: dict[str, str] = {}
    for _, id_number, name, _ in rows:
        seen.setdefault(id_number, mask_name(name))
    return sorted(seen.values())


@dataclass(frozen=True)
class Payment:
    period: dt.date
    amount: Decimal
    paid_date: dt.date | None

    @property
    def yuan(self) -> str:
        return yuan(self.amount)

    @property
    def month(self) -> str:
        return month_label(self.period)


@dataclass
class ProgrammePayments:
    program_code: str
    program_name: str
    department: str
    payments: list[Payment]  # oldest first
    total: Decimal
    last_paid: dt.date
    latest_in_data: dt.date | None  # the programme's latest period anywhere in the county's data

    @property
    def stopped(self) -> bool:
        """Paid before, not in the programme's latest period: a plain note, not a finding."""
        return self.latest_in_data is not None and self.last_paid < self.latest_in_data

    @property
    def stopped_from(self) -> dt.date:
        """The first month with no payment after the last one."""
        year, month = divmod(self.last_paid.year * 12 + self.last_paid.month, 12)
        return dt.date(year, month + 1, 1)


@dataclass
class PersonPayments:
    programmes: list[ProgrammePayments]
    # For the second-factor check only; never shown.
    names: frozenset[str] = field(repr=False)
    account_tails: frozenset[str] = field(repr=False)

    @property
    def found(self) -> bool:
        return bool(self.programmes)


def person_payments(id_number: str) -> PersonPayments:
    """Every payment to one ID number, by programme, with where a programme's payments stopped."""
    # By `k` alone (the ART index answers it); the 18th character is compared here.
    rows = [r for r in _rows("SELECT program_code, period, amount, paid_date, name, account_tail, id_number "
                             "FROM pay_person WHERE k = ? ORDER BY program_code, period", [_person(id_number)])
            if r[6] == id_number]
    names = _index.meta.programmes
    by_programme: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_programme[row[0]].append(row)
    found = []
    for code, group in by_programme.items():
        prog = names.get(code, {})
        found.append(ProgrammePayments(
            code, prog.get("program_name", code), prog.get("department", ""),
            [Payment(r[1], r[2], r[3]) for r in group], sum((r[2] or Decimal(0) for r in group), Decimal(0)),
            max(r[1] for r in group), _index.meta.latest.get(code),
        ))
    return PersonPayments(
        found,
        frozenset(r[4] for r in rows if r[4]),
        frozenset(r[5] for r in rows if r[5] and len(r[5]) == 4),
    )


@dataclass(frozen=True)
class MaybeEligible:
    program_code: str
    program_name: str
    department: str
    min_age: int
    age: int
    contact: str = ""  # the policy list's "whom to ask", filled by the lookup


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years on `day` (the engine's `age_at`)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def may_be_eligible(id_number: str) -> list[MaybeEligible]:
    """YKT15 for one person: registered, not dead, moved out or cancelled, old enough for an
    elderly allowance on the first of the county's last `RECENT_PERIODS` payment periods, and paid
    nothing by it in any of them. A hint of whom to ask, never a promise."""
    cur = _index.cursor()
    person = [r for r in cur.execute("SELECT birth_date, gone, id_number FROM people WHERE k = ?",
                                     [_person(id_number)]).fetchall() if r[2] == id_number]
    if not person or person[0][1]:  # only the register's living residents, as YKT15
        return []
    birth = person[0][0] or ids.birth_date(id_number)
    recent = _index.meta.periods[:RECENT_PERIODS]
    if birth is None or len(recent) < RECENT_PERIODS:
        return []
    first = min(recent)
    age = age_on(birth, first)
    elderly = [p for p in _index.meta.programmes.values()
               if p["category"] == "elderly" and p["min_age"] is not None and p["min_age"] <= age]
    if not elderly:
        return []
    paid = {r[0] for r in cur.execute(
        "SELECT program_code, id_number FROM pay_person WHERE k = ? AND period >= ? "
        "GROUP BY program_code, id_number, period HAVING sum(amount) > 0", [_person(id_number), first]).fetchall()
        if r[1] == id_number}
    return [MaybeEligible(p["program_code"], p["program_name"], p["department"], p["min_age"],
                          age_on(birth, max(recent)))
            for p in elderly if p["program_code"] not in paid]
