"""How department files look: value renderings and file writers (CSV/TXT, XLSX, XLS, bulk CSV).

The generator keeps every value in canonical form (18-character ID, plain name, `date`, cents);
this module renders it the way a department's export would show it (`2021年7月1日`, `￥1234.5`,
` 张　三 `, a 15-digit old ID, ...). Every rendering normalises back to the canonical value under
the rules of `data-contract.md`, so the planted anomalies survive the mess; a `Raw` value bypasses
rendering for the few cells whose exact text matters (planted invalid IDs, unparseable amounts).

Files must be byte-identical for the same seed: each writer draws from its own `random.Random`,
and XLSX archives get fixed timestamps (openpyxl stamps the save time into the zip and core.xml).
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mingjing.demo import ids
from mingjing.demo.names import MIDDLE_DOT_VARIANTS

EXCEL_EPOCH = date(1899, 12, 30)
FROZEN_TIME = (2026, 1, 1, 0, 0, 0)


class Raw(str):
    """A cell written exactly as given (planted invalid values, junk rows)."""


@dataclass(frozen=True)
class Col:
    """One column of a file: the canonical key it carries, its header text and how to render it.

    kind: id | name | date | period | amount | bool | text | serial (序号) | remark (备注) | fixed
    """

    key: str
    header: str
    kind: str = "text"
    fixed: str = ""


@dataclass(frozen=True)
class Style:
    """Value renderings of one file. The first format of each tuple is the file's usual one; a
    `noise` share of rows picks any of the formats and messes up IDs and names too."""

    noise: float = 0.0
    date: tuple[str, ...] = ("iso",)
    period: tuple[str, ...] = ("dash",)
    amount: tuple[str, ...] = ("plain",)
    boolean: tuple[str, ...] = ("是否",)
    id_variants: tuple[str, ...] = ("lower_x", "full_width", "spaced", "dashed", "old15", "padded")
    name_variants: tuple[str, ...] = ("inner_space", "ideographic_space", "padded")
    dot_share: float = 0.0  # share of minority names written with a middle-dot variant


PLAIN = Style()


@dataclass
class FileSpec:
    """Where and how one department file is written; `sheet` is set when the data sheet is not the
    workbook's first (the first sheet then holds filling instructions, as real rolls often do)."""

    path: str
    dataset: str
    fmt: str  # csv | txt | xlsx | xls
    columns: list[Col]
    encoding: str | None = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    titles: list[str] = field(default_factory=list)
    style: Style = PLAIN
    notes: list[str] = field(default_factory=list)  # first-sheet text when `sheet` is set
    junk: tuple[str, ...] = ()  # rows the importer must reject, appended at the end (payments)


# --- value renderings ------------------------------------------------------------------------


def yuan_text(cents: int, *, decimals: int = 2, thousands: bool = False) -> str:
    """Cents as yuan text without ever going through float."""
    value = Decimal(cents).scaleb(-2)
    if decimals == 2:
        return f"{value:,.2f}" if thousands else f"{value:.2f}"
    text = f"{value:,.2f}" if thousands else f"{value:.2f}"
    return text.rstrip("0").rstrip(".")


def render_amount(cents: int, fmt: str) -> Any:
    if cents < 0:
        return yuan_text(cents)
    if fmt == "plain":
        return yuan_text(cents)
    if fmt == "bare":
        return yuan_text(cents, decimals=0)
    if fmt == "comma":
        return yuan_text(cents, thousands=True)
    if fmt == "yuan":
        return yuan_text(cents) + "元"
    if fmt == "cny":
        return "￥" + yuan_text(cents, decimals=0)
    if fmt == "yen":
        return "¥" + yuan_text(cents, decimals=0 if cents % 100 == 0 else 2, thousands=True)
    if fmt == "fullwidth":
        return ids.full_width(yuan_text(cents))
    if fmt == "number":
        return Decimal(cents).scaleb(-2)
    raise ValueError(fmt)


