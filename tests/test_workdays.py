"""Deadlines count China's working days: statutory holidays off, adjusted weekend days on."""

from __future__ import annotations

import datetime as dt

from mingjing.lib import workdays


def test_the_national_day_holiday_is_skipped() -> None:
    # 2025-10-01 … 10-08 are holidays: one working day after 09-30 is 10-09.
    assert workdays.add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)


def test_an_adjusted_sunday_counts_as_a_working_day() -> None:
    # Sunday 2025-01-26 was worked in exchange for the Spring Festival.
    assert workdays.is_working_day(dt.date(2025, 1, 26))
    assert workdays.add_working_days(dt.date(2025, 1, 24), 1) == dt.date(2025, 1, 26)


def test_an_ordinary_weekend_is_skipped() -> None:
    assert workdays.add_working_days(dt.date(2025, 3, 7), 1) == dt.date(2025, 3, 10)  # Friday -> Monday


def test_a_deadline_ends_at_the_end_of_the_day_in_china() -> None:
    start = dt.datetime(2025, 3, 6, 20, 0, tzinfo=dt.UTC)  # already Friday 04:00 in China
    due = workdays.deadline(start, 1)
    assert due == dt.datetime(2025, 3, 10, 23, 59, 59, tzinfo=workdays.CHINA)


def test_working_days_between_counts_only_working_days() -> None:
    assert workdays.working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 9)) == 1
    assert workdays.working_days_between(dt.date(2025, 10, 9), dt.date(2025, 10, 9)) == 0
