"""Detection runs end to end: files imported into the lake, `mingjing detect`, hits stored.

A tiny county: one elderly allowance with a minimum age of 80, paid to 赵一 who is 79 (one day
short of 80 on the first day of both months paid) and to 钱二 who turned 80 exactly on the first
day of the month paid. YKT05 must flag 赵一 and only 赵一, once, however often it runs.

The county's rules folder (`MINGJING_RULES_DIR`) holds the built-in YKT05 file alone: the other
models would judge a county without a population register, and loading all fifteen rule files
for every run would make these tests slow without testing anything more.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.core.management.base import CommandError

from engine import BUILTIN_RULES_DIR
from mingjing.analysis.models import Hit, Run
from mingjing.datahub.actions import do_import_file, do_retract_batch
from mingjing.datahub.models import Batch
from mingjing.lib.ids import check_char

VILLAGE = "110101001201"


def make_id(birth: str, seq: str) -> str:
    """A valid, invented ID number: county 110101, birth date, sequence, computed check char."""
    first17 = f"110101{birth}{seq}"
    return first17 + check_char(first17)


ZHAO = make_id("19440302", "011")  # 79 on 2024-02-01 and on 2024-03-01
QIAN = make_id("19440301", "023")  # exactly 80 on 2024-03-01

PROGRAMS = [
    ["项目编码", "项目名称", "类别", "主管部门", "发放标准", "起领年龄"],
    ["GL01", "高龄津贴", "高龄", "民政局", "100", "80"],
]
PAYMENT_HEADERS = [
    "项目编码",
    "身份证号码",
    "姓名",
    "村(社区)代码",
    "发放年月",
    "发放金额",
    "一卡通账号",
]
ZHAO_ROWS = [  # file rows 2 and 3
    ["GL01", ZHAO, "赵一", VILLAGE, "2024-02", "100.00", "6217000011112222333"],
    ["GL01", ZHAO, "赵一", VILLAGE, "2024-03", "100.50", "6217000011112222333"],
]
QIAN_ROW = ["GL01", QIAN, "钱二", VILLAGE, "2024-03", "100.00", "6217000044445555666"]


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def import_small_county(folder: Path) -> Batch:
    """Programmes and a payment roll with the two cases; returns the payments batch."""
    programs = do_import_file("programs", write_csv(folder / "programs.csv", PROGRAMS))
    assert programs.status == Batch.Status.ACTIVE, programs.error
    payments = do_import_file(
        "payments", write_csv(folder / "payments.csv", [PAYMENT_HEADERS, *ZHAO_ROWS, QIAN_ROW])
    )
    assert (payments.status, payments.rows_loaded) == (Batch.Status.ACTIVE, 3), payments.error
    return payments


def detect(*args: str) -> dict[str, Any]:
    """`mingjing detect --json ...`: the printed run summary."""
    out = io.StringIO()
    call_command("detect", "--json", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def rules_folder(folder: Path, *codes: str) -> Path:
    """A county rules folder with copies of some built-in rule files."""
    folder.mkdir(parents=True, exist_ok=True)
    for code in codes:
        shutil.copy(BUILTIN_RULES_DIR / f"{code}.yaml", folder)
    return folder


@pytest.fixture
def county(tmp_path: Path, db: None, settings: LazySettings) -> Batch:
    settings.RULES_DIR = rules_folder(tmp_path / "rules", "YKT05")
    return import_small_county(tmp_path)


def test_detect_stores_exactly_the_planted_hit_with_amount_periods_explanation_and_evidence(
    county: Batch,
) -> None:
    summary = detect()

    assert summary["status"] == "done"
    [hit] = Hit.objects.all()
    assert hit.model == "YKT05"
    assert hit.key == {"id_number": ZHAO, "program_code": "GL01"}
    assert hit.level == "high"
    assert (hit.id_number, hit.name, hit.program_code) == (ZHAO, "赵一", "GL01")
    assert (hit.region_code, hit.township_code) == (VILLAGE, "110101001000")
    assert hit.amount == Decimal("200.50")
    assert hit.periods == ["2024-02", "2024-03"]
    assert hit.period_count == 2
    assert str(hit.first_period) == "2024-02-01" and str(hit.last_period) == "2024-03-01"
    assert "79" in hit.observed and "80" in hit.observed
    assert "赵一" in hit.explanation and "200.50" in hit.explanation
    assert ZHAO not in hit.explanation, "the explanation masks the ID number"
    assert hit.seen_in_latest
    assert [(e["dataset"], e["batch"], e["row"]) for e in hit.evidence] == [
        ("payments", county.pk, 2),
        ("payments", county.pk, 3),
    ]
    assert hit.evidence[1]["values"]["amount"] == "100.50"
    assert not Hit.objects.filter(id_number=QIAN).exists(), (
        "exactly 80 on the first day is not a hit"
    )


def test_a_second_run_adds_no_hit_and_moves_last_run(county: Batch) -> None:
    first = detect()
    second = detect()

    assert second["hits_total"] == 1
    assert second["hits_new"] == 0
    [hit] = Hit.objects.all()
    assert hit.first_run_id == first["run_id"]
    assert hit.last_run_id == second["run_id"]
    assert hit.seen_in_latest


def test_a_case_gone_from_the_data_is_kept_and_marked_not_seen(
    county: Batch, tmp_path: Path
) -> None:
    first = detect()
    do_retract_batch(batch=county)
    corrected = do_import_file(
        "payments", write_csv(tmp_path / "payments-corrected.csv", [PAYMENT_HEADERS, QIAN_ROW])
    )
    assert corrected.status == Batch.Status.ACTIVE

    rerun = detect()

    assert rerun["hits_total"] == 0
    [hit] = Hit.objects.all()
    assert not hit.seen_in_latest
    assert hit.last_run_id == first["run_id"], "last_run is the last run that found it"
    assert hit.amount == Decimal("200.50")


def test_an_unknown_parameter_exits_2_with_a_bilingual_message(county: Batch) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("detect", "--param", "YKT05.nope=1", stdout=io.StringIO())

    assert raised.value.returncode == 2
    message = str(raised.value)
    assert "没有参数 nope" in message
    assert "has no parameter nope" in message
    assert not Run.objects.exists(), "a refused run is not queued"


def test_the_json_summary_has_examined_and_hits_per_model(county: Batch) -> None:
    summary = detect()

    [model] = summary["models"]
    assert model["model"] == "YKT05"
    assert model["examined"] == 3  # the payment rows
    assert model["hits"] == 1
    assert model["new_hits"] == 1
    assert summary["run_id"] == Run.objects.get().pk
