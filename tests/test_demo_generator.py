"""The demo county generator: shapes, determinism, and a manifest that is exactly right.

The strongest test here re-reads every generated file with a small, strict reference reader that
follows `data-contract.md` (encodings, title rows, header synonyms, value normalisation, rejects),
then runs a plain-Python reference of every problem model of `models.md` over what it read, and
requires the hits to equal the manifest's expected hits: the background is clean, every planted
case hits at the stated level, and no negative hits. No Django needed.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric

from engine import BUILTIN_MODELS
from mingjing.datahub.contract import DATASETS, header_index, normalise_header
from mingjing.demo import ids
from mingjing.demo.generator import generate

# --- a reference reader (data-contract.md) --------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
DOTS = re.compile("[•・‧･]")
SPACES = re.compile(r"\s+")


class Reject(ValueError):
    pass


def nfkc(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


@functools.cache
def id_valid(text: str) -> bool:
    """stdnum's check (the project's reference), cached: it looks the address code up each time."""
    return ric.is_valid(text)


def norm_id(value: Any) -> tuple[str, bool] | None:
    text = re.sub(r"[\s\-]", "", nfkc(value)).upper()
    if not text:
        return None
    if len(text) == 15 and text.isdigit():
        text = ids.upgrade15(text)
    return text, id_valid(text)


def norm_name(value: Any) -> str:
    return DOTS.sub("·", SPACES.sub("", nfkc(value)))


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_PERIOD_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
)


def norm_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = nfkc(value)
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as e:
                raise Reject(f"bad date {text}") from e
    raise Reject(f"bad date {text!r}")


def norm_period(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date | datetime):
        return date(value.year, value.month, 1)
    text = nfkc(value)
    if not text:
        return None
    for pattern in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if m and 1 <= int(m[2]) <= 12:
            return date(int(m[1]), int(m[2]), 1)
    d = norm_date(text)
    return date(d.year, d.month, 1) if d else None


def norm_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)).quantize(Decimal("0.01"))
    text = nfkc(value).replace(",", "").replace("元", "").replace("¥", "")
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as e:
        raise Reject(f"bad amount {value!r}") from e


def norm_bool(value: Any) -> bool | None:
    text = nfkc(value).lower()
    if not text:
        return None
    if text in ("是", "y", "1", "true", "已备案"):
        return True
    if text in ("否", "n", "0", "false", "未备案"):
        return False
    raise Reject(f"bad boolean {value!r}")


def load_cells(root: Path, entry: dict[str, Any]) -> list[list[Any]]:
    path = root / entry["path"]
    if entry["format"] in ("csv", "txt"):
        text = path.read_bytes().decode(entry["encoding"])
        return [row for row in csv.reader(io.StringIO(text), delimiter=entry["delimiter"])]
    wb = CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name(entry["sheet"]) if entry["sheet"] else wb.get_sheet_by_index(0)
    return sheet.to_python(skip_empty_area=False)


def find_header(dataset: str, cells: list[list[Any]]) -> tuple[int, dict[int, str]]:
    """The first row mapping at least half of the required columns (alternatives count)."""
    ds = DATASETS[dataset]
    index = header_index(ds)
    for r, row in enumerate(cells[:7]):
        mapped = {
            i: index[normalise_header(nfkc(c))]
            for i, c in enumerate(row)
            if normalise_header(nfkc(c)) in index
        }
        names = set(mapped.values())
        hit = sum(
            1
            for req in ds.required
            if req in names or all(a in names for a in ds.alternatives.get(req, ("-",)))
        )
        if hit * 2 >= len(ds.required):
            return r, mapped
    raise AssertionError(f"no header row in {dataset}")


KINDS = {
    "id_number": norm_id,
    "official_id_number": norm_id,
    "relative_id_number": norm_id,
    "owner_id_number": norm_id,
    "name": norm_name,
    "relative_name": norm_name,
    "account_name": norm_name,
    "birth_date": norm_date,
    "status_date": norm_date,
    "death_date": norm_date,
    "start_date": norm_date,
    "end_date": norm_date,
    "term_start": norm_date,
    "term_end": norm_date,
    "register_date": norm_date,
    "established_date": norm_date,
    "issue_date": norm_date,
    "paid_date": norm_date,
    "period": norm_period,
    "start_period": norm_period,
    "end_period": norm_period,
    "amount": norm_amount,
    "monthly_amount": norm_amount,
    "unit_standard": norm_amount,
    "filed": norm_bool,
}


def read_dataset_rows(
    root: Path, entry: dict[str, Any], lookups: dict[str, dict]
) -> tuple[list[dict], int, list]:
    """Normalised rows of one file, the number of rejected rows, and every raw ID cell read."""
    cells = load_cells(root, entry)
    header_row, mapped = find_header(entry["dataset"], cells)
    assert header_row == entry["title_rows"], entry["path"]
    ds = DATASETS[entry["dataset"]]
    rows, rejects, raw_ids = [], 0, []
    for raw in cells[header_row + 1 :]:
        values = {mapped[i]: v for i, v in enumerate(raw) if i in mapped}
        try:
            row = {}
            for col, v in values.items():
                row[col] = KINDS[col](v) if col in KINDS else (nfkc(v) or None)
            if entry["dataset"] == "payments":
                if not row.get("program_code"):
                    row["program_code"] = lookups["program_names"].get(row.get("program_name"))
                if not row.get("region_code") and row.get("township_name"):
                    row["region_code"] = lookups["villages"].get(
                        (row["township_name"], row.get("village_name"))
                    )
            for req in ds.required:
                if row.get(req) in (None, ""):
                    raise Reject(f"missing {req}")
        except Reject:
            rejects += 1
            continue
        rows.append(row)
        raw_ids.extend(v for col, v in values.items() if col.endswith("id_number") and nfkc(v))
    assert len(cells) - header_row - 1 == entry["rows"], entry["path"]
    return rows, rejects, raw_ids


def read_county(root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """All datasets of the county as normalised rows, in import order; checks rows and rejects."""
    by_path = {e["path"]: e for e in manifest["files"]}
    data: dict[str, list[dict]] = defaultdict(list)
    lookups: dict[str, dict] = {"program_names": {}, "villages": {}}
    raw_ids: list[Any] = []
    for path in manifest["import_order"]:
        entry = by_path[path]
        rows, rejects, raw = read_dataset_rows(root, entry, lookups)
        assert rejects == entry["expected_rejects"], (path, rejects)
        raw_ids.extend(raw)
        data[entry["dataset"]].extend(rows)
        if entry["dataset"] == "programs":
            lookups["program_names"] = {r["program_name"]: r["program_code"] for r in rows}
        if entry["dataset"] == "regions":
            names = {r["code"]: r["name"] for r in rows}
            lookups["villages"] = {
                (names[r["parent_code"]], r["name"]): r["code"]
                for r in rows
                if r.get("parent_code")
                and r["parent_code"] in names
                and not r["code"].endswith("000")
            }
    data["_raw_ids"] = raw_ids  # type: ignore[assignment]
    return data


# --- reference models (models.md, with the readings listed in mingjing/demo/plants.py) -----------

LEVELS = {"low": 0, "medium": 1, "high": 2}
EXEMPT = {"摩托车", "残疾人专用车", "三轮汽车", "低速货车"}


def mi(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_last(p: date) -> date:
    return (date(p.year + (p.month == 12), p.month % 12 + 1, 1)) - timedelta(days=1)


def active(start: date | None, end: date | None, period: date) -> bool:
    return (start is None or start <= month_last(period)) and (end is None or end >= period)


def age_at(id18: str, period: date) -> int:
    b = date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    return period.year - b.year - ((period.month, period.day) < (b.month, b.day))


def run_models(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    hits: dict[str, dict[str, str]] = {code: {} for code in BUILTIN_MODELS}

    def hit(model: str, key: dict[str, str], level: str) -> None:
        k = json.dumps(key, sort_keys=True, ensure_ascii=False)
        if LEVELS[level] > LEVELS.get(hits[model].get(k, "low"), -1) or k not in hits[model]:
            hits[model][k] = level

    programs = {r["program_code"]: r for r in data["programs"]}
    category = {c: r["category"] for c, r in programs.items()}
    cat = {
        "低保": "dibao",
        "特困": "tekun",
        "高龄": "elderly",
        "残疾": "disability",
        "教育": "education",
        "农业": "agriculture",
        "其他": "other",
    }
    category = {c: cat.get(v, v) for c, v in category.items()}
    standard = {c: r.get("unit_standard") for c, r in programs.items()}
    min_age = {c: int(r["min_age"]) if r.get("min_age") else None for c, r in programs.items()}
    excludes = {
        c: set(re.split(r"[,、;]", r.get("excludes") or "")) - {""} for c, r in programs.items()
    }
    assistance = {c for c, k in category.items() if k in ("dibao", "tekun")}

    persons = {r["id_number"][0]: r for r in data["persons"]}
    household: dict[str, list[str]] = defaultdict(list)
    for pid, r in persons.items():
        household[r["household_id"]].append(pid)
    deaths: dict[str, date] = {}
    for r in data["deaths"]:
        i = r["id_number"][0]
        deaths[i] = min(deaths.get(i, r["death_date"]), r["death_date"])
    for i, r in persons.items():
        if r.get("status") == "死亡" and r.get("status_date"):
            deaths[i] = min(deaths.get(i, r["status_date"]), r["status_date"])

    def by_id(rows: Iterable[dict], key: str = "id_number") -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            out[r[key][0]].append(r)
        return out

    payroll, officials = by_id(data["payroll"]), by_id(data["officials"])
    vehicles, properties = (
        by_id(data["vehicles"], "owner_id_number"),
        by_id(data["properties"], "owner_id_number"),
    )
    businesses, pensions = by_id(data["businesses"]), by_id(data["pensions"])
    students, certificates = by_id(data["students"]), by_id(data["disabilities"])
    relatives: dict[str, list[dict]] = defaultdict(list)
    for r in data["relatives"]:
        relatives[r["relative_id_number"][0]].append(r)
    official_names = {r["name"] for r in data["officials"]}
    relative_names = {r["relative_name"] for r in data["relatives"] if r.get("relative_name")}
    relative_names |= {
        persons[r["relative_id_number"][0]]["name"]
        for r in data["relatives"]
        if r["relative_id_number"][0] in persons
    }

    pays = [dict(r, id=r["id_number"][0], valid=r["id_number"][1]) for r in data["payments"]]
    last_period = max(p["period"] for p in pays)

    def members(i: str) -> list[str]:
        return household[persons[i]["household_id"]] if i in persons else [i]

    groups: dict[tuple, list[dict]] = defaultdict(list)
    per_person_period: dict[tuple, set] = defaultdict(set)
    accounts: dict[tuple, set] = defaultdict(set)
    account_names: dict[str, str] = {}
    for p in pays:
        i, code, period = p["id"], p["program_code"], p["period"]
        key = {"id_number": i, "program_code": code}
        groups[(i, code, period)].append(p)
        per_person_period[(i, period)].add(code)
        if p.get("account_no"):
            accounts[(p["account_no"], period)].add(i)
            account_names[p["account_no"]] = p.get("account_name") or ""
        # YKT01
        if i in deaths and mi(period) > mi(deaths[i]):
            late = mi(period) - mi(deaths[i])
            hit("YKT01", key, "high" if late >= 2 else "medium")
        if code in assistance:
            # YKT02
            if any(active(r["start_date"], r.get("end_date"), period) for r in payroll[i]):
                hit("YKT02", key, "high")
            elif any(
                active(r["start_date"], r.get("end_date"), period)
                for m in members(i)
                if m != i
                for r in payroll[m]
            ):
                hit("YKT02", key, "medium")
            # YKT03
            if any(active(r["term_start"], r.get("term_end"), period) for r in officials[i]):
                hit("YKT03", key, "high")
            for rel in relatives[i]:
                boss = rel["official_id_number"][0]
                if any(active(r["term_start"], r.get("term_end"), period) for r in officials[boss]):
                    hit("YKT03", key, "low" if rel.get("filed") else "high")
        # YKT05
        if min_age.get(code) and p["valid"] and age_at(i, period) < min_age[code]:
            hit("YKT05", key, "high")
        # YKT08
        if standard.get(code) is not None and p["amount"] > standard[code]:
            hit("YKT08", key, "high")
        # YKT09
        if category[code] == "education" and not any(
            active(r["start_date"], r.get("end_date"), period) for r in students[i]
        ):
            hit("YKT09", key, "medium")
        # YKT10
        if category[code] == "dibao" and any(
            r["monthly_amount"] > 800 and active(r["start_period"], r.get("end_period"), period)
            for r in pensions[i]
        ):
            hit("YKT10", key, "medium")
        # YKT11
        if (
            i in persons
            and persons[i].get("status") in ("迁出", "注销")
            and persons[i].get("status_date")
            and mi(period) > mi(persons[i]["status_date"])
        ):
            hit("YKT11", key, "medium")
        # YKT12
        if not p["valid"] or i not in persons:
            hit("YKT12", key, "medium")
        # YKT14
        if category[code] == "disability" and not any(
            r.get("status") == "有效"
            and (r.get("issue_date") is None or r["issue_date"] <= month_last(period))
            for r in certificates[i]
        ):
            hit("YKT14", key, "medium")
    # YKT04
    for i in {p["id"] for p in pays if p["program_code"] in assistance}:
        fam = members(i)
        kinds = 0
        kinds += any(
            v["vehicle_type"] not in EXEMPT and v.get("status") in (None, "正常")
            for m in fam
            for v in vehicles[m]
        )
        usages = [r["usage"] for m in fam for r in properties[m]]
        kinds += usages.count("住宅") >= 2
        kinds += any(u != "住宅" for u in usages)
        kinds += any(
            b["role"] in ("法定代表人", "股东", "经营者")
            and b.get("status") in (None, "存续", "在业")
            for m in fam
            for b in businesses[m]
        )
        if kinds:
            hit("YKT04", {"id_number": i}, "high" if kinds >= 2 else "medium")
    # YKT06
    for (i, code, period), rows in groups.items():
        villages = {r["region_code"] for r in rows}
        if len(rows) >= 2:
            hit(
                "YKT06",
                {"id_number": i, "program_code": code},
                "high" if len(villages) >= 2 else "medium",
            )
        for other in excludes.get(code, ()):
            if other in per_person_period[(i, period)]:
                both = villages | {r["region_code"] for r in groups[(i, other, period)]}
                hit(
                    "YKT06",
                    {"id_number": i, "program_code": code},
                    "high" if len(both) >= 2 else "medium",
                )
    # YKT07
    for (account, _), people in accounts.items():
        if len(people) < 3:
            continue
        homes = {persons[i]["household_id"] if i in persons else "?" + i for i in people}
        if len(homes) == 1:
            continue
        holder = account_names[account]
        level = (
            "high"
            if len(people) >= 5 or holder in official_names or holder in relative_names
            else "medium"
        )
        hit("YKT07", {"account_no": account}, level)
    # YKT13
    same: dict[tuple, set] = defaultdict(set)
    for p in pays:
        if p["valid"]:
            same[(p["name"], p["id"][6:14])].add(p["id"])
    for group in same.values():
        for a in group:
            for b in group:
                if a < b and sum(x != y for x, y in zip(a[:17], b[:17], strict=True)) <= 2:
                    hit("YKT13", {"id_number": a}, "medium")
                    hit("YKT13", {"id_number": b}, "medium")
    # YKT15
    elderly = [c for c, k in category.items() if k == "elderly"]
    last3 = [
        date((mi(last_period) - k) // 12, (mi(last_period) - k) % 12 + 1, 1) for k in (2, 1, 0)
    ]
    paid = {(p["id"], p["period"]) for p in pays if p["program_code"] in elderly}
    for code in elderly:
        for i, r in persons.items():
            if i in deaths or r.get("status") in ("死亡", "迁出", "注销") or not id_valid(i):
                continue
            if all(age_at(i, p) >= min_age[code] for p in last3) and not any(
                (i, p) in paid for p in last3
            ):
                hit("YKT15", {"id_number": i}, "low")
    return hits


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("county")
    return root, generate(root, persons=2000, seed=7)


@pytest.fixture(scope="module")
def county_data(county: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    root, manifest = county
    return read_county(root, manifest)


def _expected(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        m: {json.dumps(h["key"], sort_keys=True, ensure_ascii=False): h["level"] for h in hits}
        for m, hits in manifest["expected_hits"].items()
    }


# --- tests -----------------------------------------------------------------------------------------


def test_models_find_exactly_the_manifest_hits_at_the_stated_levels(county, county_data):
    _, manifest = county
    found = run_models(county_data)
    expected = _expected(manifest)
    for model in expected:
        assert found[model] == expected[model], model


def test_no_negative_case_is_a_hit_and_every_negative_is_in_the_data(county, county_data):
    _, manifest = county
    found = run_models(county_data)
    ids_seen = {r["id_number"][0] for r in county_data["payments"]} | {
        r["id_number"][0] for r in county_data["persons"]
    }
    accounts = {r.get("account_no") for r in county_data["payments"]}
    for model, negatives in manifest["negatives"].items():
        for neg in negatives:
            key = json.dumps(neg["key"], sort_keys=True, ensure_ascii=False)
            assert key not in found[model], (model, neg)
            if "account_no" in neg["key"]:
                assert neg["key"]["account_no"] in accounts
            else:
                assert neg["key"]["id_number"] in ids_seen


def test_every_file_has_the_rows_and_rejects_the_manifest_says(county, county_data):
    # read_county asserts rows and expected_rejects per file; here: the rejects are really there
    _, manifest = county
    assert sum(e["expected_rejects"] for e in manifest["files"]) >= 8
    rejecting = {e["dataset"] for e in manifest["files"] if e["expected_rejects"]}
    assert {"persons", "deaths", "vehicles", "payments"} <= rejecting


def test_every_model_has_a_hit_and_a_negative_in_the_manifest(county):
    _, manifest = county
    models = list(BUILTIN_MODELS)
    assert sorted(manifest["expected_hits"]) == models
    assert sorted(manifest["negatives"]) == models
    for m in models:
        assert manifest["expected_hits"][m], m
        assert manifest["negatives"][m], m
        for h in manifest["expected_hits"][m]:
            assert h["level"] in LEVELS and h["why"]


def test_manifest_keys_use_the_grain_of_each_model(county):
    _, manifest = county
    for m, hits in manifest["expected_hits"].items():
        for h in hits + manifest["negatives"][m]:
            key = h["key"]
            if m == "YKT07":
                assert set(key) == {"account_no"}
                assert ids.luhn_ok(key["account_no"])
            elif m in ("YKT04", "YKT13", "YKT15"):
                assert set(key) == {"id_number"}
            else:
                assert set(key) == {"id_number", "program_code"}
            if "id_number" in key:
                assert len(key["id_number"]) == 18 and key["id_number"] == key["id_number"].upper()


def test_manifest_header_lists_periods_county_and_import_order(county):
    root, manifest = county
    assert manifest["periods"] == ["2024-11", "2026-10"]
    assert manifest["persons"] == 2000 and manifest["seed"] == 7
    assert re.fullmatch(r"\d{6}000000", manifest["county_code"])
    order = [
        next(e for e in manifest["files"] if e["path"] == p)["dataset"]
        for p in manifest["import_order"]
    ]
    assert order[:2] == ["regions", "programs"]
    first_payment = order.index("payments")
    assert set(order[first_payment:]) == {"payments"}
    assert sorted(manifest["import_order"]) == sorted(e["path"] for e in manifest["files"])
    assert json.loads((root / "manifest.json").read_text("utf-8")) == manifest
    assert {e["dataset"] for e in manifest["files"]} == set(DATASETS)


def test_same_seed_gives_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, persons=1500, seed=3)
    generate(b, persons=1500, seed=3)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_another_seed_gives_another_county(tmp_path):
    m1 = generate(tmp_path / "a", persons=1500, seed=3)
    m2 = generate(tmp_path / "b", persons=1500, seed=4)
    digest = [
        hashlib.sha256((tmp_path / d / m["import_order"][2]).read_bytes()).hexdigest()
        for d, m in (("a", m1), ("b", m2))
    ]
    assert digest[0] != digest[1]
    assert m1["expected_hits"] != m2["expected_hits"]


def test_every_id_number_written_has_a_valid_checksum_unless_planted_invalid(county, county_data):
    _, manifest = county
    planted_invalid = {h["key"]["id_number"] for h in manifest["expected_hits"]["YKT12"]}
    invalid = set()
    for raw in county_data["_raw_ids"]:
        text, valid = norm_id(raw)
        assert len(text) == 18, raw
        if not valid:
            invalid.add(text)
    # the checksum-valid-but-unknown planted ID is valid; the others are exactly the invalid ones
    assert invalid
    assert invalid <= planted_invalid
    assert len(invalid) == len(planted_invalid) - 1
    for r in county_data["persons"]:
        assert ric.is_valid(r["id_number"][0])


def test_vectorised_id_numbers_agree_with_stdnum():
    rng = np.random.default_rng(0)
    births = [date(1900, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 45_000, 500)]
    seq = rng.integers(0, 1000, 500)
    vec = ids.id_numbers(np.full(500, 430321), np.array([int(f"{b:%Y%m%d}") for b in births]), seq)
    for b, s, v in zip(births, seq.tolist(), vec, strict=True):
        assert v == ids.make_id("430321", b, s)
        assert ric.is_valid(v)
    for v in vec:
        if v[6:8] == "19":
            assert ids.upgrade15(ids.to_old15(v)) == v


def test_files_use_every_promised_shape(county):
    root, manifest = county
    files = manifest["files"]
    shapes = {(e["format"], e["encoding"]) for e in files}
    assert {
        ("csv", "gbk"),
        ("csv", "gb18030"),
        ("csv", "utf-8-sig"),
        ("csv", "utf-8"),
        ("xlsx", None),
        ("xls", None),
    } <= shapes
    assert {e["delimiter"] for e in files if e["format"] == "txt"} == {"\t", "|"}
    assert any(e["sheet"] for e in files if e["format"] == "xlsx")
    assert sum(1 for e in files if e["title_rows"]) >= 5
    assert any(e["title_rows"] == 3 for e in files)
    for e in files:
        raw = (root / e["path"]).read_bytes()
        if e["encoding"] == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
        elif e["encoding"] in ("utf-8", "gbk", "gb18030"):
            assert not raw.startswith(b"\xef\xbb\xbf")
            raw.decode(e["encoding"])
        if e["encoding"] == "gbk":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
    cells = [c for e in files for row in load_cells(root, e) for c in row]
    strings = [c for c in cells if isinstance(c, str)]
    # ID numbers: 15-digit, lowercase x, full-width, spaces/dashes inside
    assert any(re.fullmatch(r"\s*\d{15}\s*", s) for s in strings)
    assert any(re.fullmatch(r"\d{17}x", s) for s in strings)
    assert any(re.fullmatch("[０-９]{17}[０-９Ｘ]", s) for s in strings)
    assert any(re.fullmatch(r"\d{6} \d{8} \d{3}[\dX]", s) for s in strings)
    assert any(re.fullmatch(r"\d{6}-\d{8}-\d{3}[\dX]", s) for s in strings)
    # names: inner spaces, U+3000, padding, middle-dot variants
    assert any("\u3000" in s and len(s) <= 6 for s in strings)
    assert any(re.fullmatch(r" \S+  ", s) for s in strings)
    for dot in "•・‧":
        assert any(dot in s for s in strings), dot
    # dates and periods
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", s) for s in strings)
    assert any(re.fullmatch(r"\d{4}\.\d{1,2}\.\d{1,2}", s) for s in strings)
    assert any(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", s) for s in strings)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", s) for s in strings)
    assert any(isinstance(c, datetime) and c.hour for c in cells)
    assert any(isinstance(c, float) and 30_000 < c < 60_000 for c in cells)  # Excel serial dates
    for pattern in (
        r"\d{4}年\d{1,2}月",
        r"\d{4}/\d{1,2}",
        r"\d{4}\.\d{2}",
        r"20\d{4}",
        r"\d{4}-\d{2}",
    ):
        assert any(re.fullmatch(pattern, s) for s in strings), pattern
    # amounts
    for pattern in (
        r"\d{1,3}(,\d{3})+\.\d{2}",
        r"[\d.]+元",
        r"￥[\d.]+",
        r"¥[\d,.]+",
        r"[０-９]+\.[０-９]{2}",
        r"-\d+\.\d{2}",
    ):
        assert any(re.fullmatch(pattern, s) for s in strings), pattern
    # booleans
    for word in ("是", "否", "Y", "N", "已备案", "未备案"):
        assert word in strings, word
    # headers: units, full-width, stray spaces, ignored columns, names instead of codes
    headers = {nfkc(c) for e in files for c in load_cells(root, e)[e["title_rows"]]}
    raw_headers = {c for e in files for c in load_cells(root, e)[e["title_rows"]]}
    assert {"发放金额(元)", "金额(元)", "序号", "备注", "乡镇", "村", "项目名称"} <= headers
    assert any("\u3000" in h for h in raw_headers) and " 姓  名 " in raw_headers
    assert "发放金额（元）" in raw_headers
    id_headers = {
        h
        for h in headers
        if header_index(DATASETS["payments"]).get(normalise_header(h)) == "id_number"
    }
    assert len(id_headers) >= 4  # different files, different synonyms
    # 合计 and footer rows
    assert "合计" in strings and any(s.startswith("制表人") for s in strings)


def test_background_has_no_duplicate_name_and_birth_date_among_paid_people(county, county_data):
    _, manifest = county
    planted = {
        h["key"]["id_number"]
        for h in manifest["expected_hits"]["YKT13"] + manifest["negatives"]["YKT13"]
    }
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in county_data["payments"]:
        i, valid = r["id_number"]
        if valid:
            groups[(r["name"], i[6:14])].add(i)
    shared = [g for g in groups.values() if len(g) > 1]
    assert shared  # the planted sets are there
    for g in shared:
        assert g <= planted, g


def test_planted_people_never_share_a_name_with_the_background(county, county_data):
    _, manifest = county
    names: dict[str, set[str]] = defaultdict(set)
    for r in county_data["persons"]:
        names[r["name"]].add(r["id_number"][0])
    planted = {
        h["key"]["id_number"] for m in ("YKT04", "YKT15") for h in manifest["expected_hits"][m]
    }
    for r in county_data["persons"]:
        if r["id_number"][0] in planted:
            assert names[r["name"]] == {r["id_number"][0]}


def test_bulk_payments_can_be_written_in_gbk_and_keep_messy_files_small(tmp_path):
    manifest = generate(tmp_path, persons=4000, seed=2, bulk_payments="csv-gbk", messy_persons=1000)
    bulk = [e for e in manifest["files"] if "批量" in e["path"]]
    messy = [e for e in manifest["files"] if e["dataset"] == "payments" and "批量" not in e["path"]]
    assert bulk and all(e["encoding"] == "gbk" for e in bulk)
    assert sum(e["rows"] for e in bulk) > sum(e["rows"] for e in messy) > 0
    data = read_county(tmp_path, manifest)
    found = run_models(data)
    assert found == _expected(manifest)


def test_the_window_follows_months_and_end_period(tmp_path):
    manifest = generate(tmp_path, persons=1500, seed=5, months=14, end_period=date(2025, 3, 1))
    assert manifest["periods"] == ["2024-02", "2025-03"]
    data = read_county(tmp_path, manifest)
    periods = {r["period"] for r in data["payments"]}
    assert min(periods) == date(2024, 2, 1) and max(periods) == date(2025, 3, 1)
    assert run_models(data) == _expected(manifest)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"months": 6},
        {"end_period": date(2026, 10, 15)},
        {"bulk_payments": "parquet"},
        {"persons": 100},
    ],
)
def test_it_refuses_arguments_it_cannot_honour(tmp_path, kwargs):
    with pytest.raises(ValueError):
        generate(tmp_path, **kwargs)


@pytest.mark.slow
def test_a_larger_county_is_still_exact(tmp_path):
    manifest = generate(tmp_path, persons=40_000, seed=11, messy_persons=6000)
    data = read_county(tmp_path, manifest)
    assert run_models(data) == _expected(manifest)
