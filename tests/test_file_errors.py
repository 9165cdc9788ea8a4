"""File-level errors: nothing is loaded, exit code 2, and a message in Chinese and English."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from mingjing.datahub.models import Batch
from tests.files import (
    PAYMENT_HEADERS,
    active_batches,
    import_error,
    payment_row,
    write_text,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"\b[a-z]{3,}\b.*\b[a-z]{3,}\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def nothing_left_behind(home: Path) -> Iterator[None]:
    """After every test here: no active batch in the snapshot, and no data file in the lake."""
    yield
    assert all(not active_batches(name) for name in ("payments", "regions", "programs"))
    assert list(Path(settings.LAKE_DIR).rglob("*.parquet")) == []
    assert list(Path(settings.REJECTS_DIR).iterdir()) == []
    assert list(Path(settings.STAGING_DIR).iterdir()) == []


def assert_bilingual(message: str) -> None:
    assert CJK.search(message), f"no Chinese in: {message}"
    assert LATIN_WORDS.search(message), f"no English in: {message}"


def fail(dataset: str, path: Path, *options: str) -> str:
    """Import a file that must fail; check exit code 2 and both languages; return the message."""
    error, report = import_error(dataset, path, *options)
    assert error.returncode == 2
    message = str(error)
    assert_bilingual(message)
    assert report["status"] == "failed"
    assert report["error"] == message
    if report.get("batch_id") is not None:
        batch = Batch.objects.get(pk=report["batch_id"])
        assert (batch.status, batch.rows_loaded) == (Batch.Status.FAILED, 0)
    return message


def test_an_unknown_dataset_is_refused_and_the_known_ones_are_listed(tmp_path: Path) -> None:
    path = write_text(tmp_path / "roll.csv", [PAYMENT_HEADERS, payment_row(1)])
    message = fail("payment", path)
    assert "未知的数据集" in message
    assert "unknown dataset 'payment'" in message
    assert "payments" in message and "regions" in message
    assert not Batch.objects.exists()


def test_bytes_that_are_neither_utf8_nor_gbk_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    data = (",".join(PAYMENT_HEADERS) + "\n").encode("utf-8")
    path.write_bytes(data + b"P01,\xff\xfe\xff,\x80\xff,110101001001,2021-07,100\n")
    message = fail("payments", path)
    assert "编码" in message
    assert "UTF-8" in message and "GBK" in message


def test_a_gbk_row_deep_inside_a_utf8_file_is_refused_not_garbled(tmp_path: Path) -> None:
    """The encoding is sniffed from the first 256 KB; a later row in another encoding is an error."""
    rows = [PAYMENT_HEADERS, *(payment_row(n % 1000) for n in range(6000))]
    head = write_text(tmp_path / "head.csv", rows).read_bytes()
    assert len(head) > 256 * 1024
    path = tmp_path / "roll.csv"
    path.write_bytes(head + ",".join(payment_row(1)).replace("测试1", "张三").encode("gbk") + b"\n")
    message = fail("payments", path)
    assert "编码" in message
    assert "utf-8" in message.lower()


def test_binary_garbage_is_refused_as_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    message = fail("payments", path)
    assert "二进制" in message
    assert "binary" in message


def test_a_broken_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roll.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"not really a zip archive" * 10)
    message = fail("payments", path)
    assert "Excel" in message


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes(b"")
    message = fail("payments", path)
    assert "文件为空" in message
    assert "empty" in message


def test_a_file_of_blank_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_text("\n\n  \n", encoding="utf-8")
    fail("payments", path)


def test_missing_required_columns_are_named_with_the_headers_found(tmp_path: Path) -> None:
    headers = ["项目编码", "身份证号码", "姓名", "村(社区)代码", "备注"]  # no period, no amount
    path = write_text(tmp_path / "roll.csv", [headers, ["P01", "x", "张三", "110101001001", ""]])
    message = fail("payments", path)
    assert "缺少必需列" in message and "missing required columns" in message
    zh, en = message.split("\n", 1)
    for part in (zh, en):
        assert "period" in part and "amount" in part
        assert "发放年月" in part and "发放金额" in part
        for header in headers:
            assert header in part, (header, part)
    assert "id_number" not in message  # only what is missing is named


def test_a_missing_region_column_names_the_township_and_village_alternative(tmp_path: Path) -> None:
    headers = ["项目编码", "身份证号码", "姓名", "发放年月", "发放金额"]
    message = fail(
        "payments",
        write_text(tmp_path / "roll.csv", [headers, ["P01", "x", "张三", "2021-07", "1"]]),
    )
    assert "region_code" in message
    assert "township_name" in message and "village_name" in message


def test_a_workbook_missing_a_column_lists_its_headers(tmp_path: Path) -> None:
    rows = [["身份证号码", "姓名", "发放金额"], ["x", "张三", "1"]]
    message = fail("payments", write_xlsx(tmp_path / "roll.xlsx", rows))
    assert "program_code" in message and "period" in message
    assert "身份证号码" in message.split("\n")[0]


def test_six_title_rows_hide_the_header_and_fail_as_missing_columns(tmp_path: Path) -> None:
    titles = [[f"标题行{i}"] for i in range(1, 7)]
    path = write_text(tmp_path / "roll.csv", [*titles, PAYMENT_HEADERS, payment_row(1)])
    message = fail("payments", path)
    assert "missing required columns" in message


def test_a_header_without_data_rows_is_refused(tmp_path: Path) -> None:
    message = fail("payments", write_text(tmp_path / "roll.csv", [PAYMENT_HEADERS]))
    assert "没有数据行" in message
    assert "no data rows" in message


def test_a_header_followed_only_by_blank_lines_is_refused(tmp_path: Path) -> None:
    message = fail("payments", write_text(tmp_path / "roll.csv", [PAYMENT_HEADERS, [], [], []]))
    assert "no data rows" in message


def test_a_workbook_with_only_a_header_is_refused(tmp_path: Path) -> None:
    message = fail(
        "payments", write_xlsx(tmp_path / "roll.xlsx", [["XX镇花名册"], PAYMENT_HEADERS])
    )
    assert "no data rows" in message
    assert "2" in message  # the header's row number


def test_a_missing_sheet_is_refused_and_the_sheets_are_listed(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "roll.xlsx", [PAYMENT_HEADERS, payment_row(1)], sheets=["7月", "8月"]
    )
    message = fail("payments", path, "--sheet", "9月")
    assert "9月" in message
    assert "7月" in message and "8月" in message
    assert "sheets found" in message


def test_a_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    message = fail("payments", tmp_path / "nowhere.csv")
    assert "nowhere.csv" in message


def test_names_instead_of_codes_without_a_regions_dataset_are_refused(tmp_path: Path) -> None:
    headers = ["项目编码", "身份证号码", "姓名", "乡镇", "村", "发放年月", "发放金额"]
    path = write_text(
        tmp_path / "roll.csv", [headers, ["P01", "x", "张三", "甲镇", "新村", "2021-07", "1"]]
    )
    message = fail("payments", path)
    assert "regions" in message


def test_the_cli_exits_with_status_2_and_prints_both_languages(tmp_path: Path) -> None:
    home = tmp_path / "cli-home"
    path = write_text(tmp_path / "roll.csv", [["姓名", "备注"], ["张三", ""]])
    env = {**os.environ, "MINGJING_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "mingjing.cli", "import", "payments", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "缺少必需列" in done.stderr
    assert "missing required columns" in done.stderr
    assert "姓名" in done.stderr
    assert list((home / "lake").rglob("*.parquet")) == []
