"""三务公开: what a village publishes, how it gets there, and what happens when it does not.

The lifecycle (every step an action below: it checks the policy, writes the trail, runs in one
transaction): a village cadre drafts an item (`do_create_draft`), adds a table imported from a
sheet (`do_set_table`) and files (`do_attach`), submits it (`do_submit`); the village
supervision committee's chair approves it (`do_approve`: it goes public) or returns it with a
reason (`do_return`). A published item is never edited: `do_correct` starts version + 1 of the
same series, which on approval replaces it; the old version stays public, marked corrected,
with what changed. A township's items may also arrive in bulk from a workbook
(`do_import_disclosures`), awaiting the village's approval like any other.

Public pages may carry no full ID, account or phone number (domain-notes §6.4): the village
types these pages itself, so every text, title and table cell is refused when something in it
looks like one (`find_sensitive`), with the row and column to fix.

Deadlines: a monthly or quarterly category is due by its `due_day` of the month after the period
ends. `do_disclosure_sweep` turns what is overdue into GK01 hits and alerts in the existing loop,
routed to the township commission (department ""), medium, high from 30 days overdue
(domain-notes §6.2 "公开"). The sweep looks back to `PORTAL_DISCLOSURE_START` ("YYYY-MM", setting
or the `MINGJING_PORTAL_DISCLOSURE_START` environment variable), or else to the earliest period
any village has published: the county's first use of the portal.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.audit.actions import record
from mingjing.datahub.contract import Column, Dataset, Kind
from mingjing.datahub.reader import FileProblem, cell_text, open_source
from mingjing.lib import sensitive
from mingjing.portal.models import Disclosure, DisclosureAttachment, DisclosureCategory

SYSTEM_MODEL = "GK01"
SYSTEM_RULE_ID = "portal-GK01"  # stands for a rule file's id in the hit's fingerprint
HIGH_AFTER_DAYS = 30

MAX_TITLE = 120
MAX_BODY = 20_000
MAX_NOTE = 2_000
MAX_TABLE_ROWS = 2_000
MAX_TABLE_COLUMNS = 30
MAX_CELL = 500
MAX_TABLE_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_IMPORT_ROWS = 1_000
MAX_IMPORT_BYTES = 5 * 1024 * 1024

S = Disclosure.Status
VISIBLE = (S.PUBLISHED, S.SUPERSEDED)  # what the public pages show
EDITABLE = (S.DRAFT, S.RETURNED)


class DisclosureProblem(Exception):
    """Input an action refuses (not a permission: that is `policy.Refused`), in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


# -- periods and deadlines --------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})(?:-|年|/|\.)(\d{1,2})月?$")
_QUARTER = re.compile(r"^(\d{4})(?:Q|年第?)([1-4一二三四])(?:季度?)?$")
_YEAR = re.compile(r"^(\d{4})年?(?:度)?$")
_CN_DIGIT = {"一": "1", "二": "2", "三": "3", "四": "4"}
PERIOD_KINDS = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}


def normalise_period(text: str) -> str:
    """"2026-10", "2026年10月" → "2026-10"; "2026Q3", "2026年第三季度" → "2026Q3"; "2026" → "2026";
    "" stays "" (an item of no particular period). Raises DisclosureProblem for anything else."""
    raw = (text or "").strip().upper().replace(" ", "")
    if not raw:
        return ""
    if len(raw) <= 16:
        if m := _MONTH.match(raw):
            year, month = int(m.group(1)), int(m.group(2))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
        elif m := _QUARTER.match(raw):
            year, q = int(m.group(1)), _CN_DIGIT.get(m.group(2), m.group(2))
            if 2000 <= year <= 2100:
                return f"{year:04d}Q{q}"
        elif (m := _YEAR.match(raw)) and 2000 <= int(m.group(1)) <= 2100:
            return m.group(1)
    raise DisclosureProblem(
        f"期间“{text[:20]}”无法识别：请填写月份（如 2026-10）、季度（如 2026Q3）或年份（如 2026）",
        f"cannot read the period '{text[:20]}': give a month (2026-10), a quarter (2026Q3) or a year (2026)",
    )


def period_kind(period: str) -> str:
    if not period:
        return ""
    if "Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


