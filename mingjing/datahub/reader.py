"""Reading department files as they arrive: CSV/TXT in UTF-8 or GBK, XLSX and XLS.

`open_source` sniffs the format, encoding and delimiter, finds the header row under any title
rows and maps the headers to canonical columns; `Source.chunks()` then streams the data rows as
columns of text, each row carrying its source row number (the line number of a text file, the
row number of a sheet, as a person would find it in the file).

Text files are parsed by pyarrow one whole line per value and split into fields with vectorised
compute; only lines with quotes, or with the wrong number of fields, go through Python's `csv`
module. This keeps exact row numbers (pyarrow's own CSV parser cannot report them) at several
hundred thousand rows per second.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mingjing.datahub.contract import Dataset, header_index, missing_required, normalise_header

MAX_TITLE_ROWS = 5
SAMPLE_BYTES = 256 * 1024
BLOCK_SIZE = 8 * 1024 * 1024
SHEET_CHUNK = 50_000
DELIMITERS = (",", "\t", "|")


class FileProblem(Exception):
    """A file-level error: nothing is loaded. Carries the message in Chinese and English."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{zh}\n{en}")
        self.code = code
        self.zh = zh
        self.en = en


@dataclass
class BadRow:
    row: int
    reason: str
    values: list[str]


@dataclass
class RawChunk:
    rows: np.ndarray  # int64 source row numbers
    columns: list[pa.Array]  # one string array per file column, "" for an empty cell
    bad: list[BadRow] = field(default_factory=list)  # rows that could not even be split


