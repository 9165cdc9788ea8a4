"""The demo county generator: a synthetic county's department files plus `manifest.json`.

The files come in the messy shapes that `shared/design/data-contract.md` promises to import (GBK and
GB18030 CSV, BOMs, tab- and `|`-separated TXT, XLSX with date cells and Excel serials, a legacy XLS,
title rows, header synonyms with units and full-width characters, 15-digit IDs, `￥1,234.50`, ...),
and the manifest says exactly which problem-model hits (YKT01-YKT15 of `models.md`) the data implies:
the background population is clean for every model, and `plants.py` adds positive and boundary cases
for each. The detection engine's precision and recall are measured against that manifest.

Pure Python (numpy, openpyxl, xlwt, pyarrow); never imports Django. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mingjing.datahub.contract import DATASETS, header_index, missing_required, normalise_header
from mingjing.demo import ids
from mingjing.demo.county import RELATIONS as RELATION_TEXT
from mingjing.demo.county import (
    SRC_CREMATION,
    SRC_POLICE,
    STATUS_TEXT,
    Calendar,
    County,
    People,
    build_county,
    build_people,
)
from mingjing.demo.plants import MODELS, Planter, plant_all
from mingjing.demo.registers import (
    EXTRA_ACCOUNT,
    PROGRAMMES,
    Registers,
    build_registers,
)
from mingjing.demo.shapes import (
    PLAIN,
    Col,
    FileSpec,
    Raw,
    Sink,
    Style,
    open_sink,
    render_id,
    render_name,
    yuan_text,
)

BULK_FORMATS = {"csv-utf8": "utf-8", "csv-gbk": "gbk"}


def generate(
    out_dir: Path,
    *,
    persons: int = 2000,
    seed: int = 1,
    months: int = 24,
    end_period: date = date(2026, 10, 1),
    bulk_payments: str = "csv-utf8",
    messy_persons: int = 20_000,
) -> dict[str, Any]:
    """Write a synthetic county into `out_dir` and return its manifest (also `manifest.json`).

    persons: people in the household register (background + about 200 planted people).
    seed: the same seed gives byte-identical files.
    months, end_period: the payment window, `months` monthly periods ending with `end_period`
        (12-48 months; `end_period` is a first-of-month date between 2020 and 2040).
    bulk_payments: "csv-utf8" or "csv-gbk", the encoding of the plain bulk payment files.
    messy_persons: about this many people's payments go to the messy payment files (title rows,
        names instead of codes, XLSX/XLS, GBK, mixed value formats); the rest of the county's
        payments go to plain bulk CSV files per department and year, with a sprinkle of messy
        values. Keeps a million-person county fast while every shape stays exercised.

    The manifest lists every file (format, encoding, sheet, data rows, expected rejects), the
    import order, and per model the expected hits (grain key, level, why) and the negatives.
    """
    # 1. check the arguments
    if not 12 <= months <= 48:
        raise ValueError("months must be between 12 and 48")
    if end_period.day != 1 or not 2020 <= end_period.year <= 2040:
        raise ValueError("end_period must be the first day of a month between 2020 and 2040")
    if bulk_payments not in BULK_FORMATS:
        raise ValueError(f"bulk_payments must be one of {sorted(BULK_FORMATS)}")
    cal = Calendar(end_period, months)
    planted = _count_planted(cal)
    if persons < planted + 800:
        raise ValueError(f"persons must be at least {planted + 800}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    # 2. the county, its people, registers and payment plans
    county, people, reg, planter = _build(seed, persons - planted, cal)
    assert len(people) == persons, (len(people), persons)
    salt = planter.salt

    # 3. files
    writer = _Writer(out_dir, seed, county, people, reg, cal, salt)
    writer.write_registers()
    writer.write_payments(bulk_payments, messy_persons)

    # 4. manifest
    entries = writer.entries
    manifest = {
        "seed": seed,
        "persons": persons,
        "periods": [cal.label(0), cal.label(cal.last)],
        "county_code": county.code12,
        "files": entries,
        "import_order": [e["path"] for e in sorted(entries, key=_import_rank)],
        "expected_hits": {m: sorted(planter.expected[m], key=_key_sort) for m in MODELS},
        "negatives": {m: sorted(planter.negatives[m], key=_key_sort) for m in MODELS},
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def _build(seed: int, background: int, cal: Calendar) -> tuple[County, People, Registers, Planter]:
    """Background first (numbered numpy streams per step), then the plants, then seal the plans."""
    county = build_county(np.random.default_rng([seed, 1]), background)
    people = build_people(np.random.default_rng([seed, 2]), county, background, cal)
    reg = build_registers(np.random.default_rng([seed, 3]), county, people, cal)
    salt = int(np.random.default_rng([seed, 4]).integers(0, 10**12))
    planter = Planter(random.Random(f"mingjing-demo-plants-{seed}"), salt, county, people, reg, cal)
    plant_all(planter)
    for plan in reg.plans.values():
        plan.seal()
    return county, people, reg, planter


def _count_planted(cal: Calendar) -> int:
    """How many people the plants add (fixed by plants.py), measured on a throwaway county."""
    _, people, _, _ = _build(0, 1200, cal)
    return len(people) - 1200


_RANK = {
    name: i
    for i, name in enumerate(
        [
            "regions",
            "programs",
            "persons",
            "deaths",
            "payroll",
            "officials",
            "relatives",
            "vehicles",
            "properties",
            "businesses",
            "pensions",
            "students",
            "disabilities",
            "payments",
        ]
    )
}


def _import_rank(entry: dict[str, Any]) -> tuple[int, str]:
    return _RANK[entry["dataset"]], entry["path"]


def _key_sort(item: dict[str, Any]) -> str:
    return json.dumps(item["key"], sort_keys=True, ensure_ascii=False)


def _crc(*parts: object) -> int:
    return zlib.crc32("|".join(str(p) for p in parts).encode())


# --- register files ----------------------------------------------------------------------------

MESSY_DATES = ("iso", "slash", "dot", "compact", "cn", "time")
XLSX_DATES = ("cell", "serial", "dtcell", "iso", "cn")


def _register_specs(county: County) -> dict[str, FileSpec | list[FileSpec]]:
    """One or two files per register dataset, each in its department's own shape."""
    c = Col
    return {
        "regions": FileSpec(
            "00_民政局/统计用区划代码.csv",
            "regions",
            "csv",
            encoding="utf-8-sig",
            columns=[
                c("seq", "序号", "serial"),
                c("code", "统计用区划代码"),
                c("name", "区划名称"),
                c("parent_code", "上级区划代码"),
                c("level", "层级"),
                c("urban", "城乡分类代码"),
            ],
        ),
        "programs": FileSpec(
            "01_财政局/补贴项目目录.xls",
            "programs",
            "xls",
            encoding=None,
            titles=[f"{county.name}惠民惠农财政补贴项目清单"],
            columns=[
                c("seq", "序号", "serial"),
                c("program_code", "补贴项目编码"),
                c("program_name", "补贴项目名称"),
                c("category", "项目类别"),
                c("department", "主管部门"),
                c("unit_standard", "发放标准（元/人·月）"),
                c("min_age", "起领年龄"),
                c("excludes", "互斥项目"),
                c("basis", "政策依据"),
            ],
        ),
        "persons": [
            FileSpec(
                "02_公安局/户籍人口_第一批.csv",
                "persons",
                "csv",
                encoding="gb18030",
                titles=[f"{county.name}户籍人口信息表（第一批）", "导出时间：2026年11月3日"],
                style=Style(noise=0.06, date=MESSY_DATES, dot_share=0.6),
                columns=[
                    c("seq", "序号", "serial"),
                    c("id_number", "公民身份号码", "id"),
                    c("name", "姓名", "name"),
                    c("gender", "性别"),
                    c("birth_date", "出生日期", "date"),
                    c("region_code", "户籍地代码"),
                    c("household_id", "户号"),
                    c("relation", "与户主关系"),
                    c("status", "人员状态"),
                    c("status_date", "状态变更日期", "date"),
                    c("remark", "备注", "remark"),
                ],
            ),
            FileSpec(
                "02_公安局/户籍人口_第二批.txt",
                "persons",
                "txt",
                encoding="utf-8",
                delimiter="\t",
                style=Style(noise=0.04, date=("compact", "iso", "slash")),
                columns=[
                    c("id_number", "身份证号", "id"),
                    c("name", " 姓  名 ", "name"),
                    c("gender", "性别"),
                    c("region_code", "行政区划代码"),
                    c("household_id", "户号"),
                    c("relation", "与户主关系"),
                    c("status", "户籍状态"),
                    c("status_date", "注销日期", "date"),
                ],
            ),
        ],
        "deaths": [
            FileSpec(
                "03_公安局/死亡人口登记.csv",
                "deaths",
                "csv",
                encoding="utf-8",
                style=Style(noise=0.05, date=("iso", "slash", "time", "cn")),
                columns=[
                    c("id_number", "身份证号", "id"),
                    c("name", "姓名", "name"),
                    c("death_date", "死亡日期", "date"),
                    c("source", "数据来源"),
                ],
            ),
            FileSpec(
                "03_民政局/殡葬火化记录.xlsx",
                "deaths",
                "xlsx",
                encoding=None,
                titles=[f"{county.name}殡仪馆火化登记表"],
                style=Style(noise=0.3, date=("dtcell", "serial", "cell", "time")),
                columns=[
                    c("seq", "序号", "serial"),
                    c("name", "姓名", "name"),
                    c("id_number", "证件号码", "id"),
                    c("death_date", "火化日期", "date"),
                    c("source", "数据来源"),
                    c("cert_no", "火化证编号"),
                ],
            ),
        ],
        "payroll": FileSpec(
            "04_财政局/财政供养人员.xlsx",
            "payroll",
            "xlsx",
            encoding=None,
            style=Style(noise=0.25, date=("cell", "serial", "iso", "compact")),
            columns=[
                c("id_number", "证件号码", "id"),
                c("name", "姓名", "name"),
                c("employer", "工作单位"),
                c("start_date", "参加工作日期", "date"),
                c("end_date", "离退日期", "date"),
                c("kind", "人员类别"),
            ],
        ),
        "officials": FileSpec(
            "05_组织部/村社区干部名册.csv",
            "officials",
            "csv",
            encoding="gbk",
            titles=[f"{county.name}村（社区）“两委”干部及经办人员名册", "", "填报单位：县委组织部"],
            style=Style(noise=0.15, date=("cn", "iso", "slash", "dot")),
            columns=[
                c("seq", "序号", "serial"),
                c("id_number", "身份证号码", "id"),
                c("name", "姓名", "name"),
                c("region_code", "村(社区)代码"),
                c("position", "职务"),
                c("term_start", "任职日期", "date"),
                c("term_end", "离任日期", "date"),
            ],
        ),
        "relatives": FileSpec(
            "05_纪委/干部近亲属备案表.csv",
            "relatives",
            "csv",
            encoding="utf-8-sig",
            style=Style(
                noise=0.6, boolean=("是否", "YN", "备案", "10"), id_variants=("lower_x", "spaced")
            ),
            columns=[
                c("official_id_number", "干部身份证号", "id"),
                c("official_name", "干部姓名"),
                c("relative_id_number", "亲属身份证号码", "id"),
                c("relative_name", "亲属姓名", "name"),
                c("relation", "亲属关系"),
                c("filed", "是否备案", "bool"),
            ],
        ),
        "vehicles": FileSpec(
            "06_公安局/机动车登记.txt",
            "vehicles",
            "txt",
            encoding="utf-8",
            delimiter="|",
            style=Style(noise=0.1, date=("compact", "iso")),
            columns=[
                c("owner_id_number", "机动车所有人身份证号", "id"),
                c("plate", "号牌号码"),
                c("vehicle_type", "车辆类型"),
                c("register_date", "初次登记日期", "date"),
                c("status", "机动车状态"),
            ],
        ),
        "properties": FileSpec(
            "07_自然资源局/不动产登记.csv",
            "properties",
            "csv",
            encoding="gbk",
            style=Style(noise=0.1, date=("iso", "cn", "slash")),
            columns=[
                c("owner_id_number", "权利人身份证号", "id"),
                c("owner_name", "权利人"),
                c("location", "房屋坐落"),
                c("usage", "房屋用途"),
                c("area", "建筑面积（平方米）"),
                c("register_date", "登记日期", "date"),
            ],
        ),
        "businesses": FileSpec(
            "08_市场监管局/市场主体登记.xlsx",
            "businesses",
            "xlsx",
            encoding=None,
            style=Style(noise=0.2, date=("cell", "serial", "iso")),
            columns=[
                c("role", "身份"),
                c("id_number", "身份证号", "id"),
                c("person_name", "姓名"),
                c("business_name", "主体名称"),
                c("established_date", "成立日期", "date"),
                c("status", "登记状态"),
            ],
        ),
        "pensions": FileSpec(
            "09_人社局/养老金待遇.csv",
            "pensions",
            "csv",
            encoding="utf-8",
            style=Style(
                noise=0.5,
                period=("compact", "dash", "cn", "slash", "dot", "date"),
                amount=("comma", "plain", "yuan", "cny"),
            ),
            columns=[
                c("id_number", "身份证号码", "id"),
                c("name", "姓名", "name"),
                c("monthly_amount", "月养老金(元)", "amount"),
                c("start_period", "起始年月", "period"),
                c("end_period", "终止年月", "period"),
                c("kind", "待遇类别"),
            ],
        ),
        "students": FileSpec(
            "10_教育局/学籍信息.xlsx",
            "students",
            "xlsx",
            encoding=None,
            style=Style(noise=0.4, date=("serial", "cell", "compact", "cn")),
            columns=[
                c("id_number", "身份证号", "id"),
                c("name", "姓名", "name"),
                c("school", "学校名称"),
                c("start_date", "入学日期", "date"),
                c("end_date", "毕业日期", "date"),
                c("stage", "学段"),
            ],
        ),
        "disabilities": FileSpec(
            "11_残联/残疾人证.txt",
            "disabilities",
            "txt",
            encoding="utf-8",
            delimiter="\t",
            style=Style(noise=0.1, date=("iso", "compact", "slash")),
            columns=[
                c("cert_no", "残疾人证号"),
                c("id_number", "身份证号", "id"),
                c("name", "姓名", "name"),
                c("disability_type", "残疾类别"),
                c("disability_level", "残疾等级"),
                c("issue_date", "发证日期", "date"),
                c("status", "证件状态"),
            ],
        ),
    }


