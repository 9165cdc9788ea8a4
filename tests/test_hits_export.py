"""`mingjing hits export`: stored hits as CSV, JSON and XLSX, full or masked, amounts exact.

The hits are stored through `store_result`, as a detection run stores them: 李四 (YKT01) and
王五 (YKT05) are found by the latest runs; 赵六 (YKT05) was found once and not by the latest run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engine.types import Evidence, ModelResult
from engine.types import Hit as EngineHit
from mingjing.analysis.actions import store_result
from mingjing.analysis.models import Run
from mingjing.audit.models import AuditEntry
from mingjing.lib.ids import check_char


def make_id(seq: int) -> str:
    first17 = f"11010119500101{seq:03d}"
    return first17 + check_char(first17)


LI, WANG, ZHAO = make_id(11), make_id(23), make_id(35)
LI_ACCOUNT = "6217000011112222333"


def engine_hit(
    model: str,
    id_number: str,
    name: str,
    amount: str,
    periods: list[str],
    account: str | None = None,
    level: str = "high",
) -> EngineHit:
    return EngineHit(
        model=model,
        rule_id=f"00000000-0000-0000-0000-0000000000{model[-2:]}",
        version=1,
        fingerprint=hashlib.sha256(f"{model}{id_number}".encode()).hexdigest(),
        key={"id_number": id_number, "program_code": "GL01"},
        level=level,
        department="民政局",
        id_number=id_number,
        name=name,
        region_code="110101001201",
        program_code="GL01",
        account_no=account,
        periods=[dt.date(int(p[:4]), int(p[5:]), 1) for p in periods],
        amount=Decimal(amount),
        observed=f"{periods[-1]} 时 79 周岁，起领年龄 80 周岁",
        explanation=f"{name}的疑点说明。",
        values={},
        evidence=[Evidence("payments", 7, 2, {"id_number": id_number, "amount": amount})],
    )


@pytest.fixture
def stored(db: None) -> None:
    first = Run.objects.create(status=Run.Status.DONE)
    store_result(
        first,
        ModelResult(
            "YKT01",
            10,
            1,
            [
                engine_hit(
                    "YKT01", LI, "李四", "1234567.89", ["2024-01", "2024-02", "2024-03"], LI_ACCOUNT
                )
            ],
            0.1,
            {},
        ),
    )
    store_result(
        first,
        ModelResult(
            "YKT05",
            10,
            2,
            [
                engine_hit("YKT05", WANG, "王五", "0.10", ["2024-03"], level="medium"),
                engine_hit("YKT05", ZHAO, "赵六", "100.00", ["2024-02"]),
            ],
            0.1,
            {},
        ),
    )
    latest = Run.objects.create(status=Run.Status.DONE)
    store_result(
        latest,
        ModelResult(
            "YKT05",
            10,
            1,
            [engine_hit("YKT05", WANG, "王五", "0.10", ["2024-03"], level="medium")],
            0.1,
            {},
        ),
    )


def export(tmp_path: Path, name: str, *options: str) -> Path:
    out = tmp_path / name
    call_command("hits", "export", "--out", str(out), *options, stdout=io.StringIO())
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_has_a_bom_a_header_and_full_id_numbers_of_the_hits_seen_by_the_latest_run(
    stored: None, tmp_path: Path
) -> None:
    path = export(tmp_path, "hits.csv")

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    for column in (
        "model",
        "level",
        "fingerprint",
        "subject_id_number",
        "account_no",
        "name",
        "region_code",
        "program_code",
        "first_period",
        "last_period",
        "periods",
        "amount",
        "explanation",
        "observed",
        "department",
        "seen_in_latest",
    ):
        assert column in header
    rows = {r["name"]: r for r in read_csv(path)}
    assert set(rows) == {"李四", "王五"}, "赵六 was not found by the latest YKT05 run"
    li = rows["李四"]
    assert (li["model"], li["level"], li["subject_id_number"], li["account_no"]) == (
        "YKT01",
        "high",
        LI,
        LI_ACCOUNT,
    )
    assert (li["first_period"], li["last_period"], li["periods"]) == ("2024-01", "2024-03", "3")
    assert li["observed"] == "2024-03 时 79 周岁，起领年龄 80 周岁"
    assert (li["department"], li["seen_in_latest"]) == ("民政局", "true")


def test_amounts_are_exact_decimals_with_two_places(stored: None, tmp_path: Path) -> None:
    rows = {r["name"]: r for r in read_csv(export(tmp_path, "hits.csv"))}

    assert rows["李四"]["amount"] == "1234567.89"
    assert rows["王五"]["amount"] == "0.10"


def test_mask_keeps_the_first_6_and_last_4_characters_and_hides_the_full_numbers(
    stored: None, tmp_path: Path
) -> None:
    path = export(tmp_path, "masked.csv", "--mask")

    li = next(r for r in read_csv(path) if r["name"] == "李四")
    assert li["subject_id_number"] == LI[:6] + "********" + LI[-4:]
    assert li["account_no"] == LI_ACCOUNT[:4] + "*" * (len(LI_ACCOUNT) - 8) + LI_ACCOUNT[-4:]
    text = path.read_text(encoding="utf-8-sig")
    assert LI not in text and WANG not in text and LI_ACCOUNT not in text


def test_all_includes_hits_no_longer_found_and_model_narrows_the_export(
    stored: None, tmp_path: Path
) -> None:
    everything = {r["name"]: r for r in read_csv(export(tmp_path, "all.csv", "--all"))}
    assert set(everything) == {"李四", "王五", "赵六"}
    assert everything["赵六"]["seen_in_latest"] == "false"

    only = read_csv(export(tmp_path, "ykt05.csv", "--all", "--model", "YKT05"))
    assert sorted(r["name"] for r in only) == ["王五", "赵六"]


def test_json_is_a_list_of_objects_with_amounts_as_strings(stored: None, tmp_path: Path) -> None:
    data = json.loads(export(tmp_path, "hits.json").read_text(encoding="utf-8"))

    assert isinstance(data, list) and len(data) == 2
    li = next(h for h in data if h["name"] == "李四")
    assert li["amount"] == "1234567.89"
    assert li["subject_id_number"] == LI
    assert li["periods"] == 3
    assert li["seen_in_latest"] is True
    assert li["first_period"] == "2024-01"


def test_xlsx_has_a_header_row_and_one_row_per_hit_with_numeric_amounts(
    stored: None, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    path = export(tmp_path, "hits.xlsx")

    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 3
    li = dict(zip(header, next(r for r in rows[1:] if "李四" in r), strict=True))
    assert li["subject_id_number"] == LI
    assert li["model"] == "YKT01"
    assert Decimal(str(li["amount"])) == Decimal("1234567.89")
    amount_cell = next(
        row for row in sheet.iter_rows(min_row=2) if row[header.index("name")].value == "李四"
    )[header.index("amount")]
    assert amount_cell.number_format == "0.00"


def test_an_export_is_recorded_in_the_audit_trail(stored: None, tmp_path: Path) -> None:
    export(tmp_path, "hits.csv", "--mask")

    entry = AuditEntry.objects.get(action="hits.export")
    assert entry.detail["format"] == "csv"
    assert entry.detail["masked"] is True
    assert entry.detail["hits"] == 2


def test_an_unknown_model_or_format_exits_2(stored: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        export(tmp_path, "hits.csv", "--model", "NOPE")
    assert raised.value.returncode == 2
    assert "NOPE" in str(raised.value)

    with pytest.raises(CommandError) as raised:
        export(tmp_path, "hits.txt")
    assert raised.value.returncode == 2
    assert not (tmp_path / "hits.txt").exists()
