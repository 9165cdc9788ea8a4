"""File layouts of the demo county: which department file has which headers, values and junk.

Each layout is deliberate: different files use different header synonyms of the contract (with
units, full-width characters and stray spaces), extra columns that map to nothing (序号, 备注, ...)
and their own value renderings, so the importer meets every shape that `data-contract.md` promises.
`generator.check_headers` verifies each layout against `mingjing.datahub.contract` when a file is
opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from mingjing.demo.county import County
from mingjing.demo.shapes import PLAIN, Col, FileSpec, Style

# --- register files ----------------------------------------------------------------------------

MESSY_DATES = ("iso", "slash", "dot", "compact", "cn", "time")


def register_specs(county: County) -> dict[str, FileSpec | list[FileSpec]]:
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

PAY_COLUMNS = {
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
FOLDERS = {
    "民政局": "12_民政局",
    "残联": "13_残联",
    "教育局": "14_教育局",
    "人社局": "15_人社局",
    "农业农村局": "16_农业农村局",
    "卫健局": "17_卫健局",
}
EXTENSIONS = {"csv": "csv", "txt": "txt", "xlsx": "xlsx", "xls": "xls"}
REMARKS = ("", "", "", "", "", "", "已核实", "新增", "调标", "代发")
