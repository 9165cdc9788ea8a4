"""The value normalisation table of the data contract, one rule at a time (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from mingjing.datahub.contract import DATASETS, header_index, normalise_header
from mingjing.lib import ids, values
from mingjing.lib.values import ValueProblem
from tests.files import make_id

JULY_1 = dt.date(2021, 7, 1)
GOOD = make_id("110101", "19900307", "123")  # 110101199003071233
GOOD_X = make_id("110101", "19900307", "125")  # check char X


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- ID numbers --------------------------------------------------------------------------------------


def test_the_synthetic_numbers_are_shaped_as_the_tests_assume() -> None:
    assert GOOD == "110101199003071233"
    assert GOOD_X.endswith("X")


def test_a_canonical_id_number_is_kept_and_valid() -> None:
    result = ids.normalise_id_number(GOOD)
    assert (result.value, result.valid, result.notes) == (GOOD, True, ())


def test_a_lowercase_x_is_upper_cased() -> None:
    result = ids.normalise_id_number(GOOD_X.lower())
    assert result.value == GOOD_X
    assert result.valid
    assert "id_lowercase_x" in result.notes


def test_full_width_digits_are_folded() -> None:
    result = ids.normalise_id_number(fullwidth(GOOD))
    assert result.value == GOOD
    assert result.valid
    assert "id_fullwidth" in result.notes


def test_a_full_width_lowercase_x_is_folded_and_upper_cased() -> None:
    result = ids.normalise_id_number(fullwidth(GOOD_X.lower()))
    assert (result.value, result.valid) == (GOOD_X, True)


@pytest.mark.parametrize(
    "raw",
    [
        "110101 19900307 1233",
        "110101-19900307-1233",
        " 110101199003071233 ",
        "110101\u300019900307\u30001233",
        "110101\t199003071233",
    ],
)
def test_spaces_and_dashes_inside_an_id_number_are_removed(raw: str) -> None:
    result = ids.normalise_id_number(raw)
    assert (result.value, result.valid) == (GOOD, True)


def test_a_15_digit_number_is_upgraded_with_the_century_and_the_right_check_char() -> None:
    result = ids.normalise_id_number("110101900307123")
    assert result.value == "110101199003071233"
    assert result.valid
    assert "id_upgraded_15_to_18" in result.notes
    assert ric.is_valid(result.value)


def test_a_full_width_15_digit_number_is_upgraded_too() -> None:
    result = ids.normalise_id_number(fullwidth("110101900307123"))
    assert (result.value, result.valid) == (GOOD, True)


def test_a_wrong_check_char_makes_the_number_invalid_but_keeps_it() -> None:
    wrong = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    result = ids.normalise_id_number(wrong)
    assert result.value == wrong
    assert result.valid is False
    assert "id_invalid" in result.notes


@pytest.mark.parametrize(
    "first17",
    [
        "11010119900230123",  # 30 February
        "11010119901301123",  # month 13
        "11010118991231123",  # before 1900
        "11010130000101123",  # born in the future
    ],
)
def test_an_impossible_birth_date_makes_a_checksummed_number_invalid(first17: str) -> None:
    number = first17 + ids.check_char(first17)
    result = ids.normalise_id_number(number)
    assert result.value == number
    assert result.valid is False


@pytest.mark.parametrize(
    "raw", ["1101011990030712", "1101011990030712345", "身份证号", "11010119900307123Y"]
)
def test_a_number_of_the_wrong_shape_is_kept_as_cleaned_text_and_invalid(raw: str) -> None:
    result = ids.normalise_id_number(raw)
    assert result.value == raw
    assert result.valid is False


def test_what_the_number_encodes_is_read_from_it() -> None:
    assert ids.birth_date(GOOD) == dt.date(1990, 3, 7)
    assert ids.gender(GOOD) == "男"  # digit 17 is 3
    assert ids.gender(make_id(seq="124")) == "女"
    assert ids.birth_date("11010119900230123X") is None


# -- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [" 张三 ", "张 三", "张\u3000三", "\u3000张三\u3000", "张\u00a0三", "张  三\t"]
)
def test_spaces_of_every_kind_are_removed_from_names(raw: str) -> None:
    value, note = values.normalise_name(raw)
    assert value == "张三"
    assert note == "name_spaces_removed"


@pytest.mark.parametrize("dot", ["•", "・", "‧", "･"])
def test_each_middle_dot_variant_in_a_minority_name_becomes_u00b7(dot: str) -> None:
    value, note = values.normalise_name(f"阿依古丽{dot}买买提")
    assert value == "阿依古丽·买买提"
    assert note == "name_middle_dot_unified"


def test_a_canonical_name_is_left_alone() -> None:
    assert values.normalise_name("阿依古丽·买买提") == ("阿依古丽·买买提", None)


def test_spaces_and_a_dot_variant_are_both_fixed_and_both_noted() -> None:
    value, note = values.normalise_name(" 阿依古丽 ・ 买买提 ")
    assert value == "阿依古丽·买买提"
    assert note == "name_spaces_removed+name_middle_dot_unified"


# -- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2021-07-01",
        "2021/7/1",
        "2021/07/01",
        "2021.7.1",
        "20210701",
        "2021年7月1日",
        "2021年07月01日",
        "２０２１－０７－０１",
        " 2021-07-01 ",
    ],
)
def test_every_written_date_format_is_read(raw: str) -> None:
    assert values.parse_date(raw)[0] == JULY_1


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        ("44378", JULY_1),
        ("44378.0", JULY_1),
        ("44378.75", JULY_1),  # a time of day on the serial
        ("43831", dt.date(2020, 1, 1)),
        ("25569", dt.date(1970, 1, 1)),
        ("36526", dt.date(2000, 1, 1)),
    ],
)
def test_excel_serial_dates_are_read(serial: str, expected: dt.date) -> None:
    value, note = values.parse_date(serial)
    assert value == expected
    assert note == "date_excel_serial"


@pytest.mark.parametrize(
    "raw",
    [
        "2021-07-01 00:00:00",
        "2021-07-01 13:45",
        "2021-07-01T13:45:10",
        "2021/7/1 8:05:00",
        "2021-07-01 13:45:10.5",
    ],
)
def test_a_datetime_keeps_its_date_and_drops_the_time(raw: str) -> None:
    assert values.parse_date(raw) == (JULY_1, "date_time_dropped")


def test_a_canonical_date_has_no_note_and_a_reformatted_one_does() -> None:
    assert values.parse_date("2021-07-01") == (JULY_1, None)
    assert values.parse_date("2021/7/1")[1] == "date_reformatted"


@pytest.mark.parametrize("raw", ["2021-02-30", "2021-13-01", "明天", "2021-07", "07/01/2021", "0"])
def test_an_impossible_or_unreadable_date_is_a_value_problem_in_both_languages(raw: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_date(raw)
    assert "日期" in caught.value.zh
    assert "date" in caught.value.en
    assert raw in caught.value.en


# -- periods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2021-07",
        "2021/7",
        "2021/07",
        "202107",
        "2021年7月",
        "2021年07月",
        "2021.07",
        "2021.7",
        "２０２１－０７",
    ],
)
def test_every_written_month_format_is_the_first_day_of_that_month(raw: str) -> None:
    assert values.parse_period(raw)[0] == JULY_1


@pytest.mark.parametrize(
    "raw", ["2021-07-15", "2021/7/31", "20210715", "2021年7月15日", "44392", "2021-07-15 10:00:00"]
)
def test_a_full_date_as_a_period_gives_its_month(raw: str) -> None:
    value, note = values.parse_period(raw)
    assert value == JULY_1
    assert note == "period_from_date"


def test_a_canonical_period_has_no_note() -> None:
    assert values.parse_period("2021-07") == (JULY_1, None)
    assert values.parse_period("202107")[1] == "period_reformatted"


@pytest.mark.parametrize("raw", ["2021-13", "202113", "2021年13月", "七月", "1899-12"])
def test_an_impossible_month_is_a_value_problem(raw: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_period(raw)
    assert "period" in caught.value.en
    assert "发放期间" in caught.value.zh


def test_a_bare_year_is_not_read_as_an_excel_serial_month() -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_period("2021")  # as serial 2021 it would be 1905-07
    assert "2021" in caught.value.en


# -- amounts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1234.50元", "1234.50"),
        ("￥1234.5", "1234.50"),
        ("¥1,234", "1234.00"),
        ("１２３４．５", "1234.50"),
        ("１，２３４．５０元", "1234.50"),
        ("-30", "-30.00"),
        ("-1,234.50元", "-1234.50"),
        ("0", "0.00"),
        ("  88.8 ", "88.80"),
        ("1234567890123.45", "1234567890123.45"),
    ],
)
def test_every_written_amount_is_a_two_place_decimal(raw: str, expected: str) -> None:
    value, _ = values.parse_amount(raw)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == -2
    assert str(value) == expected


def test_a_canonical_amount_has_no_note_and_a_cleaned_one_does() -> None:
    assert values.parse_amount("1234.50") == (Decimal("1234.50"), None)
    assert values.parse_amount("1,234.50")[1] == "amount_reformatted"


def test_an_amount_with_three_decimal_places_is_refused_not_rounded() -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_amount("1234.567")
    assert "两位小数" in caught.value.zh
    assert "two decimal places" in caught.value.en


@pytest.mark.parametrize("raw", ["abc", "12元5角", "1.2.3", "1e3", "--5", "一百", "nan", "inf"])
def test_an_unreadable_amount_is_a_value_problem(raw: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_amount(raw)
    assert "金额" in caught.value.zh
    assert "amount" in caught.value.en


def test_an_amount_too_large_for_the_lake_is_refused() -> None:
    with pytest.raises(ValueProblem):
        values.parse_amount("10000000000000000")


# -- region codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "110101001001",
        " 110101001001 ",
        "110101 001 001",
        "１１０１０１００１００１",
        "110101001001.0",
    ],
)
def test_a_12_digit_region_code_is_read(raw: str) -> None:
    assert values.normalise_region_code(raw)[0] == "110101001001"


@pytest.mark.parametrize(
    "raw", ["11010100100", "1101010010011", "110101", "东城区", "11010100100A"]
)
def test_a_region_code_that_is_not_12_digits_is_a_value_problem(raw: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        values.normalise_region_code(raw)
    assert "12" in caught.value.en


# -- booleans ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("N", False),
        ("y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("False", False),
        ("已备案", True),
        ("未备案", False),
        (" 是 ", True),
        ("Ｙ", True),
    ],
)
def test_every_written_yes_or_no_is_a_boolean(raw: str, expected: bool) -> None:
    assert values.parse_boolean(raw)[0] is expected


def test_an_unknown_yes_or_no_is_a_value_problem() -> None:
    with pytest.raises(ValueProblem):
        values.parse_boolean("也许")


# -- region levels and programme categories ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("county", "county"),
        ("县", "county"),
        ("区", "county"),
        ("乡", "township"),
        ("镇", "township"),
        ("街道", "township"),
        ("村", "village"),
        ("社区", "village"),
        ("Village", "village"),
    ],
)
def test_region_levels_are_read_in_english_or_chinese(raw: str, expected: str) -> None:
    assert values.parse_region_level(raw)[0] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dibao", "dibao"),
        ("低保", "dibao"),
        ("dibao 低保", "dibao"),
        ("特困", "tekun"),
        ("高龄", "elderly"),
        ("残疾", "disability"),
        ("教育", "education"),
        ("农业", "agriculture"),
        ("其他", "other"),
    ],
)
def test_programme_categories_are_read_as_code_or_chinese_word(raw: str, expected: str) -> None:
    assert values.parse_category(raw)[0] == expected


def test_an_unknown_programme_category_lists_the_known_ones() -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_category("扶贫")
    assert "dibao" in caught.value.en


# -- headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 身份证号 ", "身份证号"),
        ("身份 证号", "身份证号"),
        ("身份\u3000证号", "身份证号"),
        ("\u3000姓\u3000名\u3000", "姓名"),
        ("发放金额(元)", "发放金额"),
        ("金额（元）", "金额"),
        ("发放金额 (元)", "发放金额"),
        ("发放金额（人民币元）", "发放金额"),
        ("村（社区）代码", "村(社区)代码"),
        ("ＩＤ＿ＮＵＭＢＥＲ", "id_number"),
    ],
)
def test_headers_are_matched_after_trimming_unit_and_width_folding(raw: str, expected: str) -> None:
    assert normalise_header(raw) == expected


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("发放金额(元)", "amount"),
        ("金额（元）", "amount"),
        ("实发金额 （元）", "amount"),
        ("身份证号\u3000", "id_number"),
        ("村（社区）代码", "region_code"),
        ("乡镇（街道）", "township_name"),
        ("村(社区)", "village_name"),
        ("amount", "amount"),
    ],
)
def test_messy_payment_headers_map_to_their_canonical_column(header: str, column: str) -> None:
    assert header_index(DATASETS["payments"])[normalise_header(header)] == column


def test_no_synonym_is_claimed_by_two_columns_of_one_dataset() -> None:
    for dataset in DATASETS.values():
        index = header_index(dataset)
        for col in dataset.columns:
            for synonym in col.synonyms:
                assert index[normalise_header(synonym)] == col.name, (dataset.name, synonym)


# -- the vectorised ID check agrees with stdnum --------------------------------------------------------

DIGITS = "0123456789"
first17s = st.text(alphabet=DIGITS, min_size=17, max_size=17)


def stdnum_checksum_ok(number: str) -> bool:
    """stdnum's verdict on the checksum alone (its `validate` also consults a county table)."""
    return number[-1] == ric.calc_check_digit(ric.compact(number))


