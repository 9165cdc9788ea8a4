"""The staff sheet: reading it, judging its cells, and the blank template counties fill in.

A county hands over its staff as a spreadsheet (姓名, 手机, 组织, 角色, 邮箱 in any order, title rows
allowed, XLSX or CSV in UTF-8 or GBK). It is read with the data hub's reader (`open_source`:
format, encoding, header row under title rows, source row numbers), so a staff sheet is read
exactly as a department's file would be. This module judges what a row says on its own (phone
number, lengths, formulas, the role's name); what needs the database (the organisation, the role
against the organisation's kind, existing accounts) is judged by `actions.do_import_staff`.
"""

from __future__ import annotations

import functools
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from mingjing.accounts.models import Role
from mingjing.datahub.contract import Column, Dataset, Kind
from mingjing.datahub.reader import FileProblem, open_source
from mingjing.lib.spreadsheets import looks_like_formula

# The sheet as the reader sees it: canonical columns and the headers counties use for them.
SHEET = Dataset(
    "staff",
    "人员名单",
    (
        Column("name", Kind.NAME, ("姓名", "名字"), required=True),
        Column("phone", Kind.CODE, ("手机", "手机号", "手机号码", "联系电话", "电话", "mobile"), required=True),
        Column("organisation", Kind.TEXT, ("组织", "单位", "所在单位", "组织机构", "organization"), required=True),
        Column("role", Kind.TEXT, ("角色", "岗位"), required=True),
        Column("email", Kind.TEXT, ("邮箱", "电子邮箱", "电子邮件", "e-mail")),
    ),
)
TEMPLATE_HEADERS = ["姓名", "手机", "组织", "角色", "邮箱"]
# A synthetic person: the example row of the template (130 0000 xxxx is not a real subscriber).
EXAMPLE_ROW = ["张三", "13000000001", "民政局", "部门经办人", "zhangsan@example.com"]

# The role names a sheet may use, besides the role's value (`department_officer`) and its English
# label. The first name of each role is how pages and reports show it.
ROLE_NAMES: dict[Role, tuple[str, ...]] = {
    Role.COUNTY_ADMIN: ("县纪委监委管理员", "管理员"),
    Role.COUNTY_ANALYST: ("县纪委监委分析员", "分析员"),
    Role.TOWNSHIP_OFFICER: ("乡镇纪委干部", "乡镇纪委"),
    Role.DEPARTMENT_OFFICER: ("部门经办人", "经办人"),
    Role.VILLAGE_BOOKKEEPER: ("报账员", "村报账员"),
    Role.VILLAGE_SECRETARY: ("村党组织书记", "村党支部书记", "村支书"),
    Role.VILLAGE_SUPERVISOR: ("村务监督委员会主任", "村监委会主任"),
    Role.VILLAGE_MEMBER: ("村委会委员", "村委委员"),
}

# Longest text accepted per column (characters): longer cells are refused, not cut.
MAX_LENGTH = {"name": 30, "phone": 20, "organisation": 64, "role": 32, "email": 254}
COLUMN_ZH = {"name": "姓名", "phone": "手机", "organisation": "组织", "role": "角色", "email": "邮箱"}
PHONE = re.compile(r"^1[3-9]\d{9}$")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed by hand


@dataclass(frozen=True)
class SheetRow:
    """One data row as text, with its row number as a person finds it in the file."""

    row: int
    name: str = ""
    phone: str = ""
    organisation: str = ""
    role: str = ""
    email: str = ""


@dataclass(frozen=True)
class RowProblem:
    row: int
    zh: str
    en: str


def max_rows() -> int:
    return int(getattr(settings, "STAFF_MAX_ROWS", 5000))


def read_sheet(path: Path, *, sheet: str | None = None, limit: int | None = None) -> tuple[list[SheetRow], list[RowProblem]]:
    """The data rows of a staff sheet, and the rows that could not even be split into cells.

    Raises FileProblem for the file as a whole: unreadable, missing columns, no data rows, or
    more rows than `limit` (`STAFF_MAX_ROWS`), refused as soon as the count passes it.
    """
    limit = max_rows() if limit is None else limit
    source = open_source(path, SHEET, sheet=sheet)
    rows: list[SheetRow] = []
    broken: list[RowProblem] = []
    for chunk in source.chunks():
        columns = {name: chunk.columns[i].to_pylist() for i, name in source.mapping.items()}
        for i, row in enumerate(chunk.rows.tolist()):
            rows.append(SheetRow(row, **{name: _clean(values[i]) for name, values in columns.items()}))
        broken += [RowProblem(b.row, f"无法拆分成列：{b.reason}", f"cannot be split into cells: {b.reason}")
                   for b in chunk.bad]
        count = len(rows) + len(broken)
        if count > limit:
            raise FileProblem(
                "too_many_rows",
                f"人员名单最多 {limit} 行，这个文件至少有 {count} 行；请拆分成几个文件分别导入",
                f"a staff sheet may have at most {limit} rows; this file has at least {count}; "
                f"split it into several files",
            )
    if not rows and not broken:
        raise FileProblem("no_rows", "人员名单只有表头，没有数据行", "the staff sheet has a header but no data rows")
    return rows, broken


def _clean(value: Any) -> str:
    return str(value or "").strip(" \t\r\n\u3000\u00a0\ufeff")


# -- judging one row on its own -----------------------------------------------------------------


