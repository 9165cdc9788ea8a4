"""Property: every row of a messy payment roll ends up loaded or in the rejects file, never lost.

Hypothesis writes payment rolls mixing good rows, rows missing a required value, unparseable
amounts, periods and region codes, blank lines, rows with too many or too few fields, and quoted
cells (commas, quotes, line breaks). The expected fate and value of every row is computed from the
scalar normalisers in `mingjing.lib`, so the vectorised import must agree with them exactly.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingjing.datahub import queries
from mingjing.lib import ids, values
from mingjing.lib.values import ValueProblem
from tests.files import PAYMENT_HEADERS, import_json, make_id, read_rejects

pytestmark = pytest.mark.django_db

HEADERS = [*PAYMENT_HEADERS, "备注"]  # 备注 is not a payments column: ignored, but read and quoted
WIDTH = len(HEADERS)
ID_WITH_X = "44030119871112102X"

program_codes = st.sampled_from(["P01", "P02", " P03 ", "10086.0", "dibao-01", ""])
id_numbers = st.sampled_from(
    [
        make_id(seq="001"),
        make_id(seq="002"),
        make_id("530102", "19851224", "046"),
        ID_WITH_X,
        ID_WITH_X.lower(),  # lower-case x
        "110101900307123",  # 15 digits, upgraded
        "110101 19900307 1233",
        "１１０１０１１９９００３０７１２３３",  # separators, full width
        make_id(seq="001")[:17] + "9",  # wrong check char: loaded, flagged
        "11010119900230123X",
        "12345",  # impossible date, wrong shape
        "",
        "  ",
    ]
)
names = st.sampled_from(
    [
        "张三",
        " 李 四 ",
        "王\u3000五",
        "阿依古丽•买买提",
        "阿依古丽・买买提",
        '赵"六"',
        "钱,七",
        "",
        "\u3000",
    ]
)
regions = st.sampled_from(
    ["110101001001", " 110101001001 ", "110101001001.0", "11010100100", "村委会", ""]
)
periods = st.sampled_from(
    [
        "2021-07",
        "2021/7",
        "202107",
        "2021年7月",
        "2021.07",
        "2021-07-15",
        "2021-13",
        "七月",
        "2021-02",
        "",
    ]
)
amounts = st.sampled_from(
    [
        "100",
        "100.5",
        "1,234.50",
        "1234.50元",
        "￥12.5",
        "¥1,234",
        "-30",
        "１２３",
        "0",
        "abc",
        "1.234",
        "",
        " 88 ",
    ]
)
remarks = st.sampled_from(
    ["", "补发", "补发,6月", '说"明"', "多行\n备注", "第一行\n第二行\n第三行"]
)


@dataclass
class Record:
    kind: str  # row | short | extra | blank
    cells: list[str]


@st.composite
def records(draw: st.DrawFn) -> Record:
    kind = draw(st.sampled_from(["row", "row", "row", "row", "short", "extra", "blank"]))
    if kind == "blank":
        return Record(kind, [])
    cells = [
        draw(program_codes),
        draw(id_numbers),
        draw(names),
        draw(regions),
        draw(periods),
        draw(amounts),
        draw(remarks),
    ]
    if not any(c.strip(values.WHITESPACE) for c in cells):
        cells[0] = "P01"  # a row of nothing but empty cells is a blank row, not a record
    if kind == "short":
        cells = cells[: draw(st.integers(min_value=3, max_value=WIDTH - 1))]
    if kind == "extra":
        cells.append(draw(st.sampled_from(["多余", "extra,field"])))
    return Record(kind, cells)


def write_roll(path: Path, rows: list[Record]) -> dict[int, Record]:
    """Write the roll; return each non-blank record (one with a non-empty cell) by its first line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    line = 2
    starts: dict[int, Record] = {}
    for record in rows:
        if record.kind == "blank":
            out.write("\n")
            line += 1
            continue
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(record.cells)
        if any(c.strip() for c in record.cells):  # a line of empty cells (`,,`) is blank too
            starts[line] = record
        out.write(text.getvalue())
        line += text.getvalue().count("\n")
    path.write_text(out.getvalue(), encoding="utf-8")
    return starts


REQUIRED = {  # file column -> scalar normaliser (None: kept as shaped by ids.normalise_id_number)
    0: values.normalise_code,
    1: None,
    2: values.normalise_name,
    3: values.normalise_region_code,
    4: values.parse_period,
    5: values.parse_amount,
}


def expected_row(record: Record) -> dict[str, object] | None:
    """What the lake must hold for this record, or None when it must be rejected."""
    if record.kind == "extra":
        return None
    cells = [c.strip(values.WHITESPACE) for c in (record.cells + [""] * WIDTH)[:WIDTH]]
    if any(not cells[i] for i in REQUIRED):
        return None
    try:
        typed = {i: parser(cells[i])[0] for i, parser in REQUIRED.items() if parser is not None}
    except ValueProblem:
        return None
    number = ids.normalise_id_number(cells[1])
    return {
        "program_code": typed[0],
        "id_number": number.value,
        "id_valid": number.valid,
        "name": typed[2],
        "region_code": typed[3],
        "period": typed[4],
        "amount": typed[5],
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(records(), min_size=1, max_size=30).filter(
        lambda rs: any(r.kind != "blank" for r in rs)
    )
)
def test_every_row_is_loaded_or_rejected_exactly_once_with_the_scalar_normalisers_values(
    tmp_path: Path, rows: list[Record]
) -> None:
    directory = tmp_path / uuid.uuid4().hex
    directory.mkdir()
    starts = write_roll(directory / "roll.csv", rows)

    report = import_json("payments", directory / "roll.csv", "--force")

    # 1. the counts add up, and count every non-blank row
    assert report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]
    assert report["rows_read"] == len(starts)
    assert report["blank_rows"] == sum(r.kind == "blank" or not any(c.strip() for c in r.cells) for r in rows)

    # 2. every source row is in exactly one of the lake and the rejects file
    [path] = [p for batch_id, p in queries.snapshot()["payments"] if batch_id == report["batch_id"]]
    loaded = {r["_row"]: r for r in pq.read_table(path).to_pylist()}
    rejected = [int(r["源行号 source_row"]) for r in read_rejects(report)]
    assert len(loaded) == report["rows_loaded"]
    assert len(rejected) == len(set(rejected)) == report["rows_rejected"]
    assert not set(loaded) & set(rejected)
    assert set(loaded) | set(rejected) == set(starts)

    # 3. the fate and the values are what the scalar normalisers say
    for line, record in starts.items():
        expected = expected_row(record)
        if expected is None:
            assert line in rejected, (line, record)
            continue
        assert line in loaded, (
            line,
            record,
            [r for r in read_rejects(report) if r["源行号 source_row"] == str(line)],
        )
        got = {k: loaded[line][k] for k in expected}
        assert got == expected, (line, record)