@st.composite
def eighteen_char_numbers(draw: st.DrawFn) -> str:
    """Half well-formed numbers with the right check char, half with a corrupted one."""
    first17 = draw(first17s)
    if draw(st.booleans()):
        return first17 + ids.check_char(first17)
    return first17 + draw(st.sampled_from("0123456789X"))


@given(st.lists(eighteen_char_numbers(), min_size=1, max_size=40))
def test_the_vectorised_checksum_agrees_with_stdnum(numbers: list[str]) -> None:
    matrix = np.frombuffer("".join(numbers).encode("ascii"), dtype=np.uint8).reshape(
        len(numbers), 18
    )
    fast = ids.check_many(matrix)
    for number, ok in zip(numbers, fast, strict=True):
        assert bool(ok) == stdnum_checksum_ok(number), number
        # is_valid adds the birth date on top of the checksum
        assert ids.is_valid(number) == (
            bool(ok)
            and ids.birth_date(number) is not None
            and ids.MIN_BIRTH <= ids.birth_date(number) <= dt.date.today()
        )


@given(
    first17s,
    st.integers(min_value=1, max_value=17),
    st.sampled_from(DIGITS),
)
def test_corrupting_one_digit_of_a_valid_number_is_always_caught(
    first17: str, position: int, digit: str
) -> None:
    number = first17 + ids.check_char(first17)
    corrupted = number[: position - 1] + digit + number[position:]
    matrix = np.frombuffer((number + corrupted).encode(), dtype=np.uint8).reshape(2, 18)
    ok, corrupted_ok = ids.check_many(matrix)
    assert ok
    assert corrupted_ok == (corrupted == number)


@given(
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)),
    st.text(alphabet=DIGITS, min_size=3, max_size=3),
)
def test_an_upgraded_15_digit_number_with_a_real_birth_date_is_always_valid(
    region: str, born: dt.date, seq: str
) -> None:
    old = region + born.strftime("%y%m%d") + seq
    new = ids.upgrade_15(old)
    assert len(new) == 18
    assert new[:6] == region and new[6:14] == born.strftime("%Y%m%d") and new[14:17] == seq
    assert ids.is_valid(new)
    assert stdnum_checksum_ok(new)
    assert ids.normalise_id_number(old).value == new
    matrix = np.frombuffer(new.encode(), dtype=np.uint8).reshape(1, 18)
    assert ids.check_many(matrix)[0]