def normalise_phone(text: str) -> str:
    """138 0013 8000, 138-0013-8000 and +86 13800138000 all give 13800138000."""
    digits = re.sub(r"[\s\-\u3000]", "", unicodedata.normalize("NFKC", text))
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def in_chinese(text: Any) -> str:
    """A lazy UI string in Simplified Chinese, whatever the request's language (for sheets and
    bilingual messages)."""
    with translation.override("zh-hans"):
        return str(text)


def in_english(text: Any) -> str:
    with translation.override("en"):
        return str(text)


@functools.cache
def _roles_by_name() -> dict[str, Role]:
    """The Chinese names above, the role's value and its English label, folded."""
    return {
        unicodedata.normalize("NFKC", name).lower(): role
        for role in Role
        for name in (*ROLE_NAMES[role], role.value, in_english(role.label))
    }


def role_named(text: str) -> Role | None:
    return _roles_by_name().get(unicodedata.normalize("NFKC", text).lower())


def role_name(role: str) -> str:
    """How pages and reports show a role: its first Chinese name."""
    try:
        return ROLE_NAMES[Role(role)][0]
    except ValueError:
        return role


def check_row(row: SheetRow) -> list[RowProblem]:
    """Everything wrong with a row that needs no database: lengths, formulas, phone, role, e-mail."""
    problems: list[RowProblem] = []

    def problem(zh: str, en: str) -> None:
        problems.append(RowProblem(row.row, zh, en))

    for column, limit in MAX_LENGTH.items():
        value = getattr(row, column)
        if len(value) > limit:
            problem(f"{COLUMN_ZH[column]}过长：{len(value)} 个字符，最多 {limit} 个",
                    f"{column} is too long: {len(value)} characters, at most {limit}")
        elif column != "phone" and looks_like_formula(value):
            problem(f"{COLUMN_ZH[column]}“{value}”以 {value[0]!r} 开头，像是表格公式，不予接受",
                    f"{column} '{value}' starts with {value[0]!r} like a spreadsheet formula; refused")
    if problems:
        return problems  # the other checks would only repeat what is wrong with these cells
    if not row.name:
        problem("姓名为空", "the name is empty")
    phone = normalise_phone(row.phone)
    if not row.phone:
        problem("手机号为空（手机号是登录账号）", "the phone number is empty (it is the login)")
    elif not PHONE.match(phone):
        problem(f"手机号“{row.phone}”不是 11 位手机号码（1 开头）",
                f"phone '{row.phone}' is not an 11-digit mobile number starting with 1")
    elif phone == EXAMPLE_ROW[1]:
        problem("这是模板中的示例行，请删除后再导入", "this is the template's example row: delete it before importing")
    if not row.organisation:
        problem("组织为空：请填 12 位区划代码或部门名称", "the organisation is empty: give a 12-digit region code or a department name")
    if not row.role:
        problem("角色为空", "the role is empty")
    elif role_named(row.role) is None:
        names = "、".join(names[0] for names in ROLE_NAMES.values())
        problem(f"无法识别的角色“{row.role}”；可用的角色：{names}",
                f"unknown role '{row.role}'; roles: {', '.join(r.value for r in Role)}")
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            problem(f"邮箱“{row.email}”格式不正确", f"'{row.email}' is not an e-mail address")
    return problems


def duplicate_phones(rows: list[SheetRow]) -> list[RowProblem]:
    """The same phone number on two rows: each later row is refused, naming the first."""
    first: dict[str, int] = {}
    problems = []
    for row in rows:
        phone = normalise_phone(row.phone)
        if not PHONE.match(phone):
            continue
        if phone in first:
            problems.append(RowProblem(
                row.row, f"手机号 {phone} 与第 {first[phone]} 行重复", f"phone {phone} repeats row {first[phone]}"
            ))
        else:
            first[phone] = row.row
    return problems


# -- accounts -----------------------------------------------------------------------------------


def one_time_password() -> str:
    """Random, readable, 14 characters (`k7dm-x3qa-9fwe`, about 59 bits), changed at first sign-in."""
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234."""
    return f"{phone[:3]}****{phone[-4:]}" if PHONE.match(phone or "") else (phone or "")


# -- the template -------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """An XLSX with the header row and one example row, and a sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from mingjing.accounts.models import ROLE_KIND, Organisation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "人员名单"
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(EXAMPLE_ROW)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "@"  # phone numbers stay text
    for letter, width in zip("ABCDE", (12, 16, 20, 20, 28), strict=True):
        sheet.column_dimensions[letter].width = width

    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    notes.append(["姓名", f"必填，最多 {MAX_LENGTH['name']} 个字"])
    notes.append(["手机", "必填，11 位手机号码；即登录账号，也是更新已有账号的依据；同一手机号只能出现一次"])
    notes.append(["组织", "必填：县、乡镇或村的 12 位区划代码（如 430321101000），或部门名称（如 民政局）"])
    notes.append(["角色", "必填，见下表；角色须与组织类别相符"])
    notes.append(["邮箱", "选填，用于接收预警邮件"])
    notes.append([])
    notes.append(["角色", "所属组织类别"])
    for role in Role:
        notes.append([ROLE_NAMES[role][0], in_chinese(Organisation.Kind(ROLE_KIND[role]).label)])
    notes.append([])
    notes.append(["新账号会得到一次性密码，首次登录时必须修改。停用账号请在“人员账号”页面或用 mingjing staff deactivate。"])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 80

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
