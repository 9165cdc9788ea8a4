"""The 15 problem models (YKT01-YKT15) written the way an analyst would, in plain pandas.

    python bench/pandas_reference.py --home MINGJING_HOME [--json OUT] [--model YKT01 ...]
    python bench/pandas_reference.py --snapshot FILES.json [--json OUT]

A cross-check and a baseline for the detection engine: it reads the same Parquet files of the
lake with `pd.read_parquet`, turns dates into datetimes and amounts into floats, and computes each
model with merges and groupbys, one model after the other, without tricks. It returns, per model,
the hits as {grain key tuple: level}, the grain being that of `shared/design/models.md`.

The readings follow models.md and the fixed readings of the rule brief:
- a period is after the death (or move-out) month when month_index(period) > month_index(date);
  the death month is the earliest of `deaths.death_date` and `persons.status_date` with status 死亡;
- age at a period = full years on the period's first day;
- "active on a period" = started on or before the period's last day and not ended before its
  first day; pensions: start_period <= period and (end_period null or >= period);
- a valid disability certificate has status 有效 (or none) and an issue date on or before the
  period's last day; one without an issue date counts as issued long ago (the choice of YKT14.yaml,
  which has a test for it; models.md does not say);
- assistance programmes = category dibao or tekun; only payments with a valid ID number count,
  except in YKT12 (which is about invalid IDs) and the "paid or not" side of YKT15;
- a period whose payments of a programme sum to zero or less (refunded) is not paid; a negative
  row is not a payment of its own (YKT06-YKT10 look at rows with an amount above zero).
Where models.md is silent, the choices of the rule files are followed (YKT04: an asset counts
from its registration / establishment date; YKT14: see above).

Pure pandas and pyarrow (the stored schema comes from `mingjing.datahub.contract`); no Django,
no DuckDB. Needs pandas (a benchmark dependency, not a project one).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import BUILTIN_MODELS  # noqa: E402
from mingjing.datahub.contract import DATASETS, Kind, arrow_schema  # noqa: E402

LEVELS = ("low", "medium", "high")
RANK = {level: i for i, level in enumerate(LEVELS)}
ASSISTANCE = ("dibao", "tekun")
GONE = ("死亡", "迁出", "注销")

GRAIN: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(BUILTIN_MODELS, ("id_number", "program_code")),
    "YKT04": ("id_number",),
    "YKT07": ("account_no",),
    "YKT13": ("id_number",),
    "YKT15": ("id_number",),
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "YKT01": {"high_after_months": 2},
    "YKT02": {"check_household": True},
    "YKT04": {"exempt_vehicle_types": ["摩托车", "残疾人专用车", "三轮汽车", "低速货车"], "max_homes": 1},
    "YKT07": {"min_people": 3, "high_people": 5},
    "YKT08": {"tolerance": 0.0},
    "YKT10": {"income_line": 800},
    "YKT13": {"max_digit_diff": 2},
    "YKT15": {"months": 3},
}

# The columns each dataset is read with (everything the 15 models look at).
COLUMNS: dict[str, list[str]] = {
    "payments": ["id_number", "id_valid", "birth_date", "name", "program_code", "region_code",
                 "period", "amount", "account_no", "account_name"],
    "programs": ["program_code", "category", "unit_standard", "min_age", "excludes"],
    "persons": ["id_number", "id_valid", "birth_date", "household_id", "status", "status_date"],
    "deaths": ["id_number", "death_date"],
    "payroll": ["id_number", "start_date", "end_date"],
    "officials": ["id_number", "name", "term_start", "term_end"],
    "relatives": ["official_id_number", "relative_id_number", "relative_name", "filed"],
    "vehicles": ["owner_id_number", "plate", "vehicle_type", "register_date", "status"],
    "properties": ["owner_id_number", "location", "usage", "register_date"],
    "businesses": ["id_number", "business_name", "role", "established_date", "status"],
    "pensions": ["id_number", "monthly_amount", "start_period", "end_period"],
    "students": ["id_number", "start_date", "end_date"],
    "disabilities": ["id_number", "issue_date", "status"],
}

Hits = dict[tuple[Any, ...], str]


# -- reading ---------------------------------------------------------------------------------------


def lake_files(home: Path) -> dict[str, list[Path]]:
    """Every batch file of the lake under a MINGJING_HOME, per dataset (all batches taken as active)."""
    files: dict[str, list[Path]] = {}
    for path in sorted((Path(home) / "lake").glob("*/batch=*/data.parquet")):
        files.setdefault(path.parent.parent.name, []).append(path)
    return files


def _paths(files: Iterable[Any]) -> list[Path]:
    """Snapshot entries are (batch id, path) pairs; plain paths are fine too."""
    return [Path(f[1]) if isinstance(f, tuple) else Path(f) for f in files]


def read_dataset(name: str, files: Iterable[Any] | pa.Table) -> pd.DataFrame:
    """One dataset's files (or an Arrow table, in tests) into one DataFrame: dates as datetimes,
    amounts as floats."""
    columns = COLUMNS[name]
    schema = arrow_schema(DATASETS[name])
    kinds = _kinds(name)
    if isinstance(files, pa.Table):
        return _convert(files.select(columns).to_pandas(), kinds)
    frames = []
    for path in _paths(files):
        frame = pd.read_parquet(path, columns=columns)
        frames.append(_convert(frame, kinds))
    if not frames:  # no batch: an empty frame with the stored columns
        frames.append(_convert(schema.empty_table().select(columns).to_pandas(), kinds))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _kinds(name: str) -> dict[str, str]:
    kinds: dict[str, str] = {"birth_date": "date"}
    for col in DATASETS[name].columns:
        if col.kind in (Kind.DATE, Kind.PERIOD):
            kinds[col.name] = "date"
        elif col.kind in (Kind.AMOUNT, Kind.DECIMAL):
            kinds[col.name] = "float"
    return kinds


def _convert(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    for column in frame.columns:
        if kinds.get(column) == "date":
            frame[column] = pd.to_datetime(frame[column])
        elif kinds.get(column) == "float":
            frame[column] = frame[column].astype(float)
    return frame


def load(files: Mapping[str, Iterable[Any] | pa.Table]) -> dict[str, pd.DataFrame]:
    return {name: read_dataset(name, files.get(name, [])) for name in COLUMNS}


# -- helpers ---------------------------------------------------------------------------------------


def month_index(s: pd.Series) -> pd.Series:
    return s.dt.year * 12 + s.dt.month


def last_day(s: pd.Series) -> pd.Series:
    return s + pd.offsets.MonthEnd(0)


def active(start: pd.Series, end: pd.Series, period: pd.Series) -> pd.Series:
    """Started on or before the period's last day, not ended before its first day."""
    return (start <= last_day(period)) & (end.isna() | (end >= period))