def period_bounds(period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a normalised period (None for "")."""
    kind = period_kind(period)
    if not kind:
        return None
    year = int(period[:4])
    if kind == "month":
        first_month, last_month = int(period[5:7]), int(period[5:7])
    elif kind == "quarter":
        q = int(period[5])
        first_month, last_month = 3 * q - 2, 3 * q
    else:
        first_month, last_month = 1, 12
    last_day = calendar.monthrange(year, last_month)[1]
    return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)


def period_label(period: str) -> str:
    kind = period_kind(period)
    if kind == "month":
        return f"{period[:4]}年{int(period[5:7])}月"
    if kind == "quarter":
        return f"{period[:4]}年第{'一二三四'[int(period[5]) - 1]}季度"
    if kind == "year":
        return f"{period}年度"
    return ""


def check_period_for(category: DisclosureCategory, period: str) -> str:
    """The normalised period, refused when it does not fit the category's cadence."""
    period = normalise_period(period)
    wanted = PERIOD_KINDS.get(category.cadence)
    if wanted and period_kind(period) != wanted:
        zh = {"month": "月份（如 2026-10）", "quarter": "季度（如 2026Q3）", "year": "年份（如 2026）"}[wanted]
        cadence = {"monthly": "月", "quarterly": "季度", "yearly": "年"}[category.cadence]
        raise DisclosureProblem(f"“{category.name}”按{cadence}公开，期间应填写{zh}",
                                f"'{category.code}' is published {category.cadence}: the period must be a {wanted}")
    return period


def due_date(category: DisclosureCategory, period: str) -> dt.date | None:
    """Published by `due_day` of the month after the period ends (None: no deadline)."""
    bounds = period_bounds(period)
    if bounds is None:
        return None
    end = bounds[1]
    year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    day = min(max(int(category.due_day), 1), calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _next_period(period: str) -> str:
    kind = period_kind(period)
    year = int(period[:4])
    if kind == "month":
        month = int(period[5:7])
        return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"
    if kind == "quarter":
        q = int(period[5])
        return f"{year + 1}Q1" if q == 4 else f"{year}Q{q + 1}"
    return str(year + 1)


def _first_period(kind: str, start: dt.date) -> str:
    """The first period of a kind starting on or after `start`."""
    if kind == "month":
        return f"{start.year}-{start.month:02d}" if start.day == 1 else _next_period(f"{start.year}-{start.month:02d}")
    q = (start.month - 1) // 3 + 1
    first = f"{start.year}Q{q}"
    bounds = period_bounds(first)
    assert bounds is not None
    return first if bounds[0] == start else _next_period(first)


# -- what must never be published -------------------------------------------------------------------

def find_sensitive(text: str) -> tuple[str, str] | None:
    """(Chinese, English) name of what looks like a full ID, account or mobile number in `text`."""
    return sensitive.find(text)


def _refuse_sensitive(text: str, where_zh: str, where_en: str) -> None:
    found = sensitive.find(text)
    if found:
        raise DisclosureProblem(*sensitive.reason(found, where_zh, where_en))


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DisclosureProblem("请填写标题", "a title is required")
    if len(title) > MAX_TITLE:
        raise DisclosureProblem(f"标题最多 {MAX_TITLE} 个字", f"the title may have at most {MAX_TITLE} characters")
    if len(body) > MAX_BODY:
        raise DisclosureProblem(f"正文最多 {MAX_BODY} 个字", f"the text may have at most {MAX_BODY} characters")
    _refuse_sensitive(title, "标题", "the title")
    _refuse_sensitive(body, "正文", "the text")
    return title, body


# -- tables from sheets ----------------------------------------------------------------------------


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    """(row number as a person sees it, cells as text) of the first sheet, or of a CSV file."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            rows = book.get_sheet_by_index(0).iter_rows()
        except (CalamineError, ValueError, OSError, IndexError) as exc:
            raise DisclosureProblem(f"无法读取 Excel 工作簿：{exc}", f"cannot read the Excel workbook: {exc}") from exc
        for number, values in enumerate(rows, start=1):
            yield number, [cell_text(v) for v in values]
        return
    if b"\x00" in data[:4096]:
        raise DisclosureProblem("文件不是表格：请上传 Excel（.xlsx/.xls）或 CSV 文件",
                                "the file is not a table: upload an Excel (.xlsx/.xls) or CSV file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DisclosureProblem("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或上传 Excel 文件",
                                "cannot decode the file: save it as UTF-8 or GBK CSV, or upload an Excel file")
    sample = text[:4096]
    delimiter = max(",\t;|", key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, list(cells)
    except csv.Error as exc:
        raise DisclosureProblem(f"第 {reader.line_num} 行无法拆分成列：{exc}",
                                f"line {reader.line_num} cannot be split into cells: {exc}") from exc


def read_table(data: bytes) -> dict[str, Any]:
    """A sheet as {"columns": [...], "rows": [[...]]}: the first non-blank row is the header.

    Cells are kept as the text they show (a formula-looking cell stays text: pages escape it and
    `table_csv` defuses it on the way out). Refused: more than MAX_TABLE_ROWS rows or
    MAX_TABLE_COLUMNS columns, a cell longer than MAX_CELL, anything like a full ID, account or
    mobile number (named by row and column).
    """
    if len(data) > MAX_TABLE_BYTES:
        raise DisclosureProblem(f"表格文件最大 {MAX_TABLE_BYTES // 1024 // 1024} MB",
                                f"a table file may be at most {MAX_TABLE_BYTES // 1024 // 1024} MB")
    if not data:
        raise DisclosureProblem("文件为空", "the file is empty")
    header: list[str] | None = None
    rows: list[list[str]] = []
    for number, raw in _sheet_rows(data):
        cells = [str(c).strip() for c in raw]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_TABLE_COLUMNS:
            raise DisclosureProblem(f"第 {number} 行有 {len(cells)} 列，表格最多 {MAX_TABLE_COLUMNS} 列",
                                    f"row {number} has {len(cells)} columns; at most {MAX_TABLE_COLUMNS}")
        for i, cell in enumerate(cells):
            where_zh, where_en = f"第 {number} 行第 {_column_letter(i)} 列", f"row {number}, column {_column_letter(i)}"
            if len(cell) > MAX_CELL:
                raise DisclosureProblem(f"{where_zh}超过 {MAX_CELL} 个字", f"{where_en} is longer than {MAX_CELL} characters")
            _refuse_sensitive(cell, where_zh, where_en)
        if header is None:
            header = cells
            continue
        if len(rows) >= MAX_TABLE_ROWS:
            raise DisclosureProblem(f"表格最多 {MAX_TABLE_ROWS} 行数据，请拆分后分别公开",
                                    f"a table may have at most {MAX_TABLE_ROWS} data rows: split it")
        rows.append(cells)
    if header is None:
        raise DisclosureProblem("表格是空的", "the table is empty")
    width = max([len(header), *(len(r) for r in rows)])
    columns = header + [""] * (width - len(header))
    return {"columns": columns, "rows": [r + [""] * (width - len(r)) for r in rows]}


def table_csv(table: dict[str, Any]) -> str:
    """A published table as CSV, formula-looking cells defused (CSV/XLSX injection)."""
    from mingjing.lib.spreadsheets import defuse

    out = io.StringIO()
    writer = csv.writer(out)
    for row in [table.get("columns", []), *table.get("rows", [])]:
        writer.writerow([defuse(str(c)) for c in row])
    return "\ufeff" + out.getvalue()


# -- attachments -----------------------------------------------------------------------------------

_MAGIC = [(b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
          (b"\x89PNG\r\n\x1a\n", "image/png", ".png")]


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) by the file's first bytes, never by its name."""
    for magic, content_type, ext in _MAGIC:
        if head.startswith(magic):
            return content_type, ext
    return None


def files_dir() -> Path:
    return Path(settings.PORTAL_FILES_DIR)


def attachment_path(attachment: DisclosureAttachment) -> Path:
    """The stored file, refused if the stored path would leave the portal files folder."""
    root = files_dir().resolve()
    path = (root / attachment.path).resolve()
    if root not in path.parents:
        raise FileNotFoundError(attachment.path)
    return path


def _clean_name(name: str) -> str:
    name = Path(str(name or "附件").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "附件"
    return name[-MAX_TITLE:]


# -- actions ---------------------------------------------------------------------------------------


def _detail(d: Disclosure, **more: Any) -> dict[str, Any]:
    return {"village": d.village_code, "category": d.category.code, "period": d.period, "title": d.title,
            "series": str(d.series), "version": d.version, "status": d.status, **more}


def _locked(disclosure: Disclosure) -> Disclosure:
    return Disclosure.objects.select_for_update().select_related("category").get(pk=disclosure.pk)


def _category(category: DisclosureCategory | int | str) -> DisclosureCategory:
    found: DisclosureCategory | None
    if isinstance(category, DisclosureCategory):
        found = category
    else:
        found = DisclosureCategory.objects.filter(pk=category).first() if str(category).isdigit() else None
        found = found or DisclosureCategory.objects.filter(code=str(category)).first()
    if found is None or not found.active:
        raise DisclosureProblem("没有这个公开目录，或已停用", "no such disclosure category, or it is not in use")
    return found


def do_create_draft(*, user: User | None, village_code: str, category: DisclosureCategory | int | str,
                    period: str, title: str, body: str = "") -> Disclosure:
    """A new item of a village, drafted by one of its cadres (only for their own village)."""
    policy.require_unless_system(user, "disclosure.write", village_code)
    cat = _category(category)
    period = check_period_for(cat, period)
    title, body = _check_text(title, body)
    with transaction.atomic():
        d = Disclosure.objects.create(village_code=village_code, category=cat, period=period, title=title,
                                      body=body, series=uuid.uuid4(), version=1, created_by=user)
        record("disclosure.created", actor=user, obj=d, detail=_detail(d))
    return d


def do_edit_draft(*, user: User | None, disclosure: Disclosure, category: DisclosureCategory | int | str | None = None,
                  period: str | None = None, title: str | None = None, body: str | None = None) -> Disclosure:
    policy.require_unless_system(user, "disclosure.write", disclosure)
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, EDITABLE)
        before = _detail(d)
        if category is not None and d.version == 1:  # a correction keeps its series' category
            d.category = _category(category)
        d.period = check_period_for(d.category, d.period if period is None else period)
        d.title, d.body = _check_text(d.title if title is None else title, d.body if body is None else body)
        d.save(update_fields=["category", "period", "title", "body"])
        record("disclosure.edited", actor=user, obj=d, detail={"before": before, "after": _detail(d)})
    return d


def _require_status(d: Disclosure, allowed: Iterable[str]) -> None:
    if d.status not in allowed:
        raise DisclosureProblem(f"该事项当前状态为“{d.get_status_display()}”，不能这样操作",
                                f"the item is {d.status}: this cannot be done now")


def do_set_table(*, user: User | None, disclosure: Disclosure, data: bytes, source_name: str = "") -> Disclosure:
    """Replace the draft's table with a sheet's first worksheet (see `read_table`); empty data removes it."""
    policy.require_unless_system(user, "disclosure.write", disclosure)
    table = read_table(data) if data else {}
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, EDITABLE)
        d.table = table
        d.save(update_fields=["table"])
        record("disclosure.table", actor=user, obj=d, detail=_detail(
            d, source=_clean_name(source_name) if source_name else "",
            rows=len(table.get("rows", [])), columns=len(table.get("columns", []))))
    return d


def do_attach(*, user: User | None, disclosure: Disclosure, name: str, data: bytes) -> DisclosureAttachment:
    """Store a PDF, JPEG or PNG file (by its bytes, not its name) under a generated name."""
    policy.require_unless_system(user, "disclosure.write", disclosure)
    if not data:
        raise DisclosureProblem("文件为空", "the file is empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DisclosureProblem(f"附件最大 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB",
                                f"an attachment may be at most {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB")
    kind = sniff(data[:16])
    if kind is None:
        raise DisclosureProblem("附件只能是 PDF、JPEG 或 PNG 文件", "attachments must be PDF, JPEG or PNG files")
    _refuse_sensitive(name, "附件文件名", "the file name")  # the name is shown on the public page
    content_type, ext = kind
    relative = f"disclosures/{uuid.uuid4().hex}{ext}"
    target = files_dir() / relative
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, EDITABLE)
        if d.attachments.count() >= MAX_ATTACHMENTS:
            raise DisclosureProblem(f"每个事项最多 {MAX_ATTACHMENTS} 个附件", f"at most {MAX_ATTACHMENTS} attachments per item")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        try:
            attachment = DisclosureAttachment.objects.create(
                disclosure=d, name=_clean_name(name), path=relative, content_type=content_type, size=len(data),
                sha256=hashlib.sha256(data).hexdigest())
            record("disclosure.attached", actor=user, obj=d, detail=_detail(
                d, attachment=attachment.name, size=attachment.size, sha256=attachment.sha256))
        except Exception:
            target.unlink(missing_ok=True)
            raise
    return attachment


