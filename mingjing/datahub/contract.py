"""The data contract (`shared/design/data-contract.md`) as data: datasets, columns, header synonyms.

This module is pure Python (no Django), so the demo generator, the benchmarks and the engine's
tests can use it too. Problem models only ever see the canonical names defined here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa


class Kind(StrEnum):
    """How a column's text is normalised and typed (see `mingjing.lib.values`)."""

    ID_NUMBER = "id_number"  # 18-char string + <prefix>id_valid (+ birth_date, gender, id_region)
    NAME = "name"  # person's name: spaces removed, middle dots unified
    TEXT = "text"  # free text, trimmed, full-width folded
    DATE = "date"
    PERIOD = "period"  # a month, stored as its first day
    AMOUNT = "amount"  # decimal(18, 2) yuan
    DECIMAL = "decimal"  # decimal(18, 2), not money (area)
    INTEGER = "integer"
    BOOLEAN = "boolean"
    REGION = "region"  # 12-digit statistical region code
    REGION_LEVEL = "region_level"  # county / township / village
    CATEGORY = "category"  # programme category code
    GENDER = "gender"  # 男 / 女
    CODE_LIST = "code_list"  # programme codes separated by , 、 ;
    CODE = "code"  # an identifier kept as text (programme code, plate, payment id)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    synonyms: tuple[str, ...] = ()
    required: bool = False
    default: object = None  # stored when the cell is empty or the column absent


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str  # Chinese title shown in the UI
    columns: tuple[Column, ...]
    # Columns the Parquet file is sorted by (the person key first where there is one).
    sort_keys: tuple[str, ...] = ()
    # Required slots satisfied by any one of several columns: payments may name the programme
    # instead of its code, and the township + village instead of the region code.
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


ID_SYNONYMS = ("公民身份号码", "身份证号", "身份证号码", "证件号码")
NAME_SYNONYMS = ("姓名",)
REGION_SYNONYMS = ("村(社区)代码", "区划代码", "户籍地代码", "行政区划代码")