def age_at(birth: pd.Series, day: pd.Series | pd.Timestamp) -> pd.Series:
    if isinstance(day, pd.Timestamp):
        year, month, dom = day.year, day.month, day.day
    else:
        year, month, dom = day.dt.year, day.dt.month, day.dt.day
    not_yet = (birth.dt.month > month) | ((birth.dt.month == month) & (birth.dt.day > dom))
    return year - birth.dt.year - not_yet.astype(int)


def collect(frame: pd.DataFrame, model: str, level: str | np.ndarray | pd.Series) -> Hits:
    """Rows to hits: one per grain key, at the highest level among its rows."""
    grain = list(GRAIN[model])
    if frame.empty:
        return {}
    ranked = frame[grain].copy()
    if isinstance(level, str):
        ranked["_rank"] = RANK[level]
    else:
        ranked["_rank"] = pd.Series(np.asarray(level), index=frame.index).map(RANK)
    best = ranked.groupby(grain)["_rank"].max()
    return {(k if isinstance(k, tuple) else (k,)): LEVELS[int(r)] for k, r in best.items()}


def per_period_paid(pay: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Payments summed per key and period; periods refunded to zero or less are dropped."""
    summed = pay.groupby([*keys, "period"], as_index=False)["amount"].sum()
    return summed[summed["amount"].round(2) > 0]


class Context:
    """The loaded data, the valid-ID payments and the programme lists, shared by the models."""

    def __init__(self, data: dict[str, pd.DataFrame]):
        self.data = data
        pay = data["payments"]
        self.pay = pay
        self.valid_pay = pay[pay["id_valid"].fillna(False).astype(bool)]
        prog = data["programs"]
        self.prog = prog
        self.assistance_codes = prog.loc[prog["category"].isin(ASSISTANCE), "program_code"].tolist()
        persons = data["persons"]
        self.households = persons.loc[persons["household_id"].notna(), ["id_number", "household_id"]].drop_duplicates()

    def codes(self, category: str) -> list[str]:
        return self.prog.loc[self.prog["category"] == category, "program_code"].tolist()

    def assistance(self) -> pd.DataFrame:
        pay = self.valid_pay[self.valid_pay["program_code"].isin(self.assistance_codes)]
        return per_period_paid(pay, ["id_number", "program_code"])


# -- the models ------------------------------------------------------------------------------------


def ykt01(c: Context, p: dict[str, Any]) -> Hits:
    deaths, persons = c.data["deaths"], c.data["persons"]
    registered = deaths.loc[deaths["death_date"].notna(), ["id_number", "death_date"]]
    by_status = persons.loc[(persons["status"] == "死亡") & persons["status_date"].notna(), ["id_number", "status_date"]]
    death = (pd.concat([registered, by_status.rename(columns={"status_date": "death_date"})])
             .groupby("id_number", as_index=False)["death_date"].min())
    paid = c.valid_pay.merge(death, on="id_number")
    paid = paid[month_index(paid["period"]) > month_index(paid["death_date"])]
    paid = per_period_paid(paid, ["id_number", "program_code", "death_date"])
    months_after = month_index(paid["period"]) - month_index(paid["death_date"])
    return collect(paid, "YKT01", np.where(months_after >= p["high_after_months"], "high", "medium"))


def ykt02(c: Context, p: dict[str, Any]) -> Hits:
    assist = c.assistance()
    beneficiaries = assist[["id_number"]].drop_duplicates()
    checked = [beneficiaries.assign(staff_id=beneficiaries["id_number"], is_self=True)]
    if p["check_household"]:
        members = (c.households.merge(beneficiaries, on="id_number")
                   .merge(c.households.rename(columns={"id_number": "staff_id"}), on="household_id"))
        members = members[members["staff_id"] != members["id_number"]]
        checked.append(members[["id_number", "staff_id"]].assign(is_self=False))
    payroll = c.data["payroll"].rename(columns={"id_number": "staff_id"})
    found = assist.merge(pd.concat(checked), on="id_number").merge(payroll, on="staff_id")
    found = found[active(found["start_date"], found["end_date"], found["period"])]
    return collect(found, "YKT02", np.where(found["is_self"].astype(bool), "high", "medium"))


def ykt03(c: Context, p: dict[str, Any]) -> Hits:
    assist = c.assistance()
    beneficiaries = assist[["id_number"]].drop_duplicates()
    rel = c.data["relatives"]
    rel = rel[rel["relative_id_number"] != rel["official_id_number"]]
    links = pd.concat([
        beneficiaries.assign(official_id=beneficiaries["id_number"], is_official=True, filed=False),
        pd.DataFrame({"id_number": rel["relative_id_number"], "official_id": rel["official_id_number"],
                      "is_official": False, "filed": rel["filed"].fillna(False).astype(bool)}),
    ])
    officials = c.data["officials"][["id_number", "term_start", "term_end"]].rename(columns={"id_number": "official_id"})
    found = assist.merge(links, on="id_number").merge(officials, on="official_id")
    found = found[active(found["term_start"], found["term_end"], found["period"])]
    unfiled = found["is_official"].astype(bool) | ~found["filed"].astype(bool)
    return collect(found, "YKT03", np.where(unfiled, "high", "low"))


def ykt04(c: Context, p: dict[str, Any]) -> Hits:
    pay = c.valid_pay[c.valid_pay["program_code"].isin(c.assistance_codes)]
    assist = per_period_paid(pay, ["id_number"])
    beneficiaries = assist[["id_number"]].drop_duplicates()
    family = pd.concat([
        beneficiaries.assign(member=beneficiaries["id_number"]),
        c.households.merge(beneficiaries, on="id_number")
        .merge(c.households.rename(columns={"id_number": "member"}), on="household_id")[["id_number", "member"]],
    ]).drop_duplicates()

    veh, prop, biz = c.data["vehicles"], c.data["properties"], c.data["businesses"]
    veh = veh[(veh["status"].fillna("正常") == "正常") & ~veh["vehicle_type"].fillna("").isin(p["exempt_vehicle_types"])]
    biz = biz[biz["role"].isin(["法定代表人", "股东", "经营者"]) & biz["status"].fillna("存续").isin(["存续", "在业"])]
    assets = pd.concat([
        pd.DataFrame({"member": veh["owner_id_number"], "kind": "vehicle", "item": veh["plate"],
                      "since": veh["register_date"]}),
        pd.DataFrame({"member": prop["owner_id_number"],
                      "kind": np.where(prop["usage"] == "住宅", "home", "other_property"),
                      "item": prop["location"], "since": prop["register_date"]}),
        pd.DataFrame({"member": biz["id_number"], "kind": "business", "item": biz["business_name"],
                      "since": biz["established_date"]}),
    ])
    assets = assets[assets["item"].notna()]
    held = assist[["id_number", "period"]].merge(family, on="id_number").merge(assets, on="member")
    held = held[held["since"].isna() | (held["since"] <= last_day(held["period"]))]
    counts = (held.drop_duplicates(["id_number", "period", "kind", "item"])
              .groupby(["id_number", "period", "kind"]).size().unstack(fill_value=0))
    for kind in ("vehicle", "home", "other_property", "business"):
        if kind not in counts.columns:
            counts[kind] = 0
    kinds = ((counts["vehicle"] > 0).astype(int)
             + ((counts["home"] > p["max_homes"]) | (counts["other_property"] > 0)).astype(int)
             + (counts["business"] > 0).astype(int))
    found = kinds[kinds >= 1].rename("kinds").reset_index()
    return collect(found, "YKT04", np.where(found["kinds"] >= 2, "high", "medium"))


def ykt05(c: Context, p: dict[str, Any]) -> Hits:
    prog = c.prog.loc[c.prog["min_age"].notna(), ["program_code", "min_age"]]
    paid = c.valid_pay.merge(prog, on="program_code")
    paid = paid[age_at(paid["birth_date"], paid["period"]) < paid["min_age"]]
    return collect(paid, "YKT05", "high")


def ykt06(c: Context, p: dict[str, Any]) -> Hits:
    keys = ["id_number", "program_code", "period"]
    paid = c.valid_pay.loc[c.valid_pay["amount"] > 0, [*keys, "region_code"]]
    # exclusive pairs, listed on either side
    listed = c.prog[["program_code", "excludes"]].explode("excludes").dropna()
    listed = listed[listed["excludes"].isin(c.prog["program_code"])]
    pairs = pd.concat([
        pd.DataFrame({"program_code": listed["program_code"], "other_code": listed["excludes"]}),
        pd.DataFrame({"program_code": listed["excludes"], "other_code": listed["program_code"]}),
    ]).drop_duplicates()
    pairs = pairs[pairs["program_code"] != pairs["other_code"]]

    counts = paid.groupby(keys, as_index=False).size()
    duplicates = counts.loc[counts["size"] >= 2, keys]
    mine = paid.merge(pairs, on="program_code")[[*keys, "other_code"]].drop_duplicates()
    others = paid.rename(columns={"program_code": "other_code"})
    exclusive = mine.merge(others, on=["id_number", "period", "other_code"])
    found = pd.concat([duplicates, exclusive[keys]]).drop_duplicates()
    # the villages of the payments involved: the programme's own, and the exclusive programme's
    villages = pd.concat([found.merge(paid, on=keys), exclusive[[*keys, "region_code"]]])
    village_count = villages.groupby(keys)["region_code"].nunique().rename("villages").reset_index()
    found = found.merge(village_count, on=keys)
    return collect(found, "YKT06", np.where(found["villages"] >= 2, "high", "medium"))


def ykt07(c: Context, p: dict[str, Any]) -> Hits:
    pay = c.valid_pay
    paid = pay.loc[(pay["amount"] > 0) & pay["account_no"].notna() & (pay["account_no"].str.strip() != ""),
                   ["account_no", "account_name", "id_number", "period"]]
    household = c.data["persons"].groupby("id_number", as_index=False)["household_id"].max()
    paid = paid.merge(household, on="id_number", how="left")
    paid["household"] = paid["household_id"].fillna("ID:" + paid["id_number"])
    officials, relatives = c.data["officials"], c.data["relatives"]
    linked_names = set(officials["name"].dropna()) | set(relatives["relative_name"].dropna())
    paid["holder_linked"] = paid["account_name"].isin(linked_names)
    shared = paid.groupby(["account_no", "period"], as_index=False).agg(
        people=("id_number", "nunique"), households=("household", "nunique"),
        holder_linked=("holder_linked", "any"))
    found = shared[(shared["people"] >= p["min_people"]) & (shared["households"] >= 2)]
    high = (found["people"] >= p["high_people"]) | found["holder_linked"]
    return collect(found, "YKT07", np.where(high, "high", "medium"))


def ykt08(c: Context, p: dict[str, Any]) -> Hits:
    prog = c.prog[c.prog["unit_standard"].notna() & (c.prog["unit_standard"] > 0)]
    limit = pd.DataFrame({"program_code": prog["program_code"],
                          "upper_limit": (prog["unit_standard"] * (1 + p["tolerance"])).round(4)})
    paid = c.valid_pay.merge(limit, on="program_code")
    return collect(paid[paid["amount"] > paid["upper_limit"]], "YKT08", "high")


def ykt09(c: Context, p: dict[str, Any]) -> Hits:
    pay = c.valid_pay
    paid = pay.loc[pay["program_code"].isin(c.codes("education")) & (pay["amount"] > 0),
                   ["id_number", "program_code", "period"]].drop_duplicates()
    records = paid[["id_number", "period"]].drop_duplicates().merge(c.data["students"], on="id_number")
    enrolled = records.loc[active(records["start_date"], records["end_date"], records["period"]),
                           ["id_number", "period"]].drop_duplicates()
    marked = paid.merge(enrolled, on=["id_number", "period"], how="left", indicator=True)
    return collect(marked[marked["_merge"] == "left_only"], "YKT09", "medium")


def ykt10(c: Context, p: dict[str, Any]) -> Hits:
    pay = c.valid_pay
    paid = pay.loc[pay["program_code"].isin(c.codes("dibao")) & (pay["amount"] > 0),
                   ["id_number", "program_code", "period"]].drop_duplicates()
    found = paid.merge(c.data["pensions"], on="id_number")
    found = found[(found["start_period"] <= found["period"])
                  & (found["end_period"].isna() | (found["end_period"] >= found["period"]))
                  & (found["monthly_amount"] > p["income_line"])]
    return collect(found, "YKT10", "medium")


def ykt11(c: Context, p: dict[str, Any]) -> Hits:
    persons = c.data["persons"]
    left = (persons[persons["status"].isin(["迁出", "注销"]) & persons["status_date"].notna()]
            .groupby("id_number", as_index=False)["status_date"].min())
    paid = c.valid_pay.merge(left, on="id_number")
    paid = paid[month_index(paid["period"]) > month_index(paid["status_date"])]
    return collect(per_period_paid(paid, ["id_number", "program_code"]), "YKT11", "medium")


def ykt12(c: Context, p: dict[str, Any]) -> Hits:
    pay = c.pay
    registered = c.data["persons"]["id_number"].unique()
    invalid = ~pay["id_valid"].fillna(False).astype(bool)
    return collect(pay[invalid | ~pay["id_number"].isin(registered)], "YKT12", "medium")


def ykt13(c: Context, p: dict[str, Any]) -> Hits:
    numbers = c.valid_pay[["id_number", "name", "birth_date"]].drop_duplicates()
    numbers = numbers[numbers["name"].notna() & numbers["birth_date"].notna()]
    pairs = numbers.merge(numbers, on=["name", "birth_date"], suffixes=("", "_other"))
    pairs = pairs[pairs["id_number"] != pairs["id_number_other"]]
    differing = [sum(x != y for x, y in zip(a[:17], b[:17], strict=False))
                 for a, b in zip(pairs["id_number"], pairs["id_number_other"], strict=True)]
    near = pairs[np.asarray(differing, dtype=int) <= p["max_digit_diff"]] if len(pairs) else pairs
    return collect(near[["id_number"]].drop_duplicates(), "YKT13", "medium")


def ykt14(c: Context, p: dict[str, Any]) -> Hits:
    pay = c.valid_pay[c.valid_pay["program_code"].isin(c.codes("disability"))]
    paid = per_period_paid(pay, ["id_number", "program_code"])
    dis = c.data["disabilities"]
    valid = dis[dis["status"].fillna("有效") == "有效"].copy()
    valid["issue_date"] = valid["issue_date"].fillna(pd.Timestamp("1900-01-01"))
    certificates = paid[["id_number", "period"]].drop_duplicates().merge(valid, on="id_number")
    covered = certificates.loc[certificates["issue_date"] <= last_day(certificates["period"]),
                               ["id_number", "period"]].drop_duplicates()
    marked = paid.merge(covered, on=["id_number", "period"], how="left", indicator=True)
    return collect(marked[marked["_merge"] == "left_only"], "YKT14", "medium")


def ykt15(c: Context, p: dict[str, Any]) -> Hits:
    periods = sorted(c.pay["period"].dropna().unique())
    if len(periods) < p["months"]:
        return {}
    recent = periods[-p["months"]:]
    first = pd.Timestamp(recent[0])
    elderly = c.prog.loc[(c.prog["category"] == "elderly") & c.prog["min_age"].notna(), ["program_code", "min_age"]]
    persons = c.data["persons"]
    persons = persons[persons["id_valid"].fillna(False).astype(bool) & persons["birth_date"].notna()]
    gone = persons.loc[persons["status"].isin(GONE), "id_number"]
    dead = c.data["deaths"]["id_number"]
    living = persons[~persons["id_number"].isin(gone) & ~persons["id_number"].isin(dead)]
    living = living.groupby("id_number", as_index=False)["birth_date"].max()
    eligible = living.merge(elderly, how="cross")
    eligible = eligible[age_at(eligible["birth_date"], first) >= eligible["min_age"]]
    recent_pay = c.pay[c.pay["period"].isin(recent)]
    paid = per_period_paid(recent_pay, ["id_number", "program_code"])[["id_number", "program_code"]].drop_duplicates()
    marked = eligible.merge(paid, on=["id_number", "program_code"], how="left", indicator=True)
    return collect(marked[marked["_merge"] == "left_only"], "YKT15", "low")


MODELS: dict[str, Callable[[Context, dict[str, Any]], Hits]] = {
    "YKT01": ykt01, "YKT02": ykt02, "YKT03": ykt03, "YKT04": ykt04, "YKT05": ykt05,
    "YKT06": ykt06, "YKT07": ykt07, "YKT08": ykt08, "YKT09": ykt09, "YKT10": ykt10,
    "YKT11": ykt11, "YKT12": ykt12, "YKT13": ykt13, "YKT14": ykt14, "YKT15": ykt15,
}


def run_models(
    files: Mapping[str, Iterable[Any] | pa.Table],
    models: Iterable[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Hits]:
    """Load the datasets once, then run each model; {model: {grain key tuple: level}}.

    `files`: dataset -> Parquet files (or a snapshot's (batch id, path) pairs, or an Arrow table).
    `timings`, if given, receives the seconds spent loading ("load") and per model.
    """
    started = time.perf_counter()
    context = Context(load(files))
    if timings is not None:
        timings["load"] = time.perf_counter() - started
    out: dict[str, Hits] = {}
    for code in models or MODELS:
        started = time.perf_counter()
        effective = {**DEFAULTS.get(code, {}), **(params or {}).get(code, {})}
        out[code] = MODELS[code](context, effective)
        if timings is not None:
            timings[code] = time.perf_counter() - started
    return out


def _json_key(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--home", type=Path, help="a MINGJING_HOME: read every batch file of its lake")
    source.add_argument("--snapshot", type=Path, help="a JSON file {dataset: [parquet paths]} to read")
    parser.add_argument("--model", action="append", default=[], help="e.g. YKT01; repeatable (default: all)")
    parser.add_argument("--json", type=Path, help="write the hits and timings here")
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    files = json.loads(args.snapshot.read_text()) if args.snapshot else lake_files(args.home)
    hits = run_models(files, args.model or None, timings=timings)
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for code, found in hits.items():
        print(f"{code}: {len(found)} hits, {timings[code]:.2f} s")
    print(f"load {timings['load']:.2f} s, total {total:.2f} s, peak RSS {peak_mb:.0f} MB")
    if args.json:
        payload = {
            "seconds": total, "timings": timings, "peak_rss_mb": peak_mb, "pandas": pd.__version__,
            "hits": {code: [[[_json_key(v) for v in key], level] for key, level in sorted(found.items())]
                     for code, found in hits.items()},
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
