"""Helpers for the import tests: synthetic people, fixture files in every format, and read-back.

Every ID number here is invented: a made-up 17-digit prefix plus the check char computed by
`mingjing.lib.ids.check_char`, so the numbers are valid without belonging to anyone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.core.management import call_command
from django.core.management.base import CommandError

from mingjing.datahub import queries
from mingjing.lib.ids import check_char

Row = Sequence[Any]

PAYMENT_HEADERS = ["项目编码", "身份证号码", "姓名", "村(社区)代码", "发放年月", "发放金额"]
VILLAGE = "110101001001"


def make_id(region: str = "110101", birth: str = "19900307", seq: str = "123") -> str:
    """A valid 18-char ID number for an invented person (seq's last digit odd = male)."""
    first17 = region + birth + seq
    assert len(first17) == 17, first17
    return first17 + check_char(first17)


def person(n: int, *, birth: str = "19800101") -> str:
    """The n-th invented person (0 <= n < 1000), all born the same day, alternating gender."""
    return make_id(birth=birth, seq=f"{n:03d}")


def payment_row(n: int, amount: str = "100.00", period: str = "2021-07") -> list[str]:
    return ["P01", person(n), f"测试{n}", VILLAGE, period, amount]


# -- writing files ---------------------------------------------------------------------------------


def csv_text(rows: Sequence[Row], delimiter: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def write_text(
    path: Path,
    rows: Sequence[Row],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\n",
) -> Path:
    """A delimited text file as a department would export it (csv quoting where needed)."""
    data = csv_text(rows, delimiter, newline).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: Sequence[Row], *, sheets: Sequence[str] = ("Sheet1",)) -> Path:
    """An XLSX workbook; `rows` go to the first sheet, the other sheets hold a note."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheets[0]
    for row in rows:
        ws.append(list(row))
    for name in sheets[1:]:
        wb.create_sheet(name).append(["说明"])
    wb.save(path)
    return path


def write_xls(path: Path, rows: Sequence[Row], *, sheet: str = "Sheet1") -> Path:
    """A legacy XLS workbook; dates get a date format so Excel (and calamine) see dates."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            elif value is not None:
                ws.write(r, c, value)
    wb.save(str(path))
    return path


# -- importing and reading back ----------------------------------------------------------------------


def import_json(dataset: str, path: Path, *options: str) -> dict[str, Any]:
    """Run `mingjing import DATASET FILE --json` and return the printed batch report."""
    out = io.StringIO()
    call_command("import", dataset, str(path), "--json", *options, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def import_error(dataset: str, path: Path, *options: str) -> tuple[CommandError, dict[str, Any]]:
    """Run an import that must fail at file level; return the error and the --json report."""
    out = io.StringIO()
    try:
        call_command("import", dataset, str(path), "--json", *options, stdout=out)
    except CommandError as error:
        printed = out.getvalue().strip()
        return error, (json.loads(printed.splitlines()[-1]) if printed else {})
    raise AssertionError(f"the import of {path.name} did not fail: {out.getvalue()}")


def active_batches(dataset: str) -> list[int]:
    return [batch_id for batch_id, _ in queries.snapshot()[dataset]]


def read_lake(dataset: str) -> pa.Table:
    """The dataset's current content: every active batch's Parquet file, in batch order."""
    paths = [p for _, p in queries.snapshot()[dataset]]
    assert paths, f"{dataset} has no active batch"
    return pa.concat_tables([pq.read_table(p) for p in paths])


def read_rows(dataset: str) -> list[dict[str, Any]]:
    return read_lake(dataset).to_pylist()


def read_rejects(report: dict[str, Any]) -> list[dict[str, str]]:
    """The batch's rejects file as dicts (`源行号 source_row`, `原因 reason`, raw headers...)."""
    if not report["rejects_file"]:
        return []
    with Path(report["rejects_file"]).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def reject_rows(report: dict[str, Any]) -> list[int]:
    return [int(r["源行号 source_row"]) for r in read_rejects(report)]