def do_remove_attachment(*, user: User | None, attachment: DisclosureAttachment) -> None:
    """Take a file off a draft (the stored file stays: an earlier version may share it)."""
    policy.require_unless_system(user, "disclosure.write", attachment.disclosure)
    with transaction.atomic():
        d = _locked(attachment.disclosure)
        _require_status(d, EDITABLE)
        record("disclosure.detached", actor=user, obj=d, detail=_detail(d, attachment=attachment.name))
        attachment.delete()


def do_submit(*, user: User | None, disclosure: Disclosure) -> Disclosure:
    policy.require_unless_system(user, "disclosure.write", disclosure)
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, EDITABLE)
        if not d.body and not d.table and not d.attachments.exists():
            raise DisclosureProblem("事项没有内容：请填写正文，或导入表格、上传附件",
                                    "the item is empty: write a text, import a table or attach a file")
        d.status, d.submitted_at, d.return_reason = S.SUBMITTED, timezone.now(), ""
        d.save(update_fields=["status", "submitted_at", "return_reason"])
        record("disclosure.submitted", actor=user, obj=d, detail=_detail(d))
    return d


def do_approve(*, user: User | None, disclosure: Disclosure) -> Disclosure:
    """The supervision committee publishes the item (never one its chair drafted: the policy's
    scope); a correction replaces the published version, which stays visible as corrected."""
    policy.require_unless_system(user, "disclosure.approve", disclosure)
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, (S.SUBMITTED,))
        if user is not None:
            policy.require(user, "disclosure.approve", d)  # again, on the locked row
        now = timezone.now()
        replaced = list(Disclosure.objects.select_for_update().filter(series=d.series, status=S.PUBLISHED)
                        .exclude(pk=d.pk).values_list("pk", flat=True))
        Disclosure.objects.filter(pk__in=replaced).update(status=S.SUPERSEDED, superseded_at=now)
        d.status, d.approved_by, d.published_at = S.PUBLISHED, user, now
        d.save(update_fields=["status", "approved_by", "published_at"])
        record("disclosure.approved", actor=user, obj=d, detail=_detail(d, superseded=replaced))
    return d


