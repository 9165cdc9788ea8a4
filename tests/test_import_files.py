"""End-to-end imports of department files as they arrive, read back from the lake."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from mingjing.datahub import actions
from mingjing.datahub.contract import DATASETS, Dataset, Kind, stored_columns
from mingjing.lib.ids import check_char
from mingjing.lib.values import ValueProblem, normalise_text, parse_period
from tests.files import (
    PAYMENT_HEADERS,
    VILLAGE,
    active_batches,
    import_json,
    make_id,
    payment_row,
    person,
    read_lake,
    read_rejects,
    read_rows,
    reject_rows,
    write_text,
    write_xls,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

JULY = dt.date(2021, 7, 1)
ALICE = make_id("110101", "19900307", "123")  # male, born 1990-03-07
BAIHE = make_id("530102", "19851224", "046")  # female, born 1985-12-24


def payments_file(tmp_path: Path, name: str = "roll.csv", **kwargs: object) -> Path:
    rows = [
        PAYMENT_HEADERS,
        ["P01", ALICE, "张三", VILLAGE, "2021-07", "1234.50"],
        ["P01", BAIHE, "白合", VILLAGE, "2021-07", "800"],
    ]
    return write_text(tmp_path / name, rows, **kwargs)  # type: ignore[arg-type]


def by_id(dataset: str = "payments") -> dict[str, dict[str, object]]:
    return {r["id_number"]: r for r in read_rows(dataset)}


# -- encodings ---------------------------------------------------------------------------------------


def test_a_utf8_file_with_a_bom_is_imported_with_its_chinese_intact(tmp_path: Path) -> None:
    report = import_json("payments", payments_file(tmp_path, bom=True))
    assert report["encoding"] == "utf-8-sig"
    assert report["header_map"]["项目编码"] == "program_code"  # the BOM is not part of the header
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (2, 2, 0)
    rows = by_id()
    assert rows[ALICE]["name"] == "张三"
    assert rows[BAIHE]["amount"] == Decimal("800.00")


def test_a_utf8_file_without_a_bom_is_imported(tmp_path: Path) -> None:
    report = import_json("payments", payments_file(tmp_path))
    assert report["encoding"] == "utf-8"
    assert report["rows_loaded"] == 2
    assert by_id()[BAIHE]["name"] == "白合"


def test_a_gbk_file_with_windows_line_ends_is_imported(tmp_path: Path) -> None:
    report = import_json("payments", payments_file(tmp_path, encoding="gbk", newline="\r\n"))
    assert report["encoding"] == "gbk"
    assert report["rows_loaded"] == 2
    rows = by_id()
    assert rows[ALICE]["name"] == "张三"
    assert rows[ALICE]["amount"] == Decimal("1234.50")  # no stray \r on the last column
    assert sorted(r["_row"] for r in rows.values()) == [2, 3]


def test_a_gb18030_file_with_a_name_outside_gbk_is_imported(tmp_path: Path) -> None:
    rows = [
        PAYMENT_HEADERS,
        ["P01", ALICE, "刘䶮", VILLAGE, "2021-07", "100"],
        ["P01", BAIHE, "王𠮷", VILLAGE, "2021-07", "100"],
    ]
    path = write_text(tmp_path / "gb18030.csv", rows, encoding="gb18030")
    report = import_json("payments", path)
    assert report["encoding"] == "gb18030"
    names = {r["id_number"]: r["name"] for r in read_rows("payments")}
    assert names == {ALICE: "刘䶮", BAIHE: "王𠮷"}


# -- delimiters --------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", ["\t", "|"])
def test_a_tab_or_pipe_separated_txt_file_is_imported(tmp_path: Path, delimiter: str) -> None:
    rows = [
        PAYMENT_HEADERS,
        ["P01", ALICE, "张三", VILLAGE, "2021-07", "1,234.50"],
        ["P01", BAIHE, "白合", VILLAGE, "2021/7", "￥800"],
    ]
    path = write_text(tmp_path / "roll.txt", rows, delimiter=delimiter)
    report = import_json("payments", path)
    assert report["rows_loaded"] == 2
    rows_by_id = by_id()
    assert rows_by_id[ALICE]["amount"] == Decimal("1234.50")
    assert rows_by_id[BAIHE]["period"] == JULY
    assert rows_by_id[BAIHE]["amount"] == Decimal("800.00")


# -- workbooks ---------------------------------------------------------------------------------------

WORKBOOK_HEADERS = [*PAYMENT_HEADERS, "发放日期"]


def workbook_rows() -> list[list[object]]:
    return [
        WORKBOOK_HEADERS,
        # ID as text, region code as a number, period as a date cell, amount as a number
        ["P01", ALICE, "张三", int(VILLAGE), dt.datetime(2021, 7, 1), 1234.5, dt.date(2021, 7, 15)],
        # period as text, a bare Excel serial date in a numeric cell
        ["P01", BAIHE, "白合", VILLAGE, "2021年7月", 800, 44378],
        # a datetime with a time of day, an amount with cents that floats cannot hold exactly
        ["P02", person(7), "李四", VILLAGE, "202107", 0.1 + 0.2, dt.datetime(2021, 7, 2, 9, 30)],
    ]


def check_workbook_import(report: dict[str, object], fmt: str) -> None:
    assert report["format"] == fmt
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (3, 3, 0)
    rows = by_id()
    assert rows[ALICE]["region_code"] == VILLAGE
    assert rows[ALICE]["period"] == JULY
    assert rows[ALICE]["amount"] == Decimal("1234.50")
    assert rows[ALICE]["paid_date"] == dt.date(2021, 7, 15)
    assert rows[ALICE]["id_valid"] is True
    assert rows[BAIHE]["period"] == JULY
    assert rows[BAIHE]["amount"] == Decimal("800.00")
    assert rows[BAIHE]["paid_date"] == JULY  # serial 44378
    assert rows[person(7)]["amount"] == Decimal("0.30")
    assert rows[person(7)]["paid_date"] == dt.date(2021, 7, 2)
    assert sorted(r["_row"] for r in rows.values()) == [2, 3, 4]


def test_an_xlsx_workbook_with_date_numeric_and_text_cells_is_imported(tmp_path: Path) -> None:
    report = import_json("payments", write_xlsx(tmp_path / "roll.xlsx", workbook_rows()))
    check_workbook_import(report, "xlsx")


def test_an_xls_workbook_is_imported(tmp_path: Path) -> None:
    report = import_json("payments", write_xls(tmp_path / "roll.xls", workbook_rows()))
    check_workbook_import(report, "xls")


def test_a_named_sheet_is_read_instead_of_the_first(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为2021年7月发放明细"])
    ws = wb.create_sheet("7月")
    for row in [PAYMENT_HEADERS, payment_row(1)]:
        ws.append(row)
    wb.save(tmp_path / "roll.xlsx")
    report = import_json("payments", tmp_path / "roll.xlsx", "--sheet", "7月")
    assert report["sheet"] == "7月"
    assert report["rows_loaded"] == 1


# -- title rows --------------------------------------------------------------------------------------


@pytest.mark.parametrize("titles", [1, 2, 3, 4, 5])
def test_up_to_five_title_rows_above_the_header_are_skipped(tmp_path: Path, titles: int) -> None:
    title_rows = [
        ["XX镇2023年低保发放花名册"],
        ["填报单位：XX镇民政办", "", "", "填报日期：2023-08-01"],
        ["单位：元"],
        ["审核人：王五"],
        ["(第一页)"],
    ][:titles]
    rows = [*title_rows, PAYMENT_HEADERS, payment_row(1), payment_row(2, amount="abc")]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert report["header_row"] == titles + 1
    assert [r["_row"] for r in read_rows("payments")] == [titles + 2]
    assert reject_rows(report) == [titles + 3]


def test_title_rows_in_a_workbook_are_skipped_and_rows_keep_their_sheet_numbers(
    tmp_path: Path,
) -> None:
    rows = [
        ["XX镇2023年低保发放花名册"],
        [],
        ["单位：元"],
        PAYMENT_HEADERS,
        payment_row(1),
        [],
        payment_row(2, period="2021-13"),
    ]
    report = import_json("payments", write_xlsx(tmp_path / "roll.xlsx", rows))
    assert report["header_row"] == 4
    assert [r["_row"] for r in read_rows("payments")] == [5]
    assert reject_rows(report) == [7]


def test_a_title_cell_with_a_line_break_still_finds_the_header_on_its_line(tmp_path: Path) -> None:
    rows = [["XX镇2023年\n低保发放花名册"], PAYMENT_HEADERS, payment_row(1), payment_row(2)]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert report["rows_read"] == 2
    assert report["rows_rejected"] == 0
    assert sorted(r["_row"] for r in read_rows("payments")) == [4, 5]


# -- header synonyms, for every dataset ----------------------------------------------------------------

SAMPLES: dict[Kind, str] = {
    Kind.ID_NUMBER: ALICE,
    Kind.NAME: "张 三",
    Kind.TEXT: "某某内容",
    Kind.DATE: "2021/7/1",
    Kind.PERIOD: "2021年7月",
    Kind.AMOUNT: "1,234.50元",
    Kind.DECIMAL: "88.5",
    Kind.INTEGER: "60",
    Kind.BOOLEAN: "已备案",
    Kind.REGION: VILLAGE,
    Kind.REGION_LEVEL: "村",
    Kind.CATEGORY: "低保",
    Kind.GENDER: "男",
    Kind.CODE_LIST: "P02、P03",
    Kind.CODE: "P01",
}


def synonym_variants(dataset: Dataset) -> list[list[str]]:
    """Header rows using each column's 1st, 2nd, ... synonym (the last one when it has fewer)."""
    longest = max(len(c.synonyms) for c in dataset.columns)
    return [
        [c.synonyms[min(k, len(c.synonyms) - 1)] if c.synonyms else c.name for c in dataset.columns]
        for k in range(longest)
    ]


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_header_synonym_of_every_dataset_maps_to_its_canonical_column(
    tmp_path: Path, name: str
) -> None:
    dataset = DATASETS[name]
    values = [SAMPLES[c.kind] for c in dataset.columns]
    stored = [c.name for c in stored_columns(dataset)]
    for k, headers in enumerate(synonym_variants(dataset)):
        path = write_text(tmp_path / f"{name}-{k}.csv", [headers, values])
        report = import_json(name, path)
        assert report["header_map"] == {
            h: c.name for h, c in zip(headers, dataset.columns, strict=True)
        }
        assert report["ignored_headers"] == []
        assert (report["rows_loaded"], report["rows_rejected"]) == (1, 0), read_rejects(report)
    table = read_lake(name)
    assert set(stored) <= set(table.column_names)
    for row in table.to_pylist():
        empty = [c for c in stored if row[c] is None]
        assert not empty, f"{name}: no value stored for {empty}"


