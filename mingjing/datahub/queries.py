"""Reads of the data hub: which batches make up each dataset now, and summaries for pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction
from django.db.models import Count, Max, Sum

from mingjing.datahub import lake
from mingjing.datahub.contract import DATASETS
from mingjing.datahub.models import Batch
from mingjing.datahub.normalise import Lookups
from mingjing.lib import regions as regions_lib
from mingjing.lib.values import fold


def snapshot() -> dict[str, list[tuple[int, Path]]]:
    """The active batches of every dataset, read in one query: a consistent set to pin for a run."""
    with transaction.atomic():
        rows = list(
            Batch.objects.filter(status=Batch.Status.ACTIVE).order_by("dataset", "id").values_list("dataset", "id")
        )
    out: dict[str, list[tuple[int, Path]]] = {name: [] for name in DATASETS}
    for dataset, batch_id in rows:
        out[dataset].append((batch_id, lake.parquet_path(dataset, batch_id)))
    return out


def read_dataset(dataset: str, columns: list[str]) -> pa.Table | None:
    """The current content of a (small) dataset, or None when it has no active batch."""
    paths = [str(p) for _, p in snapshot()[dataset]]
    if not paths:
        return None
    return pa.concat_tables([pq.read_table(p, columns=columns) for p in paths])


_names_cache: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}


def _names(dataset: str, key: str, value: str) -> dict[str, str]:
    """code -> name from a small reference dataset, cached per set of active batch files (a batch's
    file never changes once active; the path, not only the id, in case the home changes)."""
    batches = tuple(str(path) for _, path in snapshot()[dataset])
    cache_key = (dataset, batches)
    if cache_key not in _names_cache:
        table = read_dataset(dataset, [key, value]) if batches else None
        if len(_names_cache) > 32:  # old snapshots
            _names_cache.clear()
        _names_cache[cache_key] = {r[key]: r[value] for r in (table.to_pylist() if table is not None else []) if r[key]}
    return _names_cache[cache_key]


def region_names() -> dict[str, str]:
    """Region code -> name: the `regions` dataset, else the organisations' names (a county set up
    by hand before its regions file arrives)."""
    from mingjing.accounts.models import Organisation

    names = dict(
        Organisation.objects.exclude(region_code="").exclude(kind=Organisation.Kind.DEPARTMENT)
        .values_list("region_code", "name")
    )
    names.update(_names("regions", "code", "name"))
    return names


def program_names() -> dict[str, str]:
    return _names("programs", "program_code", "program_name")


def lookups_for(dataset: str) -> Lookups:
    """What an import of `dataset` may resolve names against or check codes with."""
    lookups = Lookups()
    regions = read_dataset("regions", ["code", "name", "parent_code", "level"])
    if regions is not None:
        rows = regions.to_pylist()
        lookups.region_codes = {r["code"] for r in rows}
        names = {r["code"]: fold(r["name"]) for r in rows}
        for r in rows:
            if r["level"] == "village":
                township = r["parent_code"] or regions_lib.township_of(r["code"])
                if township in names:
                    lookups.villages[(names[township], fold(r["name"]))] = r["code"]
    if dataset == "payments":
        programs = read_dataset("programs", ["program_code", "program_name"])
        if programs is not None:
            lookups.programs = {fold(r["program_name"]): r["program_code"] for r in programs.to_pylist()}
    return lookups


@dataclass
class DatasetSummary:
    name: str
    title: str
    batches: int
    rows: int
    last_import: object


def dataset_summaries() -> list[DatasetSummary]:
    stats: dict[str, dict[str, Any]] = {
        row["dataset"]: dict(row)
        for row in Batch.objects.filter(status=Batch.Status.ACTIVE)
        .values("dataset")
        .annotate(batches=Count("id"), rows=Sum("rows_loaded"), last=Max("finished_at"))
    }
    return [
        DatasetSummary(
            name,
            d.title,
            stats.get(name, {}).get("batches", 0),
            stats.get(name, {}).get("rows", 0) or 0,
            stats.get(name, {}).get("last"),
        )
        for name, d in DATASETS.items()
    ]
