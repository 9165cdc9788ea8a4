"""The demo county generator: a synthetic county's department files plus `manifest.json`.

The files come in the messy shapes that `shared/design/data-contract.md` promises to import (GBK and
GB18030 CSV, BOMs, tab- and `|`-separated TXT, XLSX with date cells and Excel serials, a legacy XLS,
title rows, header synonyms with units and full-width characters, 15-digit IDs, `￥1,234.50`, ...),
and the manifest says exactly which problem-model hits (YKT01-YKT15 of `models.md`) the data implies:
the background population is clean for every model, and `plants.py` adds positive and boundary cases
for each. The detection engine's precision and recall are measured against that manifest.

Pure Python (numpy, openpyxl, xlwt, pyarrow); never imports Django. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mingjing.datahub.contract import DATASETS, header_index, missing_required, normalise_header
from mingjing.demo import ids
from mingjing.demo.county import RELATIONS as RELATION_TEXT
from mingjing.demo.county import (
    SRC_CREMATION,
    SRC_POLICE,
    STATUS_TEXT,
    Calendar,
    County,
    People,
    build_county,
    build_people,
)
from mingjing.demo.layouts import (
    EXTENSIONS,
    FOLDERS,
    PAY_COLUMNS,
    REMARKS,
    SHAPES,
    register_specs,
)
from mingjing.demo.plants import MODELS, Planter, plant_all
from mingjing.demo.registers import (
    EXTRA_ACCOUNT,
    PROGRAMMES,
    Registers,
    build_registers,
)
from mingjing.demo.shapes import (
    FileSpec,
    Raw,
    Sink,
    open_sink,
    render_id,
    render_name,
    yuan_text,
)

BULK_FORMATS = {"csv-utf8": "utf-8", "csv-gbk": "gbk"}


def generate(
    out_dir: Path,
    *,
    persons: int = 2000,
    seed: int = 1,
    months: int = 24,
    end_period: date = date(2026, 10, 1),
    bulk_payments: str = "csv-utf8",
    messy_persons: int = 20_000,
) -> dict[str, Any]:
    """Write a synthetic county into `out_dir` and return its manifest (also `manifest.json`).

    persons: people in the household register (background + 132 planted people).
    seed: the same seed gives byte-identical files.
    months, end_period: the payment window, `months` monthly periods ending with `end_period`
        (12-48 months; `end_period` is a first-of-month date between 2020 and 2040).
    bulk_payments: "csv-utf8" or "csv-gbk", the encoding of the plain bulk payment files.
    messy_persons: about this many people's payments go to the messy payment files (title rows,
        names instead of codes, XLSX/XLS, GBK, mixed value formats); the rest of the county's
        payments go to plain bulk CSV files per department and year, with a sprinkle of messy
        values. Keeps a million-person county fast while every shape stays exercised.

    The manifest (also written as `manifest.json`, UTF-8):

        {"seed": 1, "persons": 2000, "periods": ["2024-11", "2026-10"], "county_code": "430321000000",
         "files": [{"path": "12_民政局/高龄津贴_2026.xlsx", "dataset": "payments",
                    "format": "csv|txt|xlsx|xls", "encoding": "utf-8-sig|utf-8|gbk|gb18030|null",
                    "sheet": null or the data sheet's name, "delimiter": "," | "\t" | "|" | null,
                    "title_rows": rows above the header, "rows": data rows written (everything
                    below the header, junk rows included), "expected_rejects": n}, ...],
         "import_order": [paths: regions and programs first, payments last],
         "expected_hits": {"YKT01": [{"key": {"id_number": ..., "program_code": ...},
                                      "level": "high|medium|low", "why": "中文说明"}, ...], ...},
         "negatives": {"YKT01": [{"key": {...}, "why": "..."}], ...}}

    Grain keys: YKT04/13/15 {"id_number"}, YKT07 {"account_no"}, the others {"id_number",
    "program_code"}; ID numbers normalised (18 characters, upper-case X, 15-digit upgraded).
    """
    # 1. check the arguments
    if not 12 <= months <= 48:
        raise ValueError("months must be between 12 and 48")
    if end_period.day != 1 or not 2020 <= end_period.year <= 2040:
        raise ValueError("end_period must be the first day of a month between 2020 and 2040")
    if bulk_payments not in BULK_FORMATS:
        raise ValueError(f"bulk_payments must be one of {sorted(BULK_FORMATS)}")
    cal = Calendar(end_period, months)
    planted = _count_planted(cal)
    if persons < planted + 800:
        raise ValueError(f"persons must be at least {planted + 800}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    # 2. the county, its people, registers and payment plans
    county, people, reg, planter = _build(seed, persons - planted, cal)
    assert len(people) == persons, (len(people), persons)
    salt = planter.salt

    # 3. files
    writer = _Writer(out_dir, seed, county, people, reg, cal, salt)
    writer.write_registers()
    writer.write_payments(bulk_payments, messy_persons)

    # 4. manifest
    entries = writer.entries
    manifest = {
        "seed": seed,
        "persons": persons,
        "periods": [cal.label(0), cal.label(cal.last)],
        "county_code": county.code12,
        "files": entries,
        "import_order": [e["path"] for e in sorted(entries, key=_import_rank)],
        "expected_hits": {m: sorted(planter.expected[m], key=_key_sort) for m in MODELS},
        "negatives": {m: sorted(planter.negatives[m], key=_key_sort) for m in MODELS},
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def _build(seed: int, background: int, cal: Calendar) -> tuple[County, People, Registers, Planter]:
    """Background first (numbered numpy streams per step), then the plants, then seal the plans."""
    county = build_county(np.random.default_rng([seed, 1]), background)
    people = build_people(np.random.default_rng([seed, 2]), county, background, cal)
    reg = build_registers(np.random.default_rng([seed, 3]), county, people, cal)
    salt = int(np.random.default_rng([seed, 4]).integers(0, 10**12))
    planter = Planter(random.Random(f"mingjing-demo-plants-{seed}"), salt, county, people, reg, cal)
    plant_all(planter)
    for plan in reg.plans.values():
        plan.seal()
    return county, people, reg, planter


def _count_planted(cal: Calendar) -> int:
    """How many people the plants add (fixed by plants.py), measured on a throwaway county."""
    _, people, _, _ = _build(0, 1200, cal)
    return len(people) - 1200


# Registers before payments, and the lookups (regions, programmes) before everything.
DATASET_ORDER = (
    "regions",
    "programs",
    "persons",
    "deaths",
    "payroll",
    "officials",
    "relatives",
    "vehicles",
    "properties",
    "businesses",
    "pensions",
    "students",
    "disabilities",
    "payments",
)


def _import_rank(entry: dict[str, Any]) -> tuple[int, str]:
    return DATASET_ORDER.index(entry["dataset"]), entry["path"]


def _key_sort(item: dict[str, Any]) -> str:
    return json.dumps(item["key"], sort_keys=True, ensure_ascii=False)


def _crc(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


class _Writer:
    """Writes every file of the county and collects the manifest's file entries."""

    def __init__(
        self,
        root: Path,
        seed: int,
        county: County,
        people: People,
        reg: Registers,
        cal: Calendar,
        salt: int,
    ) -> None:
        self.root, self.seed, self.county, self.people, self.reg, self.cal = (
            root,
            seed,
            county,
            people,
            reg,
            cal,
        )
        self.salt = salt
        self.entries: list[dict[str, Any]] = []
        n = len(people)
        self.accounts = ids.account_numbers(np.arange(n), salt)
        self.extra_accounts = ids.account_numbers(
            EXTRA_ACCOUNT + np.arange(len(reg.extra_accounts)), salt
        )
        self.rng = random.Random(f"mingjing-demo-files-{seed}")

    def _open(self, spec: FileSpec) -> Sink:
        check_headers(spec)
        return open_sink(self.root, spec, _crc(self.seed, spec.path))

    def _close(self, sink: Sink) -> None:
        """Close and list the file; a file without data rows is dropped (the importer would refuse
        it as a whole, and a county may simply have no such payments in a year)."""
        entry = sink.close()
        if entry["rows"] == 0:
            sink.path.unlink()
            return
        self.entries.append(entry)

    # 1. registers ---------------------------------------------------------------------------

    def write_registers(self) -> None:
        specs = register_specs(self.county)
        self._regions(specs["regions"])  # type: ignore[arg-type]
        self._programs(specs["programs"])  # type: ignore[arg-type]
        self._persons(specs["persons"])  # type: ignore[arg-type]
        self._deaths(specs["deaths"])  # type: ignore[arg-type]
        self._simple(specs)

    def _id(self, p: int) -> str:
        return self.people.id18[p]

    def _regions(self, spec: FileSpec) -> None:
        county = self.county
        sink = self._open(spec)
        sink.write(
            {
                "code": county.code12,
                "name": county.name,
                "parent_code": "",
                "level": "county",
                "urban": "",
            }
        )
        for t, code in enumerate(county.township_codes):
            level = "镇" if county.township_names[t].endswith("镇") else "乡"
            sink.write(
                {
                    "code": code,
                    "name": county.township_names[t],
                    "parent_code": county.code12,
                    "level": level,
                    "urban": "",
                }
            )
            for v, vcode in enumerate(county.village_codes):
                if county.village_township[v] != t:
                    continue
                community = int(vcode[9:]) < 200
                sink.write(
                    {
                        "code": vcode,
                        "name": county.village_names[v],
                        "parent_code": code,
                        "level": "社区" if community else "村",
                        "urban": "121" if community else "220",
                    }
                )
        self._close(sink)

    def _programs(self, spec: FileSpec) -> None:
        sink = self._open(spec)
        categories = {
            "dibao": "dibao",
            "tekun": "特困",
            "elderly": "高龄",
            "disability": "残疾",
            "education": "education",
            "agriculture": "农业",
            "other": "其他",
        }
        standards = {
            "MZ001": None,
            "MZ002": "1100.00",
            "MZ003": "100元",
            "CL001": "160",
            "JY001": "250.00",
            "NY001": "",
            "RS001": "188",
            "WJ001": "80.00",
        }
        for code, prog in PROGRAMMES.items():
            standard: Any = standards[code]
            if standard is None:  # one numeric cell, as Excel users type it
                standard = Decimal(prog.standard or 0).scaleb(-2)
            sink.write_cells(
                [
                    str(sink.rows + 1),
                    code,
                    prog.name,
                    categories[prog.category],
                    prog.department,
                    standard,
                    str(prog.min_age) if prog.min_age else "",
                    "、".join(prog.excludes),
                    "财办〔2020〕37号" if prog.category in ("dibao", "tekun") else "",
                ]
            )
        self._close(sink)

    def _person_row(self, p: int) -> dict[str, Any]:
        people = self.people
        id18 = people.id18[p]
        status = int(people.status[p])
        return {
            "id_number": Raw(ids.to_old15(id18)) if people.old15[p] else id18,
            "name": people.name[p],
            "gender": "男" if people.male[p] else "女",
            "birth_date": date.fromordinal(int(people.birth[p])),
            "region_code": self.county.village_codes[people.village[p]],
            "household_id": people.household_ids[people.household[p]],
            "relation": RELATION_TEXT[people.relation[p]],
            "status": STATUS_TEXT[status],
            "status_date": date.fromordinal(int(people.status_date[p]))
            if people.status_date[p]
            else None,
            "remark": "",
        }

    def _persons(self, specs: list[FileSpec]) -> None:
        first, second = (self._open(s) for s in specs)
        half = (len(self.county.township_codes) + 1) // 2
        township = np.array(self.county.village_township)[self.people.village]
        order = np.lexsort((np.arange(len(self.people)), self.people.village))
        copied = None
        for p in order.tolist():
            row = self._person_row(p)
            sink = first if township[p] < half else second
            sink.write(row)
            if copied is None and sink is first:
                copied = row
        # junk: the same person again without a name (required value missing); a footer line
        if copied is not None:
            first.write_junk(dict(copied, name=Raw("")))
        second.write_raw({"id_number": f"制表单位：{self.county.name}公安局户政管理大队"})
        self._close(first)
        self._close(second)

    def _deaths(self, specs: list[FileSpec]) -> None:
        police, cremation = (self._open(s) for s in specs)
        people = self.people
        dead = np.flatnonzero(people.death > 0)
        dead = dead[np.argsort(people.death[dead], kind="stable")]
        first_police = None
        for k, p in enumerate(dead.tolist()):
            when = date.fromordinal(int(people.death[p]))
            src = int(people.sources[p])
            if src & SRC_POLICE:
                row = {
                    "id_number": self._id(p),
                    "name": people.name[p],
                    "death_date": when,
                    "source": "公安户籍",
                }
                police.write(row)
                first_police = first_police or row
            if src & SRC_CREMATION:
                burnt = date.fromordinal(int(people.death[p]) + int(people.cremation_delay[p]))
                hour = 7 + (k % 10)
                cremation.write(
                    {
                        "name": people.name[p],
                        "id_number": self._id(p),
                        "death_date": datetime(burnt.year, burnt.month, burnt.day, hour, 20),
                        "source": "殡仪馆",
                        "cert_no": f"HH{burnt:%Y}{k + 1:06d}",
                    }
                )
        if first_police is not None:  # an unknown date: must be rejected
            police.write_junk(dict(first_police, death_date=Raw("不详")))
        self._close(police)
        self._close(cremation)

    def _simple(self, specs: dict[str, Any]) -> None:
        people, reg, county = self.people, self.reg, self.county

        sink = self._open(specs["payroll"])
        for r in reg.payroll.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "employer": r["employer"],
                    "start_date": r["start"],
                    "end_date": r["end"],
                    "kind": "在职" if r["end"] is None else "离退",
                }
            )
        self._close(sink)

        sink = self._open(specs["officials"])
        for r in reg.officials.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "region_code": county.village_codes[r["village"]],
                    "position": r["position"],
                    "term_start": r["start"],
                    "term_end": r["end"],
                }
            )
        self._close(sink)

        sink = self._open(specs["relatives"])
        for r in reg.relatives.rows():
            sink.write(
                {
                    "official_id_number": self._id(r["official"]),
                    "official_name": people.name[r["official"]],
                    "relative_id_number": self._id(r["relative"]),
                    "relative_name": people.name[r["relative"]],
                    "relation": r["relation"],
                    "filed": r["filed"],
                }
            )
        self._close(sink)

        sink = self._open(specs["vehicles"])
        for r in reg.vehicles.rows():
            sink.write(
                {
                    "owner_id_number": self._id(r["pid"]),
                    "plate": r["plate"],
                    "vehicle_type": r["type"],
                    "register_date": r["registered"],
                    "status": r["status"],
                }
            )
        if len(reg.vehicles):  # a row without its plate number: must be rejected
            r = next(reg.vehicles.rows())
            sink.write_junk(
                {
                    "owner_id_number": self._id(r["pid"]),
                    "plate": Raw(""),
                    "vehicle_type": r["type"],
                    "register_date": r["registered"],
                    "status": r["status"],
                }
            )
        self._close(sink)

        sink = self._open(specs["properties"])
        for r in reg.properties.rows():
            sink.write(
                {
                    "owner_id_number": self._id(r["pid"]),
                    "owner_name": people.name[r["pid"]],
                    "location": r["location"],
                    "usage": r["usage"],
                    "area": r["area"],
                    "register_date": r["registered"],
                }
            )
        self._close(sink)

        sink = self._open(specs["businesses"])
        for r in reg.businesses.rows():
            sink.write(
                {
                    "role": r["role"],
                    "id_number": self._id(r["pid"]),
                    "person_name": people.name[r["pid"]],
                    "business_name": r["business"],
                    "established_date": r["established"],
                    "status": r["status"],
                }
            )
        self._close(sink)

        sink = self._open(specs["pensions"])
        for r in reg.pensions.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "monthly_amount": r["cents"],
                    "start_period": r["start"],
                    "end_period": r["end"],
                    "kind": "企业职工基本养老金" if r["cents"] > 80_001 else "被征地农民养老保险",
                }
            )
        self._close(sink)

        sink = self._open(specs["students"])
        for r in reg.students.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "school": r["school"],
                    "start_date": r["start"],
                    "end_date": r["end"],
                    "stage": "中职" if "职业" in r["school"] else "高中",
                }
            )
        self._close(sink)

        sink = self._open(specs["disabilities"])
        from mingjing.demo.names import DISABILITY_LEVELS, DISABILITY_TYPES

        for r in reg.disabilities.rows():
            id18 = self._id(r["pid"])
            cert = f"{id18}{DISABILITY_TYPES.index(r['type']) + 1}{DISABILITY_LEVELS.index(r['level']) + 1}"
            sink.write(
                {
                    "cert_no": cert,
                    "id_number": id18,
                    "name": people.name[r["pid"]],
                    "disability_type": r["type"],
                    "disability_level": r["level"],
                    "issue_date": r["issued"],
                    "status": r["status"],
                }
            )
        self._close(sink)

    # 2. payments --------------------------------------------------------------------------------

    def write_payments(self, bulk_format: str, messy_persons: int) -> None:
        """Month by month: expand the plans, route each row to a messy file (villages holding about
        `messy_persons` people) or to the bulk file of its department and year, then add the
        explicit planted rows of the month."""
        cal, people, county = self.cal, self.people, self.county
        n_villages = len(county.village_codes)
        per_village = max(1, len(people) // n_villages)
        k_messy = min(n_villages - 1, max(1, -(-messy_persons // per_village)))
        messy_village = np.zeros(n_villages + 1, dtype=bool)
        messy_village[:k_messy] = True
        codes = list(PROGRAMMES)
        years = sorted({cal.period(m).year for m in range(cal.months)})
        messy_sinks = {code: self._messy_sinks(code, years) for code in codes}
        bulk_sinks: dict[tuple[str, int], Sink] = {}
        id_pa = pa.array(people.id18, type=pa.string())
        name_pa = pa.array(people.name, type=pa.string())
        account_pa = pa.array(self.accounts, type=pa.string())
        region_pa = pa.array(county.village_codes, type=pa.string())
        code_pa = pa.array(codes, type=pa.string())
        extra_by_month: dict[int, list[dict[str, Any]]] = {}
        for row in self.reg.extra_payments:
            extra_by_month.setdefault(row["period"], []).append(row)
        sprinkle_rng = np.random.default_rng([self.seed, 5])

        for m in range(cal.months):
            period = cal.period(m)
            parts = []
            for ci, code in enumerate(codes):
                rows = self.reg.plans[code].month(m)
                rows["code"] = np.full(len(rows["pid"]), ci, dtype=np.int64)
                parts.append(rows)
            month = {f: np.concatenate([p[f] for p in parts]) for f in parts[0]}
            order = np.lexsort((month["pid"], month["code"], month["village"]))
            month = {f: v[order] for f, v in month.items()}
            serial = np.arange(1, len(order) + 1)
            is_messy = messy_village[month["village"]]
            # messy rows: one typed row at a time
            for i in np.flatnonzero(is_messy).tolist():
                code = codes[month["code"][i]]
                sink = messy_sinks[code][period.year]
                sink.write(
                    self._payment_row(
                        code,
                        m,
                        int(month["pid"][i]),
                        int(month["cents"][i]),
                        int(month["village"][i]),
                        int(month["account"][i]),
                        int(serial[i]),
                    )
                )
            # bulk rows: vectorised, one block per department
            bulk = np.flatnonzero(~is_messy)
            departments = np.array([PROGRAMMES[c].department for c in codes])[month["code"][bulk]]
            for dept in sorted(set(departments.tolist())):
                sel = bulk[departments == dept]
                key = (dept, period.year)
                if key not in bulk_sinks:
                    bulk_sinks[key] = self._bulk_sink(dept, period.year, bulk_format)
                block = {f: v[sel] for f, v in month.items()}
                self._write_bulk(
                    bulk_sinks[key],
                    block,
                    serial[sel],
                    m,
                    id_pa,
                    name_pa,
                    account_pa,
                    region_pa,
                    code_pa,
                    sprinkle_rng,
                )
            # planted explicit rows of the month
            next_serial = len(order) + 1
            for row in extra_by_month.get(m, []):
                code = row["code"]
                typed = self._payment_row(
                    code,
                    m,
                    row["pid"],
                    row["cents"],
                    row["village"],
                    row["account"],
                    next_serial,
                    id_text=row["id_text"],
                    name=row["name"],
                )
                next_serial += 1
                if messy_village[row["village"]]:
                    messy_sinks[code][period.year].write(typed)
                else:
                    key = (PROGRAMMES[code].department, period.year)
                    if key not in bulk_sinks:
                        bulk_sinks[key] = self._bulk_sink(*key, bulk_format)
                    bulk_sinks[key].write(typed)
        # junk rows at the end of the messy files, then close everything
        closed: set[int] = set()
        for code in codes:
            for sink in messy_sinks[code].values():
                if id(sink) in closed:
                    continue
                closed.add(id(sink))
                if sink.rows:
                    for kind in sink.spec.junk:
                        self._junk(sink, kind)
                self._close(sink)
        for key in sorted(bulk_sinks):
            self._close(bulk_sinks[key])

    def _messy_sinks(self, code: str, years: list[int]) -> dict[int, Sink]:
        """Map each calendar year of the window to an open sink of this programme."""
        shapes = SHAPES[code]
        groups: list[list[int]] = []
        lead = max(1, len(years) - len(shapes) + 1)
        groups.append(years[:lead])
        groups.extend([y] for y in years[lead:])
        prog = PROGRAMMES[code]
        out: dict[int, Sink] = {}
        for shape, group in zip(shapes, groups, strict=False):
            label = str(group[0]) if len(group) == 1 else f"{group[0]}-{group[-1]}"
            title = shape.title.format(county=self.county.name, years=label, name=prog.name)
            path = f"{FOLDERS[prog.department]}/{prog.name}_{label}.{EXTENSIONS[shape.fmt]}"
            spec = FileSpec(
                path,
                "payments",
                shape.fmt,
                list(PAY_COLUMNS[shape.columns]),
                encoding=shape.encoding,
                delimiter=shape.delimiter,
                sheet=shape.sheet,
                titles=[title, *shape.extra_titles] if title else list(shape.extra_titles),
                style=shape.style,
                notes=["填表说明：", "1. 身份证号码请以文本格式录入。", "2. 金额单位为元。"],
            )
            spec.junk = shape.junk
            sink = self._open(spec)
            for y in group:
                out[y] = sink
        return out

    def _bulk_sink(self, dept: str, year: int, bulk_format: str) -> Sink:
        spec = FileSpec(
            f"{FOLDERS[dept]}/批量/{dept}_{year}年发放明细.csv",
            "payments",
            "csv",
            list(PAY_COLUMNS["bulk"]),
            encoding=BULK_FORMATS[bulk_format],
        )
        return self._open(spec)

    def _payment_row(
        self,
        code: str,
        m: int,
        pid: int | None,
        cents: int,
        village: int,
        account: int,
        serial: int,
        *,
        id_text: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        cal, county, people = self.cal, self.county, self.people
        period = cal.period(m)
        if account >= EXTRA_ACCOUNT:
            account_no = self.extra_accounts[account - EXTRA_ACCOUNT]
            holder = self.reg.extra_accounts[account - EXTRA_ACCOUNT]
        else:
            account_no, holder = self.accounts[account], people.name[account]
        prog = PROGRAMMES[code]
        t = county.village_township[village]
        return {
            "payment_id": f"{code}{period:%Y%m}{serial:07d}",
            "program_code": code,
            "program_name": prog.name,
            "id_number": Raw(id_text) if id_text is not None else people.id18[pid],  # type: ignore[index]
            "name": name if name is not None else people.name[pid],  # type: ignore[index]
            "region_code": county.village_codes[village],
            "township_name": county.township_names[t],
            "village_name": county.village_names[village],
            "period": period,
            "amount": cents,
            "account_no": account_no,
            "account_name": holder,
            "paid_date": period.replace(day=10 + list(PROGRAMMES).index(code)),
            "remark": self.rng.choice(REMARKS),
            "area_mu": _mu(cents) if prog.category == "agriculture" else "",
        }

    def _write_bulk(
        self,
        sink: Sink,
        block: dict[str, np.ndarray],
        serial: np.ndarray,
        m: int,
        id_pa: pa.Array,
        name_pa: pa.Array,
        account_pa: pa.Array,
        region_pa: pa.Array,
        code_pa: pa.Array,
        rng: np.random.Generator,
    ) -> None:
        """Plain rows as pyarrow string columns joined into lines; one row in ~400 gets a messy ID,
        name or amount (`Sink` renderings), so the bulk files exercise normalisation too."""
        n = len(serial)
        if not n:
            return
        period = self.cal.period(m)
        pid = pa.array(block["pid"])
        account = pa.array(block["account"])
        cents, inverse = np.unique(block["cents"], return_inverse=True)
        amount_pa = pa.array([yuan_text(int(c)) for c in cents.tolist()]).take(pa.array(inverse))
        code_col = code_pa.take(pa.array(block["code"]))
        serial_txt = pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 7, "0")
        columns = [
            pc.binary_join_element_wise(code_col, f"{period:%Y%m}", serial_txt, ""),
            code_col,
            id_pa.take(pid),
            name_pa.take(pid),
            region_pa.take(pa.array(block["village"])),
            pa.array([f"{period:%Y-%m}"] * n),
            amount_pa,
            account_pa.take(account),
            name_pa.take(account),
            pa.array([f"{period.replace(day=10):%Y-%m-%d}"] * n),
        ]
        picks = np.flatnonzero(rng.random(n) < 1 / 400)
        if len(picks):
            mask = np.zeros(n, dtype=bool)
            mask[picks] = True
            mask_pa = pa.array(mask)
            ids_messy, names_messy, amounts_messy = [], [], []
            for i in picks.tolist():
                id18 = self.people.id18[int(block["pid"][i])]
                ids_messy.append(
                    render_id(id18, sink.rng.choice(("lower_x", "spaced", "old15", "full_width")))
                )
                nm = self.people.name[int(block["pid"][i])]
                names_messy.append(
                    render_name(nm, sink.rng.choice(("inner_space", "ideographic_space")))
                )
                c = int(block["cents"][i])
                amounts_messy.append(yuan_text(c) + "元" if c >= 0 else yuan_text(c))
            columns[2] = pc.replace_with_mask(columns[2], mask_pa, pa.array(ids_messy))
            columns[3] = pc.replace_with_mask(columns[3], mask_pa, pa.array(names_messy))
            columns[6] = pc.replace_with_mask(columns[6], mask_pa, pa.array(amounts_messy))
        lines = pc.binary_join_element_wise(*columns, ",").to_pylist()
        sink.write_lines("\r\n".join(lines) + "\r\n", n)  # type: ignore[attr-defined]

    def _junk(self, sink: Sink, kind: str) -> None:
        """Rows the importer must reject: totals, footers, unparseable or missing values."""
        if kind == "total":
            first = sink.spec.columns[0].key
            sink.write_raw({first: "合计", "amount": yuan_text(sink.amount_total, thousands=True)})
        elif kind == "footer":
            first = sink.spec.columns[0].key
            sink.write_raw({first: "制表人：张某某　　审核人：李某某　　制表日期：2026年11月5日"})
        elif kind == "bad_amount" and sink.last_row is not None:
            sink.write_junk(dict(sink.last_row, amount=Raw("待核实")))
        elif kind == "bad_period" and sink.last_row is not None:
            sink.write_junk(
                dict(sink.last_row, period=Raw(f"{self.cal.period(self.cal.last).year}-13"))
            )
        elif kind == "missing_name" and sink.last_row is not None:
            sink.write_junk(dict(sink.last_row, name=Raw("")))


def _mu(cents: int) -> str:
    tenths = cents // 955  # 95.50 yuan per mu
    return f"{tenths // 10}.{tenths % 10}"


def check_headers(spec: FileSpec) -> None:
    """Every header must map (under the contract's rules) to the column the generator means, and
    extra columns to nothing: the files exercise synonyms and ignored headers on purpose, not by
    accident. The required columns (or their alternatives) must all be present."""
    dataset = DATASETS[spec.dataset]
    index = header_index(dataset)
    canonical = {c.name for c in dataset.columns}
    mapped = set()
    for col in spec.columns:
        target = index.get(normalise_header(col.header))
        expected = col.key if col.key in canonical else None
        if target != expected:
            raise AssertionError(
                f"{spec.path}: header {col.header!r} maps to {target}, meant {expected}"
            )
        if target:
            mapped.add(target)
    missing = missing_required(dataset, mapped)
    if missing:
        raise AssertionError(f"{spec.path}: required columns missing: {missing}")


def iter_files(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The manifest's files in import order."""
    by_path = {e["path"]: e for e in manifest["files"]}
    for path in manifest["import_order"]:
        yield by_path[path]


__all__ = ["check_headers", "generate", "iter_files"]
