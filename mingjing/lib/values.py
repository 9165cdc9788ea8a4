"""Scalar normalisers for the value kinds of the data contract.

Each parser takes the raw text of one cell (already known to be non-empty after trimming) and
returns `(value, note)`, where `note` names the normalisation applied (for the batch report) or
is None when the text was already canonical. A value that cannot be parsed at all raises
`ValueProblem` with a bilingual reason. The importer calls these on the distinct values that
its vectorised fast path could not handle, so they favour clarity over speed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from mingjing.datahub.contract import CATEGORIES


class ValueProblem(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


Parsed = tuple[object, str | None]

WHITESPACE = " \t\r\n\u3000\u00a0\ufeff"
_INNER_SPACE = re.compile(r"[\s\u3000\u00a0]+")
MIDDLE_DOTS = "•・‧･∙⋅●"  # variants of the `·` (U+00B7) used in minority names
_DOT_VARIANTS = re.compile(f"[{MIDDLE_DOTS}]")

# Excel's day 0 is 1899-12-30 once its 1900 leap-year bug is accounted for.
EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]
_TIME_PART = re.compile(r"^(\S+?)(?:[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)$")
_PERIOD_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
]
_AMOUNT_JUNK = re.compile(r"[,，\s元￥¥]|RMB|CNY", re.IGNORECASE)
_AMOUNT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_REGION = re.compile(r"^\d{12}$")

BOOLEANS = {
    "是": True, "否": False, "y": True, "n": False, "yes": True, "no": False,
    "1": True, "0": False, "true": True, "false": False, "t": True, "f": False,
    "已备案": True, "未备案": False, "有": True, "无": False, "√": True, "×": False,
}

REGION_LEVELS = {
    "county": "county", "township": "township", "village": "village",
    "县": "county", "区": "county", "市": "county", "县级": "county",
    "乡": "township", "镇": "township", "街道": "township", "乡镇": "township", "乡级": "township",
    "村": "village", "社区": "village", "村级": "village", "居委会": "village", "村委会": "village",
}
_CATEGORY_WORDS = {word: code for code, word in CATEGORIES.items()}


def fold(text: str) -> str:
    """Full-width to half-width and trimmed (NFKC also turns U+3000 into a space)."""
    return unicodedata.normalize("NFKC", text).strip(WHITESPACE)


def normalise_text(raw: str) -> Parsed:
    value = fold(raw)
    return value, (None if value == raw else "text_trimmed")


def normalise_code(raw: str) -> Parsed:
    """Identifiers (programme codes, plates, accounts): folded, inner spaces removed.

    A code exported by a spreadsheet as a number (`12345.0`) gets its `.0` back off.
    """
    value = _INNER_SPACE.sub("", fold(raw))
    if re.fullmatch(r"\d+\.0", value):
        value = value[:-2]
    return value, (None if value == raw else "code_cleaned")


def normalise_name(raw: str) -> Parsed:
    notes = []
    value = unicodedata.normalize("NFC", raw)
    spaced = _INNER_SPACE.sub("", value)
    if spaced != value:
        notes.append("name_spaces_removed")
    dotted = _DOT_VARIANTS.sub("·", spaced)
    if dotted != spaced:
        notes.append("name_middle_dot_unified")
    if not dotted:
        raise ValueProblem("姓名为空", "empty name")
    return dotted, ("+".join(notes) or None)


def parse_date(raw: str) -> Parsed:
    text = fold(raw)
    note = None
    if _EXCEL_SERIAL.match(text):
        serial = float(text)
        if not 1 <= serial < 2958466:
            raise ValueProblem(f"无法识别的日期“{raw}”", f"unparseable date '{raw}'")
        return EXCEL_EPOCH + dt.timedelta(days=int(serial)), "date_excel_serial"
    timed = _TIME_PART.match(text)
    if timed:
        text, note = timed.group(1), "date_time_dropped"
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            try:
                value = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
            if note is None and text != value.isoformat():
                note = "date_reformatted"
            if note is None and text != raw:
                note = "date_reformatted"
            return value, note
    raise ValueProblem(f"无法识别的日期“{raw}”", f"unparseable date '{raw}'")


def parse_period(raw: str) -> Parsed:
    """A month: `2021-07`, `2021/7`, `202107`, `2021年7月`, `2021.07`, or a full date."""
    text = fold(raw)
    for pattern in _PERIOD_PATTERNS:
        if m := pattern.match(text):
            year, month = int(m[1]), int(m[2])
            if 1900 <= year <= 2200 and 1 <= month <= 12:
                value = dt.date(year, month, 1)
                canonical = f"{year:04d}-{month:02d}"
                return value, (None if raw == canonical else "period_reformatted")
            break
    if re.fullmatch(r"\d{4}", text):
        # A bare year is not a month; read as an Excel serial it would silently become 1905-07.
        raise ValueProblem(
            f"无法识别的发放期间“{raw}”(缺少月份)", f"unparseable period '{raw}' (no month)"
        )
    try:
        day, _ = parse_date(raw)
    except ValueProblem:
        raise ValueProblem(f"无法识别的发放期间“{raw}”", f"unparseable period '{raw}'") from None
    assert isinstance(day, dt.date)
    return day.replace(day=1), "period_from_date"


def _decimal(raw: str, *, what_zh: str, what_en: str) -> tuple[Decimal, bool]:
    text = fold(raw)
    cleaned = _AMOUNT_JUNK.sub("", text)
    if cleaned.startswith("(") and cleaned.endswith(")"):  # accounting negative: (12.50)
        cleaned = "-" + cleaned[1:-1]
    if not _AMOUNT.match(cleaned):
        raise ValueProblem(f"无法识别的{what_zh}“{raw}”", f"unparseable {what_en} '{raw}'")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueProblem(f"无法识别的{what_zh}“{raw}”", f"unparseable {what_en} '{raw}'") from None
    quantised = value.quantize(Decimal("0.01"))
    if quantised != value:
        raise ValueProblem(
            f"{what_zh}“{raw}”超过两位小数", f"{what_en} '{raw}' has more than two decimal places"
        )
    if abs(quantised) >= Decimal("1e16"):
        raise ValueProblem(f"{what_zh}“{raw}”超出范围", f"{what_en} '{raw}' is out of range")
    return quantised, cleaned != raw


def parse_amount(raw: str) -> Parsed:
    value, changed = _decimal(raw, what_zh="金额", what_en="amount")
    return value, ("amount_reformatted" if changed else None)


def parse_decimal(raw: str) -> Parsed:
    value, changed = _decimal(raw, what_zh="数值", what_en="number")
    return value, ("number_reformatted" if changed else None)


def parse_integer(raw: str) -> Parsed:
    text = fold(raw)
    if m := re.fullmatch(r"([+-]?\d+)(\.0+)?(岁|周岁)?", text):
        value = int(m[1])
        return value, (None if text == raw and m[1] == text else "integer_reformatted")
    raise ValueProblem(f"无法识别的整数“{raw}”", f"unparseable integer '{raw}'")


def parse_boolean(raw: str) -> Parsed:
    key = fold(raw).lower()
    if key in BOOLEANS:
        return BOOLEANS[key], None
    raise ValueProblem(f"无法识别的是/否值“{raw}”", f"unparseable yes/no value '{raw}'")


def normalise_region_code(raw: str) -> Parsed:
    text = _INNER_SPACE.sub("", fold(raw))
    if text.endswith(".0"):
        text = text[:-2]
    if _REGION.match(text):
        return text, (None if text == raw else "region_reformatted")
    raise ValueProblem(
        f"区划代码“{raw}”不是12位统计用区划代码", f"region code '{raw}' is not a 12-digit code"
    )


def parse_region_level(raw: str) -> Parsed:
    key = fold(raw).lower()
    if key in REGION_LEVELS:
        value = REGION_LEVELS[key]
        return value, (None if value == raw else "region_level_mapped")
    raise ValueProblem(f"无法识别的区划级别“{raw}”", f"unknown region level '{raw}'")


def region_level_from_code(code: str) -> str:
    if code.endswith("000000"):
        return "county"
    if code.endswith("000"):
        return "township"
    return "village"


def parse_category(raw: str) -> Parsed:
    text = fold(raw)
    key = text.lower()
    for code, word in CATEGORIES.items():
        if key in (code, word, f"{code} {word}", f"{code}{word}") or word in text:
            return code, (None if code == raw else "category_mapped")
    raise ValueProblem(
        f"无法识别的项目类别“{raw}”(应为低保/特困/高龄/残疾/教育/农业/其他)",
        f"unknown programme category '{raw}' (expected one of {', '.join(CATEGORIES)})",
    )


def parse_gender(raw: str) -> Parsed:
    key = fold(raw).lower()
    value = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女",
             "1": "男", "2": "女", "男性": "男", "女性": "女"}.get(key)
    if value is None:
        raise ValueProblem(f"无法识别的性别“{raw}”", f"unknown gender '{raw}'")
    return value, (None if value == raw else "gender_mapped")


def parse_code_list(raw: str) -> Parsed:
    parts = [p for p in re.split(r"[,，、;；\s]+", fold(raw)) if p]
    value = sorted(set(parts))
    return value, None