def do_return(*, user: User | None, disclosure: Disclosure, reason: str) -> Disclosure:
    """Sent back to the village with a reason; it edits and submits again."""
    policy.require_unless_system(user, "disclosure.approve", disclosure)
    reason = (reason or "").strip()
    if not reason:
        raise DisclosureProblem("请写明退回原因", "give the reason for returning it")
    if len(reason) > MAX_NOTE:
        raise DisclosureProblem(f"退回原因最多 {MAX_NOTE} 个字", f"the reason may have at most {MAX_NOTE} characters")
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, (S.SUBMITTED,))
        d.status, d.return_reason = S.RETURNED, reason
        d.save(update_fields=["status", "return_reason"])
        record("disclosure.returned", actor=user, obj=d, detail=_detail(d, reason=reason))
    return d


def do_correct(*, user: User | None, disclosure: Disclosure, change_note: str,
               title: str | None = None, body: str | None = None) -> Disclosure:
    """Start version + 1 of a published item: a draft carrying its text, table and files and a
    required note of what changed and why. The published version stays until this one is approved."""
    policy.require_unless_system(user, "disclosure.write", disclosure)
    note = (change_note or "").strip()
    if not note:
        raise DisclosureProblem("更正须写明更正了什么、为什么更正", "a correction must say what changed and why")
    if len(note) > MAX_NOTE:
        raise DisclosureProblem(f"更正说明最多 {MAX_NOTE} 个字", f"the note may have at most {MAX_NOTE} characters")
    _refuse_sensitive(note, "更正说明", "the note")
    with transaction.atomic():
        d = _locked(disclosure)
        _require_status(d, (S.PUBLISHED,))
        if Disclosure.objects.filter(series=d.series).exclude(status__in=VISIBLE).exists():
            raise DisclosureProblem("该事项已有一个未发布的更正，请先处理它",
                                    "a correction of this item is already pending: finish it first")
        new_title, new_body = _check_text(d.title if title is None else title, d.body if body is None else body)
        version = (Disclosure.objects.filter(series=d.series).order_by("-version")
                   .values_list("version", flat=True).first() or d.version) + 1
        fresh = Disclosure.objects.create(
            village_code=d.village_code, category=d.category, period=d.period, title=new_title, body=new_body,
            table=d.table, series=d.series, version=version, change_note=note, created_by=user)
        DisclosureAttachment.objects.bulk_create([
            DisclosureAttachment(disclosure=fresh, name=a.name, path=a.path, content_type=a.content_type,
                                 size=a.size, sha256=a.sha256) for a in d.attachments.all()])
        record("disclosure.correction", actor=user, obj=fresh, detail=_detail(fresh, corrects=d.pk, note=note))
    return fresh


# -- bulk import -----------------------------------------------------------------------------------

IMPORT_SHEET = Dataset(
    "disclosures",
    "公开事项",
    (
        Column("village", Kind.TEXT, ("村", "村名", "村(社区)", "村代码", "村(社区)代码", "村庄", "village"), required=True),
        Column("category", Kind.TEXT, ("公开目录", "目录", "类别", "公开类别", "公开事项类别", "category"), required=True),
        Column("period", Kind.TEXT, ("期间", "所属期", "公开期间", "period")),
        Column("title", Kind.TEXT, ("标题", "事项标题", "title"), required=True),
        Column("text", Kind.TEXT, ("内容", "正文", "公开内容", "text")),
    ),
)
IMPORT_HEADERS = ["村", "公开目录", "期间", "标题", "内容"]


@dataclass(frozen=True)
class RowProblem:
    row: int
    zh: str
    en: str