def render_date(value: date, fmt: str) -> Any:
    if fmt == "iso":
        return f"{value:%Y-%m-%d}"
    if fmt == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if fmt == "dot":
        return f"{value.year}.{value.month}.{value.day}"
    if fmt == "compact":
        return f"{value:%Y%m%d}"
    if fmt == "cn":
        return f"{value.year}年{value.month}月{value.day}日"
    if fmt == "time":
        if isinstance(value, datetime):
            return f"{value:%Y-%m-%d %H:%M:%S}"
        return f"{value:%Y-%m-%d} 00:00:00"
    if fmt == "cell":
        return value
    if fmt == "dtcell":
        if isinstance(value, datetime):
            return value
        return datetime(value.year, value.month, value.day, 9, 30)
    if fmt == "serial":
        return (_as_date(value) - EXCEL_EPOCH).days
    raise ValueError(fmt)


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def render_period(value: date, fmt: str) -> Any:
    if fmt == "dash":
        return f"{value:%Y-%m}"
    if fmt == "slash":
        return f"{value.year}/{value.month}"
    if fmt == "compact":
        return f"{value:%Y%m}"
    if fmt == "cn":
        return f"{value.year}年{value.month}月"
    if fmt == "dot":
        return f"{value:%Y.%m}"
    if fmt == "date":
        return f"{value:%Y-%m-%d}"
    if fmt == "cell":
        return value
    raise ValueError(fmt)


def render_bool(value: bool, fmt: str) -> str:
    pairs = {"是否": ("是", "否"), "YN": ("Y", "N"), "备案": ("已备案", "未备案"), "10": ("1", "0")}
    yes, no = pairs[fmt]
    return yes if value else no


def render_id(value: str, variant: str) -> str:
    if variant == "lower_x":
        return value.lower()
    if variant == "full_width":
        return ids.full_width(value)
    if variant == "spaced":
        return f"{value[:6]} {value[6:14]} {value[14:]}"
    if variant == "dashed":
        return f"{value[:6]}-{value[6:14]}-{value[14:]}"
    if variant == "old15":
        return ids.to_old15(value) if value[6:8] == "19" else value
    if variant == "padded":
        return f" {value} "
    return value


def render_name(value: str, variant: str) -> str:
    if variant == "inner_space":
        return value[0] + " " + value[1:]
    if variant == "ideographic_space":
        return value[0] + "\u3000" + value[1:]
    if variant == "padded":
        return " " + value + "  "
    return value


# --- writers ---------------------------------------------------------------------------------