@dataclass
class Source:
    path: Path
    format: str  # csv | xlsx | xls
    headers: list[str]
    header_row: int
    mapping: dict[int, str]  # file column index -> canonical column
    ignored_headers: list[str]
    encoding: str | None = None  # what pyarrow reads with
    reported_encoding: str | None = None  # what the report shows: utf-8, utf-8-sig, gbk, gb18030
    delimiter: str | None = None
    sheet: str | None = None
    blank_rows: int = 0
    _sheet_rows: Iterator[list[Any]] | None = None

    def chunks(self) -> Iterator[RawChunk]:
        if self.format == "csv":
            return self._text_chunks()
        return self._sheet_chunks()

    # -- text files ----------------------------------------------------------------------------

    def _text_chunks(self) -> Iterator[RawChunk]:
        """Blocks of whole lines; a clean block goes to pyarrow's CSV parser, others line by line.

        A block is clean when it has no quote character and every line has exactly one field per
        header: then each line is one row and row numbers are exact. Anything else (quotes,
        ragged or blank lines) is split line by line with the same row numbering.
        """
        assert self.delimiter is not None
        width = len(self.headers)
        names = [f"c{i}" for i in range(width)]
        options = (
            pacsv.ReadOptions(column_names=names, block_size=BLOCK_SIZE),
            pacsv.ParseOptions(
                delimiter=self.delimiter, quote_char=False, newlines_in_values=False, ignore_empty_lines=False
            ),
            pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        next_row = self.header_row + 1
        pending: list[tuple[int, str]] = []  # a quoted cell spanning lines, not yet closed
        for block in self._utf8_blocks():
            count = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            first_row, next_row = next_row, next_row + count
            if not pending and _is_clean(block, ord(self.delimiter), width):
                try:
                    table = pacsv.read_csv(pa.py_buffer(block), *options)
                except pa.ArrowInvalid as exc:
                    raise self._undecodable(exc) from exc
                if table.num_rows == count:
                    rows = np.arange(first_row, next_row, dtype=np.int64)
                    yield RawChunk(rows, [table.column(i).combine_chunks() for i in range(width)])
                    continue
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._undecodable(exc) from exc
            lines = text.split("\n")
            if block.endswith(b"\n"):
                lines.pop()
            lines = [line.removesuffix("\r") for line in lines]
            yield from self._split_lines(pa.array(lines, pa.string()), first_row, width, pending)
        if pending:
            row, text = pending[0][0], "\n".join(t for _, t in pending)
            yield RawChunk(
                np.array([], dtype=np.int64),
                [pa.array([], pa.string())] * width,
                [BadRow(row, "引号未闭合 / unbalanced quote", [text])],
            )

    def _utf8_blocks(self) -> Iterator[bytes]:
        """The data lines below the header, as UTF-8 blocks that end on a line boundary."""
        assert self.encoding is not None
        decoder = None if self.encoding == "utf8" else codecs.getincrementaldecoder(self.encoding)("strict")
        skip = self.header_row
        carry = b""
        with self.path.open("rb") as f:
            while True:
                raw = f.read(BLOCK_SIZE)
                if decoder is not None:
                    try:
                        data = decoder.decode(raw, final=not raw).encode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise self._undecodable(exc) from exc
                else:
                    data = raw
                data = carry + data
                if not raw:
                    if data and not skip:
                        yield data
                    return
                cut = data.rfind(b"\n") + 1
                block, carry = data[:cut], data[cut:]
                while skip and block:
                    newline = block.find(b"\n")
                    block = block[newline + 1 :] if newline >= 0 else b""
                    skip -= 1
                if block:
                    yield block

    def _undecodable(self, exc: Exception) -> FileProblem:
        return FileProblem(
            "undecodable",
            f"文件无法按 {self.reported_encoding} 编码完整读取(可能混用了多种编码)：{exc}",
            f"the file cannot be read as {self.reported_encoding} throughout (mixed encodings?): {exc}",
        )

    def _split_lines(
        self, lines: pa.Array, first_row: int, width: int, pending: list[tuple[int, str]]
    ) -> Iterator[RawChunk]:
        n = len(lines)
        rows = np.arange(first_row, first_row + n, dtype=np.int64)
        quoted = pc.match_substring(lines, '"').to_numpy(zero_copy_only=False)
        if pending or _has_open_quote(lines, quoted):
            yield self._python_rows([(int(r), lines[i].as_py()) for i, r in enumerate(rows)], width, pending)
            return
        blank = pc.match_substring_regex(lines, f"^[\\s{re.escape(self.delimiter or ',')}]*$").to_numpy(
            zero_copy_only=False
        )
        self.blank_rows += int(blank.sum())
        fields = pc.split_pattern(lines, self.delimiter)
        lengths = pc.list_value_length(fields).to_numpy(zero_copy_only=False)
        fast = (lengths == width) & ~quoted & ~blank
        if fast.any():
            take = pc.filter(fields, pa.array(fast))
            flat = pc.list_flatten(take)
            count = int(fast.sum())
            columns = [flat.take(pa.array(np.arange(i, count * width, width))) for i in range(width)]
            yield RawChunk(rows[fast], columns)
        slow = np.flatnonzero(~fast & ~blank)
        if len(slow):
            yield self._python_rows([(int(rows[i]), lines[int(i)].as_py()) for i in slow], width, pending)

    def _python_rows(
        self, lines: list[tuple[int, str]], width: int, pending: list[tuple[int, str]]
    ) -> RawChunk:
        """Rows with quotes, or with too few or too many fields, one at a time."""
        out_rows: list[int] = []
        out_cells: list[list[str]] = []
        bad: list[BadRow] = []
        for row, text in lines:
            if pending:
                pending.append((row, text))
                joined = "\n".join(t for _, t in pending)
                if joined.count('"') % 2:
                    continue
                row, text = pending[0][0], joined
                pending.clear()
            elif text.count('"') % 2:
                pending.append((row, text))
                continue
            cells = next(csv.reader([text], delimiter=self.delimiter or ","), [])
            if not any(c.strip() for c in cells):
                self.blank_rows += 1
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                bad.append(
                    BadRow(
                        row,
                        f"字段数多于表头：表头 {width} 列，本行 {len(cells)} 列 / "
                        f"more fields than headers: {width} expected, {len(cells)} found",
                        cells,
                    )
                )
                continue
            out_rows.append(row)
            out_cells.append((cells + [""] * width)[:width])
        columns = [pa.array([c[i] for c in out_cells], pa.string()) for i in range(width)]
        return RawChunk(np.array(out_rows, dtype=np.int64), columns, bad)

    # -- workbooks -----------------------------------------------------------------------------

    def _sheet_chunks(self) -> Iterator[RawChunk]:
        assert self._sheet_rows is not None
        width = len(self.headers)
        row = self.header_row
        rows: list[int] = []
        cells: list[list[str]] = []
        for values in self._sheet_rows:
            row += 1
            text = [cell_text(v) for v in values[:width]]
            text += [""] * (width - len(text))
            extra = [cell_text(v) for v in values[width:]]
            if not any(t.strip() for t in text) and not any(e.strip() for e in extra):
                self.blank_rows += 1
                continue
            rows.append(row)
            cells.append(text)
            if len(rows) >= SHEET_CHUNK:
                yield _chunk_from_cells(rows, cells, width)
                rows, cells = [], []
        if rows:
            yield _chunk_from_cells(rows, cells, width)


def _chunk_from_cells(rows: list[int], cells: list[list[str]], width: int) -> RawChunk:
    columns = [pa.array([c[i] for c in cells], pa.string()) for i in range(width)]
    return RawChunk(np.array(rows, dtype=np.int64), columns)


def _is_clean(block: bytes, delimiter: int, width: int) -> bool:
    """No quotes, and exactly `width - 1` delimiters on every line (so no blank lines either)."""
    data = np.frombuffer(block, dtype=np.uint8)
    if width < 2 or (data == ord('"')).any():
        return False
    ends = np.flatnonzero(data == ord("\n"))
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    delimiters = np.flatnonzero(data == delimiter)
    counts = np.searchsorted(delimiters, ends) - np.searchsorted(delimiters, starts)
    # A line of nothing but delimiters (`,,,,`) is blank: the line-by-line path counts it so.
    lengths = ends - starts
    return bool((counts == width - 1).all() and (lengths > width).all())


def _has_open_quote(lines: pa.Array, quoted: np.ndarray) -> bool:
    if not quoted.any():
        return False
    return any(lines[int(i)].as_py().count('"') % 2 for i in np.flatnonzero(quoted))


def cell_text(value: object) -> str:
    """A workbook cell as the text a person sees: integral numbers without `.0`, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 9))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


# -- opening a file ------------------------------------------------------------------------------


def open_source(path: Path, dataset: Dataset, *, sheet: str | None = None) -> Source:
    """Sniff and map a file; raise FileProblem for anything that makes it unreadable as a whole."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
    except OSError as exc:
        raise FileProblem("unreadable", f"无法读取文件：{exc}", f"cannot read the file: {exc}") from exc
    if not head:
        raise FileProblem("empty", "文件为空，没有任何内容", "the file is empty")
    if head.startswith(b"PK\x03\x04"):
        return _open_workbook(path, dataset, sheet, "xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _open_workbook(path, dataset, sheet, "xls")
    return _open_text(path, head, dataset)


def _detect_encoding(head: bytes) -> tuple[str, str, int]:
    """(encoding to read with, name to report, BOM length) for a text file's first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf8", "utf-8-sig", 3
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16", 2
    if b"\x00" in head:
        raise FileProblem(
            "undecodable",
            "文件含有二进制内容，不是文本表格，也不是 Excel 工作簿",
            "the file holds binary data: it is neither a text table nor an Excel workbook",
        )
    sample = head[: head.rfind(b"\n") + 1] if len(head) == SAMPLE_BYTES else head
    try:
        sample.decode("utf-8")
        return "utf8", "utf-8", 0
    except UnicodeDecodeError:
        pass
    for name in ("gbk", "gb18030"):
        try:
            sample.decode(name)
            return "gb18030", name, 0  # read with the superset; report what the sample was
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        "undecodable",
        "无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030",
        "cannot decode the file: it is neither UTF-8 nor GBK/GB18030",
    )


def _open_text(path: Path, head: bytes, dataset: Dataset) -> Source:
    read_encoding, reported, bom = _detect_encoding(head)
    text = head[bom:].decode("utf-16" if read_encoding == "utf-16" else reported, errors="replace")
    lines = [line.removesuffix("\r") for line in text.split("\n")[: MAX_TITLE_ROWS + 20]]
    best: tuple[int, str, int, list[str]] | None = None  # (mapped count, delimiter, line, headers)
    for delimiter in DELIMITERS:
        rows, ends = _records(lines, delimiter)
        found = _find_header(rows, dataset)
        if found and (best is None or found[1] > best[0]):
            # The header's row number is the physical line it ends on: a title cell may span lines.
            best = (found[1], delimiter, ends[found[0]], rows[found[0]])
    if best is None:
        candidates, _ = _records(lines, _guess_delimiter(lines))
        raise _missing_columns(dataset, _first_nonblank(candidates))
    _, delimiter, header_line, headers = best
    source = _mapped_source(path, "csv", headers, header_line, dataset)
    source.encoding = read_encoding
    source.delimiter = delimiter
    source.reported_encoding = reported
    return source


def _records(lines: list[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    """CSV records of the first lines, with the physical line number each one ends on."""
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    rows, ends = [], []
    try:
        for record in reader:
            rows.append(record)
            ends.append(reader.line_num)
    except csv.Error:
        pass  # an unclosed quote at the end of the sample: the records before it are enough
    return rows, ends


def _open_workbook(path: Path, dataset: Dataset, sheet: str | None, fmt: str) -> Source:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise FileProblem(
                "no_such_sheet",
                f"工作簿中没有名为“{sheet}”的工作表；现有工作表：{'、'.join(names)}",
                f"the workbook has no sheet named '{sheet}'; sheets found: {', '.join(names)}",
            )
        chosen = sheet if sheet is not None else names[0]
        rows_iter = iter(workbook.get_sheet_by_name(chosen).iter_rows())
    except (CalamineError, ValueError, OSError) as exc:
        raise FileProblem(
            "unreadable", f"无法读取 Excel 工作簿：{exc}", f"cannot read the Excel workbook: {exc}"
        ) from exc
    head: list[list[str]] = []
    for values in rows_iter:
        head.append([cell_text(v) for v in values])
        if len(head) > MAX_TITLE_ROWS + 20:
            break
    found = _find_header(head, dataset)
    if not found:
        raise _missing_columns(dataset, _first_nonblank(head))
    index, _ = found
    headers = head[index]
    source = _mapped_source(path, fmt, headers, index + 1, dataset)
    source.sheet = chosen
    # Rows already read for sniffing come first, then the rest of the sheet.
    source._sheet_rows = _chain(head[index + 1 :], rows_iter)
    return source


def _chain(first: list[list[str]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


def _find_header(rows: list[list[str]], dataset: Dataset) -> tuple[int, int] | None:
    """(row index, mapped count) of the first row mapping at least half the required columns.

    Blank rows above the header do not count against the title-row allowance.
    """
    index = header_index(dataset)
    need = max(1, -(-len(dataset.required) // 2))
    seen = 0
    for i, row in enumerate(rows):
        if not any(c.strip() for c in row):
            continue
        mapped = {index[h] for h in map(normalise_header, row) if h in index}
        required_hits = sum(
            1 for r in dataset.required
            if r in mapped or any(a in mapped for a in dataset.alternatives.get(r, ()))
        )
        if required_hits >= need:
            return i, len(mapped)
        seen += 1
        if seen > MAX_TITLE_ROWS:
            return None
    return None


def _mapped_source(path: Path, fmt: str, headers: list[str], header_row: int, dataset: Dataset) -> Source:
    index = header_index(dataset)
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, header in enumerate(headers):
        canonical = index.get(normalise_header(header))
        if canonical is None or canonical in mapping.values():
            if header.strip():
                ignored.append(header)
            continue
        mapping[i] = canonical
    missing = missing_required(dataset, set(mapping.values()))
    if missing:
        raise _missing_columns(dataset, headers, missing)
    while headers and not headers[-1].strip() and len(headers) - 1 not in mapping:
        headers = headers[:-1]  # trailing empty header cells are not columns
    return Source(path, fmt, list(headers), header_row, mapping, ignored)


def _missing_columns(dataset: Dataset, found: list[str], missing: list[str] | None = None) -> FileProblem:
    missing = missing if missing is not None else missing_required(dataset, set())
    labels = []
    for name in missing:
        col = dataset.column(name)
        alt = dataset.alternatives.get(name)
        label = f"{col.synonyms[0] if col.synonyms else name}({name})"
        if alt:
            label += " 或/or " + "+".join(alt)
        labels.append(label)
    shown = [h for h in found if h.strip()]
    return FileProblem(
        "missing_columns",
        f"“{dataset.title}”({dataset.name})缺少必需列：{'、'.join(labels)}。"
        f"文件中找到的表头：{'、'.join(shown) or '(无)'}",
        f"dataset '{dataset.name}' is missing required columns: {', '.join(labels)}. "
        f"Headers found in the file: {', '.join(shown) or '(none)'}",
    )


def _first_nonblank(rows: list[list[str]]) -> list[str]:
    return max(rows[: MAX_TITLE_ROWS + 1], key=lambda r: sum(1 for c in r if c.strip()), default=[])


def _guess_delimiter(lines: list[str]) -> str:
    sample = "\n".join(lines)
    return max(DELIMITERS, key=sample.count)
