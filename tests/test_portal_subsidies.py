"""Subsidies in the open: the policy list, the masked payment lists with totals and who was added
or dropped, read from a small synthetic lake through the portal index (`portal/payments.py`)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from mingjing.datahub.actions import do_import_file
from mingjing.demo.ids import make_id
from mingjing.portal import payments
from mingjing.portal.models import ProgrammePolicy

VILLAGE = "110101001201"
OTHER_VILLAGE = "110101001202"


def person(seq: int, born: str) -> str:
    return make_id("110101", dt.date.fromisoformat(born), seq)


# Synthetic people: (ID number, name, born, account number).
A = (person(11, "1940-05-05"), "张三丰", "6228480010000011234")
B = (person(12, "1950-01-01"), "李四", "6228480010000025678")
C = (person(13, "1960-01-01"), "王五", "6228480010000039012")
D = (person(14, "1938-03-03"), "赵六", "6228480010000043456")
E = (person(15, "1970-07-07"), "欧阳娜娜", "6228480010000057890")
F = (person(16, "1945-02-02"), "孙八", "6228480010000061111")  # the other village
PEOPLE = (A, B, C, D, E, F)


def payment_rows() -> list[tuple[str, tuple[str, str, str], str, str, str]]:
    """(programme, person, village, period, amount)."""
    rows = [("GL01", A, VILLAGE, f"2024-0{m}", "100") for m in (1, 2, 3, 4)]
    rows += [("DB01", p, VILLAGE, "2024-03", "700") for p in (A, B, C)]
    rows += [("DB01", p, VILLAGE, "2024-04", "700") for p in (A, B, E)]
    rows += [("DB01", D, VILLAGE, "2024-04", "650.50")]
    rows += [("DB01", F, OTHER_VILLAGE, f"2024-0{m}", "700") for m in (2, 3, 4)]
    return rows


def build_lake(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "regions": "区划代码,名称,上级代码,级别\n110101000000,示范县,,county\n110101001000,城关镇,110101000000,township\n"
                   f"{VILLAGE},东村,110101001000,village\n{OTHER_VILLAGE},西村,110101001000,village\n",
        "programs": "项目编码,项目名称,类别,主管部门,发放标准,起领年龄\nGL01,高龄津贴,elderly,民政局,100,80\n"
                    "DB01,农村最低生活保障金,dibao,民政局,700,\n",
        "persons": "公民身份号码,姓名,村(社区)代码\n" + "".join(
            f"{p[0]},{p[1]},{OTHER_VILLAGE if p is F else VILLAGE}\n" for p in PEOPLE),
        "payments": "项目编码,身份证号码,姓名,村(社区)代码,发放年月,发放金额,一卡通账号\n" + "".join(
            f"{prog},{p[0]},{p[1]},{village},{period},{amount},{p[2]}\n"
            for prog, p, village, period, amount in payment_rows()),
    }
    for dataset, text in files.items():
        path = folder / f"{dataset}.csv"
        path.write_text(text, encoding="utf-8")
        batch = do_import_file(dataset, path)
        assert batch.status == "active", (dataset, batch.status)


@pytest.fixture
def lake(db: None, tmp_path: Path) -> None:
    build_lake(tmp_path / "files")


def scan_for_leaks(html: str) -> None:
    for number, name, account in PEOPLE:
        assert number not in html
        assert account not in html
        assert account[-8:] not in html
        if len(name) > 1:
            assert name not in html
    assert not re.search(r"\d{17}[\dX]", html)
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)  # no mobile number


def test_village_list_is_masked_with_totals_and_changes(lake: None) -> None:
    found = payments.village_list(VILLAGE, "DB01", dt.date(2024, 4, 1))
    assert found is not None
    assert found.count == 4
    assert found.total == Decimal("2750.50")
    assert found.previous_period == dt.date(2024, 3, 1)
    assert sorted(found.added) == sorted(["欧***", "赵*"])
    assert found.dropped == ["王*"]
    assert sorted(r.name for r in found.rows) == sorted(["张**", "李*", "欧***", "赵*"])
    first = payments.village_list(VILLAGE, "DB01", dt.date(2024, 3, 1))
    assert first is not None and first.previous_period is None and first.added == []
    assert payments.village_list(VILLAGE, "DB01", dt.date(2024, 1, 1)) is None


def test_village_periods_count_and_total_per_programme(lake: None) -> None:
    found = {p.program_code: p for p in payments.village_periods(VILLAGE)}
    assert set(found) == {"DB01", "GL01"}
    assert [(s.key, s.count, s.total) for s in found["DB01"].periods] == [
        ("2024-04", 4, Decimal("2750.50")), ("2024-03", 3, Decimal("2100.00"))]
    assert found["GL01"].program_name == "高龄津贴" and len(found["GL01"].periods) == 4
    assert {p.program_code for p in payments.village_periods(OTHER_VILLAGE)} == {"DB01"}


def test_person_payments_stopped_and_may_be_eligible(lake: None) -> None:
    c = payments.person_payments(C[0])
    [db] = c.programmes
    assert db.stopped and db.stopped_from == dt.date(2024, 4, 1) and db.department == "民政局"
    assert c.account_tails == {"9012"} and c.names == {"王五"}
    a = payments.person_payments(A[0])
    assert {p.program_code: p.stopped for p in a.programmes} == {"DB01": False, "GL01": False}
    assert payments.may_be_eligible(A[0]) == []  # paid the elderly allowance
    [maybe] = payments.may_be_eligible(D[0])  # 86, registered, never paid GL01
    assert maybe.program_code == "GL01" and maybe.department == "民政局" and maybe.min_age == 80
    assert payments.may_be_eligible(B[0]) == []  # 74
    assert not payments.person_payments(person(99, "1980-01-01")).found


def test_index_follows_a_new_batch(lake: None, tmp_path: Path) -> None:
    first = payments.ensure_index()
    extra = tmp_path / "more.csv"
    extra.write_text("项目编码,身份证号码,姓名,村(社区)代码,发放年月,发放金额,一卡通账号\n"
                     f"DB01,{B[0]},{B[1]},{VILLAGE},2024-05,700,{B[2]}\n", encoding="utf-8")
    do_import_file("payments", extra)
    second = payments.ensure_index()
    assert second != first and second.exists() and not first.exists()
    assert payments.village_periods(VILLAGE)[0].periods[0].key == "2024-05"
    later = payments.village_list(VILLAGE, "DB01", dt.date(2024, 5, 1))
    assert later is not None and later.count == 1 and len(later.dropped) == 3


def test_subsidy_pages_show_policies_and_masked_lists(lake: None, client: Client) -> None:
    ProgrammePolicy.objects.update_or_create(program_code="GL01", defaults={
        "name": "高龄津贴", "department": "民政局", "eligibility": "年满80周岁的本县户籍老人",
        "contact": "县民政局 0731-1234567", "published": True})
    ProgrammePolicy.objects.filter(program_code="DB01").delete()  # none written: the data's words
    ProgrammePolicy.objects.create(program_code="XX99", name="未公开项目", published=False)
    page = client.get(f"/v/{VILLAGE}/subsidies/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "年满80周岁的本县户籍老人" in html
    assert "农村最低生活保障金" in html  # no policy row: from the programs dataset
    assert "未公开项目" not in html
    assert f"/v/{VILLAGE}/subsidies/DB01/2024-04/" in html
    assert len(page.content) < 100_000
    scan_for_leaks(html.replace("0731-1234567", ""))
    listing = client.get(f"/v/{VILLAGE}/subsidies/DB01/2024-04/")
    assert listing.status_code == 200
    html = listing.content.decode()
    for masked in ("张**", "李*", "欧***", "赵*", "王*"):
        assert masked in html
    assert "2750.50" in html
    scan_for_leaks(html)


@pytest.mark.parametrize("url", [
    f"/v/{VILLAGE}/subsidies/DB01/2024-13/",
    f"/v/{VILLAGE}/subsidies/DB01/2023-01/",
    f"/v/{VILLAGE}/subsidies/DB01'%20OR%201=1--/2024-04/",
    f"/v/{VILLAGE}/subsidies/{'A' * 300}/2024-04/",
    "/v/110101001299/subsidies/",
    "/v/11010100120x/subsidies/DB01/2024-04/",
])
def test_hostile_list_urls_are_not_found(lake: None, client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_long_lists_are_paged(lake: None, client: Client) -> None:
    from mingjing.portal import lake_views

    lake_views.PAGE_ROWS, saved = 2, lake_views.PAGE_ROWS
    try:
        html = client.get(f"/v/{VILLAGE}/subsidies/DB01/2024-04/?page=2").content.decode()
        assert "?page=1" in html and "?page=3" not in html
        assert client.get(f"/v/{VILLAGE}/subsidies/DB01/2024-04/?page=99999999").status_code == 200
    finally:
        lake_views.PAGE_ROWS = saved