def _c(name: str, kind: Kind, *synonyms: str, required: bool = False, default: object = None) -> Column:
    return Column(name, kind, tuple(synonyms), required, default)


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "regions",
            "行政区划",
            (
                _c("code", Kind.REGION, "区划代码", "统计用区划代码", "代码", required=True),
                _c("name", Kind.TEXT, "名称", "区划名称", required=True),
                _c("parent_code", Kind.REGION, "上级代码", "上级区划代码"),
                _c("level", Kind.REGION_LEVEL, "级别", "层级"),
            ),
            sort_keys=("code",),
        ),
        Dataset(
            "persons",
            "户籍人口",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("region_code", Kind.REGION, *REGION_SYNONYMS, required=True),
                _c("gender", Kind.GENDER, "性别"),
                _c("birth_date", Kind.DATE, "出生日期"),
                _c("household_id", Kind.CODE, "户号"),
                _c("relation", Kind.TEXT, "与户主关系"),
                _c("status", Kind.TEXT, "人员状态", "户籍状态"),
                _c("status_date", Kind.DATE, "状态变更日期", "注销日期", "迁出日期"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "deaths",
            "死亡登记",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("death_date", Kind.DATE, "死亡日期", "火化日期", required=True),
                _c("source", Kind.TEXT, "数据来源"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "payroll",
            "财政供养人员",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("employer", Kind.TEXT, "单位名称", "工作单位", "单位", required=True),
                _c("start_date", Kind.DATE, "入职日期", "参加工作日期", "起始日期", required=True),
                _c("end_date", Kind.DATE, "离职日期", "离退日期", "终止日期"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "officials",
            "村(社区)干部及经办人员",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("region_code", Kind.REGION, *REGION_SYNONYMS, required=True),
                _c("position", Kind.TEXT, "职务", "岗位", required=True),
                _c("term_start", Kind.DATE, "任职开始", "任职开始日期", "任职日期", required=True),
                _c("term_end", Kind.DATE, "任职结束", "任职结束日期", "离任日期"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "relatives",
            "近亲属关系",
            (
                _c("official_id_number", Kind.ID_NUMBER, "干部身份证号", "干部身份证号码", required=True),
                _c("relative_id_number", Kind.ID_NUMBER, "亲属身份证号", "亲属身份证号码", required=True),
                _c("relative_name", Kind.NAME, "亲属姓名"),
                _c("relation", Kind.TEXT, "关系", "亲属关系", required=True),
                _c("filed", Kind.BOOLEAN, "是否备案", "备案情况", default=False),
            ),
            sort_keys=("official_id_number", "relative_id_number"),
        ),
        Dataset(
            "vehicles",
            "机动车登记",
            (
                _c("owner_id_number", Kind.ID_NUMBER, "所有人身份证号", "机动车所有人身份证号", "身份证号", required=True),
                _c("plate", Kind.CODE, "号牌号码", "车牌号", required=True),
                _c("vehicle_type", Kind.TEXT, "车辆类型", required=True),
                _c("register_date", Kind.DATE, "登记日期", "初次登记日期"),
                _c("status", Kind.TEXT, "状态", "机动车状态"),
            ),
            sort_keys=("owner_id_number",),
        ),
        Dataset(
            "properties",
            "不动产登记",
            (
                _c("owner_id_number", Kind.ID_NUMBER, "权利人身份证号", "身份证号", required=True),
                _c("location", Kind.TEXT, "坐落", "房屋坐落", required=True),
                _c("usage", Kind.TEXT, "用途", "房屋用途", required=True),
                _c("area", Kind.DECIMAL, "面积", "建筑面积"),
                _c("register_date", Kind.DATE, "登记日期"),
            ),
            sort_keys=("owner_id_number",),
        ),
        Dataset(
            "businesses",
            "市场主体登记",
            (
                _c("id_number", Kind.ID_NUMBER, "身份证号", "法定代表人身份证号", "经营者身份证号", required=True),
                _c("business_name", Kind.TEXT, "主体名称", "企业名称", "字号名称", required=True),
                _c("role", Kind.TEXT, "身份", "角色", required=True),
                _c("established_date", Kind.DATE, "成立日期"),
                _c("status", Kind.TEXT, "登记状态"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "pensions",
            "养老金/社保待遇",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("monthly_amount", Kind.AMOUNT, "月待遇金额", "月养老金", required=True),
                _c("start_period", Kind.PERIOD, "开始年月", "起始年月", required=True),
                _c("end_period", Kind.PERIOD, "终止年月"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "students",
            "学籍",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("school", Kind.TEXT, "学校", "学校名称", required=True),
                _c("start_date", Kind.DATE, "入学日期", required=True),
                _c("end_date", Kind.DATE, "毕业日期", "离校日期"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "disabilities",
            "残疾人证",
            (
                _c("id_number", Kind.ID_NUMBER, *ID_SYNONYMS, required=True),
                _c("name", Kind.NAME, *NAME_SYNONYMS, required=True),
                _c("disability_type", Kind.TEXT, "残疾类别", required=True),
                _c("disability_level", Kind.TEXT, "残疾等级", required=True),
                _c("issue_date", Kind.DATE, "发证日期"),
                _c("status", Kind.TEXT, "状态", "证件状态"),
            ),
            sort_keys=("id_number",),
        ),
        Dataset(
            "programs",
            "补贴项目",
            (
                _c("program_code", Kind.CODE, "项目编码", "补贴项目编码", required=True),
                _c("program_name", Kind.TEXT, "项目名称", "补贴项目名称", required=True),
                _c("category", Kind.CATEGORY, "类别", "项目类别", required=True),
                _c("department", Kind.TEXT, "主管部门"),
                _c("unit_standard", Kind.AMOUNT, "发放标准"),
                _c("min_age", Kind.INTEGER, "起领年龄"),
                _c("excludes", Kind.CODE_LIST, "互斥项目"),
            ),
            sort_keys=("program_code",),
        ),
        Dataset(
            "payments",
            "补贴发放明细",
            (
                _c("payment_id", Kind.CODE, "流水号", "发放流水号"),
                _c("program_code", Kind.CODE, "项目编码", "补贴项目编码", required=True),
                _c("id_number", Kind.ID_NUMBER, "身份证号码", "身份证号", "补贴对象身份证号", "公民身份号码", "证件号码", required=True),
                _c("name", Kind.NAME, "姓名", "补贴对象姓名", required=True),
                _c("region_code", Kind.REGION, "村(社区)代码", "区划代码", required=True),
                _c("period", Kind.PERIOD, "发放年月", "所属期", "所属年月", required=True),
                _c("amount", Kind.AMOUNT, "发放金额", "实发金额", "金额", required=True),
                _c("account_no", Kind.CODE, "一卡通账号", "银行账号", "卡号", "收款账号"),
                _c("account_name", Kind.NAME, "账户名", "户名", "收款人"),
                _c("paid_date", Kind.DATE, "发放日期"),
                # Lookup-only columns: resolved into program_code / region_code, never stored.
                _c("program_name", Kind.TEXT, "项目名称", "补贴项目"),
                _c("township_name", Kind.TEXT, "乡镇", "乡镇(街道)"),
                _c("village_name", Kind.TEXT, "村", "村(社区)"),
            ),
            sort_keys=("id_number", "period"),
            alternatives={
                "program_code": ("program_name",),
                "region_code": ("township_name", "village_name"),
            },
        ),
    ]
}

# Columns read from files only to resolve another column; they are not stored in the lake.
LOOKUP_ONLY = {"payments": ("program_name", "township_name", "village_name")}

CATEGORIES = {
    "dibao": "低保",
    "tekun": "特困",
    "elderly": "高龄",
    "disability": "残疾",
    "education": "教育",
    "agriculture": "农业",
    "other": "其他",
}

_TRAILING_UNIT = re.compile(r"\([^()]*\)$")
_SPACES = re.compile(r"\s+")


def normalise_header(header: str) -> str:
    """Header as matched: full-width folded (NFKC), no whitespace, no trailing `(unit)`, lower case."""
    text = unicodedata.normalize("NFKC", header or "")
    text = _SPACES.sub("", text)
    text = _TRAILING_UNIT.sub("", text)
    return text.lower()


def header_index(dataset: Dataset) -> dict[str, str]:
    """Normalised header -> canonical column, including the canonical names themselves."""
    index: dict[str, str] = {}
    for col in dataset.columns:
        for name in (col.name, *col.synonyms):
            index.setdefault(normalise_header(name), col.name)
    return index


def missing_required(dataset: Dataset, mapped: set[str]) -> list[str]:
    """Required columns (or alternative sets) that the mapped columns do not satisfy."""
    missing = []
    for name in dataset.required:
        if name in mapped:
            continue
        alternative = dataset.alternatives.get(name)
        if alternative and all(a in mapped for a in alternative):
            continue
        missing.append(name)
    return missing


def stored_columns(dataset: Dataset) -> list[Column]:
    lookup = LOOKUP_ONLY.get(dataset.name, ())
    return [c for c in dataset.columns if c.name not in lookup]


# -- the stored (Parquet) schema -----------------------------------------------------------

AMOUNT_TYPE = pa.decimal128(18, 2)
ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.ID_NUMBER: pa.string(),
    Kind.NAME: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.PERIOD: pa.date32(),
    Kind.AMOUNT: AMOUNT_TYPE,
    Kind.DECIMAL: AMOUNT_TYPE,
    Kind.INTEGER: pa.int32(),
    Kind.BOOLEAN: pa.bool_(),
    Kind.REGION: pa.string(),
    Kind.REGION_LEVEL: pa.string(),
    Kind.CATEGORY: pa.string(),
    Kind.GENDER: pa.string(),
    Kind.CODE_LIST: pa.list_(pa.string()),
}


def id_columns(column: str) -> dict[str, pa.DataType]:
    """Columns stored for an ID-number column: the number, its validity, and what it encodes."""
    prefix = column[: -len("id_number")]
    if prefix:
        return {column: pa.string(), f"{prefix}id_valid": pa.bool_()}
    return {
        "id_number": pa.string(),
        "id_valid": pa.bool_(),
        "birth_date": pa.date32(),
        "gender": pa.string(),
        "id_region": pa.string(),
    }


def arrow_schema(dataset: Dataset) -> pa.Schema:
    fields: dict[str, pa.DataType] = {}
    for col in stored_columns(dataset):
        if col.kind is Kind.ID_NUMBER:
            for name, typ in id_columns(col.name).items():
                fields.setdefault(name, typ)
        else:
            fields.setdefault(col.name, ARROW_TYPES[col.kind])
    fields["_batch"] = pa.int64()
    fields["_row"] = pa.int64()
    return pa.schema(list(fields.items()))


# Columns derived at import from an ID number (`<prefix>id_valid`, `<prefix>birth_date`, ...).
_DERIVED_LABELS = {
    "id_valid": "号码有效",
    "birth_date": "出生日期",
    "gender": "性别",
    "id_region": "号码地区",
}


def column_label(dataset: str, column: str) -> str:
    """A column as the departments' files head it (the contract's first synonym), else its name."""
    contract = DATASETS.get(dataset)
    if contract is not None:
        try:
            synonyms = contract.column(column).synonyms
        except KeyError:
            synonyms = ()
        if synonyms:
            return synonyms[0]
    for suffix, label in _DERIVED_LABELS.items():
        if column.endswith(suffix):
            return label
    return column