class ImportProblem(Exception):
    """A bulk import refused as a whole: every row's problem, with its row number."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("; ".join(f"{p.row}: {p.en}" for p in problems[:5]))
        self.problems = problems


@dataclass
class ImportReport:
    created: list[Disclosure] = field(default_factory=list)

    @property
    def villages(self) -> int:
        return len({d.village_code for d in self.created})


def template_workbook() -> bytes:
    """The bulk-import template: the header, one example row, and a sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "公开事项"
    sheet.append(IMPORT_HEADERS)
    sheet.append(["110101001201", "CW02", "2026-10", "2026年10月各项收入公开", "本月收入合计 12,300.00 元，明细见村务公开栏。"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_col=1, max_col=3):
        for cell in row:
            cell.number_format = "@"  # codes and periods stay text
    for letter, width in zip("ABCDE", (16, 14, 10, 30, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    notes.append(["村", "必填：村的 12 位区划代码，或村名（同名村请用代码）"])
    notes.append(["公开目录", "必填：目录代码（如 CW02）或名称（如 各项收入）"])
    notes.append(["期间", "按月公开填 2026-10，按季度填 2026Q3，按年填 2026，随时公开可不填"])
    notes.append(["标题", f"必填，最多 {MAX_TITLE} 个字"])
    notes.append(["内容", "公开正文；不得含有完整的身份证号码、银行账号或手机号码"])
    notes.append(["", "任何一行有错，整个文件都不导入；导入的事项须经村务监督委员会审核后才公开"])
    notes.append(["目录代码", "名称"])
    for c in DisclosureCategory.objects.filter(active=True).order_by("section", "order", "code"):
        notes.append([c.code, f"{c.name}（{c.get_cadence_display()}）"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _village_lookup() -> tuple[dict[str, str], dict[str, list[str]]]:
    from mingjing.portal.public import places

    found = places()
    by_name: dict[str, list[str]] = {}
    for p in found.values():
        for name in {p.name, p.full_name}:
            by_name.setdefault(name, []).append(p.code)
    return {code: p.full_name for code, p in found.items()}, by_name


def _import_period(text: str) -> str:
    """Excel turns "2026-10" into a date: a first-of-month date is that month."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-01(?: 00:00:00)?", text.strip())
    return f"{m.group(1)}-{m.group(2)}" if m else text


def do_import_disclosures(*, user: User | None, path: Path, source_name: str = "") -> ImportReport:
    """One item per row, every row or none; items arrive SUBMITTED, awaiting the village's approval.

    Steps: 1. read the sheet (FileProblem for the file as a whole); 2. judge every row (village in
    the user's area, category, period for its cadence, title, no full identifiers, no duplicate
    row); 3. if any row is wrong raise ImportProblem with all of them, else create all in one
    transaction and record one trail entry.
    """
    policy.require_unless_system(user, "disclosure.import")
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise FileProblem("too_large", f"文件最大 {MAX_IMPORT_BYTES // 1024 // 1024} MB",
                          f"the file may be at most {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    source = open_source(path, IMPORT_SHEET)
    raw: list[tuple[int, dict[str, str]]] = []
    problems: list[RowProblem] = []
    for chunk in source.chunks():
        columns = {name: chunk.columns[i].to_pylist() for i, name in source.mapping.items()}
        for i, row in enumerate(chunk.rows.tolist()):
            raw.append((row, {name: str(values[i] or "").strip() for name, values in columns.items()}))
        problems += [RowProblem(b.row, f"无法拆分成列：{b.reason}", f"cannot be split into cells: {b.reason}")
                     for b in chunk.bad]
        if len(raw) > MAX_IMPORT_ROWS:
            raise FileProblem("too_many_rows", f"一次最多导入 {MAX_IMPORT_ROWS} 行，请拆分文件",
                              f"at most {MAX_IMPORT_ROWS} rows per file: split it")
    if not raw and not problems:
        raise FileProblem("no_rows", "文件只有表头，没有数据行", "the file has a header but no data rows")
    names, by_name = _village_lookup()
    categories = {c.code: c for c in DisclosureCategory.objects.filter(active=True)}
    categories_by_name = {c.name: c for c in categories.values()}
    ready: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for number, cells in raw:
        if not any(cells.values()):
            continue

        def bad(zh: str, en: str, number: int = number) -> None:
            problems.append(RowProblem(number, zh, en))

        village = cells.get("village", "")
        code = village if village in names else ""
        if not code:
            matches = by_name.get(village, [])
            if len(matches) == 1:
                code = matches[0]
            elif len(matches) > 1:
                bad(f"村名“{village[:30]}”不唯一，请填写 12 位村代码", f"the village name '{village[:30]}' is ambiguous: give its code")
                continue
            else:
                bad(f"找不到村“{village[:30]}”", f"no village '{village[:30]}'")
                continue
        if user is not None and not policy.can(user, "disclosure.import", code):
            bad(f"“{names[code]}”不在您的管辖范围内", f"{code} is outside your area")
            continue
        label = cells.get("category", "")
        cat = categories.get(label.upper()) or categories_by_name.get(label)
        if cat is None:
            bad(f"找不到公开目录“{label[:30]}”", f"no disclosure category '{label[:30]}'")
            continue
        try:
            period = check_period_for(cat, _import_period(cells.get("period", "")))
            title, body = _check_text(cells.get("title", ""), cells.get("text", ""))
        except DisclosureProblem as exc:
            bad(exc.zh, exc.en)
            continue
        if not body:
            bad("内容为空", "the text is empty")
            continue
        key = (code, cat.pk, period, title)
        if key in seen:
            bad(f"与第 {seen[key]} 行重复", f"repeats row {seen[key]}")
            continue
        seen[key] = number
        ready.append((number, {"village_code": code, "category": cat, "period": period, "title": title, "body": body}))
    if problems:
        raise ImportProblem(sorted(problems, key=lambda p: p.row))
    if not ready:
        raise FileProblem("no_rows", "文件没有数据行", "the file has no data rows")
    report = ImportReport()
    now = timezone.now()
    with transaction.atomic():
        for _number, values in ready:
            report.created.append(Disclosure.objects.create(
                **values, series=uuid.uuid4(), version=1, status=S.SUBMITTED, submitted_at=now, created_by=user))
        record("disclosure.imported", actor=user, object_type="portal.disclosure", detail={
            "source": _clean_name(source_name) if source_name else "", "items": len(report.created),
            "villages": sorted({d.village_code for d in report.created}),
            "ids": [d.pk for d in report.created][:500]})
    return report


# -- categories (the county's) ---------------------------------------------------------------------


def do_add_category(*, user: User | None, section: str, name: str, cadence: str, due_day: int,
                    basis: str = "") -> DisclosureCategory:
    """The county's own heading ("X"): code X01, X02, ..."""
    policy.require_unless_system(user, "disclosure.categories")
    name, basis = (name or "").strip(), (basis or "").strip()
    if not name or len(name) > 64:
        raise DisclosureProblem("名称必填，最多 64 个字", "a name of at most 64 characters is required")
    _refuse_sensitive(name + "\n" + basis, "名称或依据", "the name or basis")
    if section not in DisclosureCategory.Section.values or cadence not in DisclosureCategory.Cadence.values:
        raise DisclosureProblem("栏目或公开周期无效", "invalid section or cadence")
    if not 1 <= int(due_day) <= 28:
        raise DisclosureProblem("截止日应在 1 至 28 日之间", "the due day must be between 1 and 28")
    with transaction.atomic():
        if DisclosureCategory.objects.filter(name=name, section=section).exists():
            raise DisclosureProblem(f"已有名为“{name}”的目录", f"a category named '{name}' exists")
        taken = {c for c in DisclosureCategory.objects.filter(code__startswith="X").values_list("code", flat=True)}
        n = 1
        while f"X{n:02d}" in taken:
            n += 1
        cat = DisclosureCategory.objects.create(
            code=f"X{n:02d}", section=section, name=name, basis=basis[:200], cadence=cadence, due_day=due_day,
            builtin=False, order=10_000 + n)
        record("disclosure.category_added", actor=user, obj=cat, detail={
            "code": cat.code, "name": name, "section": section, "cadence": cadence, "due_day": due_day})
    return cat


def do_update_category(*, user: User | None, category: DisclosureCategory, cadence: str, due_day: int,
                       active: bool) -> DisclosureCategory:
    """Cadence, due day and use of any category, built-in or not (names of built-ins come from code)."""
    policy.require_unless_system(user, "disclosure.categories")
    if cadence not in DisclosureCategory.Cadence.values:
        raise DisclosureProblem("公开周期无效", "invalid cadence")
    if not 1 <= int(due_day) <= 28:
        raise DisclosureProblem("截止日应在 1 至 28 日之间", "the due day must be between 1 and 28")
    with transaction.atomic():
        cat = DisclosureCategory.objects.select_for_update().get(pk=category.pk)
        before = {"cadence": cat.cadence, "due_day": cat.due_day, "active": cat.active}
        cat.cadence, cat.due_day, cat.active = cadence, int(due_day), bool(active)
        cat.save(update_fields=["cadence", "due_day", "active"])
        record("disclosure.category_changed", actor=user, obj=cat, detail={
            "code": cat.code, "before": before, "after": {"cadence": cadence, "due_day": int(due_day), "active": active}})
    return cat


# -- reading ---------------------------------------------------------------------------------------


def published(village_code: str, section: str | None = None) -> QuerySet[Disclosure]:
    """What the public sees of a village: published and corrected versions, never a draft."""
    rows = Disclosure.objects.filter(village_code=village_code, status__in=VISIBLE).select_related("category")
    if section:
        rows = rows.filter(category__section=section)
    return rows


@dataclass
class PeriodGroup:
    period: str
    label: str
    items: list[Disclosure]


@dataclass
class CategoryGroup:
    category: DisclosureCategory
    group: str
    periods: list[PeriodGroup]


def archive(village_code: str, section: str) -> list[CategoryGroup]:
    """A section's current items (the latest published version of each series) by category, then
    period, newest first. Corrected versions are reached from their item's history."""
    from mingjing.portal.categories import group_of

    rows = list(published(village_code, section).filter(status=S.PUBLISHED)
                .order_by("category__order", "category__code", "-period", "-published_at"))
    groups: dict[int, CategoryGroup] = {}
    for d in rows:
        g = groups.get(d.category_id)
        if g is None:
            g = groups[d.category_id] = CategoryGroup(d.category, group_of(d.category.code), [])
        if not g.periods or g.periods[-1].period != d.period:
            g.periods.append(PeriodGroup(d.period, period_label(d.period), []))
        g.periods[-1].items.append(d)
    return list(groups.values())


def versions(disclosure: Disclosure, *, public: bool = True) -> list[Disclosure]:
    """Every version of the item's series, newest first (public: published and corrected only)."""
    rows = Disclosure.objects.filter(series=disclosure.series, village_code=disclosure.village_code)
    if public:
        rows = rows.filter(status__in=VISIBLE)
    return list(rows.select_related("category").order_by("-version"))


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """What changed in the text between two versions, line by line: ("-"|"+"|" ", line)."""
    out: list[tuple[str, str]] = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        tag = line[:1]
        if tag in "-+ " and not line.startswith("? "):
            out.append((tag, line[2:]))
    return out


def changes_only(old: str, new: str) -> list[tuple[str, str]]:
    return [(tag, text) for tag, text in diff_lines(old, new) if tag != " "]


# -- deadlines: the sweep --------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    village_code: str
    village_name: str
    category: DisclosureCategory
    period: str
    due: dt.date
    days: int


LOOKBACK_MONTHS = 12  # the sweep's horizon, unless MINGJING_PORTAL_DISCLOSURE_START says otherwise


def sweep_start(today: dt.date | None = None) -> dt.date | None:
    """The first day the sweep looks back to (see the module doc); None: the portal is not in use."""
    configured = settings.PORTAL_DISCLOSURE_START
    if configured:  # a wrong setting stops the sweep with its reason rather than being ignored
        try:
            bounds = period_bounds(normalise_period(configured))
        except DisclosureProblem as problem:
            raise DisclosureProblem(f"MINGJING_PORTAL_DISCLOSURE_START 设置有误：{problem.zh}",
                                    f"MINGJING_PORTAL_DISCLOSURE_START is wrong: {problem.en}") from problem
        if bounds:
            return bounds[0]
    # The first period of a heading the sweep watches (a yearly or standing item says nothing of
    # when the village began publishing monthly accounts).
    # Only published items count (a draft dated 2000-01 must not start the clock), and the sweep
    # looks back at most LOOKBACK_MONTHS: one village publishing old accounts late does not put
    # every village in arrears for all the years before.
    watched = [DisclosureCategory.Cadence.MONTHLY, DisclosureCategory.Cadence.QUARTERLY]
    periodic = Disclosure.objects.filter(category__cadence__in=watched, status__in=VISIBLE).exclude(period="")
    starts = [b[0] for p in periodic.values_list("period", flat=True).distinct() if (b := period_bounds(p))]
    if not starts:
        return None
    today = today or timezone.localdate()
    months = today.year * 12 + today.month - 1 - LOOKBACK_MONTHS
    return max(min(starts), dt.date(months // 12, months % 12 + 1, 1))


def overdue_disclosures(today: dt.date | None = None) -> list[Overdue]:
    """Every village × active monthly/quarterly category × period since `sweep_start` whose due
    date has passed without a published (or corrected) item."""
    from mingjing.portal.public import places

    today = today or timezone.localdate()
    start = sweep_start(today)
    if start is None:
        return []
    categories = list(DisclosureCategory.objects.filter(active=True, cadence__in=["monthly", "quarterly"]))
    done = set(Disclosure.objects.filter(status__in=VISIBLE, category__in=categories)
               .values_list("village_code", "category_id", "period"))
    due_periods: dict[int, list[tuple[str, dt.date]]] = {}
    for cat in categories:
        kind = PERIOD_KINDS[cat.cadence]
        period, found = _first_period(kind, start), []
        while (due := due_date(cat, period)) is not None and due < today:
            found.append((period, due))
            period = _next_period(period)
        due_periods[cat.pk] = found
    out = []
    for place in sorted(places().values(), key=lambda p: p.code):
        for cat in categories:
            for period, due in due_periods[cat.pk]:
                if (place.code, cat.pk, period) not in done:
                    out.append(Overdue(place.code, place.full_name, cat, period, due, (today - due).days))
    return out


def _hit(item: Overdue, today: dt.date) -> Any:
    from engine.types import Hit

    key = {"village_code": item.village_code, "category": item.category.code, "period": item.period}
    fingerprint = hashlib.sha256(
        (SYSTEM_RULE_ID + json.dumps(key, sort_keys=True, ensure_ascii=False)).encode()).hexdigest()
    bounds = period_bounds(item.period)
    assert bounds is not None
    label = period_label(item.period)
    return Hit(
        model=SYSTEM_MODEL, rule_id=SYSTEM_RULE_ID, version=1, fingerprint=fingerprint, key=key,
        level="high" if item.days >= HIGH_AFTER_DAYS else "medium", department="", id_number=None, name=None,
        region_code=item.village_code, program_code=None, account_no=None, periods=[bounds[0]],
        amount=Decimal("0"),
        observed=f"应于 {item.due.isoformat()} 前公开，已超期 {item.days} 天",
        explanation=(f"{item.village_name}“{item.category.name}”{label}的公开应于 {item.due.isoformat()} 前完成，"
                     f"至 {today.isoformat()} 仍未公开，已超期 {item.days} 天。"),
        values={"公开目录": f"{item.category.code} {item.category.name}", "期间": label,
                "截止日期": item.due.isoformat(), "超期天数": item.days},
    )


def do_disclosure_sweep(today: dt.date | None = None) -> dict[str, int]:
    """Overdue disclosures become GK01 hits of a finished run, then alerts (routed to the township
    commission). Idempotent: a rerun updates the same hits; an item published since is not found
    again and its alert is marked not seen."""
    from engine.types import ModelResult
    from mingjing.alerts.actions import sync_alerts
    from mingjing.analysis.actions import store_result
    from mingjing.analysis.models import Run

    today = today or timezone.localdate()
    found = overdue_disclosures(today)
    now = timezone.now()
    run = Run.objects.create(engine="portal", status=Run.Status.DONE, requested_models=[SYSTEM_MODEL],
                             models_total=1, started_at=now, finished_at=now)
    hits = [_hit(item, today) for item in found]
    store_result(run, ModelResult(SYSTEM_MODEL, examined=len(found), rows=len(hits), hits=hits, seconds=0.0,
                                  parameters={"起始日期": str(sweep_start(today) or ""), "检查日期": today.isoformat()}))
    counts = sync_alerts(run)
    record("disclosure.sweep", actor=None, obj=run, detail={"today": today.isoformat(), "overdue": len(found), **counts})
    return {"overdue": len(found), **counts}


def do_disclosure_sweep_if_due(today: dt.date | None = None) -> dict[str, int] | None:
    """Once a day (the worker's sweep loop runs every few minutes): sweep unless today's is done,
    or the portal is not in use yet (nothing published and no start configured)."""
    from mingjing.analysis.models import Run

    if sweep_start(today) is None:
        return None
    day_start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    if Run.objects.filter(engine="portal", created_at__gte=day_start).exists():
        return None
    return do_disclosure_sweep(today)


# -- the demo county -------------------------------------------------------------------------------

_DEMO_TEXT = {
    "DW03": "本季度收缴党费 {a} 元，上缴乡镇党委 {a} 元，无留存使用。",
    "SW02": "本季度低保、特困供养、残疾人两项补贴名单无新增、无退出，保障对象共 {n} 户，名单已在村务公开栏张贴（姓名仅显示姓氏）。",
    "SW03": "本季度受理宅基地申请 {n} 户，经村民代表会议讨论、公示无异议后报乡镇审批。",
    "CW02": "本月村集体收入合计 {a} 元，其中发包收入、租赁收入、上级补助收入明细见下表。",
    "CW03": "本月村集体支出合计 {a} 元，其中管理费用、公益事业支出明细见下表。",
    "CW04": "截至本季度末，村集体资产总额 {a} 元，其中固定资产、流动资产情况已经民主理财小组审核。",
    "CW05": "本季度集体土地、林地、水面等资源无新增发包，现有发包合同 {n} 份均正常履行。",
    "CW06": "截至本季度末，村集体应收款 {a} 元，应付款 {b} 元，无新增借款。",
}
_DEMO_ONCE = [
    ("DW01", "{year}", "村党支部委员会组成情况", "村党支部设书记 1 名、委员 4 名；党员 {n} 名，分设 3 个党小组。"),
    ("ZD01", "", "村规民约（修订版）", "一、爱党爱国，遵纪守法。\n二、孝老爱亲，邻里和睦。\n三、移风易俗，红白喜事从简。\n四、爱护公共设施，保持村容整洁。"),
    ("ZD04", "", "村印章使用管理制度", "村级印章由村务监督委员会指定专人保管，使用须经审批登记，严禁在空白文书上盖章。"),
    ("SW04", "", "村道硬化工程（5万元以上重大事项）", "经村民代表会议表决通过，实施村道硬化 1.2 公里，预算 {a} 元，资金来源为上级奖补和村集体自筹。"),
]


def _demo_table(code: str, seed: int) -> dict[str, Any]:
    if code == "CW02":
        rows = [["发包收入", "鱼塘发包", f"{3000 + seed * 137 % 900}.00"], ["租赁收入", "村部门面租金", f"{1200 + seed * 53 % 300}.00"],
                ["补助收入", "村级组织运转经费", "5000.00"]]
    else:
        rows = [["管理费用", "村干部误工补贴", f"{2400 + seed * 71 % 500}.00"], ["公益事业支出", "路灯维修", f"{800 + seed * 29 % 200}.00"],
                ["其他支出", "办公用品", f"{150 + seed * 13 % 100}.00"]]
    return {"columns": ["科目", "摘要", "金额（元）"], "rows": rows}


def seed_demo(today: dt.date | None = None) -> dict[str, Any]:
    """Published items in every village of the demo county for every periodic category since the
    last quarter whose deadline has passed, a few standing items, a finance table, one corrected
    item; the last village's finances left unpublished, so that the sweep (run here) raises GK01
    alerts. Idempotent: does nothing when any disclosure exists."""
    from mingjing.accounts.models import Membership, Role
    from mingjing.portal.categories import sync_categories
    from mingjing.portal.public import places

    if Disclosure.objects.exists():
        first = Disclosure.objects.filter(status=S.SUPERSEDED).first() or Disclosure.objects.order_by("id").first()
        return {"skipped": "disclosures exist", "disclosures": Disclosure.objects.count(),
                "village": first.village_code if first else ""}
    sync_categories()
    villages = sorted(places())
    if not villages:
        return {"skipped": "no villages"}
    today = today or timezone.localdate()
    # The start: the first day of the latest quarter whose deadline (the 20th of its next month) has passed.
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    probe = DisclosureCategory(due_day=20)
    while (due := due_date(probe, quarter)) is None or due >= today:
        year, q = int(quarter[:4]), int(quarter[5])
        quarter = f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"
    bounds = period_bounds(quarter)
    assert bounds is not None
    start = bounds[0]
    supervisors = {m.organisation.region_code: m.user for m in Membership.objects.filter(
        role=Role.VILLAGE_SUPERVISOR).select_related("organisation", "user")}
    periodic = list(DisclosureCategory.objects.filter(active=True, cadence__in=["monthly", "quarterly"], code__in=list(_DEMO_TEXT)))
    overdue_village = villages[-1] if len(villages) > 1 else ""
    made = 0

    def publish(village: str, code: str, period: str, title: str, body: str, table: dict[str, Any] | None = None) -> Disclosure:
        nonlocal made
        d = do_create_draft(user=None, village_code=village, category=code, period=period, title=title, body=body)
        if table:
            Disclosure.objects.filter(pk=d.pk).update(table=table)
        do_submit(user=None, disclosure=d)
        made += 1
        return do_approve(user=supervisors.get(village), disclosure=d)

    for i, village in enumerate(villages):
        seed = int(village[-3:]) + i
        for code, period, title, body in _DEMO_ONCE:
            publish(village, code, period.format(year=today.year), title, body.format(a=f"{180000 + seed * 1000:,}.00", n=30 + seed % 40))
        for cat in periodic:
            if cat.section == "finance" and village == overdue_village:
                continue
            period = _first_period(PERIOD_KINDS[cat.cadence], start)
            while (due := due_date(cat, period)) is not None and due < today:
                body = _DEMO_TEXT[cat.code].format(a=f"{8000 + seed * 311 % 5000:,}.00", b=f"{2000 + seed * 97 % 900:,}.00",
                                                   n=3 + seed % 12)
                table = _demo_table(cat.code, seed) if cat.code in ("CW02", "CW03") else None
                last = publish(village, cat.code, period, f"{period_label(period)}{cat.name}公开", body, table)
                period = _next_period(period)
            if i == 0 and cat.code == "CW03":
                fix = do_correct(user=None, disclosure=last, change_note="原公开的支出合计误将上月已支付的路灯维修款重复计入，现予更正。",
                                 body=last.body.replace("支出合计", "支出合计（更正后）") + "\n路灯维修款已于上月支付，本月不再列支。")
                Disclosure.objects.filter(pk=fix.pk).update(table={**last.table, "rows": last.table["rows"][:1] + last.table["rows"][2:]})
                do_submit(user=None, disclosure=fix)
                do_approve(user=supervisors.get(village), disclosure=fix)
    sweep = do_disclosure_sweep(today)
    # `village`: the one with a corrected item, for the demo's welcome lines.
    return {"disclosures": made, "villages": len(villages), "village": villages[0],
            "overdue_village": overdue_village, "sweep": sweep}
