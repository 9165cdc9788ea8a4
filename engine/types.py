"""What the engine hands back: hits and per-model run statistics. Plain data, no Django."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

# dataset name -> the Parquet files of its active batches, as (batch id, path)
Snapshot = dict[str, list[tuple[int, Path]]]

LEVELS = ("low", "medium", "high")  # in order of severity


@dataclass(frozen=True)
class Evidence:
    dataset: str  # canonical dataset name (payments, deaths, ...)
    batch: int
    row: int  # source row number in the batch's file
    values: dict[str, Any]


@dataclass
class Hit:
    """One point to verify (疑点): all periods showing the same problem for the same subject."""

    model: str  # model code, e.g. YKT01
    rule_id: str
    version: int
    fingerprint: str  # sha256 of rule id + grain key; parameters excluded
    key: dict[str, Any]  # the grain's key columns and values
    level: str  # high / medium / low
    department: str  # who verifies first (the programme's department or a fixed one)
    id_number: str | None
    name: str | None
    region_code: str | None
    program_code: str | None
    account_no: str | None
    periods: list[dt.date]
    amount: Decimal  # sum of the payments concerned
    observed: str  # observed value beside the threshold, e.g. "年龄 76 岁，起领年龄 80 岁"
    explanation: str  # one Chinese sentence
    values: dict[str, Any]  # the query's output columns of the latest row, for the detail page
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def first_period(self) -> dt.date | None:
        return self.periods[0] if self.periods else None

    @property
    def last_period(self) -> dt.date | None:
        return self.periods[-1] if self.periods else None


@dataclass
class ModelResult:
    model: str
    examined: int  # records of the model's primary dataset
    rows: int  # rows the query returned (before aggregation to the grain)
    hits: list[Hit]
    seconds: float
    parameters: dict[str, Any]  # effective parameters
    warning: str | None = None  # e.g. hits exceed max_hit_share of the records examined