class Sink:
    """Writes one file row by row and counts its data rows and expected rejects."""

    def __init__(self, root: Path, spec: FileSpec, seed: int) -> None:
        self.spec = spec
        self.path = root / spec.path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(seed)
        self.rows = 0
        self.rejects = 0
        self.amount_total = 0  # cents of the rows written, for a totals (合计) row
        self.last_row: Mapping[str, Any] | None = None
        self.closed = False
        # GBK lacks some characters (¥, •, ‧); GB18030 and UTF-8 encode everything.
        self.narrow = spec.encoding is not None and spec.encoding.lower() in ("gbk", "gb2312")
        self.cell_formats = spec.fmt in ("xlsx", "xls")

    # 1. values -> cells

    def _pick(self, formats: Sequence[str], noisy: bool) -> str:
        if not noisy or len(formats) == 1:
            return formats[0]
        return self.rng.choice(formats)

    def render_row(self, row: Mapping[str, Any]) -> list[Any]:
        style = self.spec.style
        noisy = style.noise > 0 and self.rng.random() < style.noise
        cells: list[Any] = []
        for col in self.spec.columns:
            value = row.get(col.key)
            if col.kind == "serial":
                cells.append(str(self.rows + 1))
                continue
            if col.kind == "fixed":
                cells.append(col.fixed)
                continue
            if col.kind == "remark":
                cells.append(value if value is not None else "")
                continue
            if value is None:
                cells.append("")
                continue
            if isinstance(value, Raw):
                cells.append(str(value))
                continue
            cells.append(self._render(col.kind, value, style, noisy))
        return cells

    def _render(self, kind: str, value: Any, style: Style, noisy: bool) -> Any:
        if kind == "id":
            variant = self.rng.choice(style.id_variants) if noisy and style.id_variants else ""
            return self._encodable(render_id(value, variant), value)
        if kind == "name":
            text = value
            if "·" in text and style.dot_share and self.rng.random() < style.dot_share:
                # GBK has no dot but U+00B7 itself: spaced dots are its export's mess instead.
                variant = " · " if self.narrow else self.rng.choice(MIDDLE_DOT_VARIANTS)
                text = text.replace("·", variant)
            if noisy and style.name_variants:
                text = render_name(text, self.rng.choice(style.name_variants))
            return self._encodable(text, value)
        if kind == "date":
            fmt = self._pick(style.date, noisy)
            return self._cell_or_text(render_date(value, fmt), value)
        if kind == "period":
            fmt = self._pick(style.period, noisy)
            return self._cell_or_text(render_period(value, fmt), value)
        if kind == "amount":
            fmt = self._pick(style.amount, noisy)
            rendered = render_amount(value, fmt)
            if isinstance(rendered, Decimal) and not self.cell_formats:
                rendered = yuan_text(value)
            return (
                self._encodable(rendered, yuan_text(value))
                if isinstance(rendered, str)
                else rendered
            )
        if kind == "bool":
            return render_bool(value, self._pick(style.boolean, noisy))
        return str(value)

    def _cell_or_text(self, rendered: Any, value: date) -> Any:
        if self.cell_formats or isinstance(rendered, str):
            return rendered
        return f"{_as_date(value):%Y-%m-%d}"

    def _encodable(self, text: str, fallback: str) -> str:
        if self.narrow:
            try:
                text.encode("gbk")
            except UnicodeEncodeError:
                return fallback
        return text

    # 2. rows -> file

    def write(self, row: Mapping[str, Any]) -> None:
        self._emit(self.render_row(row))
        self.rows += 1
        self.last_row = row
        amount = row.get("amount")
        if isinstance(amount, int):
            self.amount_total += amount

    def write_junk(self, row: Mapping[str, Any]) -> None:
        """A typed row that the importer must reject (it carries a missing or garbled `Raw` value)."""
        self._emit(self.render_row(row))
        self.rows += 1
        self.rejects += 1

    def write_cells(self, cells: list[Any]) -> None:
        """Cells exactly as given, in column order (a good row, e.g. a numeric standard)."""
        self._emit(cells)
        self.rows += 1

    def write_raw(self, cells: Mapping[str, str], *, reject: bool = True) -> None:
        """A row written verbatim by column key (totals rows, footers, garbled values)."""
        out = []
        for col in self.spec.columns:
            if col.kind == "serial" and col.key not in cells:
                out.append("")
            else:
                out.append(cells.get(col.key, ""))
        self._emit(out)
        self.rows += 1
        self.rejects += int(reject)

    def _emit(self, cells: list[Any]) -> None:
        raise NotImplementedError

    def close(self) -> dict[str, Any]:
        self.closed = True
        return {
            "path": self.spec.path,
            "dataset": self.spec.dataset,
            "format": self.spec.fmt,
            "encoding": self.spec.encoding if self.spec.fmt in ("csv", "txt") else None,
            "sheet": self.spec.sheet,
            "delimiter": self.spec.delimiter if self.spec.fmt in ("csv", "txt") else None,
            "title_rows": len(self.spec.titles),
            "rows": self.rows,
            "expected_rejects": self.rejects,
        }