# --- payment files -------------------------------------------------------------------------------

_PAY = {
    "names": [
        Col("seq", "序号", "serial"),
        Col("township_name", "乡镇(街道)"),
        Col("village_name", "村(社区)"),
        Col("name", "姓名", "name"),
        Col("id_number", "身份证号码", "id"),
        Col("program_name", "项目名称"),
        Col("period", "发放年月", "period"),
        Col("amount", "发放金额（元）", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "户名", "name"),
        Col("remark", "备注", "remark"),
    ],
    "full": [
        Col("payment_id", "流水号"),
        Col("program_code", "补贴项目编码"),
        Col("id_number", "补贴对象身份证号", "id"),
        Col("name", "补贴对象姓名", "name"),
        Col("region_code", "区划代码"),
        Col("period", "所属期", "period"),
        Col("amount", "实发金额", "amount"),
        Col("account_no", "银行账号"),
        Col("account_name", "收款人", "name"),
        Col("paid_date", "发放日期", "date"),
    ],
    "plain": [
        Col("payment_id", "发放流水号"),
        Col("program_code", "项目编码"),
        Col("id_number", "身份证号", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("period", "发放年月", "period"),
        Col("amount", "金额（元）", "amount"),
        Col("account_no", "卡号"),
        Col("account_name", "户名", "name"),
        Col("paid_date", "发放日期", "date"),
    ],
    "pipe": [
        Col("payment_id", "发放流水号"),
        Col("program_code", "项目编码"),
        Col("id_number", "身份证号", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("period", "所属年月", "period"),
        Col("amount", "金额（元）", "amount"),
        Col("account_no", "收款账号"),
        Col("account_name", "户名", "name"),
    ],
    "elderly_names": [
        Col("seq", "序号", "serial"),
        Col("township_name", "乡镇"),
        Col("village_name", "村"),
        Col("name", "姓名", "name"),
        Col("id_number", "公民身份号码", "id"),
        Col("program_code", "项目编码"),
        Col("period", "发放年月", "period"),
        Col("amount", "发放金额(元)", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "账户名", "name"),
    ],
    "spaced": [
        Col("id_number", "身份证号　", "id"),
        Col("name", "姓　名", "name"),
        Col("region_code", " 区划代码"),
        Col("program_code", "项目编码"),
        Col("period", "发放年月 ", "period"),
        Col("amount", "金额（元）", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "户　名", "name"),
    ],
    "tab": [
        Col("payment_id", "流水号"),
        Col("program_code", "项目编码"),
        Col("id_number", "身份证号码", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("period", "所属期", "period"),
        Col("amount", "实发金额", "amount"),
        Col("account_no", "收款账号"),
        Col("account_name", "收款人", "name"),
        Col("paid_date", "发放日期", "date"),
    ],
    "certified": [
        Col("program_code", "补贴项目编码"),
        Col("id_number", "证件号码", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "区划代码"),
        Col("period", "所属年月", "period"),
        Col("amount", "发放金额(元)", "amount"),
        Col("account_no", "银行账号"),
        Col("account_name", "户名", "name"),
        Col("paid_date", "发放日期", "date"),
        Col("remark", "备注", "remark"),
    ],
    "education": [
        Col("seq", "序号", "serial"),
        Col("program_name", "项目名称"),
        Col("id_number", "身份证号码", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "区划代码"),
        Col("period", "发放年月", "period"),
        Col("amount", "发放金额", "amount"),
        Col("account_no", "一卡通账号"),
    ],
    "pension": [
        Col("payment_id", "发放流水号"),
        Col("program_code", "项目编码"),
        Col("id_number", "身份证号码", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("period", "发放年月", "period"),
        Col("amount", "发放金额", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "户名", "name"),
    ],
    "pension_tab": [
        Col("id_number", "身份证号", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "区划代码"),
        Col("period", "所属期", "period"),
        Col("amount", "金额", "amount"),
        Col("account_no", "卡号"),
        Col("account_name", "户名", "name"),
        Col("program_code", "项目编码"),
    ],
    "farmland": [
        Col("seq", "序号", "serial"),
        Col("name", "补贴对象姓名", "name"),
        Col("id_number", "补贴对象身份证号", "id"),
        Col("region_code", "区划代码"),
        Col("program_code", "项目编码"),
        Col("period", "所属期", "period"),
        Col("area_mu", "补贴面积（亩）"),
        Col("amount", "发放金额（元）", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "户名", "name"),
    ],
    "farmland_pipe": [
        Col("program_code", "项目编码"),
        Col("id_number", "身份证号", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("period", "发放年月", "period"),
        Col("amount", "金额", "amount"),
        Col("account_no", "收款账号"),
        Col("account_name", "户名", "name"),
    ],
    "reward": [
        Col("seq", "序号", "serial"),
        Col("id_number", "身份证号码", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("program_code", "项目编码"),
        Col("period", "所属年月", "period"),
        Col("amount", "发放金额", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "户名", "name"),
    ],
    "bulk": [
        Col("payment_id", "流水号"),
        Col("program_code", "项目编码"),
        Col("id_number", "身份证号码", "id"),
        Col("name", "姓名", "name"),
        Col("region_code", "村(社区)代码"),
        Col("period", "发放年月", "period"),
        Col("amount", "发放金额", "amount"),
        Col("account_no", "一卡通账号"),
        Col("account_name", "户名", "name"),
        Col("paid_date", "发放日期", "date"),
    ],
}


@dataclass(frozen=True)
class PayShape:
    """A messy payment file shape: format, encoding, columns, title, value style, junk rows."""

    fmt: str
    columns: str
    encoding: str | None = "utf-8"
    delimiter: str = ","
    title: str = ""  # `{name}` and `{years}` are filled in
    extra_titles: tuple[str, ...] = ()
    sheet: str | None = None
    style: Style = PLAIN
    junk: tuple[str, ...] = ()


# Shapes per programme; the window's calendar years are spread over them (earliest years share the
# first shape when there are more years than shapes).
SHAPES: dict[str, list[PayShape]] = {
    "MZ001": [
        PayShape(
            "csv",
            "names",
            "gbk",
            title="{county}{years}年农村低保金发放花名册",
            extra_titles=("", "单位：元"),
            style=Style(
                noise=0.08,
                period=("cn", "compact", "slash", "dash"),
                amount=("plain", "comma", "yuan", "cny"),
            ),
            junk=("total", "footer"),
        ),
        PayShape(
            "xlsx",
            "full",
            None,
            title="农村低保资金发放明细表（{years}年）",
            sheet="发放明细",
            style=Style(
                noise=0.12,
                period=("cell", "compact", "dash"),
                amount=("number", "plain", "comma"),
                date=("cell", "serial", "dtcell"),
            ),
            junk=("bad_amount",),
        ),
        PayShape(
            "csv",
            "plain",
            "utf-8-sig",
            style=Style(
                noise=0.05,
                period=("dash", "dot", "slash"),
                amount=("plain", "yuan"),
                date=("iso", "slash"),
            ),
            junk=("bad_period",),
        ),
    ],
    "MZ002": [
        PayShape(
            "txt",
            "pipe",
            "utf-8",
            "|",
            title="特困人员救助供养金发放表（{years}年）",
            style=Style(
                noise=0.1,
                period=("compact", "dash", "cn"),
                amount=("comma", "plain", "yen", "fullwidth"),
            ),
            junk=("total",),
        ),
    ],
    "MZ003": [
        PayShape(
            "csv",
            "elderly_names",
            "gb18030",
            title="高龄津贴发放表",
            extra_titles=("单位：元",),
            style=Style(
                noise=0.1,
                dot_share=0.8,
                period=("dash", "cn", "compact", "date"),
                amount=("plain", "cny", "yen", "fullwidth"),
            ),
            junk=("footer",),
        ),
        PayShape(
            "xlsx",
            "spaced",
            None,
            style=Style(noise=0.1, period=("compact", "cell"), amount=("number", "plain")),
        ),
    ],
    "CL001": [
        PayShape(
            "txt",
            "tab",
            "utf-8",
            "\t",
            style=Style(
                noise=0.08,
                period=("slash", "dash"),
                amount=("plain", "bare"),
                date=("slash", "dot", "iso"),
            ),
            junk=("missing_name",),
        ),
        PayShape(
            "xlsx",
            "certified",
            None,
            title="残疾人两项补贴发放明细",
            style=Style(
                noise=0.15,
                period=("dash", "cell", "cn"),
                amount=("plain", "number"),
                date=("serial", "cell", "iso"),
            ),
        ),
    ],
    "JY001": [
        PayShape(
            "xls",
            "education",
            None,
            title="雨露计划补助资金发放表",
            style=Style(noise=0.1, period=("compact", "cell"), amount=("plain", "yuan")),
            junk=("total",),
        ),
    ],
    "RS001": [
        PayShape(
            "csv",
            "pension",
            "utf-8",
            style=Style(noise=0.05, period=("compact", "dash"), amount=("plain", "comma")),
        ),
        PayShape(
            "txt",
            "pension_tab",
            "gbk",
            "\t",
            style=Style(noise=0.05, period=("cn", "compact"), amount=("plain", "cny")),
        ),
    ],
    "NY001": [
        PayShape(
            "xlsx",
            "farmland",
            None,
            title="{years}年耕地地力保护补贴发放清册",
            style=Style(noise=0.1, period=("dash", "cell"), amount=("number", "comma", "plain")),
        ),
        PayShape(
            "txt",
            "farmland_pipe",
            "utf-8",
            "|",
            style=Style(noise=0.1, period=("compact", "dot"), amount=("comma", "plain", "yuan")),
        ),
    ],
    "WJ001": [
        PayShape(
            "csv",
            "reward",
            "utf-8-sig",
            title="农村部分计划生育家庭奖励扶助金发放名册（{years}年）",
            style=Style(noise=0.05, period=("cn", "dash"), amount=("plain", "bare")),
        ),
    ],
}
_FOLDERS = {
    "民政局": "12_民政局",
    "残联": "13_残联",
    "教育局": "14_教育局",
    "人社局": "15_人社局",
    "农业农村局": "16_农业农村局",
    "卫健局": "17_卫健局",
}
_EXT = {"csv": "csv", "txt": "txt", "xlsx": "xlsx", "xls": "xls"}
_REMARKS = ("", "", "", "", "", "", "已核实", "新增", "调标", "代发")


class _Writer:
    """Writes every file of the county and collects the manifest's file entries."""

    def __init__(
        self,
        root: Path,
        seed: int,
        county: County,
        people: People,
        reg: Registers,
        cal: Calendar,
        salt: int,
    ) -> None:
        self.root, self.seed, self.county, self.people, self.reg, self.cal = (
            root,
            seed,
            county,
            people,
            reg,
            cal,
        )
        self.salt = salt
        self.entries: list[dict[str, Any]] = []
        n = len(people)
        self.accounts = ids.account_numbers(np.arange(n), salt)
        self.extra_accounts = ids.account_numbers(
            EXTRA_ACCOUNT + np.arange(len(reg.extra_accounts)), salt
        )
        self.rng = random.Random(f"mingjing-demo-files-{seed}")

    def _open(self, spec: FileSpec) -> Sink:
        check_headers(spec)
        return open_sink(self.root, spec, _crc(self.seed, spec.path))

    def _close(self, sink: Sink) -> None:
        """Close and list the file; a file without data rows is dropped (the importer would refuse
        it as a whole, and a county may simply have no such payments in a year)."""
        entry = sink.close()
        if entry["rows"] == 0:
            sink.path.unlink()
            return
        self.entries.append(entry)

    # 1. registers ---------------------------------------------------------------------------

    def write_registers(self) -> None:
        specs = _register_specs(self.county)
        self._regions(specs["regions"])  # type: ignore[arg-type]
        self._programs(specs["programs"])  # type: ignore[arg-type]
        self._persons(specs["persons"])  # type: ignore[arg-type]
        self._deaths(specs["deaths"])  # type: ignore[arg-type]
        self._simple(specs)

    def _id(self, p: int) -> str:
        return self.people.id18[p]

    def _regions(self, spec: FileSpec) -> None:
        county = self.county
        sink = self._open(spec)
        sink.write(
            {
                "code": county.code12,
                "name": county.name,
                "parent_code": "",
                "level": "county",
                "urban": "",
            }
        )
        for t, code in enumerate(county.township_codes):
            level = "镇" if county.township_names[t].endswith("镇") else "乡"
            sink.write(
                {
                    "code": code,
                    "name": county.township_names[t],
                    "parent_code": county.code12,
                    "level": level,
                    "urban": "",
                }
            )
            for v, vcode in enumerate(county.village_codes):
                if county.village_township[v] != t:
                    continue
                community = int(vcode[9:]) < 200
                sink.write(
                    {
                        "code": vcode,
                        "name": county.village_names[v],
                        "parent_code": code,
                        "level": "社区" if community else "村",
                        "urban": "121" if community else "220",
                    }
                )
        self._close(sink)

    def _programs(self, spec: FileSpec) -> None:
        sink = self._open(spec)
        categories = {
            "dibao": "dibao",
            "tekun": "特困",
            "elderly": "高龄",
            "disability": "残疾",
            "education": "education",
            "agriculture": "农业",
            "other": "其他",
        }
        standards = {
            "MZ001": None,
            "MZ002": "1100.00",
            "MZ003": "100元",
            "CL001": "160",
            "JY001": "250.00",
            "NY001": "",
            "RS001": "188",
            "WJ001": "80.00",
        }
        for code, prog in PROGRAMMES.items():
            standard: Any = standards[code]
            if standard is None:  # one numeric cell, as Excel users type it
                standard = Decimal(prog.standard or 0).scaleb(-2)
            sink.write_cells(
                [
                    str(sink.rows + 1),
                    code,
                    prog.name,
                    categories[prog.category],
                    prog.department,
                    standard,
                    str(prog.min_age) if prog.min_age else "",
                    "、".join(prog.excludes),
                    "财办〔2020〕37号" if prog.category in ("dibao", "tekun") else "",
                ]
            )
        self._close(sink)

    def _person_row(self, p: int) -> dict[str, Any]:
        people = self.people
        id18 = people.id18[p]
        status = int(people.status[p])
        return {
            "id_number": Raw(ids.to_old15(id18)) if people.old15[p] else id18,
            "name": people.name[p],
            "gender": "男" if people.male[p] else "女",
            "birth_date": date.fromordinal(int(people.birth[p])),
            "region_code": self.county.village_codes[people.village[p]],
            "household_id": people.household_ids[people.household[p]],
            "relation": RELATION_TEXT[people.relation[p]],
            "status": STATUS_TEXT[status],
            "status_date": date.fromordinal(int(people.status_date[p]))
            if people.status_date[p]
            else None,
            "remark": "",
        }

    def _persons(self, specs: list[FileSpec]) -> None:
        first, second = (self._open(s) for s in specs)
        half = (len(self.county.township_codes) + 1) // 2
        township = np.array(self.county.village_township)[self.people.village]
        order = np.lexsort((np.arange(len(self.people)), self.people.village))
        copied = None
        for p in order.tolist():
            row = self._person_row(p)
            sink = first if township[p] < half else second
            sink.write(row)
            if copied is None and sink is first:
                copied = row
        # junk: the same person again without a name (required value missing); a footer line
        if copied is not None:
            first.write_junk(dict(copied, name=Raw("")))
        second.write_raw({"id_number": f"制表单位：{self.county.name}公安局户政管理大队"})
        self._close(first)
        self._close(second)

    def _deaths(self, specs: list[FileSpec]) -> None:
        police, cremation = (self._open(s) for s in specs)
        people = self.people
        dead = np.flatnonzero(people.death > 0)
        dead = dead[np.argsort(people.death[dead], kind="stable")]
        first_police = None
        for k, p in enumerate(dead.tolist()):
            when = date.fromordinal(int(people.death[p]))
            src = int(people.sources[p])
            if src & SRC_POLICE:
                row = {
                    "id_number": self._id(p),
                    "name": people.name[p],
                    "death_date": when,
                    "source": "公安户籍",
                }
                police.write(row)
                first_police = first_police or row
            if src & SRC_CREMATION:
                burnt = date.fromordinal(int(people.death[p]) + int(people.cremation_delay[p]))
                hour = 7 + (k % 10)
                cremation.write(
                    {
                        "name": people.name[p],
                        "id_number": self._id(p),
                        "death_date": datetime(burnt.year, burnt.month, burnt.day, hour, 20),
                        "source": "殡仪馆",
                        "cert_no": f"HH{burnt:%Y}{k + 1:06d}",
                    }
                )
        if first_police is not None:  # an unknown date: must be rejected
            police.write_junk(dict(first_police, death_date=Raw("不详")))
        self._close(police)
        self._close(cremation)

    def _simple(self, specs: dict[str, Any]) -> None:
        people, reg, county = self.people, self.reg, self.county

        sink = self._open(specs["payroll"])
        for r in reg.payroll.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "employer": r["employer"],
                    "start_date": r["start"],
                    "end_date": r["end"],
                    "kind": "在职" if r["end"] is None else "离退",
                }
            )
        self._close(sink)

        sink = self._open(specs["officials"])
        for r in reg.officials.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "region_code": county.village_codes[r["village"]],
                    "position": r["position"],
                    "term_start": r["start"],
                    "term_end": r["end"],
                }
            )
        self._close(sink)

        sink = self._open(specs["relatives"])
        for r in reg.relatives.rows():
            sink.write(
                {
                    "official_id_number": self._id(r["official"]),
                    "official_name": people.name[r["official"]],
                    "relative_id_number": self._id(r["relative"]),
                    "relative_name": people.name[r["relative"]],
                    "relation": r["relation"],
                    "filed": r["filed"],
                }
            )
        self._close(sink)

        sink = self._open(specs["vehicles"])
        for r in reg.vehicles.rows():
            sink.write(
                {
                    "owner_id_number": self._id(r["pid"]),
                    "plate": r["plate"],
                    "vehicle_type": r["type"],
                    "register_date": r["registered"],
                    "status": r["status"],
                }
            )
        if len(reg.vehicles):  # a row without its plate number: must be rejected
            r = next(reg.vehicles.rows())
            sink.write_junk(
                {
                    "owner_id_number": self._id(r["pid"]),
                    "plate": Raw(""),
                    "vehicle_type": r["type"],
                    "register_date": r["registered"],
                    "status": r["status"],
                }
            )
        self._close(sink)

        sink = self._open(specs["properties"])
        for r in reg.properties.rows():
            sink.write(
                {
                    "owner_id_number": self._id(r["pid"]),
                    "owner_name": people.name[r["pid"]],
                    "location": r["location"],
                    "usage": r["usage"],
                    "area": r["area"],
                    "register_date": r["registered"],
                }
            )
        self._close(sink)

        sink = self._open(specs["businesses"])
        for r in reg.businesses.rows():
            sink.write(
                {
                    "role": r["role"],
                    "id_number": self._id(r["pid"]),
                    "person_name": people.name[r["pid"]],
                    "business_name": r["business"],
                    "established_date": r["established"],
                    "status": r["status"],
                }
            )
        self._close(sink)

        sink = self._open(specs["pensions"])
        for r in reg.pensions.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "monthly_amount": r["cents"],
                    "start_period": r["start"],
                    "end_period": r["end"],
                    "kind": "企业职工基本养老金" if r["cents"] > 80_001 else "被征地农民养老保险",
                }
            )
        self._close(sink)

        sink = self._open(specs["students"])
        for r in reg.students.rows():
            sink.write(
                {
                    "id_number": self._id(r["pid"]),
                    "name": people.name[r["pid"]],
                    "school": r["school"],
                    "start_date": r["start"],
                    "end_date": r["end"],
                    "stage": "中职" if "职业" in r["school"] else "高中",
                }
            )
        self._close(sink)

        sink = self._open(specs["disabilities"])
        from mingjing.demo.names import DISABILITY_LEVELS, DISABILITY_TYPES

        for r in reg.disabilities.rows():
            id18 = self._id(r["pid"])
            cert = f"{id18}{DISABILITY_TYPES.index(r['type']) + 1}{DISABILITY_LEVELS.index(r['level']) + 1}"
            sink.write(
                {
                    "cert_no": cert,
                    "id_number": id18,
                    "name": people.name[r["pid"]],
                    "disability_type": r["type"],
                    "disability_level": r["level"],
                    "issue_date": r["issued"],
                    "status": r["status"],
                }
            )
        self._close(sink)

    # 2. payments --------------------------------------------------------------------------------

    def write_payments(self, bulk_format: str, messy_persons: int) -> None:
        """Month by month: expand the plans, route each row to a messy file (villages holding about
        `messy_persons` people) or to the bulk file of its department and year, then add the
        explicit planted rows of the month."""
        cal, people, county = self.cal, self.people, self.county
        n_villages = len(county.village_codes)
        per_village = max(1, len(people) // n_villages)
        k_messy = min(n_villages - 1, max(1, -(-messy_persons // per_village)))
        messy_village = np.zeros(n_villages + 1, dtype=bool)
        messy_village[:k_messy] = True
        codes = list(PROGRAMMES)
        years = sorted({cal.period(m).year for m in range(cal.months)})
        messy_sinks = {code: self._messy_sinks(code, years) for code in codes}
        bulk_sinks: dict[tuple[str, int], Sink] = {}
        id_pa = pa.array(people.id18, type=pa.string())
        name_pa = pa.array(people.name, type=pa.string())
        account_pa = pa.array(self.accounts, type=pa.string())
        region_pa = pa.array(county.village_codes, type=pa.string())
        code_pa = pa.array(codes, type=pa.string())
        extra_by_month: dict[int, list[dict[str, Any]]] = {}
        for row in self.reg.extra_payments:
            extra_by_month.setdefault(row["period"], []).append(row)
        sprinkle_rng = np.random.default_rng([self.seed, 5])

        for m in range(cal.months):
            period = cal.period(m)
            parts = []
            for ci, code in enumerate(codes):
                rows = self.reg.plans[code].month(m)
                rows["code"] = np.full(len(rows["pid"]), ci, dtype=np.int64)
                parts.append(rows)
            month = {f: np.concatenate([p[f] for p in parts]) for f in parts[0]}
            order = np.lexsort((month["pid"], month["code"], month["village"]))
            month = {f: v[order] for f, v in month.items()}
            serial = np.arange(1, len(order) + 1)
            is_messy = messy_village[month["village"]]
            # messy rows: one typed row at a time
            for i in np.flatnonzero(is_messy).tolist():
                code = codes[month["code"][i]]
                sink = messy_sinks[code][period.year]
                sink.write(
                    self._payment_row(
                        code,
                        m,
                        int(month["pid"][i]),
                        int(month["cents"][i]),
                        int(month["village"][i]),
                        int(month["account"][i]),
                        int(serial[i]),
                    )
                )
            # bulk rows: vectorised, one block per department
            bulk = np.flatnonzero(~is_messy)
            departments = np.array([PROGRAMMES[c].department for c in codes])[month["code"][bulk]]
            for dept in sorted(set(departments.tolist())):
                sel = bulk[departments == dept]
                key = (dept, period.year)
                if key not in bulk_sinks:
                    bulk_sinks[key] = self._bulk_sink(dept, period.year, bulk_format)
                block = {f: v[sel] for f, v in month.items()}
                self._write_bulk(
                    bulk_sinks[key],
                    block,
                    serial[sel],
                    m,
                    id_pa,
                    name_pa,
                    account_pa,
                    region_pa,
                    code_pa,
                    sprinkle_rng,
                )
            # planted explicit rows of the month
            next_serial = len(order) + 1
            for row in extra_by_month.get(m, []):
                code = row["code"]
                typed = self._payment_row(
                    code,
                    m,
                    row["pid"],
                    row["cents"],
                    row["village"],
                    row["account"],
                    next_serial,
                    id_text=row["id_text"],
                    name=row["name"],
                )
                next_serial += 1
                if messy_village[row["village"]]:
                    messy_sinks[code][period.year].write(typed)
                else:
                    key = (PROGRAMMES[code].department, period.year)
                    if key not in bulk_sinks:
                        bulk_sinks[key] = self._bulk_sink(*key, bulk_format)
                    bulk_sinks[key].write(typed)
        # junk rows at the end of the messy files, then close everything
        closed: set[int] = set()
        for code in codes:
            for sink in messy_sinks[code].values():
                if id(sink) in closed:
                    continue
                closed.add(id(sink))
                if sink.rows:
                    for kind in sink.spec.junk:
                        self._junk(sink, kind)
                self._close(sink)
        for key in sorted(bulk_sinks):
            self._close(bulk_sinks[key])

    def _messy_sinks(self, code: str, years: list[int]) -> dict[int, Sink]:
        """Map each calendar year of the window to an open sink of this programme."""
        shapes = SHAPES[code]
        groups: list[list[int]] = []
        lead = max(1, len(years) - len(shapes) + 1)
        groups.append(years[:lead])
        groups.extend([y] for y in years[lead:])
        prog = PROGRAMMES[code]
        out: dict[int, Sink] = {}
        for shape, group in zip(shapes, groups, strict=False):
            label = str(group[0]) if len(group) == 1 else f"{group[0]}-{group[-1]}"
            title = shape.title.format(county=self.county.name, years=label, name=prog.name)
            path = f"{_FOLDERS[prog.department]}/{prog.name}_{label}.{_EXT[shape.fmt]}"
            spec = FileSpec(
                path,
                "payments",
                shape.fmt,
                list(_PAY[shape.columns]),
                encoding=shape.encoding,
                delimiter=shape.delimiter,
                sheet=shape.sheet,
                titles=[title, *shape.extra_titles] if title else list(shape.extra_titles),
                style=shape.style,
                notes=["填表说明：", "1. 身份证号码请以文本格式录入。", "2. 金额单位为元。"],
            )
            spec.junk = shape.junk
            sink = self._open(spec)
            for y in group:
                out[y] = sink
        return out

    def _bulk_sink(self, dept: str, year: int, bulk_format: str) -> Sink:
        spec = FileSpec(
            f"{_FOLDERS[dept]}/批量/{dept}_{year}年发放明细.csv",
            "payments",
            "csv",
            list(_PAY["bulk"]),
            encoding=BULK_FORMATS[bulk_format],
        )
        return self._open(spec)

    def _payment_row(
        self,
        code: str,
        m: int,
        pid: int | None,
        cents: int,
        village: int,
        account: int,
        serial: int,
        *,
        id_text: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        cal, county, people = self.cal, self.county, self.people
        period = cal.period(m)
        if account >= EXTRA_ACCOUNT:
            account_no = self.extra_accounts[account - EXTRA_ACCOUNT]
            holder = self.reg.extra_accounts[account - EXTRA_ACCOUNT]
        else:
            account_no, holder = self.accounts[account], people.name[account]
        prog = PROGRAMMES[code]
        t = county.village_township[village]
        return {
            "payment_id": f"{code}{period:%Y%m}{serial:07d}",
            "program_code": code,
            "program_name": prog.name,
            "id_number": Raw(id_text) if id_text is not None else people.id18[pid],  # type: ignore[index]
            "name": name if name is not None else people.name[pid],  # type: ignore[index]
            "region_code": county.village_codes[village],
            "township_name": county.township_names[t],
            "village_name": county.village_names[village],
            "period": period,
            "amount": cents,
            "account_no": account_no,
            "account_name": holder,
            "paid_date": period.replace(day=10 + list(PROGRAMMES).index(code)),
            "remark": self.rng.choice(_REMARKS),
            "area_mu": _mu(cents) if prog.category == "agriculture" else "",
        }

    def _write_bulk(
        self,
        sink: Sink,
        block: dict[str, np.ndarray],
        serial: np.ndarray,
        m: int,
        id_pa: pa.Array,
        name_pa: pa.Array,
        account_pa: pa.Array,
        region_pa: pa.Array,
        code_pa: pa.Array,
        rng: np.random.Generator,
    ) -> None:
        """Plain rows as pyarrow string columns joined into lines; one row in ~400 gets a messy ID,
        name or amount (`Sink` renderings), so the bulk files exercise normalisation too."""
        n = len(serial)
        if not n:
            return
        period = self.cal.period(m)
        pid = pa.array(block["pid"])
        account = pa.array(block["account"])
        cents, inverse = np.unique(block["cents"], return_inverse=True)
        amount_pa = pa.array([yuan_text(int(c)) for c in cents.tolist()]).take(pa.array(inverse))
        code_col = code_pa.take(pa.array(block["code"]))
        serial_txt = pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 7, "0")
        columns = [
            pc.binary_join_element_wise(code_col, f"{period:%Y%m}", serial_txt, ""),
            code_col,
            id_pa.take(pid),
            name_pa.take(pid),
            region_pa.take(pa.array(block["village"])),
            pa.array([f"{period:%Y-%m}"] * n),
            amount_pa,
            account_pa.take(account),
            name_pa.take(account),
            pa.array([f"{period.replace(day=10):%Y-%m-%d}"] * n),
        ]
        picks = np.flatnonzero(rng.random(n) < 1 / 400)
        if len(picks):
            mask = np.zeros(n, dtype=bool)
            mask[picks] = True
            mask_pa = pa.array(mask)
            ids_messy, names_messy, amounts_messy = [], [], []
            for i in picks.tolist():
                id18 = self.people.id18[int(block["pid"][i])]
                ids_messy.append(
                    render_id(id18, sink.rng.choice(("lower_x", "spaced", "old15", "full_width")))
                )
                nm = self.people.name[int(block["pid"][i])]
                names_messy.append(
                    render_name(nm, sink.rng.choice(("inner_space", "ideographic_space")))
                )
                c = int(block["cents"][i])
                amounts_messy.append(yuan_text(c) + "元" if c >= 0 else yuan_text(c))
            columns[2] = pc.replace_with_mask(columns[2], mask_pa, pa.array(ids_messy))
            columns[3] = pc.replace_with_mask(columns[3], mask_pa, pa.array(names_messy))
            columns[6] = pc.replace_with_mask(columns[6], mask_pa, pa.array(amounts_messy))
        lines = pc.binary_join_element_wise(*columns, ",").to_pylist()
        sink.write_lines("\r\n".join(lines) + "\r\n", n)  # type: ignore[attr-defined]

    def _junk(self, sink: Sink, kind: str) -> None:
        """Rows the importer must reject: totals, footers, unparseable or missing values."""
        if kind == "total":
            first = sink.spec.columns[0].key
            sink.write_raw({first: "合计", "amount": yuan_text(sink.amount_total, thousands=True)})
        elif kind == "footer":
            first = sink.spec.columns[0].key
            sink.write_raw({first: "制表人：张某某　　审核人：李某某　　制表日期：2026年11月5日"})
        elif kind == "bad_amount" and sink.last_row is not None:
            sink.write_junk(dict(sink.last_row, amount=Raw("待核实")))
        elif kind == "bad_period" and sink.last_row is not None:
            sink.write_junk(
                dict(sink.last_row, period=Raw(f"{self.cal.period(self.cal.last).year}-13"))
            )
        elif kind == "missing_name" and sink.last_row is not None:
            sink.write_junk(dict(sink.last_row, name=Raw("")))


def _mu(cents: int) -> str:
    tenths = cents // 955  # 95.50 yuan per mu
    return f"{tenths // 10}.{tenths % 10}"


def check_headers(spec: FileSpec) -> None:
    """Every header must map (under the contract's rules) to the column the generator means, and
    extra columns to nothing: the files exercise synonyms and ignored headers on purpose, not by
    accident. The required columns (or their alternatives) must all be present."""
    dataset = DATASETS[spec.dataset]
    index = header_index(dataset)
    canonical = {c.name for c in dataset.columns}
    mapped = set()
    for col in spec.columns:
        target = index.get(normalise_header(col.header))
        expected = col.key if col.key in canonical else None
        if target != expected:
            raise AssertionError(
                f"{spec.path}: header {col.header!r} maps to {target}, meant {expected}"
            )
        if target:
            mapped.add(target)
    missing = missing_required(dataset, mapped)
    if missing:
        raise AssertionError(f"{spec.path}: required columns missing: {missing}")


def iter_files(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The manifest's files in import order."""
    by_path = {e["path"]: e for e in manifest["files"]}
    for path in manifest["import_order"]:
        yield by_path[path]


__all__ = ["check_headers", "generate", "iter_files"]