def test_canonical_names_work_as_headers_too(tmp_path: Path) -> None:
    rows = [
        ["program_code", "id_number", "name", "region_code", "period", "amount"],
        payment_row(1),
    ]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert report["rows_loaded"] == 1


def test_messy_headers_with_units_and_full_width_characters_are_matched(tmp_path: Path) -> None:
    headers = [
        " 项目编码 ",
        "身份证号码\u3000",
        "姓　名",
        "村（社区）代码",
        "发放年月",
        "发放金额（元）",
        "备注",
    ]
    report = import_json(
        "payments", write_text(tmp_path / "roll.csv", [headers, [*payment_row(1), "无"]])
    )
    assert report["rows_loaded"] == 1
    assert report["ignored_headers"] == ["备注"]
    assert report["header_map"]["发放金额（元）"] == "amount"


# -- quoting and row numbers ---------------------------------------------------------------------------


def test_a_quoted_amount_with_a_thousands_comma_is_one_field(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_text(
        ",".join(PAYMENT_HEADERS) + "\n"
        f'P01,{ALICE},张三,{VILLAGE},2021-07,"1,234.50"\n'
        f'P01,{BAIHE},"白合",{VILLAGE},2021-07,"￥12,000"\n',
        encoding="utf-8",
    )
    report = import_json("payments", path)
    assert report["rows_loaded"] == 2
    rows = by_id()
    assert rows[ALICE]["amount"] == Decimal("1234.50")
    assert rows[BAIHE]["amount"] == Decimal("12000.00")


def test_a_quoted_cell_with_a_line_break_is_one_row_and_later_rows_keep_their_line_numbers(
    tmp_path: Path,
) -> None:
    headers = [*PAYMENT_HEADERS, "备注"]
    path = tmp_path / "roll.csv"
    path.write_text(
        ",".join(headers) + "\n"  # line 1
        f"P01,{person(1)},甲,{VILLAGE},2021-07,100,\n"  # line 2
        f'P01,{person(2)},乙,{VILLAGE},2021-07,100,"补发\n6月"\n'  # lines 3-4
        f"P01,{person(3)},丙,{VILLAGE},2021-07,abc,\n"  # line 5: rejected
        f"P01,{person(4)},丁,{VILLAGE},2021-07,100,\n",  # line 6
        encoding="utf-8",
    )
    report = import_json("payments", path)
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (4, 3, 1)
    rows = {r["id_number"]: r["_row"] for r in read_rows("payments")}
    assert rows == {person(1): 2, person(2): 3, person(4): 6}
    assert reject_rows(report) == [5]


def test_source_row_numbers_in_the_lake_and_the_rejects_are_the_lines_a_person_sees(
    tmp_path: Path,
) -> None:
    rows = [
        ["XX镇2021年7月补贴发放花名册"],  # line 1
        PAYMENT_HEADERS,  # line 2
        payment_row(1),  # line 3
        payment_row(2, amount="一百"),  # line 4: rejected
        [],  # line 5: blank
        payment_row(3),  # line 6
        ["P01", "", "无名", VILLAGE, "2021-07", "5"],  # line 7: rejected (no ID)
        payment_row(4, period="2021-13"),  # line 8: rejected
        payment_row(5),  # line 9
    ]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert sorted(r["_row"] for r in read_rows("payments")) == [3, 6, 9]
    rejects = read_rejects(report)
    assert [int(r["源行号 source_row"]) for r in rejects] == [4, 7, 8]
    assert report["blank_rows"] == 1
    # the raw values are kept under their file headers, and the reason names the problem
    assert rejects[0]["发放金额"] == "一百"
    assert "amount" in rejects[0]["原因 reason"] and "金额" in rejects[0]["原因 reason"]
    assert "id_number" in rejects[1]["原因 reason"]
    assert rejects[2]["发放年月"] == "2021-13"
    assert Path(report["rejects_file"]).read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it


def test_a_row_of_empty_cells_is_a_blank_row_like_an_empty_line(tmp_path: Path) -> None:
    rows = [PAYMENT_HEADERS, payment_row(1), [""] * 6, [], payment_row(2)]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (2, 2, 0)
    assert report["blank_rows"] == 2


def test_workbook_rows_keep_their_sheet_row_numbers(tmp_path: Path) -> None:
    rows = [
        PAYMENT_HEADERS,
        payment_row(1),
        payment_row(2, amount="1.234"),
        [None] * 6,
        payment_row(3),
    ]
    report = import_json("payments", write_xlsx(tmp_path / "roll.xlsx", rows))
    assert sorted(r["_row"] for r in read_rows("payments")) == [2, 5]
    assert reject_rows(report) == [3]
    assert "two decimal places" in read_rejects(report)[0]["原因 reason"]


def test_a_sheet_whose_table_starts_below_and_right_of_a1_keeps_its_row_numbers(
    tmp_path: Path,
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    rows = [PAYMENT_HEADERS, payment_row(1), payment_row(2, amount="abc")]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=2):
            wb.active.cell(row=r, column=c, value=value)
    wb.save(tmp_path / "roll.xlsx")
    report = import_json("payments", tmp_path / "roll.xlsx")
    assert report["header_row"] == 3
    assert [r["_row"] for r in read_rows("payments")] == [4]
    assert reject_rows(report) == [5]


def test_a_row_with_too_many_fields_is_rejected_with_its_raw_text(tmp_path: Path) -> None:
    rows = [PAYMENT_HEADERS, payment_row(1), [*payment_row(2), "多出来的"], payment_row(3)]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert sorted(r["_row"] for r in read_rows("payments")) == [2, 4]
    assert reject_rows(report) == [3]
    assert "more fields than headers" in read_rejects(report)[0]["原因 reason"]


# -- the vectorised path agrees with the scalar normalisers ---------------------------------------------


@pytest.mark.parametrize("period", ["1850-07", "2300-07"])
def test_a_period_the_scalar_parser_refuses_is_refused_in_canonical_shape_too(
    tmp_path: Path, period: str
) -> None:
    with pytest.raises(ValueProblem):
        parse_period(period)  # years outside 1900-2200 are not payment months
    rows = [
        PAYMENT_HEADERS,
        payment_row(1, period=period),
        payment_row(2, period=period.replace("-", "/")),
    ]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert (report["rows_loaded"], report["rows_rejected"]) == (0, 2)
    assert reject_rows(report) == [2, 3]


def test_free_text_is_trimmed_and_full_width_folded_as_the_contract_says(tmp_path: Path) -> None:
    rows = [["身份证号", "主体名称", "身份"], [ALICE, " ＡＢＣ商行（个体） ", "经营者"]]
    import_json("businesses", write_text(tmp_path / "businesses.csv", rows))
    [row] = read_rows("businesses")
    assert row["business_name"] == normalise_text(" ＡＢＣ商行（个体） ")[0] == "ABC商行(个体)"


def test_relatives_without_a_filing_status_are_stored_as_not_filed(tmp_path: Path) -> None:
    with_column = [
        ["干部身份证号", "亲属身份证号", "关系", "是否备案"],
        [ALICE, BAIHE, "配偶", ""],
        [ALICE, person(3), "子女", "已备案"],
    ]
    without_column = [["干部身份证号", "亲属身份证号", "关系"], [ALICE, person(4), "兄弟姐妹"]]
    import_json("relatives", write_text(tmp_path / "a.csv", with_column))
    import_json("relatives", write_text(tmp_path / "b.csv", without_column))
    filed = {r["relative_id_number"]: r["filed"] for r in read_rows("relatives")}
    assert filed == {BAIHE: False, person(3): True, person(4): False}


# -- values derived and resolved -----------------------------------------------------------------------


def test_birth_date_gender_and_issuing_county_are_derived_from_the_id_number(
    tmp_path: Path,
) -> None:
    old_15 = "530102851224046"  # BAIHE's number before 1999
    rows = [
        PAYMENT_HEADERS,
        ["P01", ALICE.lower(), "张三", VILLAGE, "2021-07", "1"],
        ["P01", old_15, "白合", VILLAGE, "2021-07", "1"],
    ]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    rows_by_id = by_id()
    assert set(rows_by_id) == {ALICE, BAIHE}
    assert (
        rows_by_id[ALICE]["birth_date"],
        rows_by_id[ALICE]["gender"],
        rows_by_id[ALICE]["id_region"],
    ) == (dt.date(1990, 3, 7), "男", "110101")
    assert (
        rows_by_id[BAIHE]["birth_date"],
        rows_by_id[BAIHE]["gender"],
        rows_by_id[BAIHE]["id_region"],
    ) == (dt.date(1985, 12, 24), "女", "530102")
    assert report["normalised"]["id_upgraded_15_to_18"] == 1


def test_a_row_with_an_invalid_id_number_is_loaded_flagged_and_counted(tmp_path: Path) -> None:
    wrong = ALICE[:17] + ("0" if ALICE[17] != "0" else "1")
    rows = [PAYMENT_HEADERS, ["P01", wrong, "张三", VILLAGE, "2021-07", "1"], payment_row(1)]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    assert (report["rows_loaded"], report["rows_rejected"]) == (2, 0)
    assert report["normalised"]["id_invalid"] == 1
    rows_by_id = by_id()
    assert rows_by_id[wrong]["id_valid"] is False
    assert rows_by_id[person(1)]["id_valid"] is True


def test_a_register_own_gender_column_yields_to_a_valid_id_number(tmp_path: Path) -> None:
    rows = [
        ["身份证号", "姓名", "户籍地代码", "性别", "出生日期"],
        [ALICE, "张三", VILLAGE, "女", "1990-01-01"],
    ]
    import_json("persons", write_text(tmp_path / "persons.csv", rows))
    [row] = read_rows("persons")
    assert (row["gender"], row["birth_date"]) == ("男", dt.date(1990, 3, 7))


REGIONS = [
    ["区划代码", "名称", "上级代码", "级别"],
    ["110101000000", "东城区", "", "区"],
    ["110101001000", "甲镇", "110101000000", "镇"],
    ["110101001001", "新村", "110101001000", "村"],
    ["110101002000", "乙镇", "110101000000", "镇"],
    ["110101002001", "新村", "110101002000", "村"],
    ["110101002002", "河口社区", "", ""],  # parent and level left to the code
]


def test_payments_naming_township_and_village_are_resolved_through_regions(tmp_path: Path) -> None:
    regions = import_json("regions", write_text(tmp_path / "regions.csv", REGIONS))
    assert regions["rows_loaded"] == 6
    headers = ["项目编码", "身份证号码", "姓名", "乡镇(街道)", "村(社区)", "发放年月", "发放金额"]
    rows = [
        headers,
        ["P01", person(1), "甲", "甲镇", "新村", "2021-07", "1"],
        ["P01", person(2), "乙", "乙镇", "新村", "2021-07", "1"],
        ["P01", person(3), "丙", " 乙镇 ", "河口社区", "2021-07", "1"],
        ["P01", person(4), "丁", "丙镇", "新村", "2021-07", "1"],  # no such township
    ]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    codes = {r["id_number"]: r["region_code"] for r in read_rows("payments")}
    assert codes == {
        person(1): "110101001001",
        person(2): "110101002001",
        person(3): "110101002002",
    }
    assert report["normalised"]["region_from_names"] == 3
    [reject] = read_rejects(report)
    assert int(reject["源行号 source_row"]) == 5
    assert "丙镇/新村" in reject["原因 reason"]
    assert "township_name" not in read_lake("payments").column_names


def test_payments_naming_the_programme_are_resolved_through_programs(tmp_path: Path) -> None:
    programs = [
        ["项目编码", "项目名称", "类别", "发放标准"],
        ["P01", "城乡低保", "低保", "600"],
        ["P02", "特困供养", "tekun", ""],
    ]
    report = import_json("programs", write_text(tmp_path / "programs.csv", programs))
    assert report["rows_loaded"] == 2
    stored = {r["program_code"]: r for r in read_rows("programs")}
    assert stored["P01"]["category"] == "dibao"
    assert stored["P01"]["unit_standard"] == Decimal("600.00")
    assert stored["P02"]["category"] == "tekun"

    rows = [
        ["补贴项目", "身份证号码", "姓名", "村(社区)代码", "发放年月", "发放金额"],
        ["城乡低保", person(1), "甲", VILLAGE, "2021-07", "600"],
        ["特困供养", person(2), "乙", VILLAGE, "2021-07", "900"],
        ["高龄津贴", person(3), "丙", VILLAGE, "2021-07", "100"],
    ]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    codes = {r["id_number"]: r["program_code"] for r in read_rows("payments")}
    assert codes == {person(1): "P01", person(2): "P02"}
    assert report["normalised"]["program_from_name"] == 2
    [reject] = read_rejects(report)
    assert "高龄津贴" in reject["原因 reason"]


def test_programme_exclusions_are_stored_as_a_list_of_codes(tmp_path: Path) -> None:
    programs = [
        ["项目编码", "项目名称", "类别", "互斥项目"],
        ["P01", "城乡低保", "低保", "P02、P03"],
        ["P02", "特困供养", "特困", "P01"],
        ["P03", "高龄津贴", "高龄", ""],
    ]
    report = import_json("programs", write_text(tmp_path / "programs.csv", programs))
    assert (report["rows_loaded"], report["rows_rejected"]) == (3, 0)
    excludes = {r["program_code"]: r["excludes"] for r in read_rows("programs")}
    assert excludes == {"P01": ["P02", "P03"], "P02": ["P01"], "P03": None}


# -- the report and the lake file ----------------------------------------------------------------------


def test_the_json_report_says_what_was_read_loaded_rejected_normalised_and_ignored(
    tmp_path: Path,
) -> None:
    rows = [
        [*PAYMENT_HEADERS, "备注", "经办人"],
        ["P01", ALICE, "张 三", VILLAGE, "2021/7", "1,234.50", "", "王五"],
        ["P01", BAIHE, "白合", VILLAGE, "2021-07", "800", "", ""],
        ["P01", person(3), "丙", VILLAGE, "2021-07", "12.345", "", ""],
    ]
    path = write_text(tmp_path / "roll.csv", rows)
    report = import_json("payments", path)
    expected_keys = {
        "batch_id",
        "dataset",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "rejects_file",
        "normalised",
        "ignored_headers",
    }
    assert expected_keys <= set(report)
    assert report["batch_id"] == active_batches("payments")[0]
    assert report["dataset"] == "payments"
    assert report["status"] == "active"
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (3, 2, 1)
    assert Path(report["rejects_file"]).is_file()
    assert report["normalised"] == {
        "amount_reformatted": 1,
        "name_spaces_removed": 1,
        "period_reformatted": 1,
    }
    assert report["ignored_headers"] == ["备注", "经办人"]
    assert report["source_name"] == "roll.csv"


def test_a_clean_import_has_no_rejects_file(tmp_path: Path) -> None:
    report = import_json("payments", payments_file(tmp_path))
    assert report["rows_rejected"] == 0
    assert report["rejects_file"] is None


def test_the_parquet_file_is_sorted_by_the_person_key(tmp_path: Path) -> None:
    rows = [
        PAYMENT_HEADERS,
        payment_row(5),
        payment_row(1, period="2021-08"),
        payment_row(3),
        payment_row(1, period="2021-07"),
        payment_row(9),
        payment_row(0),
    ]
    import_json("payments", write_text(tmp_path / "roll.csv", rows))
    stored = [(r["id_number"], r["period"]) for r in read_rows("payments")]
    assert stored == sorted(stored)
    assert stored[1:3] == [(person(1), JULY), (person(1), dt.date(2021, 8, 1))]


def test_an_import_through_the_action_records_who_imported_it(
    tmp_path: Path, alice: object
) -> None:
    batch = actions.do_import_file("payments", payments_file(tmp_path), user=alice)  # type: ignore[arg-type]
    assert batch.status == "active"
    assert batch.created_by == alice
    assert batch.rows_loaded == 2
    assert active_batches("payments") == [batch.pk]


def test_an_impossible_birth_date_makes_a_canonical_id_invalid_on_the_fast_path(tmp_path: Path) -> None:
    # 31 February: pyarrow's strptime would roll it over to 3 March if nothing checked it.
    first17 = "11010119770231001"
    number = first17 + check_char(first17)
    rows = [PAYMENT_HEADERS, ["P01", number, "张三", VILLAGE, "2021-07", "700"], payment_row(2)]
    report = import_json("payments", write_text(tmp_path / "roll.csv", rows))
    table = read_lake("payments")
    row = next(r for r in table.to_pylist() if r["id_number"] == number)
    assert row["id_valid"] is False and row["birth_date"] is None
    assert report["normalised"]["id_invalid"] == 1


def test_an_impossible_date_in_canonical_shape_is_rejected_not_rolled_over(tmp_path: Path) -> None:
    rows = [["姓名", "身份证号", "死亡日期"], ["张三", make_id(), "2021-02-30"]]
    report = import_json("deaths", write_text(tmp_path / "deaths.csv", rows))
    assert (report["rows_loaded"], report["rows_rejected"]) == (0, 1)