class CsvSink(Sink):
    """CSV or delimited TXT in any encoding; title rows are written as one-cell rows."""

    def __init__(self, root: Path, spec: FileSpec, seed: int) -> None:
        super().__init__(root, spec, seed)
        self._raw = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._text = io.TextIOWrapper(self._raw, encoding=spec.encoding or "utf-8", newline="")
        self._csv = csv.writer(self._text, delimiter=spec.delimiter, lineterminator="\r\n")
        for title in spec.titles:
            self._csv.writerow([title] if title else [])
        self._csv.writerow([c.header for c in spec.columns])

    def _emit(self, cells: list[Any]) -> None:
        self._csv.writerow(cells)

    def write_lines(self, text: str, rows: int) -> None:
        """Pre-joined lines from the bulk path (values never need quoting there)."""
        self._text.write(text)
        self.rows += rows

    def close(self) -> dict[str, Any]:
        self._text.flush()
        self._text.close()
        return super().close()


class XlsxSink(Sink):
    """XLSX in openpyxl's write-only (streaming) mode."""

    def __init__(self, root: Path, spec: FileSpec, seed: int) -> None:
        super().__init__(root, spec, seed)
        from openpyxl import Workbook

        self._wb = Workbook(write_only=True)
        fixed = datetime(*FROZEN_TIME)
        self._wb.properties.creator = "明镜演示数据"
        self._wb.properties.created = fixed
        if spec.sheet:
            notes = self._wb.create_sheet("填表说明")
            for line in spec.notes:
                notes.append([line])
        self._ws = self._wb.create_sheet(spec.sheet or "Sheet1")
        width = len(spec.columns)
        for title in spec.titles:
            self._ws.append([title] + [None] * (width - 1) if title else [None] * width)
        self._ws.append([c.header for c in spec.columns])

    def _emit(self, cells: list[Any]) -> None:
        self._ws.append([None if c == "" else c for c in cells])

    def close(self) -> dict[str, Any]:
        self._wb.save(self.path)
        freeze_zip(self.path)
        return super().close()


class XlsSink(Sink):
    """Legacy XLS through xlwt (kept small: the format holds 65,536 rows per sheet)."""

    MAX_ROWS = 65_000

    def __init__(self, root: Path, spec: FileSpec, seed: int) -> None:
        super().__init__(root, spec, seed)
        import xlwt

        self._xlwt = xlwt
        self._wb = xlwt.Workbook(encoding="utf-8")
        self._ws = self._wb.add_sheet(spec.sheet or "Sheet1")
        self._date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
        self._r = 0
        for title in spec.titles:
            if title:
                self._ws.write(self._r, 0, title)
            self._r += 1
        for c, col in enumerate(spec.columns):
            self._ws.write(self._r, c, col.header)
        self._r += 1

    def _emit(self, cells: list[Any]) -> None:
        if self._r >= self.MAX_ROWS:
            raise ValueError(f"{self.spec.path}: too many rows for .xls")
        for c, value in enumerate(cells):
            if value == "" or value is None:
                continue
            if isinstance(value, date):
                self._ws.write(self._r, c, value, self._date_style)
            elif isinstance(value, Decimal):
                # xlwt only writes IEEE doubles; an Excel number cell is a double whatever we do.
                self._ws.write(self._r, c, float(value))
            else:
                self._ws.write(self._r, c, value)
        self._r += 1

    def close(self) -> dict[str, Any]:
        self._wb.save(str(self.path))
        return super().close()


def open_sink(root: Path, spec: FileSpec, seed: int) -> Sink:
    if spec.fmt in ("csv", "txt"):
        return CsvSink(root, spec, seed)
    if spec.fmt == "xlsx":
        return XlsxSink(root, spec, seed)
    if spec.fmt == "xls":
        return XlsSink(root, spec, seed)
    raise ValueError(spec.fmt)


_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def freeze_zip(path: Path) -> None:
    """Rewrite an XLSX archive with fixed entry timestamps and a fixed `modified` property, so
    the same seed gives the same bytes (openpyxl stamps the save time into both)."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    stamp = datetime(*FROZEN_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _MODIFIED.sub(
                    b'<dcterms:modified xsi:type="dcterms:W3CDTF">'
                    + stamp
                    + b"</dcterms:modified>",
                    data,
                )
            info = zipfile.ZipInfo(name, date_time=FROZEN_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
