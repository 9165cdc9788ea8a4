"""Hits as files for people who work in spreadsheets: CSV, JSON and XLSX, one row per hit.

Rows are streamed from the database (`QuerySet.values().iterator()`), so an export of 100k hits
holds one chunk in memory, never the whole list, and never loads the evidence column. Amounts
stay exact: a string with two decimals in CSV and JSON, a `Decimal` number cell in XLSX.
Every export is written to the audit trail: an export of personal data is a disclosure.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from engine.explain import mask_account, mask_id
from mingjing.analysis.models import Hit
from mingjing.lib.spreadsheets import defuse

FORMATS = ("csv", "json", "xlsx")

# Output columns, in order. The first ones are what a verifier needs; the rest is bookkeeping.
COLUMNS = [
    "id",
    "model",
    "level",
    "fingerprint",
    "subject_id_number",
    "account_no",
    "name",
    "region_code",
    "township_code",
    "program_code",
    "first_period",
    "last_period",
    "periods",
    "amount",
    "observed",
    "explanation",
    "department",
    "seen_in_latest",
    "first_run",
    "last_run",
]
_DB_FIELDS = [
    "id",
    "model",
    "level",
    "fingerprint",
    "id_number",
    "account_no",
    "name",
    "region_code",
    "township_code",
    "program_code",
    "first_period",
    "last_period",
    "period_count",
    "amount",
    "observed",
    "explanation",
    "department",
    "seen_in_latest",
    "first_run_id",
    "last_run_id",
]
# Free-text cells that a spreadsheet could take for a formula (CSV/XLSX injection).
_TEXT_COLUMNS = ("name", "observed", "explanation", "department")
_CHUNK = 2000


@dataclass
class ExportOptions:
    fmt: str = "csv"
    mask: bool = False
    models: list[str] = field(default_factory=list)  # empty: every model
    include_not_seen: bool = False  # default: only hits found by their model's latest run


def hits_to_export(options: ExportOptions) -> QuerySet[Hit]:
    hits = Hit.objects.all()
    if not options.include_not_seen:
        hits = hits.filter(seen_in_latest=True)
    if options.models:
        hits = hits.filter(model__in=options.models)
    return hits.order_by("model", "-amount", "id")


def _month(value: Any) -> str:
    return f"{value.year}-{value.month:02d}" if value else ""


def export_rows(hits: QuerySet[Hit], *, mask: bool) -> Iterator[dict[str, Any]]:
    """One plain dict per hit (keys = COLUMNS), streamed chunk by chunk."""
    for h in hits.values(*_DB_FIELDS).iterator(chunk_size=_CHUNK):
        id_number = h["id_number"] or ""
        account = h["account_no"] or ""
        yield {
            "id": h["id"],
            "model": h["model"],
            "level": h["level"],
            "fingerprint": h["fingerprint"],
            "subject_id_number": mask_id(id_number) if mask and id_number else id_number,
            "account_no": mask_account(account) if mask and account else account,
            "name": h["name"],
            "region_code": h["region_code"],
            "township_code": h["township_code"],
            "program_code": h["program_code"],
            "first_period": _month(h["first_period"]),
            "last_period": _month(h["last_period"]),
            "periods": h["period_count"],
            "amount": Decimal(h["amount"]).quantize(Decimal("0.01")),
            "observed": h["observed"],
            "explanation": h["explanation"],
            "department": h["department"],
            "seen_in_latest": h["seen_in_latest"],
            "first_run": h["first_run_id"],
            "last_run": h["last_run_id"],
        }


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """UTF-8 with BOM (Excel on Chinese Windows needs it); amounts as `1234.50`."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        cells = dict(row)
        for name in _TEXT_COLUMNS:
            cells[name] = defuse(cells[name] or "")
        cells["amount"] = f"{row['amount']:.2f}"
        cells["seen_in_latest"] = "true" if row["seen_in_latest"] else "false"
        writer.writerow([cells[c] for c in COLUMNS])
        count += 1
    return count


def write_json(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON list of objects, written element by element; amounts as strings (`"1234.50"`)."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps({**row, "amount": f"{row['amount']:.2f}"}, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_xlsx(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """openpyxl in write-only mode: rows go to disk as they come. Amounts are Decimal cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("疑点")
    sheet.freeze_panes = "A2"
    sheet.append(COLUMNS)
    count = 0
    for row in rows:
        cells: list[Any] = []
        for name in COLUMNS:
            value = row[name]
            if name == "amount":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.00"
            elif isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text stays text, even when it starts with "="
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count


def export_hits(options: ExportOptions, out: Path | IO[str], *, actor: User | None = None) -> int:
    """Write the selected hits to `out` (a path, or an open text stream for CSV/JSON).

    Steps: 1. select and stream the rows; 2. write to a temporary file next to the target and
    rename it, so a reader never sees half a file; 3. record the export in the audit trail.
    Returns the number of hits written.
    """
    if options.fmt not in FORMATS:
        raise ValueError(f"unknown export format {options.fmt}")
    rows = export_rows(hits_to_export(options), mask=options.mask)
    if isinstance(out, Path):
        partial = out.with_name(out.name + ".part")
        try:
            if options.fmt == "xlsx":
                count = write_xlsx(rows, partial)
            else:
                encoding = "utf-8-sig" if options.fmt == "csv" else "utf-8"
                with partial.open("w", encoding=encoding, newline="") as f:
                    count = write_csv(rows, f) if options.fmt == "csv" else write_json(rows, f)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
        target = str(out)
    else:
        if options.fmt == "xlsx":
            raise ValueError("XLSX is written to a file, not a stream")
        if options.fmt == "csv":
            out.write("\ufeff")
        count = write_csv(rows, out) if options.fmt == "csv" else write_json(rows, out)
        target = "-"
    from mingjing.audit.actions import record

    record(
        "hits.export",
        actor=actor,
        object_type="analysis.hit",
        detail={
            "format": options.fmt,
            "masked": options.mask,
            "models": options.models,
            "include_not_seen": options.include_not_seen,
            "hits": count,
            "target": target,
        },
    )
    return count
